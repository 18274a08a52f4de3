#include "simulate/scenario.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/country.hpp"
#include "core/error.hpp"
#include "io/toml_table.hpp"

namespace vigil::simulate {

// Defined in the generated builtin_scenarios.cpp.
extern const char* const kKazakhstanScenario;  // NOLINT(readability-identifier-naming)

namespace {

// Where an unknown key's error message sends the user.
constexpr std::string_view kHelp = "the README's Scenarios section";

constexpr double kHuge = 1e12;

std::map<std::string, double> odds_table(io::TomlTableReader& parent, std::string_view key,
                                         const std::set<std::string>& allowed) {
  std::map<std::string, double> out;
  if (parent.find(key) == nullptr) return out;
  io::TomlTableReader reader(parent.table(key), parent.path() + "." + std::string(key),
                             parent.source(), kHelp);
  for (const auto& name : allowed) {
    if (reader.find(name) != nullptr) out[name] = reader.number(name, 1e-6, 1e6);
  }
  reader.finish();
  return out;
}

NoiseRates read_noise(io::TomlTableReader& parent) {
  NoiseRates noise;
  if (parent.find("noise") == nullptr) return noise;
  io::TomlTableReader reader(parent.table("noise"), parent.path() + ".noise", parent.source(),
                             kHelp);
  noise.latin_script = reader.number_or("latin_script", 0, 0, 1);
  noise.typo = reader.number_or("typo", 0, 0, 1);
  noise.day_month_swap = reader.number_or("day_month_swap", 0, 0, 1);
  noise.missing_name = reader.number_or("missing_name", 0, 0, 1);
  noise.missing_birth_date = reader.number_or("missing_birth_date", 0, 0, 1);
  noise.missing_document = reader.number_or("missing_document", 0, 0, 1);
  reader.finish();
  return noise;
}

}  // namespace

Scenario parse_scenario(std::string_view toml_text, const std::string& source_name) {
  const toml::table root = io::parse_toml(toml_text, source_name);
  Scenario scenario;
  io::TomlTableReader top(root, "", source_name, kHelp);

  io::TomlTableReader head(top.table("scenario"), "scenario", source_name, kHelp);
  scenario.name = head.string("name");
  scenario.description = head.string_or("description", "");
  scenario.first_year = static_cast<int>(head.integer("first_year", 1950, 2100));
  scenario.last_year = static_cast<int>(head.integer("last_year", scenario.first_year, 2100));
  scenario.seed = static_cast<std::uint64_t>(head.integer("seed", 0, INT64_MAX));
  head.finish();

  io::TomlTableReader migration(top.table("migration"), "migration", source_name, kHelp);
  auto& m = scenario.migration;
  m.base_year = static_cast<int>(migration.integer("base_year", 1950, 2100));
  m.stock_retention = migration.number("stock_retention", 0, 1);
  m.flow_noise_sd = migration.number("flow_noise_sd", 0, 2);
  if (migration.find("shocks") != nullptr) {
    io::TomlTableReader shocks(migration.table("shocks"), "migration.shocks", source_name, kHelp);
    for (const auto& [key, node] : migration.table("shocks")) {
      int year = 0;
      const std::string text(key.str());
      try {
        year = std::stoi(text);
      } catch (const std::exception&) {
        throw input_error(io::position_of(node, source_name), "a year as the key of a shock", text);
      }
      m.shocks[year] = shocks.number(text, 0, 10);
    }
    shocks.finish();
  }
  for (const auto& item : migration.array_of_tables("origin")) {
    io::TomlTableReader reader(*item.as_table(), "migration.origin", source_name, kHelp);
    OriginSpec origin;
    origin.country = reader.country("country");
    origin.inflow = reader.number("inflow", 0, kHuge);
    origin.growth = reader.number("growth", -0.5, 0.5);
    origin.irregular_share = reader.number("irregular_share", 0, 1);
    origin.victim_risk = reader.number_or("victim_risk", 1, 0, 1e6);
    reader.finish();
    m.origins.push_back(origin);
  }
  for (const auto& item : migration.array_of_tables("region")) {
    io::TomlTableReader reader(*item.as_table(), "migration.region", source_name, kHelp);
    RegionSpec region;
    region.name = reader.string("name");
    region.foreign_share = reader.number("foreign_share", 0, 1);
    region.rural_inflow = reader.number("rural_inflow", 0, kHuge);
    region.rural_growth = reader.number("rural_growth", -0.5, 0.5);
    region.victim_risk = reader.number_or("victim_risk", 1, 0, 1e6);
    for (std::size_t index = 0; index < kRegionIndicatorCount; ++index) {
      const std::string_view key = kRegionIndicatorNames[index];
      if (reader.find(key) == nullptr) continue;
      double low = 0;
      double high = 1;
      if (index == kBorderDistanceKm) high = 1e5;
      if (index == kPopulation) {
        // migration_intensity and the victims per 100,000 divide by it.
        low = 1;
        high = kHuge;
      }
      region.indicators[index] = reader.number(key, low, high);
    }
    reader.finish();
    if (std::any_of(m.regions.begin(), m.regions.end(),
                    [&](const RegionSpec& other) { return other.name == region.name; })) {
      // regions.csv keys its rows by name: two regions of one name would merge.
      throw input_error(io::position_of(reader.require("name"), source_name),
                        "region names that are unique", region.name);
    }
    m.regions.push_back(region);
  }
  for (const auto& item : migration.array_of_tables("emigration")) {
    io::TomlTableReader reader(*item.as_table(), "migration.emigration", source_name, kHelp);
    EmigrationSpec emigration;
    emigration.country = reader.country("country");
    emigration.outflow = reader.number("outflow", 0, kHuge);
    emigration.growth = reader.number("growth", -0.5, 0.5);
    emigration.irregular_share = reader.number_or("irregular_share", 0, 0, 1);
    emigration.victim_risk = reader.number_or("victim_risk", 1, 0, 1e6);
    reader.finish();
    m.emigration.push_back(emigration);
  }
  migration.finish();
  double share_total = 0;
  for (const auto& region : m.regions) share_total += region.foreign_share;
  if (m.regions.empty() || std::fabs(share_total - 1.0) > 1e-6) {
    throw input_error({source_name, 0, 0},
                      fmt::format("the regions' foreign_share must sum to 1, got {}", share_total));
  }

  io::TomlTableReader victims(top.table("victims"), "victims", source_name, kHelp);
  auto& v = scenario.victims;
  v.elasticity = victims.number("elasticity", 0, 5);
  v.foreign_scale = victims.number("foreign_scale", 0, kHuge);
  v.internal_scale = victims.number("internal_scale", 0, kHuge);
  v.emigration_scale = victims.number("emigration_scale", 0, kHuge);
  v.female_share_foreign = victims.number("female_share_foreign", 0, 1);
  v.female_share_internal = victims.number("female_share_internal", 0, 1);
  v.female_share_emigration = victims.number("female_share_emigration", 0, 1);
  v.sexual_share_female = victims.number("sexual_share_female", 0, 1);
  v.sexual_share_male = victims.number("sexual_share_male", 0, 1);
  v.other_share = victims.number("other_share", 0, 1);
  v.sector_weights_male = victims.weights("sector_weights_male", 5);
  v.sector_weights_female = victims.weights("sector_weights_female", 5);
  v.irregular_relative_risk = victims.number("irregular_relative_risk", 0, 1e6);
  v.international_network_share = victims.number("international_network_share", 0, 1);
  v.age_weights = victims.weights("age_weights", 9);
  v.recruiter_weights = victims.weights("recruiter_weights", 4);
  v.duration_weights = victims.weights("duration_weights", 3);
  v.means_probability = victims.weights("means_probability", 8);
  for (const double p : v.means_probability) {
    if (p > 1) {
      throw input_error(io::position_of(victims.require("means_probability"), source_name),
                        "probabilities from 0 to 1 in victims.means_probability",
                        fmt::format("{}", p));
    }
  }
  v.withhold_documents_irregular = victims.number("withhold_documents_irregular", 0, 1);
  v.missing_age = victims.number("missing_age", 0, 1);
  v.missing_gender = victims.number("missing_gender", 0, 1);
  v.missing_means = victims.number("missing_means", 0, 1);
  v.missing_recruiter = victims.number("missing_recruiter", 0, 1);
  v.missing_duration = victims.number("missing_duration", 0, 1);
  victims.finish();

  static const std::set<std::string> characteristics = {
      "foreign",     "domestic",      "abroad",      "female",    "sexual", "construction",
      "agriculture", "domestic_work", "hospitality", "irregular", "minor"};
  std::set<std::string> agency_ids;
  for (const auto& item : top.array_of_tables("agency")) {
    io::TomlTableReader reader(*item.as_table(), "agency", source_name, kHelp);
    AgencySpec agency;
    agency.id = reader.string("id");
    if (agency.id.empty() ||
        agency.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      throw input_error(io::position_of(reader.require("id"), source_name),
                        "an agency id of lowercase letters, digits and _", agency.id);
    }
    if (!agency_ids.insert(agency.id).second) {
      throw input_error(io::position_of(reader.require("id"), source_name),
                        "agency ids that are unique", agency.id);
    }
    agency.name = reader.string("name");
    agency.detection = reader.number("detection", 0, 1);
    agency.trend = reader.number_or("trend", 0, -1, 1);
    agency.odds = odds_table(reader, "odds", characteristics);
    std::set<std::string> earlier(agency_ids);
    earlier.erase(agency.id);
    agency.referral_odds = odds_table(reader, "referral_odds", earlier);
    agency.noise = read_noise(reader);
    reader.finish();
    scenario.agencies.push_back(std::move(agency));
  }
  if (scenario.agencies.empty() || scenario.agencies.size() > 16) {
    throw input_error({source_name, 0, 0}, "a scenario needs 1 to 16 [[agency]] tables");
  }
  top.finish();
  return scenario;
}

bool every_region_has(const MigrationSpec& migration, RegionIndicator indicator) {
  return !migration.regions.empty() &&
         std::all_of(
             migration.regions.begin(), migration.regions.end(),
             [&](const RegionSpec& region) { return region.indicators[indicator].has_value(); });
}

std::string_view builtin_scenario(std::string_view name) {
  if (name == "kazakhstan") return kKazakhstanScenario;
  return {};
}

Scenario load_scenario(const std::string& name_or_path) {
  const std::string_view builtin = builtin_scenario(name_or_path);
  if (!builtin.empty()) return parse_scenario(builtin, "scenario " + name_or_path);
  std::ifstream in(name_or_path, std::ios::binary);
  if (!in) {
    throw Error(Error::Kind::io,
                fmt::format("{}: no such scenario file, and not a built-in scenario (built in: "
                            "kazakhstan)",
                            name_or_path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return parse_scenario(text.str(), name_or_path);
}

}  // namespace vigil::simulate
