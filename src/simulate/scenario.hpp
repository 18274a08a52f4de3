// Scenarios for `vigil simulate`: every number that shapes a simulated world.
//
// A scenario is a TOML file (format documented in the README, section
// "Scenarios", with scenarios/kazakhstan.toml as the worked example). The
// `kazakhstan` scenario is compiled into vigil, so `--scenario kazakhstan`
// works wherever the binary is.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simulate/identity.hpp"

namespace vigil::simulate {

// Cross-border migrants from one country into Kazakhstan's regions.
struct OriginSpec {
  std::string country;         // ISO alpha-3
  double inflow = 0;           // migrants arriving in the base year
  double growth = 0;           // yearly growth of the inflow (0.03 = 3 %)
  double irregular_share = 0;  // share without a valid permit
  double victim_risk = 1;      // relative victimisation risk of this corridor
};

// Structural indicators a region may carry for `vigil index`, in the order
// of their columns in regions.csv. They describe the region; they do not
// enter the victim counts, which depend on victim_risk alone, so that an
// index built from them is tested against a truth it does not define.
enum RegionIndicator : std::size_t {
  kPoverty,               // share below the national poverty line
  kUnemployment,          // unemployment rate
  kInformalConstruction,  // share of informal employment in construction
  kInformalAgriculture,   // ... in agriculture
  kInformalDomesticWork,  // ... in domestic work
  kBorderDistanceKm,      // distance to the nearest border crossing
  kServiceCoverage,       // share of the population reached by victim services
  kPopulation,            // residents
  kRegionIndicatorCount
};
inline constexpr std::array<std::string_view, kRegionIndicatorCount> kRegionIndicatorNames = {
    "poverty",
    "unemployment",
    "informal_construction",
    "informal_agriculture",
    "informal_domestic_work",
    "border_distance_km",
    "service_coverage",
    "population"};

// A destination region, which also receives rural-to-urban migrants.
struct RegionSpec {
  std::string name;          // "Almaty"
  double foreign_share = 0;  // share of each origin's inflow that goes here
  double rural_inflow = 0;   // internal rural-to-urban migrants arriving in the base year
  double rural_growth = 0;
  double victim_risk = 1;  // relative victimisation risk in the region
  // Optional, indexed by RegionIndicator; unset when the scenario omits it.
  std::array<std::optional<double>, kRegionIndicatorCount> indicators{};
};

// Kazakh citizens leaving to work abroad.
struct EmigrationSpec {
  std::string country;  // ISO alpha-3 of the destination
  double outflow = 0;   // emigrants in the base year
  double growth = 0;
  double irregular_share = 0;  // share working without a valid permit
  double victim_risk = 1;
};

struct MigrationSpec {
  int base_year = 2002;
  std::map<int, double> shocks;  // year -> multiplier of every flow (crises, border closures)
  double stock_retention = 0.6;  // share of last year's stock still present
  double flow_noise_sd = 0.05;   // sd of the log-normal noise on each flow
  std::vector<OriginSpec> origins;
  std::vector<RegionSpec> regions;
  std::vector<EmigrationSpec> emigration;
};

// Whether every region of the scenario gives the indicator (regions.csv
// writes its column only then).
bool every_region_has(const MigrationSpec& migration, RegionIndicator indicator);

// Who becomes a victim, and of what.
struct VictimSpec {
  // Expected victims in a corridor-year = scale x risks x (flow / 1000)^elasticity.
  double elasticity = 1.0;
  double foreign_scale = 0;
  double internal_scale = 0;
  double emigration_scale = 0;
  double female_share_foreign = 0.4;
  double female_share_internal = 0.5;
  double female_share_emigration = 0.5;
  // Exploitation type.
  double sexual_share_female = 0.5;  // P(sexual exploitation | woman)
  double sexual_share_male = 0.02;
  double other_share = 0.02;  // other exploitation (forced marriage, begging...)
  // Labour sector of labour victims: construction, agriculture, domestic
  // work, hospitality, other; separately for men and women.
  std::vector<double> sector_weights_male;
  std::vector<double> sector_weights_female;
  double irregular_relative_risk = 3.0;       // victimisation risk of irregular vs regular migrants
  double international_network_share = 0.66;  // foreign victims moved by international networks
  std::vector<double> age_weights;            // the nine CTDC age bands
  std::vector<double> recruiter_weights;      // intimate partner, friend, family, other
  std::vector<double> duration_weights;       // 0-12, 13-24, 25+ months
  // P(means of control) for labour victims, in the CTDC 2024 order: debt
  // bondage/earnings, threats, abuse, false promises, drugs/alcohol, deny basic
  // needs, excessive hours, withhold documents.
  std::vector<double> means_probability;
  double withhold_documents_irregular = 0.7;  // P(documents withheld | irregular)
  // Share of detected victims whose variable is missing in cases.csv, as in
  // real case-management data.
  double missing_age = 0.2;
  double missing_gender = 0.03;
  double missing_means = 0.3;
  double missing_recruiter = 0.4;
  double missing_duration = 0.5;
};

// One agency that identifies victims and keeps a list.
struct AgencySpec {
  std::string id;        // file name: lists/<id>.csv, column of capture_histories.csv
  std::string name;      // for people
  double detection = 0;  // base probability for a victim with no modifier
  double trend = 0;      // change of the log-odds per year after the base year
  // Odds multipliers by victim characteristic: foreign, domestic, abroad,
  // female, sexual, construction, agriculture, domestic_work, hospitality,
  // irregular, minor.
  std::map<std::string, double> odds;
  // Odds multiplier when an agency earlier in the list found the victim
  // (referrals): list dependence.
  std::map<std::string, double> referral_odds;
  NoiseRates noise;
};

struct Scenario {
  std::string name;
  std::string description;
  int first_year = 2002;
  int last_year = 2022;
  std::uint64_t seed = 1;
  MigrationSpec migration;
  VictimSpec victims;
  std::vector<AgencySpec> agencies;
};

// Parses a scenario; throws vigil::Error (input) with file:line:column for a
// missing key, a value of the wrong type or out of range, or an unknown key.
Scenario parse_scenario(std::string_view toml_text, const std::string& source_name);

// `name_or_path` is a built-in scenario's name ("kazakhstan") or a TOML file.
Scenario load_scenario(const std::string& name_or_path);

// The text of a built-in scenario, or empty if there is none of that name.
std::string_view builtin_scenario(std::string_view name);

}  // namespace vigil::simulate
