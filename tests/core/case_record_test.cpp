#include "core/case_record.hpp"

#include <gtest/gtest.h>

#include <set>

namespace vigil {
namespace {

TEST(CaseRecord, StartsWithEveryFieldMissing) {
  const CaseRecord record;
  for (const auto& info : case_fields()) EXPECT_TRUE(record.is_missing(info.field)) << info.name;
}

TEST(CaseRecord, TypedAccess) {
  CaseRecord record;
  record.set_code(Field::gender, static_cast<std::int16_t>(Gender::woman));
  record.set_code(Field::year_of_registration, 2019);
  record.set_code(Field::citizenship, static_cast<std::int16_t>(find_country("UZ")->index()));
  EXPECT_EQ(record.get<Gender>(Field::gender), Gender::woman);
  EXPECT_EQ(record.year(), 2019);
  EXPECT_EQ(record.citizenship()->alpha3(), "UZB");
  EXPECT_FALSE(record.country_of_exploitation());
  record.set_code(Field::gender, std::nullopt);
  EXPECT_FALSE(record.get<Gender>(Field::gender));
}

TEST(CaseRecord, FieldNamesAreUniqueSnakeCaseColumnNames) {
  std::set<std::string_view> names;
  for (const auto& info : case_fields()) {
    EXPECT_TRUE(names.insert(info.name).second) << info.name;
    for (const char ch : info.name) {
      EXPECT_TRUE((ch >= 'a' && ch <= 'z') || ch == '_') << info.name;
    }
  }
  EXPECT_EQ(names.size(), kFieldCount);
}

TEST(CaseRecord, GroupsHoldTheirFields) {
  EXPECT_EQ(group_fields(FlagGroup::exploitation_type).size(), 8U);
  EXPECT_EQ(group_fields(FlagGroup::labour_sector).size(), 12U);
  EXPECT_EQ(group_fields(FlagGroup::means_of_control).size(), 9U);
  EXPECT_EQ(group_fields(FlagGroup::control_detail).size(), 17U);
  for (const auto group :
       {FlagGroup::exploitation_type, FlagGroup::labour_sector, FlagGroup::sexual_exploitation,
        FlagGroup::means_of_control, FlagGroup::control_detail, FlagGroup::recruiter_relation}) {
    for (const Field field : group_fields(group)) EXPECT_EQ(field_info(field).group, group);
  }
}

// CTDC codebook v2024, section 6: a record informs a group when any flag of
// it is 1; a record with no flag set is left out of the denominator.
TEST(CaseRecord, InformsFollowsTheCodebookRule) {
  CaseRecord record;
  EXPECT_FALSE(record.informs(FlagGroup::exploitation_type));
  record.set_code(Field::forced_labour, 0);
  record.set_code(Field::sexual_exploitation, 0);
  EXPECT_FALSE(record.informs(FlagGroup::exploitation_type));
  record.set_code(Field::other_exploitation, 1);
  EXPECT_TRUE(record.informs(FlagGroup::exploitation_type));
  EXPECT_FALSE(record.informs(FlagGroup::abduction));
  record.set_code(Field::abduction, 0);
  EXPECT_TRUE(record.informs(FlagGroup::abduction));
}

TEST(CaseRecord, LabelsRoundTrip) {
  for (const auto kind : {FieldKind::data_source, FieldKind::gender, FieldKind::age_band,
                          FieldKind::majority_status, FieldKind::trafficking_duration}) {
    for (std::int16_t code = 0;; ++code) {
      std::string_view label;
      try {
        label = code_label(kind, code);
      } catch (const std::exception&) {
        break;
      }
      EXPECT_EQ(parse_code_label(kind, label), code) << label;
    }
  }
  EXPECT_EQ(code_label(FieldKind::age_band, static_cast<std::int16_t>(AgeBand::age_48_plus)),
            "48+");
  EXPECT_EQ(code_label(FieldKind::year, 2019), "2019");
  EXPECT_EQ(parse_code_label(FieldKind::country, "KAZ"),
            static_cast<std::int16_t>(find_country("KZ")->index()));
  EXPECT_FALSE(parse_code_label(FieldKind::gender, "woman"));  // canonical labels are exact
}

// Codebook v2024, Appendix II: meansThreats merges threats, use of children
// and threat of law enforcement; meansDebtBondageEarnings merges debt bondage
// and taking earnings.
TEST(CaseRecord, MergedMeansAreDerivedFromTheFineGrainedFlags) {
  CaseRecord record;
  record.set_code(Field::control_threats, 0);
  record.set_code(Field::control_uses_children, 0);
  record.set_code(Field::control_threat_of_law_enforcement, 1);
  record.set_code(Field::control_debt_bondage, 0);
  record.set_code(Field::control_takes_earnings, 0);
  record.set_code(Field::control_psychological_abuse, 0);  // physical, sexual unknown
  derive_merged_means(record);
  EXPECT_EQ(record.code(Field::means_threats), 1);
  EXPECT_EQ(record.code(Field::means_debt_bondage_earnings), 0);
  EXPECT_TRUE(record.is_missing(Field::means_abuse));
  EXPECT_TRUE(record.is_missing(Field::means_false_promises));
  EXPECT_EQ(merged_means_parts(Field::means_deny_basic_needs).size(), 4U);
}

}  // namespace
}  // namespace vigil
