#include "core/country.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <string>

namespace vigil {
namespace {

TEST(Country, AlphaTwoAndAlphaThreeResolveToTheSameCountry) {
  const auto kz2 = find_country("KZ");
  const auto kz3 = find_country("KAZ");
  ASSERT_TRUE(kz2 && kz3);
  EXPECT_EQ(*kz2, *kz3);
  EXPECT_EQ(kz2->alpha2(), "KZ");
  EXPECT_EQ(kz2->alpha3(), "KAZ");
  EXPECT_EQ(kz2->name(), "Kazakhstan");
  EXPECT_EQ(kz2->info().numeric, "398");
}

TEST(Country, LookupIgnoresCase) {
  EXPECT_EQ(find_country("uz"), find_country("UZB"));
  EXPECT_EQ(find_country("kgz"), find_country("KG"));
  EXPECT_EQ(find_country("Tj")->name(), "Tajikistan");
}

TEST(Country, CommonNameIsPreferredAndIsoNameKept) {
  // iso-codes gives Bolivia a common_name beside the ISO short name.
  const auto bolivia = find_country("BO");
  ASSERT_TRUE(bolivia);
  EXPECT_EQ(bolivia->name(), "Bolivia");
  EXPECT_EQ(bolivia->info().iso_name, "Bolivia, Plurinational State of");
}

TEST(Country, RejectsWhatIsNotACode) {
  EXPECT_FALSE(find_country(""));
  EXPECT_FALSE(find_country("K"));
  EXPECT_FALSE(find_country("XX"));
  EXPECT_FALSE(find_country("XXX"));
  EXPECT_FALSE(find_country("398"));
  EXPECT_FALSE(find_country("Kazakhstan"));
  EXPECT_FALSE(find_country("K1"));
  EXPECT_FALSE(find_country("-99"));
}

// The table must be the iso-codes package's, entry for entry: count the
// entries in the JSON file the build read (an independent reading: a plain
// text scan for "alpha_3" keys, not the generator's JSON parser).
TEST(Country, TableMatchesTheIsoCodesPackage) {
  std::ifstream in("/usr/share/iso-codes/json/iso_3166-1.json");
  ASSERT_TRUE(in) << "iso-codes is not installed";
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::set<std::string> alpha3;
  for (auto pos = text.find("\"alpha_3\""); pos != std::string::npos;
       pos = text.find("\"alpha_3\"", pos + 1)) {
    const auto open = text.find('"', text.find(':', pos) + 1);
    alpha3.insert(text.substr(open + 1, 3));
  }
  ASSERT_EQ(all_countries().size(), alpha3.size());
  for (const auto& code : alpha3) {
    const auto country = find_country(code);
    ASSERT_TRUE(country) << code;
    EXPECT_EQ(country->alpha3(), code);
    EXPECT_EQ(find_country(country->alpha2()), country);
  }
}

}  // namespace
}  // namespace vigil
