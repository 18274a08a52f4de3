// The regional worked example end to end: a simulated Kazakhstan whose
// regions carry structural indicators (scenarios/kazakhstan_regions.toml),
// indexed with examples/index/kazakhstan_regions.toml, checked against the
// true victims per 100,000 population that only the simulation knows. The
// README quotes the rho printed here.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>
#include <string>
#include <vector>

#include "index/index.hpp"
#include "simulate/simulate.hpp"

namespace vigil::index {
namespace {

constexpr std::uint64_t kSeed = 2024;
// examples/index/README.md: 17 regions and 3 cities of republican significance.
constexpr std::size_t kRegionCount = 20;

// Ranks from 1, ties sharing their average rank.
std::vector<double> ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> out(values.size());
  for (std::size_t start = 0; start < order.size();) {
    std::size_t end = start;
    while (end + 1 < order.size() && values[order[end + 1]] == values[order[start]]) ++end;
    for (std::size_t k = start; k <= end; ++k) {
      out[order[k]] = 0.5 * static_cast<double>(start + end) + 1.0;
    }
    start = end + 1;
  }
  return out;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  const auto rx = ranks(x);
  const auto ry = ranks(y);
  const double mean = 0.5 * static_cast<double>(rx.size() + 1);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  return sxy / std::sqrt(sxx * syy);
}

TEST(SimulatedRegions, IndexRanksRegionsAsTheTrueVictimRateDoes) {
  const auto scenario =
      simulate::load_scenario(std::string(VIGIL_SCENARIOS_DIR) + "/kazakhstan_regions.toml");
  simulate::SimulateOptions options;
  options.seed = kSeed;
  const auto world = simulate::simulate_world(scenario, options);
  const auto dir = std::filesystem::temp_directory_path() / "vigil_simulated_regions_test";
  std::filesystem::remove_all(dir);
  simulate::write_world(world, dir.string());
  const std::string regions_csv = (dir / "regions.csv").string();

  const auto config =
      load_index_config(std::string(VIGIL_EXAMPLES_DIR) + "/index/kazakhstan_regions.toml");
  const IndexData data = read_index_data(regions_csv, config);
  ASSERT_TRUE(data.year.has_value());
  EXPECT_EQ(*data.year, scenario.last_year);
  ASSERT_EQ(data.units.size(), kRegionCount);
  const IndexResult result = compute_index(data, config);
  ASSERT_EQ(result.units.size(), kRegionCount);

  // The truth, read from the same file through a configuration that names
  // only it, so that it is the column a user would compare with.
  const auto truth_config = parse_index_config(R"(
[method]
normalisation = "minmax"
weighting = "equal"
aggregation = "arithmetic"
[[indicator]]
name = "true_victims_per_100000_population"
dimension = "truth"
direction = "risk"
)",
                                               "truth config");
  const IndexData truth = read_index_data(regions_csv, truth_config, data.year);
  std::map<std::string, double> rate;
  for (std::size_t i = 0; i < truth.units.size(); ++i) rate[truth.units[i]] = truth.values(i, 0);

  std::vector<double> scores;
  std::vector<double> rates;
  for (std::size_t i = 0; i < result.units.size(); ++i) {
    ASSERT_EQ(rate.count(result.units[i]), 1U) << result.units[i];
    scores.push_back(result.score(static_cast<Eigen::Index>(i)));
    rates.push_back(rate.at(result.units[i]));
  }
  const double rho = spearman(scores, rates);
  std::printf("seed %llu, year %d: Spearman rho(index, true victims per 100,000) = %.3f\n",
              static_cast<unsigned long long>(kSeed), *data.year, rho);
  // The index sees the risk only through noisy indicators and cannot see
  // each region's own departure from them: it should rank well, not perfectly.
  EXPECT_GT(rho, 0.5) << "seed " << kSeed;
  EXPECT_LT(rho, 0.99) << "seed " << kSeed;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace vigil::index
