#include "link/names.hpp"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/utf8.hpp"

namespace vigil::link {

namespace {

// ---------------------------------------------------------------------------
// Decoding and Unicode clean-up.

// ICU would quietly turn a bad byte into U+FFFD; a name with a replacement
// character in it would then link to nothing, so the caller must hear of it.
icu::UnicodeString from_utf8(std::string_view utf8) {
  UErrorCode status = U_ZERO_ERROR;
  int32_t length = 0;
  int32_t substitutions = 0;
  const auto size = static_cast<int32_t>(utf8.size());
  u_strFromUTF8WithSub(nullptr, 0, &length, utf8.data(), size, 0xFFFD, &substitutions, &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) status = U_ZERO_ERROR;
  if (U_FAILURE(status) || substitutions > 0) {
    throw Error(Error::Kind::input, "a name is not valid UTF-8");
  }
  return icu::UnicodeString::fromUTF8(icu::StringPiece(utf8.data(), size));
}

std::u32string to_code_points(const icu::UnicodeString& text) {
  std::u32string out;
  for (int32_t i = 0; i < text.length(); i = text.moveIndex32(i, 1)) {
    out.push_back(static_cast<char32_t>(text.char32At(i)));
  }
  return out;
}

std::string to_utf8(std::u32string_view codes) {
  std::string out;
  out.reserve(codes.size() * 2);
  for (const char32_t c : codes) append_utf8(out, c);
  return out;
}

bool is_apostrophe(char32_t c) {
  // ASCII, typographic, modifier letter (ʼ ʻ ʹ) and grave: all are typed for
  // the 2017 Kazakh apostrophe and for names such as O'Brien.
  return c == U'\'' || c == 0x2018 || c == 0x2019 || c == 0x02BC || c == 0x02BB || c == 0x02B9 ||
         c == U'`';
}

bool is_cyrillic(char32_t c) {
  return c >= 0x400 && c <= 0x4FF;
}

bool is_latin(char32_t c) {
  return (c >= U'a' && c <= U'z') || (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

struct LookAlike {
  char32_t latin;
  char32_t cyrillic;
};

// Lowercase pairs that a keyboard-layout slip produces and that a reader
// cannot tell apart; b and m are there because case folding has already
// turned the look-alike capitals В and М into them.
constexpr LookAlike kLookAlikes[] = {
    {U'a', U'а'}, {U'e', U'е'}, {U'o', U'о'}, {U'p', U'р'}, {U'c', U'с'}, {U'x', U'х'},
    {U'y', U'у'}, {U'k', U'к'}, {U'm', U'м'}, {U't', U'т'}, {U'b', U'в'}, {U'i', U'і'},
};

const LookAlike* find_look_alike(char32_t c) {
  for (const auto& pair : kLookAlikes) {
    if (pair.latin == c || pair.cyrillic == c) return &pair;
  }
  return nullptr;
}

// A word is put into the script of its letters that have no look-alike;
// a word with such letters from both scripts is left alone, since guessing
// would be as likely to damage it as to mend it.
void unify_script(std::u32string::iterator first, std::u32string::iterator last) {
  bool cyrillic = false;
  bool latin = false;
  for (auto it = first; it != last; ++it) {
    if (find_look_alike(*it) != nullptr) continue;
    cyrillic = cyrillic || is_cyrillic(*it);
    latin = latin || is_latin(*it);
  }
  if (cyrillic == latin) return;
  for (auto it = first; it != last; ++it) {
    const LookAlike* pair = find_look_alike(*it);
    if (pair != nullptr) *it = cyrillic ? pair->cyrillic : pair->latin;
  }
}

std::u32string clean(std::string_view utf8, bool keep_apostrophes) {
  icu::UnicodeString text = from_utf8(utf8);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_SUCCESS(status)) text = nfkc_cf->normalize(text, status);
  if (U_FAILURE(status)) throw Error(Error::Kind::internal, "ICU cannot normalise a name");

  std::u32string mapped;
  for (const char32_t c : to_code_points(text)) {
    const auto type = static_cast<UCharCategory>(u_charType(static_cast<UChar32>(c)));
    if (c == U'ё') {
      mapped.push_back(U'е');
    } else if (is_apostrophe(c)) {
      if (keep_apostrophes) mapped.push_back(U'\'');
    } else if (type == U_DASH_PUNCTUATION) {
      mapped.push_back(U'-');
    } else if (u_isalnum(static_cast<UChar32>(c)) || type == U_NON_SPACING_MARK ||
               type == U_COMBINING_SPACING_MARK) {
      mapped.push_back(c);
    } else {
      mapped.push_back(U' ');
    }
  }

  // Spaces: one between words, none around a dash or at the ends; dashes:
  // one between words, none at the ends.
  std::u32string out;
  for (const char32_t c : mapped) {
    if (c == U' ') {
      if (!out.empty() && out.back() != U' ' && out.back() != U'-') out.push_back(c);
    } else if (c == U'-') {
      if (!out.empty() && out.back() == U' ') out.pop_back();
      if (!out.empty() && out.back() != U'-') out.push_back(c);
    } else {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == U' ' || out.back() == U'-')) out.pop_back();

  auto word = out.begin();
  for (auto it = out.begin();; ++it) {
    if (it == out.end() || *it == U' ' || *it == U'-') {
      unify_script(word, it);
      if (it == out.end()) break;
      word = it + 1;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Transliteration.

struct CyrillicLetter {
  char32_t letter;
  std::string_view latin;
};

// Letter-for-letter step of to_latin (table in names.hpp). Kazakh letters
// take the plain letter their ICAO Doc 9303 form uses; the Russian ones the
// ICAO form, except ж -> j, х -> h, й -> i, which are where the fold below
// brings every system.
constexpr CyrillicLetter kCyrillic[] = {
    {U'а', "a"},    {U'ә', "a"}, {U'б', "b"}, {U'в', "v"}, {U'г', "g"},  {U'ғ', "g"},  {U'д', "d"},
    {U'е', "e"},    {U'ё', "e"}, {U'ж', "j"}, {U'з', "z"}, {U'и', "i"},  {U'й', "i"},  {U'і', "i"},
    {U'к', "k"},    {U'қ', "k"}, {U'л', "l"}, {U'м', "m"}, {U'н', "n"},  {U'ң', "n"},  {U'о', "o"},
    {U'ө', "o"},    {U'п', "p"}, {U'р', "r"}, {U'с', "s"}, {U'т', "t"},  {U'у', "u"},  {U'ұ', "u"},
    {U'ү', "u"},    {U'ф', "f"}, {U'х', "h"}, {U'һ', "h"}, {U'ц', "ts"}, {U'ч', "ch"}, {U'ш', "sh"},
    {U'щ', "shch"}, {U'ъ', ""},  {U'ы', "y"}, {U'ь', ""},  {U'э', "e"},  {U'ю', "iu"}, {U'я', "ia"},
    {U'є', "ie"},   {U'ї', "i"}, {U'ґ', "g"}, {U'ў', "u"},
};

// Latin letters whose base letter alone would lose what they stand for
// (ş is sh, not s); all others lose their diacritics.
constexpr CyrillicLetter kLatinSpecial[] = {
    {U'ı', "i"},
    {U'ş', "sh"},
    {U'ș', "sh"},
    {U'š', "sh"},
    {U'ç', "ch"},
    {U'č', "ch"},
    {U'ž', "zh"},
    {U'ŝ', "shch"},
    {U'ß', "ss"},
    {U'æ', "ae"},
    {U'ø', "o"},
    {U'đ', "d"},
    {U'ł', "l"},
    {U'ŋ', "n"},
    // ISO 9:1995 Ю and Я; neither letter is used by the Kazakh alphabets.
    {U'û', "iu"},
    {U'â', "ia"},
};

std::string_view lookup(std::span<const CyrillicLetter> table, char32_t c, bool& found) {
  for (const auto& row : table) {
    if (row.letter == c) {
      found = true;
      return row.latin;
    }
  }
  found = false;
  return {};
}

bool is_vowel(char c) {
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// The Latin folds of the table in names.hpp, on lowercase ASCII.
std::string fold_latin(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  const auto at = [&s](std::size_t i) { return i < s.size() ? s[i] : '\0'; };
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    const std::string_view rest = s.substr(i);
    if (c == '\'') {
      // 2017 alphabet: S' is Ш and C' is Ч; on other letters the apostrophe
      // only marks the Kazakh vowel or consonant, which the key ignores.
      if (!out.empty() && (out.back() == 's' || out.back() == 'c')) out.push_back('h');
      ++i;
    } else if (rest.starts_with("dzh")) {
      out.push_back('j');
      i += 3;
    } else if (rest.starts_with("dj") || rest.starts_with("zh")) {
      out.push_back('j');
      i += 2;
    } else if (rest.starts_with("kh")) {
      out.push_back('h');
      i += 2;
    } else if (rest.starts_with("gh")) {
      out.push_back('g');
      i += 2;
    } else if (c == 'q') {
      out.push_back('k');
      ++i;
    } else if (c == 'x') {
      out += "ks";
      ++i;
    } else if (c == 'y') {
      const char next = at(i + 1);
      if (next == 'u' || next == 'a') {
        out.push_back('i');
        out.push_back(next);
        i += 2;
      } else if (next == 'e' || next == 'o') {
        out.push_back('e');
        i += 2;
      } else {
        out.push_back(!out.empty() && is_vowel(out.back()) ? 'i' : 'y');
        ++i;
      }
    } else {
      out.push_back(c);
      ++i;
    }
  }
  return out;
}

std::string transliterate(std::u32string_view codes) {
  static const icu::Normalizer2* const nfd = [] {
    UErrorCode status = U_ZERO_ERROR;
    const icu::Normalizer2* instance = icu::Normalizer2::getNFDInstance(status);
    if (U_FAILURE(status)) throw Error(Error::Kind::internal, "ICU has no NFD data");
    return instance;
  }();
  std::string out;
  for (const char32_t c : codes) {
    bool found = false;
    if (c < 0x80) {
      if ((c >= U'a' && c <= U'z') || (c >= U'0' && c <= U'9') || c == U' ' || c == U'-' ||
          c == U'\'') {
        out.push_back(static_cast<char>(c));
      }
      continue;
    }
    std::string_view latin = lookup(kCyrillic, c, found);
    if (!found) latin = lookup(kLatinSpecial, c, found);
    if (found) {
      out += latin;
      continue;
    }
    // Other accented Latin letters (ä, ğ, ñ, ö, ū, ü, á, ǵ, ń, ó, ú, ý ...):
    // the base letter. Letters of other scripts have no key form and drop.
    icu::UnicodeString decomposition;
    if (nfd->getDecomposition(static_cast<UChar32>(c), decomposition) &&
        decomposition.length() > 0) {
      const auto base = static_cast<char32_t>(decomposition.char32At(0));
      if (base >= U'a' && base <= U'z') {
        out.push_back(static_cast<char>(base));
      } else if (base == U'ı') {
        out.push_back('i');
      }
    }
  }
  return fold_latin(out);
}

std::vector<std::string> split_words(const std::string& text) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find(' ', start), text.size());
    if (end > start) words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

// Strips the first ending that leaves at least two code points.
std::u32string strip_ending(std::u32string word, std::span<const std::u32string_view> endings) {
  for (const auto ending : endings) {
    if (word.size() >= ending.size() + 2 && std::u32string_view(word).ends_with(ending)) {
      word.resize(word.size() - ending.size());
      return word;
    }
  }
  return word;
}

}  // namespace

std::string normalise_name(std::string_view utf8) {
  return to_utf8(clean(utf8, false));
}

std::string to_latin(std::string_view utf8) {
  return transliterate(clean(utf8, true));
}

std::string phonetic_key(std::string_view latin_key) {
  const std::string folded = to_latin(latin_key);
  std::string out;
  for (char c : folded) {
    if (c == '-' || c == '\'') continue;
    if (c == 'y') c = 'i';
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
    if (!out.empty() && out.back() == c) continue;
    out.push_back(c);
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

bool is_lone_patronymic_word(const std::string& latin) {
  return latin == "uly" || latin == "ulu" || latin == "kyzy" || latin == "kizi";
}

bool is_patronymic(const std::string& word) {
  const std::string latin = to_latin(word);
  constexpr std::string_view kEndings[] = {"ovich", "evich", "ovna", "evna", "ichna",
                                           "uly",   "ulu",   "kyzy", "kizi"};
  for (const auto ending : kEndings) {
    if (latin.ends_with(ending)) return true;
  }
  return false;
}

}  // namespace

NameParts split_name(std::string_view full_name) {
  std::vector<std::string> words;
  for (auto& word : split_words(normalise_name(full_name))) {
    // "Нұрлан қызы": the particle belongs to the father's name before it.
    if (!words.empty() && is_lone_patronymic_word(to_latin(word))) {
      words.back() += ' ';
      words.back() += word;
    } else {
      words.push_back(std::move(word));
    }
  }
  NameParts parts;
  if (words.empty()) return parts;
  // Registers write the surname first, so a first word ending in -ұлы is a
  // surname (Жақсыбекұлы), not a patronymic.
  for (std::size_t i = words.size(); i-- > 1;) {
    if (is_patronymic(words[i])) {
      parts.patronymic = words[i];
      words.erase(words.begin() + static_cast<std::ptrdiff_t>(i));
      break;
    }
  }
  if (words.size() == 1) {
    parts.given = words[0];
    return parts;
  }
  parts.surname = words[0];
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (!parts.given.empty()) parts.given += ' ';
    parts.given += words[i];
  }
  return parts;
}

std::string surname_stem(std::string_view latin_key) {
  constexpr std::u32string_view kCyrillicEndings[] = {U"ова", U"ева", U"ина", U"ына",
                                                      U"ов",  U"ев",  U"ин",  U"ын"};
  constexpr std::u32string_view kLatinEndings[] = {U"skaia", U"skii", U"ova", U"eva", U"ina",
                                                   U"yna",   U"ov",   U"ev",  U"in",  U"yn"};
  std::u32string cleaned = clean(latin_key, true);
  bool cyrillic = false;
  for (const char32_t c : cleaned) cyrillic = cyrillic || is_cyrillic(c);
  if (cyrillic) cleaned = strip_ending(std::move(cleaned), kCyrillicEndings);
  std::u32string latin;
  for (const char c : transliterate(cleaned)) latin.push_back(static_cast<unsigned char>(c));
  return to_utf8(strip_ending(std::move(latin), kLatinEndings));
}

}  // namespace vigil::link
