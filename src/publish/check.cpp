// k-anonymity, distinct l-diversity and prosecutor risk (see check.hpp).
//
// Both modes start the same way: every row's QI code tuple is packed into one
// 64-bit integer whose order is the lexicographic order of the tuple (a mixed
// radix number; when the radices overflow 64 bits the prefix packed so far is
// replaced by its rank among the distinct prefixes, which keeps the order and
// keeps the packing exact). Sorting (key, row) pairs then lines up the rows of
// each distinct QI combination, in key order, so that "ties by key" is simply
// the index of the combination.
//
//   category: the distinct combinations are the classes. Distinct sensitive
//     values per class come from one pass over each class's rows with a
//     per-thread stamp array. O(n log n) for the sort, O(n (q + s)) otherwise.
//
//   wildcard: the distinct combinations (D of them), with their QIs in some
//     order and sorted, form a trie (the node for a prefix is the range of
//     combinations sharing it; small ranges are scanned instead). For each
//     combination x a depth-first walk collects the ranges of compatible
//     combinations: on a QI where x has a value it follows the child with
//     that value and the child "missing" (code 0, always the first child); on
//     a QI where x is missing it follows every child; once x has no value left
//     in the remaining QIs the whole subtree is compatible and is taken as one
//     range. Class sizes are sums of counts over the ranges (prefix sums),
//     distinct sensitive values the union of the per-combination value lists
//     over the ranges (stamp arrays; stopping once every value of the column
//     has been seen).
//
//     A walk is cheap when x's missing QIs come last in the trie's order (it
//     then visits at most 2^(QIs present) paths, pruned to those present in
//     the data) and expensive when one comes near the root. The QIs are
//     ordered most selective first; x walks whichever of two tries (that
//     order, and its second half first) puts its first missing QI later,
//     within a budget of steps. Combinations that run out of budget get
//     tries of their own: each trie orders the QIs so that a chain of nested
//     missing-QI sets are all suffixes, the chain being the one that serves
//     the most waiting combinations; tries are built while the combinations
//     they serve, times the measured cost of a walk that ran out of budget,
//     outweigh the cost of building one. Whatever is left walks without a
//     budget. Which trie serves which combination only affects speed: every
//     walk is exact.
//
//     Cost: O(D log D) per trie built, plus the walks: near-linear in D when
//     few cells are missing (1,000,000 rows x 8 QIs, 5% missing: about 2 s on
//     one core), and growing with the number of compatible pairs, at worst
//     O(q D^2), when most cells are missing (and classes are then large);
//     l-diversity adds up to the number of compatible (x, y) pairs. There is
//     no limit on the number of QIs (beyond 64 QIs, no chain tries are built).
//
// Work is split over threads by rows (packing), by contiguous blocks (sort,
// then merged) and by chunks of classes; every result is written to its own
// slot and all floating-point sums are taken serially in key order, so the
// result does not depend on the thread count.
#include "publish/check.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <exception>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace {

// Chunk of classes (or rows) handed to a worker at a time.
constexpr std::size_t kChunk = 2048;
// Wildcard mode: at most kChainTries tries for chains of missing-QI sets, each
// chain chosen among the kChainMasks most frequent sets; tables with at most
// kSmallTable combinations get one whenever it serves a combination. Building
// a trie costs about as much as kBuildSteps walk steps per combination
// (measured: 10-20 ms per 100,000 combinations, walk steps at 25-30 ns);
// kSampleWalks walks that ran out of budget are finished to learn what such a
// walk costs.
constexpr std::size_t kChainTries = 1024;
constexpr std::size_t kBuildSteps = 4;
constexpr std::size_t kSampleWalks = 256;
constexpr std::size_t kChainMasks = 1024;
constexpr std::size_t kSmallTable = 4096;
// Below this many items the work is done on the calling thread.
constexpr std::size_t kParallelMinimum = 16384;

std::string display_name(const CategoricalTable& table) {
  return table.source.empty() ? std::string("the table") : table.source;
}

// Dictionary-encodes the cells of one column, in order of first appearance.
class ColumnEncoder {
 public:
  explicit ColumnEncoder(std::vector<std::string>& values) : values_(values) {}

  std::uint32_t encode(std::string cell) {
    detail::trim_spaces(cell);
    if (cell.empty()) return 0;
    const auto next = static_cast<std::uint32_t>(values_.size() + 1);
    const auto [slot, inserted] = codes_.try_emplace(std::move(cell), next);
    if (inserted) values_.push_back(slot->first);
    return slot->second;
  }

 private:
  std::vector<std::string>& values_;
  std::unordered_map<std::string, std::uint32_t> codes_;
};

// The number of workers worth starting for `items` items.
std::size_t workers_for(std::size_t items, std::size_t threads) {
  if (items < kParallelMinimum) return 1;
  return std::max<std::size_t>(1, std::min(threads, items / kChunk));
}

// Calls body(begin, end, worker) on chunks of [0, items), handed out on
// demand.
template <typename Body>
void parallel_chunks(std::size_t items, std::size_t threads, const Body& body) {
  const std::size_t workers = workers_for(items, threads);
  std::atomic<std::size_t> next{0};
  detail::on_workers(workers, [&](std::size_t worker) {
    for (;;) {
      const std::size_t begin = next.fetch_add(kChunk);
      if (begin >= items) break;
      body(begin, std::min(items, begin + kChunk), worker);
    }
  });
}

// Sorts `items` with blocks sorted in parallel and merged; `less` must be a
// total order, so that the outcome does not depend on the number of blocks.
template <typename T, typename Less>
void parallel_sort(std::vector<T>& items, std::size_t threads, const Less& less) {
  const std::size_t blocks = workers_for(items.size(), threads);
  std::vector<std::size_t> bounds(blocks + 1);
  for (std::size_t block = 0; block <= blocks; ++block) {
    bounds[block] = items.size() * block / blocks;
  }
  auto at = [&items](std::size_t i) { return items.begin() + static_cast<std::ptrdiff_t>(i); };
  detail::on_workers(blocks, [&](std::size_t block) {
    std::sort(at(bounds[block]), at(bounds[block + 1]), less);
  });
  for (std::size_t block = 1; block < blocks; ++block) {
    std::inplace_merge(at(0), at(bounds[block]), at(bounds[block + 1]), less);
  }
}

// The table's rows grouped by QI tuple: the rows of combination g (in key
// order) are rows[begin[g] .. begin[g + 1]), ascending.
struct Groups {
  std::vector<std::uint32_t> rows;
  std::vector<std::size_t> begin;
  std::size_t count() const { return begin.empty() ? 0 : begin.size() - 1; }
  std::size_t size(std::size_t g) const { return begin[g + 1] - begin[g]; }
  std::uint32_t representative(std::size_t g) const { return rows[begin[g]]; }
};

struct KeyedRow {
  std::uint64_t key;
  std::uint32_t row;
  bool operator<(const KeyedRow& other) const {
    return key != other.key ? key < other.key : row < other.row;
  }
};

// Replaces every key by its rank among the distinct keys (order kept).
std::uint64_t rank_keys(std::vector<std::uint64_t>& keys, std::size_t threads) {
  std::vector<std::uint64_t> distinct = keys;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  parallel_chunks(keys.size(), threads, [&](std::size_t begin, std::size_t end, std::size_t) {
    for (std::size_t row = begin; row < end; ++row) {
      keys[row] = static_cast<std::uint64_t>(
          std::lower_bound(distinct.begin(), distinct.end(), keys[row]) - distinct.begin());
    }
  });
  return distinct.size();
}

// Packs the code tuple (code(0, i), code(1, i), ...) of each item i < items,
// code(j, i) < radices[j], into one 64-bit key ordered as the tuples are
// (lexicographically): a mixed-radix number, the prefix being replaced by its
// rank among the distinct prefixes whenever the next radix would overflow.
template <typename Code>
std::vector<std::uint64_t> packed_keys(std::size_t items, const std::vector<std::uint64_t>& radices,
                                       const Code& code, std::size_t threads) {
  std::vector<std::uint64_t> keys(items, 0);
  std::uint64_t space = 1;  // keys are below `space`
  for (std::size_t j = 0; j < radices.size(); ++j) {
    const std::uint64_t radix = radices[j];
    if (space > std::numeric_limits<std::uint64_t>::max() / radix) {
      // At most 2^32 - 1 ranks times a radix of at most 2^32 always fits.
      space = rank_keys(keys, threads);
    }
    parallel_chunks(items, threads, [&](std::size_t begin, std::size_t end, std::size_t) {
      for (std::size_t i = begin; i < end; ++i) keys[i] = keys[i] * radix + code(j, i);
    });
    space *= radix;
  }
  return keys;
}

// The items' indices sorted by key, then index.
std::vector<KeyedRow> sorted_by_key(const std::vector<std::uint64_t>& keys, std::size_t threads) {
  std::vector<KeyedRow> keyed(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) keyed[i] = {keys[i], static_cast<std::uint32_t>(i)};
  parallel_sort(keyed, threads, std::less<>());
  return keyed;
}

Groups group_rows(const CategoricalTable& table, const std::vector<std::size_t>& qi,
                  std::size_t threads) {
  const std::size_t rows = table.rows();
  std::vector<std::uint64_t> radices(qi.size());
  for (std::size_t j = 0; j < qi.size(); ++j) radices[j] = table.values[qi[j]].size() + 1;
  const std::vector<KeyedRow> keyed = sorted_by_key(
      packed_keys(
          rows, radices, [&](std::size_t j, std::size_t row) { return table.codes[qi[j]][row]; },
          threads),
      threads);

  Groups groups;
  groups.rows.resize(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    if (i == 0 || keyed[i].key != keyed[i - 1].key) groups.begin.push_back(i);
    groups.rows[i] = keyed[i].row;
  }
  groups.begin.push_back(rows);
  return groups;
}

// Distinct non-missing codes of one column within each combination: counts,
// and (when asked) the codes themselves, codes[offset[g] .. offset[g + 1]).
struct DistinctCodes {
  std::vector<std::uint32_t> count;
  std::vector<std::size_t> offset;
  std::vector<std::uint32_t> codes;
};

DistinctCodes distinct_codes(const Groups& groups, const std::vector<std::uint32_t>& column,
                             std::size_t radix, bool keep_codes, std::size_t threads) {
  const std::size_t classes = groups.count();
  DistinctCodes result;
  result.count.assign(classes, 0);
  // A stamp per code and worker: stamp[code] == g + 1 when code was seen in g.
  auto run = [&](bool fill) {
    std::vector<std::vector<std::size_t>> stamps(workers_for(classes, threads));
    parallel_chunks(classes, threads, [&](std::size_t begin, std::size_t end, std::size_t worker) {
      std::vector<std::size_t>& stamp = stamps[worker];
      if (stamp.empty()) stamp.assign(radix, 0);
      for (std::size_t g = begin; g < end; ++g) {
        std::uint32_t seen = 0;
        for (std::size_t i = groups.begin[g]; i < groups.begin[g + 1]; ++i) {
          const std::uint32_t code = column[groups.rows[i]];
          if (code == 0 || stamp[code] == g + 1) continue;
          stamp[code] = g + 1;
          if (fill) result.codes[result.offset[g] + seen] = code;
          ++seen;
        }
        result.count[g] = seen;
      }
    });
  };
  run(false);
  if (keep_codes) {
    result.offset.assign(classes + 1, 0);
    for (std::size_t g = 0; g < classes; ++g)
      result.offset[g + 1] = result.offset[g] + result.count[g];
    result.codes.resize(result.offset[classes]);
    run(true);
  }
  return result;
}

// The order of the QIs in the trie: most selective first, that is, smallest
// chance that two random records are compatible on the column
// (sum of p_v^2 over values, plus the chance that either is missing). Paths
// then die out near the root, and expanding every child under a missing cell
// is cheap because such columns come late.
std::vector<std::size_t> trie_order(const CategoricalTable& table,
                                    const std::vector<std::size_t>& qi) {
  const auto rows = static_cast<double>(table.rows());
  std::vector<double> compatible(qi.size(), 1.0);
  for (std::size_t j = 0; j < qi.size() && rows > 0; ++j) {
    std::vector<std::uint64_t> counts(table.values[qi[j]].size() + 1, 0);
    for (const std::uint32_t code : table.codes[qi[j]]) ++counts[code];
    const double missing = static_cast<double>(counts[0]) / rows;
    double chance = 1.0 - (1.0 - missing) * (1.0 - missing);
    for (std::size_t code = 1; code < counts.size(); ++code) {
      const double share = static_cast<double>(counts[code]) / rows;
      chance += share * share;
    }
    compatible[j] = chance;
  }
  std::vector<std::size_t> order(qi.size());
  for (std::size_t j = 0; j < qi.size(); ++j) order[j] = j;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return compatible[a] < compatible[b]; });
  return order;
}

using Ranges = std::vector<std::pair<std::size_t, std::size_t>>;
constexpr std::size_t kGaveUp = std::numeric_limits<std::size_t>::max();

// The distinct QI combinations, their QIs permuted into a given order and
// sorted, as a trie: the node for a prefix is the range of combinations that
// share it, code 0 (missing) is always a node's first child, and ranges of at
// most kScanRange combinations are scanned rather than given nodes.
class CombinationTrie {
 public:
  // `combinations`: the cells of each combination (in Groups order, which is
  // sorted in QI order) in QI order, combination-major; `radix`: one more
  // than the largest code per QI; `order`: the QI positions in trie order.
  CombinationTrie(const std::vector<std::uint32_t>& combinations, const Groups& groups,
                  const std::vector<std::uint64_t>& radix, std::vector<std::size_t> order,
                  std::size_t threads)
      : width_(order.size()), order_(std::move(order)), prefix_(groups.count() + 1, 0) {
    const std::size_t count = groups.count();
    group_.resize(count);
    for (std::size_t g = 0; g < count; ++g) group_[g] = g;
    bool identity = true;
    for (std::size_t j = 0; j < width_; ++j) identity = identity && order_[j] == j;
    if (!identity) {  // Groups order is already the identity's order
      std::vector<std::uint64_t> radices;
      for (const std::size_t j : order_) radices.push_back(radix[j]);
      const std::vector<KeyedRow> keyed = sorted_by_key(
          packed_keys(
              count, radices,
              [&](std::size_t j, std::size_t g) { return combinations[g * width_ + order_[j]]; },
              threads),
          threads);
      for (std::size_t t = 0; t < count; ++t) group_[t] = keyed[t].row;
    }
    cells_.resize(count * width_);
    for (std::size_t t = 0; t < count; ++t) {
      for (std::size_t j = 0; j < width_; ++j) {
        cells_[t * width_ + j] = combinations[group_[t] * width_ + order_[j]];
      }
      prefix_[t + 1] = prefix_[t] + groups.size(group_[t]);
    }
    root_ = build(0, 0, count);
  }

  // The QI positions in trie order.
  const std::vector<std::size_t>& order() const { return order_; }
  std::size_t size() const { return group_.size(); }
  // The index in Groups of the combination at trie position t.
  std::size_t group(std::size_t t) const { return group_[t]; }
  const std::uint32_t* key(std::size_t t) const { return &cells_[t * width_]; }
  std::uint64_t records(std::size_t lo, std::size_t hi) const { return prefix_[hi] - prefix_[lo]; }

  // Appends to `ranges` the ranges of combinations compatible with `x` (a
  // combination's cells in trie order) and returns the steps taken (nodes
  // visited plus combinations scanned); gives up after `budget` steps,
  // returning kGaveUp with `ranges` incomplete.
  std::size_t compatible(const std::uint32_t* x, std::size_t budget, Ranges& ranges) const {
    std::size_t end_depth = width_;
    while (end_depth > 0 && x[end_depth - 1] == 0) --end_depth;
    Walk walk{x, end_depth, budget, ranges};
    return descend(walk, 0, 0, size(), root_) ? budget - walk.steps : kGaveUp;
  }

 private:
  // A node's children, by ascending value: the combinations [lo, hi) share
  // the node's prefix followed by `value`; `node` is the child's node, or
  // kScan when the range is small enough to be scanned instead.
  struct Child {
    std::uint32_t value;
    std::uint32_t node;
    std::size_t lo;
    std::size_t hi;
  };
  struct Node {
    std::size_t first;  // children_[first .. first + count)
    std::size_t count;
  };
  static constexpr std::uint32_t kScan = std::numeric_limits<std::uint32_t>::max();
  // Ranges of at most this many combinations are scanned, not descended.
  static constexpr std::size_t kScanRange = 16;

  std::uint32_t cell(std::size_t t, std::size_t depth) const { return cells_[t * width_ + depth]; }

  // Builds the node for the range [lo, hi) of combinations sharing a prefix
  // of length `depth`.
  std::uint32_t build(std::size_t depth, std::size_t lo, std::size_t hi) {
    if (hi - lo <= kScanRange || depth == width_) return kScan;
    const std::size_t first = children_.size();
    for (std::size_t pos = lo; pos < hi;) {
      const std::uint32_t value = cell(pos, depth);
      std::size_t end = pos + 1;
      while (end < hi && cell(end, depth) == value) ++end;
      children_.push_back({value, kScan, pos, end});
      pos = end;
    }
    const auto index = static_cast<std::uint32_t>(nodes_.size());
    nodes_.push_back({first, children_.size() - first});
    for (std::size_t child = first; child < first + nodes_[index].count; ++child) {
      const std::uint32_t node = build(depth + 1, children_[child].lo, children_[child].hi);
      children_[child].node = node;
    }
    return index;
  }

  struct Walk {
    const std::uint32_t* x;
    std::size_t end_depth;  // x is missing from here on
    std::size_t steps;      // left
    Ranges& ranges;
  };

  bool descend(Walk& walk, std::size_t depth, std::size_t lo, std::size_t hi,
               std::uint32_t node) const {
    if (depth >= walk.end_depth) {
      walk.ranges.emplace_back(lo, hi);
      return true;
    }
    const std::uint32_t* x = walk.x;
    if (node == kScan) {
      if (hi - lo > walk.steps) return false;
      walk.steps -= hi - lo;
      for (std::size_t t = lo; t < hi; ++t) {
        const std::uint32_t* y = key(t);
        bool fits = true;
        for (std::size_t c = depth; c < walk.end_depth && fits; ++c) {
          fits = x[c] == 0 || y[c] == 0 || x[c] == y[c];
        }
        if (!fits) continue;
        if (!walk.ranges.empty() && walk.ranges.back().second == t) {
          ++walk.ranges.back().second;
        } else {
          walk.ranges.emplace_back(t, t + 1);
        }
      }
      return true;
    }
    if (walk.steps == 0) return false;
    --walk.steps;
    const auto first = children_.begin() + static_cast<std::ptrdiff_t>(nodes_[node].first);
    const auto last = first + static_cast<std::ptrdiff_t>(nodes_[node].count);
    const std::uint32_t value = x[depth];
    if (value == 0) {
      for (auto child = first; child != last; ++child) {
        if (!descend(walk, depth + 1, child->lo, child->hi, child->node)) return false;
      }
      return true;
    }
    auto from = first;
    if (first->value == 0) {
      if (!descend(walk, depth + 1, first->lo, first->hi, first->node)) return false;
      ++from;
    }
    const auto match = std::lower_bound(
        from, last, value, [](const Child& child, std::uint32_t v) { return child.value < v; });
    return match == last || match->value != value ||
           descend(walk, depth + 1, match->lo, match->hi, match->node);
  }

  std::size_t width_;
  std::vector<std::size_t> order_;
  std::vector<std::uint32_t> cells_;   // combination-major, in trie order
  std::vector<std::uint64_t> prefix_;  // prefix_[t]: records in combinations before t
  std::vector<std::size_t> group_;
  std::vector<Node> nodes_;
  std::vector<Child> children_;
  std::uint32_t root_ = kScan;
};

// Per combination: its class size and fewest distinct sensitive values.
struct ClassMeasures {
  std::vector<std::uint64_t> size;
  std::vector<std::uint32_t> distinct;  // empty without sensitive columns
};

ClassMeasures category_measures(const CategoricalTable& table, const Groups& groups,
                                const std::vector<std::size_t>& sensitive, std::size_t threads) {
  const std::size_t classes = groups.count();
  ClassMeasures measures;
  measures.size.resize(classes);
  for (std::size_t g = 0; g < classes; ++g) measures.size[g] = groups.size(g);
  if (!sensitive.empty()) {
    measures.distinct.assign(classes, std::numeric_limits<std::uint32_t>::max());
    for (const std::size_t column : sensitive) {
      const DistinctCodes codes = distinct_codes(groups, table.codes[column],
                                                 table.values[column].size() + 1, false, threads);
      for (std::size_t g = 0; g < classes; ++g) {
        measures.distinct[g] = std::min(measures.distinct[g], codes.count[g]);
      }
    }
  }
  return measures;
}

// A trie order in which the sets `chain` (nested, smallest first; masks of
// QI positions) are suffixes: the QIs outside the largest set first, then the
// largest set's own QIs, ..., then the smallest set; within each part, in
// `selective` order.
std::vector<std::size_t> chain_order(const std::vector<std::size_t>& selective,
                                     const std::vector<std::uint64_t>& chain) {
  std::vector<std::size_t> order;
  std::uint64_t placed = 0;
  auto place = [&](std::uint64_t allowed) {
    for (const std::size_t j : selective) {
      const std::uint64_t bit = std::uint64_t{1} << j;
      if ((allowed & bit) != 0 && (placed & bit) == 0) {
        order.push_back(j);
        placed |= bit;
      }
    }
  };
  place(chain.empty() ? ~std::uint64_t{0} : ~chain.back());
  for (std::size_t i = chain.size(); i > 0; --i) {
    place(chain[i - 1] & ~(i >= 2 ? chain[i - 2] : std::uint64_t{0}));
  }
  return order;
}

// The heaviest chain of nested masks (by the sum of their weights), found by
// dynamic programming over the masks sorted by size; nested, smallest first.
std::vector<std::uint64_t> heaviest_chain(std::vector<std::pair<std::uint64_t, std::size_t>> masks,
                                          std::size_t& weight) {
  std::sort(masks.begin(), masks.end(), [](const auto& a, const auto& b) {
    const int size_a = std::popcount(a.first);
    const int size_b = std::popcount(b.first);
    return size_a != size_b ? size_a < size_b : a.first < b.first;
  });
  std::vector<std::size_t> best(masks.size());
  std::vector<std::size_t> previous(masks.size(), masks.size());
  std::size_t top = 0;
  for (std::size_t i = 0; i < masks.size(); ++i) {
    best[i] = masks[i].second;
    for (std::size_t j = 0; j < i; ++j) {
      const bool nested =
          masks[j].first != masks[i].first && (masks[j].first & ~masks[i].first) == 0;
      if (nested && best[j] + masks[i].second > best[i]) {
        best[i] = best[j] + masks[i].second;
        previous[i] = j;
      }
    }
    if (best[i] > best[top]) top = i;
  }
  std::vector<std::uint64_t> chain;
  weight = masks.empty() ? 0 : best[top];
  for (std::size_t i = top; i < masks.size(); i = previous[i]) chain.push_back(masks[i].first);
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// Wildcard mode. A combination's walk is cheap when its missing QIs come
// last in the trie's order (the walk stops where they begin and takes whole
// subtrees) and expensive when one comes near the root (every child must be
// followed). So:
//   1. Two tries, the selective order and the same with its first half moved
//      to the end; each combination walks the one in which its first missing
//      QI comes latest, giving up after a budget of steps.
//   2. A sample of the walks that gave up is finished, to learn their cost.
//   3. For the combinations still waiting, tries whose order puts their
//      missing QIs last: each serves a chain of nested missing-QI sets (the
//      heaviest chain first), built while it serves enough combinations to
//      pay for itself (always, for small tables).
//   4. The rest walk their trie from step 1 without a budget.
// Beyond 64 QIs (missing-QI sets no longer fit a 64-bit mask) every walk in
// step 1 is unbudgeted.
ClassMeasures wildcard_measures(const CategoricalTable& table, const std::vector<std::size_t>& qi,
                                const Groups& groups, const std::vector<std::size_t>& sensitive,
                                std::size_t threads) {
  const std::size_t classes = groups.count();
  const std::size_t width = qi.size();
  std::vector<std::uint32_t> combinations(classes * width);
  for (std::size_t g = 0; g < classes; ++g) {
    const std::uint32_t row = groups.representative(g);
    for (std::size_t j = 0; j < width; ++j) combinations[g * width + j] = table.codes[qi[j]][row];
  }
  std::vector<std::uint64_t> qi_radix(width);
  for (std::size_t j = 0; j < width; ++j) qi_radix[j] = table.values[qi[j]].size() + 1;
  const std::vector<std::size_t> selective = trie_order(table, qi);

  std::vector<DistinctCodes> lists;
  std::vector<std::size_t> radix;
  for (const std::size_t column : sensitive) {
    radix.push_back(table.values[column].size() + 1);
    lists.push_back(distinct_codes(groups, table.codes[column], radix.back(), true, threads));
  }

  ClassMeasures measures;
  measures.size.assign(classes, 0);
  if (!sensitive.empty()) measures.distinct.assign(classes, 0);
  // 1 while a combination's measures are still to be found.
  std::vector<std::uint8_t> pending(classes, 1);

  struct Scratch {
    Ranges ranges;
    std::vector<std::vector<std::size_t>> stamps;
  };
  std::vector<Scratch> scratch(workers_for(classes, threads));

  // Walks the combinations at `positions` of `trie` (in trie order, so that
  // consecutive walks share nodes and cache lines) within `budget` steps
  // each, stores the measures of those that finish and returns their steps.
  auto measure = [&](const CombinationTrie& trie, const std::vector<std::size_t>& positions,
                     std::size_t budget) {
    std::vector<std::size_t> steps(scratch.size(), 0);
    parallel_chunks(
        positions.size(), threads, [&](std::size_t begin, std::size_t end, std::size_t worker) {
          Scratch& own = scratch[worker];
          if (own.stamps.size() != sensitive.size()) {
            for (const std::size_t r : radix) own.stamps.emplace_back(r, 0);
          }
          for (std::size_t w = begin; w < end; ++w) {
            const std::size_t t = positions[w];
            const std::size_t g = trie.group(t);
            own.ranges.clear();
            const std::size_t taken = trie.compatible(trie.key(t), budget, own.ranges);
            if (taken == kGaveUp) continue;
            steps[worker] += taken;
            pending[g] = 0;
            std::uint64_t size = 0;
            for (const auto& [lo, hi] : own.ranges) size += trie.records(lo, hi);
            measures.size[g] = size;
            if (sensitive.empty()) continue;
            // stamp[code] == g + 1: code already seen for combination g.
            std::uint32_t fewest = std::numeric_limits<std::uint32_t>::max();
            for (std::size_t s = 0; s < sensitive.size(); ++s) {
              const DistinctCodes& list = lists[s];
              std::vector<std::size_t>& stamp = own.stamps[s];
              const std::size_t all = radix[s] - 1;
              std::uint32_t seen = 0;
              for (const auto& [lo, hi] : own.ranges) {
                for (std::size_t y = lo; y < hi && seen < all; ++y) {
                  const std::size_t other = trie.group(y);
                  for (std::size_t i = list.offset[other]; i < list.offset[other + 1]; ++i) {
                    const std::uint32_t code = list.codes[i];
                    if (stamp[code] == g + 1) continue;
                    stamp[code] = g + 1;
                    ++seen;
                  }
                }
                if (seen >= all) break;
              }
              fewest = std::min(fewest, seen);
            }
            measures.distinct[g] = fewest;
          }
        });
    std::size_t total = 0;
    for (const std::size_t part : steps) total += part;
    return total;
  };
  // The positions of `trie` holding pending combinations that `wanted` takes.
  auto positions_of = [&](const CombinationTrie& trie, const auto& wanted) {
    std::vector<std::size_t> positions;
    for (std::size_t t = 0; t < classes; ++t) {
      const std::size_t g = trie.group(t);
      if (pending[g] != 0 && wanted(g)) positions.push_back(t);
    }
    return positions;
  };
  // The depth of g's first missing QI in `order`.
  auto first_missing = [&](const std::vector<std::size_t>& order, std::size_t g) {
    std::size_t depth = 0;
    while (depth < width && combinations[g * width + order[depth]] != 0) ++depth;
    return depth;
  };

  // 1. Two tries, each combination on the one where it is missing latest.
  std::vector<CombinationTrie> tries;
  tries.emplace_back(combinations, groups, qi_radix, selective, threads);
  if (width >= 2) {
    std::vector<std::size_t> rotated = selective;
    std::rotate(rotated.begin(), rotated.begin() + static_cast<std::ptrdiff_t>(width / 2),
                rotated.end());
    tries.emplace_back(combinations, groups, qi_radix, std::move(rotated), threads);
  }
  std::vector<std::uint8_t> choice(classes, 0);
  for (std::size_t g = 0; g < classes; ++g) {
    if (tries.size() > 1 && first_missing(tries[1].order(), g) > first_missing(selective, g)) {
      choice[g] = 1;
    }
  }
  const std::size_t budget = width > 64 ? kGaveUp : std::clamp<std::size_t>(classes / 16, 32, 256);
  for (std::size_t i = 0; i < tries.size(); ++i) {
    measure(tries[i], positions_of(tries[i], [&](std::size_t g) { return choice[g] == i; }),
            budget);
  }

  // 2. The cost of a walk that gave up, from a sample of them walked to the
  // end (every stride-th in Groups order).
  std::vector<std::size_t> gave_up;
  for (std::size_t g = 0; g < classes; ++g) {
    if (pending[g] != 0) gave_up.push_back(g);
  }
  if (gave_up.empty()) return measures;
  std::vector<std::uint8_t> sampled(classes, 0);
  const std::size_t stride = std::max<std::size_t>(1, gave_up.size() / kSampleWalks);
  std::size_t samples = 0;
  for (std::size_t i = 0; i < gave_up.size(); i += stride, ++samples) sampled[gave_up[i]] = 1;
  std::size_t sample_steps = 0;
  for (std::size_t i = 0; i < tries.size(); ++i) {
    sample_steps += measure(
        tries[i],
        positions_of(tries[i], [&](std::size_t g) { return choice[g] == i && sampled[g] != 0; }),
        kGaveUp);
  }
  const std::size_t walk_cost = std::max<std::size_t>(1, sample_steps / samples);

  // 3. Tries for chains of missing-QI sets of the combinations left, while a
  // trie (costing about kBuildSteps steps per combination) serves enough of
  // them.
  std::map<std::uint64_t, std::size_t> left;  // missing-QI set -> combinations
  std::vector<std::uint64_t> missing(classes, 0);
  for (std::size_t g = 0; g < classes && width <= 64; ++g) {
    if (pending[g] == 0) continue;
    for (std::size_t j = 0; j < width; ++j) {
      if (combinations[g * width + j] == 0) missing[g] |= std::uint64_t{1} << j;
    }
    ++left[missing[g]];
  }
  const std::size_t worth =
      classes <= kSmallTable ? 1 : std::max<std::size_t>(1, kBuildSteps * classes / walk_cost);
  for (std::size_t built = 0; !left.empty() && built < kChainTries; ++built) {
    // The heaviest masks only, to bound the quadratic chain search.
    std::vector<std::pair<std::uint64_t, std::size_t>> masks(left.begin(), left.end());
    if (masks.size() > kChainMasks) {
      std::partial_sort(masks.begin(), masks.begin() + kChainMasks, masks.end(),
                        [](const auto& a, const auto& b) {
                          return a.second != b.second ? a.second > b.second : a.first < b.first;
                        });
      masks.resize(kChainMasks);
    }
    std::size_t weight = 0;
    const std::vector<std::uint64_t> chain = heaviest_chain(std::move(masks), weight);
    if (weight < worth) break;
    const CombinationTrie trie(combinations, groups, qi_radix, chain_order(selective, chain),
                               threads);
    // Every missing-QI set that is a suffix of the order is served.
    std::set<std::uint64_t> suffixes = {0};
    std::uint64_t suffix = 0;
    for (std::size_t i = width; i > 0; --i) {
      suffix |= std::uint64_t{1} << trie.order()[i - 1];
      suffixes.insert(suffix);
    }
    measure(trie,
            positions_of(trie, [&](std::size_t g) { return suffixes.count(missing[g]) != 0; }),
            kGaveUp);
    for (const std::uint64_t served : suffixes) left.erase(served);
  }

  // 4. The rest, without a budget.
  for (std::size_t i = 0; i < tries.size(); ++i) {
    measure(tries[i], positions_of(tries[i], [&](std::size_t g) { return choice[g] == i; }),
            kGaveUp);
  }
  return measures;
}

void validate(const CategoricalTable& table) {
  const std::size_t rows = table.rows();
  if (table.codes.size() != table.columns.size() || table.values.size() != table.columns.size()) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: malformed table ({} column names, {} value lists, {} code lists)",
                            display_name(table), table.columns.size(), table.values.size(),
                            table.codes.size()));
  }
  if (rows > std::numeric_limits<std::uint32_t>::max()) {
    throw Error(Error::Kind::usage, fmt::format("{}: more than {} records", display_name(table),
                                                std::numeric_limits<std::uint32_t>::max()));
  }
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    const auto& codes = table.codes[c];
    const std::size_t values = table.values[c].size();
    if (codes.size() != rows ||
        std::any_of(codes.begin(), codes.end(),
                    [values](std::uint32_t code) { return code > values; })) {
      throw Error(Error::Kind::usage,
                  fmt::format("{}: malformed table (column \"{}\" has codes that fit no value or "
                              "a different number of rows)",
                              display_name(table), table.columns[c]));
    }
  }
}

void validate(const CheckOptions& options) {
  detail::validate_model(options.quasi_identifiers, options.sensitive, options.k, options.l);
  if (options.threads < 0) {
    throw Error(Error::Kind::usage,
                fmt::format("threads must be 0 (every core) or more, got {}", options.threads));
  }
  auto check_twice = [](const std::vector<std::string>& names, std::string_view role) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (std::find(names.begin(), names.begin() + static_cast<std::ptrdiff_t>(i), names[i]) !=
          names.begin() + static_cast<std::ptrdiff_t>(i)) {
        throw Error(Error::Kind::usage,
                    fmt::format("column \"{}\" is named twice among the {}", names[i], role));
      }
    }
  };
  check_twice(options.quasi_identifiers, "quasi-identifiers");
  check_twice(options.sensitive, "sensitive columns");
  for (const std::string& name : options.sensitive) {
    if (std::find(options.quasi_identifiers.begin(), options.quasi_identifiers.end(), name) !=
        options.quasi_identifiers.end()) {
      throw Error(Error::Kind::usage,
                  fmt::format("column \"{}\" is both a quasi-identifier and sensitive", name));
    }
  }
}

}  // namespace

std::size_t CategoricalTable::column(const std::string& name) const {
  const auto found = std::find(columns.begin(), columns.end(), name);
  if (found != columns.end()) return static_cast<std::size_t>(found - columns.begin());
  std::string listing;
  for (const std::string& column : columns) {
    if (!listing.empty()) listing += ", ";
    listing += '"';
    listing += column;
    listing += '"';
  }
  throw Error(Error::Kind::input,
              fmt::format("{}: no column \"{}\"; the columns are {}", display_name(*this), name,
                          listing.empty() ? std::string("(none)") : listing));
}

// Header names are trimmed like cells; a blank or repeated header name is an
// input error (as in glm's data frames), so that column() is never ambiguous.
CategoricalTable read_categorical_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  return read_categorical_csv(in, path);
}

CategoricalTable read_categorical_csv(std::istream& in, const std::string& path) {
  io::CsvReader reader(in, path);
  CategoricalTable table;
  table.source = path;
  std::vector<std::string> fields;
  if (!reader.next(fields)) {
    throw input_error(SourcePosition{path, 1, 0},
                      "the file is empty; expected a header row naming the columns");
  }
  const std::size_t width = fields.size();
  for (std::size_t c = 0; c < width; ++c) {
    std::string name = std::move(fields[c]);
    detail::trim_spaces(name);
    const SourcePosition where{path, reader.record_line(), c + 1};
    if (name.empty()) throw input_error(where, "the header names no column here");
    if (std::find(table.columns.begin(), table.columns.end(), name) != table.columns.end()) {
      throw input_error(where, fmt::format("column \"{}\" is named twice in the header",
                                           truncate_utf8(name, 40)));
    }
    table.columns.push_back(std::move(name));
  }
  table.values.resize(width);
  table.codes.resize(width);
  std::vector<ColumnEncoder> encoders;
  encoders.reserve(width);
  for (std::size_t c = 0; c < width; ++c) encoders.emplace_back(table.values[c]);

  while (reader.next(fields)) {
    if (fields.size() != width) {
      // Point at the first missing field of a short row, the first extra
      // field of a long one.
      const std::size_t column = std::min(fields.size(), width) + 1;
      throw input_error(
          SourcePosition{path, reader.record_line(), column},
          fmt::format("expected {} fields as in the header, got {}", width, fields.size()));
    }
    if (table.codes[0].size() == std::numeric_limits<std::uint32_t>::max()) {
      throw input_error(
          SourcePosition{path, reader.record_line(), 0},
          fmt::format("more than {} records", std::numeric_limits<std::uint32_t>::max()));
    }
    for (std::size_t c = 0; c < width; ++c) {
      table.codes[c].push_back(encoders[c].encode(std::move(fields[c])));
    }
  }
  if (in.bad()) throw Error(Error::Kind::io, path + ": cannot read the file");
  return table;
}

CategoricalTable make_table(std::vector<std::string> columns,
                            const std::vector<std::vector<std::string>>& rows) {
  for (std::size_t c = 0; c < columns.size(); ++c) {
    if (std::find(columns.begin(), columns.begin() + static_cast<std::ptrdiff_t>(c), columns[c]) !=
        columns.begin() + static_cast<std::ptrdiff_t>(c)) {
      throw Error(Error::Kind::usage, fmt::format("column \"{}\" is named twice", columns[c]));
    }
  }
  CategoricalTable table;
  table.columns = std::move(columns);
  const std::size_t width = table.columns.size();
  table.values.resize(width);
  table.codes.resize(width);
  std::vector<ColumnEncoder> encoders;
  encoders.reserve(width);
  for (std::size_t c = 0; c < width; ++c) {
    encoders.emplace_back(table.values[c]);
    table.codes[c].reserve(rows.size());
  }
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != width) {
      throw Error(Error::Kind::usage,
                  fmt::format("row {} has {} cells; expected {} (one per column)", r + 1,
                              rows[r].size(), width));
    }
    for (std::size_t c = 0; c < width; ++c)
      table.codes[c].push_back(encoders[c].encode(rows[r][c]));
  }
  return table;
}

// An empty table has no class: k = 0 and (with sensitive columns) l = 0, and
// both are vacuously satisfied.
CheckResult check_anonymity(const CategoricalTable& table, const CheckOptions& options) {
  validate(options);
  validate(table);
  std::vector<std::size_t> qi;
  std::vector<std::size_t> sensitive;
  for (const std::string& name : options.quasi_identifiers) qi.push_back(table.column(name));
  for (const std::string& name : options.sensitive) sensitive.push_back(table.column(name));
  const std::size_t threads = detail::worker_count(options.threads);

  const Groups groups = group_rows(table, qi, threads);
  const ClassMeasures measures = options.missing == MissingValues::category
                                     ? category_measures(table, groups, sensitive, threads)
                                     : wildcard_measures(table, qi, groups, sensitive, threads);

  CheckResult result;
  const std::size_t classes = groups.count();
  result.records = table.rows();
  result.classes = classes;
  if (!sensitive.empty()) result.l = 0;
  std::uint64_t smallest = std::numeric_limits<std::uint64_t>::max();
  std::uint32_t fewest = std::numeric_limits<std::uint32_t>::max();
  double risk_sum = 0.0;
  for (std::size_t g = 0; g < classes; ++g) {
    const std::uint64_t size = measures.size[g];
    smallest = std::min(smallest, size);
    const bool distinct_known = !measures.distinct.empty();
    if (distinct_known) fewest = std::min(fewest, measures.distinct[g]);
    const bool violates =
        size < options.k || (options.l && distinct_known && measures.distinct[g] < *options.l);
    if (violates) {
      result.violating_records += groups.size(g);
      ++result.violating_classes;
    }
    risk_sum += static_cast<double>(groups.size(g)) / static_cast<double>(size);
  }
  if (classes > 0) {
    result.k = smallest;
    if (!sensitive.empty()) result.l = fewest;
    const auto records = static_cast<double>(result.records);
    result.violating_share = static_cast<double>(result.violating_records) / records;
    result.max_risk = 1.0 / static_cast<double>(smallest);
    result.average_risk = risk_sum / records;
  }
  result.k_satisfied = classes == 0 || result.k >= options.k;
  result.l_satisfied = !options.l || classes == 0 || *result.l >= *options.l;
  result.satisfies = result.k_satisfied && result.l_satisfied;

  // Combinations are indexed in key order, so ties by key are ties by index.
  std::vector<std::size_t> order(classes);
  for (std::size_t g = 0; g < classes; ++g) order[g] = g;
  const std::size_t shown = std::min(options.smallest_classes, classes);
  std::partial_sort(
      order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown), order.end(),
      [&](std::size_t a, std::size_t b) {
        return measures.size[a] != measures.size[b] ? measures.size[a] < measures.size[b] : a < b;
      });
  for (std::size_t i = 0; i < shown; ++i) {
    const std::size_t g = order[i];
    EquivalenceClassSummary summary;
    const std::uint32_t row = groups.representative(g);
    for (const std::size_t column : qi) summary.key.push_back(table.cell(column, row));
    summary.size = measures.size[g];
    summary.distinct_sensitive = measures.distinct.empty() ? 0 : measures.distinct[g];
    result.smallest.push_back(std::move(summary));
  }
  return result;
}

}  // namespace vigil::publish
