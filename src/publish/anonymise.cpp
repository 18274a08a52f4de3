// k-anonymisation by global recoding with an exact lattice search (see
// anonymise.hpp).
//
// Evaluating a lattice node means grouping the records by their generalised
// QI codes into equivalence classes (a frequency set: the classes with their
// sizes and, for l-diversity, their distinct sensitive values). The records
// are grouped once, at the bottom node (every QI at level 0); every other
// node's classes are unions of the classes of any less general node, so a
// node is evaluated by rolling up the smallest frequency set already
// computed for a node below it (Kohlmayer et al. 2012 roll-up; the bottom
// set is always at hand). Keys pack the generalised codes as a mixed-radix
// number; classes are found with a direct-address table when the key space
// is small and an open-addressing hash table otherwise. When the radices
// overflow 64 bits, the QIs are grouped in stages, each stage's group number
// taking the place of the QIs packed so far.
//
// Distinct l-diversity needs distinct values, which do not add up like
// counts. Each class keeps, per sensitive column, up to l distinct codes:
// the union of two such lists, again cut at l, holds l codes exactly when
// the union of the full sets has at least l, so "at least l" survives every
// roll-up.
//
// Measures are computed from integers (class sizes, sums of leaves) and
// turned into a floating-point loss by one fixed formula, so a node's
// measure does not depend on which frequency set it was rolled up from, and
// nodes are processed in batches of a fixed size whatever the thread count:
// the result and nodes_evaluated do not depend on the number of threads.
#include "publish/anonymise.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cfloat>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <thread>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace {

// Lattices beyond this many nodes are refused: the search keeps a few
// numbers per node.
constexpr std::size_t kMaxLattice = std::size_t{1} << 24;
// Nodes evaluated together (in parallel). Fixed, so that the nodes evaluated
// do not depend on the thread count.
constexpr std::size_t kBatch = 8;
// Frequency sets kept for rolling up, beyond the bottom node's: at most this
// many, and at most this many bytes.
constexpr std::size_t kCachedSets = 256;
constexpr std::size_t kCacheBytes = std::size_t{256} << 20;
constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

// One quasi-identifier, prepared for the search.
struct QiData {
  std::size_t column = 0;
  Hierarchy hierarchy;
  ColumnGeneralisation generalisation;
  std::size_t height = 0;
  std::vector<std::uint64_t> radix;  // per level: codes there, missing included
  // leaves_below[level][code] - 1: Iyengar's numerator for a record whose
  // value generalises to `code` at `level`.
  std::vector<std::vector<std::uint64_t>> extra_leaves;
  std::uint64_t leaves = 0;  // distinct values in the table, missing one more
  // Sum over every record of extra_leaves at each level (nothing suppressed).
  std::vector<std::uint64_t> full_extra;
  // lift[from][to][code at from] = code at to, for from <= to.
  std::vector<std::vector<std::vector<std::uint32_t>>> lift;
};

// Equivalence classes at one node.
struct FrequencySet {
  std::vector<std::uint8_t> levels;
  std::vector<std::uint32_t> codes;   // class-major, one per QI
  std::vector<std::uint32_t> counts;  // records per class
  // l-diversity: per class and sensitive column, up to `cap` distinct codes
  // (distinct[(c * S + s) * cap ...]) and how many (distinct_count[c * S + s]).
  std::vector<std::uint32_t> distinct;
  std::vector<std::uint32_t> distinct_count;
  std::size_t size() const { return counts.size(); }
  std::size_t bytes() const {
    return (codes.size() + counts.size() + distinct.size() + distinct_count.size()) *
           sizeof(std::uint32_t);
  }
};

// What a node's classes say.
struct Outcome {
  bool feasible = false;
  std::uint64_t suppressed = 0;
  std::uint64_t kept_classes = 0;
  std::uint64_t sum_squares_all = 0;      // sum of class sizes squared, nothing suppressed
  std::uint64_t discernibility = 0;       // Bayardo & Agrawal, suppression included
  std::vector<std::uint64_t> kept_extra;  // per QI: sum of extra leaves over kept records
  double loss = 0.0;
};

// Per-worker buffers for grouping.
struct Scratch {
  std::vector<std::uint64_t> keys;
  std::vector<std::uint32_t> direct;  // direct-address table, kNone when free
  std::vector<std::uint64_t> slot_keys;
  std::vector<std::uint32_t> slot_ids;  // hash table, kNone when free
  std::vector<std::size_t> used_slots;
};

struct Problem {
  std::size_t records = 0;
  std::vector<QiData> qis;
  std::vector<std::size_t> sensitive;  // columns, only when l is set
  std::size_t cap = 0;                 // l, or 0
  std::size_t k = 1;
  std::uint64_t max_suppressed = 0;
  UtilityMeasure measure = UtilityMeasure::loss;
  std::vector<std::size_t> stride;  // node id = sum of level * stride
  std::size_t lattice = 1;
  std::vector<std::uint16_t> total_level;  // per node: the sum of its levels
};

std::size_t qi_count(const Problem& problem) {
  return problem.qis.size();
}

std::vector<std::uint8_t> levels_of(const Problem& problem, std::size_t node) {
  std::vector<std::uint8_t> levels(qi_count(problem));
  for (std::size_t q = 0; q < levels.size(); ++q) {
    levels[q] = static_cast<std::uint8_t>(node / problem.stride[q] % (problem.qis[q].height + 1));
  }
  return levels;
}

std::size_t total_level(const std::vector<std::uint8_t>& levels) {
  return std::accumulate(levels.begin(), levels.end(), std::size_t{0});
}

// Iyengar's loss metric from integers: sum over QIs of extra leaves /
// (leaves - 1), plus 1 per suppressed record and QI, over records x QIs.
// The one formula used for bounds and measures alike.
double loss_of(const Problem& problem, const std::vector<std::uint64_t>& extra,
               std::uint64_t suppressed) {
  if (problem.records == 0) return 0.0;
  double total = 0.0;
  for (std::size_t q = 0; q < qi_count(problem); ++q) {
    if (problem.qis[q].leaves > 1) {
      total += static_cast<double>(extra[q]) / static_cast<double>(problem.qis[q].leaves - 1);
    }
  }
  const auto width = static_cast<double>(qi_count(problem));
  total += static_cast<double>(suppressed) * width;
  return total / (static_cast<double>(problem.records) * width);
}

std::uint64_t mix(std::uint64_t key) {
  return key * 0x9E3779B97F4A7C15ULL;
}

// Dense group numbers (in order of first appearance) for keys below `space`.
std::size_t dense_groups(const std::vector<std::uint64_t>& keys, std::size_t count,
                         std::uint64_t space, Scratch& scratch,
                         std::vector<std::uint32_t>& group_of) {
  std::uint32_t groups = 0;
  const bool direct = space <= (std::uint64_t{1} << 24) &&
                      space <= std::max<std::uint64_t>(std::uint64_t{4} * count, 4096);
  if (direct) {
    if (scratch.direct.size() < space) scratch.direct.resize(space, kNone);
    for (std::size_t i = 0; i < count; ++i) {
      std::uint32_t& slot = scratch.direct[keys[i]];
      if (slot == kNone) slot = groups++;
      group_of[i] = slot;
    }
    for (std::size_t i = 0; i < count; ++i) scratch.direct[keys[i]] = kNone;
    return groups;
  }
  std::size_t capacity = 16;
  while (capacity < 2 * count) capacity *= 2;
  if (scratch.slot_ids.size() < capacity) {
    scratch.slot_ids.assign(capacity, kNone);
    scratch.slot_keys.assign(capacity, 0);
  }
  const int shift = 64 - std::countr_zero(capacity);
  const std::size_t mask = capacity - 1;
  scratch.used_slots.clear();
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint64_t key = keys[i];
    std::size_t slot = static_cast<std::size_t>(mix(key) >> shift);
    for (;;) {
      if (scratch.slot_ids[slot] == kNone) {
        scratch.slot_ids[slot] = groups++;
        scratch.slot_keys[slot] = key;
        scratch.used_slots.push_back(slot);
        break;
      }
      if (scratch.slot_keys[slot] == key) break;
      slot = (slot + 1) & mask;
    }
    group_of[i] = scratch.slot_ids[slot];
  }
  for (const std::size_t slot : scratch.used_slots) scratch.slot_ids[slot] = kNone;
  return groups;
}

// Groups `count` items by the tuple (code(i, 0), ..., code(i, Q - 1)), code
// j below radix[j]; returns the number of groups, group_of[i] being item
// i's (dense, in order of first appearance).
template <typename Code>
std::size_t group_tuples(std::size_t count, const std::vector<std::uint64_t>& radix,
                         const Code& code, Scratch& scratch, std::vector<std::uint32_t>& group_of) {
  group_of.assign(count, 0);
  scratch.keys.resize(count);
  std::uint64_t groups = 1;
  std::size_t first = 0;
  if (count == 0) return 0;
  while (first < radix.size()) {
    // As many QIs as fit beside the group number so far.
    std::uint64_t space = groups;
    std::size_t last = first;
    while (last < radix.size() &&
           space <= std::numeric_limits<std::uint64_t>::max() / radix[last]) {
      space *= radix[last];
      ++last;
    }
    for (std::size_t i = 0; i < count; ++i) {
      std::uint64_t key = group_of[i];
      for (std::size_t j = first; j < last; ++j) key = key * radix[j] + code(i, j);
      scratch.keys[i] = key;
    }
    groups = dense_groups(scratch.keys, count, space, scratch, group_of);
    first = last;
  }
  return static_cast<std::size_t>(groups);
}

// The classes of the node at `to` from a frequency set of a node below it
// (levels <= to). `target_of`, when given, receives each source class's
// class.
FrequencySet roll_up(const Problem& problem, const FrequencySet& source,
                     const std::vector<std::uint8_t>& to, Scratch& scratch,
                     std::vector<std::uint32_t>* target_of = nullptr) {
  const std::size_t width = qi_count(problem);
  std::vector<const std::uint32_t*> lift(width);
  std::vector<std::uint64_t> radix(width);
  for (std::size_t q = 0; q < width; ++q) {
    lift[q] = problem.qis[q].lift[source.levels[q]][to[q]].data();
    radix[q] = problem.qis[q].radix[to[q]];
  }
  const std::size_t count = source.size();
  std::vector<std::uint32_t> local;
  std::vector<std::uint32_t>& group_of = target_of != nullptr ? *target_of : local;
  const std::size_t groups = group_tuples(
      count, radix,
      [&](std::size_t i, std::size_t q) { return lift[q][source.codes[i * width + q]]; }, scratch,
      group_of);

  FrequencySet target;
  target.levels = to;
  target.counts.assign(groups, 0);
  target.codes.resize(groups * width);
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint32_t c = group_of[i];
    if (target.counts[c] == 0) {
      for (std::size_t q = 0; q < width; ++q) {
        target.codes[c * width + q] = lift[q][source.codes[i * width + q]];
      }
    }
    target.counts[c] += source.counts[i];
  }
  const std::size_t columns = problem.sensitive.size();
  const std::size_t cap = problem.cap;
  if (columns > 0) {
    target.distinct.assign(groups * columns * cap, 0);
    target.distinct_count.assign(groups * columns, 0);
    for (std::size_t i = 0; i < count; ++i) {
      const std::uint32_t c = group_of[i];
      for (std::size_t s = 0; s < columns; ++s) {
        std::uint32_t& have = target.distinct_count[c * columns + s];
        std::uint32_t* list = &target.distinct[(c * columns + s) * cap];
        const std::uint32_t* from = &source.distinct[(i * columns + s) * cap];
        const std::uint32_t from_count = source.distinct_count[i * columns + s];
        for (std::uint32_t f = 0; f < from_count && have < cap; ++f) {
          if (std::find(list, list + have, from[f]) == list + have) list[have++] = from[f];
        }
      }
    }
  }
  return target;
}

// Every record as a class of one, at the bottom node.
FrequencySet record_set(const Problem& problem, const CategoricalTable& table) {
  const std::size_t width = qi_count(problem);
  const std::size_t rows = problem.records;
  FrequencySet set;
  set.levels.assign(width, 0);
  set.counts.assign(rows, 1);
  set.codes.resize(rows * width);
  for (std::size_t q = 0; q < width; ++q) {
    const auto& column = table.codes[problem.qis[q].column];
    for (std::size_t row = 0; row < rows; ++row) set.codes[row * width + q] = column[row];
  }
  const std::size_t columns = problem.sensitive.size();
  if (columns > 0) {
    set.distinct.assign(rows * columns * problem.cap, 0);
    set.distinct_count.assign(rows * columns, 0);
    for (std::size_t s = 0; s < columns; ++s) {
      const auto& column = table.codes[problem.sensitive[s]];
      for (std::size_t row = 0; row < rows; ++row) {
        if (column[row] == 0) continue;  // a missing value is no value
        set.distinct[(row * columns + s) * problem.cap] = column[row];
        set.distinct_count[row * columns + s] = 1;
      }
    }
  }
  return set;
}

bool violates(const Problem& problem, const FrequencySet& set, std::size_t c) {
  if (set.counts[c] < problem.k) return true;
  const std::size_t columns = problem.sensitive.size();
  for (std::size_t s = 0; s < columns; ++s) {
    if (set.distinct_count[c * columns + s] < problem.cap) return true;
  }
  return false;
}

Outcome assess(const Problem& problem, const FrequencySet& set) {
  const std::size_t width = qi_count(problem);
  Outcome outcome;
  outcome.kept_extra.assign(width, 0);
  std::vector<const std::uint64_t*> extra(width);
  for (std::size_t q = 0; q < width; ++q) {
    extra[q] = problem.qis[q].extra_leaves[set.levels[q]].data();
  }
  std::uint64_t kept_squares = 0;
  for (std::size_t c = 0; c < set.size(); ++c) {
    const std::uint64_t size = set.counts[c];
    outcome.sum_squares_all += size * size;
    if (violates(problem, set, c)) {
      outcome.suppressed += size;
      continue;
    }
    ++outcome.kept_classes;
    kept_squares += size * size;
    for (std::size_t q = 0; q < width; ++q) {
      outcome.kept_extra[q] += size * extra[q][set.codes[c * width + q]];
    }
  }
  outcome.feasible = outcome.suppressed <= problem.max_suppressed;
  outcome.discernibility =
      kept_squares + outcome.suppressed * static_cast<std::uint64_t>(problem.records);
  outcome.loss = loss_of(problem, outcome.kept_extra, outcome.suppressed);
  return outcome;
}

double measure_of(const Problem& problem, const Outcome& outcome) {
  return problem.measure == UtilityMeasure::loss ? outcome.loss
                                                 : static_cast<double>(outcome.discernibility);
}

// The lattice search: evaluates nodes in batches, keeps frequency sets for
// rolling up, and remembers the best solution.
class Search {
 public:
  Search(const Problem& problem, FrequencySet bottom, std::size_t threads,
         const std::function<void(std::size_t, std::size_t)>& progress)
      : problem_(problem),
        threads_(threads),
        scratch_(threads),
        progress_(progress),
        bottom_(std::move(bottom)) {}

  // Evaluates `nodes` (at most kBatch), in parallel, and records them.
  void evaluate(const std::vector<std::size_t>& nodes) {
    std::vector<FrequencySet> sets(nodes.size());
    std::vector<Outcome> outcomes(nodes.size());
    std::atomic<std::size_t> next{0};
    detail::on_workers(std::min(threads_, nodes.size()), [&](std::size_t worker) {
      for (;;) {
        const std::size_t item = next.fetch_add(1);
        if (item >= nodes.size()) break;
        const std::vector<std::uint8_t> levels = levels_of(problem_, nodes[item]);
        sets[item] = roll_up(problem_, source_for(levels), levels, scratch_[worker]);
        outcomes[item] = assess(problem_, sets[item]);
      }
    });
    for (std::size_t item = 0; item < nodes.size(); ++item) {
      const std::size_t node = nodes[item];
      ++nodes_evaluated_;
      outcomes_.emplace(node, std::move(outcomes[item]));
      consider(node);
      keep(std::move(sets[item]));
    }
  }

  const FrequencySet& bottom() const { return bottom_; }
  bool evaluated(std::size_t node) const { return outcomes_.count(node) != 0; }
  const Outcome& outcome(std::size_t node) const { return outcomes_.at(node); }
  std::optional<std::size_t> best() const { return best_; }
  double best_loss() const { return best_ ? outcomes_.at(*best_).loss : 0.0; }
  std::size_t nodes_evaluated() const { return nodes_evaluated_; }
  void report(std::size_t done) const {
    if (progress_) progress_(done, problem_.lattice);
  }

  // Whether `node` would lose to the best solution if its loss or
  // discernibility (whichever is the measure) were as given. A tie goes to
  // the lower total level, then the lower levels.
  bool loses(std::size_t node, double loss, std::uint64_t discernibility) const {
    if (!best_) return false;
    const Outcome& best = outcomes_.at(*best_);
    if (problem_.measure == UtilityMeasure::loss) {
      if (loss != best.loss) return loss > best.loss;
    } else if (discernibility != best.discernibility) {
      return discernibility > best.discernibility;
    }
    return !precedes(node, *best_);
  }

  bool precedes(std::size_t a, std::size_t b) const {
    const std::size_t level_a = problem_.total_level[a];
    const std::size_t level_b = problem_.total_level[b];
    return level_a != level_b ? level_a < level_b : a < b;
  }

 private:
  // The smallest frequency set of a node at or below `levels`.
  const FrequencySet& source_for(const std::vector<std::uint8_t>& levels) const {
    const FrequencySet* chosen = &bottom_;
    for (const FrequencySet& set : cache_) {
      if (set.size() >= chosen->size()) continue;
      bool below = true;
      for (std::size_t q = 0; q < levels.size() && below; ++q) below = set.levels[q] <= levels[q];
      if (below) chosen = &set;
    }
    return *chosen;
  }

  void keep(FrequencySet set) {
    if (set.size() >= bottom_.size()) return;  // never a better source
    cache_bytes_ += set.bytes();
    cache_.push_back(std::move(set));
    while (cache_.size() > kCachedSets || (cache_bytes_ > kCacheBytes && !cache_.empty())) {
      cache_bytes_ -= cache_.front().bytes();
      cache_.erase(cache_.begin());
    }
  }

  void consider(std::size_t node) {
    const Outcome& outcome = outcomes_.at(node);
    if (outcome.feasible && !loses(node, outcome.loss, outcome.discernibility)) best_ = node;
  }

  const Problem& problem_;
  std::size_t threads_;
  std::vector<Scratch> scratch_;
  const std::function<void(std::size_t, std::size_t)>& progress_;
  FrequencySet bottom_;
  std::vector<FrequencySet> cache_;  // oldest first
  std::size_t cache_bytes_ = 0;
  std::unordered_map<std::size_t, Outcome> outcomes_;  // evaluated nodes
  std::optional<std::size_t> best_;
  std::size_t nodes_evaluated_ = 0;
};

// Loss: nodes in increasing order of the loss of their generalisation alone
// (a lower bound of their loss), until the bound exceeds the best loss.
void search_loss(const Problem& problem, Search& search) {
  const std::size_t width = qi_count(problem);
  std::vector<double> bound(problem.lattice);
  std::vector<std::uint64_t> extra(width);
  for (std::size_t node = 0; node < problem.lattice; ++node) {
    const std::vector<std::uint8_t> levels = levels_of(problem, node);
    for (std::size_t q = 0; q < width; ++q) extra[q] = problem.qis[q].full_extra[levels[q]];
    bound[node] = loss_of(problem, extra, 0);
  }
  std::vector<std::size_t> order(problem.lattice);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return bound[a] != bound[b] ? bound[a] < bound[b] : search.precedes(a, b);
  });
  // Rounding can put a node's loss an ulp below its bound when suppressed
  // records had lost everything anyway; look a little past the best.
  auto beyond = [&](std::size_t node) {
    const double best = search.best_loss();
    return search.best() && bound[node] > best + 1e-12 * std::max(1.0, best);
  };
  std::size_t position = 0;
  while (position < order.size()) {
    std::vector<std::size_t> batch;
    while (position < order.size() && batch.size() < kBatch) {
      const std::size_t node = order[position];
      if (beyond(node)) break;
      ++position;
      if (!search.evaluated(node)) batch.push_back(node);
    }
    if (batch.empty()) break;
    search.evaluate(batch);
    search.report(position);
  }
}

// Discernibility: nodes by total level, then levels; a node is skipped when
// the sum of squared class sizes of a node below it (which only grows up the
// lattice and never exceeds the measure) already loses to the best.
void search_discernibility(const Problem& problem, Search& search) {
  const std::size_t width = qi_count(problem);
  std::vector<std::size_t> order(problem.lattice);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return problem.total_level[a] < problem.total_level[b];
  });
  // bound[node]: the largest sum of squares known below the node.
  std::vector<std::uint64_t> bound(problem.lattice, 0);
  std::size_t position = 0;
  while (position < order.size()) {
    std::vector<std::size_t> batch;
    while (position < order.size() && batch.size() < kBatch) {
      const std::size_t node = order[position++];
      const std::vector<std::uint8_t> levels = levels_of(problem, node);
      for (std::size_t q = 0; q < width; ++q) {
        if (levels[q] == 0) continue;
        const std::size_t below = node - problem.stride[q];
        bound[node] = std::max(bound[node], bound[below]);
        if (search.evaluated(below)) {
          bound[node] = std::max(bound[node], search.outcome(below).sum_squares_all);
        }
      }
      if (search.evaluated(node)) continue;
      if (search.loses(node, 0.0, bound[node])) continue;
      batch.push_back(node);
    }
    if (!batch.empty()) search.evaluate(batch);
    search.report(position);
  }
}

std::string describe_model(const Problem& problem) {
  return problem.cap > 0 ? fmt::format("k = {} and l = {}", problem.k, problem.cap)
                         : fmt::format("k = {}", problem.k);
}

void validate(const AnonymiseOptions& options) {
  detail::validate_model(options.quasi_identifiers, options.sensitive, options.k, options.l);
  if (!(options.max_suppression >= 0.0 && options.max_suppression <= 1.0)) {
    throw Error(Error::Kind::usage,
                fmt::format("the suppression budget must be a share in [0, 1], got {}",
                            options.max_suppression));
  }
  if (options.threads < 0) {
    throw Error(Error::Kind::usage,
                fmt::format("threads must be 0 (every core) or more, got {}", options.threads));
  }
  std::vector<std::string> named;
  for (const auto* names : {&options.quasi_identifiers, &options.sensitive}) {
    for (const std::string& name : *names) {
      if (std::find(named.begin(), named.end(), name) == named.end()) {
        named.push_back(name);
        continue;
      }
      const bool both =
          std::find(options.quasi_identifiers.begin(), options.quasi_identifiers.end(), name) !=
              options.quasi_identifiers.end() &&
          std::find(options.sensitive.begin(), options.sensitive.end(), name) !=
              options.sensitive.end();
      throw Error(Error::Kind::usage,
                  both ? fmt::format("column \"{}\" is both a quasi-identifier and sensitive", name)
                       : fmt::format("column \"{}\" is named twice", name));
    }
  }
  for (const auto& [name, hierarchy] : options.hierarchies) {
    if (std::find(options.quasi_identifiers.begin(), options.quasi_identifiers.end(), name) ==
        options.quasi_identifiers.end()) {
      throw Error(
          Error::Kind::usage,
          fmt::format("a hierarchy is given for \"{}\", which is not a quasi-identifier", name));
    }
  }
}

QiData prepare_qi(const CategoricalTable& table, std::size_t column, Hierarchy hierarchy) {
  QiData qi;
  qi.column = column;
  qi.generalisation = generalise_column(hierarchy, table, column);
  qi.height = hierarchy.height();
  qi.hierarchy = std::move(hierarchy);
  const std::size_t values = table.values[column].size();
  std::vector<std::uint64_t> frequency(values + 1, 0);
  for (const std::uint32_t code : table.codes[column]) ++frequency[code];
  for (std::size_t code = 0; code <= values; ++code) qi.leaves += frequency[code] > 0 ? 1 : 0;

  const auto& codes = qi.generalisation.codes;
  for (std::size_t level = 0; level <= qi.height; ++level) {
    const std::size_t radix = qi.generalisation.labels[level].size() + 1;
    qi.radix.push_back(radix);
    // Leaves under each generalised value: the values of the table that
    // map to it.
    std::vector<std::uint64_t> below(radix, 0);
    for (std::size_t code = 0; code <= values; ++code) {
      if (frequency[code] > 0) ++below[codes[level][code]];
    }
    std::uint64_t full = 0;
    for (std::size_t code = 0; code <= values; ++code) {
      if (frequency[code] > 0) full += frequency[code] * (below[codes[level][code]] - 1);
    }
    for (std::uint64_t& count : below) count = count > 0 ? count - 1 : 0;
    qi.extra_leaves.push_back(std::move(below));
    qi.full_extra.push_back(full);
  }
  qi.lift.resize(qi.height + 1);
  for (std::size_t from = 0; from <= qi.height; ++from) {
    qi.lift[from].resize(qi.height + 1);
    for (std::size_t to = from; to <= qi.height; ++to) {
      auto& map = qi.lift[from][to];
      map.assign(qi.radix[from], 0);
      for (std::size_t code = 0; code <= values; ++code) map[codes[from][code]] = codes[to][code];
    }
  }
  return qi;
}

// Re-encodes the kept rows of a column, codes in order of first appearance.
void release_column(const std::vector<std::uint32_t>& codes, const std::vector<std::string>& labels,
                    const std::vector<std::uint32_t>* recode, const std::vector<std::uint8_t>& kept,
                    std::vector<std::string>& values_out, std::vector<std::uint32_t>& codes_out) {
  std::vector<std::uint32_t> renumber(labels.size() + 1, kNone);
  renumber[0] = 0;
  for (std::size_t row = 0; row < codes.size(); ++row) {
    if (kept[row] == 0) continue;
    const std::uint32_t code = recode != nullptr ? (*recode)[codes[row]] : codes[row];
    if (renumber[code] == kNone) {
      values_out.push_back(labels[code - 1]);
      renumber[code] = static_cast<std::uint32_t>(values_out.size());
    }
    codes_out.push_back(renumber[code]);
  }
}

}  // namespace

AnonymiseResult anonymise(const CategoricalTable& table, const AnonymiseOptions& options) {
  validate(options);
  Problem problem;
  problem.records = table.rows();
  problem.k = options.k;
  problem.measure = options.measure;
  if (options.l) {
    problem.cap = *options.l;
    for (const std::string& name : options.sensitive)
      problem.sensitive.push_back(table.column(name));
  } else {
    for (const std::string& name : options.sensitive) table.column(name);  // must exist
  }
  for (const std::string& name : options.quasi_identifiers) {
    const std::size_t column = table.column(name);
    const auto given = options.hierarchies.find(name);
    problem.qis.push_back(prepare_qi(
        table, column,
        given != options.hierarchies.end() ? given->second : default_hierarchy(table, column)));
  }
  const std::size_t width = problem.qis.size();
  problem.stride.assign(width, 1);
  for (std::size_t q = width; q-- > 0;) {
    if (problem.qis[q].height > std::numeric_limits<std::uint8_t>::max()) {
      throw Error(Error::Kind::usage,
                  fmt::format("the hierarchy of \"{}\" has {} levels; at most {} are supported",
                              options.quasi_identifiers[q], problem.qis[q].height,
                              std::numeric_limits<std::uint8_t>::max()));
    }
    const std::size_t levels = problem.qis[q].height + 1;
    if (problem.lattice > kMaxLattice / levels) {
      throw Error(Error::Kind::usage,
                  fmt::format("the generalisation lattice has more than {} nodes; use fewer "
                              "quasi-identifiers or hierarchies with fewer levels",
                              kMaxLattice));
    }
    problem.stride[q] = problem.lattice;
    problem.lattice *= levels;
  }
  problem.total_level.resize(problem.lattice);
  for (std::size_t node = 0; node < problem.lattice; ++node) {
    problem.total_level[node] = static_cast<std::uint16_t>(total_level(levels_of(problem, node)));
  }
  // The budget in records; the product is widened by a few ulps so that,
  // say, 0.29 x 100 allows 29 records.
  problem.max_suppressed = static_cast<std::uint64_t>(
      std::min<double>(static_cast<double>(problem.records),
                       std::floor(options.max_suppression * static_cast<double>(problem.records) *
                                  (1.0 + 4 * DBL_EPSILON))));
  const std::size_t threads = detail::worker_count(options.threads);

  AnonymiseResult result;
  result.records = problem.records;
  result.measure = options.measure;
  result.lattice_size = problem.lattice;
  result.max_suppressed = problem.max_suppressed;

  // The bottom node's classes, from the records; bottom_of[row] is the
  // record's class there.
  Scratch scratch;
  FrequencySet bottom;
  std::vector<std::uint32_t> bottom_of;
  {
    const FrequencySet records = record_set(problem, table);
    bottom = roll_up(problem, records, records.levels, scratch, &bottom_of);
  }
  Search search(problem, std::move(bottom), threads, options.progress);
  std::size_t chosen = 0;
  if (problem.records > 0) {
    // The top node suppresses the fewest records of all (monotonicity): if it
    // is no solution, none is.
    const std::size_t top = problem.lattice - 1;
    search.evaluate({top});
    if (!search.outcome(top).feasible) {
      const Outcome& outcome = search.outcome(top);
      result.found = false;
      result.reason = fmt::format(
          "no generalisation satisfies {} within the suppression budget: even with every "
          "quasi-identifier fully generalised, {} of {} records ({:.1f}%) are in classes that "
          "violate it, and at most {} ({:.1f}%) may be suppressed",
          describe_model(problem), outcome.suppressed, problem.records,
          100.0 * static_cast<double>(outcome.suppressed) / static_cast<double>(problem.records),
          problem.max_suppressed, 100.0 * options.max_suppression);
      result.nodes_evaluated = search.nodes_evaluated();
      result.table.columns = table.columns;
      result.table.values.assign(table.columns.size(), {});
      result.table.codes.assign(table.columns.size(), {});
      result.table.source = table.source;
      search.report(problem.lattice);
      return result;
    }
    if (problem.measure == UtilityMeasure::loss) {
      search_loss(problem, search);
    } else {
      search_discernibility(problem, search);
    }
    chosen = *search.best();
  }
  search.report(problem.lattice);
  result.found = true;
  result.nodes_evaluated = search.nodes_evaluated();

  // The release: the records' classes at the chosen node, violating ones
  // removed.
  const std::vector<std::uint8_t> levels = levels_of(problem, chosen);
  std::vector<std::uint8_t> kept(problem.records, 1);
  Outcome outcome;
  {
    std::vector<std::uint32_t> class_of;  // per bottom class
    const FrequencySet classes = roll_up(problem, search.bottom(), levels, scratch, &class_of);
    outcome = assess(problem, classes);
    for (std::size_t row = 0; row < problem.records; ++row) {
      if (violates(problem, classes, class_of[bottom_of[row]])) kept[row] = 0;
    }
  }
  CategoricalTable& release = result.table;
  release.columns = table.columns;
  release.source = table.source;
  release.values.resize(table.columns.size());
  release.codes.resize(table.columns.size());
  for (std::size_t column = 0; column < table.columns.size(); ++column) {
    const QiData* qi = nullptr;
    for (const QiData& candidate : problem.qis) {
      if (candidate.column == column) qi = &candidate;
    }
    if (qi != nullptr) {
      const std::size_t level = levels[static_cast<std::size_t>(qi - problem.qis.data())];
      release_column(table.codes[column], qi->generalisation.labels[level],
                     &qi->generalisation.codes[level], kept, release.values[column],
                     release.codes[column]);
    } else {
      release_column(table.codes[column], table.values[column], nullptr, kept,
                     release.values[column], release.codes[column]);
    }
  }

  const auto records = static_cast<double>(problem.records);
  result.levels.assign(levels.begin(), levels.end());
  result.suppressed = outcome.suppressed;
  result.suppressed_share = problem.records == 0 ? 0.0 : outcome.suppressed / records;
  result.loss = outcome.loss;
  result.discernibility = outcome.discernibility;
  result.measure_value = measure_of(problem, outcome);
  result.classes = outcome.kept_classes;
  result.average_class_size =
      outcome.kept_classes == 0
          ? 0.0
          : static_cast<double>(problem.records - outcome.suppressed) / outcome.kept_classes;
  for (std::size_t q = 0; q < width; ++q) {
    const QiData& qi = problem.qis[q];
    QuasiIdentifierSummary summary;
    summary.column = table.columns[qi.column];
    summary.hierarchy = qi.hierarchy.name();
    summary.level = levels[q];
    summary.height = qi.height;
    summary.level_name = qi.hierarchy.level_names()[levels[q]];
    std::vector<std::uint8_t> used(table.values[qi.column].size() + 1, 0);
    for (const std::uint32_t code : table.codes[qi.column]) used[code] = 1;
    summary.values_before =
        static_cast<std::size_t>(std::count(used.begin() + 1, used.end(), std::uint8_t{1}));
    summary.values_after = release.values[qi.column].size();
    if (problem.records > 0) {
      const double extra = qi.leaves > 1 ? static_cast<double>(outcome.kept_extra[q]) /
                                               static_cast<double>(qi.leaves - 1)
                                         : 0.0;
      summary.loss = (extra + static_cast<double>(outcome.suppressed)) / records;
    }
    result.quasi_identifiers.push_back(std::move(summary));
  }
  return result;
}

CheckResult check_release(const AnonymiseResult& result, const AnonymiseOptions& options) {
  CheckOptions check;
  check.quasi_identifiers = options.quasi_identifiers;
  check.sensitive = options.sensitive;
  check.k = options.k;
  check.l = options.l;
  check.missing = MissingValues::category;
  check.threads = options.threads;
  return check_anonymity(result.table, check);
}

}  // namespace vigil::publish
