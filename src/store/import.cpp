#include "store/import.hpp"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

#include "core/error.hpp"

namespace vigil::store {
namespace {

// The key is already a cryptographic digest: any 8 of its bytes are a good hash.
struct RecordKeyHash {
  std::size_t operator()(const RecordKey& key) const noexcept {
    std::size_t hash = 0;
    std::memcpy(&hash, key.data(), sizeof hash);
    return hash;
  }
};

}  // namespace

ImportSummary import_case_stream(CaseStore& store, std::istream& in,
                                 const std::string& display_name, std::uint64_t size_hint,
                                 const ImportOptions& options) {
  io::CaseCsvReader reader(in, display_name);
  const std::string file_name = std::filesystem::path(display_name).filename().string();
  const std::string source = options.source.empty() ? file_name : options.source;

  auto transaction = store.begin_import(source);
  // Occurrences of each content within this import (see store.hpp).
  std::unordered_map<RecordKey, std::int64_t, RecordKeyHash> occurrences;
  ImportInfo info;
  info.source = source;
  info.file_name = file_name;
  info.layout = std::string(io::layout_name(reader.layout()));

  constexpr std::int64_t kProgressEvery = 4096;
  CaseRecord record;
  while (reader.next(record)) {
    const RecordKey key = record_key(record);
    const std::int64_t occurrence = occurrences[key]++;
    ++info.rows_read;
    if (transaction->insert(record, key, occurrence)) {
      ++info.rows_stored;
    } else {
      ++info.rows_duplicate;
    }
    if (options.progress && info.rows_read % kProgressEvery == 0) {
      options.progress(reader.bytes_read(), size_hint);
    }
  }
  transaction->commit(info);
  if (options.progress) options.progress(reader.bytes_read(), size_hint);

  ImportSummary summary;
  summary.info = std::move(info);
  summary.ignored_columns = reader.ignored_columns();
  summary.identifying_columns = reader.identifying_columns();
  return summary;
}

ImportSummary import_case_file(CaseStore& store, const std::string& path,
                               const ImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return import_case_stream(store, in, path, ec ? 0 : size, options);
}

}  // namespace vigil::store
