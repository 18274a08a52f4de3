// SHA-256 against the published test vectors of FIPS 180-2 (appendix B).
#include "core/digest.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.hpp"

namespace vigil {
namespace {

TEST(Digest, Sha256MatchesFips180Vectors) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(Digest, FileDigestReadsInBlocks) {
  // FIPS 180-2 B.3: one million repetitions of 'a', more than one read block.
  const auto path = std::filesystem::temp_directory_path() / "vigil-digest-test.txt";
  {
    std::ofstream out(path, std::ios::binary);
    out << std::string(1000000, 'a');
  }
  EXPECT_EQ(sha256_file_hex(path.string()),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  std::filesystem::remove(path);
  try {
    sha256_file_hex(path.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::io);
  }
}

}  // namespace
}  // namespace vigil
