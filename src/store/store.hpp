// The case store: where imported case records live between commands.
//
// One analyst needs no server: the default store is a single SQLite file
// (`vigil.db`), written in transactions so that an import either lands whole
// or not at all. The interface is kept free of SQLite so that a deployment
// shared by several agencies can put the same store on PostgreSQL.
//
// Duplicates. CTDC records carry no identifier, and identical records are
// common and real (two victims of the same age, sex, citizenship and
// exploitation). A record is therefore recognised by its source, its content
// and its occurrence: the k-th record with a given content in an import from
// source S is the same record as the k-th record with that content in any
// other import from S. Importing a file twice stores nothing the second time;
// importing a later, longer export of the same source stores only what is
// new. The content is keyed by a 128-bit BLAKE2b digest of the record's codes.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/case_record.hpp"

namespace vigil::store {

using RecordKey = std::array<unsigned char, 16>;

// The content digest used to recognise duplicates.
RecordKey record_key(const CaseRecord& record);

struct ImportInfo {
  std::int64_t import_id = 0;
  std::string source;       // the agency or file the records come from
  std::string file_name;    // the imported file's name, without its directory
  std::string layout;       // "ctdc-2018", "ctdc-2024", "htcds"
  std::string imported_at;  // UTC, ISO 8601
  std::int64_t rows_read = 0;
  std::int64_t rows_stored = 0;
  std::int64_t rows_duplicate = 0;
};

// One all-or-nothing write. Nothing is visible to other connections until
// commit(); destroying an uncommitted transaction rolls it back.
class ImportTransaction {
 public:
  virtual ~ImportTransaction() = default;
  // Stores the record unless the store already holds occurrence
  // `occurrence` (0-based) of this content from this source. Returns whether
  // it was stored.
  virtual bool insert(const CaseRecord& record, const RecordKey& key, std::int64_t occurrence) = 0;
  // Records the import's counts and makes everything durable.
  virtual void commit(const ImportInfo& info) = 0;
};

class CaseStore {
 public:
  virtual ~CaseStore() = default;
  virtual std::unique_ptr<ImportTransaction> begin_import(const std::string& source) = 0;
  // Calls `visit` for every stored case, in storage order.
  virtual void for_each_case(const std::function<void(const CaseRecord&)>& visit) const = 0;
  virtual std::int64_t case_count() const = 0;
  virtual std::vector<ImportInfo> imports() const = 0;
};

// Opens (creating if needed) a SQLite store at `path`. Throws vigil::Error
// (kind store) when the file is not a vigil store or cannot be opened.
std::unique_ptr<CaseStore> open_sqlite_store(const std::string& path);

}  // namespace vigil::store
