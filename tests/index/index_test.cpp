// The index pipeline: its configuration, data reading, the composite score
// computed by hand, and the Monte Carlo uncertainty analysis.
#include "index/index.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace vigil::index {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto dir = std::filesystem::temp_directory_path() / "vigil_index_test";
  std::filesystem::create_directories(dir);
  const auto path = (dir / name).string();
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// The minimal configuration of the issue, as written there.
constexpr const char* kMinimal = R"(
[method]
normalisation = "minmax"      # zscore | rank | minmax | ...
weighting = "equal"           # expert | pca | ...
aggregation = "arithmetic"    # geometric | mazziotta-pareto
[[indicator]]
name = "irregular_share"      # a column of the data
dimension = "migration"
direction = "risk"            # or "protective": higher = less risk
)";

TEST(IndexConfig, TheMinimalConfigurationWorksAsWritten) {
  const IndexConfig config = parse_index_config(kMinimal, "minimal.toml");
  ASSERT_EQ(config.indicators.size(), 1u);
  EXPECT_EQ(config.indicators[0].name, "irregular_share");
  EXPECT_EQ(config.indicators[0].dimension, "migration");
  EXPECT_FALSE(config.indicators[0].protective);
  EXPECT_EQ(config.method.normalisation, Normalisation::minmax);
  EXPECT_EQ(config.method.missing, MissingData::mean);
  ASSERT_EQ(config.dimensions.size(), 1u);
}

TEST(IndexConfig, MistakesAreNamedWithTheirPosition) {
  EXPECT_NE(error_of([] {
              parse_index_config("[method]\nnormalisation = \"minimax\"\n[[indicator]]\nname = "
                                 "\"a\"\ndimension = \"d\"\n",
                                 "c.toml");
            }).find("c.toml:2:"),
            std::string::npos);
  const std::string unknown = error_of([] {
    parse_index_config("[[indicator]]\nname = \"a\"\ndimension = \"d\"\nweigth = 2\n", "c.toml");
  });
  EXPECT_NE(unknown.find("c.toml:4:1: unknown key \"weigth\""), std::string::npos) << unknown;
  const std::string direction = error_of([] {
    parse_index_config("[[indicator]]\nname = \"a\"\ndimension = \"d\"\ndirection = \"up\"\n",
                       "c.toml");
  });
  EXPECT_NE(direction.find("protective"), std::string::npos) << direction;
  EXPECT_NE(error_of([] { parse_index_config("[method]\n", "c.toml"); }).find("indicator"),
            std::string::npos);
}

// Three indicators in two dimensions on four units, by hand:
//   a (risk)        1 2 3 4  -> minmax 0 1/3 2/3 1
//   b (protective)  10 20 30 40 -> 1 - minmax = 1 2/3 1/3 0
//   c (risk)        5 5 6 9   -> 0 0 1/4 1
// dimension x = mean(a, b) = 0.5 0.5 0.5 0.5; y = c; index = (x + y) / 2
// = 0.25 0.25 0.375 0.75: ranks 3 3 2 1 (ties share the best rank).
TEST(IndexPipeline, ArithmeticMinmaxByHand) {
  const auto config = parse_index_config(R"(
[method]
normalisation = "minmax"
weighting = "equal"
aggregation = "arithmetic"
[[indicator]]
name = "a"
dimension = "x"
[[indicator]]
name = "b"
dimension = "x"
direction = "protective"
[[indicator]]
name = "c"
dimension = "y"
)",
                                         "hand.toml");
  const auto data = read_index_data(
      write_temp("hand.csv", "unit,a,b,c\nP,1,10,5\nQ,2,20,5\nR,3,30,6\nS,4,40,9\n"), config);
  const IndexResult r = compute_index(data, config);
  ASSERT_EQ(r.units.size(), 4u);
  const double expected[] = {0.25, 0.25, 0.375, 0.75};
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(r.score(i), expected[i], 1e-12);
  EXPECT_EQ(r.rank, (std::vector<int>{3, 3, 2, 1}));
  EXPECT_NEAR(r.dimension_scores(3, 1), 1.0, 1e-12);
  // Once b is reversed, a and b pull in opposite directions (their
  // normalised values are perfectly negatively correlated): both are
  // flagged, and the result says so.
  for (const bool flag : r.dimensions[0].diagnostics.negatively_correlated) EXPECT_TRUE(flag);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_NE(r.warnings[0].find("correlates negatively"), std::string::npos);
}

TEST(IndexPipeline, ExpertWeightsAndDimensionWeights) {
  const auto config = parse_index_config(R"(
[method]
weighting = "expert"
[[indicator]]
name = "a"
dimension = "x"
weight = 3
[[indicator]]
name = "b"
dimension = "x"
weight = 1
[[indicator]]
name = "c"
dimension = "y"
[[dimension]]
name = "y"
weight = 3
)",
                                         "expert.toml");
  const auto data = read_index_data(
      write_temp("expert.csv", "unit,a,b,c\nP,0,1,2\nQ,1,0,0\nR,0.5,0.5,1\n"), config);
  const IndexResult r = compute_index(data, config);
  // x = 0.75 a + 0.25 b (minmax of a and b are themselves); y = c / 2;
  // index = 0.25 x + 0.75 y.
  EXPECT_NEAR(r.score(0), 0.25 * 0.25 + 0.75 * 1.0, 1e-12);
  EXPECT_NEAR(r.score(1), 0.25 * 0.75 + 0.0, 1e-12);
  EXPECT_NEAR(r.dimensions[1].weight, 0.75, 1e-12);
}

TEST(IndexData, PanelsMissingValuesAndErrors) {
  const auto config = parse_index_config(kMinimal, "minimal.toml");
  const std::string panel = write_temp(
      "panel.csv",
      "region,year,irregular_share\nA,2020,0.1\nB,2020,0.2\nC,2020,0.3\nA,2021,0.4\nB,2021,NA\n"
      "C,2021,0.2\n");
  const IndexData latest = read_index_data(panel, config);
  EXPECT_EQ(latest.year, 2021);
  EXPECT_TRUE(std::isnan(latest.values(1, 0)));
  const IndexData first = read_index_data(panel, config, 2020);
  EXPECT_DOUBLE_EQ(first.values(2, 0), 0.3);
  const std::string bad = write_temp("bad.csv", "region,irregular_share\nA,0.1\nB,lots\nC,0.2\n");
  EXPECT_NE(error_of([&] { read_index_data(bad, config); }).find("bad.csv:3:2"),
            std::string::npos);
  const std::string missing = write_temp("missing.csv", "region,other\nA,1\nB,2\nC,3\n");
  EXPECT_NE(error_of([&] { read_index_data(missing, config); }).find("irregular_share"),
            std::string::npos);
}

// The Monte Carlo: reproducible by seed, independent of the thread count,
// and the configured index's ranks lie inside their 5-95% intervals for a
// data set where the choices matter little.
TEST(IndexUncertainty, ReproducibleAndIndependentOfThreads) {
  const auto config = parse_index_config(R"(
[[indicator]]
name = "a"
dimension = "x"
[[indicator]]
name = "b"
dimension = "x"
[[indicator]]
name = "c"
dimension = "y"
[[indicator]]
name = "d"
dimension = "y"
)",
                                         "mc.toml");
  std::string csv = "unit,a,b,c,d\n";
  for (int i = 0; i < 12; ++i) {
    csv += "u" + std::to_string(i) + "," + std::to_string(i + 1) + "," +
           std::to_string(2 * i + 1 + (i % 3)) + "," + std::to_string(i * i + 1) + "," +
           std::to_string(30 - i + (i % 2)) + "\n";
  }
  const auto data = read_index_data(write_temp("mc.csv", csv), config);
  UncertaintyOptions one;
  one.replications = 256;
  one.threads = 1;
  UncertaintyOptions two = one;
  two.threads = 2;
  const UncertaintyResult a = analyse_uncertainty(data, config, one);
  const UncertaintyResult b = analyse_uncertainty(data, config, two);
  EXPECT_EQ(a.factors, (std::vector<std::string>{"normalisation", "weighting", "aggregation",
                                                 "weights"}));
  EXPECT_EQ(a.evaluations, 256u * 6u);
  EXPECT_TRUE(a.rank_median.isApprox(b.rank_median));
  EXPECT_TRUE(a.total.isApprox(b.total));
  const IndexResult base = compute_index(data, config);
  for (int i = 0; i < 12; ++i) {
    EXPECT_LE(a.rank_p05(i), a.rank_p95(i));
    EXPECT_GE(base.rank[static_cast<std::size_t>(i)], a.rank_p05(i) - 2);
    EXPECT_LE(base.rank[static_cast<std::size_t>(i)], a.rank_p95(i) + 2);
  }
}

}  // namespace
}  // namespace vigil::index
