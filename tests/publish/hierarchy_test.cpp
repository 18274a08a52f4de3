#include "publish/hierarchy.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "core/country.hpp"
#include "core/error.hpp"

namespace vigil::publish {
namespace {

// A file in the temporary directory, removed at the end of the test.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content)
      : path_((std::filesystem::temp_directory_path() /
               ("vigil_hierarchy_test_" + std::to_string(::getpid()) + "_" + name))
                  .string()) {
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() { std::filesystem::remove(path_); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The message of the vigil::Error that `read` throws, checking its kind.
template <typename Fn>
std::string error_of(const Fn& read, Error::Kind kind) {
  try {
    read();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), kind) << error.what();
    return error.what();
  }
  ADD_FAILURE() << "no vigil::Error thrown";
  return "";
}

std::vector<std::string> path_of(const Hierarchy& hierarchy, const std::string& value) {
  std::vector<std::string> path;
  for (std::size_t level = 0; level <= hierarchy.height(); ++level) {
    path.push_back(hierarchy.generalise(value, level).value_or("<uncovered>"));
  }
  return path;
}

using Path = std::vector<std::string>;

// ---------------------------------------------------------------------------
// Hierarchy files

TEST(HierarchyFile, ReadsLevelsAndAddsTheTop) {
  const TempFile file("countries.csv",
                      "country,sub_region,region\n"
                      "KZ,Central Asia,Asia\n"
                      " UZ , Central Asia ,Asia\n"
                      "RU,Eastern Europe,Europe\n");
  const Hierarchy hierarchy = read_hierarchy_csv(file.path());
  EXPECT_EQ(hierarchy.name(), file.path());
  EXPECT_EQ(hierarchy.height(), 3U);
  EXPECT_EQ(hierarchy.level_names(), (Path{"country", "sub_region", "region", "*"}));
  EXPECT_EQ(hierarchy.size(), 3U);
  EXPECT_EQ(hierarchy.top(), "*");
  EXPECT_EQ(path_of(hierarchy, "KZ"), (Path{"KZ", "Central Asia", "Asia", "*"}));
  // Cells are trimmed.
  EXPECT_EQ(path_of(hierarchy, "UZ"), (Path{"UZ", "Central Asia", "Asia", "*"}));
  EXPECT_EQ(path_of(hierarchy, "RU"), (Path{"RU", "Eastern Europe", "Europe", "*"}));
  // Matching is exact for files.
  EXPECT_FALSE(hierarchy.covers("kz"));
  EXPECT_EQ(hierarchy.generalise("kz", 1), std::nullopt);
  EXPECT_EQ(hierarchy.generalise("KZ", 4), std::nullopt);
  // Missing stays missing below the top and is "*" at the top.
  EXPECT_TRUE(hierarchy.covers(""));
  EXPECT_EQ(path_of(hierarchy, ""), (Path{"", "", "", "*"}));
}

TEST(HierarchyFile, KeepsALastLevelThatMergesEverything) {
  const TempFile file("world.csv",
                      "band;group;all\n"
                      "0-8;minor;World\n"
                      "9-17;minor;World\n"
                      "18-20;adult;World\n");
  const Hierarchy hierarchy = read_hierarchy_csv(file.path());
  EXPECT_EQ(hierarchy.height(), 2U);
  EXPECT_EQ(hierarchy.top(), "World");
  EXPECT_EQ(hierarchy.level_names(), (Path{"band", "group", "all"}));
  EXPECT_EQ(path_of(hierarchy, "9-17"), (Path{"9-17", "minor", "World"}));
  EXPECT_EQ(path_of(hierarchy, ""), (Path{"", "", "World"}));
}

TEST(HierarchyFile, ValuesOnlyGiveASuppressionLevel) {
  const TempFile file("flat.csv", "sector\nconstruction\nagriculture\n");
  const Hierarchy hierarchy = read_hierarchy_csv(file.path());
  EXPECT_EQ(hierarchy.height(), 1U);
  EXPECT_EQ(path_of(hierarchy, "agriculture"), (Path{"agriculture", "*"}));
  EXPECT_FALSE(hierarchy.covers("mining"));
}

TEST(HierarchyFile, ReportsRaggedRowsWithFileLineAndColumn) {
  const TempFile short_row("short.csv",
                           "country,sub_region,region\nKZ,Central Asia,Asia\nRU,Eastern Europe\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(short_row.path()); }, Error::Kind::input),
            short_row.path() + ":3:3: expected 3 fields as in the header, got 2");
  const TempFile long_row("long.csv", "country,region\nKZ,Asia\nRU,Europe,Earth\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(long_row.path()); }, Error::Kind::input),
            long_row.path() + ":3:3: expected 2 fields as in the header, got 3");
}

TEST(HierarchyFile, ReportsAValueListedTwice) {
  const TempFile file("twice.csv",
                      "country,region\n"
                      "KZ,Asia\n"
                      "RU,Europe\n"
                      "KZ,Europe\n");
  try {
    read_hierarchy_csv(file.path());
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::input);
    EXPECT_EQ(std::string(error.what()),
              file.path() + ":4:1: value \"KZ\" is listed twice (first on line 2)");
    ASSERT_TRUE(error.position().has_value());
    EXPECT_EQ(error.position()->line, 4U);
    EXPECT_EQ(error.position()->column, 1U);
  }
}

TEST(HierarchyFile, ReportsAGroupWithTwoParents) {
  // Central Asia is under Asia on line 2 and under Europe on line 4: not a
  // hierarchy.
  const TempFile file("parents.csv",
                      "country,sub_region,region\n"
                      "KZ,Central Asia,Asia\n"
                      "RU,Eastern Europe,Europe\n"
                      "UZ,Central Asia,Europe\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(file.path()); }, Error::Kind::input),
            file.path() +
                ":4:3: \"Central Asia\" at level \"sub_region\" generalises to \"Asia\" on line 2 "
                "but to \"Europe\" here; each group needs one group above it");
}

TEST(HierarchyFile, ReportsEmptyCellsFilesAndHeaders) {
  const TempFile cell("cell.csv", "country,region\nKZ,Asia\nRU,\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(cell.path()); }, Error::Kind::input),
            cell.path() + ":3:2: the cell is empty; every level needs a value");
  const TempFile empty("empty.csv", "");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(empty.path()); }, Error::Kind::input),
            empty.path() + ":1: the file is empty; expected a header row naming the levels");
  const TempFile header_only("header.csv", "country,region\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(header_only.path()); }, Error::Kind::input),
            header_only.path() +
                ":1: the hierarchy lists no values; expected a row per value below the header");
  const TempFile blank_header("blank.csv", "country,,region\nKZ,Central Asia,Asia\n");
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(blank_header.path()); }, Error::Kind::input),
            blank_header.path() + ":1:2: the header names no level here");
  const std::string missing =
      (std::filesystem::temp_directory_path() / "vigil_no_such_dir" / "h.csv").string();
  EXPECT_EQ(error_of([&] { read_hierarchy_csv(missing); }, Error::Kind::io),
            missing + ": cannot open the file for reading");
}

TEST(HierarchyInMemory, ValidatesLikeFiles) {
  const Hierarchy hierarchy = make_hierarchy("ages", {"age", "decade"},
                                             {{"21", "20-29"}, {"25", "20-29"}, {"31", "30-39"}});
  EXPECT_EQ(hierarchy.height(), 2U);
  EXPECT_EQ(path_of(hierarchy, "25"), (Path{"25", "20-29", "*"}));
  EXPECT_EQ(error_of(
                [] {
                  make_hierarchy("ages", {"age", "decade"}, {{"21", "20-29"}, {"21", "x"}});
                },
                Error::Kind::usage),
            "hierarchy \"ages\", row 2, column 1: value \"21\" is listed twice (first on row 1)");
  EXPECT_EQ(error_of(
                [] {
                  make_hierarchy("ages", {"age", "decade"}, {{"21"}});
                },
                Error::Kind::usage),
            "hierarchy \"ages\": row 1 has 1 cells; expected 2 (one per level)");
  EXPECT_EQ(error_of(
                [] {
                  make_hierarchy("ages", {"age", "decade", "era"},
                                 {{"21", "20-29", "young"}, {"25", "20-29", "old"}});
                },
                Error::Kind::usage),
            "hierarchy \"ages\", row 2, column 3: \"20-29\" at level \"decade\" generalises to "
            "\"young\" on row 1 but to \"old\" here; each group needs one group above it");
  EXPECT_EQ(error_of([] { make_hierarchy("ages", {"age"}, {}); }, Error::Kind::usage),
            "hierarchy \"ages\": the hierarchy lists no values; expected a row per value below "
            "the header");
}

// ---------------------------------------------------------------------------
// Built-in hierarchies

TEST(HierarchyCountry, CoversEveryIsoCountryByAlpha2AndAlpha3) {
  const Hierarchy hierarchy = country_hierarchy();
  EXPECT_EQ(hierarchy.size(), all_countries().size());
  EXPECT_EQ(hierarchy.level_names(), (Path{"country", "sub_region", "region", "*"}));
  const std::set<std::string> sub_regions = {"Northern Africa",
                                             "Sub-Saharan Africa",
                                             "Latin America and the Caribbean",
                                             "Northern America",
                                             "Central Asia",
                                             "Eastern Asia",
                                             "South-eastern Asia",
                                             "Southern Asia",
                                             "Western Asia",
                                             "Eastern Europe",
                                             "Northern Europe",
                                             "Southern Europe",
                                             "Western Europe",
                                             "Australia and New Zealand",
                                             "Melanesia",
                                             "Micronesia",
                                             "Polynesia"};
  const std::set<std::string> regions = {"Africa", "Americas", "Asia", "Europe", "Oceania"};
  std::set<std::string> seen_sub_regions;
  std::set<std::string> seen_regions;
  for (const Country& country : all_countries()) {
    const std::string alpha3(country.alpha3);
    const std::string alpha2(country.alpha2);
    ASSERT_TRUE(hierarchy.covers(alpha3)) << alpha3;
    ASSERT_TRUE(hierarchy.covers(alpha2)) << alpha2;
    const Path path = path_of(hierarchy, alpha3);
    EXPECT_EQ(path_of(hierarchy, alpha2), (Path{alpha2, path[1], path[2], "*"})) << alpha2;
    if (alpha3 == "ATA") {
      EXPECT_EQ(path, (Path{"ATA", "*", "*", "*"}));
      continue;
    }
    EXPECT_EQ(sub_regions.count(path[1]), 1U) << alpha3 << " -> " << path[1];
    EXPECT_EQ(regions.count(path[2]), 1U) << alpha3 << " -> " << path[2];
    seen_sub_regions.insert(path[1]);
    seen_regions.insert(path[2]);
  }
  EXPECT_EQ(seen_sub_regions, sub_regions);
  EXPECT_EQ(seen_regions, regions);
}

TEST(HierarchyCountry, PlacesCountriesAsM49Does) {
  const Hierarchy hierarchy = country_hierarchy();
  const std::vector<Path> expected = {
      {"KAZ", "Central Asia", "Asia", "*"},
      {"KZ", "Central Asia", "Asia", "*"},
      {"kaz", "Central Asia", "Asia", "*"},
      {"UZB", "Central Asia", "Asia", "*"},
      {"RUS", "Eastern Europe", "Europe", "*"},
      {"RU", "Eastern Europe", "Europe", "*"},
      {"UKR", "Eastern Europe", "Europe", "*"},
      {"CHN", "Eastern Asia", "Asia", "*"},
      {"TWN", "Eastern Asia", "Asia", "*"},
      {"KOR", "Eastern Asia", "Asia", "*"},
      {"VNM", "South-eastern Asia", "Asia", "*"},
      {"IND", "Southern Asia", "Asia", "*"},
      {"IRN", "Southern Asia", "Asia", "*"},
      {"TUR", "Western Asia", "Asia", "*"},
      {"ARE", "Western Asia", "Asia", "*"},
      {"CYP", "Western Asia", "Asia", "*"},
      {"SWE", "Northern Europe", "Europe", "*"},
      {"GBR", "Northern Europe", "Europe", "*"},
      {"ITA", "Southern Europe", "Europe", "*"},
      {"DEU", "Western Europe", "Europe", "*"},
      {"EGY", "Northern Africa", "Africa", "*"},
      {"SDN", "Northern Africa", "Africa", "*"},
      {"NGA", "Sub-Saharan Africa", "Africa", "*"},
      {"SSD", "Sub-Saharan Africa", "Africa", "*"},
      {"USA", "Northern America", "Americas", "*"},
      {"MEX", "Latin America and the Caribbean", "Americas", "*"},
      {"BRA", "Latin America and the Caribbean", "Americas", "*"},
      {"HTI", "Latin America and the Caribbean", "Americas", "*"},
      {"AUS", "Australia and New Zealand", "Oceania", "*"},
      {"FJI", "Melanesia", "Oceania", "*"},
      {"GUM", "Micronesia", "Oceania", "*"},
      {"WSM", "Polynesia", "Oceania", "*"},
  };
  for (const Path& row : expected) EXPECT_EQ(path_of(hierarchy, row[0]), row) << row[0];
  EXPECT_FALSE(hierarchy.covers("XKX"));
  EXPECT_FALSE(hierarchy.covers("Kazakhstan"));
  EXPECT_FALSE(hierarchy.covers("398"));
}

TEST(HierarchyAgeBand, MatchesEveryDashCtdcFilesUse) {
  const Hierarchy hierarchy = age_band_hierarchy();
  EXPECT_EQ(hierarchy.height(), 3U);
  EXPECT_EQ(hierarchy.size(), 9U);
  for (const std::string band : {"27-29", "27--29", "27\u201329", "27\u201429", "27 \u2014 29"}) {
    EXPECT_EQ(path_of(hierarchy, band), (Path{band, "18-29", "Adult (18+)", "*"})) << band;
  }
  EXPECT_EQ(path_of(hierarchy, "0\u20148"), (Path{"0\u20148", "0-17", "Minor (0-17)", "*"}));
  EXPECT_EQ(path_of(hierarchy, "9--17"), (Path{"9--17", "0-17", "Minor (0-17)", "*"}));
  EXPECT_EQ(path_of(hierarchy, "30\u201338"), (Path{"30\u201338", "30-47", "Adult (18+)", "*"}));
  EXPECT_EQ(path_of(hierarchy, "48+"), (Path{"48+", "48+", "Adult (18+)", "*"}));
  EXPECT_FALSE(hierarchy.covers("27-30"));
  EXPECT_FALSE(hierarchy.covers("2729"));
}

TEST(HierarchyYear, GroupsYearsIntoAlignedPeriods) {
  const Hierarchy hierarchy = year_hierarchy({"2014", "2015", "2019", "2020", "unknown", "2014"});
  EXPECT_EQ(hierarchy.level_names(), (Path{"year", "5-year period", "decade", "*"}));
  EXPECT_EQ(hierarchy.size(), 4U);
  EXPECT_EQ(path_of(hierarchy, "2014"), (Path{"2014", "2010-2014", "2010-2019", "*"}));
  EXPECT_EQ(path_of(hierarchy, "2015"), (Path{"2015", "2015-2019", "2010-2019", "*"}));
  EXPECT_EQ(path_of(hierarchy, "2019"), (Path{"2019", "2015-2019", "2010-2019", "*"}));
  EXPECT_EQ(path_of(hierarchy, "2020"), (Path{"2020", "2020-2024", "2020-2029", "*"}));
  EXPECT_FALSE(hierarchy.covers("unknown"));
  EXPECT_FALSE(hierarchy.covers("2016"));  // not among the values
  // Years of one decade keep every level.
  EXPECT_EQ(year_hierarchy({"2011"}).height(), 3U);
  EXPECT_EQ(year_hierarchy({}).height(), 3U);
}

TEST(HierarchySuppression, CoversEveryValue) {
  const Hierarchy hierarchy = suppression_hierarchy();
  EXPECT_EQ(hierarchy.height(), 1U);
  EXPECT_EQ(hierarchy.size(), 0U);
  EXPECT_EQ(path_of(hierarchy, "anything"), (Path{"anything", "*"}));
  EXPECT_EQ(path_of(hierarchy, ""), (Path{"", "*"}));
}

TEST(HierarchyDefault, PicksTheHierarchyThatFitsTheColumn) {
  const CategoricalTable table = make_table({"citizenship", "age", "year", "sector", "empty"},
                                            {{"KAZ", "27\u201429", "2019", "construction", ""},
                                             {"kg", "48+", "2021", "agriculture", ""},
                                             {"", "0--8", "", "", ""}});
  EXPECT_EQ(default_hierarchy(table, 0).name(), "UN M49 regions");
  EXPECT_EQ(default_hierarchy(table, 1).name(), "CTDC age bands");
  const Hierarchy years = default_hierarchy(table, 2);
  EXPECT_EQ(years.name(), "years");
  EXPECT_EQ(years.size(), 2U);
  EXPECT_EQ(default_hierarchy(table, 3).name(), "suppression");
  EXPECT_EQ(default_hierarchy(table, 4).name(), "suppression");
  // One value that is not a country code is enough to fall back.
  const CategoricalTable mixed = make_table({"c"}, {{"KAZ"}, {"Kazakhstan"}});
  EXPECT_EQ(default_hierarchy(mixed, 0).name(), "suppression");
}

TEST(HierarchyColumn, MapsCodesLevelByLevel) {
  const CategoricalTable table = make_table({"country"}, {{"RUS"}, {"KZ"}, {""}, {"UZB"}, {"RUS"}});
  const ColumnGeneralisation column = generalise_column(country_hierarchy(), table, 0);
  ASSERT_EQ(column.labels.size(), 4U);
  EXPECT_EQ(column.labels[0], (Path{"RUS", "KZ", "UZB"}));
  EXPECT_EQ(column.labels[1], (Path{"Eastern Europe", "Central Asia"}));
  EXPECT_EQ(column.labels[2], (Path{"Europe", "Asia"}));
  EXPECT_EQ(column.labels[3], (Path{"*"}));
  // Per original code 0 (missing), 1 RUS, 2 KZ, 3 UZB.
  EXPECT_EQ(column.codes[0], (std::vector<std::uint32_t>{0, 1, 2, 3}));
  EXPECT_EQ(column.codes[1], (std::vector<std::uint32_t>{0, 1, 2, 2}));
  EXPECT_EQ(column.codes[2], (std::vector<std::uint32_t>{0, 1, 2, 2}));
  EXPECT_EQ(column.codes[3], (std::vector<std::uint32_t>{1, 1, 1, 1}));
}

TEST(HierarchyColumn, ReportsUncoveredValuesByCount) {
  CategoricalTable table =
      make_table({"citizenship"}, {{"KAZ"}, {"Atlantis"}, {"Neverland-Republic-of-Nowhere"}});
  table.source = "cases.csv";
  EXPECT_EQ(error_of([&] { generalise_column(country_hierarchy(), table, 0); }, Error::Kind::input),
            "cases.csv: column \"citizenship\": 2 of its 3 values are not in the hierarchy \"UN "
            "M49 regions\" (for example \"Atlantis\")");
  const CategoricalTable long_value = make_table({"c"}, {{"Neverland-Republic-of-Nowhere"}});
  EXPECT_EQ(
      error_of([&] { generalise_column(age_band_hierarchy(), long_value, 0); }, Error::Kind::input),
      "the table: column \"c\": 1 of its 1 values is not in the hierarchy \"CTDC age "
      "bands\" (for example \"Neverland-Re...\")");
}

}  // namespace
}  // namespace vigil::publish
