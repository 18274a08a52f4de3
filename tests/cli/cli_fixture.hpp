// The test fixture for running the real `vigil` binary as a user would.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "store/test_support.hpp"

namespace vigil::testing {

struct Outcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

class Cli : public ::testing::Test {
 protected:
  // A key in the developer's shell would encrypt the tests' new stores and
  // change what vigil prints; tests that want one set it themselves.
  Cli() { ::unsetenv("VIGIL_STORE_KEY"); }

  // Runs `vigil ARGS` in the scratch directory with stdout and stderr captured.
  Outcome vigil(const std::string& args) {
    const std::string out = dir_.file("stdout.txt");
    const std::string err = dir_.file("stderr.txt");
    const std::string command = "cd '" + dir_.file("") + "' && '" + VIGIL_BINARY + "' " + args +
                                " >'" + out + "' 2>'" + err + "' </dev/null";
    const int status = std::system(command.c_str());
    Outcome run;
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.out = slurp(out);
    run.err = slurp(err);
    return run;
  }
  std::string write_file(const std::string& name, const std::string& text) {
    const std::string path = dir_.file(name);
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string fixture(const char* name) {
    return std::string(VIGIL_FIXTURES_DIR) + "/" + name;
  }

  vigil::testing::ScratchDir dir_;
};

}  // namespace vigil::testing
