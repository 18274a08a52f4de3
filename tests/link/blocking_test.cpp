#include "link/blocking.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::link {
namespace {

using Pairs = std::vector<std::pair<std::uint32_t, std::uint32_t>>;

std::vector<RecordRef> records_in_lists(const std::vector<std::uint32_t>& lists) {
  std::vector<RecordRef> records;
  for (std::uint32_t i = 0; i < lists.size(); ++i) records.push_back({lists[i], i});
  return records;
}

TEST(BlockingHand, OneRuleGivesThePairsSharingAKeyAcrossLists) {
  const auto records = records_in_lists({0, 0, 1, 1, 2});
  const std::vector<BlockingRule> rules = {{"k", {"a", "b", "a", "b", "a"}}};
  const auto result = candidate_pairs(records, rules);
  EXPECT_EQ(result.pairs, (Pairs{{0, 2}, {0, 4}, {1, 3}, {2, 4}}));
  EXPECT_EQ(result.pairs_per_rule, (std::vector<std::size_t>{4}));
  EXPECT_EQ(result.union_size, 4U);
  EXPECT_EQ(result.largest_block_per_rule, (std::vector<std::size_t>{3}));
  EXPECT_TRUE(result.warnings.empty());
  EXPECT_TRUE(result.skipped_blocks.empty());
}

TEST(BlockingHand, EmptyKeysPutRecordsInNoBlock) {
  const auto records = records_in_lists({0, 1, 2, 0});
  const std::vector<BlockingRule> rules = {{"k", {"", "", "x", "x"}}};
  const auto result = candidate_pairs(records, rules);
  EXPECT_EQ(result.pairs, (Pairs{{2, 3}}));
}

TEST(BlockingUnion, PairsFoundByTwoRulesAreCountedPerRuleButReturnedOnce) {
  const auto records = records_in_lists({0, 1, 0, 1});
  const std::vector<BlockingRule> rules = {
      {"surname+year", {"s", "s", "t", "u"}},   // (0,1)
      {"given+surname", {"g", "g", "h", "h"}},  // (0,1), (2,3)
  };
  const auto result = candidate_pairs(records, rules);
  EXPECT_EQ(result.pairs, (Pairs{{0, 1}, {2, 3}}));
  EXPECT_EQ(result.pairs_per_rule, (std::vector<std::size_t>{1, 2}));
  EXPECT_EQ(result.union_size, 2U);
}

TEST(BlockingUnion, NoRulesGiveNoPairs) {
  const auto records = records_in_lists({0, 1});
  const auto result = candidate_pairs(records, {});
  EXPECT_TRUE(result.pairs.empty());
  EXPECT_EQ(result.comparable_pairs, 1U);
  EXPECT_DOUBLE_EQ(result.reduction_ratio, 1.0);
}

TEST(BlockingAcrossLists, WithinListPairsAreLeftOutUnlessAskedFor) {
  const auto records = records_in_lists({0, 0, 1});
  const std::vector<BlockingRule> rules = {{"k", {"a", "a", "a"}}};
  const auto across = candidate_pairs(records, rules);
  EXPECT_EQ(across.pairs, (Pairs{{0, 2}, {1, 2}}));
  EXPECT_EQ(across.comparable_pairs, 2U);

  BlockingOptions all;
  all.across_lists_only = false;
  const auto every = candidate_pairs(records, rules, all);
  EXPECT_EQ(every.pairs, (Pairs{{0, 1}, {0, 2}, {1, 2}}));
  EXPECT_EQ(every.pairs_per_rule, (std::vector<std::size_t>{3}));
  EXPECT_EQ(every.comparable_pairs, 3U);
}

TEST(BlockingAcrossLists, ABlockWithinOneListGivesNothing) {
  const auto records = records_in_lists({3, 3, 3});
  const std::vector<BlockingRule> rules = {{"k", {"a", "a", "a"}}};
  const auto result = candidate_pairs(records, rules);
  EXPECT_TRUE(result.pairs.empty());
  EXPECT_EQ(result.pairs_per_rule, (std::vector<std::size_t>{0}));
  EXPECT_EQ(result.comparable_pairs, 0U);
  EXPECT_DOUBLE_EQ(result.reduction_ratio, 0.0);
}

TEST(BlockingOversize, BlocksAboveTheLimitAreSkippedAndReportedWithoutTheirKey) {
  const auto records = records_in_lists({0, 1, 2, 0, 1});
  const std::vector<BlockingRule> rules = {
      {"surname", {"ivanova", "ivanova", "ivanova", "sadyk", "sadyk"}}};
  BlockingOptions options;
  options.max_block_size = 2;
  const auto result = candidate_pairs(records, rules, options);
  EXPECT_EQ(result.pairs, (Pairs{{3, 4}}));
  EXPECT_EQ(result.pairs_per_rule, (std::vector<std::size_t>{1}));
  EXPECT_EQ(result.largest_block_per_rule, (std::vector<std::size_t>{3}));
  ASSERT_EQ(result.skipped_blocks.size(), 1U);
  EXPECT_EQ(result.skipped_blocks[0].rule, 0U);
  EXPECT_EQ(result.skipped_blocks[0].size, 3U);
  EXPECT_EQ(result.skipped_blocks[0].first_record, 0U);
  EXPECT_EQ(result.skipped_blocks[0].pairs, 3U);
  ASSERT_EQ(result.warnings.size(), 1U);
  EXPECT_NE(result.warnings[0].find("'surname'"), std::string::npos);
  EXPECT_NE(result.warnings[0].find("3 records"), std::string::npos);
  EXPECT_EQ(result.warnings[0].find("ivanova"), std::string::npos);

  options.max_block_size = 0;  // no limit
  EXPECT_EQ(candidate_pairs(records, rules, options).union_size, 4U);
}

TEST(BlockingReductionRatio, IsTheShareOfAcrossListPairsNotCompared) {
  // Lists of 2 and 3 records: 6 across-list pairs, of which 2 are kept.
  const auto records = records_in_lists({0, 0, 1, 1, 1});
  const std::vector<BlockingRule> rules = {{"k", {"a", "b", "a", "b", "c"}}};
  const auto result = candidate_pairs(records, rules);
  EXPECT_EQ(result.comparable_pairs, 6U);
  EXPECT_EQ(result.union_size, 2U);
  EXPECT_DOUBLE_EQ(result.reduction_ratio, 1.0 - 2.0 / 6.0);
}

TEST(BlockingValidation, ARuleWithTheWrongNumberOfKeysIsAUsageError) {
  const auto records = records_in_lists({0, 1});
  const std::vector<BlockingRule> rules = {{"k", {"a"}}};
  try {
    candidate_pairs(records, rules);
    FAIL() << "expected vigil::Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::usage);
  }
}

// Random lists and keys drawn from small alphabets so that blocks of many
// sizes occur; a few keys are empty.
struct RandomExample {
  std::vector<RecordRef> records;
  std::vector<BlockingRule> rules;
};

RandomExample random_example(std::size_t n, std::uint32_t lists,
                             const std::vector<std::uint64_t>& key_ranges, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  RandomExample example;
  for (std::uint32_t i = 0; i < n; ++i) {
    example.records.push_back({static_cast<std::uint32_t>(random() % lists), i});
  }
  for (std::size_t r = 0; r < key_ranges.size(); ++r) {
    BlockingRule rule{"rule" + std::to_string(r), {}};
    for (std::size_t i = 0; i < n; ++i) {
      const std::uint64_t value = random() % (key_ranges[r] + 1);
      rule.keys.push_back(value == 0 ? std::string() : "k" + std::to_string(value));
    }
    example.rules.push_back(std::move(rule));
  }
  return example;
}

TEST(BlockingThreads, ResultDoesNotDependOnTheThreadCount) {
  const auto example = random_example(50000, 4, {5000, 20000, 300}, 20240611);
  BlockingOptions options;
  options.max_block_size = 200;  // the 300-key rule has blocks of ~167: some exceed it
  options.threads = 1;
  const auto one = candidate_pairs(example.records, example.rules, options);
  ASSERT_GT(one.union_size, 100000U);
  ASSERT_FALSE(one.skipped_blocks.empty());
  for (const int threads : {2, 3, 8}) {
    options.threads = threads;
    const auto many = candidate_pairs(example.records, example.rules, options);
    EXPECT_EQ(many.pairs, one.pairs) << threads << " threads";
    EXPECT_EQ(many.pairs_per_rule, one.pairs_per_rule);
    EXPECT_EQ(many.largest_block_per_rule, one.largest_block_per_rule);
    EXPECT_EQ(many.warnings, one.warnings);
  }
}

TEST(BlockingBruteForce, MatchesComparingAllPairsOn2000Records) {
  const auto example = random_example(2000, 3, {400, 1500, 60}, 7);
  for (const bool across : {true, false}) {
    BlockingOptions options;
    options.across_lists_only = across;
    options.threads = 4;
    const auto result = candidate_pairs(example.records, example.rules, options);

    std::set<std::pair<std::uint32_t, std::uint32_t>> expected;
    std::vector<std::size_t> per_rule(example.rules.size(), 0);
    std::size_t comparable = 0;
    for (std::uint32_t i = 0; i < example.records.size(); ++i) {
      for (std::uint32_t j = i + 1; j < example.records.size(); ++j) {
        if (across && example.records[i].list == example.records[j].list) continue;
        ++comparable;
        for (std::size_t r = 0; r < example.rules.size(); ++r) {
          const auto& keys = example.rules[r].keys;
          if (!keys[i].empty() && keys[i] == keys[j]) {
            ++per_rule[r];
            expected.insert({i, j});
          }
        }
      }
    }
    EXPECT_EQ(result.pairs, Pairs(expected.begin(), expected.end())) << "across " << across;
    EXPECT_EQ(result.pairs_per_rule, per_rule);
    EXPECT_EQ(result.union_size, expected.size());
    EXPECT_EQ(result.comparable_pairs, comparable);
    EXPECT_DOUBLE_EQ(result.reduction_ratio,
                     1.0 - static_cast<double>(expected.size()) / static_cast<double>(comparable));
  }
}

TEST(BlockingKeys, SurnameAndBirthYearKeyAgreesAcrossScriptsAndSexes) {
  const auto key = key_phonetic_surname_birth_year("Әбенова", 1990);
  EXPECT_FALSE(key.empty());
  EXPECT_EQ(key_phonetic_surname_birth_year("Abenova", 1990), key);
  EXPECT_EQ(key_phonetic_surname_birth_year("Abenov", 1990), key);
  EXPECT_NE(key_phonetic_surname_birth_year("Abenova", 1991), key);
  EXPECT_EQ(key_phonetic_surname_birth_year("Abenova", std::nullopt), "");
  EXPECT_EQ(key_phonetic_surname_birth_year("", 1990), "");
}

TEST(BlockingKeys, GivenAndSurnameKeyNeedsBothNames) {
  EXPECT_EQ(key_phonetic_given_surname("Жанар", "Әбенова"),
            key_phonetic_given_surname("Zhanar", "Abenova"));
  EXPECT_NE(key_phonetic_given_surname("Zhanar", "Abenova"),
            key_phonetic_given_surname("Aigerim", "Abenova"));
  EXPECT_EQ(key_phonetic_given_surname("", "Abenova"), "");
  EXPECT_EQ(key_phonetic_given_surname("Zhanar", ""), "");
}

TEST(BlockingKeys, BirthDateAndSurnameInitialKey) {
  EXPECT_EQ(key_birth_date_surname_initial("1990-03-08", "Әбенова"), "1990-03-08|a");
  EXPECT_EQ(key_birth_date_surname_initial("1990-03-08", "Abdenova"), "1990-03-08|a");
  EXPECT_EQ(key_birth_date_surname_initial("", "Abenova"), "");
  EXPECT_EQ(key_birth_date_surname_initial("1990-03-08", ""), "");
}

}  // namespace
}  // namespace vigil::link
