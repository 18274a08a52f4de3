// Coverage of vigil's MSE intervals on simulated worlds with a known total.
//
// For each seed, simulates one year of a scenario, tabulates which agencies
// found each victim (the true linkage), estimates the total with the
// main-effects and the stepwise models, and records whether each 95%
// interval (model-conditional log-normal, profile likelihood, bootstrap
// percentile and BCa with stepwise reselection) holds the true total.
//
// Usage: mse_coverage [--scenario NAME|FILE] [--worlds N] [--first-seed S]
//                     [--year Y] [--bootstrap R]   (R = 0 skips the bootstrap)
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "mse/mse.hpp"
#include "simulate/simulate.hpp"

namespace {

struct Tally {
  int worlds = 0;
  int estimable = 0;
  int covered = 0;
  double relative_error_sum = 0;  // (estimate - truth) / truth
  double width_sum = 0;           // (upper - lower) / truth
};

void record(Tally& tally, bool exists, double estimate, double lower, double upper, double truth) {
  ++tally.worlds;
  if (!exists || !std::isfinite(lower) || !std::isfinite(upper)) return;
  ++tally.estimable;
  tally.covered += lower <= truth && truth <= upper ? 1 : 0;
  tally.relative_error_sum += (estimate - truth) / truth;
  tally.width_sum += (upper - lower) / truth;
}

}  // namespace

int main(int argc, char** argv) {
  std::string scenario_name = "kazakhstan";
  int worlds = 200;
  std::uint64_t first_seed = 1;
  int year = 2021;
  int replicates = 200;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string option = argv[index];
    const std::string value = argv[index + 1];
    if (option == "--scenario") {
      scenario_name = value;
    } else if (option == "--worlds") {
      worlds = std::stoi(value);
    } else if (option == "--first-seed") {
      first_seed = std::stoull(value);
    } else if (option == "--year") {
      year = std::stoi(value);
    } else if (option == "--bootstrap") {
      replicates = std::stoi(value);
    } else {
      std::fprintf(stderr, "mse_coverage: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  const auto scenario = vigil::simulate::load_scenario(scenario_name);
  std::map<std::string, Tally> tallies;
  double truth_sum = 0;
  double observed_sum = 0;
  for (int world_index = 0; world_index < worlds; ++world_index) {
    vigil::simulate::SimulateOptions options;
    options.seed = first_seed + static_cast<std::uint64_t>(world_index);
    options.first_year = year;
    options.last_year = year;
    const auto world = vigil::simulate::simulate_world(scenario, options);
    const std::size_t lists = world.scenario.agencies.size();
    std::vector<std::int64_t> counts(std::size_t{1} << lists, 0);
    for (const auto& victim : world.victims) ++counts[victim.detected_by];
    counts[0] = 0;
    std::vector<std::string> names;
    for (const auto& agency : world.scenario.agencies) names.push_back(agency.id);
    const vigil::mse::CaptureHistories table(names, counts);
    const auto truth = static_cast<double>(world.victims.size());
    truth_sum += truth;
    observed_sum += static_cast<double>(table.observed());

    for (const bool stepwise : {false, true}) {
      const std::string model = stepwise ? "stepwise" : "main";
      const auto result =
          stepwise ? vigil::mse::select_stepwise(table) : vigil::mse::fit_log_linear(table, {});
      record(tallies[model + ", model-conditional"], result.exists, result.total, result.ci_lower,
             result.ci_upper, truth);
      if (result.exists) {
        const auto profile = vigil::mse::profile_likelihood_interval(table, result.model);
        record(tallies[model + ", profile likelihood"], true, result.total, profile.lower,
               profile.upper, truth);
      } else {
        record(tallies[model + ", profile likelihood"], false, 0, 0, 0, truth);
      }
      if (stepwise && replicates > 0) {
        vigil::mse::BootstrapOptions bootstrap_options;
        bootstrap_options.replicates = replicates;
        bootstrap_options.seed = 1000 + static_cast<std::uint64_t>(world_index);
        const auto boot = vigil::mse::bootstrap_stepwise(table, bootstrap_options);
        record(tallies["stepwise, bootstrap percentile"], result.exists, result.total,
               boot.percentile_lower, boot.percentile_upper, truth);
        record(tallies["stepwise, bootstrap BCa"], result.exists, result.total, boot.bca_lower,
               boot.bca_upper, truth);
      }
    }
    std::fprintf(stderr, "\r%d/%d worlds", world_index + 1, worlds);
  }
  std::fprintf(stderr, "\n");
  std::printf("scenario %s, year %d, %d worlds (seeds %llu-%llu), bootstrap %d replicates\n",
              scenario_name.c_str(), year, worlds, static_cast<unsigned long long>(first_seed),
              static_cast<unsigned long long>(first_seed + worlds - 1), replicates);
  std::printf("mean true total %.1f, mean observed %.1f\n", truth_sum / worlds,
              observed_sum / worlds);
  std::printf("%-36s %9s %9s %12s %12s\n", "method, 95% interval", "estimable", "coverage",
              "mean bias", "mean width");
  for (const auto& [name, tally] : tallies) {
    const double n = tally.estimable > 0 ? tally.estimable : 1;
    std::printf("%-36s %9d %8.1f%% %+11.1f%% %11.1f%%\n", name.c_str(), tally.estimable,
                100.0 * tally.covered / n, 100.0 * tally.relative_error_sum / n,
                100.0 * tally.width_sum / n);
  }
  return 0;
}
