// Safe aggregate tables: every small cell hidden, and no hidden cell
// recomputable from what is published (checked by solving for it).
#include "publish/aggregate.hpp"

#include <gtest/gtest.h>

#include <random>

#include "core/error.hpp"

namespace vigil::publish {
namespace {

CountTable table_of(std::vector<std::vector<std::int64_t>> counts) {
  CountTable t;
  for (std::size_t r = 0; r < counts.size(); ++r) t.row_labels.push_back("r" + std::to_string(r));
  for (std::size_t c = 0; c < counts.front().size(); ++c) {
    t.column_labels.push_back("c" + std::to_string(c));
  }
  t.counts = std::move(counts);
  return t;
}

// Every hidden cell's feasible range, given the published cells and
// margins, is wider than a point.
void expect_protected(const SafeTable& safe) {
  for (std::size_t r = 0; r < safe.status.size(); ++r) {
    for (std::size_t c = 0; c < safe.status[r].size(); ++c) {
      if (safe.status[r][c] == CellStatus::shown) continue;
      const CellRange range = feasible_range(safe, r, c);
      EXPECT_GT(range.high - range.low, 0.5) << "cell " << r << "," << c;
      const auto truth = static_cast<double>(safe.table.counts[r][c]);
      EXPECT_LE(range.low, truth + 1e-9);
      EXPECT_GE(range.high, truth - 1e-9);
    }
  }
}

TEST(SafeTable, ASmallCellAloneInItsRowIsRecoverableAndGetsAPartner) {
  // Row 0: 40 + 3 + 25 = 68. Hiding only the 3 would give it back as
  // 68 - 40 - 25; the audit below shows that, then suppress_table fixes it.
  const CountTable t = table_of({{40, 3, 25}, {30, 50, 12}, {22, 18, 60}});
  SafeTable primary_only = suppress_table(t, 1);  // nothing hidden
  primary_only.status[0][1] = CellStatus::primary;
  const CellRange exposed = feasible_range(primary_only, 0, 1);
  EXPECT_NEAR(exposed.low, 3.0, 1e-9);
  EXPECT_NEAR(exposed.high, 3.0, 1e-9);

  const SafeTable safe = suppress_table(t, 10);
  EXPECT_EQ(safe.primary, 1U);
  EXPECT_EQ(safe.status[0][1], CellStatus::primary);
  // The smallest partners: 25 in row 0, 18 in column 1, then 12 or 22 to
  // close the cycle; at least a 2 x 2 pattern.
  EXPECT_GE(safe.secondary, 3U);
  EXPECT_EQ(safe.status[0][2], CellStatus::secondary);
  EXPECT_EQ(safe.status[2][1], CellStatus::secondary);
  expect_protected(safe);
  EXPECT_EQ(safe.total, 260);
}

TEST(SafeTable, SmallMarginsAreSuppressedAndZerosShown) {
  const SafeTable safe = suppress_table(table_of({{0, 4}, {0, 50}, {30, 20}}), 10);
  EXPECT_TRUE(safe.row_total_suppressed[0]);  // 4
  EXPECT_FALSE(safe.row_total_suppressed[1]);
  EXPECT_EQ(safe.status[1][0], CellStatus::shown);  // a zero
  const std::string csv = to_csv(safe, "citizenship");
  EXPECT_EQ(csv.substr(0, csv.find('\n')), "citizenship,c0,c1,Total");
  EXPECT_EQ(csv.find(",4"), std::string::npos) << csv;
  expect_protected(safe);
}

TEST(SafeTable, RandomTablesHideEverySmallCellAndExposeNone) {
  std::mt19937_64 rng(20241128);
  for (int trial = 0; trial < 150; ++trial) {
    const std::size_t rows = 2 + rng() % 5;
    const std::size_t columns = 2 + rng() % 5;
    std::vector<std::vector<std::int64_t>> counts(rows, std::vector<std::int64_t>(columns));
    for (auto& row : counts) {
      for (auto& n : row) {
        const auto kind = rng() % 4;
        n = kind == 0   ? 0
            : kind == 1 ? static_cast<std::int64_t>(1 + rng() % 9)
                        : static_cast<std::int64_t>(rng() % 200);
      }
    }
    const SafeTable safe = suppress_table(table_of(counts), 10);
    for (std::size_t r = 0; r < rows; ++r) {
      for (std::size_t c = 0; c < columns; ++c) {
        const std::int64_t n = counts[r][c];
        if (n > 0 && n < 10) {
          EXPECT_EQ(safe.status[r][c], CellStatus::primary);
        }
        if (safe.status[r][c] == CellStatus::shown) {
          EXPECT_TRUE(n == 0 || n >= 10);
        }
      }
    }
    expect_protected(safe);
  }
}

TEST(SafeTable, RejectsBadTables) {
  CountTable ragged = table_of({{1, 2}, {3, 4}});
  ragged.counts[1].pop_back();
  EXPECT_THROW(suppress_table(ragged, 10), Error);
  EXPECT_THROW(suppress_table(table_of({{-1, 2}}), 10), Error);
  EXPECT_THROW(suppress_table(table_of({{1, 2}}), 0), Error);
  const SafeTable safe = suppress_table(table_of({{40, 50}, {60, 70}}), 10);
  EXPECT_THROW(feasible_range(safe, 0, 0), Error);  // not suppressed
}

}  // namespace
}  // namespace vigil::publish
