#include <array>
#include <string>

#include "io/case_csv.hpp"

namespace vigil::io {
namespace {

using enum Field;

struct Column2024 {
  std::string_view name;
  Field field;
};

// Codebook v2024, section 5, in order.
constexpr std::array<Column2024, 27> kColumns2024 = {{
    {"yearOfRegistration", year_of_registration},
    {"gender", gender},
    {"ageBroad", age_band},
    {"citizenship", citizenship},
    {"CountryOfExploitation", country_of_exploitation},
    {"traffickMonths", trafficking_duration},
    {"meansDebtBondageEarnings", means_debt_bondage_earnings},
    {"meansThreats", means_threats},
    {"meansAbusePsyPhySex", means_abuse},
    {"meansFalsePromises", means_false_promises},
    {"meansDrugsAlcohol", means_drugs_alcohol},
    {"meansDenyBasicNeeds", means_deny_basic_needs},
    {"meansExcessiveWorkHours", means_excessive_work_hours},
    {"meansWithholdDocs", means_withhold_documents},
    {"isForcedLabour", forced_labour},
    {"isSexualExploit", sexual_exploitation},
    {"isOtherExploit", other_exploitation},
    {"typeOfLabourAgriculture", labour_agriculture},
    {"typeOfLabourConstruction", labour_construction},
    {"typeOfLabourDomesticWork", labour_domestic_work},
    {"typeOfLabourHospitality", labour_hospitality},
    {"typeOfSexProstitution", sex_prostitution},
    {"typeOfSexPornography", sex_pornography},
    {"recruiterRelationIntimatePartner", recruiter_intimate_partner},
    {"recruiterRelationFriend", recruiter_friend},
    {"recruiterRelationFamily", recruiter_family},
    {"recruiterRelationOther", recruiter_other},
}};

constexpr std::string_view kEmDash = "\xE2\x80\x94";

// "18-20" -> "18—20", as the 2024 codebook writes bands.
std::string with_em_dash(std::string_view label) {
  std::string out;
  for (const char ch : label) {
    if (ch == '-') {
      out += kEmDash;
    } else {
      out += ch;
    }
  }
  return out;
}

std::string text_2024(const CaseRecord& record, Field field) {
  const auto code = record.code(field);
  if (!code) return "";
  const FieldKind kind = field_info(field).kind;
  switch (kind) {
    case FieldKind::flag:
      return *code == 1 ? "1" : "";
    case FieldKind::age_band:
      return with_em_dash(code_label(kind, *code));
    case FieldKind::trafficking_duration: {
      static constexpr std::array<std::string_view, 3> kSuffix = {" (0-1 yr)", " (1-2 yrs)",
                                                                  " (2+ yrs)"};
      return with_em_dash(code_label(kind, *code)) + std::string(kSuffix.at(*code));
    }
    default:
      return std::string(code_label(kind, *code));
  }
}

}  // namespace

void write_ctdc_2024_header(std::ostream& out) {
  std::vector<std::string> names;
  names.reserve(kColumns2024.size());
  for (const auto& column : kColumns2024) names.emplace_back(column.name);
  write_csv_record(out, names);
}

void write_ctdc_2024_record(std::ostream& out, const CaseRecord& record) {
  std::vector<std::string> fields;
  fields.reserve(kColumns2024.size());
  for (const auto& column : kColumns2024) fields.push_back(text_2024(record, column.field));
  write_csv_record(out, fields);
}

}  // namespace vigil::io
