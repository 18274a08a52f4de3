#include "io/case_csv.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::io {
namespace {

std::vector<CaseRecord> read_all(const std::string& text, CaseLayout* layout = nullptr) {
  std::istringstream in(text);
  CaseCsvReader reader(in, "cases.csv");
  if (layout != nullptr) *layout = reader.layout();
  std::vector<CaseRecord> records;
  CaseRecord record;
  while (reader.next(record)) records.push_back(record);
  return records;
}

// The message of the error that reading `text` throws, or "" if none.
std::string error_of(const std::string& text) {
  try {
    read_all(text);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::input);
    return error.what();
  }
  return "";
}

std::int16_t country_index(const char* code) {
  return static_cast<std::int16_t>(find_country(code)->index());
}

constexpr const char* k2024Header =
    "yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation,traffickMonths,"
    "meansDebtBondageEarnings,meansThreats,meansAbusePsyPhySex,meansFalsePromises,"
    "meansDrugsAlcohol,meansDenyBasicNeeds,meansExcessiveWorkHours,meansWithholdDocs,"
    "isForcedLabour,isSexualExploit,isOtherExploit,typeOfLabourAgriculture,"
    "typeOfLabourConstruction,typeOfLabourDomesticWork,typeOfLabourHospitality,"
    "typeOfSexProstitution,typeOfSexPornography,recruiterRelationIntimatePartner,"
    "recruiterRelationFriend,recruiterRelationFamily,recruiterRelationOther\n";

TEST(CaseCsv, Reads2024SyntheticLayoutWithEmDashesAndNull) {
  const std::string text = std::string(k2024Header) +
                           "2019,Woman,18\xE2\x80\x94"
                           "20,UZB,KAZ,13\xE2\x80\x94"
                           "24 (1-2 yrs),"
                           "1,,,,,,,,1,,,,1,,,,,,,1,\n"
                           "2020,NULL,,,,,,,,,,,,,,,,,,,,,,,,,\n";
  CaseLayout layout{};
  const auto records = read_all(text, &layout);
  EXPECT_EQ(layout, CaseLayout::ctdc_2024);
  ASSERT_EQ(records.size(), 2U);
  const auto& first = records[0];
  EXPECT_EQ(first.year(), 2019);
  EXPECT_EQ(first.get<Gender>(Field::gender), Gender::woman);
  EXPECT_EQ(first.get<AgeBand>(Field::age_band), AgeBand::age_18_20);
  EXPECT_EQ(first.code(Field::citizenship), country_index("UZ"));
  EXPECT_EQ(first.code(Field::country_of_exploitation), country_index("KZ"));
  EXPECT_EQ(first.get<TraffickingDuration>(Field::trafficking_duration),
            TraffickingDuration::months_13_24);
  EXPECT_TRUE(first.flag(Field::means_debt_bondage_earnings));
  EXPECT_TRUE(first.is_missing(Field::means_threats));
  EXPECT_TRUE(first.flag(Field::forced_labour));
  EXPECT_TRUE(first.flag(Field::labour_construction));
  EXPECT_TRUE(first.flag(Field::recruiter_family));
  EXPECT_TRUE(first.is_missing(Field::control_debt_bondage));  // not in this layout
  const auto& second = records[1];
  EXPECT_EQ(second.year(), 2020);
  for (const auto& info : case_fields()) {
    if (info.field != Field::year_of_registration) {
      EXPECT_TRUE(second.is_missing(info.field)) << info.name;
    }
  }
}

TEST(CaseCsv, Reads2018LayoutAndDerivesMergedMeans) {
  const std::string text =
      "yearOfRegistration,Datasource,gender,ageBroad,majorityStatus,citizenship,"
      "CountryOfExploitation,meansOfControlDebtBondage,meansOfControlTakesEarnings,"
      "meansOfControlThreats,meansOfControlUsesChildren,meansOfControlThreatOfLawEnforcement,"
      "meansOfControlNotSpecified,meansOfControlConcatenated,isAbduction,RecruiterRelationship\n"
      "2016,Case Management,Female,9--17,Minor,KG,KZ,0,1,0,0,0,0,Takes earnings,0,Friend\n"
      "2017,Hotline,Male,48+,Adult,-99,RU,-99,-99,-99,-99,-99,1,,-99,\n";
  CaseLayout layout{};
  const auto records = read_all(text, &layout);
  EXPECT_EQ(layout, CaseLayout::ctdc_2018);
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].get<DataSource>(Field::data_source), DataSource::case_management);
  EXPECT_EQ(records[0].get<AgeBand>(Field::age_band), AgeBand::age_9_17);
  EXPECT_EQ(records[0].get<MajorityStatus>(Field::majority_status), MajorityStatus::minor);
  EXPECT_EQ(records[0].code(Field::means_debt_bondage_earnings), 1);
  EXPECT_EQ(records[0].code(Field::means_threats), 0);
  EXPECT_EQ(records[0].code(Field::abduction), 0);
  EXPECT_EQ(records[1].get<Gender>(Field::gender), Gender::man);
  EXPECT_FALSE(records[1].citizenship());
  EXPECT_TRUE(records[1].is_missing(Field::means_debt_bondage_earnings));
  EXPECT_TRUE(records[1].is_missing(Field::abduction));
}

TEST(CaseCsv, ReadsSemicolonFilesWithNamesCutAt32Characters) {
  // As the k-anonymised exports: ';' separator, CRLF, names cut at 32.
  const std::string text =
      "yearOfRegistration;citizenship;CountryOfExploitation;meansOfControlPsychoactiveSubsta;"
      "meansOfControlThreatOfLawEnforce;meansOfControlRestrictsFinancial\r\n"
      "2012;UZ;KZ;1;0;-99\r\n";
  CaseLayout layout{};
  const auto records = read_all(text, &layout);
  EXPECT_EQ(layout, CaseLayout::ctdc_2018);
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].code(Field::control_psychoactive_substances), 1);
  EXPECT_EQ(records[0].code(Field::control_threat_of_law_enforcement), 0);
  EXPECT_TRUE(records[0].is_missing(Field::control_restricts_financial_access));
  EXPECT_EQ(records[0].code(Field::means_drugs_alcohol), 1);
}

TEST(CaseCsv, ReadsHtcdsNamesAndPicklistsAndDropsIdentifyingColumns) {
  const std::string text =
      "prs_FirstName,prs_SecondName,prs_Birthdate,prs_Gender,prs_Nationality,"
      "CountryOfExploitation,vic_MethodsOfControl,vic_TypeOfLabourExploitation,"
      "vic_MethodOfRecruitment,favourite_colour\n"
      "\xD0\x9A\xD0\xB0\xD0\xB9\xD1\x80\xD0\xB0\xD1\x82,Abilov,1990-01-02,Female,UZ,KZ,"
      "\"DebtBondage;Threats\",Construction|DomesticWork,Abduction,blue\n"
      "X,Y,not-a-date,Unknown,,,,,\"Job offer/advertisement\",\n";
  std::istringstream in(text);
  CaseCsvReader reader(in, "htcds.csv");
  EXPECT_EQ(reader.layout(), CaseLayout::htcds);
  EXPECT_EQ(reader.identifying_columns(),
            (std::vector<std::string>{"prs_FirstName", "prs_SecondName", "prs_Birthdate"}));
  EXPECT_EQ(reader.ignored_columns(), std::vector<std::string>{"favourite_colour"});
  CaseRecord record;
  ASSERT_TRUE(reader.next(record));
  EXPECT_EQ(record.get<Gender>(Field::gender), Gender::woman);
  EXPECT_EQ(record.code(Field::citizenship), country_index("UZB"));
  EXPECT_EQ(record.code(Field::control_debt_bondage), 1);
  EXPECT_EQ(record.code(Field::control_threats), 1);
  EXPECT_EQ(record.code(Field::control_physical_abuse), 0);
  EXPECT_EQ(record.code(Field::means_debt_bondage_earnings), 1);
  EXPECT_EQ(record.code(Field::means_abuse), 0);
  EXPECT_EQ(record.code(Field::labour_construction), 1);
  EXPECT_EQ(record.code(Field::labour_domestic_work), 1);
  EXPECT_EQ(record.code(Field::labour_agriculture), 0);
  EXPECT_EQ(record.code(Field::abduction), 1);
  ASSERT_TRUE(reader.next(record));
  EXPECT_TRUE(record.is_missing(Field::gender));
  EXPECT_TRUE(record.is_missing(Field::control_threats));
  EXPECT_EQ(record.code(Field::abduction), 0);
  EXPECT_FALSE(reader.next(record));
}

TEST(CaseCsv, AcceptsSpreadsheetSpellings) {
  const std::string text =
      "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour,isSexualExploit\n"
      "2019.0,female,18-20,kaz,TRUE,false\n"
      " 2018 , Man ,21\xE2\x80\x93"
      "23,NULL,1.0,0.0\n";
  const auto records = read_all(text);
  ASSERT_EQ(records.size(), 2U);
  EXPECT_EQ(records[0].year(), 2019);
  EXPECT_EQ(records[0].get<Gender>(Field::gender), Gender::woman);
  EXPECT_EQ(records[0].code(Field::citizenship), country_index("KZ"));
  EXPECT_EQ(records[0].code(Field::forced_labour), 1);
  EXPECT_EQ(records[0].code(Field::sexual_exploitation), 0);
  EXPECT_EQ(records[1].year(), 2018);
  EXPECT_EQ(records[1].get<AgeBand>(Field::age_band), AgeBand::age_21_23);
  EXPECT_FALSE(records[1].citizenship());
}

// In a country column "NA" is Namibia (alpha-2), not R's missing value.
TEST(CaseCsv, NaInACountryColumnIsNamibia) {
  const auto records = read_all("citizenship,CountryOfExploitation,gender\nNA,-99,NA\n");
  ASSERT_EQ(records.size(), 1U);
  EXPECT_EQ(records[0].citizenship()->alpha3(), "NAM");
  EXPECT_FALSE(records[0].country_of_exploitation());
  EXPECT_TRUE(records[0].is_missing(Field::gender));
}

// Every validation error, with its exact message.
TEST(CaseCsv, ValidationErrorsNameFileLineColumnExpectedAndGot) {
  const std::string header = "yearOfRegistration,gender,ageBroad,citizenship,isForcedLabour\n";
  EXPECT_EQ(error_of(header + "2019,Woman,18--20,KZ,1\n1899,Woman,18--20,KZ,1\n"),
            "cases.csv:3:1: expected a year from 1990 to 2100, got \"1899\"");
  EXPECT_EQ(error_of(header + "twenty,Woman,18--20,KZ,1\n"),
            "cases.csv:2:1: expected a year from 1990 to 2100, got \"twenty\"");
  EXPECT_EQ(error_of(header + "2019,Femal,18--20,KZ,1\n"),
            "cases.csv:2:2: expected a gender (Woman/Female, Man/Male, "
            "Trans/Transgender/NonConforming), got \"Femal\"");
  EXPECT_EQ(error_of(header + "2019,Woman,18--21,KZ,1\n"),
            "cases.csv:2:3: expected an age band (0--8, 9--17, 18--20, 21--23, 24--26, 27--29, "
            "30--38, 39--47, 48+), got \"18--21\"");
  EXPECT_EQ(error_of(header + "2019,Woman,18--20,Kazakhstan,1\n"),
            "cases.csv:2:4: expected an ISO 3166-1 alpha-2 or alpha-3 country code, got "
            "\"Kazakhstan\"");
  EXPECT_EQ(error_of(header + "2019,Woman,18--20,XK,1\n"),
            "cases.csv:2:4: expected an ISO 3166-1 alpha-2 or alpha-3 country code, got \"XK\"");
  EXPECT_EQ(error_of(header + "2019,Woman,18--20,KZ,2\n"),
            "cases.csv:2:5: expected 0 or 1 (or empty, -99, NULL for missing), got \"2\"");
  EXPECT_EQ(error_of("Datasource,majorityStatus\nPolice,Adult\n"),
            "cases.csv:2:1: expected Case Management or Hotline, got \"Police\"");
  EXPECT_EQ(error_of("Datasource,majorityStatus\nHotline,Child\n"),
            "cases.csv:2:2: expected Adult or Minor, got \"Child\"");
  EXPECT_EQ(error_of("traffickMonths\n6 months\n"),
            "cases.csv:2:1: expected a duration band (0--12, 13--24, 25+), got \"6 months\"");
  EXPECT_EQ(error_of("meansOfControlNotSpecified\nmaybe\n"),
            "cases.csv:2:1: expected 0 or 1 (or empty, -99, NULL for missing), got \"maybe\"");
  EXPECT_EQ(error_of("vic_MethodsOfControl\nThreats;Beatings\n"),
            "cases.csv:2:1: expected HTCDS MethodsOfControl value names (DebtBondage, Threats, "
            "...), got \"Beatings\"");
  EXPECT_EQ(error_of("vic_TypeOfLabourExploitation\nFishing\n"),
            "cases.csv:2:1: expected HTCDS TypeOfLabourExploitation value names (Agriculture, "
            "Construction, ...), got \"Fishing\"");
  EXPECT_EQ(error_of("vic_TypeOfSexExploitation\nDancing\n"),
            "cases.csv:2:1: expected HTCDS TypeOfSexExploitation value names (Prostitution, "
            "Pornography, ...), got \"Dancing\"");
  EXPECT_EQ(error_of("vic_MethodOfRecruitment\nTelepathy\n"),
            "cases.csv:2:1: expected HTCDS MethodOfRecruitment values (Abduction, Job "
            "offer/advertisement, ...), got \"Telepathy\"");
}

TEST(CaseCsv, StructuralErrors) {
  EXPECT_EQ(error_of(""),
            "cases.csv:1: the file is empty; expected a header line of CTDC or HTCDS column "
            "names");
  EXPECT_EQ(error_of("name,colour\nA,B\n"),
            "cases.csv:1: no CTDC or HTCDS column found in the header; expected names such as "
            "yearOfRegistration, gender, ageBroad, citizenship, CountryOfExploitation");
  EXPECT_EQ(error_of("gender,citizenship,prs_Gender\n"),
            "cases.csv:1:3: column \"prs_Gender\" names the same variable as column 1 "
            "(\"gender\"); expected each variable once");
  EXPECT_EQ(error_of("gender,citizenship\nWoman,KZ\nWoman\n"),
            "cases.csv:3: expected 2 fields as in the header, got 1");
}

// A picklist and a flag column of its group both filled the flag, the later
// column silently winning (found with fuzz/case_csv's check that each field
// is mapped once; fuzz/regressions/case_csv/*_twice).
TEST(CaseCsv, PicklistAndFlagColumnOfItsGroupAreOneVariable) {
  EXPECT_EQ(error_of("vic_MethodsOfControl,meansOfControlDebtBondage\nDebtBondage,0\n"),
            "cases.csv:1:2: column \"meansOfControlDebtBondage\" names the same variable as "
            "column 1 (\"vic_MethodsOfControl\"); expected each variable once");
  EXPECT_EQ(error_of("typeOfSexOther,gender,TypeOfSexExploitation\n1,Woman,Other\n"),
            "cases.csv:1:3: column \"TypeOfSexExploitation\" names the same variable as column "
            "1 (\"typeOfSexOther\"); expected each variable once");
  // Picklists of different groups, and flag columns of another group, go together.
  EXPECT_EQ(error_of("vic_MethodsOfControl,vic_TypeOfLabourExploitation,typeOfSexOther\n"
                     "Threats,Agriculture,1\n"),
            "");
}

// A wrong value in an identifying column is never read, so never quoted.
TEST(CaseCsv, IdentifyingValuesNeverReachAMessage) {
  const std::string message = error_of(
      "prs_FirstName,gender\nCANARY-\xD0\x90\xD0\xB9\xD0\xB3\xD1\x83\xD0\xBB\xD1\x8C,"
      "Femal\n");
  EXPECT_EQ(message.find("CANARY"), std::string::npos);
  EXPECT_EQ(message,
            "cases.csv:2:2: expected a gender (Woman/Female, Man/Male, "
            "Trans/Transgender/NonConforming), got \"Femal\"");
}

TEST(CaseCsv, FixturesOfEveryLayoutReadCompletely) {
  struct Fixture {
    const char* file;
    CaseLayout layout;
    char delimiter;
    std::size_t rows;
  };
  for (const auto& fixture : {Fixture{"ctdc2018_global.csv", CaseLayout::ctdc_2018, ',', 240},
                              Fixture{"ctdc2021_kanon.csv", CaseLayout::ctdc_2018, ';', 180},
                              Fixture{"ctdc2024_synthetic.csv", CaseLayout::ctdc_2024, ',', 300}}) {
    std::ifstream in(std::string(VIGIL_FIXTURES_DIR) + "/" + fixture.file, std::ios::binary);
    ASSERT_TRUE(in) << fixture.file;
    CaseCsvReader reader(in, fixture.file);
    EXPECT_EQ(reader.layout(), fixture.layout) << fixture.file;
    EXPECT_EQ(reader.delimiter(), fixture.delimiter) << fixture.file;
    EXPECT_TRUE(reader.ignored_columns().empty()) << fixture.file;
    std::size_t rows = 0;
    CaseRecord record;
    while (reader.next(record)) ++rows;
    EXPECT_EQ(rows, fixture.rows) << fixture.file;
  }
}

}  // namespace
}  // namespace vigil::io

namespace vigil::io {
namespace {

TEST(IdentifyingColumns, RecognisedInEveryLayoutAndSpelling) {
  for (const char* name : {"FullName", "fullname", "prs_LastName", "DateOfBirth", "birth_date",
                           "given_name", "surname", "document_number", "Passport Number", "IIN",
                           "ИИН", "patronymic", "MobilePhone"}) {
    EXPECT_TRUE(is_identifying_column(name)) << name;
  }
  for (const char* name : {"gender", "ageBroad", "citizenship", "yearOfRegistration",
                           "CountryOfExploitation", "record_id", "year", "sex", "isForcedLabour"}) {
    EXPECT_FALSE(is_identifying_column(name)) << name;
  }
}

}  // namespace
}  // namespace vigil::io
