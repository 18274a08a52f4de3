// publish::read_categorical_csv (`vigil publish check FILE`), then the check
// itself on what was read: the first columns (up to three) as
// quasi-identifiers, the last as the sensitive column, missing values as a
// category or as wildcards.
//
// Input: one control byte (bit 0: wildcard mode), then the file's bytes.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_target.hpp"
#include "publish/check.hpp"

VIGIL_FUZZ_TARGET(categorical_csv) {
  using vigil::fuzz::check;
  using vigil::publish::MissingValues;
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  vigil::fuzz::expect_clean([&] {
    std::istringstream in{std::string(vigil::fuzz::as_text(data + 1, size - 1))};
    const vigil::publish::CategoricalTable table =
        vigil::publish::read_categorical_csv(in, "f.csv");
    check(table.codes.size() == table.columns.size() && table.values.size() == table.columns.size(),
          "codes and values per column");
    for (std::size_t c = 0; c < table.columns.size(); ++c) {
      check(table.column(table.columns[c]) == c, "column() finds each column");
      check(table.codes[c].size() == table.rows(), "a code per row");
      for (const std::uint32_t code : table.codes[c]) {
        check(code <= table.values[c].size(), "codes index the values");
      }
    }
    vigil::publish::CheckOptions options;
    const std::size_t width = table.columns.size();
    const std::size_t quasi = width == 1 ? 1 : std::min<std::size_t>(3, width - 1);
    options.quasi_identifiers.assign(table.columns.begin(),
                                     table.columns.begin() + static_cast<std::ptrdiff_t>(quasi));
    if (width > 1) {
      options.sensitive = {table.columns.back()};
      options.l = 2;
    }
    options.k = 2;
    options.threads = 1;
    options.missing = (control & 1U) != 0 ? MissingValues::wildcard : MissingValues::category;
    const vigil::publish::CheckResult result = vigil::publish::check_anonymity(table, options);
    check(result.records == table.rows(), "every record counted");
    check(result.violating_records <= result.records, "violating records are records");
    check(result.max_risk >= 0 && result.max_risk <= 1, "a risk is a probability");
    check(table.rows() == 0 || result.k >= 1, "a record's class holds the record");
  });
  return 0;
}
