#include "core/digest.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <array>
#include <fstream>
#include <vector>

#include "core/error.hpp"

namespace vigil {
namespace {

std::string to_hex(const std::array<unsigned char, crypto_hash_sha256_BYTES>& digest) {
  std::string hex(digest.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
  hex.pop_back();  // the terminating NUL sodium_bin2hex writes
  return hex;
}

}  // namespace

void ensure_sodium() {
  // A function-local static is initialised exactly once even when several
  // threads arrive together.
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw Error(Error::Kind::internal, "libsodium failed to initialise");
}

std::string sha256_hex(std::string_view bytes) {
  ensure_sodium();
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(bytes.data()),
                     static_cast<unsigned long long>(bytes.size()));
  return to_hex(digest);
}

std::string sha256_file_hex(const std::string& path) {
  ensure_sodium();
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("{}: cannot open the file for reading", path));
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  std::vector<char> buffer(std::size_t{1} << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = in.gcount();
    if (got > 0) {
      crypto_hash_sha256_update(&state, reinterpret_cast<const unsigned char*>(buffer.data()),
                                static_cast<unsigned long long>(got));
    }
  }
  if (in.bad()) throw Error(Error::Kind::io, fmt::format("{}: cannot read the file", path));
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  return to_hex(digest);
}

}  // namespace vigil
