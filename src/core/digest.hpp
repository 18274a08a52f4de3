// SHA-256 digests of files and texts, for provenance: a report or a release
// names the exact inputs it was made from, and a recipient can verify that
// the files they received are the ones that were published.
//
// Also the one place that initialises libsodium, which every cryptographic
// use in vigil (keyed Bloom filters, record keys, digests) goes through.
#pragma once

#include <string>
#include <string_view>

namespace vigil {

// Initialises libsodium once per process (thread-safe); throws vigil::Error
// (internal) when it cannot be initialised.
void ensure_sodium();

// Lower-case hexadecimal SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

// Lower-case hexadecimal SHA-256 of a file's content, read in blocks.
// Throws vigil::Error (io) when the file cannot be read.
std::string sha256_file_hex(const std::string& path);

}  // namespace vigil
