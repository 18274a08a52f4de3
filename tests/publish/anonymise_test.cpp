#include "publish/anonymise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "publish/check.hpp"
#include "publish/hierarchy.hpp"

namespace vigil::publish {
namespace {

using Rows = std::vector<std::vector<std::string>>;

template <typename Fn>
std::string error_of(const Fn& run, Error::Kind kind) {
  try {
    run();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no vigil::Error thrown";
  return "";
}

// ---------------------------------------------------------------------------
// Reference: every lattice node, straight from the definitions in
// anonymise.hpp, on strings (Hierarchy::generalise) and std::map.

struct NodeValue {
  std::vector<std::size_t> levels;
  bool feasible = false;
  std::size_t suppressed = 0;
  double loss = 0.0;
  std::uint64_t discernibility = 0;
};

NodeValue reference_node(const CategoricalTable& table, const AnonymiseOptions& options,
                         const std::vector<Hierarchy>& hierarchies,
                         const std::vector<std::size_t>& levels) {
  const std::size_t n = table.rows();
  const std::size_t width = options.quasi_identifiers.size();
  std::vector<std::size_t> qi;
  for (const auto& name : options.quasi_identifiers) qi.push_back(table.column(name));
  std::vector<std::size_t> sensitive;
  for (const auto& name : options.sensitive) sensitive.push_back(table.column(name));

  // Leaves: the column's distinct values, missing one more.
  std::vector<std::set<std::string>> leaves(width);
  for (std::size_t q = 0; q < width; ++q) {
    for (std::size_t row = 0; row < n; ++row) leaves[q].insert(table.cell(qi[q], row));
  }
  auto leaves_under = [&](std::size_t q, const std::string& generalised) {
    std::size_t count = 0;
    for (const std::string& leaf : leaves[q]) {
      if (*hierarchies[q].generalise(leaf, levels[q]) == generalised) ++count;
    }
    return count;
  };

  std::map<std::vector<std::string>, std::vector<std::size_t>> classes;
  for (std::size_t row = 0; row < n; ++row) {
    std::vector<std::string> key;
    for (std::size_t q = 0; q < width; ++q) {
      key.push_back(*hierarchies[q].generalise(table.cell(qi[q], row), levels[q]));
    }
    classes[key].push_back(row);
  }
  NodeValue value;
  value.levels = levels;
  double kept_loss = 0.0;
  std::uint64_t kept_squares = 0;
  for (const auto& [key, rows] : classes) {
    bool bad = rows.size() < options.k;
    if (options.l) {
      for (const std::size_t column : sensitive) {
        std::set<std::string> seen;
        for (const std::size_t row : rows) {
          if (!table.cell(column, row).empty()) seen.insert(table.cell(column, row));
        }
        bad = bad || seen.size() < *options.l;
      }
    }
    if (bad) {
      value.suppressed += rows.size();
      continue;
    }
    kept_squares += rows.size() * rows.size();
    for (std::size_t q = 0; q < width; ++q) {
      if (leaves[q].size() <= 1) continue;
      kept_loss += static_cast<double>(rows.size()) *
                   static_cast<double>(leaves_under(q, key[q]) - 1) /
                   static_cast<double>(leaves[q].size() - 1);
    }
  }
  value.feasible = static_cast<double>(value.suppressed) <=
                   options.max_suppression * static_cast<double>(n) + 1e-9;
  value.loss = n == 0 ? 0.0
                      : (kept_loss + static_cast<double>(value.suppressed * width)) /
                            static_cast<double>(n * width);
  value.discernibility = kept_squares + value.suppressed * n;
  return value;
}

// The optimum over the whole lattice: lowest measure, then lowest total
// level, then lexicographically lowest levels. Losses within 1e-12 count as
// equal (they are sums of a handful of fractions).
std::optional<NodeValue> brute_force(const CategoricalTable& table, const AnonymiseOptions& options,
                                     const std::vector<Hierarchy>& hierarchies) {
  const std::size_t width = hierarchies.size();
  std::vector<std::size_t> levels(width, 0);
  std::vector<NodeValue> feasible;
  for (;;) {
    NodeValue value = reference_node(table, options, hierarchies, levels);
    if (value.feasible) feasible.push_back(value);
    std::size_t q = width;
    while (q > 0 && levels[q - 1] == hierarchies[q - 1].height()) levels[--q] = 0;
    if (q == 0) break;
    ++levels[q - 1];
  }
  if (feasible.empty()) return std::nullopt;
  auto measure = [&](const NodeValue& value) {
    return options.measure == UtilityMeasure::loss ? value.loss
                                                   : static_cast<double>(value.discernibility);
  };
  auto total = [](const NodeValue& value) {
    std::size_t sum = 0;
    for (const std::size_t level : value.levels) sum += level;
    return sum;
  };
  NodeValue best = feasible.front();
  for (const NodeValue& value : feasible) {
    const double difference = measure(value) - measure(best);
    const bool tie = std::abs(difference) <= 1e-12 * std::max(1.0, std::abs(measure(best)));
    if (!tie && difference > 0) continue;
    if (tie && (total(value) > total(best) ||
                (total(value) == total(best) && value.levels >= best.levels))) {
      continue;
    }
    best = value;
  }
  return best;
}

// ---------------------------------------------------------------------------
// Random tables with random hierarchies.

struct RandomCase {
  CategoricalTable table;
  AnonymiseOptions options;
  std::vector<Hierarchy> hierarchies;  // per QI, as used
};

// A hierarchy over `values`: each level groups the groups of the level below
// at random.
Hierarchy random_hierarchy(const std::vector<std::string>& values, std::size_t height,
                           std::mt19937_64& rng, const std::string& name) {
  std::vector<std::string> level_names = {name};
  Rows rows;
  for (const std::string& value : values) rows.push_back({value});
  std::vector<std::size_t> group(values.size());
  for (std::size_t v = 0; v < values.size(); ++v) group[v] = v;
  std::size_t groups = values.size();
  for (std::size_t level = 1; level < height; ++level) {
    level_names.push_back(name + "_l" + std::to_string(level));
    const std::size_t next = std::max<std::size_t>(1, (groups + 1) / 2);
    std::vector<std::size_t> parent(groups);
    for (auto& p : parent) p = std::uniform_int_distribution<std::size_t>(0, next - 1)(rng);
    for (std::size_t v = 0; v < values.size(); ++v) {
      group[v] = parent[group[v]];
      rows[v].push_back(name + "g" + std::to_string(level) + "_" + std::to_string(group[v]));
    }
    groups = next;
  }
  // A last level that happens to merge everything would become the top and
  // shorten the hierarchy; that is fine for the tests (the height is read
  // back from the hierarchy).
  return make_hierarchy(name, level_names, rows);
}

RandomCase random_case(std::mt19937_64& rng) {
  auto uniform = [&rng](std::size_t low, std::size_t high) {
    return std::uniform_int_distribution<std::size_t>(low, high)(rng);
  };
  auto chance = [&rng](double p) { return std::bernoulli_distribution(p)(rng); };
  RandomCase c;
  const std::size_t rows = uniform(0, 60) == 0 ? 0 : uniform(5, 90);
  const std::size_t width = uniform(1, 3);
  const std::size_t sensitive = uniform(0, 2);
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> domains;
  for (std::size_t q = 0; q < width; ++q) {
    const std::string name = "q" + std::to_string(q);
    columns.push_back(name);
    c.options.quasi_identifiers.push_back(name);
    std::vector<std::string> values;
    const std::size_t count = uniform(1, 7);
    for (std::size_t v = 0; v < count; ++v) values.push_back(name + "v" + std::to_string(v));
    domains.push_back(values);
    if (chance(0.75)) {
      Hierarchy hierarchy = random_hierarchy(values, uniform(1, 3), rng, name);
      c.options.hierarchies[name] = hierarchy;
      c.hierarchies.push_back(hierarchy);
    } else {
      c.hierarchies.push_back(suppression_hierarchy());  // the default for such values
    }
  }
  for (std::size_t s = 0; s < sensitive; ++s) {
    const std::string name = "s" + std::to_string(s);
    columns.push_back(name);
    c.options.sensitive.push_back(name);
    std::vector<std::string> values;
    const std::size_t count = uniform(1, 4);
    for (std::size_t v = 0; v < count; ++v) values.push_back(name + "v" + std::to_string(v));
    domains.push_back(values);
  }
  columns.push_back("note");  // released unchanged
  Rows data;
  for (std::size_t row = 0; row < rows; ++row) {
    std::vector<std::string> cells;
    for (const auto& values : domains) {
      // Skewed: low indices more often; some cells missing.
      if (chance(0.08)) {
        cells.emplace_back();
        continue;
      }
      const std::size_t a = uniform(0, values.size() - 1);
      const std::size_t b = uniform(0, values.size() - 1);
      cells.push_back(values[std::min(a, b)]);
    }
    cells.push_back("n" + std::to_string(row % 7));
    data.push_back(cells);
  }
  c.table = make_table(columns, data);
  c.options.k = uniform(1, 5);
  if (sensitive > 0 && chance(0.5)) c.options.l = uniform(1, 3);
  const double budgets[] = {0.0, 0.05, 0.1, 0.2, 0.5, 1.0};
  c.options.max_suppression = budgets[uniform(0, 5)];
  c.options.measure = chance(0.5) ? UtilityMeasure::loss : UtilityMeasure::discernibility;
  c.options.threads = static_cast<int>(uniform(1, 2));
  return c;
}

// Checks that the release is what the levels say: kept rows in order, QIs
// generalised, other columns unchanged.
void expect_release_matches(const RandomCase& c, const AnonymiseResult& result) {
  const CategoricalTable& in = c.table;
  const CategoricalTable& out = result.table;
  ASSERT_EQ(out.columns, in.columns);
  ASSERT_EQ(out.rows(), in.rows() - result.suppressed);
  // Kept rows are a subsequence of the input: match them greedily on the
  // non-QI "note" column and the generalised QIs.
  std::size_t next = 0;
  for (std::size_t row = 0; row < out.rows(); ++row) {
    bool matched = false;
    for (; next < in.rows() && !matched; ++next) {
      bool same = true;
      for (std::size_t column = 0; column < in.columns.size() && same; ++column) {
        const auto qi = std::find(c.options.quasi_identifiers.begin(),
                                  c.options.quasi_identifiers.end(), in.columns[column]);
        std::string expected = in.cell(column, next);
        if (qi != c.options.quasi_identifiers.end()) {
          const auto q = static_cast<std::size_t>(qi - c.options.quasi_identifiers.begin());
          expected = *c.hierarchies[q].generalise(expected, result.levels[q]);
        }
        same = out.cell(column, row) == expected;
      }
      matched = same;
    }
    ASSERT_TRUE(matched) << "release row " << row << " is not a generalised input row";
  }
}

// ---------------------------------------------------------------------------
// Options

TEST(AnonymiseOptions, RejectsBadOptions) {
  const CategoricalTable table =
      make_table({"age", "sex", "harm"}, {{"20", "F", "a"}, {"30", "M", "b"}});
  auto run = [&](const auto& change) {
    AnonymiseOptions options;
    options.quasi_identifiers = {"age", "sex"};
    options.sensitive = {"harm"};
    change(options);
    return error_of([&] { anonymise(table, options); }, Error::Kind::usage);
  };
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.k = 0; }), "k must be at least 1");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.l = 0; }), "l must be at least 1");
  EXPECT_EQ(run([](AnonymiseOptions& o) {
              o.l = 2;
              o.sensitive.clear();
            }),
            "l-diversity (l = 2) needs at least one sensitive column");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.max_suppression = 1.5; }),
            "the suppression budget must be a share in [0, 1], got 1.5");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.max_suppression = -0.01; }),
            "the suppression budget must be a share in [0, 1], got -0.01");
  EXPECT_EQ(run([](AnonymiseOptions& o) {
              o.max_suppression = std::numeric_limits<double>::quiet_NaN();
            }),
            "the suppression budget must be a share in [0, 1], got nan");
  EXPECT_EQ(run([](AnonymiseOptions& o) {
              o.quasi_identifiers = {"age", "sex", "age"};
            }),
            "column \"age\" is named twice");
  EXPECT_EQ(run([](AnonymiseOptions& o) {
              o.sensitive = {"harm", "sex"};
            }),
            "column \"sex\" is both a quasi-identifier and sensitive");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.quasi_identifiers.clear(); }),
            "name at least one quasi-identifier column");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.threads = -1; }),
            "threads must be 0 (every core) or more, got -1");
  EXPECT_EQ(run([](AnonymiseOptions& o) { o.hierarchies["harm"] = suppression_hierarchy(); }),
            "a hierarchy is given for \"harm\", which is not a quasi-identifier");

  AnonymiseOptions missing;
  missing.quasi_identifiers = {"age", "region"};
  EXPECT_EQ(error_of([&] { anonymise(table, missing); }, Error::Kind::input),
            "the table: no column \"region\"; the columns are \"age\", \"sex\", \"harm\"");
  AnonymiseOptions uncovered;
  uncovered.quasi_identifiers = {"sex"};
  uncovered.hierarchies["sex"] = country_hierarchy();
  EXPECT_EQ(error_of([&] { anonymise(table, uncovered); }, Error::Kind::input),
            "the table: column \"sex\": 2 of its 2 values are not in the hierarchy \"UN M49 "
            "regions\" (for example \"F\")");
}

// ---------------------------------------------------------------------------
// A worked example

// Eight records, two QIs with hierarchies of height 2, k = 2, no suppression:
//
//   age:     20, 25 -> 20-29;  40, 45 -> 40-49;  -> *   (4 leaves)
//   country: KAZ, UZB -> Central Asia;  RUS, BLR -> Eastern Europe;  -> *
//
//   records: (20,KAZ) (25,KAZ) (20,UZB) (25,UZB) (40,RUS) (45,RUS) (40,BLR) (40,BLR)
//
// Nodes (age level, country level):
//   (0,0): six classes of one record: not 2-anonymous.
//   (1,0): (20-29,KAZ) (20-29,UZB) (40-49,RUS) (40-49,BLR), two records each.
//          Loss: every record loses (2 - 1) / (4 - 1) = 1/3 on age and 0 on
//          country: (8 x 1/3) / (8 x 2) = 1/6. Discernibility: 4 x 2^2 = 16.
//   (0,1): (45,Eastern Europe) holds one record: not 2-anonymous.
//   (0,2): (45,*) holds one record: not 2-anonymous.
//   (2,0): four classes of two: loss (8 x 1) / 16 = 1/2, discernibility 16.
//   (1,1): two classes of four: loss (8 x (1/3 + 1/3)) / 16 = 1/3,
//          discernibility 32. Higher nodes lose more.
// Loss: (1,0) with 1/6. Discernibility: (1,0) and (2,0) tie at 16; the lower
// total level wins: (1,0). With one record of budget (1/8), (0,1) becomes a
// solution by suppressing (45,RUS): loss (7 x 1/3 + 1 x 2) / 16 = 13/48 and
// discernibility 2^2 + 2^2 + 3^2 + 1 x 8 = 25, both worse: still (1,0).
TEST(AnonymiseExample, FindsTheOptimumWorkedOutByHand) {
  const CategoricalTable table = make_table({"age", "country", "id"}, {{"20", "KAZ", "a"},
                                                                       {"25", "KAZ", "b"},
                                                                       {"20", "UZB", "c"},
                                                                       {"25", "UZB", "d"},
                                                                       {"40", "RUS", "e"},
                                                                       {"45", "RUS", "f"},
                                                                       {"40", "BLR", "g"},
                                                                       {"40", "BLR", "h"}});
  AnonymiseOptions options;
  options.quasi_identifiers = {"age", "country"};
  options.hierarchies["age"] =
      make_hierarchy("ages", {"age", "decade"},
                     {{"20", "20-29"}, {"25", "20-29"}, {"40", "40-49"}, {"45", "40-49"}});
  options.hierarchies["country"] = make_hierarchy("regions", {"country", "sub_region"},
                                                  {{"KAZ", "Central Asia"},
                                                   {"UZB", "Central Asia"},
                                                   {"RUS", "Eastern Europe"},
                                                   {"BLR", "Eastern Europe"}});
  options.k = 2;
  for (const double budget : {0.0, 0.125}) {
    for (const auto measure : {UtilityMeasure::loss, UtilityMeasure::discernibility}) {
      options.max_suppression = budget;
      options.measure = measure;
      const AnonymiseResult result = anonymise(table, options);
      ASSERT_TRUE(result.found);
      EXPECT_EQ(result.levels, (std::vector<std::size_t>{1, 0}));
      EXPECT_EQ(result.lattice_size, 9U);
      EXPECT_EQ(result.suppressed, 0U);
      EXPECT_EQ(result.max_suppressed, budget == 0.0 ? 0U : 1U);
      EXPECT_DOUBLE_EQ(result.loss, 1.0 / 6.0);
      EXPECT_EQ(result.discernibility, 16U);
      EXPECT_DOUBLE_EQ(result.measure_value, measure == UtilityMeasure::loss ? 1.0 / 6.0 : 16.0);
      EXPECT_EQ(result.classes, 4U);
      EXPECT_DOUBLE_EQ(result.average_class_size, 2.0);
      ASSERT_EQ(result.quasi_identifiers.size(), 2U);
      EXPECT_EQ(result.quasi_identifiers[0].level_name, "decade");
      EXPECT_EQ(result.quasi_identifiers[0].values_before, 4U);
      EXPECT_EQ(result.quasi_identifiers[0].values_after, 2U);
      EXPECT_DOUBLE_EQ(result.quasi_identifiers[0].loss, 1.0 / 3.0);
      EXPECT_EQ(result.quasi_identifiers[1].level_name, "country");
      EXPECT_EQ(result.quasi_identifiers[1].values_after, 4U);
      EXPECT_DOUBLE_EQ(result.quasi_identifiers[1].loss, 0.0);
      ASSERT_EQ(result.table.rows(), 8U);
      EXPECT_EQ(result.table.cell(0, 0), "20-29");
      EXPECT_EQ(result.table.cell(1, 0), "KAZ");
      EXPECT_EQ(result.table.cell(0, 5), "40-49");
      EXPECT_EQ(result.table.cell(2, 5), "f");
      EXPECT_TRUE(check_release(result, options).satisfies);
    }
  }
  // k = 3 without suppression: (1,0), (0,1), (2,0) and (0,2) all leave
  // classes of one or two records; (1,1) has two classes of four, loss 1/3,
  // and every other solution generalises more ((2,1): 2/3).
  options.k = 3;
  options.max_suppression = 0.0;
  options.measure = UtilityMeasure::loss;
  const AnonymiseResult three = anonymise(table, options);
  ASSERT_TRUE(three.found);
  EXPECT_EQ(three.levels, (std::vector<std::size_t>{1, 1}));
  EXPECT_DOUBLE_EQ(three.loss, 1.0 / 3.0);
}

// ---------------------------------------------------------------------------
// Against brute force

TEST(AnonymiseRandom, MatchesBruteForceAndPassesTheChecker) {
  std::mt19937_64 rng(20240611);
  std::size_t found = 0;
  std::size_t with_suppression = 0;
  for (int trial = 0; trial < 400; ++trial) {
    const RandomCase c = random_case(rng);
    SCOPED_TRACE("trial " + std::to_string(trial));
    const AnonymiseResult result = anonymise(c.table, c.options);
    const std::optional<NodeValue> expected = brute_force(c.table, c.options, c.hierarchies);
    ASSERT_EQ(result.found, expected.has_value()) << result.reason;
    EXPECT_LE(result.nodes_evaluated, result.lattice_size);
    if (!result.found) {
      EXPECT_EQ(result.table.rows(), 0U);
      EXPECT_FALSE(result.reason.empty());
      continue;
    }
    ++found;
    if (result.suppressed > 0) ++with_suppression;
    EXPECT_EQ(result.levels, expected->levels);
    EXPECT_NEAR(result.loss, expected->loss, 1e-12);
    EXPECT_EQ(result.discernibility, expected->discernibility);
    EXPECT_EQ(result.suppressed, expected->suppressed);
    // Never beyond the budget.
    EXPECT_LE(static_cast<double>(result.suppressed),
              c.options.max_suppression * static_cast<double>(c.table.rows()) + 1e-9);
    EXPECT_LE(result.suppressed_share, c.options.max_suppression + 1e-12);
    // The release is k-anonymous and l-diverse by the independent checker.
    const CheckResult check = check_release(result, c.options);
    EXPECT_TRUE(check.satisfies) << "k " << check.k;
    EXPECT_EQ(check.violating_records, 0U);
    EXPECT_EQ(check.classes, result.classes);
    expect_release_matches(c, result);
  }
  // The cases exercise both outcomes and suppression.
  EXPECT_GT(found, 200U);
  EXPECT_LT(found, 400U);
  EXPECT_GT(with_suppression, 20U);
}

// ---------------------------------------------------------------------------
// Infeasible, empty, threads, progress

TEST(AnonymiseOutcome, ReportsNoSolutionWithoutThrowing) {
  // Three records: even fully generalised they form one class of 3 < k = 5,
  // and suppressing them all is beyond a 50% budget.
  const CategoricalTable table = make_table({"age"}, {{"20"}, {"30"}, {"40"}});
  AnonymiseOptions options;
  options.quasi_identifiers = {"age"};
  options.k = 5;
  options.max_suppression = 0.5;
  const AnonymiseResult result = anonymise(table, options);
  EXPECT_FALSE(result.found);
  EXPECT_EQ(result.reason,
            "no generalisation satisfies k = 5 within the suppression budget: even with every "
            "quasi-identifier fully generalised, 3 of 3 records (100.0%) are in classes that "
            "violate it, and at most 1 (50.0%) may be suppressed");
  EXPECT_EQ(result.table.columns, table.columns);
  EXPECT_EQ(result.table.rows(), 0U);
  EXPECT_EQ(result.nodes_evaluated, 1U);
  // With the whole table as budget, removing everything is the solution.
  options.max_suppression = 1.0;
  const AnonymiseResult everything = anonymise(table, options);
  ASSERT_TRUE(everything.found);
  EXPECT_EQ(everything.suppressed, 3U);
  EXPECT_EQ(everything.table.rows(), 0U);
  EXPECT_DOUBLE_EQ(everything.loss, 1.0);
  EXPECT_EQ(everything.discernibility, 9U);

  // l-diversity that no class can reach: one sensitive value only.
  const CategoricalTable uniform =
      make_table({"age", "harm"}, {{"20", "x"}, {"30", "x"}, {"40", "x"}, {"50", "x"}});
  AnonymiseOptions diverse;
  diverse.quasi_identifiers = {"age"};
  diverse.sensitive = {"harm"};
  diverse.k = 2;
  diverse.l = 2;
  const AnonymiseResult none = anonymise(uniform, diverse);
  EXPECT_FALSE(none.found);
  EXPECT_NE(none.reason.find("k = 2 and l = 2"), std::string::npos) << none.reason;
}

TEST(AnonymiseOutcome, AnEmptyTableIsReleasedAsIs) {
  const CategoricalTable table = make_table({"age", "sex"}, {});
  AnonymiseOptions options;
  options.quasi_identifiers = {"age", "sex"};
  const AnonymiseResult result = anonymise(table, options);
  ASSERT_TRUE(result.found);
  EXPECT_EQ(result.levels, (std::vector<std::size_t>{0, 0}));
  EXPECT_EQ(result.table.rows(), 0U);
  EXPECT_EQ(result.loss, 0.0);
  EXPECT_EQ(result.lattice_size, 4U);
}

TEST(AnonymiseOutcome, MissingValuesStayMissingBelowTheTop) {
  // Missing citizenship is a class of its own below the top: two records
  // with it are 2-anonymous without generalising.
  const CategoricalTable table =
      make_table({"citizenship", "sex"},
                 {{"KAZ", "F"}, {"KAZ", "F"}, {"", "M"}, {"", "M"}, {"UZB", "F"}, {"KGZ", "F"}});
  AnonymiseOptions options;
  options.quasi_identifiers = {"citizenship", "sex"};
  options.k = 2;
  options.max_suppression = 0.0;
  const AnonymiseResult result = anonymise(table, options);
  ASSERT_TRUE(result.found);
  // UZB and KGZ merge into Central Asia with KAZ at level 1.
  EXPECT_EQ(result.levels, (std::vector<std::size_t>{1, 0}));
  EXPECT_EQ(result.quasi_identifiers[0].hierarchy, "UN M49 regions");
  EXPECT_EQ(result.table.cell(0, 0), "Central Asia");
  EXPECT_EQ(result.table.cell(0, 2), "");
  EXPECT_EQ(result.table.cell(0, 5), "Central Asia");
}

TEST(AnonymiseOutcome, DoesNotDependOnTheThreadCount) {
  std::mt19937_64 rng(7);
  std::vector<std::vector<std::string>> rows;
  const char* countries[] = {"KAZ", "UZB", "KGZ", "TJK", "RUS", "UKR", "CHN", "TUR", "ARE", "KOR"};
  const char* bands[] = {"0—8",   "9—17",  "18—20", "21—23", "24—26",
                         "27—29", "30—38", "39—47", "48+",   ""};
  const char* sexes[] = {"Woman", "Man", ""};
  for (int row = 0; row < 20000; ++row) {
    const auto pick = [&rng](std::size_t n) {
      return std::min(std::uniform_int_distribution<std::size_t>(0, n - 1)(rng),
                      std::uniform_int_distribution<std::size_t>(0, n - 1)(rng));
    };
    rows.push_back({std::to_string(2005 + pick(17)), sexes[pick(3)], bands[pick(10)],
                    countries[pick(10)], countries[pick(10)], pick(4) == 0 ? "1" : "0"});
  }
  const CategoricalTable table =
      make_table({"year", "sex", "age", "citizenship", "exploited_in", "forced_labour"}, rows);
  for (const auto measure : {UtilityMeasure::loss, UtilityMeasure::discernibility}) {
    AnonymiseOptions options;
    options.quasi_identifiers = {"year", "sex", "age", "citizenship", "exploited_in"};
    options.sensitive = {"forced_labour"};
    options.k = 11;
    options.l = 2;
    options.measure = measure;
    options.threads = 1;
    const AnonymiseResult one = anonymise(table, options);
    options.threads = 2;
    const AnonymiseResult two = anonymise(table, options);
    ASSERT_TRUE(one.found);
    EXPECT_EQ(one.levels, two.levels);
    EXPECT_EQ(one.nodes_evaluated, two.nodes_evaluated);
    EXPECT_EQ(one.suppressed, two.suppressed);
    EXPECT_EQ(one.loss, two.loss);
    EXPECT_EQ(one.discernibility, two.discernibility);
    EXPECT_EQ(one.table.values, two.table.values);
    EXPECT_EQ(one.table.codes, two.table.codes);
    // The search is exact yet does not visit the whole lattice.
    EXPECT_EQ(one.lattice_size, 4U * 2U * 4U * 4U * 4U);
    EXPECT_LT(one.nodes_evaluated, one.lattice_size);
    EXPECT_TRUE(check_release(one, options).satisfies);
  }
}

TEST(AnonymiseOutcome, ReportsProgressUpToTheLatticeSize) {
  const CategoricalTable table =
      make_table({"age", "sex"}, {{"20", "F"}, {"30", "M"}, {"40", "F"}, {"50", "M"}, {"20", "M"}});
  AnonymiseOptions options;
  options.quasi_identifiers = {"age", "sex"};
  options.k = 2;
  options.max_suppression = 0.2;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  options.progress = [&calls](std::size_t done, std::size_t total) {
    calls.emplace_back(done, total);
  };
  const AnonymiseResult result = anonymise(table, options);
  ASSERT_FALSE(calls.empty());
  EXPECT_EQ(calls.back(), std::make_pair(result.lattice_size, result.lattice_size));
  for (std::size_t i = 1; i < calls.size(); ++i) {
    EXPECT_LE(calls[i - 1].first, calls[i].first);
    EXPECT_EQ(calls[i].second, result.lattice_size);
  }
}

TEST(AnonymiseCtdc, AnonymisesTheSyntheticKazakhstanFile) {
  const CategoricalTable table = read_categorical_csv(VIGIL_EXAMPLES_DIR "/ctdc_synthetic_kz.csv");
  AnonymiseOptions options;
  options.quasi_identifiers = {"yearOfRegistration",    "gender",        "ageBroad", "citizenship",
                               "CountryOfExploitation", "traffickMonths"};
  options.sensitive = {"isForcedLabour", "isSexualExploit"};
  options.k = 5;
  const AnonymiseResult result = anonymise(table, options);
  ASSERT_TRUE(result.found) << result.reason;
  const std::vector<std::string> expected_hierarchies = {
      "years", "suppression", "CTDC age bands", "UN M49 regions", "UN M49 regions", "suppression"};
  for (std::size_t q = 0; q < 6; ++q) {
    EXPECT_EQ(result.quasi_identifiers[q].hierarchy, expected_hierarchies[q]);
  }
  EXPECT_EQ(result.lattice_size, 4U * 2U * 4U * 4U * 4U * 2U);
  EXPECT_LE(result.suppressed_share, 0.05);
  EXPECT_LT(result.nodes_evaluated, result.lattice_size);
  const CheckResult check = check_release(result, options);
  EXPECT_TRUE(check.satisfies);
  EXPECT_GE(check.k, 5U);
  // CTDC flags are 1 or missing: a class never shows two values, so
  // 2-diversity is out of reach and says so.
  options.l = 2;
  const AnonymiseResult diverse = anonymise(table, options);
  EXPECT_FALSE(diverse.found);
  EXPECT_NE(diverse.reason.find("3000 of 3000 records"), std::string::npos) << diverse.reason;
}

}  // namespace
}  // namespace vigil::publish
