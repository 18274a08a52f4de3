// `vigil simulate`: a world with a known truth.
//
// No real data set tells how many victims there really are, so every method
// in vigil (MSE, linkage, the migration nexus) is tested against simulated
// worlds whose truth is known, as the simulation studies that accompany MSE
// and record-linkage papers do. A world is generated per year from a
// scenario:
//
//   1. migration: cross-border flows from each origin country into each
//      Kazakh region, rural-to-urban flows into each region, and emigration
//      of Kazakh citizens abroad, with trend, shocks and log-normal noise;
//      stocks carry a share of last year's migrants forward;
//   2. victims: in each corridor and year, a Poisson number with mean
//      scale x risk x (flow / 1000)^elasticity, so that the migration
//      elasticity is known; each victim's characteristics are drawn from the
//      migrant population weighted by the relative risks (irregular status,
//      sector, sex), then CTDC variables and an identity;
//   3. detection: each agency finds each victim with a probability that
//      depends on the victim (heterogeneity) and on whether an agency earlier
//      in the scenario found them (referrals: list dependence);
//   4. each agency's list records the identities with transliteration
//      variants, typos, swapped dates and gaps at the scenario's rates.
//
// Everything is drawn from vigil's portable generator with one substream per
// part of the world: a seed gives byte-identical files on every machine.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/case_record.hpp"
#include "simulate/identity.hpp"
#include "simulate/scenario.hpp"

namespace vigil::simulate {

enum class CorridorType { foreign, internal, emigration };

struct Corridor {
  CorridorType type;
  std::string origin;       // alpha-3, or "KAZ" for internal and emigration corridors
  std::string destination;  // a region's name, or an alpha-3 code abroad
  double victim_risk = 1;   // product of the origin's and destination's risks
  double irregular_share = 0;
};

struct MigrationYear {
  int year = 0;
  std::size_t corridor = 0;  // index into World::corridors
  double flow = 0;
  double stock = 0;
  double expected_victims = 0;
  std::int64_t victims = 0;
};

struct Victim {
  std::int64_t person_id = 0;
  int year = 0;
  std::size_t corridor = 0;
  bool irregular = false;
  bool international_network = false;  // foreign victims only
  CaseRecord record;                   // the full truth, nothing missing
  CaseRecord reported;                 // as case records report it (with gaps)
  Identity identity;
  std::uint32_t detected_by = 0;  // bit a: agency a found the victim
};

struct ListRecord {
  std::string record_id;
  std::int64_t person_id = 0;
  int year = 0;
  RecordedIdentity identity;
};

// A region's structural indicators as measured in one year: the scenario's
// values with log-normal noise, NaN where the scenario gives none.
struct RegionIndicatorYear {
  int year = 0;
  std::size_t region = 0;  // index into Scenario::migration.regions
  std::array<double, kRegionIndicatorCount> values{};
};

struct World {
  Scenario scenario;
  std::uint64_t seed = 0;
  std::vector<Corridor> corridors;
  std::vector<MigrationYear> migration;                // by year, then corridor
  std::vector<Victim> victims;                         // by year, then corridor
  std::vector<std::vector<ListRecord>> lists;          // per agency, in the scenario's order
  std::vector<RegionIndicatorYear> region_indicators;  // by year, then region
};

struct SimulateOptions {
  std::optional<std::uint64_t> seed;  // default: the scenario's
  std::optional<int> first_year;      // default: the scenario's
  std::optional<int> last_year;
};

World simulate_world(const Scenario& scenario, const SimulateOptions& options = {});

// Writes the world into `directory` (created if needed):
//   migration.csv           year, corridor_type, origin, destination, flow, stock
//   lists/<agency>.csv      what each agency's list holds, one row per record
//   truth_links.csv         list, record_id, person_id
//   capture_histories.csv   one 0/1 column per agency + count (true linkage)
//   cases.csv               detected victims in the CTDC 2024 layout
//   regions.csv             region-year indicators for the vulnerability index
//   truth_corridors.csv     per corridor-year: flow, expected and true victims, detected
//   truth.json              every true number (README: "truth.json")
// Returns the paths written.
std::vector<std::string> write_world(const World& world, const std::string& directory);

}  // namespace vigil::simulate
