// `profile --country KZ` on fixtures in each CTDC layout, against counts
// computed by an independent tool: the sqlite3 shell's own CSV importer and
// SQL, run on the fixture files themselves (not on vigil's store). The exact
// commands are given above each expectation; rerun them from tests/fixtures
// with sqlite3 3.40 (Debian bookworm).
//
// The fixtures are synthetic (no real person), written to CTDC's published
// layouts: 2018 Global Dataset (63 columns, alpha-2, -99), the k-anonymised
// file as some exports have it (';', CRLF, names cut at 32 characters), and
// the 2024 Global Synthetic Dataset (27 columns, alpha-3, empty missing, em
// dashes, UTF-8 BOM).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "io/case_csv.hpp"
#include "profile/profile.hpp"
#include "store/import.hpp"
#include "store/test_support.hpp"

namespace vigil::profile {
namespace {

std::string fixture(const char* name) {
  return std::string(VIGIL_FIXTURES_DIR) + "/" + name;
}

// Imports the fixture into a fresh store and profiles Kazakhstan from the
// store, so that the whole path import -> SQLite -> profile is checked.
Profile profile_kz(const char* name) {
  const testing::ScratchDir dir;
  auto store = store::open_sqlite_store(dir.file("vigil.db"));
  store::import_case_file(*store, fixture(name));
  ProfileOptions options;
  options.country = find_country("KZ");
  ProfileBuilder builder(options);
  store->for_each_case([&builder](const CaseRecord& record) { builder.add(record); });
  return builder.finish();
}

const Distribution& distribution(const Profile& profile, const std::string& name) {
  for (const auto& item : profile.variables) {
    if (item.name == name) return item;
  }
  throw std::runtime_error("no distribution " + name);
}

std::int64_t count_of(const Distribution& distribution, const std::string& key) {
  for (const auto& row : distribution.counts) {
    if (row.key == key) return row.count;
  }
  throw std::runtime_error("no category " + key);
}

TEST(ProfileOnCtdcFixtures, Global2018Layout) {
  const Profile profile = profile_kz("ctdc2018_global.csv");
  // sqlite3 :memory: -cmd ".import --csv ctdc2018_global.csv t" "SELECT count(*),
  //   sum(citizenship='KZ'), sum(citizenship NOT IN ('KZ','-99')), sum(citizenship='-99')
  //   FROM t WHERE CountryOfExploitation='KZ'"                     -> 116|20|80|16
  EXPECT_EQ(profile.total, 116);
  EXPECT_EQ(profile.domestic, 20);
  EXPECT_EQ(profile.foreign, 80);
  EXPECT_EQ(profile.origin_unknown, 16);
  // ... "SELECT yearOfRegistration, count(*) FROM t WHERE CountryOfExploitation='KZ'
  //   GROUP BY 1 ORDER BY 1 LIMIT 3"                               -> -99|4, 2008|4, 2009|13
  EXPECT_EQ(profile.year_missing, 4);
  EXPECT_EQ(profile.by_year.at(2008).total, 4);
  EXPECT_EQ(profile.by_year.at(2009).total, 13);
  // ... "SELECT citizenship, count(*) FROM t WHERE CountryOfExploitation='KZ' AND
  //   citizenship<>'-99' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3"    -> UZ|31, KZ|20, KG|17
  ASSERT_GE(profile.citizenship.rows.size(), 3U);
  EXPECT_EQ(profile.citizenship.rows[0].country.alpha2(), "UZ");
  EXPECT_EQ(profile.citizenship.rows[0].count, 31);
  EXPECT_EQ(profile.citizenship.rows[1].country.alpha2(), "KZ");
  EXPECT_EQ(profile.citizenship.rows[1].count, 20);
  EXPECT_EQ(profile.citizenship.rows[2].country.alpha2(), "KG");
  EXPECT_EQ(profile.citizenship.rows[2].count, 17);
  // ... "SELECT CountryOfExploitation, count(*) FROM t WHERE citizenship='KZ' AND
  //   CountryOfExploitation NOT IN ('KZ','-99') GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3"
  //                                                                -> RU|12, TR|6, US|5
  ASSERT_GE(profile.destinations_abroad.rows.size(), 3U);
  EXPECT_EQ(profile.destinations_abroad.rows[0].country.alpha2(), "RU");
  EXPECT_EQ(profile.destinations_abroad.rows[0].count, 12);
  EXPECT_EQ(profile.destinations_abroad.rows[1].country.alpha2(), "TR");
  EXPECT_EQ(profile.destinations_abroad.rows[1].count, 6);
  EXPECT_EQ(profile.destinations_abroad.rows[2].country.alpha2(), "US");
  EXPECT_EQ(profile.destinations_abroad.rows[2].count, 5);
  // Labour sector, CTDC section 6 denominator (any typeOfLabour* flag = 1):
  // ... "SELECT sum(typeOfLabourConstruction='1'), count(*) FROM t WHERE
  //   CountryOfExploitation='KZ' AND (typeOfLabourAgriculture='1' OR
  //   typeOfLabourAquafarming='1' OR typeOfLabourBegging='1' OR typeOfLabourConstruction='1'
  //   OR typeOfLabourDomesticWork='1' OR typeOfLabourHospitality='1' OR
  //   typeOfLabourIllicitActivities='1' OR typeOfLabourManufacturing='1' OR
  //   typeOfLabourMiningOrDrilling='1' OR typeOfLabourPeddling='1' OR
  //   typeOfLabourTransportation='1' OR typeOfLabourOther='1')"   -> 4|10
  const auto& labour = distribution(profile, "labour_sector");
  EXPECT_EQ(count_of(labour, "labour_construction"), 4);
  EXPECT_EQ(labour.denominator, 10);
  EXPECT_EQ(labour.missing, 116 - 10);
  // ... "SELECT gender, count(*) FROM t WHERE CountryOfExploitation='KZ' GROUP BY 1"
  //                                                                -> -99|4, Female|61, Male|51
  const auto& gender = distribution(profile, "gender");
  EXPECT_EQ(count_of(gender, "Woman"), 61);
  EXPECT_EQ(count_of(gender, "Man"), 51);
  EXPECT_EQ(gender.missing, 4);
}

TEST(ProfileOnCtdcFixtures, KAnonymisedSemicolonLayoutWithCutNames) {
  const Profile profile = profile_kz("ctdc2021_kanon.csv");
  // sqlite3 :memory: -cmd ".mode csv" -cmd ".separator ;" -cmd ".import ctdc2021_kanon.csv t"
  //   "SELECT count(*), sum(citizenship='KZ'), sum(citizenship NOT IN ('KZ','-99')),
  //   sum(citizenship='-99') FROM t WHERE CountryOfExploitation='KZ'"   -> 81;21;53;7
  EXPECT_EQ(profile.total, 81);
  EXPECT_EQ(profile.domestic, 21);
  EXPECT_EQ(profile.foreign, 53);
  EXPECT_EQ(profile.origin_unknown, 7);
  // ... "SELECT yearOfRegistration, count(*) FROM t WHERE CountryOfExploitation='KZ'
  //   GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2"                      -> 2012;13, 2018;11
  EXPECT_EQ(profile.by_year.at(2012).total, 13);
  EXPECT_EQ(profile.by_year.at(2018).total, 11);
  // ... "SELECT citizenship, count(*) FROM t WHERE CountryOfExploitation='KZ' AND
  //   citizenship<>'-99' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 2"   -> UZ;25, KZ;21
  EXPECT_EQ(profile.citizenship.rows[0].country.alpha2(), "UZ");
  EXPECT_EQ(profile.citizenship.rows[0].count, 25);
  EXPECT_EQ(profile.citizenship.rows[1].count, 21);
  // The 2024 merged means (codebook Appendix II) from the cut 2018 names;
  // the group's denominator is the records with any means flag set, which in
  // this file are exactly those with meansOfControlNotSpecified = 0:
  // ... "SELECT sum(meansOfControlDebtBondage='1' OR meansOfControlTakesEarnings='1'),
  //   count(*) FROM t WHERE CountryOfExploitation='KZ' AND
  //   meansOfControlNotSpecified='0'"                               -> 7;42
  const auto& means = distribution(profile, "means_of_control");
  EXPECT_EQ(count_of(means, "means_debt_bondage_earnings"), 7);
  EXPECT_EQ(means.denominator, 42);
}

TEST(ProfileOnCtdcFixtures, Synthetic2024Layout) {
  const Profile profile = profile_kz("ctdc2024_synthetic.csv");
  // sqlite3 :memory: -cmd ".import --csv ctdc2024_synthetic.csv t" "SELECT count(*),
  //   sum(citizenship='KAZ'), sum(citizenship NOT IN ('KAZ','')), sum(citizenship='')
  //   FROM t WHERE CountryOfExploitation='KAZ'"                   -> 125|35|76|14
  EXPECT_EQ(profile.total, 125);
  EXPECT_EQ(profile.domestic, 35);
  EXPECT_EQ(profile.foreign, 76);
  EXPECT_EQ(profile.origin_unknown, 14);
  // ... "SELECT ageBroad, count(*) FROM t WHERE CountryOfExploitation='KAZ' GROUP BY 1
  //   ORDER BY 1"  -> |39, 0—8|9, 18—20|10, 21—23|10, 24—26|11, 27—29|6, 30—38|6,
  //                   39—47|12, 48+|11, 9—17|11
  const auto& age = distribution(profile, "age_band");
  EXPECT_EQ(age.missing, 39);
  EXPECT_EQ(count_of(age, "0-8"), 9);
  EXPECT_EQ(count_of(age, "9-17"), 11);
  EXPECT_EQ(count_of(age, "18-20"), 10);
  EXPECT_EQ(count_of(age, "39-47"), 12);
  EXPECT_EQ(count_of(age, "48+"), 11);
  // ... "SELECT sum(isForcedLabour='1'), sum(isSexualExploit='1'), count(*) FROM t WHERE
  //   CountryOfExploitation='KAZ' AND (isForcedLabour='1' OR isSexualExploit='1' OR
  //   isOtherExploit='1')"                                         -> 48|56|111
  const auto& exploitation = distribution(profile, "exploitation_type");
  EXPECT_EQ(count_of(exploitation, "forced_labour"), 48);
  EXPECT_EQ(count_of(exploitation, "sexual_exploitation"), 56);
  EXPECT_EQ(exploitation.denominator, 111);
  EXPECT_DOUBLE_EQ(exploitation.counts[0].percent, 100.0 * 48 / 111);
  // ... "SELECT traffickMonths, count(*) FROM t WHERE CountryOfExploitation='KAZ'
  //   GROUP BY 1"  -> |61, 0—12 (0-1 yr)|28, 13—24 (1-2 yrs)|16, 25+ (2+ yrs)|20
  const auto& duration = distribution(profile, "trafficking_duration");
  EXPECT_EQ(count_of(duration, "0-12"), 28);
  EXPECT_EQ(count_of(duration, "13-24"), 16);
  EXPECT_EQ(count_of(duration, "25+"), 20);
  EXPECT_EQ(duration.missing, 61);
}

}  // namespace
}  // namespace vigil::profile
