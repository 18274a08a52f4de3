// Name keys for linking people across Kazakh agencies' lists.
//
// One person turns up as Жанар Әбенова in a register, Жанар Абенова where a
// clerk had no Kazakh keyboard, Zhanar Abenova in a passport, Janar Äbenova
// in the 2021 Kazakh Latin alphabet and Janar Abenova in an English form.
// The functions here reduce each spelling to keys that agree when the
// spellings are the same name, so that linkage compares keys, not strings.
// They never decide that two people are the same: they only remove the
// differences that writing systems introduce.
//
// Pipeline: normalise_name (Unicode clean-up, one script per word) ->
// to_latin (one Latin spelling for all romanisations) -> phonetic_key
// (coarser: also forgives vowel and doubling habits). split_name and
// surname_stem take apart what the keys should compare.
//
// Every function throws vigil::Error (Kind::input) on text that is not
// valid UTF-8; the message never quotes the name.
//
// Sources for the folding table (see to_latin):
//   - Kazakh Latin alphabet: Decree of the President of the Republic of
//     Kazakhstan No. 569 of 26 October 2017 (apostrophe forms, e.g. S' for
//     Ш), amended by Decree No. 637 of 19 February 2018 (acute forms: Á, Ǵ,
//     Ń, Ó, Ú, Ý; digraphs Sh, Ch), and the revised alphabet presented in
//     January 2021 (Ä, Ğ, Ñ, Ö, Ş, Ç, Ū, Ü, H, I/ı, İ/i, Q, Y, J).
//   - ICAO Doc 9303, Machine Readable Travel Documents, Part 3, section 6
//     (transliteration of Cyrillic): Ж ZH, Х KH, Ц TS, Ч CH, Ш SH, Щ SHCH,
//     Ъ IE, Ю IU, Я IA, Й I; used by Russian passports since 2014 and by
//     Kazakh passports.
//   - BGN/PCGN 1947 system for Russian: Й Y, Ю YU, Я YA, Е YE initially and
//     after vowels, Ё YË.
//   - ISO 9:1995 (one character per letter: Ж Ž, Ш Š, Ч Č, Щ Ŝ, Ю Û, Я Â),
//     met in library and academic records.
#pragma once

#include <string>
#include <string_view>

namespace vigil::link {

// Unicode clean-up of a name, with no change of script:
//   - NFKC with case folding (full-width letters, ligatures, "ǅ" and
//     capitals all become one form);
//   - ё -> е, because Russian writing omits the diaeresis at will;
//   - inside a word written in one script, look-alike letters typed from the
//     other keyboard layout are put back (Latin "a" in "Нурлaн", Cyrillic "а"
//     in "Nurlаn"), but Kazakh letters (ә ғ қ ң ө ұ ү һ і) stay distinct:
//     whether қ and к mean the same is for to_latin to decide;
//   - punctuation becomes a space, except apostrophes (dropped: "O'Brien",
//     "Ma'ulen") and dashes (one "-": double-barrelled names);
//   - runs of spaces become one space, none at either end.
std::string normalise_name(std::string_view utf8);

// A Latin key in lowercase ASCII (letters, spaces, "-"), the same for a
// name's Cyrillic (Kazakh or Russian) spelling and its usual romanisations.
// Cyrillic is first written letter for letter:
//
//   а ә -> a    б b   в v   г ғ -> g   д d   е э -> e   ж -> j   з z
//   и й і -> i  к қ -> k   л l   м m   н ң -> n   о ө -> o   п p   р r
//   с s   т t   у ұ ү -> u   ф f   х һ -> h   ц ts   ч ch   ш sh
//   щ shch   ъ ь -> (nothing)   ы y   ю iu   я ia
//
// and the result, like any Latin input, is folded so that the systems agree:
//
//   diacritics: ä á à -> a, ğ ǵ -> g, ñ ń -> n, ö ó -> o, ū ú ü ý -> u,
//               ı í -> i, ş š -> sh, ç č -> ch, ž -> zh, ŝ -> shch,
//               û -> iu, â -> ia (ISO 9 Ю, Я), x -> ks
//   2017 apostrophes: s' -> sh, c' -> ch, other letter+' -> the letter
//   zh, dzh, dj -> j        (ICAO Zhanar, Russian Dzhanar, Kazakh Janar)
//   kh -> h, gh -> g, q -> k (ICAO Kh, BGN/PCGN Gh for ғ, Kazakh Q for қ)
//   yu -> iu, ya -> ia       (BGN/PCGN vs ICAO)
//   ye -> e, yo -> e         (BGN/PCGN Yerlan, Nazarbayev; ё written yo)
//   y after a vowel -> i     (BGN/PCGN й: Kudaybergen = Kudaibergen)
//   any other y stays y      (ы: Kyzy, Qyzy)
//
// Known limits: ICAO's Ъ "ie" and Ukrainian Є/Ї are not reversed; a y that
// stands for ы after a vowel is read as й (phonetic_key absorbs that); ISO 9
// Й "j" and Ц "c" are not told from the English j and c, so ISO 9 spellings
// with those letters do not meet the others.
std::string to_latin(std::string_view utf8);

// A coarser key for candidate search, from a to_latin key (other Latin text
// is folded by to_latin first): within each word
//   - y -> i (ы, і, и and й are confused in every direction),
//   - "-" and "'" are dropped (Kassym-Jomart = Kassymjomart),
//   - doubled letters become one (Kassym = Qasym, Mariia = Maria).
// Words stay separated by single spaces.
std::string phonetic_key(std::string_view latin_key);

// The parts of a full name. Parts not recognised are empty.
struct NameParts {
  std::string given;
  std::string surname;
  std::string patronymic;
};

// Splits a full name written "Surname Given [Patronymic]", as Kazakh and
// Russian registers do. A word is a patronymic when it ends in -ович, -евич,
// -овна, -евна, -ич, -ична (and their romanisations: -ovich, -evna, ...) or
// is or ends in the Kazakh -ұлы/-улы/-uly/-ulu ("son of") or
// -қызы/-кызы/-qyzy/-kyzy ("daughter of"); a lone "ұлы"/"қызы" is joined to
// the word before it ("Нұрлан қызы" is one patronymic). Returned parts are
// normalise_name()d, in their original script. A single word is taken as
// the given name.
NameParts split_name(std::string_view full_name);

// A surname's stem for comparing the sexes' forms: strips -ov/-ova,
// -ev/-eva, -in/-ina, -yn/-yna and -skii/-skaia from a to_latin key (and the
// Cyrillic endings -ов/-ова/-ев/-ева/-ёв/-ёва/-ин/-ина/-ын/-ына from
// Cyrillic input, which is then transliterated), so that Abenov and Abenova
// both give "aben". A stem shorter than two letters is not stripped, so
// "Lin" or "Ina" stay whole.
std::string surname_stem(std::string_view latin_key);

}  // namespace vigil::link
