#include "profile/profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/case_record.hpp"
#include "core/country.hpp"
#include "core/error.hpp"

// Counts heap allocations while `g_count_allocations` is set, to hold
// ProfileBuilder::add to its promise of never allocating.
namespace {
std::atomic<bool> g_count_allocations{false};
std::atomic<long> g_allocations{0};
}  // namespace

[[gnu::noinline]] void* operator new(std::size_t size) {
  if (g_count_allocations.load(std::memory_order_relaxed)) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void* operator new[](std::size_t size) {
  return ::operator new(size);
}
// All out of line, or GCC inlines malloc() and free() into callers and takes
// them for a mismatch with operator new and delete.
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace vigil::profile {
namespace {

using nlohmann::json;

std::int16_t country_code(std::string_view code) {
  const auto country = find_country(code);
  EXPECT_TRUE(country.has_value()) << code;
  return static_cast<std::int16_t>(country->index());
}

CountryCode country(std::string_view code) {
  return *find_country(code);
}

// A record with a year and two countries, each possibly unknown ("" or 0).
CaseRecord person(int year, std::string_view citizenship, std::string_view exploited_in) {
  CaseRecord record;
  if (year != 0) record.set_code(Field::year_of_registration, static_cast<std::int16_t>(year));
  if (!citizenship.empty()) record.set_code(Field::citizenship, country_code(citizenship));
  if (!exploited_in.empty()) {
    record.set_code(Field::country_of_exploitation, country_code(exploited_in));
  }
  return record;
}

const Distribution& variable(const Profile& profile, std::string_view name) {
  const auto found = std::ranges::find(profile.variables, name, &Distribution::name);
  if (found == profile.variables.end())
    throw std::runtime_error("no variable " + std::string(name));
  return *found;
}

const CategoryCount& category(const Distribution& distribution, std::string_view key) {
  const auto found = std::ranges::find(distribution.counts, key, &CategoryCount::key);
  if (found == distribution.counts.end()) throw std::runtime_error("no key " + std::string(key));
  return *found;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool has_line(const std::string& text, std::string_view wanted) {
  const auto lines = lines_of(text);
  return std::ranges::find(lines, wanted) != lines.end();
}

// Columns of one CSV line, quotes respected (no line breaks in this output).
std::size_t csv_columns(std::string_view line) {
  std::size_t columns = 1;
  bool quoted = false;
  for (const char ch : line) {
    if (ch == '"') quoted = !quoted;
    if (ch == ',' && !quoted) ++columns;
  }
  return columns;
}

// Twelve victims around Kazakhstan. Columns: year (0 = unknown), citizenship,
// country of exploitation ("" = unknown).
//   r1  2019 KZ KZ   domestic
//   r2  2019 UZ KZ   foreign
//   r3  2019 UZ KZ   foreign
//   r4  2020 KG KZ   foreign
//   r5  2020 -- KZ   origin unknown
//   r6  ---- TJ KZ   foreign, year unknown
//   r7  2019 KZ RU   a Kazakh citizen abroad
//   r8  2020 KZ TR   a Kazakh citizen abroad
//   r9  2020 KZ RU   a Kazakh citizen abroad
//   r10 2018 KZ --   a Kazakh citizen, exploited who knows where
//   r11 2019 UZ RU   unrelated to Kazakhstan
//   r12 2021 KG KG   unrelated, domestic in Kyrgyzstan
// Some variables on the victims exploited in Kazakhstan (r1-r6):
//   gender: r1 Woman, r2 Woman, r3 Man, r4 Woman, r5 and r6 unknown;
//   labour sector: r2 construction, r3 construction + agriculture,
//   r4 domestic work, the others nothing.
std::vector<CaseRecord> corridor_records() {
  std::vector<CaseRecord> records = {
      person(2019, "KZ", "KZ"), person(2019, "UZ", "KZ"), person(2019, "UZ", "KZ"),
      person(2020, "KG", "KZ"), person(2020, "", "KZ"),   person(0, "TJ", "KZ"),
      person(2019, "KZ", "RU"), person(2020, "KZ", "TR"), person(2020, "KZ", "RU"),
      person(2018, "KZ", ""),   person(2019, "UZ", "RU"), person(2021, "KG", "KG"),
  };
  const auto woman = static_cast<std::int16_t>(Gender::woman);
  const auto man = static_cast<std::int16_t>(Gender::man);
  records[0].set_code(Field::gender, woman);
  records[1].set_code(Field::gender, woman);
  records[2].set_code(Field::gender, man);
  records[3].set_code(Field::gender, woman);
  records[1].set_code(Field::labour_construction, 1);
  records[2].set_code(Field::labour_construction, 1);
  records[2].set_code(Field::labour_agriculture, 1);
  records[3].set_code(Field::labour_domestic_work, 1);
  return records;
}

ProfileOptions kazakhstan(Perspective perspective = Perspective::exploitation) {
  ProfileOptions options;
  options.country = country("KZ");
  options.perspective = perspective;
  return options;
}

// ---------------------------------------------------------------- counting

// CTDC codebook v2024, section 6 "Percentage calculations" (pp. 5-6), the
// worked example "Defining the denominator by type of exploitation": persons
// {forced labour}, {sexual}, {other}, {nothing}, {forced labour, sexual}
// give 50 / 50 / 25 per cent, because person 4 gave no information on the
// type of exploitation and stays out of the denominator (4, not 5).
TEST(ProfileTest, CodebookSection6WorkedExample) {
  const Field fl = Field::forced_labour;
  const Field se = Field::sexual_exploitation;
  const Field oe = Field::other_exploitation;
  // The codebook's "Processed data": informed persons carry 0 in the other
  // flags, person 4 carries nothing.
  std::vector<CaseRecord> processed(5);
  const int flags[5][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {-1, -1, -1}, {1, 1, 0}};
  for (std::size_t i = 0; i < 5; ++i) {
    for (std::size_t f = 0; f < 3; ++f) {
      if (flags[i][f] >= 0) {
        processed[i].set_code(std::array{fl, se, oe}[f], static_cast<std::int16_t>(flags[i][f]));
      }
    }
  }
  // The codebook's "Synthetic data": blanks instead of the zeros.
  std::vector<CaseRecord> synthetic(5);
  synthetic[0].set_code(fl, 1);
  synthetic[1].set_code(se, 1);
  synthetic[2].set_code(oe, 1);
  synthetic[4].set_code(fl, 1);
  synthetic[4].set_code(se, 1);

  for (const auto* records : {&processed, &synthetic}) {
    const auto profile = compute_profile(*records, {});
    const auto& types = variable(profile, "exploitation_type");
    EXPECT_TRUE(types.multiple_response);
    EXPECT_EQ(types.denominator, 4);
    EXPECT_EQ(types.missing, 1);
    EXPECT_EQ(category(types, "forced_labour").count, 2);
    EXPECT_DOUBLE_EQ(category(types, "forced_labour").percent, 50.0);
    EXPECT_EQ(category(types, "sexual_exploitation").count, 2);
    EXPECT_DOUBLE_EQ(category(types, "sexual_exploitation").percent, 50.0);
    EXPECT_EQ(category(types, "other_exploitation").count, 1);
    EXPECT_DOUBLE_EQ(category(types, "other_exploitation").percent, 25.0);
    EXPECT_EQ(category(types, "forced_marriage").count, 0);
    EXPECT_DOUBLE_EQ(category(types, "forced_marriage").percent, 0.0);
    // "% isForcedLabour + % isSexualExploit + % isOtherExploit = 125%".
    double sum = 0;
    for (const auto& line : types.counts) sum += line.percent;
    EXPECT_DOUBLE_EQ(sum, 125.0);
  }
}

TEST(ProfileTest, ExploitationPerspective) {
  const auto records = corridor_records();
  const auto profile = compute_profile(records, kazakhstan());
  EXPECT_EQ(profile.records_read, 12);
  EXPECT_EQ(profile.excluded_unknown_year, 0);
  EXPECT_EQ(profile.excluded_outside_years, 0);
  // r1-r6 were exploited in Kazakhstan.
  EXPECT_EQ(profile.total, 6);
  EXPECT_EQ(profile.domestic, 1);        // r1
  EXPECT_EQ(profile.foreign, 4);         // r2 r3 r4 r6
  EXPECT_EQ(profile.origin_unknown, 1);  // r5
  ASSERT_TRUE(profile.domestic_foreign_ratio);
  EXPECT_DOUBLE_EQ(*profile.domestic_foreign_ratio, 0.25);  // 1 / 4
  ASSERT_TRUE(profile.international_percent);
  EXPECT_DOUBLE_EQ(*profile.international_percent, 80.0);  // 4 / (1 + 4)

  // 2019: r1 (domestic) r2 r3; 2020: r4 r5 (origin unknown); r6 has no year.
  ASSERT_EQ(profile.by_year.size(), 2u);
  EXPECT_EQ(profile.by_year.at(2019).total, 3);
  EXPECT_EQ(profile.by_year.at(2019).domestic, 1);
  EXPECT_EQ(profile.by_year.at(2019).foreign, 2);
  EXPECT_EQ(profile.by_year.at(2020).total, 2);
  EXPECT_EQ(profile.by_year.at(2020).domestic, 0);
  EXPECT_EQ(profile.by_year.at(2020).foreign, 1);
  EXPECT_EQ(profile.year_missing, 1);

  // Citizenships: UZ 2, then KZ, KG, TJ 1 each in alpha-3 order; r5 unknown.
  const auto& citizenship = profile.citizenship;
  ASSERT_EQ(citizenship.rows.size(), 4u);
  EXPECT_EQ(citizenship.rows[0].country, country("UZB"));
  EXPECT_EQ(citizenship.rows[0].count, 2);
  EXPECT_DOUBLE_EQ(citizenship.rows[0].percent, 40.0);  // 2 / 5 known
  EXPECT_EQ(citizenship.rows[1].country, country("KAZ"));
  EXPECT_EQ(citizenship.rows[2].country, country("KGZ"));
  EXPECT_EQ(citizenship.rows[3].country, country("TJK"));
  EXPECT_DOUBLE_EQ(citizenship.rows[3].percent, 20.0);
  EXPECT_EQ(citizenship.known, 5);
  EXPECT_EQ(citizenship.missing, 1);
  EXPECT_EQ(citizenship.other, 0);
  EXPECT_EQ(citizenship.distinct, 4u);

  // Every described victim was exploited in Kazakhstan.
  ASSERT_EQ(profile.exploitation_countries.rows.size(), 1u);
  EXPECT_EQ(profile.exploitation_countries.rows[0].country, country("KAZ"));
  EXPECT_EQ(profile.exploitation_countries.rows[0].count, 6);
  EXPECT_DOUBLE_EQ(profile.exploitation_countries.rows[0].percent, 100.0);
  EXPECT_EQ(profile.exploitation_countries.missing, 0);
}

TEST(ProfileTest, DestinationsAbroadInBothPerspectives) {
  const auto records = corridor_records();
  for (const auto perspective : {Perspective::exploitation, Perspective::citizenship}) {
    const auto profile = compute_profile(records, kazakhstan(perspective));
    // Kazakh citizens exploited elsewhere: r7 RU, r8 TR, r9 RU; r10 unknown;
    // r1 was exploited at home and is no destination abroad.
    const auto& abroad = profile.destinations_abroad;
    ASSERT_EQ(abroad.rows.size(), 2u);
    EXPECT_EQ(abroad.rows[0].country, country("RUS"));
    EXPECT_EQ(abroad.rows[0].count, 2);
    EXPECT_DOUBLE_EQ(abroad.rows[0].percent, 100.0 * 2 / 3);
    EXPECT_EQ(abroad.rows[1].country, country("TUR"));
    EXPECT_EQ(abroad.rows[1].count, 1);
    EXPECT_EQ(abroad.known, 3);
    EXPECT_EQ(abroad.missing, 1);
    EXPECT_EQ(abroad.distinct, 2u);
  }
}

TEST(ProfileTest, CitizenshipPerspective) {
  const auto records = corridor_records();
  const auto profile = compute_profile(records, kazakhstan(Perspective::citizenship));
  // Kazakh citizens: r1 (at home), r7 r8 r9 (abroad), r10 (unknown).
  EXPECT_EQ(profile.total, 5);
  EXPECT_EQ(profile.domestic, 1);
  EXPECT_EQ(profile.foreign, 3);
  EXPECT_EQ(profile.origin_unknown, 1);
  EXPECT_DOUBLE_EQ(*profile.domestic_foreign_ratio, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(*profile.international_percent, 75.0);  // 3 / 4

  // 2018: r10; 2019: r1 r7; 2020: r8 r9.
  ASSERT_EQ(profile.by_year.size(), 3u);
  EXPECT_EQ(profile.by_year.at(2018).total, 1);
  EXPECT_EQ(profile.by_year.at(2018).foreign, 0);
  EXPECT_EQ(profile.by_year.at(2019).domestic, 1);
  EXPECT_EQ(profile.by_year.at(2019).foreign, 1);
  EXPECT_EQ(profile.by_year.at(2020).foreign, 2);
  EXPECT_EQ(profile.year_missing, 0);

  ASSERT_EQ(profile.citizenship.rows.size(), 1u);
  EXPECT_EQ(profile.citizenship.rows[0].country, country("KAZ"));
  EXPECT_EQ(profile.citizenship.known, 5);

  // RU 2 (r7 r9), then KZ and TR with 1 each in alpha-3 order; r10 unknown.
  const auto& exploited = profile.exploitation_countries;
  ASSERT_EQ(exploited.rows.size(), 3u);
  EXPECT_EQ(exploited.rows[0].country, country("RUS"));
  EXPECT_EQ(exploited.rows[0].count, 2);
  EXPECT_DOUBLE_EQ(exploited.rows[0].percent, 50.0);  // 2 / 4 known
  EXPECT_EQ(exploited.rows[1].country, country("KAZ"));
  EXPECT_EQ(exploited.rows[2].country, country("TUR"));
  EXPECT_EQ(exploited.known, 4);
  EXPECT_EQ(exploited.missing, 1);
}

TEST(ProfileTest, WithoutCountryDescribesEveryRecord) {
  const auto records = corridor_records();
  const auto profile = compute_profile(records, {});
  EXPECT_EQ(profile.total, 12);
  EXPECT_EQ(profile.domestic, 2);        // r1 KZ/KZ, r12 KG/KG
  EXPECT_EQ(profile.foreign, 8);         // r2 r3 r4 r6 r7 r8 r9 r11
  EXPECT_EQ(profile.origin_unknown, 2);  // r5 r10
  EXPECT_DOUBLE_EQ(*profile.domestic_foreign_ratio, 0.25);
  EXPECT_DOUBLE_EQ(*profile.international_percent, 80.0);
  EXPECT_TRUE(profile.destinations_abroad.rows.empty());
  EXPECT_EQ(profile.destinations_abroad.known, 0);
  EXPECT_EQ(profile.destinations_abroad.missing, 0);
  // KZ: r1 r7 r8 r9 r10; UZ: r2 r3 r11; KG: r4 r12; TJ: r6; r5 unknown.
  ASSERT_EQ(profile.citizenship.rows.size(), 4u);
  EXPECT_EQ(profile.citizenship.rows[0].country, country("KAZ"));
  EXPECT_EQ(profile.citizenship.rows[0].count, 5);
  EXPECT_EQ(profile.citizenship.rows[1].country, country("UZB"));
  EXPECT_EQ(profile.citizenship.rows[2].country, country("KGZ"));
  EXPECT_EQ(profile.citizenship.rows[3].country, country("TJK"));
  EXPECT_EQ(profile.citizenship.known, 11);
  EXPECT_EQ(profile.citizenship.missing, 1);
}

TEST(ProfileTest, YearWindowExcludesUnknownAndOutsideYears) {
  const auto records = corridor_records();
  auto options = kazakhstan();
  options.from_year = 2019;
  options.to_year = 2020;
  const auto profile = compute_profile(records, options);
  EXPECT_EQ(profile.records_read, 12);
  EXPECT_EQ(profile.excluded_unknown_year, 1);   // r6
  EXPECT_EQ(profile.excluded_outside_years, 2);  // r10 (2018), r12 (2021)
  EXPECT_EQ(profile.total, 5);                   // r1-r5
  EXPECT_EQ(profile.domestic, 1);
  EXPECT_EQ(profile.foreign, 3);
  EXPECT_EQ(profile.origin_unknown, 1);
  EXPECT_EQ(profile.year_missing, 0);
  // The window applies to the corridors out too: r10 is gone.
  EXPECT_EQ(profile.destinations_abroad.known, 3);
  EXPECT_EQ(profile.destinations_abroad.missing, 0);
  EXPECT_EQ(profile.citizenship.known, 4);  // UZ UZ KG KZ
  EXPECT_EQ(profile.citizenship.missing, 1);

  // One bound is enough to leave unknown years out.
  ProfileOptions from_2020 = kazakhstan();
  from_2020.from_year = 2020;
  const auto later = compute_profile(records, from_2020);
  EXPECT_EQ(later.excluded_unknown_year, 1);   // r6
  EXPECT_EQ(later.excluded_outside_years, 6);  // r1 r2 r3 r7 r11 (2019), r10 (2018)
  EXPECT_EQ(later.total, 2);                   // r4 r5

  ProfileOptions up_to_2018 = kazakhstan(Perspective::citizenship);
  up_to_2018.to_year = 2018;
  const auto earlier = compute_profile(records, up_to_2018);
  EXPECT_EQ(earlier.excluded_unknown_year, 1);
  EXPECT_EQ(earlier.excluded_outside_years, 10);
  EXPECT_EQ(earlier.total, 1);  // r10
}

TEST(ProfileTest, InvertedYearWindowIsAUsageError) {
  ProfileOptions options;
  options.from_year = 2021;
  options.to_year = 2019;
  EXPECT_THROW(ProfileBuilder{options}, Error);
}

TEST(ProfileTest, TopTruncationAndOther) {
  const auto records = corridor_records();
  auto options = kazakhstan();
  options.top = 2;
  const auto profile = compute_profile(records, options);
  // All rows: UZB 2, KAZ 1, KGZ 1, TJK 1 (5 known); the first two are kept.
  ASSERT_EQ(profile.citizenship.rows.size(), 2u);
  EXPECT_EQ(profile.citizenship.rows[0].country, country("UZB"));
  EXPECT_EQ(profile.citizenship.rows[1].country, country("KAZ"));
  EXPECT_EQ(profile.citizenship.other, 2);  // 5 - (2 + 1)
  EXPECT_EQ(profile.citizenship.distinct, 4u);
  EXPECT_EQ(profile.citizenship.known, 5);

  options.top = 1;
  const auto one = compute_profile(records, options);
  ASSERT_EQ(one.citizenship.rows.size(), 1u);
  EXPECT_EQ(one.citizenship.other, 3);
  EXPECT_DOUBLE_EQ(one.citizenship.rows[0].percent, 40.0);  // still of all 5 known

  options.top = 0;
  EXPECT_EQ(compute_profile(records, options).citizenship.rows.size(), 4u);
}

TEST(ProfileTest, TiesAreSortedByAlpha3) {
  // Austria is AT/AUT and Australia AU/AUS: alpha-2 order and alpha-3 order
  // disagree, and alpha-3 decides. Zimbabwe before Afghanistan in the input.
  const std::vector<CaseRecord> records = {person(2020, "ZW", "KZ"), person(2020, "AT", "KZ"),
                                           person(2020, "AU", "KZ"), person(2020, "AF", "KZ"),
                                           person(2020, "ZW", "KZ")};
  const auto profile = compute_profile(records, kazakhstan());
  const auto& rows = profile.citizenship.rows;
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].country, country("ZWE"));  // 2
  EXPECT_EQ(rows[1].country, country("AFG"));
  EXPECT_EQ(rows[2].country, country("AUS"));
  EXPECT_EQ(rows[3].country, country("AUT"));
}

TEST(ProfileTest, CategoricalVariablesCountMissingApart) {
  const auto records = corridor_records();
  const auto profile = compute_profile(records, kazakhstan());
  const auto& gender = variable(profile, "gender");
  EXPECT_FALSE(gender.multiple_response);
  EXPECT_EQ(gender.label, "Gender");
  // r1 r2 r4 women, r3 a man, r5 r6 unknown: 4 known of 6 described.
  ASSERT_EQ(gender.counts.size(), 3u);
  EXPECT_EQ(gender.counts[0].key, "Woman");
  EXPECT_EQ(gender.counts[0].label, "Woman");
  EXPECT_EQ(gender.counts[0].count, 3);
  EXPECT_DOUBLE_EQ(gender.counts[0].percent, 75.0);
  EXPECT_EQ(gender.counts[1].key, "Man");
  EXPECT_DOUBLE_EQ(gender.counts[1].percent, 25.0);
  // Categories with no victim are listed too.
  EXPECT_EQ(gender.counts[2].key, "Trans/Transgender/NonConforming");
  EXPECT_EQ(gender.counts[2].count, 0);
  EXPECT_EQ(gender.denominator, 4);
  EXPECT_EQ(gender.missing, 2);

  const auto& age = variable(profile, "age_band");
  ASSERT_EQ(age.counts.size(), 9u);
  EXPECT_EQ(age.counts[2].key, "18-20");
  EXPECT_EQ(age.counts[8].key, "48+");
  EXPECT_EQ(age.denominator, 0);
  EXPECT_EQ(age.missing, 6);
  EXPECT_DOUBLE_EQ(age.counts[2].percent, 0.0);

  EXPECT_EQ(variable(profile, "data_source").counts[0].key, "Case Management");
  EXPECT_EQ(variable(profile, "trafficking_duration").counts[2].key, "25+");
  EXPECT_EQ(variable(profile, "majority_status").counts[1].key, "Minor");
}

TEST(ProfileTest, FlagGroupsUseTheInformedDenominator) {
  const auto records = corridor_records();
  const auto profile = compute_profile(records, kazakhstan());
  // r2 r3 r4 name a sector; r1 r5 r6 name none.
  const auto& labour = variable(profile, "labour_sector");
  EXPECT_TRUE(labour.multiple_response);
  EXPECT_EQ(labour.label, "Labour sector");
  EXPECT_EQ(labour.denominator, 3);
  EXPECT_EQ(labour.missing, 3);
  ASSERT_EQ(labour.counts.size(), 12u);
  EXPECT_EQ(labour.counts[0].key, "labour_agriculture");
  EXPECT_EQ(labour.counts[0].label, "Agriculture");
  const auto& construction = category(labour, "labour_construction");
  EXPECT_EQ(construction.label, "Construction");
  EXPECT_EQ(construction.count, 2);
  EXPECT_DOUBLE_EQ(construction.percent, 100.0 * 2 / 3);
  EXPECT_DOUBLE_EQ(category(labour, "labour_agriculture").percent, 100.0 / 3);
  EXPECT_DOUBLE_EQ(category(labour, "labour_domestic_work").percent, 100.0 / 3);

  // A flag set to 0 informs nothing (codebook section 6).
  std::vector<CaseRecord> zeros(2);
  zeros[0].set_code(Field::means_threats, 0);
  zeros[1].set_code(Field::means_threats, 1);
  const auto zero_profile = compute_profile(zeros, {});
  const auto& means = variable(zero_profile, "means_of_control");
  EXPECT_EQ(means.denominator, 1);
  EXPECT_EQ(means.missing, 1);
  EXPECT_DOUBLE_EQ(category(means, "means_threats").percent, 100.0);
}

TEST(ProfileTest, AbductionIsYesNo) {
  std::vector<CaseRecord> records(4);
  records[0].set_code(Field::abduction, 1);
  records[1].set_code(Field::abduction, 0);
  records[2].set_code(Field::abduction, 0);
  const auto profile = compute_profile(records, {});
  const auto& abduction = variable(profile, "abduction");
  EXPECT_FALSE(abduction.multiple_response);
  EXPECT_EQ(abduction.label, "Abduction");
  ASSERT_EQ(abduction.counts.size(), 2u);
  EXPECT_EQ(abduction.counts[0].key, "0");
  EXPECT_EQ(abduction.counts[0].label, "No");
  EXPECT_EQ(abduction.counts[0].count, 2);
  EXPECT_EQ(abduction.counts[1].key, "1");
  EXPECT_EQ(abduction.counts[1].label, "Yes");
  EXPECT_EQ(abduction.counts[1].count, 1);
  EXPECT_DOUBLE_EQ(abduction.counts[1].percent, 100.0 / 3);  // 1 of 3 known
  EXPECT_EQ(abduction.denominator, 3);
  EXPECT_EQ(abduction.missing, 1);
}

TEST(ProfileTest, VariablesInOrderWithLabels) {
  const auto profile = compute_profile({}, {});
  std::vector<std::pair<std::string, std::string>> names;
  for (const auto& distribution : profile.variables) {
    names.emplace_back(distribution.name, distribution.label);
  }
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"gender", "Gender"},
      {"age_band", "Age band"},
      {"majority_status", "Majority status"},
      {"data_source", "Data source"},
      {"trafficking_duration", "Months trafficked"},
      {"exploitation_type", "Type of exploitation"},
      {"labour_sector", "Labour sector"},
      {"sexual_exploitation_type", "Type of sexual exploitation"},
      {"means_of_control", "Means of control"},
      {"means_of_control_detail", "Means of control (detailed, 2018 layout)"},
      {"recruiter_relation", "Recruiter relation"},
      {"abduction", "Abduction"},
  };
  EXPECT_EQ(names, expected);
}

TEST(ProfileTest, EmptyInputLeavesRatiosUndefined) {
  const auto profile = compute_profile({}, kazakhstan());
  EXPECT_EQ(profile.total, 0);
  EXPECT_FALSE(profile.domestic_foreign_ratio);
  EXPECT_FALSE(profile.international_percent);
  EXPECT_TRUE(profile.citizenship.rows.empty());
  const auto j = json::parse(render_json(profile));
  EXPECT_TRUE(j["domestic_foreign_ratio"].is_null());
  EXPECT_TRUE(j["international_percent"].is_null());
  EXPECT_TRUE(j["by_year"].is_object());
  EXPECT_TRUE(j["by_year"].empty());
  EXPECT_EQ(j["gender"]["percent"]["Woman"], 0.0);
  // Label column 23 wide, values 3 wide ("n/a").
  EXPECT_TRUE(has_line(render_table(profile), "  Domestic/foreign ratio   n/a"));
}

TEST(ProfileTest, OnlyDomesticVictimsHaveNoRatio) {
  const std::vector<CaseRecord> records = {person(2020, "KZ", "KZ")};
  const auto profile = compute_profile(records, kazakhstan());
  EXPECT_FALSE(profile.domestic_foreign_ratio);  // 1 / 0
  ASSERT_TRUE(profile.international_percent);
  EXPECT_DOUBLE_EQ(*profile.international_percent, 0.0);
}

TEST(ProfileTest, CorruptCodesCountAsMissing) {
  CaseRecord record = person(2020, "UZ", "KZ");
  record.set_code(Field::gender, 7);
  record.set_code(Field::citizenship, 30000);
  record.set_code(Field::abduction, 2);
  const auto profile = compute_profile(std::vector{record}, kazakhstan());
  EXPECT_EQ(profile.total, 1);
  EXPECT_EQ(profile.origin_unknown, 1);
  EXPECT_EQ(profile.citizenship.missing, 1);
  EXPECT_EQ(variable(profile, "gender").missing, 1);
  EXPECT_EQ(variable(profile, "abduction").missing, 1);
}

TEST(ProfileTest, BuilderStreamsAndMoves) {
  const auto records = corridor_records();
  ProfileBuilder first(kazakhstan());
  for (std::size_t i = 0; i < 6; ++i) first.add(records[i]);
  ProfileBuilder builder = std::move(first);
  for (std::size_t i = 6; i < records.size(); ++i) builder.add(records[i]);
  const auto streamed = builder.finish();
  const auto whole = compute_profile(records, kazakhstan());
  EXPECT_EQ(render_json(streamed), render_json(whole));
  // finish() leaves the builder usable.
  EXPECT_EQ(builder.finish().total, 6);
}

// 250,000 records, the size of a national register pooled over years, must
// be counted without a single allocation, and as a naive count over the same
// records says. (Speed is measured in bench/, not asserted here.)
TEST(ProfileTest, AddNeverAllocatesAndAgreesWithANaiveCount) {
  const std::int16_t countries[] = {country_code("KZ"), country_code("UZ"), country_code("KG"),
                                    country_code("TJ"), country_code("RU")};
  std::vector<CaseRecord> records(250'000);
  for (std::size_t i = 0; i < records.size(); ++i) {
    auto& record = records[i];
    if (i % 17 != 0) record.set_code(Field::year_of_registration, 2010 + i % 12);
    record.set_code(Field::citizenship, countries[i % 5]);
    if (i % 11 != 0) record.set_code(Field::country_of_exploitation, countries[(i / 5) % 5]);
    record.set_code(Field::gender, static_cast<std::int16_t>(i % 3));
    record.set_code(Field::forced_labour, static_cast<std::int16_t>(i % 2));
    if (i % 7 == 0) record.set_code(Field::sexual_exploitation, 1);
    record.set_code(Field::abduction, static_cast<std::int16_t>(i % 2));
  }
  ProfileOptions options = kazakhstan();
  options.from_year = 2012;
  ProfileBuilder builder(options);

  g_allocations = 0;
  g_count_allocations = true;
  for (const auto& record : records) builder.add(record);
  g_count_allocations = false;
  EXPECT_EQ(g_allocations.load(), 0);

  std::int64_t unknown_year = 0, outside = 0, total = 0, domestic = 0, foreign = 0;
  std::int64_t forced_labour = 0, informed = 0;
  for (const auto& record : records) {
    const auto year = record.year();
    if (!year) {
      ++unknown_year;
    } else if (*year < 2012) {
      ++outside;
    } else if (record.country_of_exploitation() == country("KZ")) {
      ++total;
      domestic += record.citizenship() == country("KZ");
      foreign += record.citizenship() != country("KZ");
      forced_labour += record.flag(Field::forced_labour);
      informed += record.informs(FlagGroup::exploitation_type);
    }
  }
  const auto profile = builder.finish();
  EXPECT_EQ(profile.records_read, 250'000);
  EXPECT_EQ(profile.excluded_unknown_year, unknown_year);
  EXPECT_EQ(profile.excluded_outside_years, outside);
  EXPECT_EQ(profile.total, total);
  EXPECT_EQ(profile.domestic, domestic);
  EXPECT_EQ(profile.foreign, foreign);
  EXPECT_EQ(profile.origin_unknown, 0);
  const auto& types = variable(profile, "exploitation_type");
  EXPECT_EQ(types.denominator, informed);
  EXPECT_EQ(category(types, "forced_labour").count, forced_labour);
  EXPECT_GT(total, 0);
}

// ---------------------------------------------------------------- rendering

TEST(ProfileRenderTest, JsonKeysInOrder) {
  const auto j =
      nlohmann::ordered_json::parse(render_json(compute_profile(corridor_records(), kazakhstan())));
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  const std::vector<std::string> expected = {"vigil_profile_version",
                                             "country",
                                             "perspective",
                                             "from_year",
                                             "to_year",
                                             "records_read",
                                             "excluded_unknown_year",
                                             "excluded_outside_years",
                                             "total",
                                             "domestic",
                                             "foreign",
                                             "origin_unknown",
                                             "domestic_foreign_ratio",
                                             "international_percent",
                                             "by_year",
                                             "by_year_detail",
                                             "year_missing",
                                             "citizenship",
                                             "citizenship_summary",
                                             "destinations_abroad",
                                             "destinations_abroad_summary",
                                             "exploitation_countries",
                                             "exploitation_countries_summary",
                                             "gender",
                                             "age_band",
                                             "majority_status",
                                             "data_source",
                                             "trafficking_duration",
                                             "exploitation_type",
                                             "labour_sector",
                                             "sexual_exploitation_type",
                                             "means_of_control",
                                             "means_of_control_detail",
                                             "recruiter_relation",
                                             "abduction"};
  EXPECT_EQ(keys, expected);
  std::vector<std::string> distribution_keys;
  for (const auto& item : j["gender"].items()) distribution_keys.push_back(item.key());
  EXPECT_EQ(distribution_keys,
            (std::vector<std::string>{"label", "multiple_response", "counts", "percent", "labels",
                                      "denominator", "missing"}));
}

TEST(ProfileRenderTest, JsonValues) {
  const auto text = render_json(compute_profile(corridor_records(), kazakhstan()));
  // Pretty-printed with an indent of 2.
  EXPECT_EQ(text.substr(0, 31), "{\n  \"vigil_profile_version\": 1,");
  const auto j = json::parse(text);
  EXPECT_EQ(j["vigil_profile_version"], 1);
  EXPECT_EQ(j["country"]["alpha2"], "KZ");
  EXPECT_EQ(j["country"]["alpha3"], "KAZ");
  EXPECT_EQ(j["country"]["name"], "Kazakhstan");
  EXPECT_EQ(j["perspective"], "exploitation");
  EXPECT_TRUE(j["from_year"].is_null());
  EXPECT_TRUE(j["to_year"].is_null());
  EXPECT_EQ(j["records_read"], 12);
  EXPECT_EQ(j["total"], 6);
  EXPECT_EQ(j["domestic"], 1);
  EXPECT_EQ(j["foreign"], 4);
  EXPECT_EQ(j["origin_unknown"], 1);
  EXPECT_EQ(j["domestic_foreign_ratio"], 0.25);
  EXPECT_EQ(j["international_percent"], 80.0);
  // See ExploitationPerspective for the hand counts.
  EXPECT_EQ(j["by_year"]["2019"], 3);
  EXPECT_EQ(j["by_year"]["2020"], 2);
  EXPECT_EQ(j["by_year"].size(), 2u);
  EXPECT_EQ(j["by_year_detail"]["2019"]["total"], 3);
  EXPECT_EQ(j["by_year_detail"]["2019"]["domestic"], 1);
  EXPECT_EQ(j["by_year_detail"]["2019"]["foreign"], 2);
  EXPECT_EQ(j["year_missing"], 1);
  ASSERT_EQ(j["citizenship"].size(), 4u);
  EXPECT_EQ(j["citizenship"][0]["code"], "UZB");
  EXPECT_EQ(j["citizenship"][0]["alpha2"], "UZ");
  EXPECT_EQ(j["citizenship"][0]["name"], "Uzbekistan");
  EXPECT_EQ(j["citizenship"][0]["count"], 2);
  EXPECT_EQ(j["citizenship"][0]["percent"], 40.0);
  EXPECT_EQ(j["citizenship_summary"],
            json({{"known", 5}, {"missing", 1}, {"other", 0}, {"distinct", 4}}));
  EXPECT_EQ(j["destinations_abroad"][0]["code"], "RUS");
  EXPECT_EQ(j["destinations_abroad"][1]["code"], "TUR");
  EXPECT_EQ(j["destinations_abroad"][1]["name"], "Türkiye");
  EXPECT_EQ(j["destinations_abroad_summary"]["missing"], 1);
  EXPECT_EQ(j["exploitation_countries"][0]["count"], 6);
  EXPECT_EQ(j["gender"]["label"], "Gender");
  EXPECT_EQ(j["gender"]["multiple_response"], false);
  EXPECT_EQ(j["gender"]["counts"]["Woman"], 3);
  EXPECT_EQ(j["gender"]["percent"]["Woman"], 75.0);
  EXPECT_EQ(j["gender"]["labels"]["Woman"], "Woman");
  EXPECT_EQ(j["gender"]["denominator"], 4);
  EXPECT_EQ(j["gender"]["missing"], 2);
  EXPECT_EQ(j["labour_sector"]["multiple_response"], true);
  EXPECT_EQ(j["labour_sector"]["counts"]["labour_construction"], 2);
  EXPECT_DOUBLE_EQ(j["labour_sector"]["percent"]["labour_construction"].get<double>(),
                   100.0 * 2 / 3);
  EXPECT_EQ(j["labour_sector"]["labels"]["labour_construction"], "Construction");
  EXPECT_EQ(j["means_of_control"]["denominator"], 0);
  EXPECT_EQ(j["means_of_control"]["missing"], 6);
  EXPECT_EQ(j["abduction"]["labels"]["1"], "Yes");
}

TEST(ProfileRenderTest, JsonWithoutCountryAndWithWindow) {
  ProfileOptions options;
  options.from_year = 2019;
  options.to_year = 2020;
  options.perspective = Perspective::citizenship;
  const auto j = json::parse(render_json(compute_profile(corridor_records(), options)));
  EXPECT_TRUE(j["country"].is_null());
  EXPECT_EQ(j["perspective"], "citizenship");
  EXPECT_EQ(j["from_year"], 2019);
  EXPECT_EQ(j["to_year"], 2020);
  EXPECT_EQ(j["excluded_unknown_year"], 1);   // r6
  EXPECT_EQ(j["excluded_outside_years"], 2);  // r10 r12
  EXPECT_EQ(j["total"], 9);
  EXPECT_TRUE(j["destinations_abroad"].is_array());
  EXPECT_TRUE(j["destinations_abroad"].empty());
  EXPECT_EQ(j["destinations_abroad_summary"]["known"], 0);
  // 2019: r1 r2 r3 r7 r11; 2020: r4 r5 r8 r9.
  EXPECT_EQ(j["by_year"], json({{"2019", 5}, {"2020", 4}}));
}

TEST(ProfileRenderTest, CsvRows) {
  const auto csv = render_csv(compute_profile(corridor_records(), kazakhstan()));
  const auto lines = lines_of(csv);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "section,key,label,count,percent,denominator,missing");
  // Domestic and foreign are shares of the 5 victims of known origin.
  EXPECT_TRUE(has_line(csv, "summary,total,Victims described,6,,,"));
  EXPECT_TRUE(has_line(csv, "summary,domestic,Domestic,1,20,5,1"));
  EXPECT_TRUE(has_line(csv, "summary,foreign,Foreign,4,80,5,1"));
  EXPECT_TRUE(has_line(csv, "summary,records_read,Records read,12,,,"));
  // 3 of the 5 victims whose year is known; r6 has none.
  EXPECT_TRUE(has_line(csv, "by_year,2019,2019,3,60,5,1"));
  EXPECT_TRUE(has_line(csv, "citizenship,UZB,Uzbekistan,2,40,5,1"));
  EXPECT_TRUE(has_line(csv, "destinations_abroad,TUR,Türkiye,1,33.333333333333336,3,1"));
  EXPECT_TRUE(has_line(csv, "exploitation_countries,KAZ,Kazakhstan,6,100,6,0"));
  EXPECT_TRUE(has_line(csv, "gender,Woman,Woman,3,75,4,2"));
  EXPECT_TRUE(has_line(csv,
                       "gender,Trans/Transgender/NonConforming,"
                       "Trans/Transgender/NonConforming,0,0,4,2"));
  EXPECT_TRUE(has_line(csv, "abduction,1,Yes,0,0,0,6"));
  // Labels with commas are quoted, so that every line has seven columns.
  EXPECT_TRUE(has_line(csv,
                       "means_of_control,means_abuse,"
                       "\"Psychological, physical and/or sexual abuse\",0,0,0,6"));
  for (const auto& line : lines) EXPECT_EQ(csv_columns(line), 7u) << line;
  // 1 header + 7 summary + 2 years + 4 + 2 + 1 country rows + categories.
  std::size_t categories = 0;
  const auto empty = compute_profile({}, {});
  for (const auto& distribution : empty.variables) {
    categories += distribution.counts.size();
  }
  EXPECT_EQ(lines.size(), 1 + 7 + 2 + 4 + 2 + 1 + categories);
}

TEST(ProfileRenderTest, CsvQuotesAndOtherRow) {
  std::vector<CaseRecord> records = {person(2020, "BQ", "KZ"), person(2020, "UZ", "KZ"),
                                     person(2020, "UZ", "KZ"), person(2020, "KG", "KZ")};
  auto options = kazakhstan();
  options.top = 2;
  const auto csv = render_csv(compute_profile(records, options));
  // UZB 2, then BES and KGZ tie at 1 and BES wins on alpha-3; KGZ goes to
  // "other". Bonaire's name holds a comma and is quoted.
  EXPECT_TRUE(has_line(csv, "citizenship,UZB,Uzbekistan,2,50,4,0"));
  EXPECT_TRUE(has_line(csv, "citizenship,BES,\"Bonaire, Sint Eustatius and Saba\",1,25,4,0"));
  EXPECT_TRUE(has_line(csv, "citizenship,other,Other countries,1,25,4,0"));
  EXPECT_TRUE(has_line(csv, "summary,domestic,Domestic,0,0,4,0"));
  EXPECT_TRUE(has_line(csv, "data_source,Case Management,Case Management,0,0,0,4"));

  // Without victims of known origin the domestic share is empty, not 0.
  const auto empty = render_csv(compute_profile({}, {}));
  EXPECT_TRUE(has_line(empty, "summary,domestic,Domestic,0,,0,0"));
}

TEST(ProfileRenderTest, TableLines) {
  const auto table = render_table(compute_profile(corridor_records(), kazakhstan()));
  const auto lines = lines_of(table);
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[0], "Victim profile: Kazakhstan (KAZ), exploitation perspective, all years");
  EXPECT_EQ(lines[1], std::string(lines[0].size(), '='));
  // Label column 23 wide ("Excluded, outside years"), values right-aligned in
  // 5 ("80.0%"), two spaces apart: 6 + 2 + 4 spaces after "Victims described".
  EXPECT_TRUE(has_line(table, "  Victims described            6"));
  EXPECT_TRUE(has_line(table, "  Domestic/foreign ratio    0.25"));
  EXPECT_TRUE(has_line(table, "  International share      80.0%"));
  EXPECT_TRUE(has_line(table, "  Year  Total  Domestic  Foreign"));
  EXPECT_TRUE(has_line(table, "  2019      3         1        2"));
  EXPECT_TRUE(has_line(table, "  year unknown: 1"));
  EXPECT_TRUE(has_line(table, "  Uzbekistan  UZB       2    40.0%"));
  EXPECT_TRUE(has_line(table, "  n = 5 with information, missing = 1, countries = 4"));
  EXPECT_TRUE(has_line(table, "Destinations abroad of citizens of Kazakhstan"));
  // "Türkiye" is 7 characters but 8 bytes: padding counts characters, so
  // its code lines up under the one of "Russian Federation" (18 characters).
  EXPECT_TRUE(has_line(table, "  Russian Federation  RUS       2    66.7%"));
  EXPECT_TRUE(has_line(table, "  Türkiye             TUR       1    33.3%"));
  EXPECT_TRUE(has_line(table, "Gender"));
  EXPECT_TRUE(has_line(table, "  Woman                                3    75.0%"));
  EXPECT_TRUE(has_line(table, "  n = 4 with information, missing = 2"));
  EXPECT_TRUE(has_line(table, "Labour sector (several per victim: may sum past 100%)"));
  EXPECT_TRUE(has_line(table, "  Construction            2    66.7%"));
  // The exploitation perspective has no use for a countries-of-exploitation table.
  EXPECT_EQ(table.find("Countries of exploitation"), std::string::npos);
}

TEST(ProfileRenderTest, TableTitleVariants) {
  ProfileOptions options = kazakhstan(Perspective::citizenship);
  options.from_year = 2019;
  options.to_year = 2020;
  const auto table = render_table(compute_profile(corridor_records(), options));
  EXPECT_EQ(lines_of(table)[0],
            "Victim profile: Kazakhstan (KAZ), citizenship perspective, 2019-2020");
  EXPECT_TRUE(has_line(table, "Countries of exploitation"));

  ProfileOptions all;
  all.from_year = 2020;
  EXPECT_EQ(lines_of(render_table(compute_profile({}, all)))[0],
            "Victim profile: all countries, exploitation perspective, from 2020");
}

}  // namespace
}  // namespace vigil::profile
