// `vigil import`: case records from a CSV file into the store, validated and
// all-or-nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "io/case_csv.hpp"
#include "store/store.hpp"

namespace vigil::store {

struct ImportOptions {
  // The name the records are filed under; empty means the file's name.
  // Re-imports are recognised per source (see store.hpp).
  std::string source;
  // Called now and then with bytes read so far and the file's size (0 when
  // unknown). Must not throw.
  std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct ImportSummary {
  ImportInfo info;
  std::vector<std::string> ignored_columns;
  std::vector<std::string> identifying_columns;
};

// Reads every record of `path`, validates it and writes all of them in one
// transaction. On the first invalid value it throws vigil::Error naming
// file:line:column, and the store is left exactly as it was.
ImportSummary import_case_file(CaseStore& store, const std::string& path,
                               const ImportOptions& options = {});

// The same, from a stream; `display_name` is used in messages and as the
// default source.
ImportSummary import_case_stream(CaseStore& store, std::istream& in,
                                 const std::string& display_name, std::uint64_t size_hint,
                                 const ImportOptions& options = {});

}  // namespace vigil::store
