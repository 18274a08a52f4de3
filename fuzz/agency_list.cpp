// The readers of `vigil link`: agencies' lists (link::read_agency_list, with
// the default columns or a configured full-name column and month-first
// dates), each accepted list then encoded as `vigil link encode` does (name
// normalisation and transliteration, Bloom filters, keyed hashes); and the
// encoded lists `vigil link match` reads (link::read_encoded_list).
//
// Input: one selector byte (its value modulo 3: list with default columns,
// list with a full-name column, encoded list), then the file's bytes. The
// readers take a path: the bytes go to an in-memory file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_target.hpp"
#include "link/link.hpp"

namespace {

const vigil::link::LinkageSecret& secret() {
  static const vigil::link::LinkageSecret instance("fuzzing-secret-not-for-real-data");
  return instance;
}

}  // namespace

VIGIL_FUZZ_TARGET(agency_list) {
  using vigil::fuzz::check;
  static vigil::fuzz::MemoryFile file;
  if (size == 0) return 0;
  const std::uint8_t selector = data[0] % 3;
  const std::string& path = file.write(vigil::fuzz::as_text(data + 1, size - 1));
  vigil::fuzz::expect_clean([&] {
    if (selector == 2) {
      const vigil::link::EncodedList list = vigil::link::read_encoded_list(path, "encoded");
      check(list.parameters.bits > 0, "a filter length");
      // An empty cell (a missing name) gives an empty filter of any length;
      // a filled one has the list's.
      for (const auto& record : list.records) {
        for (const vigil::link::BloomFilter* filter : {&record.surname, &record.given_name}) {
          check(filter->empty() || filter->bits == list.parameters.bits,
                "every filled filter has the list's length");
        }
      }
      return;
    }
    vigil::link::ListColumns columns;
    vigil::link::DateOrder order = vigil::link::DateOrder::day_first;
    if (selector == 1) {
      columns.record_id = "id";
      columns.full_name = "name";
      columns.birth_date = "born";
      order = vigil::link::DateOrder::month_first;
    }
    const vigil::link::AgencyList list =
        vigil::link::read_agency_list(path, "list", columns, order);
    for (const auto& record : list.records) {
      check(!record.record_id.empty(), "every record has an id");
      check(record.sex.empty() || record.sex == "F" || record.sex == "M", "sex is folded");
    }
    const vigil::link::EncodedList encoded = vigil::link::encode_list(list, secret());
    check(encoded.records.size() == list.records.size(), "every record encoded");
  });
  return 0;
}
