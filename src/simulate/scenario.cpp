#include "simulate/scenario.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include "core/country.hpp"
#include "core/error.hpp"

namespace vigil::simulate {

// Defined in the generated builtin_scenarios.cpp.
extern const char* const kKazakhstanScenario;  // NOLINT(readability-identifier-naming)

namespace {

SourcePosition position_of(const toml::node& node, const std::string& source) {
  const auto& where = node.source().begin;
  return {source, static_cast<std::size_t>(where.line), static_cast<std::size_t>(where.column)};
}

// Reads one TOML table, remembering which keys were used so that a misspelt
// key is an error rather than a silently ignored setting.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string path, const std::string& source)
      : table_(table), path_(std::move(path)), source_(source) {}

  ~TableReader() = default;
  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const toml::node* find(std::string_view key) {
    used_.insert(std::string(key));
    return table_.get(key);
  }

  const toml::node& require(std::string_view key) {
    const toml::node* node = find(key);
    if (node == nullptr) {
      throw input_error(position_of(table_, source_),
                        fmt::format("[{}] needs the key \"{}\"", path_, key));
    }
    return *node;
  }

  double number(std::string_view key, double low, double high) {
    return check_number(require(key), key, low, high);
  }
  double number_or(std::string_view key, double fallback, double low, double high) {
    const toml::node* node = find(key);
    return node == nullptr ? fallback : check_number(*node, key, low, high);
  }
  std::int64_t integer(std::string_view key, std::int64_t low, std::int64_t high) {
    const toml::node& node = require(key);
    const auto value = node.value<std::int64_t>();
    if (!node.is_integer() || !value || *value < low || *value > high) {
      throw input_error(position_of(node, source_),
                        fmt::format("an integer from {} to {} for {}.{}", low, high, path_, key),
                        describe(node));
    }
    return *value;
  }
  std::string string(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_string()) {
      throw input_error(position_of(node, source_), fmt::format("a string for {}.{}", path_, key),
                        describe(node));
    }
    return std::string(*node.value<std::string_view>());
  }
  std::string string_or(std::string_view key, const std::string& fallback) {
    return find(key) == nullptr ? fallback : string(key);
  }
  std::string country(std::string_view key) {
    const toml::node& node = require(key);
    const std::string code = string(key);
    const auto found = find_country(code);
    if (code.size() != 3 || !found) {
      throw input_error(position_of(node, source_),
                        fmt::format("an ISO 3166-1 alpha-3 country code for {}.{}", path_, key),
                        code);
    }
    return std::string(found->alpha3());
  }
  // An array of `size` non-negative weights, not all zero.
  std::vector<double> weights(std::string_view key, std::size_t size) {
    const toml::node& node = require(key);
    const toml::array* array = node.as_array();
    const std::string expected =
        fmt::format("an array of {} non-negative numbers, not all 0, for {}.{}", size, path_, key);
    if (array == nullptr || array->size() != size) {
      throw input_error(position_of(node, source_), expected, describe(node));
    }
    std::vector<double> out;
    double total = 0;
    for (const auto& item : *array) {
      const auto value = item.value<double>();
      if (!value || *value < 0 || !std::isfinite(*value)) {
        throw input_error(position_of(item, source_), expected, describe(item));
      }
      out.push_back(*value);
      total += *value;
    }
    if (total <= 0) throw input_error(position_of(node, source_), expected, "all zero");
    return out;
  }
  const toml::table& table(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_table()) {
      throw input_error(position_of(node, source_), fmt::format("a table [{}.{}]", path_, key),
                        describe(node));
    }
    return *node.as_table();
  }
  const toml::array& array_of_tables(std::string_view key) {
    const toml::node& node = require(key);
    if (!node.is_array_of_tables()) {
      throw input_error(position_of(node, source_),
                        fmt::format("an array of tables [[{}.{}]]", path_, key), describe(node));
    }
    return *node.as_array();
  }
  // Every key of the table must have been read.
  void finish() const {
    for (const auto& [key, node] : table_) {
      if (used_.count(std::string(key.str())) == 0) {
        const auto& where = key.source().begin;
        throw input_error(SourcePosition{source_, static_cast<std::size_t>(where.line),
                                         static_cast<std::size_t>(where.column)},
                          fmt::format("unknown key \"{}\" in [{}]; see the README's Scenarios "
                                      "section for the keys a scenario takes",
                                      key.str(), path_));
      }
    }
  }
  const std::string& path() const { return path_; }
  const std::string& source() const { return source_; }

 private:
  static std::string describe(const toml::node& node) {
    std::ostringstream text;
    if (node.is_table()) return "a table";
    if (node.is_array()) return "an array";
    node.visit([&text](const auto& value) { text << value; });
    return text.str();
  }
  double check_number(const toml::node& node, std::string_view key, double low, double high) {
    const auto value = node.value<double>();
    if (!(node.is_number()) || !value || !std::isfinite(*value) || *value < low || *value > high) {
      throw input_error(position_of(node, source_),
                        fmt::format("a number from {} to {} for {}.{}", low, high, path_, key),
                        describe(node));
    }
    return *value;
  }

  const toml::table& table_;
  std::string path_;
  const std::string& source_;
  std::set<std::string> used_;
};

constexpr double kHuge = 1e12;

std::map<std::string, double> odds_table(TableReader& parent, std::string_view key,
                                         const std::set<std::string>& allowed) {
  std::map<std::string, double> out;
  if (parent.find(key) == nullptr) return out;
  TableReader reader(parent.table(key), parent.path() + "." + std::string(key), parent.source());
  for (const auto& name : allowed) {
    if (reader.find(name) != nullptr) out[name] = reader.number(name, 1e-6, 1e6);
  }
  reader.finish();
  return out;
}

NoiseRates read_noise(TableReader& parent) {
  NoiseRates noise;
  if (parent.find("noise") == nullptr) return noise;
  TableReader reader(parent.table("noise"), parent.path() + ".noise", parent.source());
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
  toml::table root;
  try {
    root = toml::parse(toml_text, source_name);
  } catch (const toml::parse_error& error) {
    const auto& where = error.source().begin;
    throw input_error(
        {source_name, static_cast<std::size_t>(where.line), static_cast<std::size_t>(where.column)},
        fmt::format("invalid TOML: {}", error.description()));
  }
  Scenario scenario;
  TableReader top(root, "", source_name);

  TableReader head(top.table("scenario"), "scenario", source_name);
  scenario.name = head.string("name");
  scenario.description = head.string_or("description", "");
  scenario.first_year = static_cast<int>(head.integer("first_year", 1950, 2100));
  scenario.last_year = static_cast<int>(head.integer("last_year", scenario.first_year, 2100));
  scenario.seed = static_cast<std::uint64_t>(head.integer("seed", 0, INT64_MAX));
  head.finish();

  TableReader migration(top.table("migration"), "migration", source_name);
  auto& m = scenario.migration;
  m.base_year = static_cast<int>(migration.integer("base_year", 1950, 2100));
  m.stock_retention = migration.number("stock_retention", 0, 1);
  m.flow_noise_sd = migration.number("flow_noise_sd", 0, 2);
  if (migration.find("shocks") != nullptr) {
    TableReader shocks(migration.table("shocks"), "migration.shocks", source_name);
    for (const auto& [key, node] : migration.table("shocks")) {
      int year = 0;
      const std::string text(key.str());
      try {
        year = std::stoi(text);
      } catch (const std::exception&) {
        throw input_error(position_of(node, source_name), "a year as the key of a shock", text);
      }
      m.shocks[year] = shocks.number(text, 0, 10);
    }
    shocks.finish();
  }
  for (const auto& item : migration.array_of_tables("origin")) {
    TableReader reader(*item.as_table(), "migration.origin", source_name);
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
    TableReader reader(*item.as_table(), "migration.region", source_name);
    RegionSpec region;
    region.name = reader.string("name");
    region.foreign_share = reader.number("foreign_share", 0, 1);
    region.rural_inflow = reader.number("rural_inflow", 0, kHuge);
    region.rural_growth = reader.number("rural_growth", -0.5, 0.5);
    region.victim_risk = reader.number_or("victim_risk", 1, 0, 1e6);
    reader.finish();
    m.regions.push_back(region);
  }
  for (const auto& item : migration.array_of_tables("emigration")) {
    TableReader reader(*item.as_table(), "migration.emigration", source_name);
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

  TableReader victims(top.table("victims"), "victims", source_name);
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
      throw input_error(position_of(victims.require("means_probability"), source_name),
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
    TableReader reader(*item.as_table(), "agency", source_name);
    AgencySpec agency;
    agency.id = reader.string("id");
    if (agency.id.empty() ||
        agency.id.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_") != std::string::npos) {
      throw input_error(position_of(reader.require("id"), source_name),
                        "an agency id of lowercase letters, digits and _", agency.id);
    }
    if (!agency_ids.insert(agency.id).second) {
      throw input_error(position_of(reader.require("id"), source_name),
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
