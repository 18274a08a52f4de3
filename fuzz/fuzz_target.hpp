// What every fuzz target shares: how it is declared, and what counts as a
// clean rejection of bad input.
//
// Each target is written once, with VIGIL_FUZZ_TARGET(name), and compiled
// two ways:
//   - for libFuzzer (clang, -DVIGIL_LIBFUZZER, bench/fuzz.sh): the macro
//     defines LLVMFuzzerTestOneInput, one executable per target;
//   - as an ordinary function vigil::fuzz::name (g++ in the normal build):
//     tests/fuzz/regression_test.cpp calls it on every file of
//     fuzz/regressions/<name>/ and fuzz/corpus/<name>/, so that every input
//     that ever crashed a target is replayed by `scripts/test`, and under the
//     sanitizers by `scripts/test --sanitize`.
//
// A target catches vigil::Error, vigil's one exception for input it refuses,
// and nothing else: any other exception escapes, and libFuzzer (or the
// regression test) reports it; a crash, a sanitizer report, a hang or running
// out of memory are findings too. An Error of kind `internal` says a bug in
// vigil, so it is not a clean rejection either: it is rethrown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/error.hpp"

#ifdef VIGIL_LIBFUZZER
#define VIGIL_FUZZ_TARGET(name) \
  extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
#else
#define VIGIL_FUZZ_TARGET(name)                         \
  namespace vigil::fuzz {                               \
  int name(const std::uint8_t* data, std::size_t size); \
  }                                                     \
  int vigil::fuzz::name(const std::uint8_t* data, std::size_t size)
#endif

namespace vigil::fuzz {

// The input as text (parsers take bytes in std::string or string_view).
inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Runs `parse`, accepting a vigil::Error that rejects the input (kinds
// input, usage, io) as the expected outcome of bad input.
// With VIGIL_FUZZ_VERBOSE set in the environment the rejection is printed,
// to see which seeds a parser accepts.
template <typename Parse>
void expect_clean(Parse&& parse) {
  static const bool verbose = std::getenv("VIGIL_FUZZ_VERBOSE") != nullptr;
  try {
    parse();
  } catch (const Error& error) {
    if (error.kind() == Error::Kind::internal) throw;
    if (verbose) std::fprintf(stderr, "rejected: %s\n", error.what());
  }
}

// A property of the parser's output that must hold for every input it
// accepts; a violation is reported like a crash (the exception escapes).
inline void check(bool holds, std::string_view what) {
  if (!holds) throw std::logic_error("fuzz property violated: " + std::string(what));
}

// An in-memory file for the readers that take a path: a memfd, named by its
// /proc/self/fd path, rewritten for each input (no disk, no clean-up).
class MemoryFile {
 public:
  MemoryFile();
  ~MemoryFile();
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;

  // Replaces the content; returns the path to open.
  const std::string& write(std::string_view content);

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace vigil::fuzz
