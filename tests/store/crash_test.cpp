// Crash safety: `vigil import` killed with SIGKILL at random moments of a
// large import must leave a store that opens, passes SQLite's integrity
// check, and holds exactly the imports that finished: never part of one.
//
// Each run imports the same 60,000-record file under a new source name
// (so every finished import adds all of its records) and is killed after a
// random delay drawn uniformly between 0 and 1.3 times the length of an
// uninterrupted import, so that kills land during start-up, schema creation,
// the import itself, the commit and after it. The delays come from a seeded
// generator, but where a kill lands also depends on the machine's speed:
// the test checks the invariant, whatever the moment.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "store/kill_support.hpp"
#include "store/store.hpp"
#include "store/test_support.hpp"

namespace vigil::store {
namespace {

using testing::integrity_check;
using testing::start_import;

constexpr int kCopies = 20;  // 20 x 3,000 example records = 60,000
constexpr std::int64_t kRecords = 3000 * kCopies;
constexpr int kRuns = 20;

TEST(CrashSafety, KilledImportsLeaveAnIntactStoreHoldingExactlyTheFinishedImports) {
  // Plain stores (encryption_test.cpp kills imports into an encrypted one):
  // with a key in the environment, the imports would create encrypted ones.
  const testing::ScopedEnv no_key("VIGIL_STORE_KEY", nullptr);
  const testing::ScratchDir dir;
  const std::string file = testing::make_large_file(dir, kCopies);
  const std::string db = dir.file("vigil.db");

  // An uninterrupted import sets the time scale (and is itself the first
  // finished import).
  const auto start = std::chrono::steady_clock::now();
  int status = 0;
  waitpid(start_import(file, db, "baseline"), &status, 0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  std::set<std::string> finished{"baseline"};
  std::mt19937_64 rng(20261128);
  std::uniform_real_distribution<double> delay(0.0, 1.3 * seconds);
  int killed = 0;
  int committed_before_kill = 0;
  for (int run = 0; run < kRuns; ++run) {
    const std::string source = "run-" + std::to_string(run);
    const pid_t pid = start_import(file, db, source);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
    ::kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    const bool exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    if (WIFSIGNALED(status)) ++killed;

    ASSERT_EQ(integrity_check(db), "ok") << "after run " << run;
    auto store = open_sqlite_store(db);
    std::set<std::string> recorded;
    for (const auto& info : store->imports()) {
      recorded.insert(info.source);
      // All or nothing: an import that is recorded stored every record.
      EXPECT_EQ(info.rows_stored, kRecords) << info.source;
    }
    if (exited_cleanly) {
      EXPECT_TRUE(recorded.count(source)) << "a finished import is missing: " << source;
    }
    if (recorded.count(source)) {
      if (!exited_cleanly) ++committed_before_kill;
      finished.insert(source);
    }
    EXPECT_EQ(recorded, finished) << "after run " << run;
    EXPECT_EQ(store->case_count(), kRecords * static_cast<std::int64_t>(finished.size()))
        << "after run " << run;
  }
  // The kills must have interrupted imports, or the test proved nothing.
  EXPECT_GE(killed, kRuns / 2);
  RecordProperty("killed", killed);
  RecordProperty("committed_before_kill", committed_before_kill);
  RecordProperty("finished", static_cast<int>(finished.size()));

  // The store still takes imports, and re-importing a killed source stores
  // it whole exactly once.
  waitpid(start_import(file, db, "run-0"), &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  finished.insert("run-0");
  auto store = open_sqlite_store(db);
  EXPECT_EQ(store->case_count(), kRecords * static_cast<std::int64_t>(finished.size()));
  EXPECT_EQ(integrity_check(db), "ok");
}

TEST(CrashSafety, AStoreKilledWhileBeingCreatedOpensEmptyOrWhole) {
  // Kills in the first tens of milliseconds land while the process starts,
  // creates the file and its schema: what is left must open as an empty
  // store (or hold the whole import, had it finished).
  const testing::ScopedEnv no_key("VIGIL_STORE_KEY", nullptr);
  const testing::ScratchDir dir;
  const std::string file = testing::make_large_file(dir, kCopies);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> delay(0.0, 0.06);
  for (int run = 0; run < 8; ++run) {
    const std::string db = dir.file("fresh-" + std::to_string(run) + ".db");
    const pid_t pid = start_import(file, db, "s");
    std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
    ::kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    auto store = open_sqlite_store(db);
    const auto count = store->case_count();
    EXPECT_TRUE(count == 0 || count == kRecords) << "run " << run << ": " << count;
    EXPECT_EQ(store->imports().size(), count == 0 ? 0U : 1U);
    store.reset();
    EXPECT_EQ(integrity_check(db), "ok") << "run " << run;
  }
}

}  // namespace
}  // namespace vigil::store
