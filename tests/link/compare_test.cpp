#include "link/compare.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace vigil::link {
namespace {

// Reference values from R 4.2.2 with stringdist 0.9.10 (Debian
// r-cran-stringdist), run with Rscript on a UTF-8 script file:
//
//   library(stringdist)
//   jw <- function(a, b) sprintf("%.17g", 1 - stringdist(a, b, method = "jw", p = 0.1))
//   ja <- function(a, b) sprintf("%.17g", 1 - stringdist(a, b, method = "jw"))
//   pairs <- list(c("MARTHA","MARHTA"), c("DWAYNE","DUANE"), c("DIXON","DICKSONX"),
//     c("abcdef","bcadef"),
//     c("нурлан","нұрлан"), c("абенов","абеноф"), c("сериковна","серикова"),
//     c("айгерим","айгерем"), c("жанар","жанаp"), c("nurlan","nurlanbek"),
//     c("abenov","abenova"), c("gulnara","gulnora"), c("aigerim","aygerim"),
//     c("ковальчук","ковальчюк"), c("kovalchuk","kovaltchouk"), c("ivan","iavn"))
//   for (p in pairs) cat(p[1], p[2], "jaro", ja(p[1], p[2]), "jw", jw(p[1], p[2]),
//     "lv", stringdist(p[1], p[2], method = "lv"),
//     "osa", stringdist(p[1], p[2], method = "osa"), "\n")
//
// printed
//
//   MARTHA MARHTA jaro 0.94444444444444442 jw 0.96111111111111114 lv 2 osa 1
//   DWAYNE DUANE jaro 0.82222222222222219 jw 0.83999999999999997 lv 2 osa 2
//   DIXON DICKSONX jaro 0.76666666666666661 jw 0.81333333333333324 lv 4 osa 4
//   abcdef bcadef jaro 0.91666666666666663 jw 0.91666666666666663 lv 2 osa 2
//   нурлан нұрлан jaro 0.88888888888888895 jw 0.90000000000000002 lv 1 osa 1
//   абенов абеноф jaro 0.88888888888888895 jw 0.93333333333333335 lv 1 osa 1
//   сериковна серикова jaro 0.96296296296296291 jw 0.97777777777777775 lv 1 osa 1
//   айгерим айгерем jaro 0.90476190476190477 jw 0.94285714285714284 lv 1 osa 1
//   жанар жанаp jaro 0.8666666666666667 jw 0.92000000000000004 lv 1 osa 1
//   nurlan nurlanbek jaro 0.88888888888888884 jw 0.93333333333333335 lv 3 osa 3
//   abenov abenova jaro 0.95238095238095233 jw 0.97142857142857142 lv 1 osa 1
//   gulnara gulnora jaro 0.84920634920634908 jw 0.9095238095238094 lv 1 osa 1
//   aigerim aygerim jaro 0.90476190476190477 jw 0.91428571428571426 lv 1 osa 1
//   ковальчук ковальчюк jaro 0.92592592592592582 jw 0.95555555555555549 lv 1 osa 1
//   kovalchuk kovaltchouk jaro 0.93939393939393945 jw 0.96363636363636362 lv 2 osa 2
//   ivan iavn jaro 0.91666666666666663 jw 0.92499999999999993 lv 2 osa 1
//
// ("жанаp" ends in Latin p, U+0070: a mixed-script typo.) Further commands are
// quoted where they are used.
//
// Similarities agree with R to 1e-12: both sides do the same few double
// operations, so only rounding in a different order can separate them.
constexpr double kTolerance = 1e-12;

struct Reference {
  std::string_view a;
  std::string_view b;
  double jaro;
  double jaro_winkler;
  int levenshtein;
  int osa;
};

constexpr Reference kStringdist[] = {
    {"MARTHA", "MARHTA", 0.94444444444444442, 0.96111111111111114, 2, 1},
    {"DWAYNE", "DUANE", 0.82222222222222219, 0.83999999999999997, 2, 2},
    {"DIXON", "DICKSONX", 0.76666666666666661, 0.81333333333333324, 4, 4},
    {"abcdef", "bcadef", 0.91666666666666663, 0.91666666666666663, 2, 2},
    {"нурлан", "нұрлан", 0.88888888888888895, 0.90000000000000002, 1, 1},
    {"абенов", "абеноф", 0.88888888888888895, 0.93333333333333335, 1, 1},
    {"сериковна", "серикова", 0.96296296296296291, 0.97777777777777775, 1, 1},
    {"айгерим", "айгерем", 0.90476190476190477, 0.94285714285714284, 1, 1},
    {"жанар", "жанаp", 0.8666666666666667, 0.92000000000000004, 1, 1},
    {"nurlan", "nurlanbek", 0.88888888888888884, 0.93333333333333335, 3, 3},
    {"abenov", "abenova", 0.95238095238095233, 0.97142857142857142, 1, 1},
    {"gulnara", "gulnora", 0.84920634920634908, 0.9095238095238094, 1, 1},
    {"aigerim", "aygerim", 0.90476190476190477, 0.91428571428571426, 1, 1},
    {"ковальчук", "ковальчюк", 0.92592592592592582, 0.95555555555555549, 1, 1},
    {"kovalchuk", "kovaltchouk", 0.93939393939393945, 0.96363636363636362, 2, 2},
    {"ivan", "iavn", 0.91666666666666663, 0.92499999999999993, 2, 1},
};

std::string describe(const Reference& r) {
  return std::string(r.a) + " / " + std::string(r.b);
}

TEST(CompareJaroWinkler, MatchesWinklersPublishedValues) {
  // Three-decimal values published by Winkler (1990), "String comparator
  // metrics and enhanced decision rules in the Fellegi–Sunter model of record
  // linkage", for the basic Jaro–Winkler comparator; quoted from the task
  // brief, the paper was not at hand to recheck. All three have Jaro > 0.7, so
  // the boost threshold does not matter.
  EXPECT_NEAR(jaro_winkler("martha", "marhta"), 0.961, 5e-4);
  EXPECT_NEAR(jaro_winkler("dwayne", "duane"), 0.840, 5e-4);
  EXPECT_NEAR(jaro_winkler("dixon", "dicksonx"), 0.813, 5e-4);
}

TEST(CompareJaroWinkler, MatchesStringdist) {
  for (const Reference& r : kStringdist) {
    EXPECT_NEAR(jaro(r.a, r.b), r.jaro, kTolerance) << describe(r);
    EXPECT_NEAR(jaro(r.b, r.a), r.jaro, kTolerance) << describe(r);
    EXPECT_NEAR(jaro_winkler(r.a, r.b), r.jaro_winkler, kTolerance) << describe(r);
  }
}

TEST(CompareJaroWinkler, HalfTranspositionsAreNotRoundedDown) {
  // "abcdef"/"bcadef": a, b, c all matched out of order, t = 1.5. strcmp95
  // would round t to 1 and give (1 + 1 + 5/6) / 3.
  EXPECT_NEAR(jaro("abcdef", "bcadef"), (1.0 + 1.0 + 4.5 / 6.0) / 3.0, kTolerance);
}

TEST(CompareJaroWinkler, BoostThresholdFollowsWinklerNotStringdist) {
  // R: sprintf("%.17g", 1 - stringdist("nurlan", "nazira", method = "jw"))
  //    [1] "0.66666666666666663"
  //    sprintf("%.17g", 1 - stringdist("nurlan", "nazira", method = "jw", p = 0.1))
  //    [1] "0.69999999999999996"
  // Jaro is below 0.7, so Winkler gives no prefix bonus; stringdist does.
  EXPECT_NEAR(jaro_winkler("nurlan", "nazira"), 0.66666666666666663, kTolerance);
  EXPECT_NEAR(jaro_winkler("nurlan", "nazira", 0.1, 4, 0.0), 0.69999999999999996, kTolerance);
}

TEST(CompareJaroWinkler, EdgeCasesAndParameters) {
  EXPECT_EQ(jaro("", ""), 1.0);   // R: stringdist("", "", method = "jw") gives 0
  EXPECT_EQ(jaro("a", ""), 0.0);  // R: stringdist("a", "", method = "jw") gives 1
  EXPECT_EQ(jaro_winkler("abc", "xyz"), 0.0);
  EXPECT_EQ(jaro_winkler("нурлан", "нурлан"), 1.0);
  // No prefix bonus when it is switched off.
  EXPECT_NEAR(jaro_winkler("martha", "marhta", 0.0), 0.94444444444444442, kTolerance);
  EXPECT_THROW(jaro_winkler("a", "b", 0.3), Error);  // 0.3 * 4 > 1
  EXPECT_THROW(jaro_winkler("a", "b", -0.1), Error);
  EXPECT_THROW(jaro_winkler("a", "b", 0.1, -1), Error);
}

TEST(CompareEditDistance, MatchesStringdist) {
  for (const Reference& r : kStringdist) {
    EXPECT_EQ(levenshtein(r.a, r.b), r.levenshtein) << describe(r);
    EXPECT_EQ(levenshtein(r.b, r.a), r.levenshtein) << describe(r);
    EXPECT_EQ(damerau_levenshtein(r.a, r.b), r.osa) << describe(r);
    EXPECT_EQ(damerau_levenshtein(r.b, r.a), r.osa) << describe(r);
  }
}

TEST(CompareEditDistance, OsaIsTheRestrictedDistance) {
  // R: stringdist("ca", "abc", method = "osa")  [1] 3
  //    stringdist("ca", "abc", method = "dl")   [1] 2  (unrestricted Damerau)
  EXPECT_EQ(damerau_levenshtein("ca", "abc"), 3);
  EXPECT_EQ(levenshtein("", "абв"), 3);
  EXPECT_EQ(damerau_levenshtein("абв", ""), 3);
  EXPECT_EQ(levenshtein("", ""), 0);
}

TEST(CompareUnicode, CyrillicLettersAreOneEditNotBytes) {
  // "ұ" (U+04B1) and "у" (U+0443) are two bytes each and share none: a byte
  // comparator would count two edits and six-letter names as twelve long.
  EXPECT_EQ(levenshtein("Нұрлан", "Нурлан"), 1);
  EXPECT_EQ(damerau_levenshtein("Нұрлан", "Нурлан"), 1);
  EXPECT_EQ(code_point_count("Нұрлан"), 6U);
  EXPECT_NEAR(normalised_similarity(1, 6, 6), 5.0 / 6.0, kTolerance);
  // Adjacent Cyrillic letters swapped: one transposition.
  EXPECT_EQ(damerau_levenshtein("айгерим", "айгреим"), 1);
  EXPECT_EQ(levenshtein("айгерим", "айгреим"), 2);
}

TEST(CompareUnicode, NormalisedSimilarity) {
  EXPECT_EQ(normalised_similarity(0, 0, 0), 1.0);
  EXPECT_EQ(normalised_similarity(3, 0, 3), 0.0);
  EXPECT_NEAR(normalised_similarity(3, 6, 9), 2.0 / 3.0, kTolerance);
  EXPECT_THROW(normalised_similarity(-1, 3, 3), Error);
  EXPECT_THROW(normalised_similarity(4, 3, 3), Error);
}

TEST(CompareUnicode, InvalidUtf8IsAUsageError) {
  const std::string_view truncated = "\xD0";              // first byte of "Н" alone
  const std::string_view overlong = "\xC0\xAF";           // "/" spelled in two bytes
  const std::string_view surrogate = "\xED\xA0\x80";      // U+D800
  const std::string_view stray = "ab\x80";                // continuation byte first
  const std::string_view too_large = "\xF4\x90\x80\x80";  // U+110000
  for (const std::string_view bad : {truncated, overlong, surrogate, stray, too_large}) {
    EXPECT_THROW(levenshtein(bad, "a"), Error);
    EXPECT_THROW(jaro("a", bad), Error);
    EXPECT_THROW(token_set_similarity(bad, "a"), Error);
    EXPECT_THROW(compare_exact(bad, "a"), Error);
  }
  try {
    damerau_levenshtein("ok", stray);
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
    EXPECT_NE(std::string(e.what()).find("byte 2"), std::string::npos) << e.what();
  }
  EXPECT_EQ(code_point_count("\xF0\x9F\x98\x80"), 1U);  // a valid four-byte character
}

TEST(CompareTokenSet, ReorderedAndOmittedTokens) {
  EXPECT_EQ(token_set_similarity("nurlan abenov", "abenov nurlan serikovich"), 1.0);
  EXPECT_EQ(token_set_similarity("абенов нурлан", "нурлан  абенов"), 1.0);
  // One token with a typo: (1 + jw(нурлан, нұрлан)) / 2, jw from the table above.
  EXPECT_NEAR(token_set_similarity("абенов нурлан", "нұрлан абенов серикович"),
              (1.0 + 0.90000000000000002) / 2.0, kTolerance);
  EXPECT_EQ(token_set_similarity("", ""), 1.0);
  EXPECT_EQ(token_set_similarity("nurlan", " "), 0.0);
}

TEST(CompareTokenSet, MatchingIsOneToOneAndSymmetric) {
  // Monge–Elkan would let both "nurlan" claim the same token and score 1.
  const double s = token_set_similarity("nurlan nurlan", "nurlan abenov");
  EXPECT_NEAR(s, (1.0 + jaro_winkler("nurlan", "abenov")) / 2.0, kTolerance);
  EXPECT_EQ(s, token_set_similarity("nurlan abenov", "nurlan nurlan"));
  // The best single pair, nurlanbek/nurbek (0.922), is not in the best
  // matching: greedy pairing would leave nurlan/maratbek (0.361) for a total
  // of 1.283, while nurlan/nurbek (0.667) + nurlanbek/maratbek (0.660) = 1.327.
  const double exact = token_set_similarity("nurlan nurlanbek", "maratbek nurbek");
  const double greedy =
      (jaro_winkler("nurlanbek", "nurbek") + jaro_winkler("nurlan", "maratbek")) / 2.0;
  const double best =
      (jaro_winkler("nurlan", "nurbek") + jaro_winkler("nurlanbek", "maratbek")) / 2.0;
  EXPECT_GT(jaro_winkler("nurlanbek", "nurbek"), jaro_winkler("nurlan", "nurbek"));
  EXPECT_NEAR(exact, best, kTolerance);
  EXPECT_GT(exact, greedy + 0.02);
}

TEST(CompareTokenSet, TooManyTokens) {
  std::string many;
  for (std::size_t i = 0; i <= kMaxNameTokens; ++i) many += "a ";
  EXPECT_THROW(token_set_similarity(many, "a"), Error);
}

TEST(CompareDates, ParsesTheThreeForms) {
  EXPECT_EQ(parse_date("1987-03-05"), (Date{1987, 3, 5}));
  EXPECT_EQ(parse_date("05.03.1987"), (Date{1987, 3, 5}));
  EXPECT_EQ(parse_date("05/03/1987"), (Date{1987, 3, 5}));  // as written, not 3 May
  EXPECT_EQ(parse_date(" 00.00.1987 "), (Date{1987, 0, 0}));
  EXPECT_EQ(parse_date("29.02.0000"), (Date{0, 2, 29}));
  EXPECT_EQ(parse_date("29.02.2000"), (Date{2000, 2, 29}));
  EXPECT_EQ(parse_date(""), std::nullopt);
  EXPECT_EQ(parse_date("   "), std::nullopt);
}

TEST(CompareDates, RejectsOtherText) {
  for (const std::string_view bad :
       {"1987-3-5", "05-03-1987", "05.03.87", "05.13.1987", "31.04.1987", "29.02.1990",
        "1987/03/05", "05.03/1987", "ab.cd.efgh", "1987-03-05T00"}) {
    try {
      (void)parse_date(bad);
      ADD_FAILURE() << bad << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::input);
      EXPECT_EQ(std::string(e.what()).find(bad), std::string::npos) << "quotes the date";
    }
  }
}

TEST(CompareDates, AgreementLevels) {
  const Date d{1987, 3, 5};
  EXPECT_EQ(compare_dates(d, d), DateAgreement::exact);
  EXPECT_EQ(compare_dates(d, {1987, 5, 3}), DateAgreement::day_month_swapped);
  EXPECT_EQ(compare_dates(d, {1987, 3, 6}), DateAgreement::one_part_differs);  // day
  EXPECT_EQ(compare_dates(d, {1987, 4, 5}), DateAgreement::one_part_differs);  // month
  EXPECT_EQ(compare_dates(d, {1989, 3, 5}), DateAgreement::one_part_differs);  // year typo
  EXPECT_EQ(compare_dates(d, {1997, 3, 5}), DateAgreement::one_part_differs);  // year typo
  EXPECT_EQ(compare_dates(d, {1978, 3, 5}), DateAgreement::disagree);          // two digits
  EXPECT_EQ(compare_dates(d, {2001, 3, 5}), DateAgreement::disagree);
  EXPECT_EQ(compare_dates(d, {1989, 3, 6}), DateAgreement::disagree);  // two parts
  EXPECT_EQ(compare_dates(d, {1987, 11, 20}), DateAgreement::year_only);
  EXPECT_EQ(compare_dates(d, {1987, 0, 0}), DateAgreement::year_only);
  EXPECT_EQ(compare_dates(d, {1988, 0, 0}), DateAgreement::disagree);
  EXPECT_EQ(compare_dates(d, {0, 3, 5}), DateAgreement::missing);
  EXPECT_EQ(compare_dates({}, {}), DateAgreement::missing);
  // Day equal to month: the swap is the same date.
  EXPECT_EQ(compare_dates({1987, 4, 4}, {1987, 4, 4}), DateAgreement::exact);
  EXPECT_THROW(compare_dates(d, {1987, 13, 1}), Error);
  EXPECT_THROW(compare_dates(d, {1987, 4, 31}), Error);
}

TEST(CompareExact, DocumentNumbers) {
  EXPECT_EQ(compare_exact("N 1234-567", "n1234567"), ExactAgreement::agree);
  EXPECT_EQ(compare_exact("ab\u2013123", "AB 123"), ExactAgreement::agree);  // en dash
  EXPECT_EQ(compare_exact("ЮС 123", "юс123"), ExactAgreement::agree);
  EXPECT_EQ(compare_exact("N1234567", "N1234568"), ExactAgreement::disagree);
  // Cyrillic С against Latin C: not transliterated.
  EXPECT_EQ(compare_exact("\u0421123", "C123"), ExactAgreement::disagree);
  EXPECT_EQ(compare_exact("", "N1"), ExactAgreement::missing);
  EXPECT_EQ(compare_exact(" - ", "N1"), ExactAgreement::missing);
}

}  // namespace
}  // namespace vigil::link
