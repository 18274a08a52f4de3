// The victim/survivor case record: one identified person, described with the
// variables of the Counter-Trafficking Data Collaborative (CTDC) global data
// set.
//
// CTDC has published three layouts of the same concepts: the 2018 "Global
// Dataset" and its k-anonymised twin (63 columns, ISO alpha-2 countries, -99
// for missing, fine-grained means of control), and the 2024 "Global Synthetic
// Dataset" (27 columns, ISO alpha-3, empty/NULL for missing, means of control
// merged following Stockl et al. 2021; codebook Appendix II). A CaseRecord
// holds the union: the fine-grained means of control where the source had
// them, and the 2024 merged groups always (derived from the fine-grained
// flags by `derive_merged_means`), so that records from every layout can be
// counted together.
//
// A record holds no identifying field (no name, date of birth or document
// number): those never enter the case model.
//
// Every variable is stored as a small integer code, or missing:
//   - year: the calendar year;
//   - enumerations: the enumerator's value;
//   - countries: CountryCode::index();
//   - flags: 0 or 1.
// This keeps records compact (they are counted by the hundred thousand) and
// lets the store, the importer and the publication code treat every field
// alike through `case_fields()`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "core/country.hpp"

namespace vigil {

enum class DataSource : std::int16_t { case_management, hotline };
enum class Gender : std::int16_t { woman, man, trans_nonconforming };
enum class AgeBand : std::int16_t {
  age_0_8,
  age_9_17,
  age_18_20,
  age_21_23,
  age_24_26,
  age_27_29,
  age_30_38,
  age_39_47,
  age_48_plus
};
enum class MajorityStatus : std::int16_t { adult, minor };
enum class TraffickingDuration : std::int16_t { months_0_12, months_13_24, months_25_plus };

// What kind of value a field holds, which fixes how it is coded and labelled.
enum class FieldKind : std::uint8_t {
  year,
  data_source,
  gender,
  age_band,
  majority_status,
  country,
  trafficking_duration,
  flag,
};

// Groups of yes/no flags. CTDC's percentage rule (codebook section 6) applies
// per group: the denominator is the records with information on the group.
enum class FlagGroup : std::uint8_t {
  none,                 // a scalar field
  exploitation_type,    // isForcedLabour, isSexualExploit, ...
  labour_sector,        // typeOfLabour*
  sexual_exploitation,  // typeOfSex*
  means_of_control,     // the 2024 merged means (meansDebtBondageEarnings ...)
  control_detail,       // the 2018 fine-grained meansOfControl* flags
  recruiter_relation,   // recruiterRelation*
  abduction,            // isAbduction (a group of one)
};

enum class Field : std::uint8_t {
  year_of_registration,
  data_source,
  gender,
  age_band,
  majority_status,
  majority_status_at_exploit,
  majority_entry,
  citizenship,
  country_of_exploitation,
  trafficking_duration,
  // Type of exploitation.
  forced_labour,
  sexual_exploitation,
  other_exploitation,
  sex_and_labour,
  forced_marriage,
  forced_military,
  organ_removal,
  slavery_and_practices,
  // Type of labour exploitation (sector).
  labour_agriculture,
  labour_aquafarming,
  labour_begging,
  labour_construction,
  labour_domestic_work,
  labour_hospitality,
  labour_illicit_activities,
  labour_manufacturing,
  labour_mining_or_drilling,
  labour_peddling,
  labour_transportation,
  labour_other,
  // Type of sexual exploitation.
  sex_prostitution,
  sex_pornography,
  sex_remote_interactive_services,
  sex_private_sexual_services,
  sex_other,
  // Means of control, 2024 merged groups.
  means_debt_bondage_earnings,
  means_threats,
  means_abuse,
  means_false_promises,
  means_drugs_alcohol,
  means_deny_basic_needs,
  means_excessive_work_hours,
  means_withhold_documents,
  means_other,
  // Means of control, 2018 fine-grained flags.
  control_debt_bondage,
  control_takes_earnings,
  control_restricts_financial_access,
  control_threats,
  control_psychological_abuse,
  control_physical_abuse,
  control_sexual_abuse,
  control_false_promises,
  control_psychoactive_substances,
  control_restricts_movement,
  control_restricts_medical_care,
  control_excessive_working_hours,
  control_uses_children,
  control_threat_of_law_enforcement,
  control_withholds_necessities,
  control_withholds_documents,
  control_other,
  // Recruitment.
  abduction,
  recruiter_intimate_partner,
  recruiter_friend,
  recruiter_family,
  recruiter_other,
  count_  // not a field: the number of fields
};

inline constexpr std::size_t kFieldCount = static_cast<std::size_t>(Field::count_);

struct FieldInfo {
  Field field;
  std::string_view name;   // snake_case: store column, JSON key ("labour_construction")
  std::string_view label;  // for people: "Construction"
  FieldKind kind;
  FlagGroup group;
};

// Every field, in the order of `Field`.
std::span<const FieldInfo> case_fields();
const FieldInfo& field_info(Field field);
// The fields of one flag group, in order.
std::span<const Field> group_fields(FlagGroup group);
// "exploitation_type", "labour_sector", ...
std::string_view group_name(FlagGroup group);

// The canonical text of a code: "Woman", "18-20", "25+", "Case Management",
// "Adult", a country's alpha-3 code, "2019" for a year, "0"/"1" for a flag.
// Used by the store and by every machine-readable output.
std::string_view code_label(FieldKind kind, std::int16_t code);
// The inverse of code_label for enumerations and countries (exact match).
std::optional<std::int16_t> parse_code_label(FieldKind kind, std::string_view text);

class CaseRecord {
 public:
  static constexpr std::int16_t kMissing = -1;

  std::optional<std::int16_t> code(Field field) const {
    const auto value = codes_[index(field)];
    if (value == kMissing) return std::nullopt;
    return value;
  }
  void set_code(Field field, std::optional<std::int16_t> value) {
    codes_[index(field)] = value.value_or(kMissing);
  }
  bool is_missing(Field field) const { return codes_[index(field)] == kMissing; }
  // True when the flag is present and 1.
  bool flag(Field field) const { return codes_[index(field)] == 1; }

  template <typename Enum>
  std::optional<Enum> get(Field field) const {
    const auto value = code(field);
    if (!value) return std::nullopt;
    return static_cast<Enum>(*value);
  }
  std::optional<int> year() const { return code(Field::year_of_registration); }
  std::optional<CountryCode> citizenship() const { return country(Field::citizenship); }
  std::optional<CountryCode> country_of_exploitation() const {
    return country(Field::country_of_exploitation);
  }
  std::optional<CountryCode> country(Field field) const {
    const auto value = code(field);
    if (!value) return std::nullopt;
    return CountryCode(static_cast<std::uint16_t>(*value));
  }

  // CTDC codebook section 6: a record informs a group of flags when at least
  // one flag of the group is 1. Only such records enter the denominator of
  // the group's percentages; the others count as missing for the group.
  // The abduction group is a single yes/no variable: any non-missing value
  // informs it.
  bool informs(FlagGroup group) const;

  const std::array<std::int16_t, kFieldCount>& codes() const { return codes_; }

  friend bool operator==(const CaseRecord&, const CaseRecord&) = default;

 private:
  static constexpr std::size_t index(Field field) { return static_cast<std::size_t>(field); }
  std::array<std::int16_t, kFieldCount> codes_ = make_missing();
  static constexpr std::array<std::int16_t, kFieldCount> make_missing() {
    std::array<std::int16_t, kFieldCount> codes{};
    codes.fill(kMissing);
    return codes;
  }
};

// Sets the 2024 merged means of control from the 2018 fine-grained flags
// (codebook Appendix II): a merged flag is 1 when any of its parts is 1, 0
// when all its parts are known and 0, missing otherwise. Merged flags that
// are already set are left alone; nothing happens where no part is known.
void derive_merged_means(CaseRecord& record);

// The fine-grained flags that make up a merged means-of-control flag.
std::span<const Field> merged_means_parts(Field merged);

}  // namespace vigil
