// Coverage of vigil nexus's interval for the migration elasticity on
// simulated worlds with a known elasticity.
//
// For each seed, simulates a world, counts the victims the agencies
// detected per corridor-year (what an agency's statistics hold) and fits
// the default gravity model (corridor and year fixed effects). Records
// whether the 95% interval holds the scenario's true elasticity, with the
// model-based and the cluster-robust (by corridor) standard errors.
//
// Usage: nexus_coverage [--scenario NAME|FILE] [--worlds N] [--first-seed S]
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "core/distributions.hpp"
#include "nexus/nexus.hpp"
#include "simulate/simulate.hpp"

int main(int argc, char** argv) {
  std::string scenario_name = "kazakhstan";
  int worlds = 200;
  std::uint64_t first_seed = 1;
  for (int index = 1; index + 1 < argc; index += 2) {
    const std::string option = argv[index];
    const std::string value = argv[index + 1];
    if (option == "--scenario") {
      scenario_name = value;
    } else if (option == "--worlds") {
      worlds = std::stoi(value);
    } else if (option == "--first-seed") {
      first_seed = std::stoull(value);
    } else {
      std::fprintf(stderr, "nexus_coverage: unknown option %s\n", option.c_str());
      return 2;
    }
  }
  const vigil::simulate::Scenario scenario = vigil::simulate::load_scenario(scenario_name);
  const double truth = scenario.victims.elasticity;
  int covered_model = 0, covered_cluster = 0;
  double sum = 0, sum_squares = 0, model_se_sum = 0, cluster_se_sum = 0;
  for (int w = 0; w < worlds; ++w) {
    vigil::simulate::SimulateOptions options;
    options.seed = first_seed + static_cast<std::uint64_t>(w);
    const vigil::simulate::World world = vigil::simulate::simulate_world(scenario, options);
    std::vector<vigil::nexus::MigrationRow> migration;
    for (const auto& row : world.migration) {
      const auto& corridor = world.corridors[row.corridor];
      migration.push_back(
          {row.year, corridor.origin, corridor.destination, row.flow, row.stock, {}});
    }
    std::map<std::tuple<int, std::string, std::string>, double> detected;
    for (const auto& victim : world.victims) {
      if (victim.detected_by == 0) continue;
      const auto& corridor = world.corridors[victim.corridor];
      detected[{victim.year, corridor.origin, corridor.destination}] += 1;
    }
    std::vector<vigil::nexus::VictimCount> victims;
    for (const auto& [key, count] : detected) {
      victims.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
    }
    const auto result = vigil::nexus::analyse_nexus(migration, victims, {});
    const auto& e = result.elasticity;
    const double z = vigil::normal_quantile(0.975);
    covered_cluster += e.ci_lower <= truth && truth <= e.ci_upper ? 1 : 0;
    covered_model += std::abs(e.estimate - truth) <= z * e.model_std_error ? 1 : 0;
    sum += e.estimate;
    sum_squares += e.estimate * e.estimate;
    model_se_sum += e.model_std_error;
    cluster_se_sum += e.std_error;
    std::fprintf(stderr, "\rworld %d of %d", w + 1, worlds);
  }
  std::fprintf(stderr, "\n");
  const double mean = sum / worlds;
  const double sd = std::sqrt((sum_squares - worlds * mean * mean) / (worlds - 1));
  std::printf("scenario %s, %d worlds from seed %llu, true elasticity %g\n", scenario_name.c_str(),
              worlds, static_cast<unsigned long long>(first_seed), truth);
  std::printf("mean estimate %.4f (bias %+.4f), sd over worlds %.4f\n", mean, mean - truth, sd);
  std::printf("model-based SE:   mean %.4f, coverage of the 95%% interval %.1f%%\n",
              model_se_sum / worlds, 100.0 * covered_model / worlds);
  std::printf("cluster-robust SE (the default): mean %.4f, coverage %.1f%%\n",
              cluster_se_sum / worlds, 100.0 * covered_cluster / worlds);
  return 0;
}
