#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sodium.h>

// One of the two, never both: SQLCipher exports the same sqlite3_* symbols.
// The vigil_sqlite target defines VIGIL_SQLCIPHER and SQLITE_HAS_CODEC, without
// which SQLCipher's header does not declare sqlite3_key().
#if VIGIL_SQLCIPHER
#include <sqlcipher/sqlite3.h>
#else
#include <sqlite3.h>
#endif

#include <array>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "store/sqlcipher_params.hpp"
#include "store/store.hpp"

namespace vigil::store {
namespace {

constexpr int kSchemaVersion = 1;

std::mutex key_provider_mutex;
KeyProvider key_provider;  // guarded by key_provider_mutex

// Overwrites a key in memory when it goes out of scope, however the scope is
// left. The string's whole buffer is cleared, not only its current length.
class KeyWiper {
 public:
  explicit KeyWiper(std::string& key) : key_(key) {}
  ~KeyWiper() {
    key_.resize(key_.capacity());
    sodium_memzero(key_.data(), key_.size());
    key_.clear();
  }
  KeyWiper(const KeyWiper&) = delete;
  KeyWiper& operator=(const KeyWiper&) = delete;

 private:
  std::string& key_;
};

enum class FileKind {
  absent,          // no file, or an empty one: a store is created
  plain,           // SQLite's header: opened without a key
  encrypted,       // whole pages without SQLite's header: SQLCipher's random salt
  not_a_database,  // cannot be a SQLite file of either kind
};

// Tells what is at `path` from its size and its first 16 bytes. An empty file
// is what a store killed before its first page was written leaves behind.
FileKind inspect(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    // Missing: created. Anything else (a directory, no permission): let
    // SQLite report it in its words, as for a plain store.
    return ec == std::errc::no_such_file_or_directory ? FileKind::absent : FileKind::plain;
  }
  if (size == 0) return FileKind::absent;
  static constexpr std::array<char, 16> kPlainHeader{'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f',
                                                     'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};
  std::array<char, 16> header{};
  std::ifstream in(path, std::ios::binary);
  if (!in) return FileKind::plain;
  in.read(header.data(), header.size());
  if (in.gcount() == static_cast<std::streamsize>(header.size()) && header == kPlainHeader) {
    return FileKind::plain;
  }
  // Either kind of SQLite file is a whole number of pages of at least 512
  // bytes: anything else is not one, and asking for its key would mislead.
  if (size % 512 != 0) return FileKind::not_a_database;
  return FileKind::encrypted;
}

// Fills `key` (reserved and wiped by the caller) with the passphrase for the
// store at `path`, from the installed provider.
void fetch_key(const std::string& path, bool creating, std::string& key) {
  if (!encryption_available()) {
    throw Error(Error::Kind::store,
                creating ? fmt::format("store: cannot create {} encrypted: this vigil was built "
                                       "without SQLCipher (cmake -DVIGIL_SQLCIPHER=ON)",
                                       path)
                         : fmt::format("store: {} is encrypted (or is not a SQLite file), and this "
                                       "vigil was built without SQLCipher (cmake "
                                       "-DVIGIL_SQLCIPHER=ON)",
                                       path));
  }
  KeyProvider provider;
  {
    const std::lock_guard lock(key_provider_mutex);
    provider = key_provider;
  }
  if (!provider || !provider(path, creating, key)) {
    throw Error(Error::Kind::store,
                creating
                    ? fmt::format("store: cannot create {} encrypted: no key was supplied", path)
                    : fmt::format("store: {} is encrypted (or is not a vigil store), and no "
                                  "key was supplied",
                                  path));
  }
  if (key.empty()) {
    // sqlite3_key() with an empty key means "no encryption": never let a
    // store that was meant to be encrypted be written in the clear.
    throw Error(Error::Kind::store, fmt::format("store: {}: the key is empty", path));
  }
  if (key.size() > kMaxKeyBytes) {
    throw Error(Error::Kind::store,
                fmt::format("store: {}: the key is longer than {} bytes", path, kMaxKeyBytes));
  }
}

[[noreturn]] void throw_store_error(sqlite3* db, std::string_view what) {
  throw Error(
      Error::Kind::store,
      fmt::format("store: {}: {}", what, db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db, sql.c_str(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
        SQLITE_OK) {
      throw_store_error(db, "cannot prepare statement");
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  sqlite3_stmt* get() const { return stmt_; }
  // Steps once; returns true while a row is available.
  bool step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw_store_error(db_, "statement failed");
  }
  void reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    throw Error(Error::Kind::store, fmt::format("store: {}", text));
  }
}

bool stores_as_integer(FieldKind kind) {
  return kind == FieldKind::year || kind == FieldKind::flag;
}

std::string field_columns_ddl() {
  std::string out;
  for (const auto& info : case_fields()) {
    out += fmt::format(",\n  {} {}", info.name, stores_as_integer(info.kind) ? "INTEGER" : "TEXT");
  }
  return out;
}

std::string field_column_list() {
  std::string out;
  for (const auto& info : case_fields()) {
    if (!out.empty()) out += ", ";
    out += info.name;
  }
  return out;
}

std::string utc_now() {
  const auto now = std::chrono::system_clock::now();
  const auto seconds = std::chrono::floor<std::chrono::seconds>(now);
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", seconds);
}

class SqliteImport;

class SqliteStore final : public CaseStore {
 public:
  // `key`: the passphrase of an encrypted store (its owner wipes it), or
  // nullptr for a plain one. `creating`: there is no store at `path` yet.
  SqliteStore(const std::string& path, const std::string* key, bool creating)
      : path_(path), encrypted_(key != nullptr) {
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                            // one thread per connection: no mutex needed
                            SQLITE_OPEN_NOMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string message = fmt::format("store: cannot open {}: {}", path,
                                        db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory");
      sqlite3_close(db_);
      throw Error(Error::Kind::store, message);
    }
    sqlite3_busy_timeout(db_, 5000);
    try {
      if (key) apply_key(*key);
      // WAL keeps readers and the single writer apart, and a killed writer
      // leaves committed data intact; FULL syncs each commit to disk. A 64 MiB
      // page cache keeps a large import's index pages in memory until commit.
      exec(db_,
           "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; "
           "PRAGMA cache_size=-65536;");
      // SQLCipher encrypts the database, its WAL and its journals, but not
      // temporary files (sorts, statement journals): keep those in memory.
      // Debian's SQLCipher is built that way (SQLITE_TEMP_STORE=2); this
      // makes it so whatever the build.
      if (encrypted_) exec(db_, "PRAGMA temp_store=MEMORY;");
      ensure_schema();
      if (encrypted_ && creating) check_not_plain();
    } catch (const Error& error) {
      sqlite3_close(db_);
      std::string_view reason = error.what();
      if (reason.starts_with("store: ")) reason.remove_prefix(7);
      throw Error(error.kind(), fmt::format("store: {}: {}", path, reason));
    }
  }
  ~SqliteStore() override { sqlite3_close(db_); }

  std::unique_ptr<ImportTransaction> begin_import(const std::string& source) override;

  void for_each_case(const std::function<void(const CaseRecord&)>& visit) const override {
    Statement select(db_,
                     fmt::format("SELECT {} FROM cases ORDER BY case_id", field_column_list()));
    const auto fields = case_fields();
    CaseRecord record;
    while (select.step()) {
      for (std::size_t index = 0; index < fields.size(); ++index) {
        const int column = static_cast<int>(index);
        const auto& info = fields[index];
        if (sqlite3_column_type(select.get(), column) == SQLITE_NULL) {
          record.set_code(info.field, std::nullopt);
        } else if (stores_as_integer(info.kind)) {
          record.set_code(info.field,
                          static_cast<std::int16_t>(sqlite3_column_int(select.get(), column)));
        } else {
          const auto* text =
              reinterpret_cast<const char*>(sqlite3_column_text(select.get(), column));
          const auto code = parse_code_label(info.kind, text);
          if (!code) {
            throw Error(Error::Kind::store,
                        fmt::format("store: {}: column {} holds a value vigil does not know; "
                                    "was the store written by a newer vigil?",
                                    path_, info.name));
          }
          record.set_code(info.field, code);
        }
      }
      visit(record);
    }
  }

  std::int64_t case_count() const override {
    Statement count(db_, "SELECT count(*) FROM cases");
    count.step();
    return sqlite3_column_int64(count.get(), 0);
  }

  std::vector<ImportInfo> imports() const override {
    Statement select(db_,
                     "SELECT import_id, source, file_name, layout, imported_at, rows_read, "
                     "rows_stored, rows_duplicate FROM imports ORDER BY import_id");
    std::vector<ImportInfo> out;
    while (select.step()) {
      ImportInfo info;
      info.import_id = sqlite3_column_int64(select.get(), 0);
      info.source = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 1));
      info.file_name = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 2));
      info.layout = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 3));
      info.imported_at = reinterpret_cast<const char*>(sqlite3_column_text(select.get(), 4));
      info.rows_read = sqlite3_column_int64(select.get(), 5);
      info.rows_stored = sqlite3_column_int64(select.get(), 6);
      info.rows_duplicate = sqlite3_column_int64(select.get(), 7);
      out.push_back(std::move(info));
    }
    return out;
  }

  bool encrypted() const override { return encrypted_; }

  sqlite3* db() const { return db_; }

 private:
  // Keys the connection, sets the parameters the store was created with, and
  // reads the schema: SQLCipher only finds out whether the key is right when
  // it decrypts the first page.
  void apply_key(const std::string& key) {
#if VIGIL_SQLCIPHER
    // As a passphrase (not a raw key): SQLCipher derives the key with PBKDF2.
    // sqlite3_key() takes the bytes as they are: no SQL quoting to get wrong,
    // and no copy of the key in a statement's text.
    if (sqlite3_key(db_, key.data(), static_cast<int>(key.size())) != SQLITE_OK) {
      throw_store_error(db_, "cannot set the key");
    }
#else
    (void)key;  // fetch_key() refuses encrypted stores in such a build
#endif
    exec(db_, fmt::format("PRAGMA kdf_iter = {}; PRAGMA cipher_page_size = {};",
                          sqlcipher::kKdfIterations, sqlcipher::kPageSize));
    // A plain SQLite that took the place of SQLCipher at link or load time
    // would take the key pragmas as unknown, do nothing and write in the
    // clear: refuse to go on.
    if (!Statement(db_, "PRAGMA cipher_version").step()) {
      throw Error(Error::Kind::internal,
                  "store: the SQLite library in use is not SQLCipher: cannot encrypt");
    }
    const int rc =
        sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
    if (rc == SQLITE_NOTADB) {
      throw Error(Error::Kind::store, "store: the key is wrong, or the file is not a vigil store");
    }
    if (rc != SQLITE_OK) throw_store_error(db_, "cannot read the encrypted store");
  }

  // A new encrypted store must not start with SQLite's plain header: the last
  // guard against a build or library mix-up writing victims' records in the
  // clear.
  void check_not_plain() const {
    if (inspect(path_) == FileKind::plain) {
      throw Error(Error::Kind::internal,
                  "store: was to be created encrypted but is a plain SQLite file");
    }
  }

  void ensure_schema() {
    exec(db_, "CREATE TABLE IF NOT EXISTS vigil_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    Statement version(db_, "SELECT value FROM vigil_meta WHERE key = 'schema_version'");
    if (version.step()) {
      const std::string found =
          reinterpret_cast<const char*>(sqlite3_column_text(version.get(), 0));
      if (found != std::to_string(kSchemaVersion)) {
        throw Error(Error::Kind::store,
                    fmt::format("store: {} has schema version {}, this vigil reads version {}",
                                path_, found, kSchemaVersion));
      }
      return;
    }
    exec(db_, "BEGIN IMMEDIATE");
    try {
      exec(db_,
           "CREATE TABLE imports (\n"
           "  import_id INTEGER PRIMARY KEY,\n"
           "  source TEXT NOT NULL,\n"
           "  file_name TEXT NOT NULL,\n"
           "  layout TEXT NOT NULL,\n"
           "  imported_at TEXT NOT NULL,\n"
           "  rows_read INTEGER NOT NULL,\n"
           "  rows_stored INTEGER NOT NULL,\n"
           "  rows_duplicate INTEGER NOT NULL)");
      exec(db_, fmt::format("CREATE TABLE cases (\n"
                            "  case_id INTEGER PRIMARY KEY,\n"
                            "  import_id INTEGER NOT NULL REFERENCES imports(import_id),\n"
                            "  source TEXT NOT NULL,\n"
                            "  record_key BLOB NOT NULL,\n"
                            "  occurrence INTEGER NOT NULL{},\n"
                            "  UNIQUE (source, record_key, occurrence))",
                            field_columns_ddl()));
      exec(db_,
           fmt::format("INSERT INTO vigil_meta VALUES ('schema_version', '{}')", kSchemaVersion));
      exec(db_, "COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  std::string path_;
  bool encrypted_ = false;
  sqlite3* db_ = nullptr;
};

class SqliteImport final : public ImportTransaction {
 public:
  SqliteImport(sqlite3* db, std::string source) : db_(db), source_(std::move(source)) {
    exec(db_, "BEGIN IMMEDIATE");
    open_ = true;
    // The import row comes first so that cases can point at it; its counts
    // are filled in at commit.
    exec(db_,
         "INSERT INTO imports (source, file_name, layout, imported_at, rows_read, rows_stored, "
         "rows_duplicate) VALUES ('', '', '', '', 0, 0, 0)");
    import_id_ = sqlite3_last_insert_rowid(db_);
    std::string placeholders;
    for (std::size_t index = 0; index < case_fields().size(); ++index) placeholders += ", ?";
    insert_ = std::make_unique<Statement>(
        db_, fmt::format("INSERT OR IGNORE INTO cases (import_id, source, record_key, occurrence, "
                         "{}) VALUES (?, ?, ?, ?{})",
                         field_column_list(), placeholders));
  }

  ~SqliteImport() override {
    insert_.reset();
    if (open_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }

  bool insert(const CaseRecord& record, const RecordKey& key, std::int64_t occurrence) override {
    sqlite3_stmt* stmt = insert_->get();
    sqlite3_bind_int64(stmt, 1, import_id_);
    sqlite3_bind_text(stmt, 2, source_.data(), static_cast<int>(source_.size()), SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 3, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, occurrence);
    int parameter = 5;
    for (const auto& info : case_fields()) {
      const auto code = record.code(info.field);
      if (!code) {
        sqlite3_bind_null(stmt, parameter);
      } else if (stores_as_integer(info.kind)) {
        sqlite3_bind_int(stmt, parameter, *code);
      } else {
        const std::string_view label = code_label(info.kind, *code);
        sqlite3_bind_text(stmt, parameter, label.data(), static_cast<int>(label.size()),
                          SQLITE_STATIC);
      }
      ++parameter;
    }
    insert_->step();
    const bool stored = sqlite3_changes(db_) > 0;
    insert_->reset();
    return stored;
  }

  void commit(const ImportInfo& info) override {
    Statement update(db_,
                     "UPDATE imports SET source = ?, file_name = ?, layout = ?, imported_at = ?, "
                     "rows_read = ?, rows_stored = ?, rows_duplicate = ? WHERE import_id = ?");
    const std::string now = utc_now();
    sqlite3_bind_text(update.get(), 1, source_.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(update.get(), 2, info.file_name.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(update.get(), 3, info.layout.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(update.get(), 4, now.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(update.get(), 5, info.rows_read);
    sqlite3_bind_int64(update.get(), 6, info.rows_stored);
    sqlite3_bind_int64(update.get(), 7, info.rows_duplicate);
    sqlite3_bind_int64(update.get(), 8, import_id_);
    update.step();
    insert_.reset();
    exec(db_, "COMMIT");
    open_ = false;
  }

 private:
  sqlite3* db_;
  std::string source_;
  std::int64_t import_id_ = 0;
  bool open_ = false;
  std::unique_ptr<Statement> insert_;
};

std::unique_ptr<ImportTransaction> SqliteStore::begin_import(const std::string& source) {
  return std::make_unique<SqliteImport>(db_, source);
}

}  // namespace

RecordKey record_key(const CaseRecord& record) {
  ensure_sodium();
  // Codes are hashed as little-endian 16-bit integers so that the key does
  // not depend on the machine's byte order.
  std::array<unsigned char, kFieldCount * 2> bytes{};
  const auto& codes = record.codes();
  for (std::size_t index = 0; index < codes.size(); ++index) {
    const auto value = static_cast<std::uint16_t>(codes[index]);
    bytes[2 * index] = static_cast<unsigned char>(value & 0xFFU);
    bytes[2 * index + 1] = static_cast<unsigned char>(value >> 8U);
  }
  RecordKey key{};
  crypto_generichash(key.data(), key.size(), bytes.data(), bytes.size(), nullptr, 0);
  return key;
}

void set_key_provider(KeyProvider provider) {
  const std::lock_guard lock(key_provider_mutex);
  key_provider = std::move(provider);
}

bool encryption_available() {
#if VIGIL_SQLCIPHER
  return true;
#else
  return false;
#endif
}

std::unique_ptr<CaseStore> open_sqlite_store(const std::string& path, const OpenOptions& options) {
  const FileKind kind = inspect(path);
  if (kind == FileKind::not_a_database) {
    // The words SQLite itself uses for such a file.
    throw Error(Error::Kind::store, fmt::format("store: {}: file is not a database", path));
  }
  const bool creating = kind == FileKind::absent;
  if (kind == FileKind::plain || (creating && !options.create_encrypted)) {
    return std::make_unique<SqliteStore>(path, nullptr, creating);
  }
  // Reserved once, so that the provider's appends never move the key and
  // leave a copy behind.
  std::string key;
  key.reserve(kMaxKeyBytes + 1);
  const KeyWiper wiper(key);
  fetch_key(path, creating, key);
  return std::make_unique<SqliteStore>(path, &key, creating);
}

}  // namespace vigil::store
