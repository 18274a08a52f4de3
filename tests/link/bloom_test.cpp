#include "link/bloom.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "link/test_support.hpp"
#include "store/test_support.hpp"

namespace vigil::link {
namespace {

using Strings = std::vector<std::string>;

const LinkageSecret& test_secret() {
  static const LinkageSecret secret(std::string("unit-test linkage secret 0001"));
  return secret;
}

using testing_support::error_message;

std::set<std::size_t> set_bits(const BloomFilter& filter) {
  std::set<std::size_t> bits;
  for (std::size_t i = 0; i < filter.bits; ++i) {
    if ((filter.words[i / 64] >> (i % 64)) & 1U) bits.insert(i);
  }
  return bits;
}

BloomFilter filter_with_bits(std::size_t length, const std::vector<std::size_t>& bits) {
  BloomFilter filter{length, std::vector<std::uint64_t>(length / 64, 0)};
  for (const auto bit : bits) filter.words[bit / 64] |= std::uint64_t{1} << (bit % 64);
  return filter;
}

double bigram_dice(const Strings& a, const Strings& b) {
  const std::set<std::string> left(a.begin(), a.end());
  std::size_t common = 0;
  for (const auto& bigram : b) common += left.count(bigram);
  return 2.0 * static_cast<double>(common) / static_cast<double>(a.size() + b.size());
}

BloomFilter encode_name(const std::string& latin_key) {
  return encode_tokens(padded_bigrams(latin_key), "surname", test_secret());
}

TEST(BloomBigrams, AWordIsPaddedAndCutIntoOverlappingPairs) {
  EXPECT_EQ(padded_bigrams("aben"), (Strings{"_a", "ab", "be", "en", "n_"}));
  EXPECT_EQ(padded_bigrams("a"), (Strings{"_a", "a_"}));
  EXPECT_TRUE(padded_bigrams("").empty());
  EXPECT_TRUE(padded_bigrams("   ").empty());
}

TEST(BloomBigrams, EachWordIsPaddedOnItsOwn) {
  EXPECT_EQ(padded_bigrams("ab cd"), (Strings{"_a", "ab", "b_", "_c", "cd", "d_"}));
  EXPECT_EQ(padded_bigrams("  ab   cd "), (Strings{"_a", "ab", "b_", "_c", "cd", "d_"}));
  EXPECT_EQ(padded_bigrams("kyzy-ab"), (Strings{"_k", "ky", "yz", "zy", "y-", "-a", "ab", "b_"}));
}

TEST(BloomBigrams, DuplicatesAreKeptOnceInOrderOfFirstAppearance) {
  EXPECT_EQ(padded_bigrams("abab"), (Strings{"_a", "ab", "ba", "b_"}));
  EXPECT_EQ(padded_bigrams("ab ab"), (Strings{"_a", "ab", "b_"}));
}

TEST(BloomBigrams, ACharacterBeyondAsciiIsOneCharacterNotItsBytes) {
  EXPECT_EQ(padded_bigrams("\xC3\xA4z"), (Strings{"_\xC3\xA4", "\xC3\xA4z", "z_"}));  // "äz"
}

// python3 -c "import hmac,hashlib; print(hmac.new(b'unit-test linkage secret 0001',
//   b'document_number\x00KZ1234567', hashlib.sha256).hexdigest()[:32])"
// prints 446a9de5b97d1d5341e2e37a07b323af
TEST(BloomKeyedHash, MatchesHmacSha256ComputedByPython) {
  EXPECT_EQ(keyed_hash("KZ1234567", "document_number", test_secret()),
            "446a9de5b97d1d5341e2e37a07b323af");
}

TEST(BloomKeyedHash, IsLowercaseHexAndDependsOnValueFieldAndSecret) {
  const auto hash = keyed_hash("KZ1234567", "document_number", test_secret());
  ASSERT_EQ(hash.size(), 32U);
  EXPECT_EQ(hash.find_first_not_of("0123456789abcdef"), std::string::npos) << hash;
  EXPECT_EQ(keyed_hash("KZ1234567", "document_number", test_secret()), hash);
  EXPECT_NE(keyed_hash("KZ1234568", "document_number", test_secret()), hash);
  EXPECT_NE(keyed_hash("KZ1234567", "birth_certificate", test_secret()), hash);
  const LinkageSecret other(std::string("unit-test linkage secret 0002"));
  EXPECT_NE(keyed_hash("KZ1234567", "document_number", other), hash);
}

TEST(BloomKeyedHash, MissingStaysMissing) {
  EXPECT_EQ(keyed_hash("", "document_number", test_secret()), "");
}

// python3 -c "
// import hmac,hashlib
// d=hmac.new(b'unit-test linkage secret 0001', b'surname\x00ab', hashlib.sha256).digest()
// h1=int.from_bytes(d[0:8],'little'); h2=int.from_bytes(d[8:16],'little')|1
// print(sorted({(h1+i*h2)%2**64%128 for i in range(3)}))"
// prints [6, 24, 79]
TEST(BloomEncode, SetsTheDoubleHashingBitsComputedByPython) {
  const auto filter = encode_tokens({"ab"}, "surname", test_secret(), {128, 3});
  EXPECT_EQ(filter.bits, 128U);
  ASSERT_EQ(filter.words.size(), 2U);
  EXPECT_EQ(set_bits(filter), (std::set<std::size_t>{6, 24, 79}));
}

// For "ov" the raw h2 is even and h1 + i * h2 passes 2^64 for i = 1 and 2, so
// with l = 192 (not a power of two) this pins both "h2 forced odd" and the
// uint64 wrap-around; exact integers would give [9, 66, 123], an unforced h2
// [1, 71, 123].
// python3 -c "
// import hmac,hashlib
// d=hmac.new(b'unit-test linkage secret 0001', b'surname\x00ov', hashlib.sha256).digest()
// h1=int.from_bytes(d[0:8],'little'); h2=int.from_bytes(d[8:16],'little')|1
// print(sorted({(h1+i*h2)%2**64%192 for i in range(3)}))"
// prints [2, 73, 123]
TEST(BloomEncode, ForcesH2OddAndWrapsAt64BitsAsPythonDoes) {
  const auto filter = encode_tokens({"ov"}, "surname", test_secret(), {192, 3});
  EXPECT_EQ(set_bits(filter), (std::set<std::size_t>{2, 73, 123}));
}

TEST(BloomEncode, EachTokenSetsAtMostKBits) {
  const auto tokens = padded_bigrams("abenova");
  const auto filter = encode_tokens(tokens, "surname", test_secret(), {1024, 20});
  EXPECT_GT(filter.popcount(), 20U);
  EXPECT_LE(filter.popcount(), tokens.size() * 20);
}

TEST(BloomEncode, TheOrderOfTokensDoesNotMatterButTheFieldDoes) {
  const auto filter = encode_tokens({"_a", "ab", "b_"}, "surname", test_secret());
  EXPECT_EQ(encode_tokens({"b_", "_a", "ab"}, "surname", test_secret()), filter);
  EXPECT_NE(encode_tokens({"_a", "ab", "b_"}, "given_name", test_secret()), filter);
  EXPECT_NE(encode_tokens({"_a", "ab"}, "surname", test_secret()), filter);
}

TEST(BloomEncode, NoTokensGiveAnEmptyFilterOfTheRequestedLength) {
  const auto filter = encode_tokens({}, "surname", test_secret(), {256, 5});
  EXPECT_EQ(filter.bits, 256U);
  EXPECT_EQ(filter.words.size(), 4U);
  EXPECT_TRUE(filter.empty());
}

TEST(BloomEncode, ParametersOutOfRangeAreRefused) {
  const Strings tokens = {"ab"};
  for (const BloomParameters bad :
       {BloomParameters{0, 20}, BloomParameters{100, 20}, BloomParameters{65536 + 64, 20},
        BloomParameters{1024, 0}, BloomParameters{1024, 101}, BloomParameters{1024, -1}}) {
    error_message([&] { encode_tokens(tokens, "surname", test_secret(), bad); },
                  Error::Kind::usage);
  }
  EXPECT_EQ(encode_tokens(tokens, "surname", test_secret(), {64, 1}).popcount(), 1U);
  EXPECT_EQ(encode_tokens(tokens, "surname", test_secret(), {65536, 100}).bits, 65536U);
}

TEST(BloomDice, KnownCounts) {
  const auto a = filter_with_bits(128, {1, 70, 127});
  const auto b = filter_with_bits(128, {1, 2, 3, 70, 100});
  EXPECT_DOUBLE_EQ(dice_similarity(a, b), 0.5);  // 2 * 2 / (3 + 5)
  EXPECT_DOUBLE_EQ(dice_similarity(b, a), 0.5);
  EXPECT_DOUBLE_EQ(dice_similarity(a, a), 1.0);
  EXPECT_DOUBLE_EQ(dice_similarity(a, filter_with_bits(128, {0, 64})), 0.0);
  EXPECT_DOUBLE_EQ(dice_similarity(a, filter_with_bits(128, {})), 0.0);
  EXPECT_DOUBLE_EQ(dice_similarity(filter_with_bits(128, {}), filter_with_bits(128, {})), 0.0);
}

TEST(BloomDice, FiltersOfDifferentLengthsAreRefused) {
  error_message([] { dice_similarity(filter_with_bits(64, {1}), filter_with_bits(128, {1})); },
                Error::Kind::usage);
}

TEST(BloomDice, ApproximatesTheDiceOfTheBigramSets) {
  const auto long_form = padded_bigrams("abenova");
  const auto short_form = padded_bigrams("abenov");
  const double expected = bigram_dice(long_form, short_form);
  ASSERT_DOUBLE_EQ(expected, 0.8);  // 6 shared of 8 and 7
  const double similar = dice_similarity(encode_name("abenova"), encode_name("abenov"));
  EXPECT_NEAR(similar, expected, 0.1);
  const double unrelated = dice_similarity(encode_name("abenova"), encode_name("timur"));
  EXPECT_LT(unrelated, 0.3);
  EXPECT_GT(similar - unrelated, 0.4);
}

TEST(BloomBase64, KnownVectors) {
  EXPECT_EQ(to_base64(filter_with_bits(64, {0})), "AQAAAAAAAAA=");
  EXPECT_EQ(to_base64(filter_with_bits(64, {9})), "AAIAAAAAAAA=");
  EXPECT_EQ(from_base64("AAIAAAAAAAA=", 64), filter_with_bits(64, {9}));
}

TEST(BloomBase64, EmptyFilterIsEmptyText) {
  EXPECT_EQ(to_base64(filter_with_bits(1024, {})), "");
  EXPECT_EQ(to_base64(BloomFilter{}), "");
  const auto filter = from_base64("", 1024);
  EXPECT_EQ(filter, filter_with_bits(1024, {}));
}

TEST(BloomBase64, RoundTripsRandomFiltersOfSeveralLengths) {
  std::mt19937_64 random(20240917);
  for (const std::size_t length : {64U, 128U, 192U, 1024U, 65536U}) {
    BloomFilter filter{length, std::vector<std::uint64_t>(length / 64)};
    for (auto& word : filter.words) word = random();
    const auto text = to_base64(filter);
    EXPECT_EQ(text.size(), (length / 8 + 2) / 3 * 4);
    EXPECT_EQ(from_base64(text, length), filter) << length;
  }
  const auto name = encode_name("abenova");
  EXPECT_EQ(from_base64(to_base64(name), name.bits), name);
}

TEST(BloomBase64, BadTextIsRefusedWithoutQuotingIt) {
  const std::string valid = to_base64(filter_with_bits(64, {0}));
  for (const std::string& bad : {
           std::string("AQAAAAAA*AA="),  // a character outside the alphabet
           std::string("AQAAAAAAAAA"),   // padding missing
           std::string("AQAAAAAAAAB="),  // bits left over in the last character
           std::string("abenova!"),      // a name pasted into the wrong column
           valid + "AAAA",               // too long
           std::string("AQAAAAA="),      // too short
       }) {
    const auto message = error_message([&] { from_base64(bad, 64); }, Error::Kind::input);
    EXPECT_EQ(message.find(bad), std::string::npos) << message;
    EXPECT_NE(message.find("64-bit"), std::string::npos) << message;
  }
  EXPECT_EQ(from_base64(valid, 64), filter_with_bits(64, {0}));
  error_message([&] { from_base64(valid, 128); }, Error::Kind::input);
  error_message([&] { from_base64(valid, 100); }, Error::Kind::usage);
}

TEST(BloomBase64, EncodingsCarryNoClearText) {
  const auto text = to_base64(encode_name("abenova"));
  for (const std::string clear : {"aben", "abenova", "nova", "YWJlbm92YQ"}) {  // last: base64
    EXPECT_EQ(text.find(clear), std::string::npos) << clear;
  }
}

TEST(BloomSecret, ShortSecretsAreRefused) {
  error_message([] { LinkageSecret{std::string(15, 'x')}; }, Error::Kind::usage);
  EXPECT_EQ(LinkageSecret(std::string(16, 'x')).bytes(), std::string(16, 'x'));
}

TEST(BloomSecret, ReadFileTrimsTrailingWhitespace) {
  const vigil::testing::ScratchDir dir;
  const auto path = dir.file("secret.txt");
  std::ofstream(path, std::ios::binary) << "  dW5pdC10ZXN0IGxpbmthZ2Ugc2VjcmV0 \t\r\n\n";
  EXPECT_EQ(LinkageSecret::read_file(path).bytes(), "  dW5pdC10ZXN0IGxpbmthZ2Ugc2VjcmV0");
}

TEST(BloomSecret, AShortFileIsNamedButNotQuoted) {
  const vigil::testing::ScratchDir dir;
  const auto path = dir.file("short-secret.txt");
  std::ofstream(path, std::ios::binary) << "Aigerim12345\n\n";
  const auto message = error_message([&] { LinkageSecret::read_file(path); }, Error::Kind::input);
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("16"), std::string::npos) << message;
  EXPECT_NE(message.find("got 12"), std::string::npos) << message;
  EXPECT_EQ(message.find("Aigerim"), std::string::npos) << message;
}

TEST(BloomSecret, AMissingFileIsAnIoError) {
  const vigil::testing::ScratchDir dir;
  const auto path = dir.file("no-such-secret");
  const auto message = error_message([&] { LinkageSecret::read_file(path); }, Error::Kind::io);
  EXPECT_NE(message.find(path), std::string::npos) << message;
}

}  // namespace
}  // namespace vigil::link
