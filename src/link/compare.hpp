// Field comparators for record linkage of victims across agencies' lists.
//
// Each function compares one field of two records and returns either a
// similarity in [0, 1] or an agreement level. A Fellegi–Sunter model
// (Fellegi & Sunter 1969, "A theory for record linkage", JASA 64:1183–1210)
// turns those levels into match weights; this header only measures.
//
// Text is UTF-8, already normalised by link/names.hpp (lowercase, one space
// between tokens). Every string comparator works on Unicode code points, not
// bytes: "нұрлан" and "нурлан" differ by one substitution although "ұ" and
// "у" are different two-byte sequences. Invalid UTF-8 (truncated or overlong
// sequences, surrogates, values above U+10FFFF) throws vigil::Error of kind
// `usage`, because names reach these functions only through the normaliser;
// the message gives a byte offset, never the name.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace vigil::link {

// ---------------------------------------------------------------------------
// Jaro and Jaro–Winkler similarity
// ---------------------------------------------------------------------------

// Jaro similarity (Jaro 1989, "Advances in record-linkage methodology as
// applied to matching the 1985 census of Tampa, Florida", JASA 84:414–420):
//
//   jaro = (m / |a| + m / |b| + (m - t) / m) / 3,   0 when m = 0,
//
// where m counts characters of `a` matched, left to right, to the first
// unmatched equal character of `b` at most floor(max(|a|, |b|) / 2) - 1
// positions away, and t is half the number of matched positions whose
// characters differ when both matched sequences are read in order. t may be a
// half-integer (Winkler's strcmp95 rounds it down; stringdist and this code do
// not). Two empty strings have similarity 1; one empty string, 0.
double jaro(std::string_view a, std::string_view b);

// Winkler's boost threshold: the prefix bonus is applied only when the Jaro
// similarity exceeds it (Winkler 1990, "String comparator metrics and enhanced
// decision rules in the Fellegi–Sunter model of record linkage", Proc. Section
// on Survey Research Methods, ASA, 354–359; strcmp95 uses the same 0.7).
inline constexpr double kWinklerBoostThreshold = 0.7;

// Jaro–Winkler similarity (Winkler 1990):
//
//   jw = jaro + l * prefix_scale * (1 - jaro)   if jaro > boost_threshold,
//   jw = jaro                                   otherwise,
//
// where l is the length of the common prefix, at most `max_prefix` code
// points. Winkler's defaults are prefix_scale = 0.1, max_prefix = 4.
//
// This is the basic comparator: strcmp95's further adjustments (credit for
// "similar" characters such as 1/l, and for long strings) are not applied.
//
// Difference from R's stringdist (van der Loo 2014, R Journal 6:111–122):
// 1 - stringdist(a, b, method = "jw", p = 0.1) applies the prefix bonus
// whatever the Jaro similarity (its `bt` argument, default 0, is a threshold
// on the Jaro *distance* that must be exceeded, not Winkler's threshold). Both
// agree whenever jaro > 0.7; pass boost_threshold = 0 to reproduce stringdist
// for every pair.
//
// Throws vigil::Error (usage) unless max_prefix >= 0 and
// 0 <= prefix_scale * max_prefix <= 1, the condition that keeps jw <= 1.
double jaro_winkler(std::string_view a, std::string_view b, double prefix_scale = 0.1,
                    int max_prefix = 4, double boost_threshold = kWinklerBoostThreshold);

// ---------------------------------------------------------------------------
// Edit distances, counted in code points
// ---------------------------------------------------------------------------

// Levenshtein distance: the fewest insertions, deletions and substitutions of
// single code points that turn `a` into `b` (Levenshtein 1966).
int levenshtein(std::string_view a, std::string_view b);

// Damerau–Levenshtein distance in its restricted form, "optimal string
// alignment" (OSA): Levenshtein plus transposition of two adjacent code
// points, with no substring edited more than once. It is not the unrestricted
// Damerau (1964) distance and breaks the triangle inequality:
// osa("ca", "abc") = 3 where the unrestricted distance is 2. OSA is what
// stringdist calls method = "osa"; transposed adjacent letters are the typing
// error it is meant to forgive.
int damerau_levenshtein(std::string_view a, std::string_view b);

// Number of code points in UTF-8 text: the lengths to pass to
// normalised_similarity. Throws vigil::Error (usage) on invalid UTF-8.
std::size_t code_point_count(std::string_view text);

// 1 - distance / max(len_a, len_b): turns an edit distance between strings of
// len_a and len_b code points into a similarity in [0, 1]; 1 when both are
// empty. Throws vigil::Error (usage) unless 0 <= distance <= max(len_a,
// len_b), the range any of the distances above can take.
double normalised_similarity(int distance, std::size_t len_a, std::size_t len_b);

// ---------------------------------------------------------------------------
// Names of several tokens
// ---------------------------------------------------------------------------

// Longest token list token_set_similarity accepts. Its matching is exact and
// costs 2^n steps for n tokens; real names have at most six or so.
inline constexpr std::size_t kMaxNameTokens = 12;

// Similarity of two names whose tokens (split on spaces) may come in any
// order and may be missing from one side, as when one agency writes
// "nurlan abenov" and another "abenov nurlan serikovich":
//
//   s = max over one-to-one matchings M of the shorter token list into the
//       longer one of  (1 / k) * sum over (x, y) in M of jaro_winkler(x, y),
//
// with k the number of tokens in the shorter list and jaro_winkler at its
// defaults. Every token of the shorter list is matched to a distinct token of
// the longer one; surplus tokens of the longer list (a patronymic one agency
// omitted) cost nothing. The example above scores 1.
//
// It is Monge–Elkan token matching (Monge & Elkan 1996; compared for names by
// Cohen, Ravikumar & Fienberg 2003, "A comparison of string distance metrics
// for name-matching tasks", IIWeb workshop, 73–78) made symmetric and
// one-to-one: Monge–Elkan lets several tokens of `a` claim the same token of
// `b`, so "nurlan nurlan" would match "nurlan abenov" perfectly.
//
// Because omitted tokens are free, the count of tokens carries information
// this score ignores; the linkage model should weigh it separately if needed.
// Two names without tokens score 1, one without tokens 0. Throws
// vigil::Error (usage) on invalid UTF-8 or more than kMaxNameTokens tokens.
double token_set_similarity(std::string_view a, std::string_view b);

// ---------------------------------------------------------------------------
// Dates
// ---------------------------------------------------------------------------

// A calendar date in which any part may be unknown, written as 0: registries
// record "00.00.1987" when only the year of birth is known.
struct Date {
  int year = 0;   // 0 = unknown, else 1..9999
  int month = 0;  // 0 = unknown, else 1..12
  int day = 0;    // 0 = unknown, else 1..31 and valid for the month

  friend bool operator==(const Date&, const Date&) = default;
};

// Agreement levels for two dates, strongest first.
enum class DateAgreement {
  exact,              // all three parts known in both and equal
  day_month_swapped,  // same year; day and month exchanged (DD/MM vs MM/DD); day != month
  one_part_differs,   // exactly one of day, month, year differs; a year may
                      // differ only by one digit (a typo such as 1987/1978 is
                      // two digits and does not count)
  year_only,          // same year, day and month differ or are unknown in one date
  disagree,           // anything else with both years known
  missing,            // the year is unknown in either date
};

// Compares two dates part by part. The year anchors every level above
// `disagree`, so a date without a year is `missing` whatever its day and
// month; with the years known, a level other than year_only or disagree
// requires all three parts known in both. Throws vigil::Error (usage) when a
// part is out of the range documented on Date.
DateAgreement compare_dates(const Date& a, const Date& b);

// Parses "YYYY-MM-DD" (ISO 8601), "DD.MM.YYYY" (usual in Kazakhstan and
// Russia) or "DD/MM/YYYY", with zeros for unknown parts ("00.00.1987").
// Day and month are taken as written: "05/03/1990" is 5 March, never guessed
// to be 3 May; compare_dates reports such confusions as day_month_swapped.
// Returns nullopt for an empty or all-blank string (no date recorded). Throws
// vigil::Error (input) for any other text, or for a date that does not exist
// (month 13, 31 April, 29 February 1990); the message does not quote the
// date, which may identify a victim.
std::optional<Date> parse_date(std::string_view text);

// ---------------------------------------------------------------------------
// Document numbers
// ---------------------------------------------------------------------------

enum class ExactAgreement { agree, disagree, missing };

// Compares two document numbers (passport, national identity number) after
// removing white space and dashes (U+002D and the other Unicode dash
// punctuation) and folding case, so "N 1234-567" agrees with "n1234567".
// Letters are folded but not transliterated: Cyrillic "С" and Latin "C" stay
// different. `missing` when either side is empty after removal. Throws
// vigil::Error (usage) on invalid UTF-8.
ExactAgreement compare_exact(std::string_view a, std::string_view b);

}  // namespace vigil::link
