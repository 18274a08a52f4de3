// io::CaseCsvReader: the CTDC 2018 / 2024 and HTCDS header mapping and the
// validation of every value (`vigil import`), then the CTDC 2024 writer on
// every record accepted.
//
// Input: the file's bytes, as `vigil import` reads them (separator detected).
#include "io/case_csv.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "core/case_record.hpp"
#include "fuzz_target.hpp"

VIGIL_FUZZ_TARGET(case_csv) {
  using vigil::fuzz::check;
  vigil::fuzz::expect_clean([&] {
    std::istringstream in{std::string(vigil::fuzz::as_text(data, size))};
    vigil::io::CaseCsvReader reader(in, "fuzz.csv");
    (void)vigil::io::layout_name(reader.layout());
    // Each variable is filled by one column at most (a second is refused).
    std::vector<vigil::Field> fields = reader.mapped_fields();
    std::sort(fields.begin(), fields.end());
    check(std::adjacent_find(fields.begin(), fields.end()) == fields.end(),
          "each field mapped once");
    std::ostringstream out;
    vigil::io::write_ctdc_2024_header(out);
    vigil::CaseRecord record;
    while (reader.next(record)) {
      check(reader.record_line() > 1, "records come after the header");
      vigil::io::write_ctdc_2024_record(out, record);
    }
  });
  return 0;
}
