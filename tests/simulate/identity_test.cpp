#include "simulate/identity.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::simulate {

namespace {

constexpr std::array kAllPools = {NamePool::kazakh,    NamePool::russian, NamePool::uzbek,
                                  NamePool::kyrgyz,    NamePool::tajik,   NamePool::chinese,
                                  NamePool::ukrainian, NamePool::other};

// Strict UTF-8 decoding: nullopt for anything that is not valid UTF-8
// (truncated or overlong sequences, surrogates, values past U+10FFFF).
std::optional<std::u32string> decode(std::string_view text) {
  std::u32string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    char32_t code = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      length = 1;
      code = lead;
    } else if ((lead & 0xE0U) == 0xC0U) {
      length = 2;
      code = lead & 0x1FU;
      min = 0x80;
    } else if ((lead & 0xF0U) == 0xE0U) {
      length = 3;
      code = lead & 0x0FU;
      min = 0x800;
    } else if ((lead & 0xF8U) == 0xF0U) {
      length = 4;
      code = lead & 0x07U;
      min = 0x10000;
    } else {
      return std::nullopt;
    }
    if (i + length > text.size()) return std::nullopt;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0U) != 0x80U) return std::nullopt;
      code = (code << 6U) | (next & 0x3FU);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return std::nullopt;
    out.push_back(code);
    i += length;
  }
  return out;
}

bool valid_utf8(std::string_view text) {
  return decode(text).has_value();
}

bool is_cyrillic(char32_t code) {
  return code >= 0x400 && code <= 0x4FF;
}

bool all_cyrillic(std::string_view text) {
  const auto codes = decode(text);
  return codes && !codes->empty() && std::all_of(codes->begin(), codes->end(), is_cyrillic);
}

bool no_cyrillic(std::string_view text) {
  const auto codes = decode(text);
  return codes && std::none_of(codes->begin(), codes->end(), is_cyrillic);
}

// Damerau-Levenshtein distance on code points (optimal string alignment:
// substitution, deletion, insertion, adjacent transposition).
std::size_t edit_distance(std::string_view a_text, std::string_view b_text) {
  const std::u32string a = decode(a_text).value();
  const std::u32string b = decode(b_text).value();
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int month_length(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : kDays[month - 1];
}

std::string two_digits(int value) {
  return std::string(1, static_cast<char>('0' + value / 10)) +
         std::string(1, static_cast<char>('0' + value % 10));
}

std::string date_text(int first, int second, int year) {
  return two_digits(first) + "." + two_digits(second) + "." + std::to_string(year);
}

bool same_identity(const Identity& a, const Identity& b) {
  return a.surname == b.surname && a.given_name == b.given_name && a.sex == b.sex &&
         a.birth.year == b.birth.year && a.birth.month == b.birth.month &&
         a.birth.day == b.birth.day && a.document_number == b.document_number;
}

bool same_record(const RecordedIdentity& a, const RecordedIdentity& b) {
  return a.surname == b.surname && a.given_name == b.given_name && a.sex == b.sex &&
         a.birth_date == b.birth_date && a.document_number == b.document_number &&
         a.script == b.script && a.typo_surname == b.typo_surname &&
         a.typo_given_name == b.typo_given_name && a.day_month_swapped == b.day_month_swapped &&
         a.given_name_missing == b.given_name_missing &&
         a.birth_date_missing == b.birth_date_missing && a.document_missing == b.document_missing;
}

// The observed count of an event is within four binomial standard errors of
// its expectation.
void expect_binomial(std::size_t count, std::size_t trials, double p, const char* what) {
  ASSERT_GT(trials, 0U) << what;
  const double expected = static_cast<double>(trials) * p;
  const double se = std::sqrt(static_cast<double>(trials) * p * (1.0 - p));
  EXPECT_NEAR(static_cast<double>(count), expected, 4.0 * se)
      << what << ": " << count << " of " << trials;
}

struct PoolNames {
  std::set<std::string> surnames;  // male forms
  std::set<std::string> female;
  std::set<std::string> male;
};

// The pools are not exposed, so they are enumerated by drawing: 3,000 draws
// from at most ~60 names miss one with probability below 1e-19.
PoolNames collect(NamePool pool) {
  PoolNames names;
  Rng rng(42);
  for (int i = 0; i < 3000; ++i) {
    const Identity man = draw_identity(pool, Sex::male, 1990, "KAZ", rng);
    names.surnames.insert(man.surname);
    names.male.insert(man.given_name);
    names.female.insert(draw_identity(pool, Sex::female, 1990, "KAZ", rng).given_name);
  }
  return names;
}

TEST(Romanise, IcaoWorkedExamples) {
  EXPECT_EQ(romanise("Юлия Щеглова", Script::latin_icao), "Iuliia Shcheglova");
  EXPECT_EQ(romanise("Артём Краевой", Script::latin_icao), "Artem Kraevoi");
  EXPECT_EQ(romanise("Ян Разъездной", Script::latin_icao), "Ian Razieezdnoi");
  EXPECT_EQ(romanise("Хабаров Жанна Цой Чернышёв", Script::latin_icao),
            "Khabarov Zhanna Tsoi Chernyshev");
}

TEST(Romanise, KazakhLettersInEachScript) {
  EXPECT_EQ(romanise("Қайрат Әбілов", Script::latin_icao), "Kairat Abilov");
  EXPECT_EQ(romanise("Қайрат Әбілов", Script::latin_kazakh_2021), "Qairat Äbılov");
  EXPECT_EQ(romanise("Қайрат Әбілов", Script::latin_legacy), "Kayrat Abilov");
  EXPECT_EQ(romanise("Ғалия Ұлжан Үміт Іңкәр Өмірзақов Зүһра", Script::latin_icao),
            "Galiia Ulzhan Umit Inkar Omirzakov Zuhra");
  EXPECT_EQ(romanise("Ғалия Ұлжан Үміт Іңкәр Өмірзақов Зүһра", Script::latin_kazakh_2021),
            "Ğaliya Ūljan Ümıt Iñkär Ömırzaqov Zühra");
  EXPECT_EQ(romanise("Шолпан Щеглова Хабаров Ілияс", Script::latin_kazakh_2021),
            "Şolpan Şçeglova Habarov Iliyas");
}

TEST(Romanise, LegacySystem) {
  EXPECT_EQ(romanise("Юлия", Script::latin_legacy), "Yuliya");
  EXPECT_EQ(romanise("Артём Краевой", Script::latin_legacy), "Artyom Kraevoy");
  EXPECT_EQ(romanise("Ян Разъездной", Script::latin_legacy), "Yan Razezdnoy");
  EXPECT_EQ(romanise("Щеглова Хабаров", Script::latin_legacy), "Shcheglova Khabarov");
}

TEST(Romanise, CapitalsFollowTheInput) {
  EXPECT_EQ(romanise("ЩЕГЛОВА", Script::latin_icao), "SHCHEGLOVA");
  EXPECT_EQ(romanise("Щеглова", Script::latin_icao), "Shcheglova");
  EXPECT_EQ(romanise("ЮЛИЯ ЩЕГЛОВА", Script::latin_icao), "IULIIA SHCHEGLOVA");
  EXPECT_EQ(romanise("ЩЕГЛОВА", Script::latin_kazakh_2021), "ŞÇEGLOVA");
  EXPECT_EQ(romanise("ЮЛИЯ", Script::latin_legacy), "YULIYA");
  // A single capital is an initial, not a word in capitals.
  EXPECT_EQ(romanise("Щеглова Ю.", Script::latin_icao), "Shcheglova Iu.");
  // İ and ı: the 2021 alphabet's dotted capital and dotless small letter.
  EXPECT_EQ(romanise("Иван", Script::latin_kazakh_2021), "İvan");
  EXPECT_EQ(romanise("ИВАН", Script::latin_kazakh_2021), "İVAN");
  EXPECT_EQ(romanise("ІЛИЯС", Script::latin_kazakh_2021), "ILİYAS");
  EXPECT_EQ(romanise("ҚАЙРАТ ӘБІЛОВ", Script::latin_kazakh_2021), "QAİRAT ÄBILOV");
  EXPECT_EQ(romanise("ҚАЙРАТ ӘБІЛОВ", Script::latin_icao), "KAIRAT ABILOV");
}

TEST(Romanise, OtherCharactersPassThrough) {
  EXPECT_EQ(romanise("Қайрат Әбілов", Script::cyrillic), "Қайрат Әбілов");
  EXPECT_EQ(romanise("Ким-Ли, 2 (Kim)", Script::latin_icao), "Kim-Li, 2 (Kim)");
  EXPECT_EQ(romanise("", Script::latin_icao), "");
  // Ukrainian letters.
  EXPECT_EQ(romanise("Ґалаґан Євгенія Їжакевич", Script::latin_icao),
            "Galagan Ievgeniia Izhakevich");
  // Bytes that are not UTF-8 are kept as they are.
  EXPECT_EQ(romanise("\xFFЯ\xC3", Script::latin_icao), "\xFFIa\xC3");
}

TEST(Surname, FemaleForms) {
  EXPECT_EQ(surname_for_sex("Абилов", Sex::female), "Абилова");
  EXPECT_EQ(surname_for_sex("Абилов", Sex::male), "Абилов");
  EXPECT_EQ(surname_for_sex("Алиев", Sex::female), "Алиева");
  EXPECT_EQ(surname_for_sex("Соловьёв", Sex::female), "Соловьёва");
  EXPECT_EQ(surname_for_sex("Ильин", Sex::female), "Ильина");
  EXPECT_EQ(surname_for_sex("Птицын", Sex::female), "Птицына");
  EXPECT_EQ(surname_for_sex("Жаксыбекұлы", Sex::female), "Жаксыбекқызы");
  EXPECT_EQ(surname_for_sex("Жаксыбекулы", Sex::female), "Жаксыбеккызы");
  EXPECT_EQ(surname_for_sex("Ким", Sex::female), "Ким");
  EXPECT_EQ(surname_for_sex("Петровский", Sex::female), "Петровская");
  EXPECT_EQ(surname_for_sex("Высоцкий", Sex::female), "Высоцкая");
  // No general -ий -> -ая, and names without a Russian ending stay as they are.
  EXPECT_EQ(surname_for_sex("Гордий", Sex::female), "Гордий");
  EXPECT_EQ(surname_for_sex("Шевченко", Sex::female), "Шевченко");
  EXPECT_EQ(surname_for_sex("Қасым", Sex::female), "Қасым");
  EXPECT_EQ(surname_for_sex("Рахимзода", Sex::female), "Рахимзода");
}

TEST(Pools, EveryPoolHasFortyCyrillicNamesPerList) {
  for (const NamePool pool : kAllPools) {
    const PoolNames names = collect(pool);
    SCOPED_TRACE(static_cast<int>(pool));
    EXPECT_GE(names.surnames.size(), 40U);
    EXPECT_GE(names.female.size(), 40U);
    EXPECT_GE(names.male.size(), 40U);
    for (const auto* list : {&names.surnames, &names.female, &names.male}) {
      for (const std::string& name : *list) EXPECT_TRUE(all_cyrillic(name)) << name;
    }
  }
}

TEST(Pools, OtherCountriesDrawFromTheRussianPool) {
  const PoolNames russian = collect(NamePool::russian);
  const PoolNames other = collect(NamePool::other);
  EXPECT_EQ(other.surnames, russian.surnames);
  EXPECT_EQ(other.female, russian.female);
  EXPECT_EQ(other.male, russian.male);
}

TEST(Pools, KazakhPoolWritesKazakhLetters) {
  const PoolNames kazakh = collect(NamePool::kazakh);
  std::set<char32_t> letters;
  for (const auto* list : {&kazakh.surnames, &kazakh.female, &kazakh.male}) {
    for (const std::string& name : *list) {
      const std::u32string codes = decode(name).value();
      letters.insert(codes.begin(), codes.end());
    }
  }
  // Each Kazakh-specific letter, small or capital.
  const std::vector<std::pair<char32_t, char32_t>> kazakh_letters = {
      {U'ә', U'Ә'}, {U'ғ', U'Ғ'}, {U'қ', U'Қ'}, {U'ң', U'Ң'}, {U'ө', U'Ө'},
      {U'ұ', U'Ұ'}, {U'ү', U'Ү'}, {U'һ', U'Һ'}, {U'і', U'І'}};
  for (const auto& [small, capital] : kazakh_letters) {
    EXPECT_TRUE(letters.count(small) > 0 || letters.count(capital) > 0)
        << static_cast<std::uint32_t>(small);
  }
  for (const char* name : {"Қайрат", "Нұрлан", "Ғалия", "Ұлжан", "Үміт", "Іңкәр"}) {
    EXPECT_TRUE(kazakh.male.count(name) > 0 || kazakh.female.count(name) > 0) << name;
  }
  // Surnames with -ов/-ев/-ин, with -ұлы, and without a Russian ending.
  for (const char* name : {"Әбілов", "Өмірзақов", "Жақсыбекұлы", "Қасым", "Сейт", "Нұрлан"}) {
    EXPECT_TRUE(kazakh.surnames.count(name) > 0) << name;
  }
}

TEST(Pools, NamePoolForCitizenship) {
  EXPECT_EQ(name_pool_for("KAZ"), NamePool::kazakh);
  EXPECT_EQ(name_pool_for("RUS"), NamePool::russian);
  EXPECT_EQ(name_pool_for("BLR"), NamePool::russian);
  EXPECT_EQ(name_pool_for("UZB"), NamePool::uzbek);
  EXPECT_EQ(name_pool_for("KGZ"), NamePool::kyrgyz);
  EXPECT_EQ(name_pool_for("TJK"), NamePool::tajik);
  EXPECT_EQ(name_pool_for("CHN"), NamePool::chinese);
  EXPECT_EQ(name_pool_for("UKR"), NamePool::ukrainian);
  EXPECT_EQ(name_pool_for("kaz"), NamePool::kazakh);
  EXPECT_EQ(name_pool_for("TKM"), NamePool::other);
  EXPECT_EQ(name_pool_for("DEU"), NamePool::other);
  EXPECT_EQ(name_pool_for("ZZZ"), NamePool::other);
  EXPECT_EQ(name_pool_for(""), NamePool::other);
}

TEST(DrawIdentity, SurnamesTakeTheFormForTheSex) {
  // The surname is the first draw, so one seed gives a man and a woman of
  // the same family.
  for (const NamePool pool : kAllPools) {
    for (std::uint64_t seed = 0; seed < 300; ++seed) {
      Rng for_man(seed);
      Rng for_woman(seed);
      const Identity man = draw_identity(pool, Sex::male, 1985, "KAZ", for_man);
      const Identity woman = draw_identity(pool, Sex::female, 1985, "KAZ", for_woman);
      // Chinese surnames do not decline (丁 Дин stays Дин for a woman).
      const std::string expected =
          pool == NamePool::chinese ? man.surname : surname_for_sex(man.surname, Sex::female);
      EXPECT_EQ(woman.surname, expected);
      EXPECT_EQ(man.sex, Sex::male);
      EXPECT_EQ(woman.sex, Sex::female);
    }
  }
}

TEST(DrawIdentity, BirthDatesAreValidAndCoverTheYear) {
  Rng rng(7);
  int leap_day_births = 0;
  std::set<std::pair<int, int>> seen;
  for (int i = 0; i < 10'000; ++i) {
    const int year = 1950 + i % 60;
    const Identity person = draw_identity(NamePool::kazakh, Sex::female, year, "KAZ", rng);
    ASSERT_EQ(person.birth.year, year);
    ASSERT_GE(person.birth.month, 1);
    ASSERT_LE(person.birth.month, 12);
    ASSERT_GE(person.birth.day, 1);
    ASSERT_LE(person.birth.day, month_length(year, person.birth.month)) << year;
    if (person.birth.month == 2 && person.birth.day == 29) {
      EXPECT_TRUE(is_leap(year)) << year;
      ++leap_day_births;
    }
    seen.insert({person.birth.month, person.birth.day});
  }
  EXPECT_GT(leap_day_births, 0);
  // 366 possible days, 10,000 draws: all of them come up.
  EXPECT_EQ(seen.size(), 366U);
  // Century rules: 1900 is not a leap year, 2000 is.
  Rng century(8);
  int feb29_1900 = 0;
  int feb29_2000 = 0;
  for (int i = 0; i < 5000; ++i) {
    const auto a = draw_identity(NamePool::russian, Sex::male, 1900, "RUS", century).birth;
    const auto b = draw_identity(NamePool::russian, Sex::male, 2000, "RUS", century).birth;
    feb29_1900 += a.month == 2 && a.day == 29 ? 1 : 0;
    feb29_2000 += b.month == 2 && b.day == 29 ? 1 : 0;
  }
  EXPECT_EQ(feb29_1900, 0);
  EXPECT_GT(feb29_2000, 0);
}

TEST(DrawIdentity, DocumentNumberIsCountryAndSevenDigits) {
  Rng rng(9);
  bool leading_zero = false;
  for (int i = 0; i < 2000; ++i) {
    const Identity person = draw_identity(NamePool::kazakh, Sex::male, 1990, "KAZ", rng);
    ASSERT_EQ(person.document_number.size(), 9U);
    EXPECT_EQ(person.document_number.substr(0, 2), "KZ");
    for (std::size_t k = 2; k < 9; ++k) {
      EXPECT_TRUE(person.document_number[k] >= '0' && person.document_number[k] <= '9');
    }
    leading_zero = leading_zero || person.document_number[2] == '0';
  }
  EXPECT_TRUE(leading_zero);
  EXPECT_EQ(
      draw_identity(NamePool::uzbek, Sex::male, 1990, "UZB", rng).document_number.substr(0, 2),
      "UZ");
  EXPECT_EQ(
      draw_identity(NamePool::other, Sex::male, 1990, "deu", rng).document_number.substr(0, 2),
      "DE");
  EXPECT_EQ(
      draw_identity(NamePool::other, Sex::male, 1990, "ZZZ", rng).document_number.substr(0, 2),
      "XX");
}

NoiseRates busy_rates() {
  NoiseRates rates;
  rates.latin_script = 0.3;
  rates.typo = 0.05;
  rates.day_month_swap = 0.1;
  rates.missing_name = 0.02;
  rates.missing_birth_date = 0.03;
  rates.missing_document = 0.2;
  return rates;
}

Identity some_identity(std::size_t i, Rng& rng) {
  const NamePool pool = kAllPools[i % kAllPools.size()];
  const Sex sex = i % 3 == 0 ? Sex::male : Sex::female;
  return draw_identity(pool, sex, 1950 + static_cast<int>(rng.below(60)), "KAZ", rng);
}

TEST(Determinism, SameSeedSameIdentitiesAndRecords) {
  const NoiseRates rates = busy_rates();
  Rng a(2024);
  Rng b(2024);
  Rng c(2025);
  bool any_difference = false;
  for (std::size_t i = 0; i < 2000; ++i) {
    const Identity x = some_identity(i, a);
    const Identity y = some_identity(i, b);
    const Identity z = some_identity(i, c);
    ASSERT_TRUE(same_identity(x, y));
    ASSERT_TRUE(same_record(record_identity(x, rates, a), record_identity(y, rates, b)));
    any_difference = any_difference || !same_identity(x, z);
    record_identity(z, rates, c);
  }
  EXPECT_TRUE(any_difference);
}

TEST(RecordIdentity, NoiseRatesAreApplied) {
  const NoiseRates rates = busy_rates();
  constexpr std::size_t kRecords = 200'000;
  Rng world(11);
  Rng lists(12);
  std::size_t latin = 0;
  std::array<std::size_t, 4> by_script{};
  std::size_t typo_surname = 0;
  std::size_t typo_given = 0;
  std::size_t given_written = 0;
  std::size_t swapped = 0;
  std::size_t swap_applicable = 0;
  std::size_t name_missing = 0;
  std::size_t birth_missing = 0;
  std::size_t document_missing = 0;
  for (std::size_t i = 0; i < kRecords; ++i) {
    const Identity person = some_identity(i, world);
    const RecordedIdentity record = record_identity(person, rates, lists);
    ++by_script[static_cast<std::size_t>(record.script)];
    latin += record.script != Script::cyrillic ? 1 : 0;

    // Every field is valid UTF-8, and a name is either the romanised truth
    // or one edit away from it.
    for (const std::string* field : {&record.surname, &record.given_name, &record.sex,
                                     &record.birth_date, &record.document_number}) {
      ASSERT_TRUE(valid_utf8(*field));
    }
    const std::string surname = romanise(person.surname, record.script);
    if (record.typo_surname) {
      ++typo_surname;
      ASSERT_EQ(edit_distance(record.surname, surname), 1U) << record.surname << " " << surname;
    } else {
      ASSERT_EQ(record.surname, surname);
    }
    if (record.given_name_missing) {
      ++name_missing;
      ASSERT_TRUE(record.given_name.empty());
      ASSERT_FALSE(record.typo_given_name);
    } else {
      ++given_written;
      const std::string given = romanise(person.given_name, record.script);
      if (record.typo_given_name) {
        ++typo_given;
        ASSERT_EQ(edit_distance(record.given_name, given), 1U);
      } else {
        ASSERT_EQ(record.given_name, given);
      }
    }

    const auto& birth = person.birth;
    if (record.birth_date_missing) {
      ++birth_missing;
      ASSERT_TRUE(record.birth_date.empty());
      ASSERT_FALSE(record.day_month_swapped);
    } else {
      const bool applicable = birth.day <= 12 && birth.day != birth.month;
      swap_applicable += applicable ? 1 : 0;
      if (record.day_month_swapped) {
        ++swapped;
        ASSERT_TRUE(applicable);
        ASSERT_EQ(record.birth_date, date_text(birth.month, birth.day, birth.year));
      } else {
        ASSERT_EQ(record.birth_date, date_text(birth.day, birth.month, birth.year));
      }
    }
    if (record.document_missing) {
      ++document_missing;
      ASSERT_TRUE(record.document_number.empty());
    } else {
      ASSERT_EQ(record.document_number, person.document_number);
    }
    ASSERT_EQ(record.sex, person.sex == Sex::female ? "F" : "M");
  }

  expect_binomial(latin, kRecords, rates.latin_script, "latin script");
  expect_binomial(by_script[static_cast<std::size_t>(Script::latin_icao)], latin, 0.6, "ICAO");
  expect_binomial(by_script[static_cast<std::size_t>(Script::latin_kazakh_2021)], latin, 0.2,
                  "Kazakh 2021");
  expect_binomial(by_script[static_cast<std::size_t>(Script::latin_legacy)], latin, 0.2, "legacy");
  expect_binomial(typo_surname, kRecords, rates.typo, "typo in surname");
  expect_binomial(typo_given, given_written, rates.typo, "typo in given name");
  expect_binomial(swapped, swap_applicable, rates.day_month_swap, "day/month swap");
  expect_binomial(name_missing, kRecords, rates.missing_name, "missing name");
  expect_binomial(birth_missing, kRecords, rates.missing_birth_date, "missing birth date");
  expect_binomial(document_missing, kRecords, rates.missing_document, "missing document");
}

TEST(RecordIdentity, TyposAreOneEditInTheNamesScript) {
  NoiseRates rates;
  rates.typo = 1.0;
  rates.latin_script = 0.5;
  Rng world(21);
  Rng lists(22);
  std::array<std::size_t, 3> by_length{};  // shorter, same, longer
  for (std::size_t i = 0; i < 20'000; ++i) {
    const Identity person = some_identity(i, world);
    const RecordedIdentity record = record_identity(person, rates, lists);
    ASSERT_TRUE(record.typo_surname);
    ASSERT_TRUE(record.typo_given_name);
    const std::pair<std::string, std::string> names[] = {
        {record.surname, romanise(person.surname, record.script)},
        {record.given_name, romanise(person.given_name, record.script)}};
    for (const auto& [written, truth] : names) {
      ASSERT_TRUE(valid_utf8(written));
      ASSERT_FALSE(written.empty());
      ASSERT_EQ(edit_distance(written, truth), 1U) << written << " " << truth;
      if (record.script == Script::cyrillic) {
        ASSERT_TRUE(all_cyrillic(written)) << written;
      } else {
        ASSERT_TRUE(no_cyrillic(written)) << written;
      }
      const auto written_length = decode(written)->size();
      const auto true_length = decode(truth)->size();
      ++by_length[written_length < true_length ? 0 : written_length == true_length ? 1 : 2];
    }
  }
  // Deletions, substitutions/transpositions and insertions all occur.
  for (const std::size_t count : by_length) EXPECT_GT(count, 0U);
}

TEST(RecordIdentity, OneLetterNamesKeepALetter) {
  NoiseRates rates;
  rates.typo = 1.0;
  Identity person;
  person.surname = "У";
  person.given_name = "Е";
  person.birth = {1990, 1, 1};
  Rng rng(5);
  for (int i = 0; i < 500; ++i) {
    const RecordedIdentity record = record_identity(person, rates, rng);
    EXPECT_EQ(edit_distance(record.surname, "У"), 1U);
    EXPECT_EQ(edit_distance(record.given_name, "Е"), 1U);
    EXPECT_FALSE(record.surname.empty());
    EXPECT_FALSE(record.given_name.empty());
  }
}

TEST(RecordIdentity, DayAndMonthSwapOnlyWhereItShows) {
  NoiseRates rates;
  rates.day_month_swap = 1.0;
  Identity person;
  person.surname = "Әбілов";
  person.given_name = "Қайрат";
  person.sex = Sex::male;
  person.document_number = "KZ0012345";
  Rng rng(3);

  person.birth = {1990, 3, 5};
  RecordedIdentity record = record_identity(person, rates, rng);
  EXPECT_EQ(record.birth_date, "03.05.1990");
  EXPECT_TRUE(record.day_month_swapped);

  person.birth = {1990, 3, 15};
  record = record_identity(person, rates, rng);
  EXPECT_EQ(record.birth_date, "15.03.1990");
  EXPECT_FALSE(record.day_month_swapped);

  person.birth = {1990, 4, 4};
  record = record_identity(person, rates, rng);
  EXPECT_EQ(record.birth_date, "04.04.1990");
  EXPECT_FALSE(record.day_month_swapped);
}

TEST(RecordIdentity, WithoutNoiseTheRecordIsTheTruth) {
  Identity person;
  person.surname = "Әбілова";
  person.given_name = "Ғалия";
  person.sex = Sex::female;
  person.birth = {1987, 11, 2};
  person.document_number = "KZ0000042";
  Rng rng(1);
  const RecordedIdentity record = record_identity(person, NoiseRates{}, rng);
  EXPECT_EQ(record.surname, "Әбілова");
  EXPECT_EQ(record.given_name, "Ғалия");
  EXPECT_EQ(record.sex, "F");
  EXPECT_EQ(record.birth_date, "02.11.1987");
  EXPECT_EQ(record.document_number, "KZ0000042");
  EXPECT_EQ(record.script, Script::cyrillic);
  EXPECT_FALSE(record.typo_surname || record.typo_given_name || record.day_month_swapped ||
               record.given_name_missing || record.birth_date_missing || record.document_missing);
}

TEST(RecordIdentity, EverythingMissing) {
  NoiseRates rates;
  rates.missing_name = 1.0;
  rates.missing_birth_date = 1.0;
  rates.missing_document = 1.0;
  rates.latin_script = 1.0;
  Rng world(4);
  Rng rng(5);
  const Identity person = draw_identity(NamePool::kazakh, Sex::male, 1999, "KAZ", world);
  const RecordedIdentity record = record_identity(person, rates, rng);
  EXPECT_TRUE(record.given_name.empty());
  EXPECT_TRUE(record.birth_date.empty());
  EXPECT_TRUE(record.document_number.empty());
  EXPECT_TRUE(record.given_name_missing && record.birth_date_missing && record.document_missing);
  EXPECT_EQ(record.sex, "M");
  EXPECT_NE(record.script, Script::cyrillic);
  EXPECT_EQ(record.surname, romanise(person.surname, record.script));
}

TEST(RecordIdentity, RatesMustBeProbabilities) {
  Identity person;
  person.surname = "Иванов";
  person.given_name = "Иван";
  Rng rng(1);
  NoiseRates rates;
  rates.typo = 1.5;
  EXPECT_THROW(record_identity(person, rates, rng), Error);
  rates.typo = std::nan("");
  EXPECT_THROW(record_identity(person, rates, rng), Error);
  rates.typo = 0.0;
  rates.missing_document = -0.1;
  EXPECT_THROW(record_identity(person, rates, rng), Error);
}

}  // namespace
}  // namespace vigil::simulate
