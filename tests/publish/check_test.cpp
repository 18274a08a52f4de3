#include "publish/check.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::publish {
namespace {

using Rows = std::vector<std::vector<std::string>>;
using Keys = std::vector<std::vector<std::string>>;

// ---------------------------------------------------------------------------
// Reference: the definitions in check.hpp applied record by record, O(n^2).

bool compatible(const CategoricalTable& table, const std::vector<std::size_t>& qi,
                MissingValues missing, std::size_t r, std::size_t s) {
  for (const std::size_t c : qi) {
    const std::uint32_t a = table.codes[c][r];
    const std::uint32_t b = table.codes[c][s];
    if (a == b) continue;
    if (missing == MissingValues::wildcard && (a == 0 || b == 0)) continue;
    return false;
  }
  return true;
}

CheckResult reference_check(const CategoricalTable& table, const CheckOptions& options) {
  std::vector<std::size_t> qi;
  std::vector<std::size_t> sensitive;
  for (const auto& name : options.quasi_identifiers) qi.push_back(table.column(name));
  for (const auto& name : options.sensitive) sensitive.push_back(table.column(name));
  const std::size_t n = table.rows();

  std::vector<std::size_t> size(n, 0);
  std::vector<std::size_t> distinct(n, 0);
  // seen[j][code] == r + 1: code of sensitive column j seen for record r.
  std::vector<std::vector<std::size_t>> seen(sensitive.size());
  for (std::size_t j = 0; j < sensitive.size(); ++j) {
    seen[j].assign(table.values[sensitive[j]].size() + 1, 0);
  }
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<std::size_t> values(sensitive.size(), 0);
    for (std::size_t s = 0; s < n; ++s) {
      if (!compatible(table, qi, options.missing, r, s)) continue;
      ++size[r];
      for (std::size_t j = 0; j < sensitive.size(); ++j) {
        const std::uint32_t code = table.codes[sensitive[j]][s];
        if (code == 0 || seen[j][code] == r + 1) continue;
        seen[j][code] = r + 1;
        ++values[j];
      }
    }
    if (!sensitive.empty()) distinct[r] = *std::min_element(values.begin(), values.end());
  }
  auto violates = [&](std::size_t r) {
    return size[r] < options.k || (options.l && distinct[r] < *options.l);
  };

  CheckResult result;
  result.records = n;
  // Distinct QI code tuples (std::map: lexicographic code order), each with
  // one of its records.
  std::map<std::vector<std::uint32_t>, std::size_t> tuples;
  for (std::size_t r = 0; r < n; ++r) {
    std::vector<std::uint32_t> key(qi.size());
    for (std::size_t j = 0; j < qi.size(); ++j) key[j] = table.codes[qi[j]][r];
    tuples.emplace(key, r);
  }
  result.classes = tuples.size();
  if (!sensitive.empty()) result.l = 0;
  if (n > 0) {
    result.k = *std::min_element(size.begin(), size.end());
    if (!sensitive.empty()) result.l = *std::min_element(distinct.begin(), distinct.end());
    double sum = 0.0;
    for (std::size_t r = 0; r < n; ++r) {
      result.max_risk = std::max(result.max_risk, 1.0 / static_cast<double>(size[r]));
      sum += 1.0 / static_cast<double>(size[r]);
      if (violates(r)) ++result.violating_records;
    }
    result.average_risk = sum / static_cast<double>(n);
    result.violating_share = static_cast<double>(result.violating_records) / static_cast<double>(n);
  }
  for (const auto& [key, r] : tuples) {
    if (violates(r)) ++result.violating_classes;
  }
  result.k_satisfied = n == 0 || result.k >= options.k;
  result.l_satisfied = !options.l || n == 0 || *result.l >= *options.l;
  result.satisfies = result.k_satisfied && result.l_satisfied;

  std::vector<std::pair<std::size_t, std::vector<std::uint32_t>>> order;
  order.reserve(tuples.size());
  for (const auto& [key, r] : tuples) order.emplace_back(size[r], key);
  std::sort(order.begin(), order.end());
  for (std::size_t i = 0; i < order.size() && i < options.smallest_classes; ++i) {
    const std::size_t r = tuples.at(order[i].second);
    EquivalenceClassSummary summary;
    for (const std::size_t c : qi) {
      const std::uint32_t code = table.codes[c][r];
      summary.key.push_back(code == 0 ? "" : table.values[c][code - 1]);
    }
    summary.size = size[r];
    summary.distinct_sensitive = distinct[r];
    result.smallest.push_back(summary);
  }
  return result;
}

void expect_same(const CheckResult& got, const CheckResult& want, double tolerance) {
  EXPECT_EQ(got.records, want.records);
  EXPECT_EQ(got.classes, want.classes);
  EXPECT_EQ(got.k, want.k);
  EXPECT_EQ(got.k_satisfied, want.k_satisfied);
  EXPECT_EQ(got.l, want.l);
  EXPECT_EQ(got.l_satisfied, want.l_satisfied);
  EXPECT_EQ(got.satisfies, want.satisfies);
  EXPECT_EQ(got.violating_records, want.violating_records);
  EXPECT_EQ(got.violating_classes, want.violating_classes);
  EXPECT_NEAR(got.violating_share, want.violating_share, tolerance);
  EXPECT_NEAR(got.max_risk, want.max_risk, tolerance);
  EXPECT_NEAR(got.average_risk, want.average_risk, tolerance);
  ASSERT_EQ(got.smallest.size(), want.smallest.size());
  for (std::size_t i = 0; i < got.smallest.size(); ++i) {
    EXPECT_EQ(got.smallest[i].key, want.smallest[i].key) << "smallest class " << i;
    EXPECT_EQ(got.smallest[i].size, want.smallest[i].size) << "smallest class " << i;
    EXPECT_EQ(got.smallest[i].distinct_sensitive, want.smallest[i].distinct_sensitive)
        << "smallest class " << i;
  }
}

// prefix followed by the number (built by appending: GCC 12 warns falsely
// about `"literal" + std::to_string(n)` under -O3).
std::string label(std::string_view prefix, std::size_t number) {
  std::string text(prefix);
  text += std::to_string(number);
  return text;
}

// Uniform-ish integer in [0, bound) from raw mt19937 output (portable, unlike
// the std distributions).
std::size_t draw(std::mt19937& rng, std::size_t bound) {
  return static_cast<std::size_t>(rng()) % bound;
}

// Columns q0.. (QIs) then s0.. (sensitive) then an unused column; cells are
// "" with probability `missing_percent` / 100.
Rows random_rows(std::mt19937& rng, std::size_t rows, const std::vector<std::size_t>& cardinality,
                 std::size_t missing_percent) {
  Rows result(rows);
  for (auto& row : result) {
    for (std::size_t c = 0; c < cardinality.size(); ++c) {
      if (draw(rng, 100) < missing_percent) {
        row.emplace_back();
      } else {
        row.push_back(label(label("c", c) + "v", draw(rng, cardinality[c])));
      }
    }
  }
  return result;
}

// ---------------------------------------------------------------------------
// Against the reference on random tables.

TEST(CheckAnonymityReference, RandomTablesMatchTheDefinitionInBothModes) {
  std::mt19937 rng(20240611U);
  for (int table_index = 0; table_index < 200; ++table_index) {
    const std::size_t qis = 1 + draw(rng, 5);
    const std::size_t sensitive = draw(rng, 3);
    std::vector<std::string> columns;
    std::vector<std::size_t> cardinality;
    CheckOptions options;
    for (std::size_t c = 0; c < qis; ++c) {
      columns.push_back(label("q", c));
      cardinality.push_back(1 + draw(rng, 5));
      options.quasi_identifiers.push_back(columns.back());
    }
    for (std::size_t c = 0; c < sensitive; ++c) {
      columns.push_back(label("s", c));
      cardinality.push_back(1 + draw(rng, 4));
      options.sensitive.push_back(columns.back());
    }
    columns.emplace_back("unused");
    cardinality.push_back(3);
    // QIs in a shuffled order, so that QI order differs from column order.
    for (std::size_t i = options.quasi_identifiers.size(); i > 1; --i) {
      std::swap(options.quasi_identifiers[i - 1], options.quasi_identifiers[draw(rng, i)]);
    }
    const std::size_t rows = table_index == 0 ? 0 : 1 + draw(rng, 300);
    const CategoricalTable table = make_table(columns, random_rows(rng, rows, cardinality, 10));
    options.k = 1 + draw(rng, 6);
    if (sensitive > 0 && draw(rng, 4) != 0) options.l = 1 + draw(rng, 3);
    options.smallest_classes = draw(rng, 13);
    options.threads = 1 + static_cast<int>(draw(rng, 2));
    for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
      options.missing = mode;
      SCOPED_TRACE(::testing::Message()
                   << "table " << table_index << ", " << rows << " rows, " << qis << " QIs, "
                   << sensitive << " sensitive, "
                   << (mode == MissingValues::category ? "category" : "wildcard"));
      expect_same(check_anonymity(table, options), reference_check(table, options), 1e-12);
    }
  }
}

TEST(CheckAnonymityReference, ManyQuasiIdentifiersWithMostCellsMissing) {
  // 12 QIs, 60% missing: wide, bushy compatibility in wildcard mode.
  std::mt19937 rng(7U);
  for (int table_index = 0; table_index < 10; ++table_index) {
    std::vector<std::string> columns;
    std::vector<std::size_t> cardinality;
    CheckOptions options;
    for (std::size_t c = 0; c < 12; ++c) {
      columns.push_back(label("q", c));
      cardinality.push_back(2 + draw(rng, 3));
      options.quasi_identifiers.push_back(columns.back());
    }
    columns.emplace_back("s");
    cardinality.push_back(4);
    options.sensitive = {"s"};
    options.l = 2;
    options.k = 3;
    options.missing = MissingValues::wildcard;
    const CategoricalTable table = make_table(columns, random_rows(rng, 150, cardinality, 60));
    expect_same(check_anonymity(table, options), reference_check(table, options), 1e-12);
  }
}

TEST(CheckAnonymityReference, LargerTablesWithManyMissingCells) {
  // Over 4,096 distinct combinations, so that in wildcard mode extra tries
  // are built only when they pay for themselves, and walks that give up are
  // finished on the first tries.
  std::mt19937 rng(6000U);
  for (const std::size_t missing_percent : {20U, 45U}) {
    std::vector<std::string> columns;
    std::vector<std::size_t> cardinality;
    CheckOptions options;
    for (std::size_t c = 0; c < 8; ++c) {
      columns.push_back(label("q", c));
      cardinality.push_back(4 + draw(rng, 12));
      options.quasi_identifiers.push_back(columns.back());
    }
    columns.emplace_back("s");
    cardinality.push_back(6);
    options.sensitive = {"s"};
    options.l = 3;
    options.k = 4;
    options.smallest_classes = 20;
    const CategoricalTable table =
        make_table(columns, random_rows(rng, 6000, cardinality, missing_percent));
    for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
      options.missing = mode;
      const CheckResult result = check_anonymity(table, options);
      EXPECT_GT(result.classes, 4096U);
      expect_same(result, reference_check(table, options), 1e-12);
    }
  }
}

TEST(CheckAnonymityReference, ThirtyQuasiIdentifiersOverflowSixtyFourBitKeys) {
  // 30 columns of 4..7 values (radix 5..8 with missing): the mixed-radix key
  // needs more than 64 bits, so the packed prefix is re-ranked on the way.
  // 40 random records, each repeated 1..3 times, so that classes are not all
  // singletons. No QI limit in wildcard mode.
  std::mt19937 rng(30U);
  for (int table_index = 0; table_index < 5; ++table_index) {
    std::vector<std::string> columns;
    std::vector<std::size_t> cardinality;
    CheckOptions options;
    for (std::size_t c = 0; c < 30; ++c) {
      columns.push_back(label("q", c));
      cardinality.push_back(4 + draw(rng, 4));
      options.quasi_identifiers.push_back(columns.back());
    }
    columns.emplace_back("s");
    cardinality.push_back(3);
    options.sensitive = {"s"};
    options.l = 2;
    options.k = 2;
    Rows rows;
    for (const auto& row :
         random_rows(rng, 40, cardinality, 10 * static_cast<std::size_t>(table_index))) {
      rows.insert(rows.end(), 1 + draw(rng, 3), row);
    }
    for (std::size_t i = rows.size(); i > 1; --i) std::swap(rows[i - 1], rows[draw(rng, i)]);
    const CategoricalTable table = make_table(columns, rows);
    for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
      options.missing = mode;
      expect_same(check_anonymity(table, options), reference_check(table, options), 1e-12);
    }
  }
}

// ---------------------------------------------------------------------------
// Hand-worked cases.

// sex, age, exploitation (sensitive)
CategoricalTable six_rows() {
  return make_table({"sex", "age", "exploitation"}, {{"F", "18-24", "sexual"},
                                                     {"F", "18-24", "labour"},
                                                     {"F", "18-24", "sexual"},
                                                     {"M", "25-34", "labour"},
                                                     {"M", "25-34", "labour"},
                                                     {"M", "", "sexual"}});
}

CheckOptions six_row_options(MissingValues missing) {
  CheckOptions options;
  options.quasi_identifiers = {"sex", "age"};
  options.sensitive = {"exploitation"};
  options.k = 3;
  options.l = 2;
  options.missing = missing;
  return options;
}

TEST(CheckAnonymityHand, CategoryModeSixRows) {
  // Classes: (F,18-24) 3 records, {sexual, labour}: 2 values;
  //          (M,25-34) 2 records, {labour}: 1 value;
  //          (M,"")    1 record,  {sexual}: 1 value.
  // k = 1 < 3, l = 1 < 2. (M,25-34) fails k and l, (M,"") fails both:
  // 3 violating records in 2 classes. Risks: 1/3 x 3, 1/2 x 2, 1/1 x 1:
  // max 1, mean (1 + 1 + 1) / 6 = 0.5.
  const CheckResult result = check_anonymity(six_rows(), six_row_options(MissingValues::category));
  EXPECT_EQ(result.records, 6U);
  EXPECT_EQ(result.classes, 3U);
  EXPECT_EQ(result.k, 1U);
  EXPECT_FALSE(result.k_satisfied);
  EXPECT_EQ(result.l, 1U);
  EXPECT_FALSE(result.l_satisfied);
  EXPECT_FALSE(result.satisfies);
  EXPECT_EQ(result.violating_records, 3U);
  EXPECT_EQ(result.violating_classes, 2U);
  EXPECT_DOUBLE_EQ(result.violating_share, 0.5);
  EXPECT_DOUBLE_EQ(result.max_risk, 1.0);
  EXPECT_DOUBLE_EQ(result.average_risk, 0.5);
  ASSERT_EQ(result.smallest.size(), 3U);
  EXPECT_EQ(result.smallest[0].key, (std::vector<std::string>{"M", ""}));
  EXPECT_EQ(result.smallest[0].size, 1U);
  EXPECT_EQ(result.smallest[0].distinct_sensitive, 1U);
  EXPECT_EQ(result.smallest[1].key, (std::vector<std::string>{"M", "25-34"}));
  EXPECT_EQ(result.smallest[1].size, 2U);
  EXPECT_EQ(result.smallest[1].distinct_sensitive, 1U);
  EXPECT_EQ(result.smallest[2].key, (std::vector<std::string>{"F", "18-24"}));
  EXPECT_EQ(result.smallest[2].size, 3U);
  EXPECT_EQ(result.smallest[2].distinct_sensitive, 2U);
}

TEST(CheckAnonymityHand, WildcardModeMissingAgeMergesTheMaleRecords) {
  // (M,"") is compatible with both (M,25-34) records and they with it: every
  // male record has a class of 3 records showing {labour, sexual}. The female
  // class is unchanged (3 records, 2 values). So k = 3, l = 2: satisfied,
  // nothing violates, every risk is 1/3. Still 3 distinct combinations; all
  // of size 3, so they are listed by codes: F=1 < M=2, then "" (0) < 25-34.
  const CheckResult result = check_anonymity(six_rows(), six_row_options(MissingValues::wildcard));
  EXPECT_EQ(result.records, 6U);
  EXPECT_EQ(result.classes, 3U);
  EXPECT_EQ(result.k, 3U);
  EXPECT_TRUE(result.k_satisfied);
  EXPECT_EQ(result.l, 2U);
  EXPECT_TRUE(result.l_satisfied);
  EXPECT_TRUE(result.satisfies);
  EXPECT_EQ(result.violating_records, 0U);
  EXPECT_EQ(result.violating_classes, 0U);
  EXPECT_DOUBLE_EQ(result.violating_share, 0.0);
  EXPECT_DOUBLE_EQ(result.max_risk, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(result.average_risk, 1.0 / 3.0);
  ASSERT_EQ(result.smallest.size(), 3U);
  EXPECT_EQ(result.smallest[0].key, (std::vector<std::string>{"F", "18-24"}));
  EXPECT_EQ(result.smallest[1].key, (std::vector<std::string>{"M", ""}));
  EXPECT_EQ(result.smallest[2].key, (std::vector<std::string>{"M", "25-34"}));
  for (const auto& summary : result.smallest) {
    EXPECT_EQ(summary.size, 3U);
    EXPECT_EQ(summary.distinct_sensitive, 2U);
  }
}

TEST(CheckAnonymityHand, WildcardRecordWithEveryQuasiIdentifierMissingMatchesEveryone) {
  // ("","") is compatible with all 3 records: size 3. (F,a) and (M,b) are
  // compatible with themselves and it: size 2 each. Mean risk (1/3+1/2+1/2)/3.
  const auto table = make_table({"sex", "age"}, {{"F", "a"}, {"M", "b"}, {"", ""}});
  CheckOptions options;
  options.quasi_identifiers = {"sex", "age"};
  options.k = 2;
  options.missing = MissingValues::wildcard;
  const CheckResult result = check_anonymity(table, options);
  EXPECT_EQ(result.k, 2U);
  EXPECT_TRUE(result.satisfies);
  EXPECT_FALSE(result.l.has_value());
  EXPECT_DOUBLE_EQ(result.max_risk, 0.5);
  EXPECT_DOUBLE_EQ(result.average_risk, (1.0 / 3.0 + 0.5 + 0.5) / 3.0);
  ASSERT_EQ(result.smallest.size(), 3U);
  EXPECT_EQ(result.smallest[0].key, (std::vector<std::string>{"F", "a"}));
  EXPECT_EQ(result.smallest[1].key, (std::vector<std::string>{"M", "b"}));
  EXPECT_EQ(result.smallest[2].key, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(result.smallest[2].size, 3U);
  EXPECT_EQ(result.smallest[0].distinct_sensitive, 0U);
}

TEST(CheckAnonymityHand, SmallestClassesIsCut) {
  CheckOptions options = six_row_options(MissingValues::category);
  options.smallest_classes = 1;
  const CheckResult one = check_anonymity(six_rows(), options);
  ASSERT_EQ(one.smallest.size(), 1U);
  EXPECT_EQ(one.smallest[0].key, (std::vector<std::string>{"M", ""}));
  options.smallest_classes = 0;
  EXPECT_TRUE(check_anonymity(six_rows(), options).smallest.empty());
}

TEST(CheckAnonymityHand, MissingSensitiveValuesCountAsNoValue) {
  // One class of 2 records whose sensitive cells are both empty: l = 0.
  const auto table = make_table({"q", "s"}, {{"x", ""}, {"x", " "}});
  CheckOptions options;
  options.quasi_identifiers = {"q"};
  options.sensitive = {"s"};
  options.k = 2;
  options.l = 1;
  const CheckResult result = check_anonymity(table, options);
  EXPECT_TRUE(result.k_satisfied);
  EXPECT_EQ(result.l, 0U);
  EXPECT_FALSE(result.l_satisfied);
  EXPECT_EQ(result.violating_records, 2U);
  EXPECT_EQ(result.violating_classes, 1U);
}

TEST(CheckAnonymityHand, EmptyTableIsVacuouslyAnonymous) {
  const auto table = make_table({"q", "s"}, {});
  CheckOptions options;
  options.quasi_identifiers = {"q"};
  for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
    options.missing = mode;
    options.sensitive.clear();
    options.l.reset();
    CheckResult result = check_anonymity(table, options);
    EXPECT_EQ(result.records, 0U);
    EXPECT_EQ(result.classes, 0U);
    EXPECT_EQ(result.k, 0U);
    EXPECT_TRUE(result.k_satisfied);
    EXPECT_FALSE(result.l.has_value());
    EXPECT_TRUE(result.l_satisfied);
    EXPECT_TRUE(result.satisfies);
    EXPECT_EQ(result.violating_records, 0U);
    EXPECT_DOUBLE_EQ(result.violating_share, 0.0);
    EXPECT_DOUBLE_EQ(result.max_risk, 0.0);
    EXPECT_DOUBLE_EQ(result.average_risk, 0.0);
    EXPECT_TRUE(result.smallest.empty());

    options.sensitive = {"s"};
    options.l = 3;
    result = check_anonymity(table, options);
    EXPECT_EQ(result.l, 0U);
    EXPECT_TRUE(result.l_satisfied);
    EXPECT_TRUE(result.satisfies);
  }
}

TEST(CheckAnonymityHand, KOfOneIsAlwaysSatisfied) {
  std::mt19937 rng(11U);
  const auto table = make_table({"a", "b", "c"}, random_rows(rng, 500, {7, 9, 11}, 10));
  CheckOptions options;
  options.quasi_identifiers = {"a", "b", "c"};
  options.k = 1;
  for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
    options.missing = mode;
    const CheckResult result = check_anonymity(table, options);
    EXPECT_TRUE(result.k_satisfied);
    EXPECT_TRUE(result.satisfies);
    EXPECT_GE(result.k, 1U);
    EXPECT_EQ(result.violating_records, 0U);
    EXPECT_EQ(result.violating_classes, 0U);
  }
}

TEST(CheckAnonymityHand, CellsAreTrimmedAndEmptyIsMissing) {
  const auto table = make_table({"q"}, {{" a"}, {"a "}, {"  "}, {""}});
  EXPECT_EQ(table.values[0], (std::vector<std::string>{"a"}));
  EXPECT_EQ(table.codes[0], (std::vector<std::uint32_t>{1, 1, 0, 0}));
  CheckOptions options;
  options.quasi_identifiers = {"q"};
  options.k = 2;
  const CheckResult result = check_anonymity(table, options);
  EXPECT_EQ(result.classes, 2U);
  EXPECT_EQ(result.k, 2U);
}

// ---------------------------------------------------------------------------
// Errors.

Error::Kind error_kind(const CategoricalTable& table, const CheckOptions& options,
                       std::string* message = nullptr) {
  try {
    check_anonymity(table, options);
  } catch (const Error& e) {
    if (message != nullptr) *message = e.what();
    return e.kind();
  }
  ADD_FAILURE() << "no error";
  return Error::Kind::internal;
}

TEST(CheckAnonymityErrors, OptionsOutOfRangeAreUsageErrors) {
  const CategoricalTable table = six_rows();
  const CheckOptions good = six_row_options(MissingValues::category);
  ASSERT_NO_THROW(check_anonymity(table, good));

  CheckOptions options = good;
  options.l = 2;
  options.sensitive.clear();
  std::string message;
  EXPECT_EQ(error_kind(table, options, &message), Error::Kind::usage);
  EXPECT_NE(message.find("sensitive"), std::string::npos) << message;

  options = good;
  options.quasi_identifiers.clear();
  EXPECT_EQ(error_kind(table, options), Error::Kind::usage);
  options = good;
  options.k = 0;
  EXPECT_EQ(error_kind(table, options), Error::Kind::usage);
  options = good;
  options.l = 0;
  EXPECT_EQ(error_kind(table, options), Error::Kind::usage);
  options = good;
  options.threads = -1;
  EXPECT_EQ(error_kind(table, options), Error::Kind::usage);
  options = good;
  options.quasi_identifiers = {"sex", "age", "sex"};
  EXPECT_EQ(error_kind(table, options, &message), Error::Kind::usage);
  EXPECT_NE(message.find("\"sex\""), std::string::npos) << message;
  options = good;
  options.sensitive = {"exploitation", "exploitation"};
  EXPECT_EQ(error_kind(table, options), Error::Kind::usage);
  options = good;
  options.sensitive = {"age"};
  EXPECT_EQ(error_kind(table, options, &message), Error::Kind::usage);
  EXPECT_NE(message.find("\"age\""), std::string::npos) << message;
}

TEST(CheckAnonymityErrors, UnknownColumnIsAnInputErrorNamingIt) {
  CheckOptions options = six_row_options(MissingValues::category);
  options.quasi_identifiers = {"sex", "nationality"};
  std::string message;
  EXPECT_EQ(error_kind(six_rows(), options, &message), Error::Kind::input);
  EXPECT_NE(message.find("\"nationality\""), std::string::npos) << message;
  EXPECT_NE(message.find("\"exploitation\""), std::string::npos) << message;  // lists the columns

  options = six_row_options(MissingValues::wildcard);
  options.sensitive = {"type"};
  EXPECT_EQ(error_kind(six_rows(), options, &message), Error::Kind::input);
  EXPECT_NE(message.find("\"type\""), std::string::npos) << message;
}

TEST(CheckAnonymityErrors, MakeTableRejectsRaggedRowsAndRepeatedNames) {
  try {
    make_table({"a", "b"}, {{"1", "2"}, {"secret"}});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
  }
  EXPECT_THROW(make_table({"a", "a"}, {}), Error);
}

// ---------------------------------------------------------------------------
// CSV.

class ScratchFile {
 public:
  ScratchFile(const std::string& name, const std::string& content)
      : path_(std::filesystem::temp_directory_path() /
              (label("vigil_publish_test_", static_cast<std::size_t>(::getpid())) + "_" + name)) {
    std::ofstream out(path_, std::ios::binary);
    out << content;
  }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

TEST(ReadCategoricalCsv, BomSemicolonsQuotesAndSpaces) {
  const ScratchFile file("semicolons.csv",
                         "\xEF\xBB\xBF"
                         "sex ; age;\"type\"\r\n"
                         "F;18-24;\"sexual; forced\"\r\n"
                         " M ;\" 25-34 \";labour\r\n"
                         "\r\n"
                         "F;\"18-24\";\r\n");
  const CategoricalTable table = read_categorical_csv(file.path());
  EXPECT_EQ(table.source, file.path());
  EXPECT_EQ(table.columns, (std::vector<std::string>{"sex", "age", "type"}));
  EXPECT_EQ(table.rows(), 3U);
  EXPECT_EQ(table.values[0], (std::vector<std::string>{"F", "M"}));
  EXPECT_EQ(table.values[1], (std::vector<std::string>{"18-24", "25-34"}));
  EXPECT_EQ(table.values[2], (std::vector<std::string>{"sexual; forced", "labour"}));
  EXPECT_EQ(table.codes[0], (std::vector<std::uint32_t>{1, 2, 1}));
  EXPECT_EQ(table.codes[1], (std::vector<std::uint32_t>{1, 2, 1}));
  EXPECT_EQ(table.codes[2], (std::vector<std::uint32_t>{1, 2, 0}));
  EXPECT_EQ(table.column("type"), 2U);

  CheckOptions options;
  options.quasi_identifiers = {"sex", "age"};
  options.sensitive = {"type"};
  options.k = 2;
  const CheckResult result = check_anonymity(table, options);
  EXPECT_EQ(result.classes, 2U);
  EXPECT_EQ(result.k, 1U);
  EXPECT_EQ(result.l, 1U);
}

TEST(ReadCategoricalCsv, ShortRowIsAnInputErrorWithItsLineAndNoCellText) {
  const ScratchFile file("short.csv", "name,sex,age\nAna Popescu,F,18-24\nIon Rusu,M\n");
  try {
    read_categorical_csv(file.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
    ASSERT_TRUE(e.position().has_value());
    EXPECT_EQ(e.position()->file, file.path());
    EXPECT_EQ(e.position()->line, 3U);
    EXPECT_EQ(e.position()->column, 3U);
    const std::string message = e.what();
    EXPECT_NE(message.find(file.path() + ":3:3:"), std::string::npos) << message;
    EXPECT_EQ(message.find("Ion"), std::string::npos) << message;
    EXPECT_EQ(message.find("Rusu"), std::string::npos) << message;
  }
}

TEST(ReadCategoricalCsv, LongRowEmptyFileRepeatedHeaderAndMissingFile) {
  const ScratchFile long_row("long.csv", "a,b\n1,2\n1,2,Secret\n");
  try {
    read_categorical_csv(long_row.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
    ASSERT_TRUE(e.position().has_value());
    EXPECT_EQ(e.position()->line, 3U);
    EXPECT_EQ(e.position()->column, 3U);
    EXPECT_EQ(std::string(e.what()).find("Secret"), std::string::npos) << e.what();
  }

  const ScratchFile empty("empty.csv", "");
  try {
    read_categorical_csv(empty.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
  }

  const ScratchFile repeated("repeated.csv", "a, b,b\n1,2,3\n");
  try {
    read_categorical_csv(repeated.path());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
    ASSERT_TRUE(e.position().has_value());
    EXPECT_EQ(e.position()->column, 3U);
  }

  try {
    read_categorical_csv(
        (std::filesystem::temp_directory_path() / "vigil_no_such_dir" / "x.csv").string());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::io);
  }
}

TEST(ReadCategoricalCsv, UnknownColumnMessageNamesTheFile) {
  const ScratchFile file("columns.csv", "sex,age\nF,18-24\n");
  const CategoricalTable table = read_categorical_csv(file.path());
  try {
    (void)table.column("country");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
    const std::string message = e.what();
    EXPECT_NE(message.find(file.path()), std::string::npos) << message;
    EXPECT_NE(message.find("\"country\""), std::string::npos) << message;
    EXPECT_NE(message.find("\"sex\", \"age\""), std::string::npos) << message;
  }
}

// ---------------------------------------------------------------------------
// Threads.

TEST(CheckAnonymityThreads, OneAndTwoThreadsGiveTheSameResult) {
  std::mt19937 rng(424242U);
  const std::vector<std::size_t> cardinality = {12, 10, 9, 8, 11, 7, 5};
  const auto table = make_table({"q0", "q1", "q2", "q3", "q4", "q5", "s"},
                                random_rows(rng, 20000, cardinality, 5));
  CheckOptions options;
  options.quasi_identifiers = {"q0", "q1", "q2", "q3", "q4", "q5"};
  options.sensitive = {"s"};
  options.k = 3;
  options.l = 2;
  options.smallest_classes = 25;
  for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
    options.missing = mode;
    options.threads = 1;
    const CheckResult one = check_anonymity(table, options);
    options.threads = 2;
    const CheckResult two = check_anonymity(table, options);
    expect_same(two, one, 0.0);
    EXPECT_EQ(two.average_risk, one.average_risk);  // bit for bit
    EXPECT_EQ(one.records, 20000U);
  }
}

// ---------------------------------------------------------------------------
// Timing (run by hand: --gtest_also_run_disabled_tests --gtest_filter='*Timing*').

TEST(CheckAnonymityTiming, DISABLED_Timing1MillionRows) {
  constexpr std::size_t kRows = 1000000;
  constexpr std::size_t kQis = 8;
  std::mt19937 rng(2024U);
  CategoricalTable table;
  table.source = "generated";
  CheckOptions options;
  for (std::size_t c = 0; c <= kQis; ++c) {
    const bool is_sensitive = c == kQis;
    const std::size_t values = is_sensitive ? 6 : 2 + draw(rng, 49);  // 2..50
    table.columns.push_back(is_sensitive ? std::string("s") : label("q", c));
    if (!is_sensitive) options.quasi_identifiers.push_back(table.columns.back());
    table.values.emplace_back();
    for (std::size_t v = 0; v < values; ++v) table.values.back().push_back(label("v", v));
    std::vector<std::uint32_t> codes(kRows);
    for (auto& code : codes) {
      code = draw(rng, 100) < 5 ? 0 : static_cast<std::uint32_t>(1 + draw(rng, values));
    }
    table.codes.push_back(std::move(codes));
  }
  options.k = 5;
  for (const int threads : {1, 0}) {
    for (const bool with_l : {false, true}) {
      for (const auto mode : {MissingValues::category, MissingValues::wildcard}) {
        options.threads = threads;
        options.missing = mode;
        options.sensitive.clear();
        options.l.reset();
        if (with_l) {
          options.sensitive = {"s"};
          options.l = 2;
        }
        const auto start = std::chrono::steady_clock::now();
        const CheckResult result = check_anonymity(table, options);
        const std::chrono::duration<double> seconds = std::chrono::steady_clock::now() - start;
        std::printf("%s, %s, threads %d: %.3f s (classes %zu, k %zu, violating %zu)\n",
                    mode == MissingValues::category ? "category" : "wildcard",
                    with_l ? "k and l" : "k only", threads, seconds.count(), result.classes,
                    result.k, result.violating_records);
      }
    }
  }
}

}  // namespace
}  // namespace vigil::publish
