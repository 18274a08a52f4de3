// `vigil simulate`: the CLI binding of simulate/simulate.hpp.
#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "simulate/simulate.hpp"

namespace vigil::cli {
namespace {

int parse_year(std::string_view text, const std::string& whole) {
  int year = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), year);
  if (ec != std::errc{} || ptr != text.data() + text.size() || year < 1950 || year > 2100) {
    throw Error(Error::Kind::usage,
                fmt::format("--years: expected FIRST-LAST such as 2010-2020, got \"{}\"", whole));
  }
  return year;
}

}  // namespace

void setup_simulate(CLI::App& app, SimulateOptions& options) {
  app.description(
      "Simulate a world with a known truth: migration flows per corridor, the victims they\n"
      "bring (a Poisson number per corridor and year whose mean grows as flow^elasticity),\n"
      "each agency's detections (heterogeneous, with referrals between agencies) and each\n"
      "agency's list as it would export it (transliteration variants, typos, swapped dates,\n"
      "gaps). truth.json holds every true number. The same seed gives byte-identical files.\n\n"
      "Files written to --out: migration.csv, lists/<agency>.csv, truth_links.csv,\n"
      "capture_histories.csv, cases.csv (CTDC 2024 layout: `vigil import` reads it),\n"
      "regions.csv, truth_corridors.csv, truth.json. Every victim is synthetic.");
  app.add_option("--scenario", options.scenario,
                 "A built-in scenario (kazakhstan) or a scenario TOML file (README: Scenarios)")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Random seed (default: the scenario's)");
  app.add_option("--years", options.years,
                 "Years to simulate, FIRST-LAST (default: the scenario's)");
  app.add_option("--out", options.out, "Directory to write the world into (created if needed)")
      ->required();
  app.add_option("--format", options.format, "Summary format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.footer(
      "Examples:\n"
      "  vigil simulate --out world\n"
      "  vigil simulate --scenario my_country.toml --seed 7 --years 2010-2020 --out world7\n"
      "  vigil import world/cases.csv --db world.db && vigil profile --db world.db --country KZ");
}

int run_simulate(const SimulateOptions& options) {
  const simulate::Scenario scenario = simulate::load_scenario(options.scenario);
  simulate::SimulateOptions simulate_options;
  simulate_options.seed = options.seed;
  if (!options.years.empty()) {
    const auto dash = options.years.find('-');
    if (dash == std::string::npos) {
      throw Error(
          Error::Kind::usage,
          fmt::format("--years: expected FIRST-LAST such as 2010-2020, got \"{}\"", options.years));
    }
    simulate_options.first_year = parse_year(options.years.substr(0, dash), options.years);
    simulate_options.last_year = parse_year(options.years.substr(dash + 1), options.years);
    if (*simulate_options.first_year > *simulate_options.last_year) {
      throw Error(
          Error::Kind::usage,
          fmt::format("--years: the first year comes after the last in \"{}\"", options.years));
    }
  }
  const simulate::World world = simulate::simulate_world(scenario, simulate_options);
  simulate::write_world(world, options.out);

  std::int64_t detected = 0;
  for (const auto& victim : world.victims) detected += victim.detected_by != 0 ? 1 : 0;
  const auto total = static_cast<std::int64_t>(world.victims.size());
  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["out"] = options.out;
    out["scenario"] = world.scenario.name;
    out["seed"] = world.seed;
    out["first_year"] = world.scenario.first_year;
    out["last_year"] = world.scenario.last_year;
    out["total_victims"] = total;
    out["detected_victims"] = detected;
    nlohmann::ordered_json lists = nlohmann::ordered_json::object();
    for (std::size_t index = 0; index < world.lists.size(); ++index) {
      lists[world.scenario.agencies[index].id] = world.lists[index].size();
    }
    out["list_records"] = lists;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print(
      "{}: scenario {}, seed {}, {}-{}: {} victims, {} detected by at least one agency "
      "({:.1f}%)\n",
      options.out, world.scenario.name, world.seed, world.scenario.first_year,
      world.scenario.last_year, total, detected,
      total > 0 ? 100.0 * static_cast<double>(detected) / static_cast<double>(total) : 0.0);
  for (std::size_t index = 0; index < world.lists.size(); ++index) {
    fmt::print("  lists/{}.csv: {} records\n", world.scenario.agencies[index].id,
               world.lists[index].size());
  }
  fmt::print("  truth: {}/truth.json\n", options.out);
  return 0;
}

}  // namespace vigil::cli
