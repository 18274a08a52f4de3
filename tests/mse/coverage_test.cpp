// Interval coverage on simulated worlds with a known total: the smaller run
// of bench/mse_coverage.cpp (the closing figures come from 200 worlds).
//
// In the independent_lists scenario every agency finds every victim with a
// constant probability, so the main-effects model is true and its 95%
// intervals should hold the true total in about 95% of worlds. With 40
// worlds, the number covered is Binomial(40, 0.95): mean 38, sd 1.4; fewer
// than 33 would be a 3.5-sd event, so the test asks for at least 33.
#include <gtest/gtest.h>

#include <string>

#include "mse/mse.hpp"
#include "simulate/simulate.hpp"

namespace vigil::mse {
namespace {

struct Counts {
  int worlds = 0;
  int model_covered = 0;
  int profile_covered = 0;
  double relative_bias = 0;
};

Counts run(const simulate::Scenario& scenario, int worlds) {
  Counts counts;
  for (int index = 0; index < worlds; ++index) {
    simulate::SimulateOptions options;
    options.seed = 500 + static_cast<std::uint64_t>(index);
    options.first_year = 2021;
    options.last_year = 2021;
    const auto world = simulate::simulate_world(scenario, options);
    std::vector<std::int64_t> cells(std::size_t{1} << world.scenario.agencies.size(), 0);
    for (const auto& victim : world.victims) ++cells[victim.detected_by];
    cells[0] = 0;
    std::vector<std::string> names;
    for (const auto& agency : world.scenario.agencies) names.push_back(agency.id);
    const CaptureHistories table(names, cells);
    const auto truth = static_cast<double>(world.victims.size());
    const MseResult result = fit_log_linear(table, {});
    EXPECT_TRUE(result.exists) << result.reason;
    const ProfileInterval profile = profile_likelihood_interval(table, {});
    ++counts.worlds;
    counts.model_covered += result.ci_lower <= truth && truth <= result.ci_upper ? 1 : 0;
    counts.profile_covered += profile.lower <= truth && truth <= profile.upper ? 1 : 0;
    counts.relative_bias += (result.total - truth) / truth / worlds;
  }
  return counts;
}

TEST(Coverage, MainEffectsIntervalsCoverWhenListsAreIndependent) {
  const auto scenario = simulate::load_scenario(std::string(VIGIL_FIXTURES_DIR) +
                                                "/../../scenarios/independent_lists.toml");
  const Counts counts = run(scenario, 40);
  EXPECT_GE(counts.model_covered, 33);
  EXPECT_GE(counts.profile_covered, 33);
  EXPECT_LT(std::abs(counts.relative_bias), 0.02);
}

// Where findability varies between victims and agencies refer victims to
// each other (the kazakhstan scenario), the main-effects model
// underestimates: the dark figure is the part heterogeneity hides.
TEST(Coverage, HeterogeneityBiasesTheMainEffectsModelDownwards) {
  const Counts counts = run(simulate::load_scenario("kazakhstan"), 10);
  EXPECT_LT(counts.relative_bias, -0.05);
}

}  // namespace
}  // namespace vigil::mse
