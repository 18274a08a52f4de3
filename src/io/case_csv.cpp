#include "io/case_csv.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <optional>

#include "core/error.hpp"

namespace vigil::io {
namespace {

using enum Field;

// Which layout a column name belongs to; `common` names appear in both CTDC
// layouts and say nothing about which one a file follows.
enum class Origin { common, ctdc_2018, ctdc_2024, htcds };

enum class Action {
  value,          // parse by the field's kind and store
  flag_unstored,  // a 0/1 flag that marks absent information: validate only
  text_unstored,  // a text column restating others: accept as is
  multiselect,    // an HTCDS multi-select picklist filling a group of flags
  identifying,    // a name, birth date, contact: drop unread
};

enum class Picklist { none, control, labour, sex, recruitment };

struct ColumnSpec {
  std::string_view name;
  Origin origin;
  Action action;
  Field field;  // for Action::value
  Picklist picklist = Picklist::none;
};

constexpr Field kNoField = Field::count_;

constexpr ColumnSpec kColumns[] = {
    // Scalars.
    {"yearOfRegistration", Origin::common, Action::value, year_of_registration},
    {"Datasource", Origin::ctdc_2018, Action::value, data_source},
    {"gender", Origin::common, Action::value, gender},
    {"ageBroad", Origin::common, Action::value, age_band},
    {"majorityStatus", Origin::ctdc_2018, Action::value, majority_status},
    {"majorityStatusAtExploit", Origin::ctdc_2018, Action::value, majority_status_at_exploit},
    {"majorityEntry", Origin::ctdc_2018, Action::value, majority_entry},
    {"citizenship", Origin::common, Action::value, citizenship},
    {"CountryOfExploitation", Origin::common, Action::value, country_of_exploitation},
    {"traffickMonths", Origin::ctdc_2024, Action::value, trafficking_duration},
    // Means of control, 2018.
    {"meansOfControlDebtBondage", Origin::ctdc_2018, Action::value, control_debt_bondage},
    {"meansOfControlTakesEarnings", Origin::ctdc_2018, Action::value, control_takes_earnings},
    {"meansOfControlRestrictsFinancialAccess", Origin::ctdc_2018, Action::value,
     control_restricts_financial_access},
    {"meansOfControlThreats", Origin::ctdc_2018, Action::value, control_threats},
    {"meansOfControlPsychologicalAbuse", Origin::ctdc_2018, Action::value,
     control_psychological_abuse},
    {"meansOfControlPhysicalAbuse", Origin::ctdc_2018, Action::value, control_physical_abuse},
    {"meansOfControlSexualAbuse", Origin::ctdc_2018, Action::value, control_sexual_abuse},
    {"meansOfControlFalsePromises", Origin::ctdc_2018, Action::value, control_false_promises},
    {"meansOfControlPsychoactiveSubstances", Origin::ctdc_2018, Action::value,
     control_psychoactive_substances},
    {"meansOfControlRestrictsMovement", Origin::ctdc_2018, Action::value,
     control_restricts_movement},
    {"meansOfControlRestrictsMedicalCare", Origin::ctdc_2018, Action::value,
     control_restricts_medical_care},
    {"meansOfControlExcessiveWorkingHours", Origin::ctdc_2018, Action::value,
     control_excessive_working_hours},
    {"meansOfControlUsesChildren", Origin::ctdc_2018, Action::value, control_uses_children},
    {"meansOfControlThreatOfLawEnforcement", Origin::ctdc_2018, Action::value,
     control_threat_of_law_enforcement},
    {"meansOfControlWithholdsNecessities", Origin::ctdc_2018, Action::value,
     control_withholds_necessities},
    {"meansOfControlWithholdsDocuments", Origin::ctdc_2018, Action::value,
     control_withholds_documents},
    {"meansOfControlOther", Origin::common, Action::value, control_other},
    {"meansOfControlNotSpecified", Origin::ctdc_2018, Action::flag_unstored, kNoField},
    {"meansOfControlConcatenated", Origin::ctdc_2018, Action::text_unstored, kNoField},
    // Means of control, 2024 merged.
    {"meansDebtBondageEarnings", Origin::ctdc_2024, Action::value, means_debt_bondage_earnings},
    {"meansThreats", Origin::ctdc_2024, Action::value, means_threats},
    {"meansAbusePsyPhySex", Origin::ctdc_2024, Action::value, means_abuse},
    {"meansFalsePromises", Origin::ctdc_2024, Action::value, means_false_promises},
    {"meansDrugsAlcohol", Origin::ctdc_2024, Action::value, means_drugs_alcohol},
    {"meansDenyBasicNeeds", Origin::ctdc_2024, Action::value, means_deny_basic_needs},
    {"meansExcessiveWorkHours", Origin::ctdc_2024, Action::value, means_excessive_work_hours},
    // The codebook lists the variable as meansWithholdDocs and describes it
    // as meansWithholdDocuments: accept both spellings.
    {"meansWithholdDocs", Origin::ctdc_2024, Action::value, means_withhold_documents},
    {"meansWithholdDocuments", Origin::ctdc_2024, Action::value, means_withhold_documents},
    // Type of exploitation.
    {"isForcedLabour", Origin::common, Action::value, forced_labour},
    {"isSexualExploit", Origin::common, Action::value, sexual_exploitation},
    {"isOtherExploit", Origin::common, Action::value, other_exploitation},
    {"isSexAndLabour", Origin::ctdc_2018, Action::value, sex_and_labour},
    {"isForcedMarriage", Origin::ctdc_2018, Action::value, forced_marriage},
    {"isForcedMilitary", Origin::ctdc_2018, Action::value, forced_military},
    {"isOrganRemoval", Origin::ctdc_2018, Action::value, organ_removal},
    {"isSlaveryAndPractices", Origin::ctdc_2018, Action::value, slavery_and_practices},
    {"typeOfExploitConcatenated", Origin::ctdc_2018, Action::text_unstored, kNoField},
    // Type of labour.
    {"typeOfLabourAgriculture", Origin::common, Action::value, labour_agriculture},
    {"typeOfLabourAquafarming", Origin::ctdc_2018, Action::value, labour_aquafarming},
    {"typeOfLabourBegging", Origin::ctdc_2018, Action::value, labour_begging},
    {"typeOfLabourConstruction", Origin::common, Action::value, labour_construction},
    {"typeOfLabourDomesticWork", Origin::common, Action::value, labour_domestic_work},
    {"typeOfLabourHospitality", Origin::common, Action::value, labour_hospitality},
    {"typeOfLabourIllicitActivities", Origin::ctdc_2018, Action::value, labour_illicit_activities},
    {"typeOfLabourManufacturing", Origin::ctdc_2018, Action::value, labour_manufacturing},
    {"typeOfLabourMiningOrDrilling", Origin::ctdc_2018, Action::value, labour_mining_or_drilling},
    {"typeOfLabourPeddling", Origin::ctdc_2018, Action::value, labour_peddling},
    {"typeOfLabourTransportation", Origin::ctdc_2018, Action::value, labour_transportation},
    {"typeOfLabourOther", Origin::common, Action::value, labour_other},
    {"typeOfLabourNotSpecified", Origin::ctdc_2018, Action::flag_unstored, kNoField},
    {"typeOfLabourConcatenated", Origin::ctdc_2018, Action::text_unstored, kNoField},
    // Type of sexual exploitation.
    {"typeOfSexProstitution", Origin::common, Action::value, sex_prostitution},
    {"typeOfSexPornography", Origin::common, Action::value, sex_pornography},
    {"typeOfSexRemoteInteractiveServices", Origin::ctdc_2018, Action::value,
     sex_remote_interactive_services},
    {"typeOfSexPrivateSexualServices", Origin::ctdc_2018, Action::value,
     sex_private_sexual_services},
    {"typeOfSexOther", Origin::common, Action::value, sex_other},
    {"typeOfSexConcatenated", Origin::ctdc_2018, Action::text_unstored, kNoField},
    // Recruitment.
    {"isAbduction", Origin::ctdc_2018, Action::value, abduction},
    {"RecruiterRelationship", Origin::ctdc_2018, Action::text_unstored, kNoField},
    {"recruiterRelationIntimatePartner", Origin::common, Action::value, recruiter_intimate_partner},
    {"recruiterRelationFriend", Origin::common, Action::value, recruiter_friend},
    {"recruiterRelationFamily", Origin::common, Action::value, recruiter_family},
    {"recruiterRelationOther", Origin::common, Action::value, recruiter_other},
    {"recruiterRelationUnknown", Origin::ctdc_2018, Action::flag_unstored, kNoField},
    // HTCDS names (matched with or without their table prefix).
    {"Nationality", Origin::htcds, Action::value, citizenship},
    {"MethodsOfControl", Origin::htcds, Action::multiselect, kNoField, Picklist::control},
    {"TypeOfLabourExploitation", Origin::htcds, Action::multiselect, kNoField, Picklist::labour},
    {"TypeOfSexExploitation", Origin::htcds, Action::multiselect, kNoField, Picklist::sex},
    {"MethodOfRecruitment", Origin::htcds, Action::multiselect, kNoField, Picklist::recruitment},
    // Identifying fields: dropped unread, whatever the layout.
    {"Salutation", Origin::htcds, Action::identifying, kNoField},
    {"FirstName", Origin::htcds, Action::identifying, kNoField},
    {"MiddleName", Origin::htcds, Action::identifying, kNoField},
    {"SecondName", Origin::htcds, Action::identifying, kNoField},
    {"LastName", Origin::htcds, Action::identifying, kNoField},
    {"Surname", Origin::htcds, Action::identifying, kNoField},
    {"FullName", Origin::htcds, Action::identifying, kNoField},
    {"Name", Origin::htcds, Action::identifying, kNoField},
    {"Birthdate", Origin::htcds, Action::identifying, kNoField},
    {"DateOfBirth", Origin::htcds, Action::identifying, kNoField},
    {"Email", Origin::htcds, Action::identifying, kNoField},
    {"Phone", Origin::htcds, Action::identifying, kNoField},
    {"HomePhone", Origin::htcds, Action::identifying, kNoField},
    {"MobilePhone", Origin::htcds, Action::identifying, kNoField},
    {"MailingStreet", Origin::htcds, Action::identifying, kNoField},
    {"MailingCity", Origin::htcds, Action::identifying, kNoField},
    {"MailingState", Origin::htcds, Action::identifying, kNoField},
    {"MailingPostalCode", Origin::htcds, Action::identifying, kNoField},
    {"MailingCountry", Origin::htcds, Action::identifying, kNoField},
    {"MailingLatitude", Origin::htcds, Action::identifying, kNoField},
    {"MailingLongitude", Origin::htcds, Action::identifying, kNoField},
    {"PassportNumber", Origin::htcds, Action::identifying, kNoField},
    {"DocumentNumber", Origin::htcds, Action::identifying, kNoField},
};

// HTCDS picklist value names (HTCDS Field Reference, "Person Victim Context").
struct PicklistValue {
  std::string_view name;
  Field field;  // kNoField: a valid value that sets no flag
};

constexpr PicklistValue kControlValues[] = {
    {"DebtBondage", control_debt_bondage},
    {"TakesEarnings", control_takes_earnings},
    {"RestrictsFinancialAccess", control_restricts_financial_access},
    {"Threats", control_threats},
    {"PsychologicalAbuse", control_psychological_abuse},
    {"PhysicalAbuse", control_physical_abuse},
    {"SexualAbuse", control_sexual_abuse},
    {"FalsePromises", control_false_promises},
    {"PsychoactiveSubstances", control_psychoactive_substances},
    {"RestrictsMovement", control_restricts_movement},
    {"RestrictsMedicalCare", control_restricts_medical_care},
    {"ExcessiveWorkingHours", control_excessive_working_hours},
    {"UsesChildren", control_uses_children},
    {"ThreatOfLawEnforcement", control_threat_of_law_enforcement},
    {"WithholdsNecessities", control_withholds_necessities},
    {"WithholdsDocuments", control_withholds_documents},
    {"Other", control_other},
};
constexpr PicklistValue kLabourValues[] = {
    {"Agriculture", labour_agriculture},
    {"Aquafarming", labour_aquafarming},
    {"Begging", labour_begging},
    {"Construction", labour_construction},
    {"DomesticWork", labour_domestic_work},
    {"Hospitality", labour_hospitality},
    {"IllicitActivities", labour_illicit_activities},
    {"Manufacturing", labour_manufacturing},
    {"MiningOrDrilling", labour_mining_or_drilling},
    {"Peddling", labour_peddling},
    {"Transportation", labour_transportation},
    {"Other", labour_other},
};
constexpr PicklistValue kSexValues[] = {
    {"Prostitution", sex_prostitution},
    {"Pornography", sex_pornography},
    {"RemoteInteractiveServices", sex_remote_interactive_services},
    {"PrivateSexualServices", sex_private_sexual_services},
    {"Other", sex_other},
};
constexpr PicklistValue kRecruitmentValues[] = {
    {"Abduction", abduction},
    {"Educational Facility", kNoField},
    {"Familial", kNoField},
    {"Internet (social media, online advertisement)", kNoField},
    {"International Marriage Broker (IMB)", kNoField},
    {"Intimate partner/marriage proposition", kNoField},
    {"Job offer/advertisement", kNoField},
    {"Posing as Benefactor", kNoField},
    {"Public Area", kNoField},
    {"Offer of Accommodation", kNoField},
    {"Shelter", kNoField},
    {"Smuggling, ransom", kNoField},
    {"Work", kNoField},
    {"Other", kNoField},
};

std::span<const PicklistValue> picklist_values(Picklist picklist) {
  switch (picklist) {
    case Picklist::control:
      return kControlValues;
    case Picklist::labour:
      return kLabourValues;
    case Picklist::sex:
      return kSexValues;
    case Picklist::recruitment:
      return kRecruitmentValues;
    case Picklist::none:
      return {};
  }
  return {};
}

std::string_view picklist_expectation(Picklist picklist) {
  switch (picklist) {
    case Picklist::control:
      return "HTCDS MethodsOfControl value names (DebtBondage, Threats, ...)";
    case Picklist::labour:
      return "HTCDS TypeOfLabourExploitation value names (Agriculture, Construction, ...)";
    case Picklist::sex:
      return "HTCDS TypeOfSexExploitation value names (Prostitution, Pornography, ...)";
    case Picklist::recruitment:
      return "HTCDS MethodOfRecruitment values (Abduction, Job offer/advertisement, ...)";
    case Picklist::none:
      return "";
  }
  return "";
}

char lower(char ch) {
  return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch + 32) : ch;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

bool istarts_with(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() && iequals(text.substr(0, prefix.size()), prefix);
}

std::string_view trim(std::string_view text) {
  const auto is_space = [](char ch) { return ch == ' ' || ch == '\t'; };
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool is_missing_token(std::string_view value) {
  return value.empty() || value == "-99" || iequals(value, "NULL") || value == "NA";
}

// Age bands and durations are written "18--20" (2018), "18—20" or "18–20"
// (2024 codebook) or "18-20": fold every dash form to one hyphen.
std::string fold_dashes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    if (text.compare(pos, 3, "\xE2\x80\x94") == 0 || text.compare(pos, 3, "\xE2\x80\x93") == 0) {
      out += '-';
      pos += 3;
    } else if (text[pos] == '-') {
      out += '-';
      while (pos < text.size() && text[pos] == '-') ++pos;
    } else {
      out += text[pos++];
    }
  }
  return out;
}

const ColumnSpec* find_spec(std::string_view header, Origin& origin_hint) {
  std::string_view name = trim(header);
  for (const std::string_view prefix : {"prs_", "vic_", "cas_", "hte_"}) {
    if (istarts_with(name, prefix)) {
      name.remove_prefix(prefix.size());
      origin_hint = Origin::htcds;
      break;
    }
  }
  for (const auto& spec : kColumns) {
    if (iequals(spec.name, name)) return &spec;
  }
  // Exports that cut names (Stata, SAS and some spreadsheets stop at 32
  // characters): accept a long enough name that is the prefix of exactly one
  // known name.
  constexpr std::size_t kMinCutLength = 24;
  if (name.size() < kMinCutLength) return nullptr;
  const ColumnSpec* match = nullptr;
  for (const auto& spec : kColumns) {
    if (spec.name.size() > name.size() && istarts_with(spec.name, name)) {
      if (match != nullptr) return nullptr;  // ambiguous
      match = &spec;
    }
  }
  return match;
}

}  // namespace

bool is_identifying_column(std::string_view header) {
  Origin hint = Origin::common;
  if (const ColumnSpec* spec = find_spec(header, hint)) return spec->action == Action::identifying;
  // Other spellings of the same fields (snake_case as in agencies' lists
  // for `vigil link`, spaces, hyphens), and identifiers the layouts above
  // do not name: a patronymic, an address, a national identity number
  // (Kazakhstan's IIN, ИИН).
  std::string folded;
  for (const char c : trim(header)) {
    if (c == '_' || c == ' ' || c == '-' || c == '.') continue;
    folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static constexpr std::string_view kNames[] = {"salutation",
                                                "firstname",
                                                "givenname",
                                                "middlename",
                                                "secondname",
                                                "lastname",
                                                "surname",
                                                "familyname",
                                                "fullname",
                                                "name",
                                                "patronymic",
                                                "birthdate",
                                                "dateofbirth",
                                                "dob",
                                                "email",
                                                "phone",
                                                "phonenumber",
                                                "telephone",
                                                "homephone",
                                                "mobilephone",
                                                "address",
                                                "passportnumber",
                                                "documentnumber",
                                                "idnumber",
                                                "nationalid",
                                                "iin",
                                                "иин",
                                                "ИИН"};
  for (const auto name : kNames) {
    if (folded == name) return true;
  }
  return false;
}

namespace {

struct Column {
  const ColumnSpec* spec = nullptr;  // nullptr: ignored
  std::size_t index = 0;
};

}  // namespace

std::string_view layout_name(CaseLayout layout) {
  switch (layout) {
    case CaseLayout::ctdc_2018:
      return "ctdc-2018";
    case CaseLayout::ctdc_2024:
      return "ctdc-2024";
    case CaseLayout::htcds:
      return "htcds";
  }
  return "";
}

struct CaseCsvReader::State {
  CsvReader csv;
  std::string source;
  CaseLayout layout = CaseLayout::ctdc_2024;
  std::size_t header_width = 0;
  std::vector<Column> columns;  // only the columns that are read
  std::vector<std::string> ignored;
  std::vector<std::string> identifying;
  std::vector<Field> mapped;
  std::vector<std::string> fields;
  bool has_fine_control = false;

  State(std::istream& in, std::string source_name, CsvOptions options)
      : csv(in, source_name, options), source(std::move(source_name)) {}

  SourcePosition where(std::size_t column_index) const {
    return {source, csv.record_line(), column_index + 1};
  }

  void read_header();
  void parse_value(CaseRecord& record, const Column& column, std::string_view value) const;
  void parse_flag(CaseRecord& record, Field field, const Column& column,
                  std::string_view value) const;
  void parse_picklist(CaseRecord& record, const Column& column, std::string_view value) const;
};

void CaseCsvReader::State::read_header() {
  if (!csv.next(fields)) {
    throw input_error({source, 1, 0},
                      "the file is empty; expected a header line of CTDC or "
                      "HTCDS column names");
  }
  header_width = fields.size();
  std::array<int, 4> origin_votes{};
  std::array<std::size_t, kFieldCount + 1> field_column{};
  field_column.fill(SIZE_MAX);
  std::array<std::size_t, static_cast<std::size_t>(Picklist::recruitment) + 1> picklist_column{};
  picklist_column.fill(SIZE_MAX);

  for (std::size_t index = 0; index < fields.size(); ++index) {
    Origin hint = Origin::common;
    const ColumnSpec* spec = find_spec(fields[index], hint);
    if (spec == nullptr) {
      ignored.emplace_back(trim(fields[index]));
      continue;
    }
    const Origin origin = hint == Origin::htcds ? Origin::htcds : spec->origin;
    ++origin_votes[static_cast<std::size_t>(origin)];
    if (spec->action == Action::identifying) {
      identifying.emplace_back(trim(fields[index]));
      continue;
    }
    // What the column fills: a field, or a picklist and the flags it sets
    // (so that a flag column of the group beside the picklist, as
    // meansOfControlDebtBondage beside MethodsOfControl, is refused too).
    std::vector<std::size_t*> slots;
    if (spec->action == Action::value) {
      slots.push_back(&field_column[static_cast<std::size_t>(spec->field)]);
    } else if (spec->action == Action::multiselect) {
      slots.push_back(&picklist_column[static_cast<std::size_t>(spec->picklist)]);
      for (const auto& value : picklist_values(spec->picklist)) {
        if (value.field != kNoField) {
          slots.push_back(&field_column[static_cast<std::size_t>(value.field)]);
        }
      }
    }
    for (std::size_t* seen : slots) {
      if (*seen != SIZE_MAX) {
        throw input_error({source, 1, index + 1},
                          fmt::format("column \"{}\" names the same variable as column {} "
                                      "(\"{}\"); expected each variable once",
                                      trim(fields[index]), *seen + 1, trim(fields[*seen])));
      }
      *seen = index;
    }
    if (spec->action == Action::value) mapped.push_back(spec->field);
    if (spec->action == Action::multiselect) {
      for (const auto& value : picklist_values(spec->picklist)) {
        if (value.field != kNoField &&
            std::find(mapped.begin(), mapped.end(), value.field) == mapped.end()) {
          mapped.push_back(value.field);
        }
      }
    }
    columns.push_back({spec, index});
  }
  if (columns.empty()) {
    throw input_error({source, 1, 0},
                      "no CTDC or HTCDS column found in the header; expected names such as "
                      "yearOfRegistration, gender, ageBroad, citizenship, CountryOfExploitation");
  }
  for (const Field field : mapped) {
    if (field_info(field).group == FlagGroup::control_detail) has_fine_control = true;
  }
  const auto votes = [&](Origin origin) { return origin_votes[static_cast<std::size_t>(origin)]; };
  if (votes(Origin::htcds) > votes(Origin::ctdc_2018) &&
      votes(Origin::htcds) > votes(Origin::ctdc_2024)) {
    layout = CaseLayout::htcds;
  } else if (votes(Origin::ctdc_2018) > votes(Origin::ctdc_2024)) {
    layout = CaseLayout::ctdc_2018;
  } else {
    layout = CaseLayout::ctdc_2024;
  }
}

void CaseCsvReader::State::parse_flag(CaseRecord& record, Field field, const Column& column,
                                      std::string_view value) const {
  if (is_missing_token(value)) {
    record.set_code(field, std::nullopt);
  } else if (value == "1" || value == "1.0" || iequals(value, "true")) {
    record.set_code(field, 1);
  } else if (value == "0" || value == "0.0" || iequals(value, "false")) {
    record.set_code(field, 0);
  } else {
    throw input_error(where(column.index), "0 or 1 (or empty, -99, NULL for missing)", value);
  }
}

void CaseCsvReader::State::parse_picklist(CaseRecord& record, const Column& column,
                                          std::string_view value) const {
  const auto values = picklist_values(column.spec->picklist);
  if (is_missing_token(value) || iequals(value, "Unknown")) return;
  // Information on the group: every flag it can set is known, and 0 unless listed.
  for (const auto& item : values) {
    if (item.field != kNoField) record.set_code(item.field, 0);
  }
  while (!value.empty()) {
    const auto cut = value.find_first_of(";|");
    const std::string_view item_text = trim(value.substr(0, cut));
    value = cut == std::string_view::npos ? std::string_view{} : value.substr(cut + 1);
    if (item_text.empty() || iequals(item_text, "Unknown")) continue;
    const auto found = std::find_if(values.begin(), values.end(), [&](const auto& item) {
      return iequals(item.name, item_text);
    });
    if (found == values.end()) {
      throw input_error(where(column.index), picklist_expectation(column.spec->picklist),
                        item_text);
    }
    if (found->field != kNoField) record.set_code(found->field, 1);
  }
}

void CaseCsvReader::State::parse_value(CaseRecord& record, const Column& column,
                                       std::string_view raw) const {
  const std::string_view value = trim(raw);
  const ColumnSpec& spec = *column.spec;
  if (spec.action == Action::text_unstored) return;
  if (spec.action == Action::flag_unstored) {
    CaseRecord scratch;
    parse_flag(scratch, Field::forced_labour, column, value);
    return;
  }
  if (spec.action == Action::multiselect) {
    parse_picklist(record, column, value);
    return;
  }
  const Field field = spec.field;
  const FieldKind kind = field_info(field).kind;
  if (kind == FieldKind::flag) {
    parse_flag(record, field, column, value);
    return;
  }
  // "NA" is R's missing value, but in a country column it is Namibia's
  // alpha-2 code: the CTDC layouts write missing countries as -99 or empty.
  const bool namibia = kind == FieldKind::country && value == "NA";
  if (is_missing_token(value) && !namibia) {
    record.set_code(field, std::nullopt);
    return;
  }
  switch (kind) {
    case FieldKind::year: {
      std::string_view digits = value;
      if (digits.size() > 2 && digits.substr(digits.size() - 2) == ".0") {
        digits.remove_suffix(2);  // spreadsheets write years as 2019.0
      }
      int year = 0;
      const auto* const end = digits.data() + digits.size();
      const auto [ptr, ec] = std::from_chars(digits.data(), end, year);
      if (ec != std::errc{} || ptr != end || year < 1990 || year > 2100) {
        throw input_error(where(column.index), "a year from 1990 to 2100", value);
      }
      record.set_code(field, static_cast<std::int16_t>(year));
      return;
    }
    case FieldKind::country: {
      const auto country = find_country(value);
      if (!country) {
        throw input_error(where(column.index), "an ISO 3166-1 alpha-2 or alpha-3 country code",
                          value);
      }
      record.set_code(field, static_cast<std::int16_t>(country->index()));
      return;
    }
    case FieldKind::gender: {
      std::optional<Gender> gender;
      if (iequals(value, "Female") || iequals(value, "Woman")) {
        gender = Gender::woman;
      } else if (iequals(value, "Male") || iequals(value, "Man")) {
        gender = Gender::man;
      } else if (iequals(value, "Trans/Transgender/NonConforming") ||
                 iequals(value, "Transgender/NonConforming") || iequals(value, "Transgender") ||
                 iequals(value, "NonConforming")) {
        gender = Gender::trans_nonconforming;
      } else if (iequals(value, "Unknown")) {
        record.set_code(field, std::nullopt);
        return;
      } else {
        throw input_error(where(column.index),
                          "a gender (Woman/Female, Man/Male, Trans/Transgender/NonConforming)",
                          value);
      }
      record.set_code(field, static_cast<std::int16_t>(*gender));
      return;
    }
    case FieldKind::age_band: {
      const auto code = parse_code_label(kind, fold_dashes(value));
      if (!code) {
        throw input_error(where(column.index),
                          "an age band (0--8, 9--17, 18--20, 21--23, 24--26, 27--29, 30--38, "
                          "39--47, 48+)",
                          value);
      }
      record.set_code(field, code);
      return;
    }
    case FieldKind::trafficking_duration: {
      // "0--12 (0-1 yr)": the band is what precedes the parenthesis.
      const std::string_view band = trim(value.substr(0, value.find('(')));
      const auto code = parse_code_label(kind, fold_dashes(band));
      if (!code) {
        throw input_error(where(column.index), "a duration band (0--12, 13--24, 25+)", value);
      }
      record.set_code(field, code);
      return;
    }
    case FieldKind::majority_status:
    case FieldKind::data_source: {
      std::optional<std::int16_t> code;
      for (std::int16_t candidate = 0; candidate < 2; ++candidate) {
        if (iequals(value, code_label(kind, candidate))) code = candidate;
      }
      if (!code) {
        throw input_error(
            where(column.index),
            kind == FieldKind::data_source ? "Case Management or Hotline" : "Adult or Minor",
            value);
      }
      record.set_code(field, code);
      return;
    }
    case FieldKind::flag:
      break;  // handled above
  }
}

CaseCsvReader::CaseCsvReader(std::istream& in, std::string source_name, CsvOptions options)
    : state_(std::make_unique<State>(in, std::move(source_name), options)) {
  state_->read_header();
}

CaseCsvReader::~CaseCsvReader() = default;

bool CaseCsvReader::next(CaseRecord& record) {
  auto& state = *state_;
  if (!state.csv.next(state.fields)) return false;
  if (state.fields.size() != state.header_width) {
    throw input_error({state.source, state.csv.record_line(), 0},
                      fmt::format("expected {} fields as in the header, got {}", state.header_width,
                                  state.fields.size()));
  }
  record = CaseRecord{};
  for (const auto& column : state.columns) {
    state.parse_value(record, column, state.fields[column.index]);
  }
  if (state.has_fine_control) derive_merged_means(record);
  return true;
}

CaseLayout CaseCsvReader::layout() const noexcept {
  return state_->layout;
}
char CaseCsvReader::delimiter() const noexcept {
  return state_->csv.delimiter();
}
std::size_t CaseCsvReader::record_line() const noexcept {
  return state_->csv.record_line();
}
std::uint64_t CaseCsvReader::bytes_read() const noexcept {
  return state_->csv.bytes_read();
}
const std::vector<std::string>& CaseCsvReader::ignored_columns() const noexcept {
  return state_->ignored;
}
const std::vector<std::string>& CaseCsvReader::identifying_columns() const noexcept {
  return state_->identifying;
}
const std::vector<Field>& CaseCsvReader::mapped_fields() const noexcept {
  return state_->mapped;
}

}  // namespace vigil::io
