// Terminal helpers for the CLI: a progress line drawn only on a terminal.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace vigil::cli {

// A one-line progress display on standard error. Silent when stderr is not a
// terminal (piped, redirected, CI), so logs stay clean.
class ProgressLine {
 public:
  explicit ProgressLine(std::string label);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // Redraws at most ten times a second.
  void update(std::uint64_t done, std::uint64_t total);
  // Clears the line.
  void finish();

 private:
  std::string label_;
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_draw_{};
};

}  // namespace vigil::cli
