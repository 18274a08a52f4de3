// Encrypted stores from the command line: `vigil import --encrypt`, the key
// from VIGIL_STORE_KEY or typed at a prompt on a real (pseudo-)terminal,
// never an argument, never printed.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_fixture.hpp"

namespace {

using vigil::testing::Cli;
using vigil::testing::Outcome;
using vigil::testing::ScopedEnv;
using vigil::testing::slurp;

constexpr const char* kVariable = "VIGIL_STORE_KEY";
constexpr const char* kKey = "quiet 'river\" otter 4";

class EncryptedStore : public Cli {
 protected:
  void SetUp() override {
    if (!VIGIL_SQLCIPHER) GTEST_SKIP() << "vigil built with -DVIGIL_SQLCIPHER=OFF";
  }
  // Runs vigil and checks that the key is in none of what it printed.
  Outcome run(const std::string& args) {
    Outcome outcome = vigil(args);
    EXPECT_EQ(outcome.out.find(kKey), std::string::npos) << args;
    EXPECT_EQ(outcome.err.find(kKey), std::string::npos) << args;
    return outcome;
  }
  std::string import_args(const std::string& db) {
    return "import '" + fixture("ctdc2018_global.csv") + "' --db " + db;
  }
  bool is_plain(const std::string& db) {
    return slurp(dir_.file(db)).substr(0, 15) == "SQLite format 3";
  }
};

TEST_F(EncryptedStore, ImportEncryptedThenEveryVerbReadsItWithTheKey) {
  const ScopedEnv key(kVariable, kKey);
  const Outcome import = run(import_args("secret.db") + " --encrypt");
  ASSERT_EQ(import.exit_code, 0) << import.err;
  EXPECT_EQ(import.out, fixture("ctdc2018_global.csv") +
                            ": layout ctdc-2018, source \"ctdc2018_global.csv\": 240 rows read, "
                            "240 stored, 0 skipped as duplicates (store secret.db, encrypted)\n");
  EXPECT_EQ(import.err, "");
  const std::string bytes = slurp(dir_.file("secret.db"));
  EXPECT_FALSE(is_plain("secret.db"));
  EXPECT_EQ(bytes.find("ctdc2018_global"), std::string::npos);
  EXPECT_EQ(bytes.find("cases"), std::string::npos);

  const Outcome profile = run("profile --db secret.db --format json");
  ASSERT_EQ(profile.exit_code, 0) << profile.err;
  const Outcome direct =
      run("profile --cases '" + fixture("ctdc2018_global.csv") + "' --format json");
  EXPECT_EQ(nlohmann::json::parse(profile.out)["total"], 240);
  EXPECT_EQ(profile.out, direct.out);  // the same figures as from the file itself
  const Outcome glm =
      run("glm --db secret.db --family binomial --formula 'sexual_exploitation ~ gender'");
  EXPECT_EQ(glm.exit_code, 0) << glm.err;
  const Outcome again = run(import_args("secret.db") + " --format json");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(nlohmann::json::parse(again.out)["rows_duplicate"], 240);
  EXPECT_EQ(nlohmann::json::parse(again.out)["encrypted"], true);
}

TEST_F(EncryptedStore, WithoutTheKeyAndNoTerminalTheErrorSaysHowToGiveIt) {
  {
    const ScopedEnv key(kVariable, kKey);
    ASSERT_EQ(run(import_args("secret.db") + " --encrypt").exit_code, 0);
  }
  const ScopedEnv no_key(kVariable, nullptr);
  for (const char* verb : {"profile --db secret.db",
                           "import '" VIGIL_FIXTURES_DIR "/ctdc2018_global.csv' --db secret.db"}) {
    const Outcome run_without = run(verb);
    EXPECT_EQ(run_without.exit_code, 4) << verb;  // a store error
    EXPECT_EQ(run_without.err,
              "vigil: store: VIGIL_STORE_KEY is not set and there is no terminal to ask on: the "
              "store secret.db is encrypted; set VIGIL_STORE_KEY to its key, or run vigil on a "
              "terminal to be asked for it\n")
        << verb;
  }
  const Outcome create = run(import_args("new.db") + " --encrypt");
  EXPECT_EQ(create.exit_code, 4);
  EXPECT_NE(create.err.find("cannot create the encrypted store new.db; set VIGIL_STORE_KEY"),
            std::string::npos)
      << create.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("new.db")));
}

TEST_F(EncryptedStore, AWrongKeyIsAStoreError) {
  {
    const ScopedEnv key(kVariable, kKey);
    ASSERT_EQ(run(import_args("secret.db") + " --encrypt").exit_code, 0);
  }
  const ScopedEnv wrong(kVariable, "quiet river otter 5");
  const Outcome profile = run("profile --db secret.db");
  EXPECT_EQ(profile.exit_code, 4);
  EXPECT_EQ(profile.err,
            "vigil: store: secret.db: the key is wrong, or the file is not a vigil store\n");
}

TEST_F(EncryptedStore, AKeyInTheEnvironmentEncryptsANewStoreButNotAnExistingPlainOne) {
  {
    const ScopedEnv no_key(kVariable, nullptr);
    ASSERT_EQ(run(import_args("plain.db")).exit_code, 0);
  }
  const ScopedEnv key(kVariable, kKey);
  // Creating a store with a key set: encrypted, and the summary says so.
  const Outcome created = run(import_args("new.db"));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_NE(created.out.find("(store new.db, encrypted)"), std::string::npos);
  EXPECT_FALSE(is_plain("new.db"));
  // An existing plain store stays plain, with a warning.
  const Outcome plain = run(import_args("plain.db") + " --source other");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_NE(plain.out.find("(store plain.db)"), std::string::npos);
  EXPECT_EQ(plain.err,
            "vigil: VIGIL_STORE_KEY is set, but plain.db is a store created without encryption: "
            "the key is not used and the records are stored unencrypted\n");
  EXPECT_TRUE(is_plain("plain.db"));
  // --encrypt on an existing plain store is refused, and imports nothing.
  const Outcome refused = run(import_args("plain.db") + " --source third --encrypt");
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--encrypt: plain.db is an existing store that is not encrypted"),
            std::string::npos)
      << refused.err;
  const Outcome profile = run("profile --db plain.db --format json");
  EXPECT_EQ(nlohmann::json::parse(profile.out)["total"], 480);  // two imports, not three
}

TEST_F(EncryptedStore, EmptyAndShortKeysAreRefused) {
  {
    const ScopedEnv empty(kVariable, "");
    const Outcome run_empty = run(import_args("new.db"));
    EXPECT_EQ(run_empty.exit_code, 4);
    EXPECT_EQ(run_empty.err,
              "vigil: store: VIGIL_STORE_KEY is set but empty: set it to the key of new.db, or "
              "unset it\n");
  }
  const ScopedEnv short_key(kVariable, "0123456789a");
  const Outcome run_short = run(import_args("new.db") + " --encrypt");
  EXPECT_EQ(run_short.exit_code, 2);
  EXPECT_NE(run_short.err.find("a new store's key must be at least 12 characters long"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("new.db")));
}

TEST_F(EncryptedStore, TheKeyIsNeverACommandLineArgument) {
  const Outcome help = run("import --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--encrypt"), std::string::npos);
  EXPECT_NE(help.out.find("VIGIL_STORE_KEY"), std::string::npos);
  EXPECT_EQ(help.out.find("--key"), std::string::npos);
  EXPECT_EQ(help.out.find("--password"), std::string::npos);
  EXPECT_EQ(vigil(import_args("x.db") + " --key abcdefghijklmn").exit_code, 2);
  EXPECT_EQ(vigil(import_args("x.db") + " --encrypt=abcdefghijklmn").exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("x.db")));
}

TEST_F(Cli, WithoutSqlcipherEncryptionIsAClearStoreError) {
  if (VIGIL_SQLCIPHER) GTEST_SKIP() << "vigil built with SQLCipher";
  const ScopedEnv key(kVariable, kKey);
  const Outcome run =
      vigil("import '" + fixture("ctdc2018_global.csv") + "' --db secret.db --encrypt");
  EXPECT_EQ(run.exit_code, 4);
  EXPECT_EQ(run.err,
            "vigil: store: cannot create secret.db encrypted: this vigil was built without "
            "SQLCipher (cmake -DVIGIL_SQLCIPHER=ON)\n");
  EXPECT_FALSE(std::filesystem::exists(dir_.file("secret.db")));
}

// What a user saw on the terminal, and how vigil ended.
struct TerminalRun {
  int exit_code = -1;
  std::string screen;
};

// Runs vigil ARGS in the scratch directory on a new pseudo-terminal (its
// standard input, output and error), typing each line of `dialogue` once its
// prompt has appeared. Gives up after 60 seconds.
TerminalRun run_on_terminal(const std::string& directory, const std::vector<std::string>& args,
                            const std::vector<std::pair<std::string, std::string>>& dialogue) {
  std::vector<const char*> argv{VIGIL_BINARY};
  for (const auto& arg : args) argv.push_back(arg.c_str());
  argv.push_back(nullptr);
  int master = -1;
  const pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid == 0) {
    if (chdir(directory.c_str()) != 0) _exit(126);
    execv(VIGIL_BINARY, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  TerminalRun result;
  if (pid < 0) return result;
  std::size_t next = 0;
  std::size_t searched_from = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd poll_fd{master, POLLIN, 0};
    if (poll(&poll_fd, 1, 100) <= 0) continue;
    char buffer[4096];
    const ssize_t got = read(master, buffer, sizeof buffer);
    if (got <= 0) break;  // EIO: the child closed the terminal
    result.screen.append(buffer, static_cast<std::size_t>(got));
    if (next < dialogue.size()) {
      const auto at = result.screen.find(dialogue[next].first, searched_from);
      if (at != std::string::npos) {
        const std::string line = dialogue[next].second + "\n";
        EXPECT_EQ(write(master, line.data(), line.size()), static_cast<ssize_t>(line.size()));
        searched_from = at + dialogue[next].first.size();
        ++next;
      }
    }
  }
  int status = 0;
  if (waitpid(pid, &status, WNOHANG) == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  close(master);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  EXPECT_EQ(next, dialogue.size()) << "prompts not seen; the screen:\n" << result.screen;
  return result;
}

TEST_F(EncryptedStore, OnATerminalTheKeyIsAskedForWithoutEcho) {
  const ScopedEnv no_key(kVariable, nullptr);
  const std::string directory = dir_.file("");
  const std::string file = fixture("ctdc2018_global.csv");

  // Creating: asked twice; two different keys create nothing.
  const TerminalRun differ =
      run_on_terminal(directory, {"import", file, "--db", "secret.db", "--encrypt"},
                      {{"New key for the encrypted store secret.db: ", kKey},
                       {"The same key again: ", "quiet river otter 44"}});
  EXPECT_EQ(differ.exit_code, 2) << differ.screen;
  EXPECT_NE(differ.screen.find("the two keys typed differ: nothing was created"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.file("secret.db")));

  const TerminalRun create = run_on_terminal(
      directory, {"import", file, "--db", "secret.db", "--encrypt"},
      {{"New key for the encrypted store secret.db: ", kKey}, {"The same key again: ", kKey}});
  EXPECT_EQ(create.exit_code, 0) << create.screen;
  EXPECT_NE(create.screen.find("(store secret.db, encrypted)"), std::string::npos);
  EXPECT_EQ(create.screen.find(kKey), std::string::npos) << "the key was echoed";
  EXPECT_FALSE(is_plain("secret.db"));

  // Opening: asked once.
  const TerminalRun profile = run_on_terminal(directory, {"profile", "--db", "secret.db"},
                                              {{"Key of the encrypted store secret.db: ", kKey}});
  EXPECT_EQ(profile.exit_code, 0) << profile.screen;
  EXPECT_EQ(profile.screen.find(kKey), std::string::npos) << "the key was echoed";
  const TerminalRun wrong =
      run_on_terminal(directory, {"profile", "--db", "secret.db"},
                      {{"Key of the encrypted store secret.db: ", "quiet river otter 44"}});
  EXPECT_EQ(wrong.exit_code, 4) << wrong.screen;
  EXPECT_NE(wrong.screen.find("the key is wrong"), std::string::npos);

  // The key typed at the prompt is the one VIGIL_STORE_KEY then gives.
  const ScopedEnv key(kVariable, kKey);
  EXPECT_EQ(run("profile --db secret.db").exit_code, 0);
}

}  // namespace
