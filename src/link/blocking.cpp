#include "link/blocking.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <thread>

#include "core/error.hpp"
#include "link/names.hpp"

namespace vigil::link {

namespace {

// A pair packed into one integer sorts in (first, second) order and halves
// the cost of sorting and deduplicating compared with std::pair.
using PackedPair = std::uint64_t;

PackedPair pack(std::uint32_t first, std::uint32_t second) {
  return (static_cast<PackedPair>(first) << 32U) | second;
}

// A run of records sharing one key under one rule: [begin, end) in that
// rule's sorted record order.
struct Block {
  std::size_t rule = 0;
  std::size_t begin = 0;
  std::size_t end = 0;
};

std::size_t choose2(std::size_t n) {
  return n < 2 ? 0 : n * (n - 1) / 2;
}

// Pairs among `lists` (the list of each record of a group), leaving out
// within-list pairs when asked. Counting is cheaper than generating, so
// every block's size in pairs is known before any memory is spent on it.
std::size_t count_pairs(std::vector<std::uint32_t> lists, bool across_lists_only) {
  std::size_t pairs = choose2(lists.size());
  if (!across_lists_only) return pairs;
  std::sort(lists.begin(), lists.end());
  for (std::size_t i = 0; i < lists.size();) {
    std::size_t j = i;
    while (j < lists.size() && lists[j] == lists[i]) ++j;
    pairs -= choose2(j - i);
    i = j;
  }
  return pairs;
}

std::size_t comparable_pairs(const std::vector<RecordRef>& records, bool across_lists_only) {
  std::map<std::uint32_t, std::size_t> per_list;
  for (const auto& record : records) ++per_list[record.list];
  std::size_t pairs = choose2(records.size());
  if (across_lists_only) {
    for (const auto& [list, count] : per_list) pairs -= choose2(count);
  }
  return pairs;
}

unsigned thread_count(int requested, std::size_t work_items) {
  const unsigned wanted = requested > 0 ? static_cast<unsigned>(requested)
                                        : std::max(1U, std::thread::hardware_concurrency());
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(wanted, work_items)));
}

}  // namespace

NameKeys name_keys(std::string_view surname, std::string_view given) {
  NameKeys keys;
  const std::string surname_latin = to_latin(surname);
  if (!surname_latin.empty()) keys.surname_stem = phonetic_key(surname_stem(surname_latin));
  const std::string given_latin = to_latin(given);
  if (!given_latin.empty()) keys.given = phonetic_key(given_latin);
  return keys;
}

CandidatePairs candidate_pairs(const std::vector<RecordRef>& records,
                               const std::vector<BlockingRule>& rules,
                               const BlockingOptions& options) {
  if (records.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(Error::Kind::usage, "blocking: more records than 32-bit indices can address");
  }
  for (const auto& rule : rules) {
    if (rule.keys.size() != records.size()) {
      throw Error(Error::Kind::usage, fmt::format("blocking rule '{}' has {} keys for {} records",
                                                  rule.name, rule.keys.size(), records.size()));
    }
  }

  CandidatePairs result;
  result.pairs_per_rule.assign(rules.size(), 0);
  result.largest_block_per_rule.assign(rules.size(), 0);
  result.comparable_pairs = comparable_pairs(records, options.across_lists_only);

  // Sorting record indices by key finds the blocks without a hash table of
  // strings; ties keep index order so that pairs come out first < second.
  std::vector<std::vector<std::uint32_t>> order(rules.size());
  std::vector<Block> blocks;
  for (std::size_t r = 0; r < rules.size(); ++r) {
    const auto& keys = rules[r].keys;
    auto& by_key = order[r];
    for (std::uint32_t i = 0; i < records.size(); ++i) {
      if (!keys[i].empty()) by_key.push_back(i);
    }
    std::stable_sort(by_key.begin(), by_key.end(),
                     [&keys](std::uint32_t a, std::uint32_t b) { return keys[a] < keys[b]; });
    for (std::size_t begin = 0; begin < by_key.size();) {
      std::size_t end = begin + 1;
      while (end < by_key.size() && keys[by_key[end]] == keys[by_key[begin]]) ++end;
      const std::size_t size = end - begin;
      result.largest_block_per_rule[r] = std::max(result.largest_block_per_rule[r], size);
      if (size >= 2) {
        std::vector<std::uint32_t> lists;
        lists.reserve(size);
        for (std::size_t k = begin; k < end; ++k) lists.push_back(records[by_key[k]].list);
        const std::size_t pairs = count_pairs(std::move(lists), options.across_lists_only);
        if (options.max_block_size != 0 && size > options.max_block_size) {
          result.skipped_blocks.push_back({r, size, by_key[begin], pairs});
          result.warnings.push_back(fmt::format(
              "blocking rule '{}': skipped a block of {} records ({} candidate pairs), larger "
              "than max_block_size {}",
              rules[r].name, size, pairs, options.max_block_size));
        } else if (pairs > 0) {
          result.pairs_per_rule[r] += pairs;
          blocks.push_back({r, begin, end});
        }
      }
      begin = end;
    }
  }

  // Workers take blocks from a shared counter, so which worker builds which
  // pair varies from run to run; sorting and deduplicating the union makes
  // the result the same regardless.
  const unsigned workers = thread_count(options.threads, blocks.size());
  std::vector<std::vector<PackedPair>> local(workers);
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  std::mutex failure_mutex;
  auto work = [&](unsigned w) {
    try {
      auto& out = local[w];
      for (std::size_t b = next++; b < blocks.size(); b = next++) {
        const auto& block = blocks[b];
        const auto& by_key = order[block.rule];
        for (std::size_t x = block.begin; x < block.end; ++x) {
          for (std::size_t y = x + 1; y < block.end; ++y) {
            const std::uint32_t i = by_key[x];
            const std::uint32_t j = by_key[y];
            if (!options.across_lists_only || records[i].list != records[j].list) {
              out.push_back(pack(i, j));
            }
          }
        }
      }
      std::sort(out.begin(), out.end());
      out.erase(std::unique(out.begin(), out.end()), out.end());
    } catch (...) {
      const std::lock_guard lock(failure_mutex);
      if (!failure) failure = std::current_exception();
    }
  };
  if (workers == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    pool.reserve(workers);
    for (unsigned w = 0; w < workers; ++w) pool.emplace_back(work, w);
    for (auto& thread : pool) thread.join();
  }
  if (failure) std::rethrow_exception(failure);

  // Each worker's pairs are sorted already: append them one by one (freeing
  // each as it goes, to keep the peak near twice the pairs) and merge.
  std::size_t total = 0;
  for (const auto& part : local) total += part.size();
  std::vector<PackedPair> merged;
  merged.reserve(total);
  for (auto& part : local) {
    const auto middle = static_cast<std::ptrdiff_t>(merged.size());
    merged.insert(merged.end(), part.begin(), part.end());
    std::vector<PackedPair>().swap(part);
    std::inplace_merge(merged.begin(), merged.begin() + middle, merged.end());
  }
  merged.erase(std::unique(merged.begin(), merged.end()), merged.end());

  result.pairs.reserve(merged.size());
  for (const PackedPair p : merged) {
    result.pairs.emplace_back(static_cast<std::uint32_t>(p >> 32U),
                              static_cast<std::uint32_t>(p & 0xFFFFFFFFU));
  }
  result.union_size = result.pairs.size();
  if (result.comparable_pairs > 0) {
    result.reduction_ratio =
        1.0 - static_cast<double>(result.union_size) / static_cast<double>(result.comparable_pairs);
  }
  return result;
}

std::string key_phonetic_surname_birth_year(const NameKeys& keys, std::optional<int> birth_year) {
  if (!birth_year || keys.surname_stem.empty()) return {};
  // "|" cannot occur in a phonetic key, so the two parts cannot run together.
  return fmt::format("{}|{}", keys.surname_stem, *birth_year);
}

std::string key_phonetic_given_surname(const NameKeys& keys) {
  if (keys.given.empty() || keys.surname_stem.empty()) return {};
  return keys.given + "|" + keys.surname_stem;
}

std::string key_birth_date_surname_initial(std::string_view birth_date, const NameKeys& keys) {
  if (birth_date.empty() || keys.surname_stem.empty()) return {};
  std::string key(birth_date);
  key += '|';
  key += keys.surname_stem.front();
  return key;
}

std::string key_phonetic_surname_birth_year(std::string_view surname,
                                            std::optional<int> birth_year) {
  if (!birth_year) return {};
  return key_phonetic_surname_birth_year(name_keys(surname, {}), birth_year);
}

std::string key_phonetic_given_surname(std::string_view given, std::string_view surname) {
  return key_phonetic_given_surname(name_keys(surname, given));
}

std::string key_birth_date_surname_initial(std::string_view birth_date, std::string_view surname) {
  if (birth_date.empty()) return {};
  return key_birth_date_surname_initial(birth_date, name_keys(surname, {}));
}

}  // namespace vigil::link
