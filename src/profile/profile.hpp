// Descriptive and corridor statistics of identified victims: `vigil profile`.
//
// What the study of trafficking amid migration relies on first: how many
// victims were identified in a country, per year; how many were its own
// citizens and how many foreigners; from which countries the foreigners came
// and where the country's own citizens were exploited abroad (the corridors);
// and the shares by type of exploitation, labour sector, means of control,
// gender, age and recruiter relation.
//
// Missingness is large in these data and is always reported beside a count.
// Percentages follow the CTDC codebook (v2024, section 6): for a group of
// flags (means of control, types of exploitation, labour sectors, types of
// sexual exploitation, recruiter relations) the denominator is the records
// with information on the group, i.e. with at least one flag of the group set;
// a record can count in several flags, so a group's percentages may sum to
// more than 100. For a categorical variable (gender, age band...) the
// denominator is the records where it is known.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/case_record.hpp"
#include "core/country.hpp"

namespace vigil::profile {

// Whose victims a country profile describes.
enum class Perspective {
  exploitation,  // victims exploited in the country (CTDC's country of exploitation)
  citizenship,   // the country's citizens, wherever they were exploited
};

struct ProfileOptions {
  // Without a country, every record is described and "domestic" means a
  // victim exploited in their own country of citizenship.
  std::optional<CountryCode> country;
  Perspective perspective = Perspective::exploitation;
  // Inclusive year window on the year of registration. When either bound is
  // set, records whose year is unknown are left out (and counted in
  // Profile::excluded_unknown_year).
  std::optional<int> from_year;
  std::optional<int> to_year;
  // Rows kept in the citizenship and destination tables; 0 keeps all.
  std::size_t top = 10;
};

// One line of a distribution: a category, or one flag of a group.
struct CategoryCount {
  std::string key;    // machine name: "labour_construction", "18-20", "Woman"
  std::string label;  // for people: "Construction", "18-20", "Woman"
  std::int64_t count = 0;
  double percent = 0.0;  // 100 * count / denominator; 0 when the denominator is 0
};

// A categorical variable or a CTDC group of flags, over the described victims.
struct Distribution {
  std::string name;                   // "gender", "age_band", "labour_sector", ...
  std::string label;                  // "Gender", "Age band", "Labour sector", ...
  bool multiple_response = false;     // a flag group: shares may sum past 100
  std::vector<CategoryCount> counts;  // in the codebook's category order
  std::int64_t denominator = 0;       // records with information
  std::int64_t missing = 0;           // described records without
};

struct CountryCount {
  CountryCode country;
  std::int64_t count = 0;
  double percent = 0.0;  // of the records where the country is known
};

struct CountryTable {
  std::vector<CountryCount> rows;  // by count descending, then alpha-3 ascending
  std::int64_t known = 0;          // records where the country is known
  std::int64_t missing = 0;        // records where it is not
  std::int64_t other = 0;          // known records beyond the rows kept (ProfileOptions::top)
  std::size_t distinct = 0;        // distinct countries among the known records
};

struct YearCount {
  std::int64_t total = 0;
  std::int64_t domestic = 0;
  std::int64_t foreign = 0;
};

struct Profile {
  ProfileOptions options;
  // Counted over every record offered, before the country is selected, so
  // that records_read = excluded_unknown_year + excluded_outside_years +
  // the records in the window (of any country).
  std::int64_t records_read = 0;
  std::int64_t excluded_unknown_year = 0;   // left out by the year window for lack of a year
  std::int64_t excluded_outside_years = 0;  // left out by the year window
  // The described victims: exploited in the country (or its citizens, in the
  // citizenship perspective); every record in the window when no country.
  std::int64_t total = 0;
  // Among the described victims: citizenship equal to / different from the
  // country of exploitation, or either of them unknown.
  std::int64_t domestic = 0;
  std::int64_t foreign = 0;
  std::int64_t origin_unknown = 0;
  std::optional<double> domestic_foreign_ratio;  // domestic / foreign; none when foreign = 0
  // Share trafficked internationally: among the described victims whose
  // citizenship and country of exploitation are both known, the percentage
  // for whom they differ.
  std::optional<double> international_percent;
  std::map<int, YearCount> by_year;  // year of registration -> counts
  std::int64_t year_missing = 0;
  // Citizenship of the described victims (the corridors into the country in
  // the exploitation perspective).
  CountryTable citizenship;
  // Countries of exploitation of the country's citizens exploited elsewhere
  // (the corridors out of it). Empty without a country.
  CountryTable destinations_abroad;
  // Countries of exploitation of the described victims (useful in the
  // citizenship perspective and without a country).
  CountryTable exploitation_countries;
  // gender, age_band, majority_status, data_source, trafficking_duration,
  // exploitation_type, labour_sector, sexual_exploitation_type,
  // means_of_control, means_of_control_detail, recruiter_relation, abduction.
  std::vector<Distribution> variables;
};

// Accumulates records one at a time, so that a store of any size can be
// profiled in one pass without holding it in memory.
class ProfileBuilder {
 public:
  explicit ProfileBuilder(ProfileOptions options);
  ~ProfileBuilder();
  ProfileBuilder(ProfileBuilder&&) noexcept;
  ProfileBuilder& operator=(ProfileBuilder&&) noexcept;

  void add(const CaseRecord& record);
  Profile finish() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

Profile compute_profile(std::span<const CaseRecord> records, const ProfileOptions& options);

// Machine-readable and human renderings. The JSON layout is documented in
// the README ("profile JSON") and kept stable; the CSV is long format with
// columns section,key,label,count,percent,denominator,missing, one row per
// number, ready for R's read.csv or pandas.read_csv.
std::string render_json(const Profile& profile);
std::string render_csv(const Profile& profile);
std::string render_table(const Profile& profile);

}  // namespace vigil::profile
