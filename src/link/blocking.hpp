// Blocking: which pairs of records across agencies' lists are worth
// comparing at all.
//
// Linking two lists of 10^5-10^6 victims each by comparing every pair would
// take 10^10-10^12 comparisons. Blocking puts each record in a block by a
// key built from its fields (say, the phonetic surname stem and the birth
// year) and compares only records that share a block. One key misses the
// people whose key field was mistyped or missing, so several rules are used
// and their candidate pairs are united: a pair is a candidate when any rule
// puts both records in one block. This is standard blocking in the sense of
// Christen (2012), "A survey of indexing techniques for scalable record
// linkage and deduplication", IEEE TKDE 24(9), section 4.1; the reduction
// ratio reported here is the measure defined in its section 3.
//
// Blocking decides nothing about who is who: a candidate pair still has to
// be compared (fellegi_sunter.hpp), and a true match that no rule puts in a
// common block is lost for good. Choose rules so that every true match is
// likely to agree on at least one of them.
//
// Keys are built by the caller, one string per record per rule, so that any
// field can serve; key_* below build the usual ones from names.hpp keys.
// Keys are derived from victims' names: nothing here (warnings, errors)
// ever quotes a key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vigil::link {

// Where a record comes from: the agency's list and the row in it. Only
// `list` is used here (to tell across-list pairs from within-list ones);
// `row` is carried so that callers can map candidate pairs back to rows.
struct RecordRef {
  std::uint32_t list = 0;
  std::uint32_t row = 0;
};

// One blocking rule: a name for reports and one key per record, in the
// order of the `records` passed to candidate_pairs. An empty key means the
// record has no key under this rule (a missing birth year, say) and is in
// no block of it: empty fields must not make everyone with a missing field
// a candidate for everyone else.
struct BlockingRule {
  std::string name;
  std::vector<std::string> keys;
};

struct BlockingOptions {
  // Each agency's list holds a person at most once (lists are deduplicated
  // before linkage), so a pair within one list is not a candidate.
  bool across_lists_only = true;
  // A block with more records than this is skipped and reported. Such a
  // block comes from a key too common to discriminate (a frequent surname
  // with a common year, a placeholder value such as "unknown") and would
  // dominate the pair count while finding few matches. 0 means no limit.
  std::size_t max_block_size = 5000;
  // Worker threads; 0 means one per hardware thread. The result does not
  // depend on it.
  int threads = 0;
};

// A block that candidate_pairs left out because it was larger than
// max_block_size. The key is not given (it would quote a name); the first
// record lets an analyst look it up.
struct SkippedBlock {
  std::size_t rule = 0;            // index into the rules
  std::size_t size = 0;            // records in the block
  std::uint32_t first_record = 0;  // smallest index into records in the block
  std::size_t pairs = 0;           // candidate pairs the block would have given
};

struct CandidatePairs {
  // Indices into `records`, first < second; unique and sorted.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  // Pairs each rule gives on its own (a pair counted under every rule that
  // finds it); their sum exceeds union_size by the overlap of the rules.
  std::vector<std::size_t> pairs_per_rule;
  std::size_t union_size = 0;  // == pairs.size()
  // Size of each rule's largest block, skipped blocks included.
  std::vector<std::size_t> largest_block_per_rule;
  // The pairs a full comparison would examine: all across-list pairs (or all
  // pairs when across_lists_only is false).
  std::size_t comparable_pairs = 0;
  // 1 - union_size / comparable_pairs (Christen 2012, section 3): the share
  // of comparisons that blocking saves. 0 when there is nothing to compare.
  double reduction_ratio = 0.0;
  std::vector<SkippedBlock> skipped_blocks;
  // One readable line per skipped block, naming the rule and the block's
  // size, never its key.
  std::vector<std::string> warnings;
};

// The union of the candidate pairs of `rules` over `records`.
//
// The output is the same for any thread count. Pairs are built per block,
// packed into 64 bits each, sorted and deduplicated, so the peak memory is
// about 16 bytes per candidate pair (8 while merging, 8 for the result) plus
// the duplicates a worker holds before deduplicating; pairs_per_rule shows
// which rule is to blame when that is too much.
//
// Throws vigil::Error (Kind::usage) when a rule does not have one key per
// record or when there are more records than 32-bit indices can address.
CandidatePairs candidate_pairs(const std::vector<RecordRef>& records,
                               const std::vector<BlockingRule>& rules,
                               const BlockingOptions& options = {});

// Keys for the usual rules. Each returns "" (no key) when a field it needs
// is missing, and throws what names.hpp throws on text that is not UTF-8.
// Surnames are reduced to phonetic_key(surname_stem(to_latin(surname))), so
// that Әбенова, Abenova and Abenov share a key; see names.hpp.

// Phonetic surname stem and birth year: the workhorse rule. Misses people
// whose surname changed (marriage) or whose birth year is wrong or missing.
std::string key_phonetic_surname_birth_year(std::string_view surname,
                                            std::optional<int> birth_year);

// Phonetic given name and surname stem: finds the people whose birth year is
// missing or wrong, at the cost of larger blocks for common names.
std::string key_phonetic_given_surname(std::string_view given, std::string_view surname);

// Full birth date and the first letter of the phonetic surname: finds the
// people whose surname is spelled beyond what the phonetic key forgives.
// `birth_date` is taken as written (ISO 8601 "YYYY-MM-DD" is expected, so
// that equal dates are equal strings).
std::string key_birth_date_surname_initial(std::string_view birth_date, std::string_view surname);

// The name parts the keys above are made of, for callers that key many
// records with few distinct names and compute each name's parts once: the
// phonetic stem of the surname and the phonetic key of the given name ("" for
// an empty name). The overloads below give the same keys as those above.
struct NameKeys {
  std::string surname_stem;
  std::string given;
};
NameKeys name_keys(std::string_view surname, std::string_view given);
std::string key_phonetic_surname_birth_year(const NameKeys& keys, std::optional<int> birth_year);
std::string key_phonetic_given_surname(const NameKeys& keys);
std::string key_birth_date_surname_initial(std::string_view birth_date, const NameKeys& keys);

}  // namespace vigil::link
