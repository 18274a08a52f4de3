#include "cli/terminal.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace vigil::cli {

ProgressLine::ProgressLine(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressLine::~ProgressLine() {
  finish();
}

void ProgressLine::update(std::uint64_t done, std::uint64_t total) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  drawn_ = true;
  const double mib = static_cast<double>(done) / (1024.0 * 1024.0);
  if (total > 0) {
    const double percent = 100.0 * static_cast<double>(done) / static_cast<double>(total);
    fmt::print(stderr, "\r{}: {:5.1f}% ({:.1f} MiB)\x1b[K", label_, percent, mib);
  } else {
    fmt::print(stderr, "\r{}: {:.1f} MiB\x1b[K", label_, mib);
  }
  std::fflush(stderr);
}

void ProgressLine::finish() {
  if (enabled_ && drawn_) {
    fmt::print(stderr, "\r\x1b[K");
    std::fflush(stderr);
    drawn_ = false;
  }
}

}  // namespace vigil::cli
