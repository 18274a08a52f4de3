// The TOML configurations vigil reads: the link configuration (`vigil link
// --config`), scenarios (`vigil simulate --scenario FILE`) and composite
// index configurations (`vigil index --config`), through io::parse_toml and
// io::TomlTableReader, which they share.
//
// Input: one selector byte (its value modulo 3: link, scenario, index), then
// the TOML text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_target.hpp"
#include "index/index.hpp"
#include "link/link.hpp"
#include "simulate/scenario.hpp"

VIGIL_FUZZ_TARGET(toml_config) {
  using vigil::fuzz::check;
  if (size == 0) return 0;
  const std::string_view text = vigil::fuzz::as_text(data + 1, size - 1);
  vigil::fuzz::expect_clean([&] {
    switch (data[0] % 3) {
      case 0: {
        const vigil::link::LinkConfig config = vigil::link::parse_link_config(text, "link.toml");
        check(!config.columns.record_id.empty(), "lists have a record-id column");
        break;
      }
      case 1: {
        const vigil::simulate::Scenario scenario =
            vigil::simulate::parse_scenario(text, "scenario.toml");
        check(!scenario.agencies.empty() && scenario.agencies.size() <= 16, "1 to 16 agencies");
        check(scenario.first_year <= scenario.last_year, "the years are in order");
        break;
      }
      default:
        (void)vigil::index::parse_index_config(text, "index.toml");
        break;
    }
  });
  return 0;
}
