// Keyed Bloom-filter encodings for linking lists whose names may not be
// shared.
//
// Agencies in Kazakhstan may not legally hand each other victims' names. In
// privacy-preserving record linkage each agency encodes the identifying
// fields of its own list on its own machine and hands over only the
// encodings (Schnell, Bachteler & Reiher 2009, "Privacy-preserving record
// linkage using Bloom filters", BMC Medical Informatics and Decision Making
// 9:41). A field's value is cut into tokens (the padded bigrams of its
// to_latin key for a name), and each token sets k bits of an l-bit filter at
// positions given by double hashing, h1 + i * h2 mod l for i = 0..k-1, where
// h1 and h2 come from HMAC-SHA256 keyed with a secret that the agencies share
// and the linking party does not need to know the values behind. Two
// spellings of one name share most bigrams and so most bits, and the Dice
// coefficient of their filters approximates the Dice coefficient of their
// bigram sets (Schnell et al. 2009, section "Methods").
//
// Filters are kept per field ("field-level Bloom filters") rather than
// folded into one cryptographic long-term key for the record, so that the
// Fellegi-Sunter model of fellegi_sunter.hpp can weigh each field by its own
// agreement levels, as in clear-text linkage. That leaks more than one
// record-level filter would (a field's filter can be attacked by bigram
// frequency analysis when the key leaks: Christen, Ranbaduge, Vatsalan &
// Schnell 2019, "Precise and fast cryptanalysis for Bloom filter based
// privacy-preserving record linkage", IEEE TKDE 31(11)); the secret key is
// what stands between the encodings and the names, so it must never travel
// with the files.
//
// Nothing here writes or logs a value, a token or a key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::link {

// The secret the agencies share. At least kMinSecretBytes bytes.
class LinkageSecret {
 public:
  static constexpr std::size_t kMinSecretBytes = 16;

  // Throws vigil::Error (usage) when `bytes` is shorter than kMinSecretBytes.
  explicit LinkageSecret(std::string bytes);

  // Reads a secret file: its bytes, with trailing spaces, tabs, carriage
  // returns and newlines removed (so that `openssl rand -base64 32 > F` or
  // `head -c 32 /dev/urandom | base64 > F` make a usable file, and one
  // edited in a text editor still works). Throws vigil::Error (io) when the
  // file cannot be read, (input) naming the file when it holds fewer than
  // kMinSecretBytes bytes after trimming. The message never quotes the
  // file's contents.
  static LinkageSecret read_file(const std::string& path);

  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

// l and k of a filter. l must be a positive multiple of 64 up to 65536; k in
// 1..100. The defaults suit names of 3-20 letters: a name of n letters gives
// n + 1 padded bigrams, each setting up to k bits, so a 10-letter name fills
// about 1 - exp(-11 * 20 / 1024) = 19% of the bits, leaving room for the
// filters of different names to differ (Schnell et al. 2009 used l = 1000,
// k = 15-30).
struct BloomParameters {
  std::size_t bits = 1024;
  int hashes_per_token = 20;
};

// An l-bit filter, bit i stored in words[i / 64] at bit (i % 64).
struct BloomFilter {
  std::size_t bits = 0;
  std::vector<std::uint64_t> words;

  std::size_t popcount() const;
  bool empty() const;
  friend bool operator==(const BloomFilter&, const BloomFilter&) = default;
};

// The padded bigrams of a to_latin key: each word (split at spaces) is
// padded with "_" at both ends and cut into overlapping pairs of characters,
// so "aben" gives "_a", "ab", "be", "en", "n_". Duplicates are kept once, in
// order of first appearance. "" gives no bigrams; a one-letter word gives
// two ("_a", "a_").
std::vector<std::string> padded_bigrams(std::string_view latin_key);

// The filter of a set of tokens: for each token t, HMAC-SHA256 with `secret`
// over `field` + '\0' + t gives 32 bytes; h1 is the first 8 and h2 the next 8
// read as little-endian unsigned 64-bit integers, h2 forced odd, and the bits
// (h1 + i * h2) mod l for i = 0..k-1 are set, h1 + i * h2 computed modulo
// 2^64 (unsigned wrap-around: another implementation must wrap the same way). `field` ("surname",
// "given_name", ...) keeps the same bigram in two fields from setting the
// same bits. No tokens give an empty filter (all bits 0). Throws
// vigil::Error (usage) when `parameters` are out of range.
BloomFilter encode_tokens(const std::vector<std::string>& tokens, std::string_view field,
                          const LinkageSecret& secret, const BloomParameters& parameters = {});

// Dice coefficient 2 |A & B| / (|A| + |B|) of two filters of equal length, in
// [0, 1]; 0 when both are empty (an empty filter means a missing field: test
// empty() first). Throws vigil::Error (usage) when the lengths differ.
double dice_similarity(const BloomFilter& a, const BloomFilter& b);

// |A & B|, the bits two filters of equal length share: with each filter's
// popcount computed once, Dice = 2 |A & B| / (|A| + |B|) costs one pass per
// pair. Throws vigil::Error (usage) when the lengths differ.
std::size_t common_bits(const BloomFilter& a, const BloomFilter& b);

// A keyed hash for values that are only ever compared for equality (a
// document number, a sex code, a blocking key): HMAC-SHA256 with `secret`
// over `field` + '\0' + `value`, the first 16 bytes in lowercase hex (32
// characters). "" gives "" (missing stays missing).
std::string keyed_hash(std::string_view value, std::string_view field, const LinkageSecret& secret);

// Standard base64 (RFC 4648, with padding) of the filter's bytes, bit i of
// the filter being bit (i % 8) of byte i / 8. An empty filter encodes as ""
// so that a missing field is an empty CSV cell.
std::string to_base64(const BloomFilter& filter);

// The inverse of to_base64 for a filter of `bits` bits; "" gives an empty
// filter of that length. Throws vigil::Error (input) when the text is not
// base64 or does not hold exactly bits / 8 bytes; the message says what was
// expected and never quotes the text.
BloomFilter from_base64(std::string_view text, std::size_t bits);

}  // namespace vigil::link
