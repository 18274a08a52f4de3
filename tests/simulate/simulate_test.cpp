#include "simulate/simulate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "io/csv.hpp"
#include "store/test_support.hpp"

namespace vigil::simulate {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::vector<std::string>> read_csv(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  io::CsvReader reader(in, path.string());
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> fields;
  while (reader.next(fields)) rows.push_back(fields);
  return rows;
}

// A short world keeps the tests fast; calibration_test.cpp runs full ones.
World small_world(std::uint64_t seed) {
  SimulateOptions options;
  options.seed = seed;
  options.first_year = 2018;
  options.last_year = 2021;
  return simulate_world(load_scenario("kazakhstan"), options);
}

TEST(Simulate, SameSeedSameBytesOtherSeedOtherWorld) {
  const testing::ScratchDir dir;
  const auto first = write_world(small_world(11), dir.file("a"));
  write_world(small_world(11), dir.file("b"));
  write_world(small_world(12), dir.file("c"));
  ASSERT_EQ(first.size(), 12U);  // 5 lists and 7 other files
  for (const auto& path : first) {
    const auto relative = std::filesystem::relative(path, dir.file("a"));
    EXPECT_EQ(slurp(path), slurp(std::filesystem::path(dir.file("b")) / relative)) << relative;
  }
  EXPECT_NE(slurp(std::filesystem::path(dir.file("a")) / "cases.csv"),
            slurp(std::filesystem::path(dir.file("c")) / "cases.csv"));
}

// capture_histories.csv must be what the lists say under the true links.
TEST(Simulate, CaptureHistoriesAgreeWithTheListsUnderTheTrueLinkage) {
  const testing::ScratchDir dir;
  const World world = small_world(5);
  write_world(world, dir.file("w"));
  const std::filesystem::path root = dir.file("w");
  // Which lists hold each person, from the files alone.
  std::map<std::string, std::string> person_of;  // "list/record_id" -> person_id
  const auto links = read_csv(root / "truth_links.csv");
  ASSERT_EQ(links[0], (std::vector<std::string>{"list", "record_id", "person_id"}));
  for (std::size_t row = 1; row < links.size(); ++row) {
    person_of[links[row][0] + "/" + links[row][1]] = links[row][2];
  }
  std::vector<std::string> agencies;
  for (const auto& agency : world.scenario.agencies) agencies.push_back(agency.id);
  std::map<std::string, std::string> history;  // person -> "01001"
  std::size_t list_records = 0;
  for (std::size_t index = 0; index < agencies.size(); ++index) {
    const auto list = read_csv(root / "lists" / (agencies[index] + ".csv"));
    EXPECT_EQ(list[0][0], "record_id");
    for (std::size_t row = 1; row < list.size(); ++row) {
      const auto found = person_of.find(agencies[index] + "/" + list[row][0]);
      ASSERT_NE(found, person_of.end()) << list[row][0];
      auto& pattern = history[found->second];
      pattern.resize(agencies.size(), '0');
      EXPECT_EQ(pattern[index], '0') << "a person twice on one list";
      pattern[index] = '1';
      ++list_records;
    }
  }
  EXPECT_EQ(list_records, links.size() - 1);
  std::map<std::string, std::int64_t> expected;
  for (const auto& [person, pattern] : history) ++expected[pattern];

  const auto captures = read_csv(root / "capture_histories.csv");
  std::vector<std::string> header = agencies;
  header.emplace_back("count");
  ASSERT_EQ(captures[0], header);
  std::map<std::string, std::int64_t> written;
  for (std::size_t row = 1; row < captures.size(); ++row) {
    std::string pattern;
    for (std::size_t index = 0; index < agencies.size(); ++index) pattern += captures[row][index];
    written[pattern] = std::stoll(captures[row].back());
  }
  EXPECT_EQ(written, expected);
  // And cases.csv holds one record per detected person.
  std::ifstream cases(root / "cases.csv", std::ios::binary);
  io::CaseCsvReader reader(cases, "cases.csv");
  EXPECT_EQ(reader.layout(), io::CaseLayout::ctdc_2024);
  std::size_t records = 0;
  CaseRecord record;
  while (reader.next(record)) ++records;
  EXPECT_EQ(records, history.size());
}

// The identity variants in each list occur at the scenario's rates (within
// four binomial standard errors, pooled over three seeds).
TEST(Simulate, NoiseInTheListsMatchesTheConfiguredRates) {
  std::vector<World> worlds;
  for (const std::uint64_t seed : {21, 22, 23}) worlds.push_back(small_world(seed));
  const auto& agencies = worlds[0].scenario.agencies;
  for (std::size_t index = 0; index < agencies.size(); ++index) {
    const NoiseRates& rates = agencies[index].noise;
    double records = 0, latin = 0, typos = 0, swaps = 0, swappable = 0, no_name = 0, no_birth = 0,
           no_document = 0;
    // A variant is flagged only where it shows: no typo in a given name left
    // empty, no swap in a date left empty.
    for (const World& world : worlds) {
      for (const ListRecord& record : world.lists[index]) {
        const Victim& victim = world.victims[static_cast<std::size_t>(record.person_id - 1)];
        const auto& id = record.identity;
        ++records;
        latin += id.script != Script::cyrillic ? 1 : 0;
        typos += (id.typo_surname ? 1 : 0) + (id.typo_given_name ? 1 : 0);
        swaps += id.day_month_swapped ? 1 : 0;
        const auto& birth = victim.identity.birth;
        swappable += birth.day <= 12 && birth.day != birth.month && !id.birth_date_missing ? 1 : 0;
        no_name += id.given_name_missing ? 1 : 0;
        no_birth += id.birth_date_missing ? 1 : 0;
        no_document += id.document_missing ? 1 : 0;
        // What was written agrees with the flags.
        EXPECT_EQ(id.given_name.empty(), id.given_name_missing);
        EXPECT_EQ(id.document_number.empty(), id.document_missing);
      }
    }
    ASSERT_GT(records, 200) << agencies[index].id;
    const auto within = [&](double observed, double n, double rate, const char* what) {
      const double sd = std::sqrt(n * rate * (1 - rate));
      EXPECT_NEAR(observed, n * rate, 4 * sd + 1) << agencies[index].id << " " << what;
    };
    within(latin, records, rates.latin_script, "latin_script");
    within(typos, 2 * records - no_name, rates.typo, "typo");
    within(no_name, records, rates.missing_name, "missing_name");
    within(no_birth, records, rates.missing_birth_date, "missing_birth_date");
    within(no_document, records, rates.missing_document, "missing_document");
    // A swap can only be seen on written dates whose day could be a month.
    within(swaps, swappable, rates.day_month_swap, "day_month_swap");
  }
}

TEST(Simulate, VictimCountsAreTheStatedFunctionOfMigration) {
  const World world = small_world(3);
  const VictimSpec& spec = world.scenario.victims;
  std::int64_t total = 0;
  for (const auto& row : world.migration) {
    const Corridor& corridor = world.corridors[row.corridor];
    const double scale = corridor.type == CorridorType::foreign    ? spec.foreign_scale
                         : corridor.type == CorridorType::internal ? spec.internal_scale
                                                                   : spec.emigration_scale;
    EXPECT_DOUBLE_EQ(row.expected_victims,
                     scale * corridor.victim_risk * std::pow(row.flow / 1000.0, spec.elasticity));
    total += row.victims;
  }
  EXPECT_EQ(total, static_cast<std::int64_t>(world.victims.size()));
}

// Region indicators are optional: a scenario without them (or with them for
// only some regions) writes the regions.csv it always wrote.
TEST(Simulate, RegionIndicatorColumnsOnlyWhenEveryRegionHasThem) {
  const testing::ScratchDir dir;
  const auto header_of = [&](const Scenario& scenario, const std::string& name) {
    SimulateOptions options;
    options.first_year = 2020;
    options.last_year = 2021;
    write_world(simulate_world(scenario, options), dir.file(name));
    return read_csv(std::filesystem::path(dir.file(name)) / "regions.csv");
  };
  const std::vector<std::string> old_header = {"region",
                                               "year",
                                               "foreign_inflow",
                                               "internal_inflow",
                                               "migrant_stock",
                                               "irregular_share_of_foreign_inflow",
                                               "true_victims",
                                               "detected_victims",
                                               "true_victims_per_10000_migrants"};
  EXPECT_EQ(header_of(load_scenario("kazakhstan"), "plain")[0], old_header);
  std::string partial(builtin_scenario("kazakhstan"));
  partial.insert(partial.find("victim_risk = 1.2\n\n[[migration.region]]"),
                 "poverty = 0.1\npopulation = 1000000\n");
  EXPECT_EQ(header_of(parse_scenario(partial, "partial.toml"), "partial")[0], old_header);

  const auto rows = header_of(
      load_scenario(std::string(VIGIL_SCENARIOS_DIR) + "/kazakhstan_regions.toml"), "regions");
  ASSERT_EQ(rows[0].size(), old_header.size() + kRegionIndicatorCount + 2);
  EXPECT_EQ(rows[0][old_header.size()], "poverty");
  EXPECT_EQ(rows[0][rows[0].size() - 3], "population");
  EXPECT_EQ(rows[0][rows[0].size() - 2], "migration_intensity");
  EXPECT_EQ(rows[0].back(), "true_victims_per_100000_population");
  ASSERT_EQ(rows.size(), 1U + 20U * 2U);
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const auto& row = rows[r];
    const double population = std::stod(row[row.size() - 3]);
    EXPECT_NEAR(std::stod(row[row.size() - 2]),
                1e3 * (std::stod(row[2]) + std::stod(row[3])) / population, 1e-6);
    EXPECT_NEAR(std::stod(row.back()), 1e5 * std::stod(row[6]) / population, 1e-6);
    const double poverty = std::stod(row[old_header.size()]);
    EXPECT_TRUE(poverty > 0 && poverty <= 1) << row[0];
  }
}

TEST(Scenario, ErrorsNameTheLineAndWhatWasExpected) {
  std::string text(builtin_scenario("kazakhstan"));
  const auto error_of = [](const std::string& toml) -> std::string {
    try {
      parse_scenario(toml, "s.toml");
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  };
  // A misspelt key is an error, not a setting silently ignored.
  std::string unknown = text;
  const std::size_t at = unknown.find("stock_retention");
  unknown.insert(at, "stock_retension = 0.5\n");
  const auto line = 1 + std::count(unknown.begin(), unknown.begin() + static_cast<long>(at), '\n');
  EXPECT_EQ(error_of(unknown), "s.toml:" + std::to_string(line) +
                                   ":1: unknown key \"stock_retension\" in [migration]; see the "
                                   "README's Scenarios section for the keys it takes");
  std::string missing = text;
  missing.erase(missing.find("elasticity = 0.85"), 17);
  EXPECT_NE(error_of(missing).find(": [victims] needs the key \"elasticity\""), std::string::npos);
  std::string bad_country = text;
  bad_country.replace(bad_country.find("\"UZB\""), 5, "\"Uzbekistan\"");
  EXPECT_NE(error_of(bad_country)
                .find("expected an ISO 3166-1 alpha-3 country code for "
                      "migration.origin.country, got \"Uzbekistan\""),
            std::string::npos);
  std::string bad_rate = text;
  bad_rate.replace(bad_rate.find("elasticity = 0.85"), 17, "elasticity = -1");
  EXPECT_NE(error_of(bad_rate).find("expected a number from 0 to 5 for victims.elasticity, got "
                                    "\"-1\""),
            std::string::npos);
  EXPECT_EQ(error_of("[scenario\nname = 1").substr(0, 24), "s.toml:1:10: invalid TOM");
  std::string bad_share = text;
  bad_share.insert(bad_share.find("rural_growth = 0.02"), "poverty = 1.5\n");
  EXPECT_NE(error_of(bad_share).find("expected a number from 0 to 1 for migration.region.poverty"),
            std::string::npos);
  // A float where an integer belongs is refused, however large (toml++
  // converted 1e308 to an integer first, undefined behaviour found by
  // fuzz/toml_config; fuzz/regressions/toml_config/float_for_an_integer_*).
  for (const std::string number : {"1e308", "-1e308", "2024.0", "inf", "nan"}) {
    std::string float_seed = text;
    float_seed.replace(float_seed.find("seed = 2024"), 11, "seed = " + number);
    EXPECT_NE(error_of(float_seed).find("expected an integer from 0 to 9223372036854775807 for "),
              std::string::npos)
        << number << ": " << error_of(float_seed);
  }
  std::string twice = text;
  twice.replace(twice.find("name = \"Astana\""), 15, "name = \"Almaty\"");
  EXPECT_NE(error_of(twice).find("region names that are unique"), std::string::npos);
}

}  // namespace
}  // namespace vigil::simulate
