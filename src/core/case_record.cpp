#include "core/case_record.hpp"

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil {
namespace {

using enum Field;
using K = FieldKind;
using G = FlagGroup;

constexpr FieldInfo kFields[] = {
    {year_of_registration, "year_of_registration", "Year of registration", K::year, G::none},
    {data_source, "data_source", "Data source", K::data_source, G::none},
    {gender, "gender", "Gender", K::gender, G::none},
    {age_band, "age_band", "Age band", K::age_band, G::none},
    {majority_status, "majority_status", "Majority status", K::majority_status, G::none},
    {majority_status_at_exploit, "majority_status_at_exploit", "Majority status at exploitation",
     K::majority_status, G::none},
    {majority_entry, "majority_entry", "Majority status at entry", K::majority_status, G::none},
    {citizenship, "citizenship", "Citizenship", K::country, G::none},
    {country_of_exploitation, "country_of_exploitation", "Country of exploitation", K::country,
     G::none},
    {trafficking_duration, "trafficking_duration", "Months trafficked", K::trafficking_duration,
     G::none},
    {forced_labour, "forced_labour", "Forced labour", K::flag, G::exploitation_type},
    {sexual_exploitation, "sexual_exploitation", "Sexual exploitation", K::flag,
     G::exploitation_type},
    {other_exploitation, "other_exploitation", "Other exploitation", K::flag, G::exploitation_type},
    {sex_and_labour, "sex_and_labour", "Sexual and labour exploitation", K::flag,
     G::exploitation_type},
    {forced_marriage, "forced_marriage", "Forced marriage", K::flag, G::exploitation_type},
    {forced_military, "forced_military", "Forced military service", K::flag, G::exploitation_type},
    {organ_removal, "organ_removal", "Organ removal", K::flag, G::exploitation_type},
    {slavery_and_practices, "slavery_and_practices", "Slavery and similar practices", K::flag,
     G::exploitation_type},
    {labour_agriculture, "labour_agriculture", "Agriculture", K::flag, G::labour_sector},
    {labour_aquafarming, "labour_aquafarming", "Aquafarming", K::flag, G::labour_sector},
    {labour_begging, "labour_begging", "Begging", K::flag, G::labour_sector},
    {labour_construction, "labour_construction", "Construction", K::flag, G::labour_sector},
    {labour_domestic_work, "labour_domestic_work", "Domestic work", K::flag, G::labour_sector},
    {labour_hospitality, "labour_hospitality", "Hospitality", K::flag, G::labour_sector},
    {labour_illicit_activities, "labour_illicit_activities", "Illicit activities", K::flag,
     G::labour_sector},
    {labour_manufacturing, "labour_manufacturing", "Manufacturing", K::flag, G::labour_sector},
    {labour_mining_or_drilling, "labour_mining_or_drilling", "Mining or drilling", K::flag,
     G::labour_sector},
    {labour_peddling, "labour_peddling", "Peddling", K::flag, G::labour_sector},
    {labour_transportation, "labour_transportation", "Transportation", K::flag, G::labour_sector},
    {labour_other, "labour_other", "Other labour", K::flag, G::labour_sector},
    {sex_prostitution, "sex_prostitution", "Prostitution", K::flag, G::sexual_exploitation},
    {sex_pornography, "sex_pornography", "Pornography", K::flag, G::sexual_exploitation},
    {sex_remote_interactive_services, "sex_remote_interactive_services",
     "Remote interactive services", K::flag, G::sexual_exploitation},
    {sex_private_sexual_services, "sex_private_sexual_services", "Private sexual services", K::flag,
     G::sexual_exploitation},
    {sex_other, "sex_other", "Other sexual exploitation", K::flag, G::sexual_exploitation},
    {means_debt_bondage_earnings, "means_debt_bondage_earnings",
     "Debt bondage and/or withheld wages", K::flag, G::means_of_control},
    {means_threats, "means_threats", "Threats to the person and/or family", K::flag,
     G::means_of_control},
    {means_abuse, "means_abuse", "Psychological, physical and/or sexual abuse", K::flag,
     G::means_of_control},
    {means_false_promises, "means_false_promises", "False promises", K::flag, G::means_of_control},
    {means_drugs_alcohol, "means_drugs_alcohol", "Psychoactive substances", K::flag,
     G::means_of_control},
    {means_deny_basic_needs, "means_deny_basic_needs",
     "Restricts finance, movement, medical care and/or necessities", K::flag, G::means_of_control},
    {means_excessive_work_hours, "means_excessive_work_hours", "Excessive working hours", K::flag,
     G::means_of_control},
    {means_withhold_documents, "means_withhold_documents", "Withholds documents", K::flag,
     G::means_of_control},
    {means_other, "means_other", "Other means of control", K::flag, G::means_of_control},
    {control_debt_bondage, "control_debt_bondage", "Debt bondage", K::flag, G::control_detail},
    {control_takes_earnings, "control_takes_earnings", "Takes earnings", K::flag,
     G::control_detail},
    {control_restricts_financial_access, "control_restricts_financial_access",
     "Restricts financial access", K::flag, G::control_detail},
    {control_threats, "control_threats", "Threats", K::flag, G::control_detail},
    {control_psychological_abuse, "control_psychological_abuse", "Psychological abuse", K::flag,
     G::control_detail},
    {control_physical_abuse, "control_physical_abuse", "Physical abuse", K::flag,
     G::control_detail},
    {control_sexual_abuse, "control_sexual_abuse", "Sexual abuse", K::flag, G::control_detail},
    {control_false_promises, "control_false_promises", "False promises", K::flag,
     G::control_detail},
    {control_psychoactive_substances, "control_psychoactive_substances", "Psychoactive substances",
     K::flag, G::control_detail},
    {control_restricts_movement, "control_restricts_movement", "Restricts movement", K::flag,
     G::control_detail},
    {control_restricts_medical_care, "control_restricts_medical_care", "Restricts medical care",
     K::flag, G::control_detail},
    {control_excessive_working_hours, "control_excessive_working_hours", "Excessive working hours",
     K::flag, G::control_detail},
    {control_uses_children, "control_uses_children", "Uses children", K::flag, G::control_detail},
    {control_threat_of_law_enforcement, "control_threat_of_law_enforcement",
     "Threat of law enforcement", K::flag, G::control_detail},
    {control_withholds_necessities, "control_withholds_necessities", "Withholds necessities",
     K::flag, G::control_detail},
    {control_withholds_documents, "control_withholds_documents", "Withholds documents", K::flag,
     G::control_detail},
    {control_other, "control_other", "Other", K::flag, G::control_detail},
    {abduction, "abduction", "Abduction", K::flag, G::abduction},
    {recruiter_intimate_partner, "recruiter_intimate_partner", "Intimate partner", K::flag,
     G::recruiter_relation},
    {recruiter_friend, "recruiter_friend", "Friend", K::flag, G::recruiter_relation},
    {recruiter_family, "recruiter_family", "Family", K::flag, G::recruiter_relation},
    {recruiter_other, "recruiter_other", "Other", K::flag, G::recruiter_relation},
};
static_assert(std::size(kFields) == kFieldCount, "every Field needs a FieldInfo");

constexpr bool fields_in_order() {
  for (std::size_t index = 0; index < std::size(kFields); ++index) {
    if (static_cast<std::size_t>(kFields[index].field) != index) return false;
  }
  return true;
}
static_assert(fields_in_order(), "kFields must follow the order of enum Field");

constexpr Field kExploitation[] = {forced_labour,  sexual_exploitation,  other_exploitation,
                                   sex_and_labour, forced_marriage,      forced_military,
                                   organ_removal,  slavery_and_practices};
constexpr Field kLabour[] = {
    labour_agriculture,        labour_aquafarming,    labour_begging,
    labour_construction,       labour_domestic_work,  labour_hospitality,
    labour_illicit_activities, labour_manufacturing,  labour_mining_or_drilling,
    labour_peddling,           labour_transportation, labour_other};
constexpr Field kSex[] = {sex_prostitution, sex_pornography, sex_remote_interactive_services,
                          sex_private_sexual_services, sex_other};
constexpr Field kMeans[] = {means_debt_bondage_earnings,
                            means_threats,
                            means_abuse,
                            means_false_promises,
                            means_drugs_alcohol,
                            means_deny_basic_needs,
                            means_excessive_work_hours,
                            means_withhold_documents,
                            means_other};
constexpr Field kControl[] = {control_debt_bondage,
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
                              control_other};
constexpr Field kRecruiter[] = {recruiter_intimate_partner, recruiter_friend, recruiter_family,
                                recruiter_other};
constexpr Field kAbduction[] = {abduction};

// Codebook v2024, Appendix II: which 2018 flags were merged into each 2024 flag.
constexpr Field kDebtParts[] = {control_debt_bondage, control_takes_earnings};
constexpr Field kThreatParts[] = {control_threats, control_uses_children,
                                  control_threat_of_law_enforcement};
constexpr Field kAbuseParts[] = {control_psychological_abuse, control_physical_abuse,
                                 control_sexual_abuse};
constexpr Field kFalsePromiseParts[] = {control_false_promises};
constexpr Field kDrugParts[] = {control_psychoactive_substances};
constexpr Field kBasicNeedsParts[] = {control_restricts_financial_access,
                                      control_restricts_movement, control_restricts_medical_care,
                                      control_withholds_necessities};
constexpr Field kWorkHourParts[] = {control_excessive_working_hours};
constexpr Field kDocumentParts[] = {control_withholds_documents};
constexpr Field kOtherParts[] = {control_other};

constexpr std::string_view kDataSourceLabels[] = {"Case Management", "Hotline"};
constexpr std::string_view kGenderLabels[] = {"Woman", "Man", "Trans/Transgender/NonConforming"};
constexpr std::string_view kAgeLabels[] = {"0-8",   "9-17",  "18-20", "21-23", "24-26",
                                           "27-29", "30-38", "39-47", "48+"};
constexpr std::string_view kMajorityLabels[] = {"Adult", "Minor"};
constexpr std::string_view kDurationLabels[] = {"0-12", "13-24", "25+"};
constexpr std::string_view kFlagLabels[] = {"0", "1"};

std::span<const std::string_view> labels_of(FieldKind kind) {
  switch (kind) {
    case K::data_source:
      return kDataSourceLabels;
    case K::gender:
      return kGenderLabels;
    case K::age_band:
      return kAgeLabels;
    case K::majority_status:
      return kMajorityLabels;
    case K::trafficking_duration:
      return kDurationLabels;
    case K::flag:
      return kFlagLabels;
    case K::year:
    case K::country:
      return {};
  }
  return {};
}

// Years as text, filled once: code_label returns views that must stay valid.
const std::vector<std::string>& year_labels() {
  static const std::vector<std::string> labels = [] {
    std::vector<std::string> out;
    for (int year = 0; year <= 9999; ++year) out.push_back(std::to_string(year));
    return out;
  }();
  return labels;
}

}  // namespace

std::span<const FieldInfo> case_fields() {
  return kFields;
}

const FieldInfo& field_info(Field field) {
  return kFields[static_cast<std::size_t>(field)];
}

std::span<const Field> group_fields(FlagGroup group) {
  switch (group) {
    case G::exploitation_type:
      return kExploitation;
    case G::labour_sector:
      return kLabour;
    case G::sexual_exploitation:
      return kSex;
    case G::means_of_control:
      return kMeans;
    case G::control_detail:
      return kControl;
    case G::recruiter_relation:
      return kRecruiter;
    case G::abduction:
      return kAbduction;
    case G::none:
      return {};
  }
  return {};
}

std::string_view group_name(FlagGroup group) {
  switch (group) {
    case G::exploitation_type:
      return "exploitation_type";
    case G::labour_sector:
      return "labour_sector";
    case G::sexual_exploitation:
      return "sexual_exploitation_type";
    case G::means_of_control:
      return "means_of_control";
    case G::control_detail:
      return "means_of_control_detail";
    case G::recruiter_relation:
      return "recruiter_relation";
    case G::abduction:
      return "abduction";
    case G::none:
      return "";
  }
  return "";
}

std::string_view code_label(FieldKind kind, std::int16_t code) {
  if (kind == K::country) {
    if (code < 0 || static_cast<std::size_t>(code) >= all_countries().size()) {
      throw Error(Error::Kind::internal, "country code out of range");
    }
    return all_countries()[static_cast<std::size_t>(code)].alpha3;
  }
  if (kind == K::year) {
    if (code < 0 || code > 9999) throw Error(Error::Kind::internal, "year out of range");
    return year_labels()[static_cast<std::size_t>(code)];
  }
  const auto labels = labels_of(kind);
  if (code < 0 || static_cast<std::size_t>(code) >= labels.size()) {
    throw Error(Error::Kind::internal, "enumeration code out of range");
  }
  return labels[static_cast<std::size_t>(code)];
}

std::optional<std::int16_t> parse_code_label(FieldKind kind, std::string_view text) {
  if (kind == K::country) {
    if (text.size() != 3) return std::nullopt;
    const auto country = find_country(text);
    if (!country) return std::nullopt;
    return static_cast<std::int16_t>(country->index());
  }
  if (kind == K::year) {
    int year = 0;
    const auto* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, year);
    if (ec != std::errc{} || ptr != end || year < 0 || year > 9999) return std::nullopt;
    return static_cast<std::int16_t>(year);
  }
  const auto labels = labels_of(kind);
  const auto found = std::find(labels.begin(), labels.end(), text);
  if (found == labels.end()) return std::nullopt;
  return static_cast<std::int16_t>(found - labels.begin());
}

bool CaseRecord::informs(FlagGroup group) const {
  // isAbduction is a yes/no variable on its own, where 0 is information.
  if (group == G::abduction) return !is_missing(Field::abduction);
  const auto fields = group_fields(group);
  return std::any_of(fields.begin(), fields.end(), [this](Field field) { return flag(field); });
}

std::span<const Field> merged_means_parts(Field merged) {
  switch (merged) {
    case means_debt_bondage_earnings:
      return kDebtParts;
    case means_threats:
      return kThreatParts;
    case means_abuse:
      return kAbuseParts;
    case means_false_promises:
      return kFalsePromiseParts;
    case means_drugs_alcohol:
      return kDrugParts;
    case means_deny_basic_needs:
      return kBasicNeedsParts;
    case means_excessive_work_hours:
      return kWorkHourParts;
    case means_withhold_documents:
      return kDocumentParts;
    case means_other:
      return kOtherParts;
    default:
      return {};
  }
}

void derive_merged_means(CaseRecord& record) {
  for (const Field merged : kMeans) {
    if (!record.is_missing(merged)) continue;
    bool any_yes = false;
    bool all_known = true;
    for (const Field part : merged_means_parts(merged)) {
      any_yes = any_yes || record.flag(part);
      all_known = all_known && !record.is_missing(part);
    }
    if (any_yes) {
      record.set_code(merged, 1);
    } else if (all_known) {
      record.set_code(merged, 0);
    }
  }
}

}  // namespace vigil
