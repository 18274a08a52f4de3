#include "core/error.hpp"

#include <gtest/gtest.h>

namespace vigil {
namespace {

TEST(Error, InputErrorNamesFileLineColumnExpectedAndGot) {
  const Error error = input_error({"cases.csv", 12, 4}, "0 or 1", "yes");
  EXPECT_STREQ(error.what(), "cases.csv:12:4: expected 0 or 1, got \"yes\"");
  EXPECT_EQ(error.kind(), Error::Kind::input);
  ASSERT_TRUE(error.position().has_value());
  EXPECT_EQ(error.position()->line, 12U);
  EXPECT_EQ(error.position()->column, 4U);
}

TEST(Error, MessageWithoutColumnOmitsIt) {
  const Error error =
      input_error({"cases.csv", 3, 0}, "expected 63 fields as in the header, got 2");
  EXPECT_STREQ(error.what(), "cases.csv:3: expected 63 fields as in the header, got 2");
}

TEST(Error, LongValuesAreCutAtFortyCharacters) {
  const std::string got(100, 'x');
  const Error error = input_error({"f.csv", 1, 1}, "a year", got);
  EXPECT_STREQ(error.what(),
               ("f.csv:1:1: expected a year, got \"" + std::string(40, 'x') + "...\"").c_str());
}

TEST(TruncateUtf8, NeverSplitsAMultiByteCharacter) {
  EXPECT_EQ(truncate_utf8("Қайрат", 3), "Қай...");
  EXPECT_EQ(truncate_utf8("Қайрат", 6), "Қайрат");
  EXPECT_EQ(truncate_utf8("", 0), "");
  EXPECT_EQ(truncate_utf8("ab", 0), "...");
}

}  // namespace
}  // namespace vigil
