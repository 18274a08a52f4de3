#include "link/bloom.hpp"

#include <fmt/format.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"

namespace vigil::link {

namespace {

constexpr std::size_t kMaxBits = 65536;
constexpr int kMaxHashesPerToken = 100;

void check_bits(std::size_t bits) {
  if (bits == 0 || bits % 64 != 0 || bits > kMaxBits) {
    throw Error(Error::Kind::usage,
                fmt::format("a Bloom filter needs a length that is a positive multiple of 64 up to "
                            "{} bits, got {}",
                            kMaxBits, bits));
  }
}

void check_parameters(const BloomParameters& parameters) {
  check_bits(parameters.bits);
  if (parameters.hashes_per_token < 1 || parameters.hashes_per_token > kMaxHashesPerToken) {
    throw Error(Error::Kind::usage,
                fmt::format("a Bloom filter needs 1 to {} hashes per token, got {}",
                            kMaxHashesPerToken, parameters.hashes_per_token));
  }
}

// A filter built by hand may carry a word count that disagrees with its
// length; reading past the vector would then be undefined, so refuse it.
void check_shape(const BloomFilter& filter) {
  if (filter.words.size() != (filter.bits + 63) / 64) {
    throw Error(Error::Kind::usage,
                fmt::format("a {}-bit Bloom filter must hold {} 64-bit words, got {}", filter.bits,
                            (filter.bits + 63) / 64, filter.words.size()));
  }
}

// HMAC state after the key and "field\0": every token of a field shares this
// prefix, so it is hashed once and the state copied per token.
crypto_auth_hmacsha256_state field_state(std::string_view field, const LinkageSecret& secret) {
  ensure_sodium();
  crypto_auth_hmacsha256_state state;
  const auto& key = secret.bytes();
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(key.data()),
                              key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(field.data()),
                                field.size());
  const unsigned char separator = 0;
  crypto_auth_hmacsha256_update(&state, &separator, 1);
  return state;
}

using Digest = std::array<unsigned char, crypto_auth_hmacsha256_BYTES>;

Digest finish(crypto_auth_hmacsha256_state state, std::string_view value) {
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(value.data()),
                                value.size());
  Digest digest{};
  crypto_auth_hmacsha256_final(&state, digest.data());
  // The state holds the key's inner and outer pads.
  sodium_memzero(&state, sizeof state);
  return digest;
}

// Read byte by byte so that the positions do not depend on the machine's
// byte order.
std::uint64_t little_endian_u64(const unsigned char* bytes) {
  std::uint64_t value = 0;
  for (int index = 7; index >= 0; --index) value = (value << 8U) | bytes[index];
  return value;
}

// The characters of a word as UTF-8 slices. A byte that starts no valid
// sequence stands for itself, so that odd input still gives bigrams instead
// of an error from code that only ever sees to_latin keys.
std::vector<std::string_view> characters(std::string_view word) {
  std::vector<std::string_view> result;
  for (std::size_t pos = 0; pos < word.size();) {
    std::size_t length = 1;
    if (static_cast<unsigned char>(word[pos]) >= 0x80U) {
      if (const auto sequence = decode_utf8_at(word, pos)) length = sequence->length;
    }
    result.push_back(word.substr(pos, length));
    pos += length;
  }
  return result;
}

}  // namespace

LinkageSecret::LinkageSecret(std::string bytes) : bytes_(std::move(bytes)) {
  if (bytes_.size() < kMinSecretBytes) {
    throw Error(Error::Kind::usage, fmt::format("a linkage secret needs at least {} bytes, got {}",
                                                kMinSecretBytes, bytes_.size()));
  }
}

LinkageSecret LinkageSecret::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the link secret file for reading");
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw Error(Error::Kind::io, path + ": cannot read the link secret file");
  const auto end = bytes.find_last_not_of(" \t\r\n");
  bytes.erase(end == std::string::npos ? 0 : end + 1);
  if (bytes.size() < kMinSecretBytes) {
    throw Error(Error::Kind::input,
                fmt::format("link secret file {}: expected at least {} bytes, got {}; make one "
                            "with `head -c 32 /dev/urandom | base64 > {}`",
                            path, kMinSecretBytes, bytes.size(), path));
  }
  return LinkageSecret(std::move(bytes));
}

std::size_t BloomFilter::popcount() const {
  std::size_t count = 0;
  for (const auto word : words) count += static_cast<std::size_t>(std::popcount(word));
  return count;
}

bool BloomFilter::empty() const {
  return std::all_of(words.begin(), words.end(), [](std::uint64_t w) { return w == 0; });
}

std::vector<std::string> padded_bigrams(std::string_view latin_key) {
  std::vector<std::string> bigrams;
  std::unordered_set<std::string> seen;
  std::size_t start = 0;
  while (start <= latin_key.size()) {
    auto stop = latin_key.find(' ', start);
    if (stop == std::string_view::npos) stop = latin_key.size();
    const auto word = latin_key.substr(start, stop - start);
    start = stop + 1;
    if (word.empty()) continue;
    auto chars = characters(word);
    chars.insert(chars.begin(), "_");
    chars.emplace_back("_");
    for (std::size_t index = 0; index + 1 < chars.size(); ++index) {
      std::string bigram{chars[index]};
      bigram += chars[index + 1];
      if (seen.insert(bigram).second) bigrams.push_back(std::move(bigram));
    }
  }
  return bigrams;
}

BloomFilter encode_tokens(const std::vector<std::string>& tokens, std::string_view field,
                          const LinkageSecret& secret, const BloomParameters& parameters) {
  check_parameters(parameters);
  BloomFilter filter{parameters.bits, std::vector<std::uint64_t>(parameters.bits / 64, 0)};
  if (tokens.empty()) return filter;
  auto prefix = field_state(field, secret);
  const std::uint64_t length = parameters.bits;
  for (const auto& token : tokens) {
    auto digest = finish(prefix, token);
    const std::uint64_t h1 = little_endian_u64(digest.data());
    // An even step could be 0 modulo l (l is a multiple of 64) and pile all
    // k bits onto h1; an odd one never is.
    const std::uint64_t h2 = little_endian_u64(digest.data() + 8) | 1U;
    sodium_memzero(digest.data(), digest.size());
    for (int i = 0; i < parameters.hashes_per_token; ++i) {
      // Wraps modulo 2^64 for large h1 and h2; unsigned overflow is defined,
      // so every machine sets the same bits.
      const std::uint64_t position = (h1 + static_cast<std::uint64_t>(i) * h2) % length;
      filter.words[position / 64] |= std::uint64_t{1} << (position % 64);
    }
  }
  sodium_memzero(&prefix, sizeof prefix);
  return filter;
}

std::size_t common_bits(const BloomFilter& a, const BloomFilter& b) {
  if (a.bits != b.bits) {
    throw Error(Error::Kind::usage,
                fmt::format("cannot compare a {}-bit Bloom filter with a {}-bit one: encode both "
                            "lists with the same parameters",
                            a.bits, b.bits));
  }
  check_shape(a);
  check_shape(b);
  std::size_t common = 0;
  for (std::size_t index = 0; index < a.words.size(); ++index) {
    common += static_cast<std::size_t>(std::popcount(a.words[index] & b.words[index]));
  }
  return common;
}

double dice_similarity(const BloomFilter& a, const BloomFilter& b) {
  const std::size_t common = common_bits(a, b);
  const auto total = a.popcount() + b.popcount();
  if (total == 0) return 0.0;
  return 2.0 * static_cast<double>(common) / static_cast<double>(total);
}

std::string keyed_hash(std::string_view value, std::string_view field,
                       const LinkageSecret& secret) {
  if (value.empty()) return {};
  auto digest = finish(field_state(field, secret), value);
  constexpr std::size_t kKeptBytes = 16;
  std::array<char, 2 * kKeptBytes + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), kKeptBytes);
  sodium_memzero(digest.data(), digest.size());
  return {hex.data(), 2 * kKeptBytes};
}

std::string to_base64(const BloomFilter& filter) {
  check_shape(filter);
  if (filter.empty()) return {};
  ensure_sodium();
  std::vector<unsigned char> bytes(filter.bits / 8);
  for (std::size_t index = 0; index < bytes.size(); ++index) {
    bytes[index] = static_cast<unsigned char>(filter.words[index / 8] >> (8 * (index % 8)));
  }
  std::string text(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  text.pop_back();  // the terminating NUL that sodium writes
  return text;
}

BloomFilter from_base64(std::string_view text, std::size_t bits) {
  check_bits(bits);
  BloomFilter filter{bits, std::vector<std::uint64_t>(bits / 64, 0)};
  if (text.empty()) return filter;
  ensure_sodium();
  const auto expected_bytes = bits / 8;
  const auto expected_chars = (expected_bytes + 2) / 3 * 4;
  // Room for whatever a valid text decodes to, so that a too-long text is
  // reported as a wrong length rather than as not base64.
  std::vector<unsigned char> bytes(text.size() / 4 * 3 + 3);
  std::size_t decoded = 0;
  // With no characters to ignore and no end pointer, libsodium refuses
  // anything but canonical, padded base64 that is consumed to its end.
  if (sodium_base642bin(bytes.data(), bytes.size(), text.data(), text.size(), nullptr, &decoded,
                        nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
    throw Error(Error::Kind::input,
                fmt::format("expected the base64 of a {}-bit Bloom filter ({} characters), got "
                            "{} characters that are not base64",
                            bits, expected_chars, text.size()));
  }
  if (decoded != expected_bytes) {
    throw Error(Error::Kind::input,
                fmt::format("expected the base64 of a {}-bit Bloom filter ({} bytes, {} "
                            "characters), got base64 of {} bytes",
                            bits, expected_bytes, expected_chars, decoded));
  }
  for (std::size_t index = 0; index < expected_bytes; ++index) {
    filter.words[index / 8] |= std::uint64_t{bytes[index]} << (8 * (index % 8));
  }
  return filter;
}

}  // namespace vigil::link
