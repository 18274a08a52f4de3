// Identities of simulated victims, and how agencies write them down.
//
// Record linkage in Kazakhstan must match the same person written as
// Қайрат Әбілов, Кайрат Абилов, Qairat Abilov, Kairat Abilov or Qaırat
// Ábilov, with a day and month swapped or a letter mistyped. The simulator
// gives each victim one true identity (names in Cyrillic, as in the civil
// register) and each agency's list a recorded identity with such variants
// applied at configured rates; what was applied is returned, so that tests
// and linkage scoring know the truth.
//
// Name pools are vigil's own lists of common names in each community (not a
// census sample); romanisations follow ICAO Doc 9303 (Russian and Kazakh
// passports since 2020), the 2021 Kazakh Latin alphabet, and the older
// Russian passport system (ю yu, я ya, й y, х kh).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "simulate/random.hpp"

namespace vigil::simulate {

enum class Sex { female, male };

// The community a name is drawn from, chosen by citizenship.
enum class NamePool { kazakh, russian, uzbek, kyrgyz, tajik, chinese, ukrainian, other };

// The pool for a citizenship given as ISO alpha-3 ("KAZ" -> kazakh, "UZB" ->
// uzbek, "BLR" -> russian, ...); `other` for countries without a pool of
// their own (their names are drawn from the Russian pool, as a Kazakh
// registry clerk would transcribe them).
NamePool name_pool_for(std::string_view citizenship_alpha3);

struct BirthDate {
  int year = 0;
  int month = 0;  // 1-12
  int day = 0;    // 1-31, valid for the month
};

// The truth about a person.
struct Identity {
  std::string surname;     // Cyrillic, in the form for the person's sex
  std::string given_name;  // Cyrillic
  Sex sex = Sex::female;
  BirthDate birth;
  std::string document_number;  // passport-like: two letters of the country + 7 digits
};

// The form of a surname (given in its male form) for `sex`: Russian-type
// endings take the feminine (-ов -> -ова, -ин -> -ина, -ский -> -ская),
// Kazakh -ұлы becomes -қызы; other surnames do not change.
std::string surname_for_sex(std::string_view male_form, Sex sex);

// Draws a name from `pool` for `sex`, a birth date in `birth_year` and a
// document number for `citizenship_alpha3`.
Identity draw_identity(NamePool pool, Sex sex, int birth_year, std::string_view citizenship_alpha3,
                       Rng& rng);

enum class Script {
  cyrillic,    // as in the register
  latin_icao,  // ICAO Doc 9303: Юлия Щеглова -> Iuliia Shcheglova; Қ -> K, Ә -> A
  latin_kazakh_2021,  // Қ -> Q, Ә -> Ä, Ш -> Ş, І -> I, И -> İ ...
  latin_legacy,       // older passports: ю -> yu, я -> ya, й -> y, х -> kh
};

// Writes a Cyrillic name in `script`; characters outside the Cyrillic
// letters pass through unchanged. Capitalisation follows the input's
// (a capital Ш becomes "Sh").
std::string romanise(std::string_view cyrillic, Script script);

// How often each kind of variant occurs in a list's records. Each is a
// probability per record (per name for `typo`), applied independently.
struct NoiseRates {
  double latin_script = 0.0;  // names written in a Latin script instead of Cyrillic
  double typo = 0.0;  // one edit (substitution, deletion, insertion, transposition) in a name
  double day_month_swap = 0.0;  // day and month entered swapped (when day <= 12 and day != month)
  double missing_name = 0.0;    // given name left empty
  double missing_birth_date = 0.0;
  double missing_document = 0.0;
};

// What a list holds for one person. Dates are written DD.MM.YYYY.
struct RecordedIdentity {
  std::string surname;
  std::string given_name;
  std::string sex;  // "F" or "M"
  std::string birth_date;
  std::string document_number;
  // The variants applied to this record.
  Script script = Script::cyrillic;
  bool typo_surname = false;
  bool typo_given_name = false;
  bool day_month_swapped = false;
  bool given_name_missing = false;
  bool birth_date_missing = false;
  bool document_missing = false;
};

// Applies `rates` to `identity`. When the Latin script is chosen, one of the
// three romanisations is drawn (ICAO 60%, Kazakh 2021 20%, legacy 20%).
RecordedIdentity record_identity(const Identity& identity, const NoiseRates& rates, Rng& rng);

}  // namespace vigil::simulate
