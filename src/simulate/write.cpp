#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "io/csv.hpp"
#include "simulate/simulate.hpp"

namespace vigil::simulate {
namespace {

std::string_view type_name(CorridorType type) {
  switch (type) {
    case CorridorType::foreign:
      return "foreign";
    case CorridorType::internal:
      return "internal";
    case CorridorType::emigration:
      return "emigration";
  }
  return "";
}

// Numbers in CSV files: integers as integers, others with enough digits to
// round-trip, always with '.' whatever the locale.
std::string number(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{}", value);
}

class OutputFile {
 public:
  explicit OutputFile(std::filesystem::path path) : path_(std::move(path)) {
    out_.open(path_, std::ios::binary | std::ios::trunc);
    if (!out_) throw Error(Error::Kind::io, path_.string() + ": cannot create the file");
  }
  std::ostream& stream() { return out_; }
  void row(const std::vector<std::string>& fields) { io::write_csv_record(out_, fields); }
  std::string close() {
    out_.close();
    if (!out_) throw Error(Error::Kind::io, path_.string() + ": cannot write the file");
    return path_.string();
  }

 private:
  std::filesystem::path path_;
  std::ofstream out_;
};

std::string exploitation_name(const CaseRecord& record) {
  if (record.flag(Field::sexual_exploitation)) return "sexual";
  if (record.flag(Field::forced_labour)) return "labour";
  return "other";
}

std::string sector_name(const CaseRecord& record) {
  if (record.flag(Field::labour_construction)) return "construction";
  if (record.flag(Field::labour_agriculture)) return "agriculture";
  if (record.flag(Field::labour_domestic_work)) return "domestic_work";
  if (record.flag(Field::labour_hospitality)) return "hospitality";
  if (record.flag(Field::labour_other)) return "other";
  return "";
}

}  // namespace

std::vector<std::string> write_world(const World& world, const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path root(directory);
  std::error_code ec;
  fs::create_directories(root / "lists", ec);
  if (ec)
    throw Error(Error::Kind::io, directory + ": cannot create the directory: " + ec.message());
  std::vector<std::string> written;
  const Scenario& scenario = world.scenario;
  const std::size_t agency_count = scenario.agencies.size();

  // Detected counts per corridor-year, and per agency.
  std::map<std::pair<int, std::size_t>, std::int64_t> detected_in;
  for (const Victim& victim : world.victims) {
    if (victim.detected_by != 0) ++detected_in[{victim.year, victim.corridor}];
  }

  {
    OutputFile file(root / "migration.csv");
    file.row({"year", "corridor_type", "origin", "destination", "flow", "stock"});
    for (const auto& row : world.migration) {
      const Corridor& corridor = world.corridors[row.corridor];
      file.row({std::to_string(row.year), std::string(type_name(corridor.type)), corridor.origin,
                corridor.destination, number(row.flow), number(row.stock)});
    }
    written.push_back(file.close());
  }
  {
    OutputFile file(root / "truth_corridors.csv");
    file.row({"year", "corridor_type", "origin", "destination", "flow", "stock", "expected_victims",
              "true_victims", "detected_victims"});
    for (const auto& row : world.migration) {
      const Corridor& corridor = world.corridors[row.corridor];
      const auto found = detected_in.find({row.year, row.corridor});
      file.row({std::to_string(row.year), std::string(type_name(corridor.type)), corridor.origin,
                corridor.destination, number(row.flow), number(row.stock),
                fmt::format("{:.6f}", row.expected_victims), std::to_string(row.victims),
                std::to_string(found == detected_in.end() ? 0 : found->second)});
    }
    written.push_back(file.close());
  }

  // Agency lists and the true links.
  {
    OutputFile links(root / "truth_links.csv");
    links.row({"list", "record_id", "person_id"});
    for (std::size_t agency_index = 0; agency_index < agency_count; ++agency_index) {
      const AgencySpec& agency = scenario.agencies[agency_index];
      OutputFile file(root / "lists" / (agency.id + ".csv"));
      file.row({"record_id", "year", "surname", "given_name", "sex", "birth_date", "citizenship",
                "document_number", "place_of_exploitation", "exploitation_type", "labour_sector"});
      for (const ListRecord& record : world.lists[agency_index]) {
        const Victim& victim = world.victims[static_cast<std::size_t>(record.person_id - 1)];
        const Corridor& corridor = world.corridors[victim.corridor];
        const auto& id = record.identity;
        file.row({record.record_id, std::to_string(record.year), id.surname, id.given_name, id.sex,
                  id.birth_date, std::string(victim.record.citizenship()->alpha3()),
                  id.document_number, corridor.destination, exploitation_name(victim.record),
                  sector_name(victim.record)});
        links.row({agency.id, record.record_id, std::to_string(record.person_id)});
      }
      written.push_back(file.close());
    }
    written.push_back(links.close());
  }

  // Capture histories under the true linkage: one row per observed pattern.
  {
    std::map<std::uint32_t, std::int64_t> patterns;
    for (const Victim& victim : world.victims) {
      if (victim.detected_by != 0) ++patterns[victim.detected_by];
    }
    OutputFile file(root / "capture_histories.csv");
    std::vector<std::string> header;
    for (const auto& agency : scenario.agencies) header.push_back(agency.id);
    header.emplace_back("count");
    file.row(header);
    for (const auto& [pattern, count] : patterns) {
      std::vector<std::string> row;
      for (std::size_t agency_index = 0; agency_index < agency_count; ++agency_index) {
        row.emplace_back((pattern & (1U << agency_index)) != 0 ? "1" : "0");
      }
      row.push_back(std::to_string(count));
      file.row(row);
    }
    written.push_back(file.close());
  }

  // Detected victims as CTDC case records.
  {
    OutputFile file(root / "cases.csv");
    io::write_ctdc_2024_header(file.stream());
    for (const Victim& victim : world.victims) {
      if (victim.detected_by != 0) io::write_ctdc_2024_record(file.stream(), victim.reported);
    }
    written.push_back(file.close());
  }

  // Region-year indicators.
  {
    struct RegionYear {
      double foreign_inflow = 0, internal_inflow = 0, stock = 0, irregular = 0;
      std::int64_t victims = 0, detected = 0;
    };
    std::map<std::pair<std::string, int>, RegionYear> regions;
    for (const auto& row : world.migration) {
      const Corridor& corridor = world.corridors[row.corridor];
      if (corridor.type == CorridorType::emigration) continue;
      auto& region = regions[{corridor.destination, row.year}];
      if (corridor.type == CorridorType::foreign) {
        region.foreign_inflow += row.flow;
        region.irregular += row.flow * corridor.irregular_share;
      } else {
        region.internal_inflow += row.flow;
      }
      region.stock += row.stock;
      region.victims += row.victims;
      const auto found = detected_in.find({row.year, row.corridor});
      if (found != detected_in.end()) region.detected += found->second;
    }
    // The indicator columns appear only when every region gives them, so
    // that scenarios without them write the file they always wrote.
    const auto& region_specs = scenario.migration.regions;
    std::vector<std::size_t> indicator_columns;
    for (std::size_t index = 0; index < kRegionIndicatorCount; ++index) {
      if (every_region_has(scenario.migration, static_cast<RegionIndicator>(index))) {
        indicator_columns.push_back(index);
      }
    }
    const bool has_population = every_region_has(scenario.migration, kPopulation);
    std::map<std::string, std::size_t> region_index;
    for (std::size_t index = 0; index < region_specs.size(); ++index) {
      region_index.emplace(region_specs[index].name, index);
    }

    OutputFile file(root / "regions.csv");
    std::vector<std::string> header = {"region",
                                       "year",
                                       "foreign_inflow",
                                       "internal_inflow",
                                       "migrant_stock",
                                       "irregular_share_of_foreign_inflow",
                                       "true_victims",
                                       "detected_victims",
                                       "true_victims_per_10000_migrants"};
    for (const std::size_t index : indicator_columns) {
      header.emplace_back(kRegionIndicatorNames[index]);
    }
    if (has_population) {
      header.emplace_back("migration_intensity");
      header.emplace_back("true_victims_per_100000_population");
    }
    file.row(header);
    for (const auto& [key, region] : regions) {
      std::vector<std::string> row = {
          key.first,
          std::to_string(key.second),
          number(region.foreign_inflow),
          number(region.internal_inflow),
          number(region.stock),
          fmt::format("{:.6f}",
                      region.foreign_inflow > 0 ? region.irregular / region.foreign_inflow : 0.0),
          std::to_string(region.victims),
          std::to_string(region.detected),
          fmt::format("{:.6f}", region.stock > 0
                                    ? 1e4 * static_cast<double>(region.victims) / region.stock
                                    : 0.0)};
      if (!indicator_columns.empty() || has_population) {
        const std::size_t offset =
            static_cast<std::size_t>(key.second - scenario.first_year) * region_specs.size() +
            region_index.at(key.first);
        const auto& values = world.region_indicators.at(offset).values;
        for (const std::size_t index : indicator_columns) {
          row.push_back(index == kPopulation ? number(std::round(values[index]))
                                             : fmt::format("{:.6f}", values[index]));
        }
        if (has_population) {
          const double population = std::round(values[kPopulation]);
          row.push_back(fmt::format(
              "{:.6f}", 1e3 * (region.foreign_inflow + region.internal_inflow) / population));
          row.push_back(
              fmt::format("{:.6f}", 1e5 * static_cast<double>(region.victims) / population));
        }
      }
      file.row(row);
    }
    written.push_back(file.close());
  }

  // truth.json: every true number.
  {
    using Json = nlohmann::ordered_json;
    Json truth;
    truth["vigil_truth_version"] = 1;
    truth["scenario"] = scenario.name;
    truth["seed"] = world.seed;
    truth["first_year"] = scenario.first_year;
    truth["last_year"] = scenario.last_year;
    truth["migration_elasticity"] = scenario.victims.elasticity;
    std::int64_t total = 0;
    std::int64_t detected = 0;
    struct YearTruth {
      std::int64_t total = 0, detected = 0;
      std::map<std::string, std::int64_t> by_type, detected_by_type;
    };
    std::map<int, YearTruth> by_year;
    std::vector<std::int64_t> by_agency(agency_count, 0);
    std::vector<std::map<int, std::int64_t>> by_agency_year(agency_count);
    std::int64_t foreign = 0;
    std::int64_t international = 0;
    for (const Victim& victim : world.victims) {
      const Corridor& corridor = world.corridors[victim.corridor];
      const std::string type(type_name(corridor.type));
      auto& year = by_year[victim.year];
      ++total;
      ++year.total;
      ++year.by_type[type];
      if (corridor.type == CorridorType::foreign) {
        ++foreign;
        international += victim.international_network ? 1 : 0;
      }
      if (victim.detected_by != 0) {
        ++detected;
        ++year.detected;
        ++year.detected_by_type[type];
      }
      for (std::size_t agency_index = 0; agency_index < agency_count; ++agency_index) {
        if ((victim.detected_by & (1U << agency_index)) != 0) {
          ++by_agency[agency_index];
          ++by_agency_year[agency_index][victim.year];
        }
      }
    }
    truth["total_victims"] = total;
    truth["detected_victims"] = detected;
    truth["undetected_victims"] = total - detected;
    truth["foreign_victims_international_network_share"] =
        foreign > 0 ? static_cast<double>(international) / static_cast<double>(foreign) : 0.0;
    Json years = Json::object();
    for (const auto& [year, counts] : by_year) {
      Json entry;
      entry["total_victims"] = counts.total;
      entry["detected_victims"] = counts.detected;
      entry["by_corridor_type"] = counts.by_type;
      entry["detected_by_corridor_type"] = counts.detected_by_type;
      years[std::to_string(year)] = entry;
    }
    truth["by_year"] = years;
    Json agencies = Json::array();
    for (std::size_t agency_index = 0; agency_index < agency_count; ++agency_index) {
      const AgencySpec& agency = scenario.agencies[agency_index];
      Json entry;
      entry["id"] = agency.id;
      entry["name"] = agency.name;
      entry["detected_victims"] = by_agency[agency_index];
      Json per_year = Json::object();
      for (const auto& [year, count] : by_agency_year[agency_index]) {
        per_year[std::to_string(year)] = count;
      }
      entry["by_year"] = per_year;
      entry["noise"] = {{"latin_script", agency.noise.latin_script},
                        {"typo", agency.noise.typo},
                        {"day_month_swap", agency.noise.day_month_swap},
                        {"missing_name", agency.noise.missing_name},
                        {"missing_birth_date", agency.noise.missing_birth_date},
                        {"missing_document", agency.noise.missing_document}};
      agencies.push_back(entry);
    }
    truth["agencies"] = agencies;
    truth["files"] = {
        {"migration.csv", "year, corridor_type, origin, destination, flow, stock"},
        {"truth_corridors.csv", "per corridor-year: flow, expected, true and detected victims"},
        {"lists/<agency>.csv", "each agency's records with identities as it wrote them"},
        {"truth_links.csv", "list, record_id, person_id: which records are the same person"},
        {"capture_histories.csv", "one 0/1 column per agency and a count, under true linkage"},
        {"cases.csv", "detected victims in the CTDC 2024 layout"},
        {"regions.csv", "region-year indicators"}};
    OutputFile file(root / "truth.json");
    file.stream() << truth.dump(2) << "\n";
    written.push_back(file.close());
  }
  return written;
}

}  // namespace vigil::simulate
