// Countries by ISO 3166-1 code.
//
// The table is generated at build time from Debian's iso-codes package (see
// tools/gen_country_table.cpp), so names and codes follow the ISO maintenance
// agency's current list rather than anyone's typing. CTDC files use alpha-2
// codes (2018 Global Dataset, k-anonymised files) or alpha-3 codes (the 2024
// synthetic data); both resolve to the same CountryCode.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace vigil {

struct Country {
  std::string_view alpha2;    // "KZ"
  std::string_view alpha3;    // "KAZ"
  std::string_view numeric;   // "398"
  std::string_view name;      // the common short name, "Kazakhstan", "Bolivia"
  std::string_view iso_name;  // the ISO short name, "Bolivia, Plurinational State of"
};

// A country as a small index into the table: cheap to copy, compare and hash.
class CountryCode {
 public:
  constexpr explicit CountryCode(std::uint16_t index) : index_(index) {}
  constexpr std::uint16_t index() const { return index_; }
  const Country& info() const;
  std::string_view alpha2() const { return info().alpha2; }
  std::string_view alpha3() const { return info().alpha3; }
  std::string_view name() const { return info().name; }
  friend constexpr bool operator==(CountryCode, CountryCode) = default;
  friend constexpr auto operator<=>(CountryCode, CountryCode) = default;

 private:
  std::uint16_t index_;
};

// Every country in the table, ordered by alpha-3 code.
std::span<const Country> all_countries();

// Looks a code up as alpha-2 or alpha-3, ignoring ASCII case. Returns nullopt
// for anything else (numeric codes, names, empty strings).
std::optional<CountryCode> find_country(std::string_view alpha2_or_alpha3);

}  // namespace vigil
