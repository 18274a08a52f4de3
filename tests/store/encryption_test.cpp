// Encryption at rest: stores created encrypted (SQLCipher) hold nothing
// readable without their key, open only with it, and behave as plain stores
// otherwise; plain stores open as before, without asking for a key.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "store/import.hpp"
#include "store/kill_support.hpp"
#include "store/store.hpp"
#include "store/test_support.hpp"

namespace vigil::store {
namespace {

// Quotes of both kinds: a key pasted into `PRAGMA key = '...'` unescaped
// would break the statement (vigil hands it over with sqlite3_key()).
constexpr const char* kKey = "correct horse 'battery\" staple";
// Strings that a plain store holds in the clear and an encrypted one must
// not: SQLite's header, a table and a column name, and what the records were
// imported as and from. Long enough that random bytes cannot hold one.
constexpr const char* kSourceCanary = "canary-source-7f3a9";
constexpr const char* kFileCanary = "canary-file-c41d2e.csv";
const std::vector<std::string> kCanaries{"SQLite format 3", "CREATE TABLE cases",
                                         "year_of_registration", kSourceCanary, kFileCanary};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The canaries found in the file at `path` (none when it does not exist).
std::vector<std::string> canaries_in(const std::string& path) {
  const std::string bytes = slurp(path);
  std::vector<std::string> found;
  for (const auto& canary : kCanaries) {
    if (bytes.find(canary) != std::string::npos) found.push_back(canary);
  }
  return found;
}

// `rows` valid CTDC records, cycling through 42 contents.
std::string make_csv(int rows) {
  static const char* const kCitizenships[] = {"UZ", "KG", "TJ"};
  std::string text =
      "yearOfRegistration,gender,citizenship,CountryOfExploitation,isForcedLabour,"
      "typeOfLabourConstruction\n";
  for (int row = 0; row < rows; ++row) {
    text += std::to_string(2010 + row % 7) + "," + (row % 2 == 0 ? "Female" : "Male") + "," +
            kCitizenships[row % 3] + ",KZ,1," + (row % 5 == 0 ? "1" : "-99") + "\n";
  }
  return text;
}

ImportSummary import_rows(CaseStore& store, int rows) {
  const std::string text = make_csv(rows);
  std::istringstream in(text);
  return import_case_stream(store, in, std::string("/data/") + kFileCanary, text.size(),
                            {.source = kSourceCanary, .progress = {}});
}

// A key provider for the test's duration, recording how it was asked.
class Provider {
 public:
  explicit Provider(std::optional<std::string> key) : key_(std::move(key)) {
    set_key_provider([this](const std::string& path, bool creating, std::string& out) {
      asked.push_back({path, creating});
      if (!key_) return false;
      out.append(*key_);
      return true;
    });
  }
  ~Provider() { set_key_provider({}); }
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  std::vector<std::pair<std::string, bool>> asked;  // path, creating

 private:
  std::optional<std::string> key_;
};

std::string error_of(const std::string& path, const OpenOptions& options = {}) {
  try {
    open_sqlite_store(path, options);
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::store) << error.what();
    return error.what();
  }
  return "(no error)";
}

class Encryption : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!encryption_available()) GTEST_SKIP() << "built with -DVIGIL_SQLCIPHER=OFF";
    set_key_provider({});
  }
  void TearDown() override { set_key_provider({}); }

  // An encrypted store at `path` holding `rows` records.
  void create_encrypted(const std::string& path, int rows) {
    const Provider provider(kKey);
    auto store = open_sqlite_store(path, {.create_encrypted = true});
    EXPECT_TRUE(store->encrypted());
    import_rows(*store, rows);
    ASSERT_EQ(provider.asked.size(), 1U);
    EXPECT_EQ(provider.asked[0], std::make_pair(path, true));
  }

  testing::ScratchDir dir_;
};

TEST_F(Encryption, AStoreCreatedEncryptedReopensWithItsKey) {
  const auto path = dir_.file("vigil.db");
  create_encrypted(path, 1000);
  const Provider provider(kKey);
  const auto store = open_sqlite_store(path);
  EXPECT_TRUE(store->encrypted());
  EXPECT_EQ(store->case_count(), 1000);
  ASSERT_EQ(store->imports().size(), 1U);
  EXPECT_EQ(store->imports()[0].source, kSourceCanary);
  ASSERT_EQ(provider.asked.size(), 1U);
  EXPECT_EQ(provider.asked[0], std::make_pair(path, false));  // opening, not creating
}

TEST_F(Encryption, AWrongKeyIsRefusedAndHarmsNothing) {
  const auto path = dir_.file("vigil.db");
  create_encrypted(path, 100);
  {
    const Provider provider("correct horse battery stapler");
    EXPECT_EQ(error_of(path),
              "store: " + path + ": the key is wrong, or the file is not a vigil store");
  }
  const Provider provider(kKey);
  EXPECT_EQ(open_sqlite_store(path)->case_count(), 100);
}

TEST_F(Encryption, NoKeyIsRefused) {
  const auto path = dir_.file("vigil.db");
  create_encrypted(path, 10);
  const std::string expected =
      "store: " + path + " is encrypted (or is not a vigil store), and no key was supplied";
  EXPECT_EQ(error_of(path), expected);  // no provider installed
  const Provider without_key(std::nullopt);
  EXPECT_EQ(error_of(path), expected);
  EXPECT_EQ(without_key.asked.size(), 1U);
}

TEST_F(Encryption, AProviderMayRefuseWithItsOwnError) {
  const auto path = dir_.file("vigil.db");
  create_encrypted(path, 10);
  set_key_provider([](const std::string&, bool, std::string&) -> bool {
    throw Error(Error::Kind::store, "store: VIGIL_STORE_KEY is not set");
  });
  EXPECT_EQ(error_of(path), "store: VIGIL_STORE_KEY is not set");
}

TEST_F(Encryption, AnEmptyKeyIsRefusedAndNothingIsCreated) {
  // SQLCipher takes an empty key as "do not encrypt".
  const auto path = dir_.file("vigil.db");
  const Provider provider("");
  EXPECT_EQ(error_of(path, {.create_encrypted = true}), "store: " + path + ": the key is empty");
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST_F(Encryption, PlainStoresOpenWithoutAskingForAKey) {
  const auto path = dir_.file("vigil.db");
  const Provider provider(kKey);
  {
    auto store = open_sqlite_store(path);  // new, and not asked to be encrypted
    EXPECT_FALSE(store->encrypted());
    import_rows(*store, 10);
  }
  const auto store = open_sqlite_store(path);
  EXPECT_FALSE(store->encrypted());
  EXPECT_EQ(store->case_count(), 10);
  // create_encrypted applies to new stores only: an existing plain one is
  // opened as it is.
  EXPECT_FALSE(open_sqlite_store(path, {.create_encrypted = true})->encrypted());
  EXPECT_TRUE(provider.asked.empty());
  EXPECT_EQ(slurp(path).substr(0, 15), "SQLite format 3");
}

TEST_F(Encryption, AnEmptyFileIsCreatedEncryptedWhenAsked) {
  // What a store killed before its first page leaves behind.
  const auto path = dir_.file("vigil.db");
  std::ofstream{path};
  const Provider provider(kKey);
  EXPECT_TRUE(open_sqlite_store(path, {.create_encrypted = true})->encrypted());
  EXPECT_EQ(provider.asked, (std::vector<std::pair<std::string, bool>>{{path, true}}));
}

TEST_F(Encryption, NeitherTheFileNorItsWalHoldAnyPlaintext) {
  // The same import into a plain and an encrypted store; while the store is
  // open its records are in the WAL, after it is closed (checkpointed) in the
  // main file. The plain store must show every canary (else the search
  // proves nothing), the encrypted one none, in any of its files.
  for (const bool encrypted : {false, true}) {
    SCOPED_TRACE(encrypted ? "encrypted" : "plain");
    const auto path = dir_.file(encrypted ? "encrypted.db" : "plain.db");
    const Provider provider(kKey);
    {
      auto store = open_sqlite_store(path, {.create_encrypted = encrypted});
      import_rows(*store, 5000);
      ASSERT_TRUE(std::filesystem::exists(path + "-wal"));
      if (encrypted) {
        EXPECT_EQ(canaries_in(path), std::vector<std::string>{});
        EXPECT_EQ(canaries_in(path + "-wal"), std::vector<std::string>{});
        EXPECT_EQ(canaries_in(path + "-shm"), std::vector<std::string>{});
      } else {
        // The header is written when the store is created; the records are
        // in the WAL until the store is closed.
        EXPECT_EQ(slurp(path).substr(0, 15), "SQLite format 3");
        EXPECT_NE(slurp(path + "-wal").find(kSourceCanary), std::string::npos);
      }
    }
    EXPECT_FALSE(std::filesystem::exists(path + "-wal"));  // checkpointed into the file
    EXPECT_EQ(canaries_in(path), encrypted ? std::vector<std::string>{} : kCanaries);
    // Nor do the records' values (gender labels).
    EXPECT_EQ(slurp(path).find("Woman") == std::string::npos, encrypted);
  }
}

TEST(EncryptionUnavailable, ABuildWithoutSqlcipherRefusesEncryptedStores) {
  if (encryption_available()) GTEST_SKIP() << "built with SQLCipher";
  const testing::ScratchDir dir;
  const auto path = dir.file("vigil.db");
  EXPECT_EQ(error_of(path, {.create_encrypted = true}),
            "store: cannot create " + path +
                " encrypted: this vigil was built without SQLCipher (cmake -DVIGIL_SQLCIPHER=ON)");
  EXPECT_FALSE(std::filesystem::exists(path));
  // Whole pages of random bytes: what an encrypted store looks like.
  std::string bytes(8192, '\0');
  std::mt19937 rng(1);
  for (auto& byte : bytes) byte = static_cast<char>(rng());
  std::ofstream(path, std::ios::binary) << bytes;
  EXPECT_EQ(error_of(path), "store: " + path +
                                " is encrypted (or is not a SQLite file), and this vigil was built "
                                "without SQLCipher (cmake -DVIGIL_SQLCIPHER=ON)");
}

TEST_F(Encryption, KilledImportsLeaveAnIntactEncryptedStore) {
  // The plain kill test (crash_test.cpp), shorter, on an encrypted store:
  // SQLCipher's WAL frames must recover as plain ones do.
  constexpr int kCopies = 10;
  constexpr std::int64_t kRecords = 3000 * kCopies;
  const std::string file = testing::make_large_file(dir_, kCopies);
  const std::string db = dir_.file("vigil.db");
  const testing::ScopedEnv key("VIGIL_STORE_KEY", kKey);

  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(testing::start_import(file, db, "baseline", "--encrypt"), &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::mt19937_64 rng(20261129);
  // Up to the length of the first import only (the plain test goes to 1.3
  // times it with more runs): most of these eight kills must interrupt one.
  std::uniform_real_distribution<double> delay(0.0, seconds);
  std::int64_t finished = 1;
  int killed = 0;
  const Provider provider(kKey);
  for (int run = 0; run < 8; ++run) {
    const pid_t pid = testing::start_import(file, db, "run-" + std::to_string(run));
    std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) ++killed;
    ASSERT_EQ(testing::integrity_check(db, kKey), "ok") << "after run " << run;
    const auto store = open_sqlite_store(db);
    EXPECT_TRUE(store->encrypted());
    const auto imports = static_cast<std::int64_t>(store->imports().size());
    EXPECT_TRUE(imports == finished || imports == finished + 1) << "after run " << run;
    finished = imports;
    EXPECT_EQ(store->case_count(), kRecords * finished) << "after run " << run;
  }
  EXPECT_GE(killed, 3);  // or the test proved little
  RecordProperty("killed", killed);
  EXPECT_NE(testing::integrity_check(db, "not the key"), "ok");
}

TEST_F(Encryption, AnEncryptedStoreKilledWhileBeingCreatedOpensEmptyOrWhole) {
  // Kills while the key is derived, the first page written and the schema
  // created: what is left opens with the key (an empty file is created anew).
  constexpr std::int64_t kRecords = 3000;
  const std::string file = testing::make_large_file(dir_, 1);
  const testing::ScopedEnv key("VIGIL_STORE_KEY", kKey);
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> delay(0.0, 0.6);
  for (int run = 0; run < 6; ++run) {
    const std::string db = dir_.file("fresh-" + std::to_string(run) + ".db");
    const pid_t pid = testing::start_import(file, db, "s", "--encrypt");
    std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    const Provider provider(kKey);
    auto store = open_sqlite_store(db, {.create_encrypted = true});
    EXPECT_TRUE(store->encrypted()) << "run " << run;
    const auto count = store->case_count();
    EXPECT_TRUE(count == 0 || count == kRecords) << "run " << run << ": " << count;
    store.reset();
    EXPECT_EQ(testing::integrity_check(db, kKey), "ok") << "run " << run;
  }
}

}  // namespace
}  // namespace vigil::store
