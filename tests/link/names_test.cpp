#include "link/names.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::link {
namespace {

// Spellings of public figures' names (see fixtures/link/README.md).
struct Spelling {
  std::string person;
  std::string text;
  std::string system;
};

std::vector<Spelling> read_spellings() {
  std::ifstream in(VIGIL_FIXTURES_DIR "/link/name_spellings.csv");
  std::vector<Spelling> rows;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    const auto first = line.find(',');
    const auto second = line.find(',', first + 1);
    rows.push_back({line.substr(0, first), line.substr(first + 1, second - first - 1),
                    line.substr(second + 1)});
  }
  return rows;
}

TEST(NamesSpellings, EveryPublishedSpellingOfAPersonSharesOnePhoneticKey) {
  const auto rows = read_spellings();
  ASSERT_GE(rows.size(), 30U);
  std::map<std::string, std::string> key_of;
  std::map<std::string, std::string> people_of_key;
  for (const auto& row : rows) {
    const std::string key = phonetic_key(to_latin(row.text));
    const auto [it, inserted] = key_of.emplace(row.person, key);
    EXPECT_EQ(it->second, key) << row.text << " (" << row.system << ")";
    if (inserted) people_of_key[key] += row.person + " ";
  }
  // Different people must keep different keys.
  EXPECT_EQ(people_of_key.size(), key_of.size());
}

TEST(NamesToLatin, CommonRomanisationsCollapse) {
  EXPECT_EQ(to_latin("Жанар"), "janar");
  EXPECT_EQ(to_latin("Zhanar"), "janar");
  EXPECT_EQ(to_latin("Janar"), "janar");
  EXPECT_EQ(to_latin("Džanar"), "janar");  // ISO 9 дж
  EXPECT_EQ(to_latin("Dzhanar"), "janar");
  for (const char* nurlan : {"Нұрлан", "Нурлан", "Nurlan", "Nūrlan", "NURLAN"}) {
    EXPECT_EQ(to_latin(nurlan), "nurlan") << nurlan;
  }
  for (const char* kyzy : {"Kyzy", "qyzy", "кызы", "қызы", "Qyzy"}) {
    EXPECT_EQ(to_latin(kyzy), "kyzy") << kyzy;
  }
  EXPECT_EQ(to_latin("Назарбаев"), "nazarbaev");
  EXPECT_EQ(to_latin("Nazarbayev"), "nazarbaev");
  EXPECT_EQ(to_latin("Тоқаев"), to_latin("Toqaev"));
  EXPECT_EQ(to_latin("Tokayev"), to_latin("Токаев"));
  EXPECT_EQ(to_latin("Qudaibergen"), to_latin("Құдайберген"));
  EXPECT_EQ(to_latin("Kudaybergen"), to_latin("Құдайберген"));
  EXPECT_EQ(to_latin("Головкин"), "golovkin");
  EXPECT_EQ(to_latin("Kassym-Jomart"), "kassym-jomart");
}

TEST(NamesToLatin, RussianPassportAndBgnPcgnAgree) {
  // ICAO Doc 9303 against BGN/PCGN for the letters where they differ.
  EXPECT_EQ(to_latin("Iuliia"), to_latin("Yuliya"));
  EXPECT_EQ(to_latin("Юлия"), to_latin("Iuliia"));
  EXPECT_EQ(to_latin("Ûliâ"), to_latin("Юлия"));  // ISO 9
  EXPECT_EQ(to_latin("Shcheglova"), to_latin("Щеглова"));
  EXPECT_EQ(to_latin("Şçeglova"), to_latin("Щеглова"));
  EXPECT_EQ(to_latin("Khasen"), to_latin("Хасен"));
  EXPECT_EQ(to_latin("Hasen"), to_latin("Хасен"));
  EXPECT_EQ(to_latin("Tsoi"), to_latin("Цой"));
  EXPECT_EQ(to_latin("Tsoy"), to_latin("Цой"));
  EXPECT_EQ(to_latin("Chokin"), to_latin("Чокин"));
  EXPECT_EQ(to_latin("Çokin"), to_latin("Чокин"));
  EXPECT_EQ(to_latin("Yerlan"), to_latin("Ерлан"));
  EXPECT_EQ(to_latin("Fyodor"), to_latin("Фёдор"));
  EXPECT_EQ(to_latin("Sergey"), to_latin("Сергей"));
  EXPECT_EQ(to_latin("Aleksandr"), to_latin("Alexandr"));
}

TEST(NamesToLatin, KazakhLettersInEveryAlphabet) {
  // Each Kazakh letter in Cyrillic, the 2021 alphabet, the 2018 acute
  // forms and the 2017 apostrophe forms.
  EXPECT_EQ(to_latin("Әсел"), "asel");
  EXPECT_EQ(to_latin("Äsel"), "asel");
  EXPECT_EQ(to_latin("Ásel"), "asel");
  EXPECT_EQ(to_latin("A'sel"), "asel");
  EXPECT_EQ(to_latin("Ғалым"), "galym");
  EXPECT_EQ(to_latin("Ğalym"), "galym");
  EXPECT_EQ(to_latin("Ǵalym"), "galym");
  EXPECT_EQ(to_latin("Ghalym"), "galym");
  EXPECT_EQ(to_latin("Қанат"), "kanat");
  EXPECT_EQ(to_latin("Qanat"), "kanat");
  EXPECT_EQ(to_latin("Теңіз"), "teniz");
  EXPECT_EQ(to_latin("Teñız"), "teniz");
  EXPECT_EQ(to_latin("Teńiz"), "teniz");
  EXPECT_EQ(to_latin("Өмір"), "omir");
  EXPECT_EQ(to_latin("Ömır"), "omir");
  EXPECT_EQ(to_latin("Ómir"), "omir");
  EXPECT_EQ(to_latin("Ұлан"), "ulan");
  EXPECT_EQ(to_latin("Ūlan"), "ulan");
  EXPECT_EQ(to_latin("Үміт"), "umit");
  EXPECT_EQ(to_latin("Ümıt"), "umit");
  EXPECT_EQ(to_latin("Úmit"), "umit");
  EXPECT_EQ(to_latin("Һиба"), "hiba");
  EXPECT_EQ(to_latin("Іңкәр"), "inkar");
  EXPECT_EQ(to_latin("Iñkär"), "inkar");
  EXPECT_EQ(to_latin("Шолпан"), "sholpan");
  EXPECT_EQ(to_latin("Şolpan"), "sholpan");
  EXPECT_EQ(to_latin("S'olpan"), "sholpan");
}

TEST(NamesNormalise, UnicodeCleanUp) {
  EXPECT_EQ(normalise_name("  АБЕНОВА,   Жанар  "), "абенова жанар");
  EXPECT_EQ(normalise_name("Пётр"), "петр");
  EXPECT_EQ(normalise_name("Ｎｕｒｌａｎ"), "nurlan");  // full width
  EXPECT_EQ(normalise_name("Kassym – Jomart"), "kassym-jomart");
  EXPECT_EQ(normalise_name("O’Brien"), "obrien");
  // Kazakh letters stay distinct from their Russian neighbours.
  EXPECT_EQ(normalise_name("ҚАЙРАТ"), "қайрат");
  EXPECT_NE(normalise_name("Қайрат"), normalise_name("Кайрат"));
  // Keyboard-layout slips: Latin a in a Cyrillic word, Cyrillic а and е in
  // a Latin word.
  EXPECT_EQ(normalise_name("Нурлaн"), "нурлан");
  EXPECT_EQ(normalise_name("Nurlаn Аsеl"), "nurlan asel");
  // Decomposed input composes: и + combining breve is й.
  EXPECT_EQ(normalise_name("Сергеи\u0306"), "сергей");
  EXPECT_EQ(normalise_name(""), "");
  EXPECT_EQ(normalise_name(" .,- "), "");
}

TEST(NamesPhoneticKey, ForgivesVowelsAndDoubling) {
  EXPECT_EQ(phonetic_key("kassym-jomart"), phonetic_key(to_latin("Қасым-Жомарт")));
  EXPECT_EQ(phonetic_key("kassym-jomart"), "kasimjomart");
  EXPECT_EQ(phonetic_key("gennady"), phonetic_key("gennadii"));
  EXPECT_EQ(phonetic_key("maria"), phonetic_key(to_latin("Мария")));
  EXPECT_EQ(phonetic_key("Kyzy"), phonetic_key("kizi"));
  EXPECT_EQ(phonetic_key("Khasen Ghalym"), "hasen galim");
  EXPECT_NE(phonetic_key("nurlan"), phonetic_key("nurbol"));
}

TEST(NamesSplit, RussianPatronymics) {
  const NameParts parts = split_name("Абенова Жанар Сериковна");
  EXPECT_EQ(parts.surname, "абенова");
  EXPECT_EQ(parts.given, "жанар");
  EXPECT_EQ(parts.patronymic, "сериковна");
  EXPECT_EQ(split_name("Ivanov Sergei Petrovich").patronymic, "petrovich");
  EXPECT_EQ(split_name("Головкин Геннадий Геннадьевич").patronymic, "геннадьевич");
  EXPECT_EQ(split_name("Rybakina Elena Andreevna").patronymic, "andreevna");
}

TEST(NamesSplit, KazakhPatronymicsAsSuffixOrWord) {
  NameParts parts = split_name("Әбенова Жанар Серікқызы");
  EXPECT_EQ(parts.surname, "әбенова");
  EXPECT_EQ(parts.given, "жанар");
  EXPECT_EQ(parts.patronymic, "серікқызы");
  parts = split_name("Abenova Zhanar Serik qyzy");
  EXPECT_EQ(parts.given, "zhanar");
  EXPECT_EQ(parts.patronymic, "serik qyzy");
  EXPECT_EQ(split_name("Abenov Nurlan Serikuly").patronymic, "serikuly");
  EXPECT_EQ(split_name("Абенов Нурлан Серік ұлы").patronymic, "серік ұлы");
  EXPECT_EQ(split_name("Abenov Nurlan Serik ulu").patronymic, "serik ulu");
  EXPECT_EQ(split_name("Абенова Жанар Сериккызы").patronymic, "сериккызы");
  EXPECT_EQ(split_name("Abenova Zhanar Serikkyzy").patronymic, "serikkyzy");
  // A surname of the -ұлы form, written first, stays the surname.
  parts = split_name("Жақсыбекұлы Нұрлан");
  EXPECT_EQ(parts.surname, "жақсыбекұлы");
  EXPECT_EQ(parts.given, "нұрлан");
  EXPECT_EQ(parts.patronymic, "");
  EXPECT_EQ(split_name("Жанар").given, "жанар");
}

TEST(NamesSurnameStem, SexFormsShareAStem) {
  EXPECT_EQ(surname_stem("abenov"), "aben");
  EXPECT_EQ(surname_stem("abenova"), "aben");
  EXPECT_EQ(surname_stem("Әбенова"), "aben");
  EXPECT_EQ(surname_stem("Абенов"), "aben");
  EXPECT_EQ(surname_stem("Nazarbayev"), surname_stem("Назарбаева"));
  EXPECT_EQ(surname_stem("Golovkin"), surname_stem("Головкина"));
  EXPECT_EQ(surname_stem("Grushevskii"), surname_stem("Grushevskaya"));
  EXPECT_EQ(surname_stem("Lin"), "lin");
  EXPECT_EQ(surname_stem("Kudaibergen"), "kudaibergen");
}

TEST(NamesErrors, InvalidUtf8IsAnInputError) {
  const std::string bad =
      "Жан\xD0"
      "ар";
  const std::string overlong = "\xC0\xAF";
  for (const std::string& text : {bad, overlong, std::string("\xFF")}) {
    EXPECT_THROW(normalise_name(text), Error);
    EXPECT_THROW(to_latin(text), Error);
    EXPECT_THROW(phonetic_key(text), Error);
    EXPECT_THROW(split_name(text), Error);
    EXPECT_THROW(surname_stem(text), Error);
  }
  try {
    normalise_name(bad);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::input);
    EXPECT_EQ(std::string(error.what()).find("Жан"), std::string::npos);
  }
}

}  // namespace
}  // namespace vigil::link
