#include "simulate/identity.hpp"

#include <array>
#include <cstddef>
#include <span>
#include <string>

#include "core/country.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"

namespace vigil::simulate {

namespace {

// ---------------------------------------------------------------------------
// UTF-8

// A byte that does not start a valid UTF-8 sequence is carried as
// kRawByte + byte, so that romanise() can pass it through unchanged instead
// of inventing a replacement character in someone's name.
constexpr char32_t kRawByte = 0x110000;

std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    if (const auto sequence = decode_utf8_at(text, i)) {
      out.push_back(sequence->code);
      i += sequence->length;
    } else {
      out.push_back(kRawByte + static_cast<unsigned char>(text[i]));
      ++i;
    }
  }
  return out;
}

// The inverse of decode_utf8: raw bytes go back out as they came in.
void append_code(std::string& out, char32_t code) {
  if (code >= kRawByte) {
    out.push_back(static_cast<char>(code - kRawByte));
  } else {
    append_utf8(out, code);
  }
}

std::string encode_utf8(std::u32string_view codes) {
  std::string out;
  out.reserve(codes.size() * 2);
  for (const char32_t code : codes) append_code(out, code);
  return out;
}

// ---------------------------------------------------------------------------
// Letter case, for the scripts that occur in names here: ASCII, Latin-1 and
// Latin Extended-A (Ä, Ş, Ğ, İ, ı, Ū ...), and Cyrillic with its Kazakh,
// Ukrainian and Central Asian letters. Anything else counts as caseless.

bool is_upper(char32_t c) {
  if (c >= U'A' && c <= U'Z') return true;
  if (c >= 0xC0 && c <= 0xDE) return c != 0xD7;
  if (c >= 0x100 && c <= 0x137) return c % 2 == 0;
  if (c >= 0x139 && c <= 0x148) return c % 2 == 1;
  if (c >= 0x14A && c <= 0x177) return c % 2 == 0;
  if (c == 0x178) return true;
  if (c >= 0x179 && c <= 0x17E) return c % 2 == 1;
  if (c >= 0x400 && c <= 0x42F) return true;
  if (c >= 0x460 && c <= 0x4BF) return c % 2 == 0;
  if (c == 0x4C0) return true;
  if (c >= 0x4C1 && c <= 0x4CE) return c % 2 == 1;
  if (c >= 0x4D0 && c <= 0x4FF) return c % 2 == 0;
  return false;
}

bool is_lower(char32_t c) {
  if (c >= U'a' && c <= U'z') return true;
  if (c >= 0xDF && c <= 0xFF) return c != 0xF7;
  if (c >= 0x100 && c <= 0x17F) return !is_upper(c);
  if (c >= 0x430 && c <= 0x45F) return true;
  if (c >= 0x460 && c <= 0x4FF) return !is_upper(c);
  return false;
}

bool is_cased(char32_t c) {
  return is_upper(c) || is_lower(c);
}

// True when the word has at least two letters and none is lowercase: such a
// word is written in capitals ("ЩЕГЛОВА" -> "SHCHEGLOVA"), while a single
// capital (an initial, "Ю.") is a capitalised word ("Iu.").
bool all_capitals(std::u32string_view word) {
  std::size_t capitals = 0;
  for (const char32_t c : word) {
    if (is_lower(c)) return false;
    if (is_upper(c)) ++capitals;
  }
  return capitals >= 2;
}

// ---------------------------------------------------------------------------
// Romanisation tables.

struct LetterRow {
  char32_t lower;
  char32_t upper;
  // Lowercase and all-capitals renderings per Latin script; a capital
  // letter in a capitalised word takes the first code point of the capital
  // rendering and the rest of the lowercase one ("Щ" -> "Shch", "Şç").
  std::string_view icao_lower, icao_upper;
  std::string_view kazakh_lower, kazakh_upper;
  std::string_view legacy_lower, legacy_upper;
};

// ICAO: Doc 9303 as in the names README (Russian and Kazakh passports since
// 2020), Kazakh and Ukrainian letters as ICAO renders them. Kazakh 2021:
// the April 2021 alphabet as tabulated in the README; it has no Ї, Є, Ґ, so
// vigil writes them like its Ю Yu, Я Ya (Yi, Ye) and Ґ as G. Legacy: the
// pre-2020 Russian passport system (й y, ю yu, я ya, ё yo, ъ dropped).
constexpr LetterRow kLetters[] = {
    {U'а', U'А', "a", "A", "a", "A", "a", "A"},
    {U'б', U'Б', "b", "B", "b", "B", "b", "B"},
    {U'в', U'В', "v", "V", "v", "V", "v", "V"},
    {U'г', U'Г', "g", "G", "g", "G", "g", "G"},
    {U'д', U'Д', "d", "D", "d", "D", "d", "D"},
    {U'е', U'Е', "e", "E", "e", "E", "e", "E"},
    {U'ё', U'Ё', "e", "E", "yo", "YO", "yo", "YO"},
    {U'ж', U'Ж', "zh", "ZH", "j", "J", "zh", "ZH"},
    {U'з', U'З', "z", "Z", "z", "Z", "z", "Z"},
    {U'и', U'И', "i", "I", "i", "İ", "i", "I"},
    {U'й', U'Й', "i", "I", "i", "İ", "y", "Y"},
    {U'к', U'К', "k", "K", "k", "K", "k", "K"},
    {U'л', U'Л', "l", "L", "l", "L", "l", "L"},
    {U'м', U'М', "m", "M", "m", "M", "m", "M"},
    {U'н', U'Н', "n", "N", "n", "N", "n", "N"},
    {U'о', U'О', "o", "O", "o", "O", "o", "O"},
    {U'п', U'П', "p", "P", "p", "P", "p", "P"},
    {U'р', U'Р', "r", "R", "r", "R", "r", "R"},
    {U'с', U'С', "s", "S", "s", "S", "s", "S"},
    {U'т', U'Т', "t", "T", "t", "T", "t", "T"},
    {U'у', U'У', "u", "U", "u", "U", "u", "U"},
    {U'ф', U'Ф', "f", "F", "f", "F", "f", "F"},
    {U'х', U'Х', "kh", "KH", "h", "H", "kh", "KH"},
    {U'ц', U'Ц', "ts", "TS", "ts", "TS", "ts", "TS"},
    {U'ч', U'Ч', "ch", "CH", "ch", "CH", "ch", "CH"},
    {U'ш', U'Ш', "sh", "SH", "ş", "Ş", "sh", "SH"},
    {U'щ', U'Щ', "shch", "SHCH", "şç", "ŞÇ", "shch", "SHCH"},
    {U'ъ', U'Ъ', "ie", "IE", "", "", "", ""},
    {U'ы', U'Ы', "y", "Y", "y", "Y", "y", "Y"},
    {U'ь', U'Ь', "", "", "", "", "", ""},
    {U'э', U'Э', "e", "E", "e", "E", "e", "E"},
    {U'ю', U'Ю', "iu", "IU", "yu", "YU", "yu", "YU"},
    {U'я', U'Я', "ia", "IA", "ya", "YA", "ya", "YA"},
    // Kazakh
    {U'ә', U'Ә', "a", "A", "ä", "Ä", "a", "A"},
    {U'ғ', U'Ғ', "g", "G", "ğ", "Ğ", "g", "G"},
    {U'қ', U'Қ', "k", "K", "q", "Q", "k", "K"},
    {U'ң', U'Ң', "n", "N", "ñ", "Ñ", "n", "N"},
    {U'ө', U'Ө', "o", "O", "ö", "Ö", "o", "O"},
    {U'ұ', U'Ұ', "u", "U", "ū", "Ū", "u", "U"},
    {U'ү', U'Ү', "u", "U", "ü", "Ü", "u", "U"},
    {U'һ', U'Һ', "h", "H", "h", "H", "h", "H"},
    {U'і', U'І', "i", "I", "ı", "I", "i", "I"},
    // Ukrainian (і is shared with Kazakh above)
    {U'ї', U'Ї', "i", "I", "yi", "YI", "i", "I"},
    {U'є', U'Є', "ie", "IE", "ye", "YE", "ie", "IE"},
    {U'ґ', U'Ґ', "g", "G", "g", "G", "g", "G"},
};

// Row of a Cyrillic code point (U+0400..U+04FF) in kLetters, plus one; 0 for
// letters without a romanisation here, which pass through unchanged.
struct LetterIndex {
  std::array<std::uint8_t, 0x100> row_by_code{};
  LetterIndex() {
    for (std::size_t row = 0; row < std::size(kLetters); ++row) {
      row_by_code[kLetters[row].lower - 0x400] = static_cast<std::uint8_t>(row + 1);
      row_by_code[kLetters[row].upper - 0x400] = static_cast<std::uint8_t>(row + 1);
    }
  }
};

const LetterRow* find_letter(char32_t code) {
  static const LetterIndex index;
  if (code < 0x400 || code > 0x4FF) return nullptr;
  const auto row = index.row_by_code[code - 0x400];
  return row == 0 ? nullptr : &kLetters[row - 1];
}

std::pair<std::string_view, std::string_view> renderings(const LetterRow& row, Script script) {
  switch (script) {
    case Script::latin_kazakh_2021:
      return {row.kazakh_lower, row.kazakh_upper};
    case Script::latin_legacy:
      return {row.legacy_lower, row.legacy_upper};
    case Script::latin_icao:
    case Script::cyrillic:
      break;
  }
  return {row.icao_lower, row.icao_upper};
}

// "Şç" from "ŞÇ" and "şç": the capital's first code point, then the rest of
// the lowercase rendering.
void append_capitalised(std::string& out, std::string_view upper, std::string_view lower) {
  if (upper.empty()) return;
  const std::u32string upper_codes = decode_utf8(upper);
  const std::u32string lower_codes = decode_utf8(lower);
  append_code(out, upper_codes.front());
  for (std::size_t i = 1; i < lower_codes.size(); ++i) append_code(out, lower_codes[i]);
}

// ---------------------------------------------------------------------------
// Name pools: vigil's own lists of names common in each community, written
// as a Kazakh civil register writes them (Kazakh names with the Kazakh
// letters, other communities' names in Russian spelling, Chinese names in the
// Palladius transcription). Surnames are in the male form.

constexpr std::string_view kKazakhSurnames[] = {
    "Әбілов",        "Өмірзақов",  "Қасымов",      "Тоқтаров",      "Ахметов",     "Сәрсенбаев",
    "Бекмұхамбетов", "Оспанов",    "Мұқанов",      "Құдайбергенов", "Есенов",      "Жұмабаев",
    "Нұрпейісов",    "Серікбаев",  "Әбдірахманов", "Иманғалиев",    "Қалиев",      "Бейсенов",
    "Тұрсынов",      "Исабеков",   "Мұратов",      "Сүлейменов",    "Байжанов",    "Ерғалиев",
    "Кенжебаев",     "Әлімжанов",  "Төлеуов",      "Смағұлов",      "Ысқақов",     "Жанұзақов",
    "Әуезов",        "Дүйсенбаев", "Шәріпов",      "Жүсіпов",       "Байтұрсынов", "Құнанбаев",
    "Тәңірбергенов", "Ғабдуллин",  "Мұсин",        "Жақсыбекұлы",   "Нұрланұлы",   "Серікұлы",
    "Бақытұлы",      "Асқарұлы",   "Қасым",        "Сейт",          "Нұрлан",      "Әбіл",
    "Төлеген",       "Ахмет",      "Сейітқали",
};
constexpr std::string_view kKazakhFemale[] = {
    "Ғалия",    "Ұлжан",   "Үміт",     "Іңкәр",   "Айгүл",  "Әсел",     "Гүлнар",  "Жанар",
    "Динара",   "Меруерт", "Айжан",    "Ақмарал", "Аружан", "Балжан",   "Гүлмира", "Жұлдыз",
    "Қарлығаш", "Ләззат",  "Мәдина",   "Назерке", "Нұргүл", "Салтанат", "Сәуле",   "Толқын",
    "Ақерке",   "Айнұр",   "Бибігүл",  "Гауһар",  "Дана",   "Жансая",   "Ләйлә",   "Маржан",
    "Перизат",  "Раушан",  "Самал",    "Сымбат",  "Шынар",  "Әйгерім",  "Дариға",  "Еркежан",
    "Күләш",    "Мөлдір",  "Ұлболсын", "Шолпан",  "Зәуре",  "Күнсұлу",  "Аяулым",  "Зүһра",
};
constexpr std::string_view kKazakhMale[] = {
    "Қайрат",      "Нұрлан", "Ерлан",   "Асқар",   "Бауыржан",  "Ержан",   "Серік",    "Дәулет",
    "Әлихан",      "Арман",  "Ғалым",   "Мұрат",   "Бақыт",     "Талғат",  "Ермек",    "Жандос",
    "Нұрсұлтан",   "Айдос",  "Ерболат", "Медет",   "Дархан",    "Ақжол",   "Санжар",   "Әділет",
    "Бекзат",      "Дәурен", "Ербол",   "Жұмабек", "Қанат",     "Мақсат",  "Нұржан",   "Руслан",
    "Самат",       "Тимур",  "Әлібек",  "Болат",   "Еркебұлан", "Ілияс",   "Жанболат", "Өмірзақ",
    "Құдайберген", "Нұрбол", "Төлеген", "Алмас",   "Азамат",    "Ақылбек",
};

constexpr std::string_view kRussianSurnames[] = {
    "Иванов",   "Смирнов",    "Кузнецов",  "Попов",      "Васильев",  "Петров",   "Соколов",
    "Михайлов", "Новиков",    "Фёдоров",   "Морозов",    "Волков",    "Алексеев", "Лебедев",
    "Семёнов",  "Егоров",     "Павлов",    "Козлов",     "Степанов",  "Николаев", "Орлов",
    "Андреев",  "Макаров",    "Никитин",   "Захаров",    "Зайцев",    "Соловьёв", "Борисов",
    "Яковлев",  "Григорьев",  "Романов",   "Воробьёв",   "Сергеев",   "Кузьмин",  "Фролов",
    "Ковалёв",  "Ильин",      "Сорокин",   "Щеглов",     "Журавлёв",  "Белоусов", "Петровский",
    "Высоцкий", "Покровский", "Успенский", "Вишневский", "Пономарёв", "Птицын",
};
constexpr std::string_view kRussianFemale[] = {
    "Александра", "Алёна",     "Алина",    "Алла",      "Анастасия", "Ангелина", "Анна",
    "Валентина",  "Валерия",   "Вера",     "Вероника",  "Виктория",  "Галина",   "Дарья",
    "Евгения",    "Екатерина", "Елена",    "Елизавета", "Жанна",     "Зоя",      "Инна",
    "Ирина",      "Карина",    "Кристина", "Ксения",    "Лариса",    "Людмила",  "Любовь",
    "Маргарита",  "Марина",    "Мария",    "Надежда",   "Наталья",   "Нина",     "Оксана",
    "Ольга",      "Полина",    "Светлана", "Софья",     "Тамара",    "Татьяна",  "Ульяна",
    "Юлия",       "Яна",       "Таисия",
};
constexpr std::string_view kRussianMale[] = {
    "Александр", "Алексей", "Андрей", "Антон",     "Артём",    "Борис",      "Вадим",
    "Валерий",   "Василий", "Виктор", "Виталий",   "Владимир", "Владислав",  "Вячеслав",
    "Геннадий",  "Георгий", "Глеб",   "Григорий",  "Денис",    "Дмитрий",    "Евгений",
    "Егор",      "Иван",    "Игорь",  "Илья",      "Кирилл",   "Константин", "Леонид",
    "Максим",    "Михаил",  "Никита", "Николай",   "Олег",     "Павел",      "Пётр",
    "Роман",     "Сергей",  "Семён",  "Станислав", "Степан",   "Тимофей",    "Фёдор",
    "Юрий",      "Ярослав", "Ян",     "Матвей",    "Даниил",   "Арсений",
};

constexpr std::string_view kUzbekSurnames[] = {
    "Каримов",  "Юсупов",     "Рахимов", "Ахмедов",     "Алиев",        "Исмаилов",  "Турсунов",
    "Умаров",   "Мирзаев",    "Усманов", "Хасанов",     "Абдуллаев",    "Эргашев",   "Содиков",
    "Назаров",  "Расулов",    "Юлдашев", "Нуриддинов",  "Рахматуллаев", "Холматов",  "Жураев",
    "Тошматов", "Мамадалиев", "Бобоев",  "Саидов",      "Файзуллаев",   "Исламов",   "Кодиров",
    "Норматов", "Алимов",     "Азимов",  "Маматов",     "Шукуров",      "Ибрагимов", "Тухтаев",
    "Рустамов", "Хакимов",    "Закиров", "Мухаммадиев", "Абдурахманов", "Султанов",  "Ташпулатов",
    "Эшматов",  "Пулатов",    "Ганиев",
};
constexpr std::string_view kUzbekFemale[] = {
    "Дилноза", "Зарина",   "Гулнора",  "Нилуфар", "Мадина",   "Шахноза",  "Дилфуза",
    "Феруза",  "Мохира",   "Нигора",   "Севара",  "Умида",    "Малика",   "Камола",
    "Лола",    "Гулчехра", "Мафтуна",  "Наргиза", "Нодира",   "Озода",    "Рухшона",
    "Саида",   "Сабина",   "Хилола",   "Шоира",   "Юлдуз",    "Барно",    "Гулноза",
    "Дилором", "Зулфия",   "Ирода",    "Мунира",  "Мухаббат", "Нафиса",   "Сайёра",
    "Фотима",  "Шахло",    "Гулбахор", "Дилдора", "Азиза",    "Зебинисо", "Мавжуда",
};
constexpr std::string_view kUzbekMale[] = {
    "Бахтияр", "Фаррух", "Шерзод",  "Дилшод", "Жасур",  "Санжар", "Улугбек",    "Бекзод",
    "Отабек",  "Азиз",   "Рустам",  "Фарход", "Шухрат", "Бобур",  "Жахонгир",   "Тимур",
    "Акмал",   "Анвар",  "Баходир", "Даврон", "Зафар",  "Ильхом", "Камолиддин", "Мурод",
    "Нодир",   "Одил",   "Равшан",  "Сардор", "Сухроб", "Тохир",  "Уткир",      "Хуршид",
    "Шохрух",  "Элёр",   "Абдулла", "Алишер", "Ботир",  "Дониёр", "Жамшид",     "Мансур",
    "Нурбек",  "Собир",  "Эркин",   "Ёдгор",  "Азамат",
};

constexpr std::string_view kKyrgyzSurnames[] = {
    "Асанов",       "Усенов",     "Токтогулов",  "Жээнбеков",   "Атамбаев",   "Осмонов",
    "Садыков",      "Абдылдаев",  "Токтосунов",  "Жапаров",     "Мамытов",    "Сыдыков",
    "Кадыров",      "Бекбоев",    "Турдубаев",   "Эсенгулов",   "Момунов",    "Алымкулов",
    "Ташиев",       "Дуйшеев",    "Бейшеналиев", "Сатыбалдиев", "Карабеков",  "Жумабеков",
    "Айтматов",     "Шамшиев",    "Орозбаев",    "Абылгазиев",  "Чолпонбаев", "Токтоматов",
    "Кубанычбеков", "Анарбеков",  "Мукашев",     "Усубалиев",   "Нурматов",   "Бакытбеков",
    "Эркинбаев",    "Болотбеков", "Курманалиев", "Сагынбаев",   "Өмүрбеков",  "Түлөбердиев",
    "Исаков",       "Бакиев",     "Отунбаев",
};
constexpr std::string_view kKyrgyzFemale[] = {
    "Айгерим",   "Айпери",   "Бермет",   "Жылдыз",  "Гүлнара", "Чолпон",  "Нургүл",
    "Айзада",    "Асель",    "Бурул",    "Динара",  "Жамила",  "Калыйса", "Мээрим",
    "Нуриза",    "Салтанат", "Толгонай", "Айнура",  "Элнура",  "Аида",    "Бактыгүл",
    "Гүлзат",    "Жаныл",    "Каныкей",  "Мирана",  "Назира",  "Перизат", "Сайкал",
    "Таттыбүбү", "Үмүт",     "Акылай",   "Алтынай", "Айчүрөк", "Бегимай", "Дарика",
    "Жибек",     "Кымбат",   "Нурай",    "Чынара",  "Элмира",  "Эркайым", "Гулиза",
};
constexpr std::string_view kKyrgyzMale[] = {
    "Азамат",  "Айбек",   "Бакыт",    "Нурлан",    "Эрлан",  "Улан",     "Адилет",
    "Бекзат",  "Эрмек",   "Талант",   "Жыргалбек", "Медер",  "Нурбек",   "Алмаз",
    "Мирлан",  "Канат",   "Темирлан", "Урмат",     "Чынгыз", "Эркин",    "Бактыбек",
    "Жоомарт", "Кубаныч", "Максат",   "Нурсултан", "Руслан", "Садыр",    "Таалай",
    "Төлөгөн", "Өмүр",    "Асылбек",  "Дастан",    "Замир",  "Исламбек", "Курманбек",
    "Самат",   "Тилек",   "Элдияр",   "Айдар",     "Нуржан", "Бактыяр",  "Мээрбек",
};

constexpr std::string_view kTajikSurnames[] = {
    "Рахмонов",   "Шарипов",     "Сафаров",     "Назаров",    "Саидов",   "Давлатов",   "Мирзоев",
    "Раджабов",   "Шодиев",      "Холов",       "Султонов",   "Одинаев",  "Файзуллоев", "Каримзода",
    "Рахимзода",  "Абдуллозода", "Назарзода",   "Шарифзода",  "Гафуров",  "Джураев",    "Ашуров",
    "Хайдаров",   "Неъматов",    "Носиров",     "Асадуллоев", "Олимов",   "Пулодов",    "Исмоилов",
    "Давлатзода", "Мирзозода",   "Нуров",       "Гулов",      "Саттаров", "Турсунзода", "Бахромов",
    "Зарипов",    "Усмонов",     "Махмадалиев", "Амиров",     "Имомов",   "Джалолов",   "Сангинов",
    "Курбонов",   "Юсуфов",      "Хамидов",
};
constexpr std::string_view kTajikFemale[] = {
    "Тахмина",  "Фарангис", "Мехрона", "Зарина",    "Нигина",   "Гулрухсор", "Манижа",  "Шахноза",
    "Дилафруз", "Мадина",   "Сабина",  "Рухшона",   "Фируза",   "Малика",    "Нилуфар", "Шабнам",
    "Парвина",  "Гулнора",  "Мохира",  "Зулфия",    "Муниса",   "Нодира",    "Сурайё",  "Хосият",
    "Шоира",    "Дилором",  "Мижгона", "Мехринисо", "Гулчехра", "Зебо",      "Лола",    "Ситора",
    "Насиба",   "Нозанин",  "Рухсора", "Сафина",    "Фотима",   "Хуршеда",   "Шахло",   "Дилбар",
    "Замира",   "Гулбахор", "Фарзона",
};
constexpr std::string_view kTajikMale[] = {
    "Фаррух",    "Фирдавс", "Парвиз",    "Шахром", "Сухроб",    "Фаридун", "Далер",   "Бехруз",
    "Джамшед",   "Рустам",  "Манучехр",  "Шерзод", "Баходур",   "Исмоил",  "Умед",    "Хуршед",
    "Зафар",     "Комрон",  "Навруз",    "Сомон",  "Толиб",     "Сиёвуш",  "Абдулло", "Амир",
    "Анушервон", "Бахтиёр", "Джахонгир", "Илхом",  "Карим",     "Махмуд",  "Мирзо",   "Насим",
    "Сорбон",    "Тохир",   "Фарход",    "Хасан",  "Шамсиддин", "Эраж",    "Ёкуб",    "Азиз",
    "Рахим",     "Саид",    "Шахриёр",
};

// Palladius: 王 Ван, 张 Чжан, 陈 Чэнь, 徐 Сюй, 林 Линь, 金 Цзинь ...
constexpr std::string_view kChineseSurnames[] = {
    "Ван",  "Ли",   "Чжан", "Лю",  "Чэнь", "Ян",    "Хуан", "Чжао", "У",    "Чжоу", "Сюй",  "Сунь",
    "Ма",   "Чжу",  "Ху",   "Го",  "Хэ",   "Гао",   "Линь", "Ло",   "Чжэн", "Лян",  "Се",   "Сун",
    "Тан",  "Хань", "Фэн",  "Дэн", "Цао",  "Пэн",   "Цзэн", "Сяо",  "Тянь", "Дун",  "Юань", "Пань",
    "Юй",   "Цзян", "Цай",  "Цзя", "Дин",  "Вэй",   "Сюэ",  "Е",    "Янь",  "Ду",   "Дай",  "Ся",
    "Чжун", "Цинь", "Лу",   "Мэн", "Шэнь", "Цзинь", "Ши",   "Фу",
};
constexpr std::string_view kChineseFemale[] = {
    "Фан",    "На",     "Цзин",   "Ин",     "Янь",    "Хуа",      "Лин",     "Сюэ",   "Мэй",
    "Ся",     "Лань",   "Жун",    "Юнь",    "Тин",    "Цянь",     "Хун",     "Ли",    "Сяомэй",
    "Сяохун", "Мэйлин", "Лифан",  "Цзинъи", "Юйтун",  "Синьи",    "Цзыхань", "Имэн",  "Юйси",
    "Шуфэнь", "Гуйин",  "Юйлань", "Сюин",   "Сяоянь", "Сяоли",    "Мэйхуа",  "Лихуа", "Вэньцзин",
    "Хайянь", "Цзюань", "Цин",    "Сюэмэй", "Юэ",     "Хуэйминь", "Цюнь",
};
constexpr std::string_view kChineseMale[] = {
    "Вэй",    "Цян",     "Лэй",    "Цзюнь",    "Юн",      "Цзе",      "Тао",        "Мин",
    "Чао",    "Пэн",     "Хао",    "Бо",       "Хуэй",    "Ган",      "Бинь",       "Лян",
    "Фэн",    "Шэн",     "Чэн",    "Кай",      "Жуй",     "Цзяньхуа", "Цзяньцзюнь", "Чжиган",
    "Чжицян", "Хайбо",   "Хайтао", "Вэньцзе",  "Вэньтао", "Сяолун",   "Сяодун",     "Цзюньцзе",
    "Хаоюй",  "Юйхан",   "Цзыхао", "Исюань",   "Тяньюй",  "Минхуэй",  "Гохуа",      "Гоцян",
    "Дэмин",  "Чжиюань", "Вэньбо", "Цзиньлун",
};

constexpr std::string_view kUkrainianSurnames[] = {
    "Шевченко",   "Коваленко",  "Бондаренко", "Ткаченко",   "Кравченко",   "Олейник",  "Мельник",
    "Ковальчук",  "Бойко",      "Ткачук",     "Полищук",    "Марченко",    "Левченко", "Савченко",
    "Руденко",    "Гончаренко", "Петренко",   "Кушнир",     "Лысенко",     "Мороз",    "Павленко",
    "Приходько",  "Романенко",  "Кравчук",    "Савчук",     "Остапчук",    "Гуменюк",  "Тимошенко",
    "Яковенко",   "Клименко",   "Кириленко",  "Сидоренко",  "Пономаренко", "Онищенко", "Демченко",
    "Нестеренко", "Карпенко",   "Костенко",   "Федорчук",   "Мартынюк",    "Билык",    "Кучер",
    "Гриценко",   "Литвиненко", "Ющенко",     "Грушевский", "Стельмах",    "Коваль",
};
constexpr std::string_view kUkrainianFemale[] = {
    "Оксана",  "Олеся",    "Леся",    "Галина",  "Наталья",   "Ирина",     "Ольга",
    "Татьяна", "Светлана", "Людмила", "Юлия",    "Анна",      "Мария",     "Екатерина",
    "Елена",   "Виктория", "Дарья",   "Богдана", "Ярослава",  "Мирослава", "Христина",
    "Соломия", "Зоряна",   "Лилия",   "Алла",    "Валентина", "Надежда",   "Любовь",
    "Вера",    "Нина",     "Тамара",  "Раиса",   "Анастасия", "Кристина",  "Марина",
    "Инна",    "Жанна",    "Лариса",  "Евгения", "Ганна",     "Стефания",  "Уляна",
    "Злата",   "Маричка",
};
constexpr std::string_view kUkrainianMale[] = {
    "Тарас",     "Богдан",   "Остап",    "Андрей",    "Александр", "Алексей",   "Василий", "Виктор",
    "Владимир",  "Дмитрий",  "Евгений",  "Иван",      "Игорь",     "Михаил",    "Николай", "Олег",
    "Павел",     "Пётр",     "Роман",    "Сергей",    "Степан",    "Юрий",      "Ярослав", "Назар",
    "Максим",    "Денис",    "Анатолий", "Григорий",  "Мирослав",  "Святослав", "Тимофей", "Фёдор",
    "Артём",     "Вадим",    "Виталий",  "Любомир",   "Всеволод",  "Кирилл",    "Олесь",   "Данило",
    "Ростислав", "Валентин", "Леонид",   "Станислав", "Антон",
};

struct Pool {
  std::span<const std::string_view> surnames;
  std::span<const std::string_view> female;
  std::span<const std::string_view> male;
};

Pool pool_names(NamePool pool) {
  switch (pool) {
    case NamePool::kazakh:
      return {kKazakhSurnames, kKazakhFemale, kKazakhMale};
    case NamePool::uzbek:
      return {kUzbekSurnames, kUzbekFemale, kUzbekMale};
    case NamePool::kyrgyz:
      return {kKyrgyzSurnames, kKyrgyzFemale, kKyrgyzMale};
    case NamePool::tajik:
      return {kTajikSurnames, kTajikFemale, kTajikMale};
    case NamePool::chinese:
      return {kChineseSurnames, kChineseFemale, kChineseMale};
    case NamePool::ukrainian:
      return {kUkrainianSurnames, kUkrainianFemale, kUkrainianMale};
    case NamePool::russian:
    case NamePool::other:
      break;
  }
  return {kRussianSurnames, kRussianFemale, kRussianMale};
}

std::string_view pick(std::span<const std::string_view> names, Rng& rng) {
  return names[rng.below(names.size())];
}

// ---------------------------------------------------------------------------
// Dates and document numbers.

bool is_leap_year(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap_year(year) ? 29 : kDays[month - 1];
}

BirthDate date_of_day_in_year(int year, int day_index) {
  int month = 1;
  while (day_index >= days_in_month(year, month)) {
    day_index -= days_in_month(year, month);
    ++month;
  }
  return {year, month, day_index + 1};
}

void append_padded(std::string& out, long long value, std::size_t width) {
  const bool negative = value < 0;
  std::string digits = std::to_string(negative ? -value : value);
  if (negative) out.push_back('-');
  if (digits.size() < width) out.append(width - digits.size(), '0');
  out += digits;
}

// "DD.MM.YYYY"; `first` and `second` are what the clerk entered in the day
// and month fields.
std::string format_date(int first, int second, int year) {
  std::string out;
  append_padded(out, first, 2);
  out.push_back('.');
  append_padded(out, second, 2);
  out.push_back('.');
  append_padded(out, year, 4);
  return out;
}

std::string document_prefix(std::string_view citizenship_alpha3) {
  const auto country = find_country(citizenship_alpha3);
  if (!country) return "XX";
  std::string prefix(country->alpha2());
  for (char& c : prefix) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return prefix;
}

// ---------------------------------------------------------------------------
// Typing errors.

// A random letter of the name's script: а-я for Cyrillic (the letters on
// every Russian/Kazakh keyboard layout's main rows), a-z for Latin.
char32_t random_letter(bool latin, bool capital, Rng& rng) {
  const char32_t first = latin ? U'a' : U'а';
  const std::uint64_t count = latin ? 26 : 32;
  const auto letter = static_cast<char32_t>(first + rng.below(count));
  // Both alphabets put capitals 0x20 below the small letters.
  return capital ? letter - 0x20 : letter;
}

// One edit, drawn as: kind (below 4), then position(s), then the letter.
// A draw that cannot apply (deleting the only letter, transposing in a
// one-letter name) or that leaves the name unchanged (transposing equal
// letters, substituting a letter by itself) is redrawn, so the result is
// always at edit distance one from `name`. `name` must not be empty.
std::u32string with_one_edit(const std::u32string& name, bool latin, Rng& rng) {
  const std::size_t n = name.size();
  const bool capitals = all_capitals(name);
  for (;;) {
    std::u32string edited = name;
    switch (rng.below(4)) {
      case 0: {  // substitution, keeping the letter's case
        const auto at = rng.below(n);
        edited[at] = random_letter(latin, is_upper(name[at]), rng);
        break;
      }
      case 1: {  // deletion
        if (n < 2) continue;
        edited.erase(rng.below(n), 1);
        break;
      }
      case 2: {  // insertion
        const auto at = rng.below(n + 1);
        edited.insert(edited.begin() + static_cast<std::ptrdiff_t>(at),
                      random_letter(latin, capitals, rng));
        break;
      }
      default: {  // transposition of two adjacent letters
        if (n < 2) continue;
        const auto at = rng.below(n - 1);
        std::swap(edited[at], edited[at + 1]);
        break;
      }
    }
    if (edited != name) return edited;
  }
}

void check_rate(double rate, std::string_view name) {
  if (!(rate >= 0.0 && rate <= 1.0)) {
    throw Error(Error::Kind::usage,
                "noise rate " + std::string(name) + " must be a probability between 0 and 1");
  }
}

}  // namespace

std::string surname_for_sex(std::string_view male_form, Sex sex) {
  if (sex == Sex::male) return std::string(male_form);
  struct Ending {
    std::string_view male;
    std::string_view female;
  };
  // Only endings that really decline: a general -ий -> -ая would turn
  // Ukrainian and Central Asian names into forms no register uses. Kazakh
  // -ұлы "son of" becomes -қызы "daughter of" (-улы/-кызы when written
  // without the Kazakh letters).
  constexpr Ending kEndings[] = {
      {"ұлы", "қызы"}, {"улы", "кызы"}, {"ский", "ская"}, {"цкий", "цкая"}, {"ов", "ова"},
      {"ёв", "ёва"},   {"ев", "ева"},   {"ин", "ина"},    {"ын", "ына"},
  };
  for (const auto& ending : kEndings) {
    if (male_form.size() > ending.male.size() && male_form.ends_with(ending.male)) {
      std::string female(male_form.substr(0, male_form.size() - ending.male.size()));
      female += ending.female;
      return female;
    }
  }
  return std::string(male_form);
}

NamePool name_pool_for(std::string_view citizenship_alpha3) {
  // Through the country table, so that "kaz" and "KZ" work as well.
  const auto country = find_country(citizenship_alpha3);
  if (!country) return NamePool::other;
  const std::string_view code = country->alpha3();
  if (code == "KAZ") return NamePool::kazakh;
  if (code == "RUS" || code == "BLR") return NamePool::russian;
  if (code == "UZB") return NamePool::uzbek;
  if (code == "KGZ") return NamePool::kyrgyz;
  if (code == "TJK") return NamePool::tajik;
  if (code == "CHN") return NamePool::chinese;
  if (code == "UKR") return NamePool::ukrainian;
  return NamePool::other;
}

Identity draw_identity(NamePool pool, Sex sex, int birth_year, std::string_view citizenship_alpha3,
                       Rng& rng) {
  // Draw order (fixed, so a seed gives the same person everywhere):
  // surname, given name, day of the year, document digits. The surname is
  // drawn first and from one list for both sexes, so that the same seed
  // gives a man and a woman of the same family.
  const Pool names = pool_names(pool);
  Identity identity;
  const std::string_view surname = pick(names.surnames, rng);
  // Chinese surnames do not decline, whatever their last letters (Дин, 丁).
  identity.surname =
      pool == NamePool::chinese ? std::string(surname) : surname_for_sex(surname, sex);
  identity.given_name = std::string(pick(sex == Sex::female ? names.female : names.male, rng));
  identity.sex = sex;
  const int days = is_leap_year(birth_year) ? 366 : 365;
  identity.birth = date_of_day_in_year(birth_year, static_cast<int>(rng.below(days)));
  identity.document_number = document_prefix(citizenship_alpha3);
  append_padded(identity.document_number, static_cast<long long>(rng.below(10'000'000)), 7);
  return identity;
}

std::string romanise(std::string_view cyrillic, Script script) {
  if (script == Script::cyrillic) return std::string(cyrillic);
  const std::u32string codes = decode_utf8(cyrillic);
  std::string out;
  out.reserve(cyrillic.size() + cyrillic.size() / 2);
  std::size_t word_end = 0;  // end of the current run of letters
  bool capitals = false;     // whether that run is written in capitals
  for (std::size_t i = 0; i < codes.size(); ++i) {
    const char32_t code = codes[i];
    if (i >= word_end && is_cased(code)) {
      word_end = i;
      while (word_end < codes.size() && is_cased(codes[word_end])) ++word_end;
      capitals = all_capitals(std::u32string_view(codes).substr(i, word_end - i));
    }
    const LetterRow* row = find_letter(code);
    if (row == nullptr) {
      append_code(out, code);
      continue;
    }
    const auto [lower, upper] = renderings(*row, script);
    if (code == row->lower) {
      out += lower;
    } else if (capitals) {
      out += upper;
    } else {
      append_capitalised(out, upper, lower);
    }
  }
  return out;
}

RecordedIdentity record_identity(const Identity& identity, const NoiseRates& rates, Rng& rng) {
  check_rate(rates.latin_script, "latin_script");
  check_rate(rates.typo, "typo");
  check_rate(rates.day_month_swap, "day_month_swap");
  check_rate(rates.missing_name, "missing_name");
  check_rate(rates.missing_birth_date, "missing_birth_date");
  check_rate(rates.missing_document, "missing_document");

  // Draw order (fixed; every Bernoulli is drawn whatever its outcome, so a
  // rate of zero still consumes its draw):
  //   1. latin script; only if it comes up, the script (categorical 60/20/20)
  //   2. missing given name, 3. missing birth date, 4. missing document
  //   5. typo in the surname; only if it comes up, the edit's draws
  //   6. typo in the given name; the edit's draws only if it comes up and
  //      the given name is written at all
  //   7. day/month swap
  // A variant that cannot show (a typo in a missing name, a swap in a missing
  // date or one with day > 12 or day == month) is not applied and its flag
  // stays false: the flags say what the record really shows.
  RecordedIdentity record;
  if (rng.bernoulli(rates.latin_script)) {
    constexpr double kScriptWeights[] = {0.6, 0.2, 0.2};
    constexpr Script kScripts[] = {Script::latin_icao, Script::latin_kazakh_2021,
                                   Script::latin_legacy};
    record.script = kScripts[rng.categorical(kScriptWeights)];
  }
  record.given_name_missing = rng.bernoulli(rates.missing_name);
  record.birth_date_missing = rng.bernoulli(rates.missing_birth_date);
  record.document_missing = rng.bernoulli(rates.missing_document);

  const bool latin = record.script != Script::cyrillic;
  record.surname = romanise(identity.surname, record.script);
  if (rng.bernoulli(rates.typo) && !record.surname.empty()) {
    record.surname = encode_utf8(with_one_edit(decode_utf8(record.surname), latin, rng));
    record.typo_surname = true;
  }
  if (!record.given_name_missing) record.given_name = romanise(identity.given_name, record.script);
  if (rng.bernoulli(rates.typo) && !record.given_name.empty()) {
    record.given_name = encode_utf8(with_one_edit(decode_utf8(record.given_name), latin, rng));
    record.typo_given_name = true;
  }

  const bool swap = rng.bernoulli(rates.day_month_swap);
  const BirthDate& birth = identity.birth;
  if (!record.birth_date_missing) {
    record.day_month_swapped =
        swap && birth.day >= 1 && birth.day <= 12 && birth.day != birth.month;
    record.birth_date = record.day_month_swapped ? format_date(birth.month, birth.day, birth.year)
                                                 : format_date(birth.day, birth.month, birth.year);
  }

  record.sex = identity.sex == Sex::female ? "F" : "M";
  if (!record.document_missing) record.document_number = identity.document_number;
  return record;
}

}  // namespace vigil::simulate
