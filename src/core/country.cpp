#include "core/country.hpp"

#include <algorithm>
#include <array>
#include <string>

namespace vigil {
namespace {

constexpr Country kCountries[] = {
#include "country_table.inc"
};

// Slot of a two-letter code in a 26 x 26 table.
std::size_t letter_pair_slot(char first, char second) {
  return static_cast<std::size_t>(first - 'A') * 26U + static_cast<std::size_t>(second - 'A');
}

struct Alpha2Index {
  std::array<std::uint16_t, std::size_t{26} * 26> by_letters{};  // 0 = none, else index + 1
  Alpha2Index() {
    for (std::size_t index = 0; index < std::size(kCountries); ++index) {
      const auto code = kCountries[index].alpha2;
      by_letters[letter_pair_slot(code[0], code[1])] = static_cast<std::uint16_t>(index + 1);
    }
  }
};

char ascii_upper(char ch) {
  return (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 32) : ch;
}
bool is_ascii_letter(char ch) {
  return ascii_upper(ch) >= 'A' && ascii_upper(ch) <= 'Z';
}

}  // namespace

const Country& CountryCode::info() const {
  return kCountries[index_];
}

std::span<const Country> all_countries() {
  return kCountries;
}

std::optional<CountryCode> find_country(std::string_view code) {
  if (code.size() == 2) {
    if (!is_ascii_letter(code[0]) || !is_ascii_letter(code[1])) return std::nullopt;
    static const Alpha2Index index;
    const auto slot =
        index.by_letters[letter_pair_slot(ascii_upper(code[0]), ascii_upper(code[1]))];
    if (slot == 0) return std::nullopt;
    return CountryCode(static_cast<std::uint16_t>(slot - 1));
  }
  if (code.size() == 3) {
    const std::string upper{ascii_upper(code[0]), ascii_upper(code[1]), ascii_upper(code[2])};
    const auto* const end = std::end(kCountries);
    const auto* const found = std::lower_bound(
        std::begin(kCountries), end, upper,
        [](const Country& country, const std::string& key) { return country.alpha3 < key; });
    if (found == end || found->alpha3 != upper) return std::nullopt;
    return CountryCode(static_cast<std::uint16_t>(found - std::begin(kCountries)));
  }
  return std::nullopt;
}

}  // namespace vigil
