#include "cli/store_key.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "store/store.hpp"

namespace vigil::cli {
namespace {

// A new store's key is a passphrase stretched by PBKDF2, but a short one can
// still be guessed from a stolen file: ask for a few words' worth. Existing
// stores open with whatever key they were created with.
constexpr std::size_t kMinNewKeyBytes = 12;

// Clears a string's whole buffer when the scope is left, however it is left.
class Wiper {
 public:
  explicit Wiper(std::string& text) : text_(text) {}
  ~Wiper() {
    text_.resize(text_.capacity());
    sodium_memzero(text_.data(), text_.size());
    text_.clear();
  }
  Wiper(const Wiper&) = delete;
  Wiper& operator=(const Wiper&) = delete;

 private:
  std::string& text_;
};

// The terminal's settings from before echo was turned off, for the signal
// handler: a user who presses Ctrl-C at the prompt must get their echo back.
termios saved_terminal;
constexpr int kRestoreOn[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

void restore_terminal_and_reraise(int signal_number) {
  // Both calls are async-signal-safe; the re-raised signal is delivered with
  // its default action as soon as this handler returns.
  tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
  ::signal(signal_number, SIG_DFL);
  ::raise(signal_number);
}

// Turns the terminal's echo off for its lifetime.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_terminal) != 0) {
      throw Error(Error::Kind::io,
                  fmt::format("cannot read the terminal's settings: {}", std::strerror(errno)));
    }
    struct sigaction action {};
    action.sa_handler = restore_terminal_and_reraise;
    sigemptyset(&action.sa_mask);
    for (std::size_t index = 0; index < std::size(kRestoreOn); ++index) {
      sigaction(kRestoreOn[index], &action, &previous_[index]);
    }
    termios quiet = saved_terminal;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    // TCSAFLUSH also drops anything typed before the prompt appeared.
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
      const int error = errno;
      restore_handlers();
      throw Error(Error::Kind::io,
                  fmt::format("cannot turn the terminal's echo off: {}", std::strerror(error)));
    }
  }
  ~EchoOff() {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
    restore_handlers();
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  void restore_handlers() {
    for (std::size_t index = 0; index < std::size(kRestoreOn); ++index) {
      sigaction(kRestoreOn[index], &previous_[index], nullptr);
    }
  }
  struct sigaction previous_[std::size(kRestoreOn)]{};
};

// Prints `prompt` on standard error and reads one line from the terminal,
// unechoed, into `out` (which has room for the longest key: the bytes are
// never copied elsewhere). A byte at a time with read(2), so that no stdio
// buffer keeps a copy.
void read_secret(const std::string& prompt, std::string& out) {
  bool too_long = false;
  {
    // Echo off before the prompt appears, as getpass(3) does: whatever is
    // typed once the prompt is visible is never echoed.
    const EchoOff quiet;
    fmt::print(stderr, "{}", prompt);
    std::fflush(stderr);
    char byte = 0;
    for (;;) {
      const ssize_t got = ::read(STDIN_FILENO, &byte, 1);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0 || byte == '\n') break;
      if (out.size() == store::kMaxKeyBytes) {
        too_long = true;  // read on to the end of the line, keep nothing more
      } else {
        out.push_back(byte);
      }
    }
    sodium_memzero(&byte, sizeof byte);
  }
  fmt::print(stderr, "\n");  // the user's Enter was not echoed
  if (too_long) {
    throw Error(Error::Kind::usage,
                fmt::format("the key is longer than {} bytes", store::kMaxKeyBytes));
  }
  if (out.empty()) throw Error(Error::Kind::usage, "no key was typed");
}

void check_new_key(const std::string& key, const std::string& where) {
  if (key.size() < kMinNewKeyBytes) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: a new store's key must be at least {} characters long; a few "
                            "random words make a good one",
                            where, kMinNewKeyBytes));
  }
}

bool provide_key(const std::string& path, bool creating, std::string& key) {
  if (const char* value = std::getenv(kStoreKeyVariable)) {
    const std::size_t length = std::strlen(value);
    if (length == 0) {
      throw Error(Error::Kind::store,
                  fmt::format("store: {} is set but empty: set it to the key of {}, or unset it",
                              kStoreKeyVariable, path));
    }
    if (length > store::kMaxKeyBytes) {
      throw Error(Error::Kind::store, fmt::format("store: {} is longer than {} bytes",
                                                  kStoreKeyVariable, store::kMaxKeyBytes));
    }
    key.append(value, length);
    if (creating) check_new_key(key, kStoreKeyVariable);
    return true;
  }
  if (isatty(STDIN_FILENO) == 0) {
    if (creating) {
      throw Error(Error::Kind::store,
                  fmt::format("store: {} is not set and there is no terminal to ask on: cannot "
                              "create the encrypted store {}; set {} to its new key, or run "
                              "vigil on a terminal to be asked for it",
                              kStoreKeyVariable, path, kStoreKeyVariable));
    }
    throw Error(Error::Kind::store,
                fmt::format("store: {} is not set and there is no terminal to ask on: the store "
                            "{} is encrypted; set {} to its key, or run vigil on a terminal to be "
                            "asked for it",
                            kStoreKeyVariable, path, kStoreKeyVariable));
  }
  if (!creating) {
    read_secret(fmt::format("Key of the encrypted store {}: ", path), key);
    return true;
  }
  read_secret(fmt::format("New key for the encrypted store {}: ", path), key);
  check_new_key(key, "the key typed");
  std::string again;
  again.reserve(store::kMaxKeyBytes + 1);
  const Wiper wiper(again);
  read_secret("The same key again: ", again);
  if (again != key) {
    throw Error(Error::Kind::usage, "the two keys typed differ: nothing was created");
  }
  return true;
}

}  // namespace

bool store_key_in_environment() {
  return std::getenv(kStoreKeyVariable) != nullptr;
}

void install_store_key_provider() {
  store::set_key_provider(provide_key);
}

}  // namespace vigil::cli
