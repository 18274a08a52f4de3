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
//
// Encryption at rest. A store may be created encrypted (SQLCipher: every page
// of the file, its WAL and its rollback journal is encrypted with a key derived
// from a passphrase). Which kind a file is, is read from the file itself: a
// plain store starts with SQLite's header, an encrypted one with random bytes.
// The library never asks anyone for a key: the program installs a key
// provider (the CLI's reads VIGIL_STORE_KEY or prompts on the terminal).
#pragma once

#include <array>
#include <cstddef>
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
  // Whether the store is encrypted at rest.
  virtual bool encrypted() const = 0;
};

// The longest key accepted, in bytes.
inline constexpr std::size_t kMaxKeyBytes = 1024;

// Supplies the passphrase of the store at `path` by writing it into `key`
// and returning true; returns false when no key is available, or throws
// vigil::Error to say why. `creating` is true when a new encrypted store is
// about to be created with the key (a prompt would ask twice). `key` comes
// empty with room for kMaxKeyBytes and is wiped by the library once handed to
// SQLCipher: append to it rather than assign a string built elsewhere, so
// that no copy is left behind in memory. An empty key is refused (SQLCipher
// would take it as "do not encrypt"), and so is a longer one.
using KeyProvider = std::function<bool(const std::string& path, bool creating, std::string& key)>;

// Installs the process-wide key provider (an empty function removes it). It
// is called only for encrypted stores: opening a plain store never asks.
void set_key_provider(KeyProvider provider);

// Whether this build can read and write encrypted stores (it links SQLCipher:
// the CMake option VIGIL_SQLCIPHER).
bool encryption_available();

struct OpenOptions {
  // When no store exists at the path yet (or the file is empty), create it
  // encrypted with a key from the key provider. An existing store is opened
  // as what it is, plain or encrypted: see CaseStore::encrypted().
  bool create_encrypted = false;
};

// Opens (creating if needed) a SQLite store at `path`. Throws vigil::Error
// (kind store) when the file is not a vigil store or cannot be opened, when it
// is encrypted and no key or a wrong key is supplied, and when encryption is
// asked for or met in a build without SQLCipher.
std::unique_ptr<CaseStore> open_sqlite_store(const std::string& path,
                                             const OpenOptions& options = {});

}  // namespace vigil::store
