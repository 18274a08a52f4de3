#include <algorithm>
#include <cmath>
#include <limits>

#include "core/country.hpp"
#include "core/error.hpp"
#include "simulate/simulate.hpp"

namespace vigil::simulate {
namespace {

// Substream purposes, so that each part of the world draws from its own stream.
enum Purpose : std::uint64_t {
  kFlowNoise = 1,
  kVictimCount = 2,
  kVictimTraits = 3,
  kDetection = 4,
  kRecording = 5,
  kListOrder = 6,
  kRegionIndicators = 7,
};

// Year-to-year noise on the region indicators: small, as in official
// series, but enough that a panel is not a constant repeated.
constexpr double kIndicatorNoiseSd = 0.03;

std::uint64_t stream_id(Purpose purpose, std::uint64_t a, std::uint64_t b = 0) {
  return (static_cast<std::uint64_t>(purpose) << 56U) ^ (a << 28U) ^ b;
}

std::int16_t country_code(const std::string& alpha3) {
  const auto country = find_country(alpha3);
  if (!country) throw Error(Error::Kind::internal, "unknown country " + alpha3);
  return static_cast<std::int16_t>(country->index());
}

double logit(double p) {
  return std::log(p / (1.0 - p));
}
double inverse_logit(double x) {
  return 1.0 / (1.0 + std::exp(-x));
}

// The lower and upper age of each CTDC age band (48+ drawn up to 65).
constexpr int kAgeLow[] = {0, 9, 18, 21, 24, 27, 30, 39, 48};
constexpr int kAgeHigh[] = {8, 17, 20, 23, 26, 29, 38, 47, 65};

enum Sector { kConstruction, kAgriculture, kDomesticWork, kHospitality, kOtherSector };

struct Traits {
  bool female = false;
  bool sexual = false;
  bool other_exploitation = false;
  int sector = -1;  // labour victims only
  bool minor = false;
};

std::vector<Corridor> build_corridors(const Scenario& scenario) {
  std::vector<Corridor> corridors;
  const auto& m = scenario.migration;
  for (const auto& origin : m.origins) {
    for (const auto& region : m.regions) {
      corridors.push_back({CorridorType::foreign, origin.country, region.name,
                           origin.victim_risk * region.victim_risk, origin.irregular_share});
    }
  }
  for (const auto& region : m.regions) {
    corridors.push_back({CorridorType::internal, "KAZ", region.name, region.victim_risk, 0.0});
  }
  for (const auto& emigration : m.emigration) {
    corridors.push_back({CorridorType::emigration, "KAZ", emigration.country,
                         emigration.victim_risk, emigration.irregular_share});
  }
  return corridors;
}

// The base-year flow and growth of each corridor, in build_corridors' order.
struct FlowSpec {
  double base = 0;
  double growth = 0;
};

std::vector<FlowSpec> flow_specs(const Scenario& scenario) {
  std::vector<FlowSpec> out;
  const auto& m = scenario.migration;
  for (const auto& origin : m.origins) {
    for (const auto& region : m.regions) {
      out.push_back({origin.inflow * region.foreign_share, origin.growth});
    }
  }
  for (const auto& region : m.regions) out.push_back({region.rural_inflow, region.rural_growth});
  for (const auto& emigration : m.emigration)
    out.push_back({emigration.outflow, emigration.growth});
  return out;
}

double scale_for(const VictimSpec& spec, CorridorType type) {
  switch (type) {
    case CorridorType::foreign:
      return spec.foreign_scale;
    case CorridorType::internal:
      return spec.internal_scale;
    case CorridorType::emigration:
      return spec.emigration_scale;
  }
  return 0;
}

double female_share_for(const VictimSpec& spec, CorridorType type) {
  switch (type) {
    case CorridorType::foreign:
      return spec.female_share_foreign;
    case CorridorType::internal:
      return spec.female_share_internal;
    case CorridorType::emigration:
      return spec.female_share_emigration;
  }
  return 0.5;
}

// Draws one victim's characteristics and CTDC variables. The draw order is
// fixed: changing it changes every world.
Victim draw_victim(const Scenario& scenario, const Corridor& corridor, int year, Rng& rng,
                   Traits& traits) {
  const VictimSpec& spec = scenario.victims;
  Victim victim;
  victim.year = year;
  traits = Traits{};
  traits.female = rng.bernoulli(female_share_for(spec, corridor.type));
  const std::size_t band = rng.categorical(spec.age_weights);
  const auto band_width = static_cast<std::uint64_t>(kAgeHigh[band] - kAgeLow[band]) + 1;
  const int age = kAgeLow[band] + static_cast<int>(rng.below(band_width));
  traits.minor = age < 18;
  const double draw = rng.uniform();
  const double sexual_share = traits.female ? spec.sexual_share_female : spec.sexual_share_male;
  traits.sexual = draw < sexual_share;
  traits.other_exploitation = !traits.sexual && draw < sexual_share + spec.other_share;
  if (!traits.sexual && !traits.other_exploitation) {
    traits.sector = static_cast<int>(
        rng.categorical(traits.female ? spec.sector_weights_female : spec.sector_weights_male));
  }
  // Irregular status among victims: the migrant share weighted by the
  // relative risk of irregular migrants (Bayes' rule).
  const double s = corridor.irregular_share;
  const double rr = spec.irregular_relative_risk;
  victim.irregular = s > 0 && rng.bernoulli(rr * s / (rr * s + 1.0 - s));
  victim.international_network =
      corridor.type == CorridorType::foreign && rng.bernoulli(spec.international_network_share);
  const std::size_t recruiter = rng.categorical(spec.recruiter_weights);
  const std::size_t duration = rng.categorical(spec.duration_weights);

  CaseRecord& record = victim.record;
  using enum Field;
  record.set_code(year_of_registration, static_cast<std::int16_t>(year));
  record.set_code(gender, static_cast<std::int16_t>(traits.female ? Gender::woman : Gender::man));
  record.set_code(age_band, static_cast<std::int16_t>(band));
  record.set_code(majority_status, static_cast<std::int16_t>(traits.minor ? MajorityStatus::minor
                                                                          : MajorityStatus::adult));
  const std::string citizenship_alpha3 =
      corridor.type == CorridorType::foreign ? corridor.origin : "KAZ";
  record.set_code(citizenship, country_code(citizenship_alpha3));
  record.set_code(
      country_of_exploitation,
      country_code(corridor.type == CorridorType::emigration ? corridor.destination : "KAZ"));
  record.set_code(trafficking_duration, static_cast<std::int16_t>(duration));
  record.set_code(forced_labour, traits.sector >= 0 ? 1 : 0);
  record.set_code(sexual_exploitation, traits.sexual ? 1 : 0);
  record.set_code(other_exploitation, traits.other_exploitation ? 1 : 0);
  if (traits.sector >= 0) {
    record.set_code(labour_construction, traits.sector == kConstruction ? 1 : 0);
    record.set_code(labour_agriculture, traits.sector == kAgriculture ? 1 : 0);
    record.set_code(labour_domestic_work, traits.sector == kDomesticWork ? 1 : 0);
    record.set_code(labour_hospitality, traits.sector == kHospitality ? 1 : 0);
    record.set_code(labour_other, traits.sector == kOtherSector ? 1 : 0);
  }
  if (traits.sexual) {
    const bool pornography = rng.bernoulli(0.1);
    record.set_code(sex_prostitution, pornography ? 0 : 1);
    record.set_code(sex_pornography, pornography ? 1 : 0);
  }
  const auto means = group_fields(FlagGroup::means_of_control);
  for (std::size_t index = 0; index < spec.means_probability.size(); ++index) {
    double p = spec.means_probability[index];
    if (means[index] == means_withhold_documents && victim.irregular) {
      p = spec.withhold_documents_irregular;
    }
    record.set_code(means[index], rng.bernoulli(p) ? 1 : 0);
  }
  record.set_code(means_other, 0);
  const auto recruiters = group_fields(FlagGroup::recruiter_relation);
  for (std::size_t index = 0; index < recruiters.size(); ++index) {
    record.set_code(recruiters[index], index == recruiter ? 1 : 0);
  }

  // What case records report: the same, with the gaps real data have.
  victim.reported = record;
  if (rng.bernoulli(spec.missing_age)) {
    victim.reported.set_code(age_band, std::nullopt);
    victim.reported.set_code(majority_status, std::nullopt);
  }
  if (rng.bernoulli(spec.missing_gender)) victim.reported.set_code(gender, std::nullopt);
  if (rng.bernoulli(spec.missing_means)) {
    for (const Field field : means) victim.reported.set_code(field, std::nullopt);
  }
  if (rng.bernoulli(spec.missing_recruiter)) {
    for (const Field field : recruiters) victim.reported.set_code(field, std::nullopt);
  }
  if (rng.bernoulli(spec.missing_duration)) {
    victim.reported.set_code(trafficking_duration, std::nullopt);
  }

  victim.identity =
      draw_identity(name_pool_for(citizenship_alpha3), traits.female ? Sex::female : Sex::male,
                    year - age, citizenship_alpha3, rng);
  return victim;
}

bool has_characteristic(const std::string& name, const Corridor& corridor, const Victim& victim,
                        const Traits& traits) {
  if (name == "foreign") return corridor.type == CorridorType::foreign;
  if (name == "domestic") return corridor.type == CorridorType::internal;
  if (name == "abroad") return corridor.type == CorridorType::emigration;
  if (name == "female") return traits.female;
  if (name == "sexual") return traits.sexual;
  if (name == "construction") return traits.sector == kConstruction;
  if (name == "agriculture") return traits.sector == kAgriculture;
  if (name == "domestic_work") return traits.sector == kDomesticWork;
  if (name == "hospitality") return traits.sector == kHospitality;
  if (name == "irregular") return victim.irregular;
  if (name == "minor") return traits.minor;
  return false;
}

std::uint32_t detect(const Scenario& scenario, const Corridor& corridor, const Victim& victim,
                     const Traits& traits, Rng& rng) {
  std::uint32_t detected = 0;
  for (std::size_t agency_index = 0; agency_index < scenario.agencies.size(); ++agency_index) {
    const AgencySpec& agency = scenario.agencies[agency_index];
    double log_odds = logit(std::clamp(agency.detection, 1e-9, 1.0 - 1e-9)) +
                      agency.trend * (victim.year - scenario.migration.base_year);
    for (const auto& [name, odds] : agency.odds) {
      if (has_characteristic(name, corridor, victim, traits)) log_odds += std::log(odds);
    }
    for (std::size_t earlier = 0; earlier < agency_index; ++earlier) {
      const auto found = agency.referral_odds.find(scenario.agencies[earlier].id);
      if (found != agency.referral_odds.end() && (detected & (1U << earlier)) != 0) {
        log_odds += std::log(found->second);
      }
    }
    if (rng.bernoulli(inverse_logit(log_odds))) detected |= 1U << agency_index;
  }
  return detected;
}

}  // namespace

World simulate_world(const Scenario& scenario_in, const SimulateOptions& options) {
  World world;
  world.scenario = scenario_in;
  Scenario& scenario = world.scenario;
  if (options.first_year) scenario.first_year = *options.first_year;
  if (options.last_year) scenario.last_year = *options.last_year;
  if (scenario.first_year > scenario.last_year) {
    throw Error(Error::Kind::usage, "the first year of the simulation is after the last");
  }
  world.seed = options.seed.value_or(scenario.seed);
  const Rng root(world.seed);
  world.corridors = build_corridors(scenario);
  const auto flows = flow_specs(scenario);
  const auto& m = scenario.migration;

  std::vector<double> stock(world.corridors.size(), 0.0);
  std::int64_t next_person = 1;
  for (int year = scenario.first_year; year <= scenario.last_year; ++year) {
    const auto shock = m.shocks.find(year);
    const double shock_factor = shock == m.shocks.end() ? 1.0 : shock->second;
    const auto year_key = static_cast<std::uint64_t>(year);
    Rng noise_rng = root.substream(stream_id(kFlowNoise, year_key));
    for (std::size_t corridor_index = 0; corridor_index < world.corridors.size();
         ++corridor_index) {
      const Corridor& corridor = world.corridors[corridor_index];
      const double sd = m.flow_noise_sd;
      // Log-normal noise with mean 1, so that the trend is the expected flow.
      const double noise = std::exp(sd * noise_rng.normal() - 0.5 * sd * sd);
      const double flow = flows[corridor_index].base *
                          std::pow(1.0 + flows[corridor_index].growth, year - m.base_year) *
                          shock_factor * noise;
      if (year == scenario.first_year) {
        // Start from the steady state of the first year's flow.
        stock[corridor_index] =
            m.stock_retention < 1.0 ? flow * m.stock_retention / (1.0 - m.stock_retention) : flow;
      }
      stock[corridor_index] = m.stock_retention * stock[corridor_index] + flow;

      MigrationYear row;
      row.year = year;
      row.corridor = corridor_index;
      row.flow = std::round(flow);
      row.stock = std::round(stock[corridor_index]);
      row.expected_victims = scale_for(scenario.victims, corridor.type) * corridor.victim_risk *
                             std::pow(row.flow / 1000.0, scenario.victims.elasticity);
      Rng count_rng = root.substream(stream_id(kVictimCount, year_key, corridor_index));
      row.victims = count_rng.poisson(row.expected_victims);
      world.migration.push_back(row);

      Rng traits_rng = root.substream(stream_id(kVictimTraits, year_key, corridor_index));
      Rng detect_rng = root.substream(stream_id(kDetection, year_key, corridor_index));
      for (std::int64_t count = 0; count < row.victims; ++count) {
        Traits traits;
        Victim victim = draw_victim(scenario, corridor, year, traits_rng, traits);
        victim.person_id = next_person++;
        victim.corridor = corridor_index;
        victim.detected_by = detect(scenario, corridor, victim, traits, detect_rng);
        world.victims.push_back(std::move(victim));
      }
    }
  }

  for (int year = scenario.first_year; year <= scenario.last_year; ++year) {
    for (std::size_t region_index = 0; region_index < m.regions.size(); ++region_index) {
      Rng rng = root.substream(
          stream_id(kRegionIndicators, static_cast<std::uint64_t>(year), region_index));
      RegionIndicatorYear row;
      row.year = year;
      row.region = region_index;
      for (std::size_t index = 0; index < kRegionIndicatorCount; ++index) {
        // Drawn whether or not the indicator is given, so that adding one
        // to a scenario leaves the others' values unchanged.
        const double noise = std::exp(kIndicatorNoiseSd * rng.normal() -
                                      0.5 * kIndicatorNoiseSd * kIndicatorNoiseSd);
        const auto& value = m.regions[region_index].indicators[index];
        if (!value) {
          row.values[index] = std::numeric_limits<double>::quiet_NaN();
          continue;
        }
        const bool is_share = index != kBorderDistanceKm && index != kPopulation;
        row.values[index] = is_share ? std::min(1.0, *value * noise) : *value * noise;
      }
      world.region_indicators.push_back(row);
    }
  }

  // Each agency's list: its records in an order of its own (by year, then a
  // random key: real exports are not sorted by person), numbered.
  world.lists.resize(scenario.agencies.size());
  for (std::size_t agency_index = 0; agency_index < scenario.agencies.size(); ++agency_index) {
    const AgencySpec& agency = scenario.agencies[agency_index];
    Rng record_rng = root.substream(stream_id(kRecording, agency_index));
    Rng order_rng = root.substream(stream_id(kListOrder, agency_index));
    struct Entry {
      int year;
      std::uint64_t key;
      ListRecord record;
    };
    std::vector<Entry> entries;
    for (const Victim& victim : world.victims) {
      if ((victim.detected_by & (1U << agency_index)) == 0) continue;
      ListRecord record;
      record.person_id = victim.person_id;
      record.year = victim.year;
      record.identity = record_identity(victim.identity, agency.noise, record_rng);
      entries.push_back({victim.year, order_rng.next_u64(), std::move(record)});
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.year != b.year ? a.year < b.year : a.key < b.key;
    });
    auto& list = world.lists[agency_index];
    list.reserve(entries.size());
    std::size_t number = 0;
    for (auto& entry : entries) {
      char id[32];
      std::snprintf(id, sizeof id, "%06zu", ++number);
      entry.record.record_id = agency.id + "-" + id;
      list.push_back(std::move(entry.record));
    }
  }
  return world;
}

}  // namespace vigil::simulate
