// Helpers for the kill tests: a large case file, `vigil import` in a child
// process to be killed, and SQLite's own integrity check of what it left.
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/sqlcipher_params.hpp"
#include "store/test_support.hpp"

namespace vigil::testing {

// The 3,000 example records, `copies` times over (one header).
inline std::string make_large_file(const ScratchDir& dir, int copies) {
  std::ifstream in(std::string(VIGIL_EXAMPLES_DIR) + "/ctdc_synthetic_kz.csv", std::ios::binary);
  std::string header;
  std::getline(in, header);
  std::stringstream body;
  body << in.rdbuf();
  const std::string path = dir.file("large.csv");
  std::ofstream out(path, std::ios::binary);
  out << header << '\n';
  for (int copy = 0; copy < copies; ++copy) out << body.str();
  return path;
}

// Starts `vigil import FILE --db DB --source SOURCE [EXTRA]` with its output
// thrown away and the test's environment (VIGIL_STORE_KEY included);
// returns the child's pid.
inline pid_t start_import(const std::string& file, const std::string& db, const std::string& source,
                          const std::string& extra = "") {
  std::vector<const char*> argv{VIGIL_BINARY, "import",   file.c_str(),  "--db",
                                db.c_str(),   "--source", source.c_str()};
  if (!extra.empty()) argv.push_back(extra.c_str());
  argv.push_back(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    execv(VIGIL_BINARY, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  return pid;
}

// "ok", or what PRAGMA integrity_check found. `key`: the passphrase of an
// encrypted store (null for a plain one), given with the parameters every
// vigil sets.
inline std::string integrity_check(const std::string& db, const char* key = nullptr) {
  sqlite3* handle = nullptr;
  if (sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(handle);
    return "cannot open";
  }
  if (key != nullptr) {
#if VIGIL_SQLCIPHER
    sqlite3_key(handle, key, static_cast<int>(std::string(key).size()));
    const std::string parameters =
        "PRAGMA kdf_iter = " + std::to_string(store::sqlcipher::kKdfIterations) +
        "; PRAGMA cipher_page_size = " + std::to_string(store::sqlcipher::kPageSize);
    sqlite3_exec(handle, parameters.c_str(), nullptr, nullptr, nullptr);
#else
    sqlite3_close(handle);
    return "no SQLCipher in this build";
#endif
  }
  std::string result;
  const int rc = sqlite3_exec(
      handle, "PRAGMA integrity_check",
      [](void* out, int, char** values, char**) {
        auto& text = *static_cast<std::string*>(out);
        if (!text.empty()) text += "; ";
        text += values[0] ? values[0] : "";
        return 0;
      },
      &result, nullptr);
  if (rc != SQLITE_OK) result = std::string("error: ") + sqlite3_errmsg(handle);
  sqlite3_close(handle);
  return result;
}

}  // namespace vigil::testing
