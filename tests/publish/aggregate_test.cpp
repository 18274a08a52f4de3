// Safe aggregate tables: every small count hidden, and no hidden count
// recomputable from what is published, checked by solving for it.
//
// The cube tests audit what a reader gets: the long CSV is parsed back and
// the auditor's linear programs are built here, from the published numbers
// alone (an unknown per cell of the cube, an equation per shown cell or
// margin), independently of the library's own audit.
#include "publish/aggregate.hpp"

#include <glpk.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <memory>
#include <random>
#include <sstream>

#include "core/error.hpp"

namespace vigil::publish {
namespace {

// ---------------------------------------------------------------------------
// Two-way tables

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
  // The hidden row total is a count too: with the other row totals (50,
  // 50) and the total (104) shown it would be 104 - 50 - 50, so one of them
  // is hidden as well.
  EXPECT_TRUE(safe.row_total_suppressed[1] || safe.row_total_suppressed[2] ||
              safe.total_suppressed);
  EXPECT_FALSE(safe.column_total_suppressed[1]);    // 74
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

// ---------------------------------------------------------------------------
// The reader's view: the long CSV parsed back, and an auditor built on it.

struct PublishedRow {
  std::vector<std::string> labels;  // "Total" where summed
  bool suppressed = false;
  std::int64_t count = 0;
  std::string status;
};

struct Published {
  std::vector<std::string> header;
  std::vector<PublishedRow> rows;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, ',')) out.push_back(field);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}

// The tests' labels hold no comma or quote, so a split is a CSV reader.
Published read_csv(const std::string& csv) {
  Published p;
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  p.header = split(line);
  const std::size_t dims = p.header.size() - 2;
  while (std::getline(in, line)) {
    const auto fields = split(line);
    EXPECT_EQ(fields.size(), dims + 2) << line;
    if (fields.size() != dims + 2) continue;
    PublishedRow row;
    row.labels.assign(fields.begin(), fields.begin() + static_cast<std::ptrdiff_t>(dims));
    row.suppressed = fields[dims] == "suppressed";
    if (!row.suppressed) row.count = std::stoll(fields[dims]);
    row.status = fields[dims + 1];
    p.rows.push_back(std::move(row));
  }
  return p;
}

// The auditor: an unknown x >= 0 per cell of the cube (labels as given),
// and for every shown row of the CSV, the sum of the cells it covers equals
// its count. Cells known to be zero by construction are fixed at zero.
class Auditor {
 public:
  Auditor(const Published& p, std::vector<std::vector<std::string>> labels,
          const std::vector<std::size_t>& known_zero = {})
      : labels_(std::move(labels)), lp_(glp_create_prob()) {
    cells_ = 1;
    for (const auto& l : labels_) cells_ *= l.size();
    glp_add_cols(lp_.get(), static_cast<int>(cells_));
    for (std::size_t c = 0; c < cells_; ++c) {
      glp_set_col_bnds(lp_.get(), static_cast<int>(c) + 1, GLP_LO, 0.0, 0.0);
    }
    for (const std::size_t c : known_zero) {
      glp_set_col_bnds(lp_.get(), static_cast<int>(c) + 1, GLP_FX, 0.0, 0.0);
    }
    std::vector<int> ia{0};
    std::vector<int> ja{0};
    std::vector<double> ar{0.0};
    for (const PublishedRow& row : p.rows) {
      if (row.suppressed) continue;
      const int r = glp_add_rows(lp_.get(), 1);
      const auto v = static_cast<double>(row.count);
      glp_set_row_bnds(lp_.get(), r, GLP_FX, v, v);
      for (const std::size_t c : covered(row.labels)) {
        ia.push_back(r);
        ja.push_back(static_cast<int>(c) + 1);
        ar.push_back(1.0);
      }
    }
    glp_load_matrix(lp_.get(), static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
    glp_init_smcp(&params_);
    params_.msg_lev = GLP_MSG_OFF;
  }

  // The cells (row-major over labels_) a row of labels covers.
  std::vector<std::size_t> covered(const std::vector<std::string>& row) const {
    std::vector<std::size_t> out;
    for (std::size_t c = 0; c < cells_; ++c) {
      std::size_t rest = c;
      bool in = true;
      for (std::size_t d = labels_.size(); d-- > 0;) {
        const std::size_t k = rest % labels_[d].size();
        rest /= labels_[d].size();
        in = in && (row[d] == "Total" || row[d] == labels_[d][k]);
      }
      if (in) out.push_back(c);
    }
    return out;
  }

  // The smallest and largest sum of the cells the row covers.
  std::pair<double, double> range(const std::vector<std::string>& row) {
    const auto cells = covered(row);
    double bounds[2] = {0, 0};
    for (const int direction : {GLP_MIN, GLP_MAX}) {
      for (const std::size_t c : cells) glp_set_obj_coef(lp_.get(), static_cast<int>(c) + 1, 1.0);
      glp_set_obj_dir(lp_.get(), direction);
      EXPECT_EQ(glp_simplex(lp_.get(), &params_), 0);
      const int status = glp_get_status(lp_.get());
      EXPECT_TRUE(status == GLP_OPT || status == GLP_UNBND);
      bounds[direction == GLP_MAX] = status == GLP_UNBND ? INFINITY : glp_get_obj_val(lp_.get());
      for (const std::size_t c : cells) glp_set_obj_coef(lp_.get(), static_cast<int>(c) + 1, 0.0);
    }
    return {bounds[0], bounds[1]};
  }

 private:
  struct Deleter {
    void operator()(glp_prob* p) const { glp_delete_prob(p); }
  };
  std::vector<std::vector<std::string>> labels_;
  std::size_t cells_ = 0;
  std::unique_ptr<glp_prob, Deleter> lp_;
  glp_smcp params_;
};

// The true count of a row: the cube's cells it covers, summed here.
std::int64_t truth(const CountCube& cube, const std::vector<std::string>& row) {
  std::int64_t sum = 0;
  for (std::size_t c = 0; c < cube.counts.size(); ++c) {
    std::size_t rest = c;
    bool in = true;
    for (std::size_t d = cube.labels.size(); d-- > 0;) {
      const std::size_t k = rest % cube.labels[d].size();
      rest /= cube.labels[d].size();
      in = in && (row[d] == "Total" || row[d] == cube.labels[d][k]);
    }
    if (in) sum += cube.counts[c];
  }
  return sum;
}

// What a reader can check, and more: the published rows are every cell
// and margin of the requested tables; every small count is hidden as
// primary; what is shown is true and never small; every hidden count's
// range, solved from the published numbers, holds the truth and more than
// one count. Returns the number of hidden entries.
std::size_t expect_safe(const SafeCube& safe, std::int64_t min_cell,
                        const std::vector<std::size_t>& known_zero = {}) {
  const CountCube& cube = safe.cube;
  const Published p = read_csv(to_long_csv(safe));
  EXPECT_EQ(p.rows.size(), safe.entries.size());
  Auditor auditor(p, cube.labels, known_zero);
  std::size_t hidden = 0;
  for (const PublishedRow& row : p.rows) {
    const std::int64_t n = truth(cube, row.labels);
    std::string where;
    for (const auto& l : row.labels) where += l + " ";
    if (!row.suppressed) {
      EXPECT_EQ(row.status, "shown") << where;
      EXPECT_EQ(row.count, n) << where;
      EXPECT_TRUE(n == 0 || n >= min_cell) << where << n;
      continue;
    }
    ++hidden;
    EXPECT_EQ(row.status, n > 0 && n < min_cell ? "primary" : "secondary") << where << n;
    const auto [low, high] = auditor.range(row.labels);
    EXPECT_GT(high - low, 0.5) << where << "is exposed: " << low << " to " << high;
    EXPECT_LE(low, static_cast<double>(n) + 1e-6) << where;
    EXPECT_GE(high, static_cast<double>(n) - 1e-6) << where;
  }
  return hidden;
}

CountCube random_cube(std::mt19937_64& rng, std::size_t dims, std::size_t max_labels,
                      std::size_t min_labels = 2) {
  CountCube cube;
  std::size_t cells = 1;
  for (std::size_t d = 0; d < dims; ++d) {
    cube.dimensions.push_back("d" + std::to_string(d));
    const std::size_t n = min_labels + rng() % (max_labels - min_labels + 1);
    cube.labels.emplace_back();
    for (std::size_t i = 0; i < n; ++i) cube.labels.back().push_back(std::string(1, 'a' + i));
    cells *= n;
  }
  // Many small cells and zeros: the hard case for suppression.
  for (std::size_t c = 0; c < cells; ++c) {
    const auto kind = rng() % 10;
    cube.counts.push_back(kind < 3   ? 0
                          : kind < 6 ? static_cast<std::int64_t>(1 + rng() % 9)
                                     : static_cast<std::int64_t>(10 + rng() % 70));
  }
  return cube;
}

// ---------------------------------------------------------------------------
// Cubes

TEST(SafeCube, RandomThreeAndFourWayTablesExposeNoHiddenCellOrMargin) {
  std::mt19937_64 rng(7041);
  std::size_t hidden = 0;
  std::size_t hidden_margins = 0;
  for (int trial = 0; trial < 100; ++trial) {
    const std::size_t dims = trial % 2 == 0 ? 3 : 4;
    const CountCube cube = random_cube(rng, dims, dims == 3 ? 4 : 3);
    const SafeCube safe = suppress_cube(cube, 10);
    SCOPED_TRACE(testing::Message() << "trial " << trial);
    hidden += expect_safe(safe, 10);
    for (const CubeEntry& e : safe.entries) {
      if (e.hidden() && std::count(e.coordinates.begin(), e.coordinates.end(), kTotal) > 0) {
        ++hidden_margins;
      }
    }
  }
  // The tables were hard: the checks above covered many hidden entries,
  // margins among them.
  EXPECT_GT(hidden, 1000U);
  EXPECT_GT(hidden_margins, 100U);
}

TEST(SafeCube, ACellOnlyRuleLeavesACellRecoverableThroughATwoWayMargin) {
  // A 2 x 2 x 2 table (dimensions i, j, k; labels 1 and 2), one small cell:
  //   k = 1:        j=1  j=2        k = 2:        j=1  j=2
  //          i=1      3   15                i=1    12    0
  //          i=2     20   30                i=2    25    0
  // A rule that looks at lines of cells only hides x111 = 3, then its
  // partner in each of its lines (x211, x121, x112), then theirs, until all
  // eight cells are hidden: every line of cells holds two hidden cells. But
  // the published two-way margins still give x111 away:
  //   (+,2,2) = x122 + x222 = 0, so x122 = x222 = 0 (counts are >= 0);
  //   (1,2,+) = x121 + x122 = 15, so x121 = 15;
  //   (1,+,1) = x111 + x121 = 18, so x111 = 3.
  CountCube cube;
  cube.dimensions = {"i", "j", "k"};
  cube.labels = {{"1", "2"}, {"1", "2"}, {"1", "2"}};
  cube.counts = {3, 12, 15, 0, 20, 25, 30, 0};  // row-major: k fastest

  SafeCube naive = suppress_cube(cube, 1);  // nothing hidden yet
  for (CubeEntry& e : naive.entries) {
    if (std::count(e.coordinates.begin(), e.coordinates.end(), kTotal) == 0) {
      e.status = e.count == 3 ? CellStatus::primary : CellStatus::secondary;
    }
  }
  Auditor auditor(read_csv(to_long_csv(naive)), cube.labels);
  const auto [low, high] = auditor.range({"1", "1", "1"});
  EXPECT_NEAR(low, 3.0, 1e-9);
  EXPECT_NEAR(high, 3.0, 1e-9);

  // The cube's rule also makes the lines of the marginal tables hold two
  // hidden entries, and its audit solves for every hidden entry: x111 is
  // protected, at the price of two-way margins.
  const SafeCube safe = suppress_cube(cube, 10);
  EXPECT_EQ(safe.entry({0, 0, 0}).status, CellStatus::primary);
  expect_safe(safe, 10);
  std::size_t hidden_two_way = 0;
  for (const CubeEntry& e : safe.entries) {
    hidden_two_way +=
        e.hidden() && std::count(e.coordinates.begin(), e.coordinates.end(), kTotal) == 1;
  }
  EXPECT_GE(hidden_two_way, 2U);
  // The zeros known from the shown zero margin (+,2,2) are not hidden: they
  // would protect nothing.
  EXPECT_EQ(safe.entry({kTotal, 1, 1}).status, CellStatus::shown);
}

TEST(SafeCube, PublishesEveryMarginTrueAndZerosShown) {
  CountCube cube;
  cube.dimensions = {"a", "b", "c"};
  cube.labels = {{"x", "y"}, {"p", "q", "r"}, {"2019", "2020"}};
  cube.counts = {10, 0, 25, 30, 0, 0, 12, 40, 11, 0, 60, 14};
  const SafeCube safe = suppress_cube(cube, 10);
  // 12 cells, 2-way margins 6 + 4 + 6, 1-way 2 + 3 + 2, the total.
  EXPECT_EQ(safe.entries.size(), 12U + 16U + 7U + 1U);
  EXPECT_EQ(safe.primary + safe.secondary, 0U);
  EXPECT_EQ(safe.entry({kTotal, kTotal, kTotal}).count, 202);
  EXPECT_EQ(safe.entry({0, kTotal, 1}).count, 0 + 30 + 0);
  EXPECT_EQ(safe.entry({kTotal, 2, kTotal}).count, 0 + 0 + 60 + 14);
  EXPECT_EQ(safe.entry({0, 1, 0}).status, CellStatus::shown);  // a zero
  EXPECT_EQ(expect_safe(safe, 10), 0U);

  // The CSV: one column per dimension, Total where summed, the entries in
  // order with totals after the labels.
  const std::string csv = to_long_csv(safe);
  std::istringstream in(csv);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "a,b,c,count,status");
  std::getline(in, line);
  EXPECT_EQ(line, "x,p,2019,10,shown");
  std::getline(in, line);
  EXPECT_EQ(line, "x,p,2020,0,shown");
  std::getline(in, line);
  EXPECT_EQ(line, "x,p,Total,10,shown");
  EXPECT_NE(csv.find("\nTotal,Total,Total,202,shown\n"), std::string::npos);
  EXPECT_EQ(csv.back(), '\n');
  EXPECT_THROW(to_long_csv(safe, "x"), Error);  // a label equal to the total's text

  // A margin of small cells is small too and is hidden with them; a zero
  // margin is shown.
  CountCube sparse = cube;
  sparse.counts = {3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0};
  const SafeCube s = suppress_cube(sparse, 10);
  EXPECT_EQ(s.entry({0, 0, 0}).status, CellStatus::primary);
  EXPECT_EQ(s.entry({kTotal, kTotal, kTotal}).status, CellStatus::primary);  // 7
  EXPECT_EQ(s.entry({0, 1, kTotal}).status, CellStatus::shown);              // 0
  expect_safe(s, 10);
}

TEST(SafeCube, UnpublishedTablesAndStructuralZerosAreTheAuditorsKnowledge) {
  // Three agencies' lists: who is on which. The report publishes how many
  // are on each list and on each pair (the one- and two-way tables), not
  // the capture histories; nobody is observed on no list.
  CountCube lists;
  lists.dimensions = {"police", "ngo", "labour"};
  lists.labels = {{"on", "off"}, {"on", "off"}, {"on", "off"}};
  // (on,on,on) (on,on,off) (on,off,on) (on,off,off) (off,on,on) ...
  lists.counts = {2, 14, 30, 120, 5, 80, 60, 0};
  CubeOptions options;
  options.tables = {{}, {0}, {1}, {2}, {0, 1}, {0, 2}, {1, 2}};
  options.structural_zeros = {7};
  const SafeCube safe = suppress_cube(lists, 10, options);
  EXPECT_EQ(safe.entries.size(), 1U + 6U + 12U);
  EXPECT_EQ(safe.find({0, 0, 0}), safe.entries.size());  // a history: not published
  // police and ngo: 2 + 14 = 16; ngo and labour: 2 + 5 = 7, small.
  EXPECT_EQ(safe.entry({0, 0, kTotal}).count, 16);
  EXPECT_EQ(safe.entry({kTotal, 0, 0}).status, CellStatus::primary);
  expect_safe(safe, 10, {7});

  CubeOptions bad;
  bad.tables = {{3}};  // no such dimension
  EXPECT_THROW(suppress_cube(lists, 10, bad), Error);
  bad.tables = {{0, 0}};
  EXPECT_THROW(suppress_cube(lists, 10, bad), Error);
  bad.tables.clear();
  bad.structural_zeros = {0};  // a count of 2
  EXPECT_THROW(suppress_cube(lists, 10, bad), Error);
}

TEST(SafeCube, LinkedEntriesAreHiddenOrShownAsAsked) {
  CountCube cube;
  cube.dimensions = {"origin"};
  cube.labels = {{"a", "b", "c", "d"}};
  cube.counts = {100, 40, 5, 30};  // total 175
  // Hidden in a linked table: hidden here too, with a partner.
  CubeOptions hide;
  hide.hide = {{0}};
  const SafeCube h = suppress_cube(cube, 10, hide);
  EXPECT_EQ(h.entry({0}).status, CellStatus::secondary);
  EXPECT_EQ(h.entry({2}).status, CellStatus::primary);
  EXPECT_EQ(h.entry({kTotal}).status, CellStatus::shown);
  expect_safe(h, 10);
  // A denominator published anyway: never hidden, however small, and the
  // cells are protected with it known.
  cube.counts = {0, 4, 3, 0};
  CubeOptions show;
  show.show = {{kTotal}};
  const SafeCube s = suppress_cube(cube, 10, show);
  EXPECT_EQ(s.entry({kTotal}).status, CellStatus::shown);
  const Published p = read_csv(to_long_csv(s));
  Auditor auditor(p, cube.labels);
  std::size_t hidden = 0;
  for (const auto& row : p.rows) {
    if (!row.suppressed) continue;
    ++hidden;
    const auto [low, high] = auditor.range(row.labels);
    EXPECT_GT(high - low, 0.5) << row.labels[0];
  }
  EXPECT_EQ(hidden, 2U);
  // One category whose total is shown cannot be protected.
  cube.labels = {{"a"}};
  cube.counts = {4};
  EXPECT_THROW(suppress_cube(cube, 10, show), Error);
  CubeOptions both;
  both.hide = {{kTotal}};
  both.show = {{kTotal}};
  EXPECT_THROW(suppress_cube(cube, 10, both), Error);
  CubeOptions missing;
  missing.hide = {{1}};  // no such entry
  EXPECT_THROW(suppress_cube(cube, 10, missing), Error);
}

TEST(SafeCube, TheResultDoesNotDependOnThreads) {
  std::mt19937_64 rng(99);
  for (int trial = 0; trial < 3; ++trial) {
    // Large enough for the first audit to be shared between two threads.
    const CountCube cube = random_cube(rng, 3, 7, 6);
    const SafeCube one = suppress_cube(cube, 10);
    ASSERT_GT(one.primary + one.secondary, 100U);
    CubeOptions options;
    options.threads = 2;
    const SafeCube two = suppress_cube(cube, 10, options);
    ASSERT_EQ(one.entries.size(), two.entries.size());
    for (std::size_t e = 0; e < one.entries.size(); ++e) {
      EXPECT_EQ(one.entries[e].status, two.entries[e].status) << e;
    }
  }
}

TEST(SafeCube, FeasibleRangeIsTheAuditorsView) {
  CountCube cube;
  cube.dimensions = {"r", "c"};
  cube.labels = {{"a", "b"}, {"x", "y"}};
  cube.counts = {3, 40, 50, 60};
  SafeCube safe = suppress_cube(cube, 1);
  safe.entries[safe.find({0, 0})].status = CellStatus::primary;
  const CellRange pinned = feasible_range(safe, safe.find({0, 0}));
  EXPECT_NEAR(pinned.low, 3.0, 1e-9);
  EXPECT_NEAR(pinned.high, 3.0, 1e-9);
  const SafeCube protected_ = suppress_cube(cube, 10);
  const CellRange wide = feasible_range(protected_, protected_.find({0, 0}));
  EXPECT_NEAR(wide.low, 0.0, 1e-9);
  EXPECT_NEAR(wide.high, 43.0, 1e-9);
  EXPECT_THROW(feasible_range(protected_, protected_.find({kTotal, kTotal})), Error);  // shown
}

TEST(SafeCube, RejectsBadCubes) {
  CountCube cube;
  EXPECT_THROW(suppress_cube(cube, 10), Error);  // no dimension
  cube.dimensions = {"a"};
  cube.labels = {{"x", "x"}};
  cube.counts = {1, 2};
  EXPECT_THROW(suppress_cube(cube, 10), Error);  // a label twice
  cube.labels = {{"x", "y"}};
  cube.counts = {1};
  EXPECT_THROW(suppress_cube(cube, 10), Error);  // counts of the wrong number
  cube.counts = {1, -2};
  EXPECT_THROW(suppress_cube(cube, 10), Error);
  cube.counts = {1, 2};
  EXPECT_THROW(suppress_cube(cube, 0), Error);
  cube.labels = {{}};
  cube.counts = {};
  EXPECT_THROW(suppress_cube(cube, 10), Error);
}

// A 20 x 20 x 15 table, protected and audited: with many small cells (a
// third), and with few (one in twenty, among many zeros, where partners are
// scarce and the audit has most to do). Run by hand
// (--gtest_also_run_disabled_tests): it measures, it does not test.
TEST(SafeCube, DISABLED_TimingOfATwentyByTwentyByFifteenTable) {
  for (const int small_percent : {33, 5}) {
    std::mt19937_64 rng(2024);
    CountCube cube;
    cube.dimensions = {"citizenship", "exploitation", "year"};
    for (const std::size_t n : {20, 20, 15}) {
      cube.labels.emplace_back();
      for (std::size_t i = 0; i < n; ++i) cube.labels.back().push_back(std::to_string(i));
    }
    for (std::size_t c = 0; c < 6000; ++c) {
      const auto kind = static_cast<int>(rng() % 100);
      cube.counts.push_back(kind < 30 ? 0
                            : kind < 30 + small_percent
                                ? static_cast<std::int64_t>(1 + rng() % 9)
                                : static_cast<std::int64_t>(10 + rng() % 200));
    }
    for (const int threads : {1, 2}) {
      CubeOptions options;
      options.threads = threads;
      const auto start = std::chrono::steady_clock::now();
      const std::clock_t cpu = std::clock();
      const SafeCube safe = suppress_cube(cube, 10, options);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      std::printf(
          "%d%% small, threads %d: %.2f s (%.2f s of CPU), %zu primary, %zu secondary, %zu "
          "programs, %zu rounds\n",
          small_percent, threads, took.count(),
          static_cast<double>(std::clock() - cpu) / CLOCKS_PER_SEC, safe.primary, safe.secondary,
          safe.linear_programs, safe.audit_rounds);
    }
  }
}

// ---------------------------------------------------------------------------
// Cross-tabulation

TEST(CountCube, CountsCombinationsOfColumnsWithMissingValues) {
  const CategoricalTable t = make_table({"citizenship", "year", "sex"}, {
                                                                            {"KAZ", "2020", "F"},
                                                                            {"UZB", "2020", "M"},
                                                                            {"KAZ", "9", "F"},
                                                                            {"KAZ", "2020", ""},
                                                                            {"", "2020", "F"},
                                                                            {"UZB", "", "M"},
                                                                            {"KAZ", "2020", "F"},
                                                                        });
  const CountCube cube = count_cube(t, {"citizenship", "year"});
  EXPECT_EQ(cube.dimensions, (std::vector<std::string>{"citizenship", "year"}));
  // Years sort as numbers, the missing label last.
  EXPECT_EQ(cube.labels[0], (std::vector<std::string>{"KAZ", "UZB", "(missing)"}));
  EXPECT_EQ(cube.labels[1], (std::vector<std::string>{"9", "2020", "(missing)"}));
  // KAZ: 9 once, 2020 three times; UZB: 2020 once, missing once; missing
  // citizenship: 2020 once.
  EXPECT_EQ(cube.counts, (std::vector<std::int64_t>{1, 3, 0, 0, 1, 1, 0, 1, 0}));
  EXPECT_EQ(cube.counts[cube.cell_index({0, 1})], 3);

  CountCubeOptions drop;
  drop.missing = MissingCategory::drop;
  const CountCube dropped = count_cube(t, {"citizenship", "year", "sex"}, drop);
  EXPECT_EQ(dropped.labels[0], (std::vector<std::string>{"KAZ", "UZB"}));
  EXPECT_EQ(dropped.labels[2], (std::vector<std::string>{"F", "M"}));
  std::int64_t counted = 0;
  for (const auto n : dropped.counts) counted += n;
  EXPECT_EQ(counted, 4);                                        // the rows with no missing value
  EXPECT_EQ(dropped.counts[dropped.cell_index({0, 1, 0})], 2);  // KAZ, 2020, F

  EXPECT_THROW(count_cube(t, {"nope"}), Error);
  EXPECT_THROW(count_cube(t, {"year", "year"}), Error);
  EXPECT_THROW(count_cube(t, {}), Error);
  const CategoricalTable clash = make_table({"a"}, {{"(missing)"}, {""}});
  EXPECT_THROW(count_cube(clash, {"a"}), Error);
  CountCubeOptions other;
  other.missing_label = "not recorded";
  EXPECT_EQ(count_cube(clash, {"a"}, other).labels[0],
            (std::vector<std::string>{"(missing)", "not recorded"}));

  // Cross-tabulated and published: the cube goes straight to suppression.
  const SafeCube safe = suppress_cube(cube, 2);
  EXPECT_EQ(safe.entry({kTotal, kTotal}).count, 7);
  expect_safe(safe, 2);
}

}  // namespace
}  // namespace vigil::publish
