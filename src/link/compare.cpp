#include "link/compare.hpp"

#include <fmt/format.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace vigil::link {

namespace {

using CodePoints = std::vector<char32_t>;

[[noreturn]] void throw_invalid_utf8(std::size_t offset) {
  throw Error(Error::Kind::usage,
              fmt::format("invalid UTF-8 at byte {} of a compared field", offset));
}

// Strict decoding (Unicode 15, table 3-7): a lenient decoder would let two
// spellings of one letter compare as different characters.
CodePoints decode_utf8(std::string_view text) {
  CodePoints out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto sequence = decode_utf8_at(text, pos);
    if (!sequence) throw_invalid_utf8(pos);
    out.push_back(sequence->code);
    pos += sequence->length;
  }
  return out;
}

double jaro_code_points(const CodePoints& a, const CodePoints& b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t longer = std::max(a.size(), b.size());
  const std::size_t window = longer / 2 > 0 ? longer / 2 - 1 : 0;

  std::vector<bool> a_matched(a.size(), false);
  std::vector<bool> b_matched(b.size(), false);
  std::size_t matches = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t lo = i > window ? i - window : 0;
    const std::size_t hi = std::min(b.size(), i + window + 1);
    for (std::size_t j = lo; j < hi; ++j) {
      if (!b_matched[j] && a[i] == b[j]) {
        a_matched[i] = true;
        b_matched[j] = true;
        ++matches;
        break;
      }
    }
  }
  if (matches == 0) return 0.0;

  std::size_t out_of_order = 0;
  std::size_t j = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a_matched[i]) continue;
    while (!b_matched[j]) ++j;
    if (a[i] != b[j]) ++out_of_order;
    ++j;
  }
  const auto m = static_cast<double>(matches);
  const double transpositions = static_cast<double>(out_of_order) / 2.0;
  return (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) +
          (m - transpositions) / m) /
         3.0;
}

void check_winkler_parameters(double prefix_scale, int max_prefix) {
  // The negated form also rejects NaN.
  if (max_prefix < 0 || !(prefix_scale >= 0.0) || !(prefix_scale * max_prefix <= 1.0)) {
    throw Error(Error::Kind::usage,
                fmt::format("Jaro–Winkler needs max_prefix >= 0 and 0 <= prefix_scale * "
                            "max_prefix <= 1, got prefix_scale {} and max_prefix {}",
                            prefix_scale, max_prefix));
  }
}

double jaro_winkler_code_points(const CodePoints& a, const CodePoints& b, double prefix_scale,
                                int max_prefix, double boost_threshold) {
  const double base = jaro_code_points(a, b);
  if (!(base > boost_threshold)) return base;
  const std::size_t limit = std::min({a.size(), b.size(), static_cast<std::size_t>(max_prefix)});
  std::size_t prefix = 0;
  while (prefix < limit && a[prefix] == b[prefix]) ++prefix;
  return base + static_cast<double>(prefix) * prefix_scale * (1.0 - base);
}

std::vector<CodePoints> split_tokens(const CodePoints& text) {
  std::vector<CodePoints> tokens;
  CodePoints current;
  for (const char32_t cp : text) {
    if (cp == U' ' || cp == U'\t') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(cp);
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

// Only white space and dashes are meaningless in a document number; anything
// else, punctuation included, is kept so that it can still disagree.
std::u32string normalise_document_number(std::string_view text) {
  std::u32string out;
  for (const char32_t cp : decode_utf8(text)) {
    const auto c = static_cast<UChar32>(cp);
    if (u_isUWhiteSpace(c) || u_charType(c) == U_DASH_PUNCTUATION) continue;
    out.push_back(static_cast<char32_t>(u_foldCase(c, U_FOLD_CASE_DEFAULT)));
  }
  return out;
}

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  // With the year unknown, 29 February may be a real birthday.
  if (month == 2 && (year == 0 || is_leap_year(year))) return 29;
  return kDays.at(static_cast<std::size_t>(month - 1));
}

bool is_valid_date(const Date& d) {
  if (d.year < 0 || d.year > 9999 || d.month < 0 || d.month > 12 || d.day < 0) return false;
  if (d.day == 0) return true;
  return d.day <= (d.month == 0 ? 31 : days_in_month(d.year, d.month));
}

// Both years are 1..9999; a typo changes one digit of the four written.
bool years_differ_in_one_digit(int a, int b) {
  int differing = 0;
  for (int i = 0; i < 4; ++i, a /= 10, b /= 10) {
    if (a % 10 != b % 10) ++differing;
  }
  return differing == 1;
}

// Reads exactly `width` ASCII digits; nullopt otherwise.
std::optional<int> read_digits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

[[noreturn]] void throw_bad_date(std::string_view problem) {
  throw Error(Error::Kind::input,
              fmt::format("date {}: expected YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY, with 00 "
                          "for an unknown part",
                          problem));
}

}  // namespace

double jaro(std::string_view a, std::string_view b) {
  return jaro_code_points(decode_utf8(a), decode_utf8(b));
}

double jaro_winkler(std::string_view a, std::string_view b, double prefix_scale, int max_prefix,
                    double boost_threshold) {
  check_winkler_parameters(prefix_scale, max_prefix);
  return jaro_winkler_code_points(decode_utf8(a), decode_utf8(b), prefix_scale, max_prefix,
                                  boost_threshold);
}

int levenshtein(std::string_view a, std::string_view b) {
  const CodePoints x = decode_utf8(a);
  const CodePoints y = decode_utf8(b);
  std::vector<int> previous(y.size() + 1);
  std::vector<int> current(y.size() + 1);
  for (std::size_t j = 0; j <= y.size(); ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= x.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= y.size(); ++j) {
      const int substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
    }
    std::swap(previous, current);
  }
  return previous[y.size()];
}

int damerau_levenshtein(std::string_view a, std::string_view b) {
  const CodePoints x = decode_utf8(a);
  const CodePoints y = decode_utf8(b);
  // OSA needs the row before the previous one for transpositions.
  std::vector<int> before(y.size() + 1);
  std::vector<int> previous(y.size() + 1);
  std::vector<int> current(y.size() + 1);
  for (std::size_t j = 0; j <= y.size(); ++j) previous[j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= x.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (std::size_t j = 1; j <= y.size(); ++j) {
      const int substitution = previous[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1);
      int best = std::min({previous[j] + 1, current[j - 1] + 1, substitution});
      if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1]) {
        best = std::min(best, before[j - 2] + 1);
      }
      current[j] = best;
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[y.size()];
}

std::size_t code_point_count(std::string_view text) {
  return decode_utf8(text).size();
}

double normalised_similarity(int distance, std::size_t len_a, std::size_t len_b) {
  const std::size_t longer = std::max(len_a, len_b);
  if (distance < 0 || static_cast<std::size_t>(distance) > longer) {
    throw Error(Error::Kind::usage,
                fmt::format("edit distance {} outside [0, {}] for strings of {} and {} "
                            "characters",
                            distance, longer, len_a, len_b));
  }
  if (longer == 0) return 1.0;
  return 1.0 - static_cast<double>(distance) / static_cast<double>(longer);
}

double token_set_similarity(std::string_view a, std::string_view b) {
  std::vector<CodePoints> short_tokens = split_tokens(decode_utf8(a));
  std::vector<CodePoints> long_tokens = split_tokens(decode_utf8(b));
  if (short_tokens.size() > long_tokens.size()) std::swap(short_tokens, long_tokens);
  if (long_tokens.size() > kMaxNameTokens) {
    throw Error(Error::Kind::usage,
                fmt::format("a name of {} tokens is longer than the {} token_set_similarity "
                            "accepts",
                            long_tokens.size(), kMaxNameTokens));
  }
  if (long_tokens.empty()) return 1.0;
  if (short_tokens.empty()) return 0.0;

  const std::size_t k = short_tokens.size();
  const std::size_t n = long_tokens.size();
  std::vector<double> score(k * n);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      score[i * n + j] =
          jaro_winkler_code_points(short_tokens[i], long_tokens[j], 0.1, 4, kWinklerBoostThreshold);
    }
  }
  // best[mask]: highest total when the first popcount(mask) short tokens are
  // matched to the long tokens in `mask`. Exact, unlike greedy matching,
  // which can pair a token with its second-best partner.
  constexpr double kUnreached = -1.0;
  const std::size_t subsets = std::size_t{1} << n;
  std::vector<double> best(subsets, kUnreached);
  best[0] = 0.0;
  double answer = 0.0;
  for (std::size_t mask = 0; mask < subsets; ++mask) {
    if (best[mask] < 0.0) continue;
    const auto used = static_cast<std::size_t>(std::popcount(mask));
    if (used == k) {
      answer = std::max(answer, best[mask]);
      continue;
    }
    for (std::size_t j = 0; j < n; ++j) {
      const std::size_t bit = std::size_t{1} << j;
      if ((mask & bit) != 0) continue;
      best[mask | bit] = std::max(best[mask | bit], best[mask] + score[used * n + j]);
    }
  }
  return answer / static_cast<double>(k);
}

DateAgreement compare_dates(const Date& a, const Date& b) {
  if (!is_valid_date(a) || !is_valid_date(b)) {
    throw Error(Error::Kind::usage, "compare_dates: a date part is out of range");
  }
  if (a.year == 0 || b.year == 0) return DateAgreement::missing;
  const bool complete = a.month != 0 && a.day != 0 && b.month != 0 && b.day != 0;
  if (!complete) return a.year == b.year ? DateAgreement::year_only : DateAgreement::disagree;

  const bool same_year = a.year == b.year;
  const bool same_month = a.month == b.month;
  const bool same_day = a.day == b.day;
  if (same_year && same_month && same_day) return DateAgreement::exact;
  if (same_year && a.day == b.month && a.month == b.day) return DateAgreement::day_month_swapped;
  const bool year_typo = years_differ_in_one_digit(a.year, b.year);
  if ((same_month && same_day && year_typo) || (same_year && (same_month || same_day))) {
    return DateAgreement::one_part_differs;
  }
  if (same_year) return DateAgreement::year_only;
  return DateAgreement::disagree;
}

std::optional<Date> parse_date(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  text = text.substr(first, text.find_last_not_of(" \t") - first + 1);
  if (text.size() != 10) throw_bad_date("of the wrong length");

  std::optional<int> year;
  std::optional<int> month;
  std::optional<int> day;
  if (text[4] == '-' && text[7] == '-') {
    year = read_digits(text, 0, 4);
    month = read_digits(text, 5, 2);
    day = read_digits(text, 8, 2);
  } else if ((text[2] == '.' && text[5] == '.') || (text[2] == '/' && text[5] == '/')) {
    day = read_digits(text, 0, 2);
    month = read_digits(text, 3, 2);
    year = read_digits(text, 6, 4);
  } else {
    throw_bad_date("in an unknown form");
  }
  if (!year || !month || !day) throw_bad_date("with a non-digit where a digit belongs");
  const Date date{*year, *month, *day};
  if (!is_valid_date(date)) throw_bad_date("that does not exist");
  return date;
}

ExactAgreement compare_exact(std::string_view a, std::string_view b) {
  const std::u32string x = normalise_document_number(a);
  const std::u32string y = normalise_document_number(b);
  if (x.empty() || y.empty()) return ExactAgreement::missing;
  return x == y ? ExactAgreement::agree : ExactAgreement::disagree;
}

}  // namespace vigil::link
