// Synthesis from noisy marginals and its evaluation (see synthesize.hpp).
//
// Randomness: sampling draws records in blocks of kBlock, block b from the
// stream stream_seed(seed, b); refinement round t, marginal m draws from
// stream_seed(seed, kRefineStream + t * (number of marginals) + m). Blocks
// are handed to threads whole and refinement is serial, so the thread count
// cannot change the output.
#include "publish/synthesize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <numeric>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace {

constexpr std::size_t kBlock = 4096;
constexpr std::uint64_t kRefineStream = std::uint64_t{1} << 40;
constexpr std::size_t kProbes = 16;
// At most this many earlier attributes (those sharing the most pairwise
// information with it) are candidate parents of an attribute, which bounds
// the parent sets tried at C(kParentCandidates, r - 1).
constexpr std::size_t kParentCandidates = 10;

Error usage(const std::string& message) {
  return Error(Error::Kind::usage, message);
}

// Domain indices of `cell` in a marginal of this shape (first slowest).
void decode_cell(std::size_t cell, const std::vector<std::size_t>& shape,
                 std::vector<std::size_t>& indices) {
  indices.resize(shape.size());
  for (std::size_t pos = shape.size(); pos-- > 0;) {
    indices[pos] = cell % shape[pos];
    cell /= shape[pos];
  }
}

// ---------------------------------------------------------------------------
// Steps 1 and 2: consistent, denoised marginals.

// Mutual consistency (Hay, Rastogi, Miklau & Suciu 2010, "Boosting the
// accuracy of differentially private histograms through consistency", VLDB;
// the attribute-set form of Qardaji, Yang & Li 2014, "PriView: practical
// differentially private release of marginal contingency tables", SIGMOD,
// also used by PrivSyn). The marginals overlap: the counts of a set A of
// attributes are measured by A's own marginal and by every longer marginal
// containing A (summing out the other attributes), each with independent
// noise. For each A shorter than r, in increasing length, the
// inverse-variance weighted mean of these estimates replaces each of them:
// every marginal containing A has the difference to the mean spread evenly
// over the cells that sum to each A cell. Processing shorter sets first keeps
// them consistent while longer ones are adjusted. Linear in the noisy counts,
// so unbiased; it only pools information.
std::vector<std::vector<double>> make_consistent(const DpRelease& release) {
  std::vector<std::vector<double>> counts(release.marginals.size());
  std::vector<double> variance(release.marginals.size());
  for (std::size_t index = 0; index < release.marginals.size(); ++index) {
    counts[index] = release.marginals[index].noisy;
    variance[index] = std::pow(release.sigma[release.marginals[index].length() - 1], 2);
  }
  std::vector<std::size_t> indices;
  std::vector<std::size_t> sub_indices;
  for (std::size_t index = 0; index < release.marginals.size(); ++index) {
    const auto& subset = release.marginals[index];
    if (subset.length() >= release.reporting_length) break;  // ordered by length
    // Marginals containing the subset, and where its attributes sit in them.
    std::vector<std::size_t> supersets;
    for (std::size_t other = 0; other < release.marginals.size(); ++other) {
      const auto& attributes = release.marginals[other].attributes;
      if (std::includes(attributes.begin(), attributes.end(), subset.attributes.begin(),
                        subset.attributes.end())) {
        supersets.push_back(other);
      }
    }
    if (supersets.size() < 2) continue;
    const std::size_t sub_cells = subset.noisy.size();
    // Each superset's projection and its variance per subset cell.
    std::vector<std::vector<double>> projections(supersets.size());
    std::vector<std::vector<std::size_t>> cell_maps(supersets.size());
    std::vector<double> weights(supersets.size());
    double weight_total = 0.0;
    for (std::size_t member = 0; member < supersets.size(); ++member) {
      const auto& marginal = release.marginals[supersets[member]];
      auto& map = cell_maps[member];
      map.resize(marginal.noisy.size());
      for (std::size_t cell = 0; cell < map.size(); ++cell) {
        decode_cell(cell, marginal.shape, indices);
        sub_indices.clear();
        for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
          if (std::binary_search(subset.attributes.begin(), subset.attributes.end(),
                                 marginal.attributes[pos])) {
            sub_indices.push_back(indices[pos]);
          }
        }
        map[cell] = subset.cell(sub_indices);
      }
      auto& projection = projections[member];
      projection.assign(sub_cells, 0.0);
      for (std::size_t cell = 0; cell < map.size(); ++cell) {
        projection[map[cell]] += counts[supersets[member]][cell];
      }
      const double summed = static_cast<double>(marginal.noisy.size() / sub_cells);
      weights[member] = 1.0 / (variance[supersets[member]] * summed);
      weight_total += weights[member];
    }
    std::vector<double> mean(sub_cells, 0.0);
    for (std::size_t member = 0; member < supersets.size(); ++member) {
      for (std::size_t cell = 0; cell < sub_cells; ++cell) {
        mean[cell] += weights[member] / weight_total * projections[member][cell];
      }
    }
    for (std::size_t member = 0; member < supersets.size(); ++member) {
      const std::size_t target = supersets[member];
      const double summed = static_cast<double>(release.marginals[target].noisy.size() / sub_cells);
      for (std::size_t cell = 0; cell < counts[target].size(); ++cell) {
        const std::size_t sub_cell = cell_maps[member][cell];
        counts[target][cell] += (mean[sub_cell] - projections[member][sub_cell]) / summed;
      }
    }
  }
  return counts;
}

// Norm-Sub (Zhang et al. 2021, PrivSyn): the non-negative vector
// with the given total closest to `noisy` in L2, max(noisy - lambda, 0) with
// lambda set so that the total comes out right (found by sorting).
void norm_sub(const std::vector<double>& noisy, double total, std::vector<double>& out) {
  out.assign(noisy.size(), 0.0);
  if (noisy.empty() || total <= 0.0) return;
  std::vector<double> sorted = noisy;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  // With the j largest cells kept, lambda = (sum of them - total) / j; the
  // right j is the largest one whose j-th cell stays above lambda.
  double kept_sum = 0.0;
  double lambda = 0.0;
  for (std::size_t kept = 1; kept <= sorted.size(); ++kept) {
    kept_sum += sorted[kept - 1];
    const double candidate = (kept_sum - total) / static_cast<double>(kept);
    if (sorted[kept - 1] - candidate <= 0.0) break;
    lambda = candidate;
  }
  // When the noisy cells sum to less than the total, lambda < 0 would add
  // the difference to every cell, zeros included: inventing combinations.
  // Keep the smaller total instead.
  lambda = std::max(lambda, 0.0);
  for (std::size_t cell = 0; cell < noisy.size(); ++cell) {
    out[cell] = std::max(0.0, noisy[cell] - lambda);
  }
}

std::vector<std::vector<double>> denoise(const DpRelease& release, double total, double noise_floor,
                                         bool closure) {
  std::vector<std::vector<double>> clean(release.marginals.size());
  const auto consistent = make_consistent(release);
  std::vector<std::size_t> indices;
  std::vector<std::size_t> sub_attributes;
  std::vector<std::size_t> sub_indices;
  for (std::size_t index = 0; index < release.marginals.size(); ++index) {
    const auto& marginal = release.marginals[index];
    auto& cells = clean[index];
    const double floor = noise_floor * release.sigma[marginal.length() - 1];
    std::vector<double> floored = consistent[index];
    for (double& count : floored) {
      if (count < floor) count = 0.0;
    }
    norm_sub(floored, total, cells);
    if (marginal.length() < 2 || !closure) continue;
    // Downward closure: every sub-combination one attribute shorter must be
    // non-zero. Shorter marginals come first, so they are already closed.
    for (std::size_t drop = 0; drop < marginal.length(); ++drop) {
      sub_attributes.clear();
      for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
        if (pos != drop) sub_attributes.push_back(marginal.attributes[pos]);
      }
      const std::size_t sub_index = release.marginal_index(sub_attributes);
      const auto& sub = release.marginals[sub_index];
      for (std::size_t cell = 0; cell < cells.size(); ++cell) {
        if (cells[cell] == 0.0) continue;
        decode_cell(cell, marginal.shape, indices);
        sub_indices.clear();
        for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
          if (pos != drop) sub_indices.push_back(indices[pos]);
        }
        if (clean[sub_index][sub.cell(sub_indices)] == 0.0) cells[cell] = 0.0;
      }
    }
  }
  return clean;
}

// ---------------------------------------------------------------------------
// Step 3: structure.

// I(X; rest) in nats from a table of non-negative counts over a marginal,
// X at position `x_pos`.
double mutual_information(const NoisyMarginal& marginal, const std::vector<double>& counts,
                          std::size_t x_pos) {
  const std::size_t x_size = marginal.shape[x_pos];
  std::size_t inner = 1;  // cells per step of X
  for (std::size_t pos = x_pos + 1; pos < marginal.length(); ++pos) inner *= marginal.shape[pos];
  const std::size_t rest_size = counts.size() / x_size;
  std::vector<double> px(x_size, 0.0);
  std::vector<double> prest(rest_size, 0.0);
  double total = 0.0;
  const auto split = [&](std::size_t cell) {
    const std::size_t outer = cell / (inner * x_size);
    const std::size_t x = (cell / inner) % x_size;
    return std::pair{x, outer * inner + cell % inner};
  };
  for (std::size_t cell = 0; cell < counts.size(); ++cell) {
    const auto [x, rest] = split(cell);
    px[x] += counts[cell];
    prest[rest] += counts[cell];
    total += counts[cell];
  }
  if (total <= 0.0) return 0.0;
  double information = 0.0;
  for (std::size_t cell = 0; cell < counts.size(); ++cell) {
    if (counts[cell] <= 0.0) continue;
    const auto [x, rest] = split(cell);
    information += counts[cell] / total * std::log(counts[cell] * total / (px[x] * prest[rest]));
  }
  return std::max(0.0, information);
}

std::size_t position_in(const NoisyMarginal& marginal, std::size_t attribute) {
  return static_cast<std::size_t>(
      std::find(marginal.attributes.begin(), marginal.attributes.end(), attribute) -
      marginal.attributes.begin());
}

void check_options(const DpRelease& release, const SynthesisOptions& options) {
  if (release.attributes.empty() || release.marginals.size() < release.attributes.size() ||
      release.sigma.size() != release.reporting_length) {
    throw usage("synthesize: the release holds no marginals");
  }
  if (!(options.noise_floor >= 0.0) || !std::isfinite(options.noise_floor)) {
    throw usage("synthesize: noise_floor must be a number >= 0");
  }
  if (!(options.usefulness >= 0.0) || !std::isfinite(options.usefulness)) {
    throw usage("synthesize: usefulness must be a number >= 0");
  }
  if (!(options.smoothing >= 0.0) || !std::isfinite(options.smoothing)) {
    throw usage("synthesize: smoothing must be a number >= 0");
  }
  if (options.max_parents && *options.max_parents + 1 > release.reporting_length) {
    throw usage(fmt::format("synthesize: max_parents must be at most {} (reporting length - 1)",
                            release.reporting_length - 1));
  }
  for (const auto& domain : release.domains) {
    if (domain.empty()) {
      throw usage(
          "synthesize: an attribute has no released value (raise epsilon, declare its "
          "domain or leave it out)");
    }
  }
}

std::vector<NetworkNode> build_network(const DpRelease& release,
                                       const std::vector<std::vector<double>>& clean,
                                       std::size_t max_parents, double usefulness) {
  const std::size_t d = release.attributes.size();
  const double records = release.estimated_records();
  // A marginal is useful when its cells hold on average at least
  // `usefulness` noise standard deviations (PrivBayes's theta-usefulness,
  // Zhang et al. 2017).
  const auto useful = [&](const std::vector<std::size_t>& set) {
    double cells = 1.0;
    for (const std::size_t attribute : set) {
      cells *= static_cast<double>(release.domains[attribute].size());
    }
    return records / cells >= usefulness * release.sigma[set.size() - 1];
  };
  std::vector<std::vector<double>> pairwise(d, std::vector<double>(d, 0.0));
  if (release.reporting_length >= 2) {
    for (std::size_t a = 0; a < d; ++a) {
      for (std::size_t b = a + 1; b < d; ++b) {
        const std::size_t index = release.marginal_index({a, b});
        pairwise[a][b] = pairwise[b][a] =
            mutual_information(release.marginals[index], clean[index], 0);
      }
    }
  }
  std::vector<NetworkNode> network;
  std::vector<bool> placed(d, false);
  // First: the attribute sharing the most information with the others.
  std::size_t first = 0;
  double best_total = -1.0;
  for (std::size_t a = 0; a < d; ++a) {
    const double total = std::accumulate(pairwise[a].begin(), pairwise[a].end(), 0.0);
    if (total > best_total) {
      best_total = total;
      first = a;
    }
  }
  network.push_back({first, {}, 0.0});
  placed[first] = true;
  while (network.size() < d) {
    NetworkNode best{d, {}, -1.0};
    for (std::size_t x = 0; x < d; ++x) {
      if (placed[x]) continue;
      if (best.attribute == d) best = {x, {}, 0.0};  // no parents at all
      std::vector<std::size_t> candidates;
      for (const auto& node : network) candidates.push_back(node.attribute);
      std::stable_sort(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
        return pairwise[x][a] > pairwise[x][b];
      });
      if (candidates.size() > kParentCandidates) candidates.resize(kParentCandidates);
      for (std::size_t size = 1; size <= std::min(max_parents, candidates.size()); ++size) {
        // Every subset of `size` candidates, by a selection mask.
        std::vector<bool> mask(candidates.size(), false);
        std::fill(mask.begin(), mask.begin() + static_cast<std::ptrdiff_t>(size), true);
        do {
          std::vector<std::size_t> set;
          for (std::size_t pos = 0; pos < candidates.size(); ++pos) {
            if (mask[pos]) set.push_back(candidates[pos]);
          }
          std::vector<std::size_t> parents = set;
          set.push_back(x);
          if (!useful(set)) continue;
          const std::size_t index = release.marginal_index(set);
          const double information = mutual_information(release.marginals[index], clean[index],
                                                        position_in(release.marginals[index], x));
          if (information > best.mutual_information) best = {x, std::move(parents), information};
        } while (std::prev_permutation(mask.begin(), mask.end()));
      }
    }
    // Parents strongest first (for the smoothing chain).
    std::stable_sort(best.parents.begin(), best.parents.end(), [&](std::size_t a, std::size_t b) {
      return pairwise[best.attribute][a] > pairwise[best.attribute][b];
    });
    placed[best.attribute] = true;
    network.push_back(std::move(best));
  }
  return network;
}

// ---------------------------------------------------------------------------
// Step 4: conditionals, as cumulative distributions per parent configuration
// (configuration index mixed-radix over the parents, strongest slowest).

struct Conditional {
  std::size_t attribute = 0;
  std::vector<std::size_t> parents;
  std::size_t values = 0;
  std::vector<double> cumulative;  // configurations x values
};

Conditional build_conditional(const DpRelease& release,
                              const std::vector<std::vector<double>>& clean,
                              const NetworkNode& node, double smoothing) {
  const std::size_t x_size = release.domains[node.attribute].size();
  // Level 0: P(x) from the 1-way counts (uniform when the noise left none).
  std::vector<double> level(x_size, 0.0);
  {
    const auto& counts = clean[node.attribute];
    const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
    for (std::size_t x = 0; x < x_size; ++x) {
      level[x] = total > 0.0 ? counts[x] / total : 1.0 / static_cast<double>(x_size);
    }
  }
  std::vector<std::size_t> indices;
  std::size_t configurations = 1;
  for (std::size_t depth = 1; depth <= node.parents.size(); ++depth) {
    std::vector<std::size_t> set(node.parents.begin(),
                                 node.parents.begin() + static_cast<std::ptrdiff_t>(depth));
    const std::size_t last_size = release.domains[set.back()].size();
    set.push_back(node.attribute);
    const std::size_t index = release.marginal_index(set);
    const auto& marginal = release.marginals[index];
    const std::size_t next_configurations = configurations * last_size;
    std::vector<double> counts(next_configurations * x_size, 0.0);
    for (std::size_t cell = 0; cell < clean[index].size(); ++cell) {
      if (clean[index][cell] == 0.0) continue;
      decode_cell(cell, marginal.shape, indices);
      std::size_t configuration = 0;
      for (std::size_t parent = 0; parent < depth; ++parent) {
        const std::size_t pos = position_in(marginal, node.parents[parent]);
        configuration = configuration * marginal.shape[pos] + indices[pos];
      }
      counts[configuration * x_size + indices[position_in(marginal, node.attribute)]] +=
          clean[index][cell];
    }
    const double pseudo = smoothing * release.sigma[depth];
    std::vector<double> next(next_configurations * x_size);
    for (std::size_t configuration = 0; configuration < next_configurations; ++configuration) {
      const double* prior = &level[(configuration / last_size) * x_size];
      const double* row = &counts[configuration * x_size];
      const double total = std::accumulate(row, row + x_size, 0.0);
      for (std::size_t x = 0; x < x_size; ++x) {
        next[configuration * x_size + x] =
            total + pseudo > 0.0 ? (row[x] + pseudo * prior[x]) / (total + pseudo) : prior[x];
      }
    }
    level = std::move(next);
    configurations = next_configurations;
  }
  Conditional conditional{node.attribute, node.parents, x_size, std::move(level)};
  for (std::size_t configuration = 0; configuration < configurations; ++configuration) {
    double running = 0.0;
    for (std::size_t x = 0; x < x_size; ++x) {
      running += conditional.cumulative[configuration * x_size + x];
      conditional.cumulative[configuration * x_size + x] = running;
    }
  }
  return conditional;
}

std::size_t draw(const double* cumulative, std::size_t size, double u) {
  const double target = u * cumulative[size - 1];
  const auto found = std::upper_bound(cumulative, cumulative + size, target);
  return std::min<std::size_t>(static_cast<std::size_t>(found - cumulative), size - 1);
}

// ---------------------------------------------------------------------------
// Step 6: refinement. columns[attribute][row] holds domain indices.

using Columns = std::vector<std::vector<std::uint32_t>>;

// Structural zeros of the 2-way marginals: cells whose denoised count is 0
// although independence of the two attributes would put at least
// kStructuralSigmas noise sds of records there (from the denoised 1-way
// counts). Such a zero is a fact of the data (a region where a language is
// not spoken), not noise hiding a small count; refinement avoids putting a
// record in one.
constexpr double kStructuralSigmas = 3.0;

// zeros[index][cell] for the 2-way marginals (empty for the others).
std::vector<std::vector<char>> structural_zeros(const DpRelease& release,
                                                const std::vector<std::vector<double>>& clean) {
  std::vector<std::vector<char>> zeros(release.marginals.size());
  if (release.reporting_length < 2) return zeros;
  const double floor = kStructuralSigmas * release.sigma[1];
  for (std::size_t index = 0; index < release.marginals.size(); ++index) {
    const auto& marginal = release.marginals[index];
    if (marginal.length() != 2) continue;
    const auto& first = clean[marginal.attributes[0]];
    const auto& second = clean[marginal.attributes[1]];
    const double first_total = std::accumulate(first.begin(), first.end(), 0.0);
    const double second_total = std::accumulate(second.begin(), second.end(), 0.0);
    zeros[index].assign(marginal.noisy.size(), 0);
    if (first_total <= 0.0 || second_total <= 0.0) continue;
    // Expected count under independence, n_a n_b / n, with n the geometric
    // mean of the two totals (they differ by noise).
    const double total = std::sqrt(first_total * second_total);
    for (std::size_t a = 0; a < marginal.shape[0]; ++a) {
      for (std::size_t b = 0; b < marginal.shape[1]; ++b) {
        const std::size_t cell = a * marginal.shape[1] + b;
        zeros[index][cell] = clean[index][cell] == 0.0 && first[a] * second[b] / total >= floor;
      }
    }
  }
  return zeros;
}

// A structural-zero check for one marginal: attribute `other` (outside the
// marginal) against the marginal's attribute at `position`, through the
// 2-way marginal `pair`.
struct Watch {
  std::size_t other = 0;
  std::size_t position = 0;
  std::size_t pair = 0;
  bool moved_first = false;  // the moved attribute is the pair's first
  std::size_t stride = 0;    // the pair's second attribute's domain size
};

void refine(const DpRelease& release, const std::vector<std::vector<double>>& clean,
            Columns& columns, std::size_t rows, std::size_t rounds, std::uint64_t seed) {
  const std::size_t d = release.attributes.size();
  const std::size_t marginals = release.marginals.size();
  const auto zeros = structural_zeros(release, clean);
  // Per marginal, the checks a move needs: only pairs with a structural zero.
  std::vector<std::vector<Watch>> watches(marginals);
  if (release.reporting_length >= 2) {
    for (std::size_t index = 0; index < marginals; ++index) {
      const auto& marginal = release.marginals[index];
      for (std::size_t other = 0; other < d; ++other) {
        const auto& attributes = marginal.attributes;
        if (std::find(attributes.begin(), attributes.end(), other) != attributes.end()) continue;
        for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
          const std::size_t moved = attributes[pos];
          const std::size_t pair = release.marginal_index({moved, other});
          const auto& pair_zeros = zeros[pair];
          if (std::find(pair_zeros.begin(), pair_zeros.end(), 1) == pair_zeros.end()) continue;
          watches[index].push_back(
              {other, pos, pair, moved < other, release.marginals[pair].shape[1]});
        }
      }
    }
  }
  // The marginals in increasing order of usefulness (rows per cell over the
  // noise sd), so that each round ends on the best measured ones: in
  // practice the 1-way counts.
  std::vector<double> usefulness(marginals);
  for (std::size_t index = 0; index < marginals; ++index) {
    const auto& marginal = release.marginals[index];
    usefulness[index] = static_cast<double>(rows) /
                        static_cast<double>(std::max<std::size_t>(1, marginal.noisy.size())) /
                        release.sigma[marginal.length() - 1];
  }
  std::vector<std::size_t> order(marginals);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return usefulness[a] < usefulness[b]; });
  std::vector<std::size_t> cell_of(rows);
  std::vector<std::size_t> members(rows);
  std::vector<std::size_t> indices;
  std::vector<std::size_t> start;
  std::vector<std::size_t> chosen;
  std::vector<std::size_t> sources;
  std::vector<double> shortfall_cumulative;
  for (std::size_t round = 0; round < rounds; ++round) {
    for (const std::size_t index : order) {
      const auto& marginal = release.marginals[index];
      const auto& target_counts = clean[index];
      const double target_total = std::accumulate(target_counts.begin(), target_counts.end(), 0.0);
      if (target_total <= 0.0) continue;
      const double scale = static_cast<double>(rows) / target_total;
      const std::size_t cells = target_counts.size();
      // Each record's cell, and the records of each cell (counting sort).
      std::fill(cell_of.begin(), cell_of.end(), 0);
      for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
        const auto& column = columns[marginal.attributes[pos]];
        const std::size_t size = marginal.shape[pos];
        for (std::size_t row = 0; row < rows; ++row)
          cell_of[row] = cell_of[row] * size + column[row];
      }
      start.assign(cells + 1, 0);
      for (std::size_t row = 0; row < rows; ++row) ++start[cell_of[row] + 1];
      for (std::size_t cell = 0; cell < cells; ++cell) start[cell + 1] += start[cell];
      chosen.assign(start.begin(), start.end() - 1);  // fill positions, then reused
      for (std::size_t row = 0; row < rows; ++row) members[chosen[cell_of[row]]++] = row;
      detail::Random random(detail::stream_seed(seed, kRefineStream + round * marginals + index));
      const auto pick = [&random](std::size_t size) {
        return std::min(size - 1,
                        static_cast<std::size_t>(random.uniform() * static_cast<double>(size)));
      };
      // How many records leave each cell with an excess; cumulative
      // shortfalls of the others.
      sources.clear();
      chosen.assign(cells, 0);
      shortfall_cumulative.assign(cells, 0.0);
      double shortfall = 0.0;
      for (std::size_t cell = 0; cell < cells; ++cell) {
        const std::size_t held = start[cell + 1] - start[cell];
        const double target = target_counts[cell] * scale;
        if (static_cast<double>(held) > target) {
          // Stochastic rounding keeps the expected move at the excess.
          const double excess = static_cast<double>(held) - target;
          auto count = static_cast<std::size_t>(excess);
          if (random.uniform() < excess - static_cast<double>(count)) ++count;
          sources.insert(sources.end(), std::min(count, held), cell);
        } else {
          shortfall += target - static_cast<double>(held);
        }
        shortfall_cumulative[cell] = shortfall;
      }
      if (sources.empty() || shortfall <= 0.0) continue;
      // Destinations by systematic sampling (one uniform start, equal
      // steps): each cell short of records gets the floor or the ceiling of
      // its share, with less variance than independent draws. The sources
      // are shuffled first so that a source cell's records are spread over
      // the destinations.
      for (std::size_t remaining = sources.size(); remaining > 1; --remaining) {
        std::swap(sources[remaining - 1], sources[pick(remaining)]);
      }
      const auto& watch = watches[index];
      // Does `row`, given the destination's values `indices`, have an
      // attribute in a structural zero with a moved one (a watch failing)?
      const auto clashes = [&](std::size_t row, const Watch& check) {
        const std::size_t moved_value = indices[check.position];
        const std::size_t other_value = columns[check.other][row];
        const std::size_t cell = check.moved_first ? moved_value * check.stride + other_value
                                                   : other_value * check.stride + moved_value;
        return zeros[check.pair][cell] != 0;
      };
      const auto fits = [&](std::size_t row) {
        return std::none_of(watch.begin(), watch.end(),
                            [&](const Watch& check) { return clashes(row, check); });
      };
      const double offset = random.uniform();
      const auto moves = static_cast<double>(sources.size());
      for (std::size_t move = 0; move < sources.size(); ++move) {
        const std::size_t source = sources[move];
        const std::size_t cell =
            draw(shortfall_cumulative.data(), cells, (static_cast<double>(move) + offset) / moves);
        decode_cell(cell, marginal.shape, indices);
        // The leaving record: a random one of the source cell's records not
        // yet moved, preferring (up to kProbes tries) one whose other
        // attributes fit the destination, so that nothing needs repair.
        std::size_t* candidates = members.data() + start[source] + chosen[source];
        const std::size_t left = start[source + 1] - start[source] - chosen[source];
        std::size_t slot = pick(left);
        for (std::size_t probe = 1; probe < kProbes && !watch.empty() && !fits(candidates[slot]);
             ++probe) {
          slot = pick(left);
        }
        std::swap(candidates[0], candidates[slot]);
        ++chosen[source];
        const std::size_t row = candidates[0];
        // Only the marginal's attributes move; another attribute that the
        // move still puts in a structural zero with one of them takes the
        // value of a record already in the destination cell (whose values
        // fit it).
        const std::size_t held = start[cell + 1] - start[cell];
        std::size_t donor = rows;
        for (const auto& check : watch) {
          if (held == 0 || !clashes(row, check)) continue;
          if (donor == rows) donor = members[start[cell] + pick(held)];
          columns[check.other][row] = columns[check.other][donor];
        }
        for (std::size_t pos = 0; pos < marginal.length(); ++pos) {
          columns[marginal.attributes[pos]][row] = static_cast<std::uint32_t>(indices[pos]);
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Evaluation helpers.

// Per column, codes unified between the original and a second table: the
// original's codes as they are, the second's mapped by value string (new
// strings get new codes).
struct UnifiedColumn {
  const std::vector<std::uint32_t>* original = nullptr;
  std::vector<std::uint32_t> other;
  std::vector<std::string> values;  // by unified code; "" at 0
};

UnifiedColumn unify(const CategoricalTable& original, std::size_t original_column,
                    const CategoricalTable& other, std::size_t other_column) {
  UnifiedColumn column;
  column.original = &original.codes[original_column];
  column.values.push_back("");
  std::unordered_map<std::string, std::uint32_t> code_of{{"", 0}};
  for (const auto& value : original.values[original_column]) {
    code_of.emplace(value, static_cast<std::uint32_t>(column.values.size()));
    column.values.push_back(value);
  }
  std::vector<std::uint32_t> translate;
  translate.push_back(0);
  for (const auto& value : other.values[other_column]) {
    const auto [slot, inserted] =
        code_of.emplace(value, static_cast<std::uint32_t>(column.values.size()));
    if (inserted) column.values.push_back(value);
    translate.push_back(slot->second);
  }
  for (const std::uint32_t code : other.codes[other_column])
    column.other.push_back(translate[code]);
  return column;
}

// The distinct combinations of the columns in `set` over the rows of the
// original followed by the rows of the other table, with their counts in
// each and one row holding each.
struct Combinations {
  std::vector<double> original;
  std::vector<double> other;
  std::vector<std::size_t> example;
};

// Combinations are counted in a dense array indexed by the mixed-radix
// number of their codes when that array is small; otherwise each column is
// folded into dense ids of the (combination so far, code) pairs by hashing.
constexpr std::size_t kDenseCombinations = std::size_t{1} << 20;

Combinations count_combinations(const std::vector<UnifiedColumn>& columns,
                                const std::vector<std::size_t>& set, std::size_t original_rows,
                                std::size_t other_rows) {
  const std::size_t rows = original_rows + other_rows;
  const auto code = [&](const UnifiedColumn& unified, std::size_t row) {
    return row < original_rows ? (*unified.original)[row] : unified.other[row - original_rows];
  };
  double product = 1.0;
  for (const std::size_t column : set)
    product *= static_cast<double>(columns[column].values.size());
  std::vector<std::size_t> keys(rows, 0);
  std::size_t key_count = 0;
  if (product <= static_cast<double>(kDenseCombinations)) {
    for (const std::size_t column : set) {
      const auto& unified = columns[column];
      for (std::size_t row = 0; row < rows; ++row) {
        keys[row] = keys[row] * unified.values.size() + code(unified, row);
      }
    }
    key_count = static_cast<std::size_t>(product);
  } else {
    for (const std::size_t column : set) {
      const auto& unified = columns[column];
      std::unordered_map<std::uint64_t, std::size_t> next_id;
      next_id.reserve(rows / 4 + 16);
      for (std::size_t row = 0; row < rows; ++row) {
        const std::uint64_t pair =
            (static_cast<std::uint64_t>(keys[row]) << 32) | code(unified, row);
        keys[row] = next_id.emplace(pair, next_id.size()).first->second;
      }
      key_count = next_id.size();
    }
  }
  std::vector<double> original(key_count, 0.0);
  std::vector<double> other(key_count, 0.0);
  std::vector<std::size_t> example(key_count, 0);
  for (std::size_t row = 0; row < rows; ++row) {
    (row < original_rows ? original : other)[keys[row]] += 1.0;
    example[keys[row]] = row;
  }
  Combinations combinations;
  for (std::size_t key = 0; key < key_count; ++key) {
    if (original[key] == 0.0 && other[key] == 0.0) continue;
    combinations.original.push_back(original[key]);
    combinations.other.push_back(other[key]);
    combinations.example.push_back(example[key]);
  }
  return combinations;
}

// Running sums for one length.
struct ComparisonSums {
  std::size_t original_combinations = 0;
  std::size_t compared_combinations = 0;
  std::size_t preserved = 0;
  std::size_t fabricated = 0;
  double absolute_error = 0.0;
  double relative_error = 0.0;

  void add(const ComparisonSums& other) {
    original_combinations += other.original_combinations;
    compared_combinations += other.compared_combinations;
    preserved += other.preserved;
    fabricated += other.fabricated;
    absolute_error += other.absolute_error;
    relative_error += other.relative_error;
  }
  CountComparison finish(std::size_t length) const {
    CountComparison comparison;
    comparison.length = length;
    comparison.original_combinations = original_combinations;
    comparison.compared_combinations = compared_combinations;
    if (original_combinations > 0) {
      const auto n = static_cast<double>(original_combinations);
      comparison.mean_absolute_error = absolute_error / n;
      comparison.mean_relative_error = relative_error / n;
      comparison.preserved_share = static_cast<double>(preserved) / n;
    }
    if (compared_combinations > 0) {
      comparison.fabricated_share =
          static_cast<double>(fabricated) / static_cast<double>(compared_combinations);
    }
    return comparison;
  }
};

// All sets of 1..r of d columns, grouped by length.
std::vector<std::vector<std::size_t>> all_sets(std::size_t d, std::size_t r) {
  std::vector<std::vector<std::size_t>> sets;
  for (std::size_t length = 1; length <= r; ++length) {
    std::vector<std::size_t> current(length);
    std::iota(current.begin(), current.end(), std::size_t{0});
    while (true) {
      sets.push_back(current);
      std::size_t pos = length;
      while (pos > 0 && current[pos - 1] == d - length + pos - 1) --pos;
      if (pos == 0) break;
      ++current[pos - 1];
      for (std::size_t later = pos; later < length; ++later)
        current[later] = current[later - 1] + 1;
    }
  }
  return sets;
}

SynthesisEvaluation evaluate(const CategoricalTable& original, const CategoricalTable& synthetic,
                             const std::vector<std::string>& columns, std::size_t r,
                             const DpRelease* release, double reporting_threshold) {
  const std::size_t d = columns.size();
  if (d == 0) throw usage("evaluate_synthesis: no columns to compare");
  if (r < 1 || r > d) {
    throw usage(
        fmt::format("evaluate_synthesis: the reporting length must be from 1 to {}, got {}", d, r));
  }
  std::vector<UnifiedColumn> unified;
  for (const auto& name : columns) {
    unified.push_back(unify(original, original.column(name), synthetic, synthetic.column(name)));
  }
  // Release domains indexed by unified code (kNone: not released).
  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  std::vector<std::vector<std::size_t>> released(d);
  if (release) {
    for (std::size_t column = 0; column < d; ++column) {
      auto& map = released[column];
      map.assign(unified[column].values.size(), kNone);
      std::unordered_map<std::string, std::size_t> index_of;
      for (std::size_t index = 0; index < release->domains[column].size(); ++index) {
        index_of.emplace(release->domains[column][index], index);
      }
      for (std::size_t code = 0; code < map.size(); ++code) {
        const auto found = index_of.find(unified[column].values[code]);
        if (found != index_of.end()) map[code] = found->second;
      }
    }
  }
  const auto sets = all_sets(d, r);
  std::vector<ComparisonSums> synthetic_sums(sets.size());
  std::vector<ComparisonSums> release_sums(sets.size());
  const std::size_t original_rows = original.rows();
  const std::size_t synthetic_rows = synthetic.rows();
  detail::parallel_tasks(sets.size(), detail::worker_count(0), [&](std::size_t set_index) {
    const auto& set = sets[set_index];
    const auto combinations = count_combinations(unified, set, original_rows, synthetic_rows);
    const std::size_t distinct = combinations.original.size();
    const auto& original_counts = combinations.original;
    const auto& synthetic_counts = combinations.other;
    const auto& example = combinations.example;
    auto& sums = synthetic_sums[set_index];
    for (std::size_t id = 0; id < distinct; ++id) {
      if (original_counts[id] > 0.0) {
        ++sums.original_combinations;
        const double error = std::abs(synthetic_counts[id] - original_counts[id]);
        sums.absolute_error += error;
        sums.relative_error += error / original_counts[id];
        if (synthetic_counts[id] > 0.0) ++sums.preserved;
      }
      if (synthetic_counts[id] > 0.0) {
        ++sums.compared_combinations;
        if (original_counts[id] == 0.0) ++sums.fabricated;
      }
    }
    if (!release) return;
    // The release's marginal of the same attributes.
    const auto& marginal = release->marginal(set);
    std::vector<std::int64_t> published(marginal.noisy.size());
    for (std::size_t cell = 0; cell < published.size(); ++cell) {
      published[cell] = published_count(marginal.noisy[cell], reporting_threshold);
    }
    std::vector<double> original_in_cell(published.size(), 0.0);
    auto& release_sum = release_sums[set_index];
    for (std::size_t id = 0; id < distinct; ++id) {
      if (original_counts[id] == 0.0) continue;
      const std::size_t row = example[id];
      std::size_t cell = 0;
      for (std::size_t pos = 0; pos < set.size(); ++pos) {
        const auto& column = unified[set[pos]];
        const std::uint32_t code =
            row < original_rows ? (*column.original)[row] : column.other[row - original_rows];
        const std::size_t index = released[set[pos]][code];
        if (index == kNone) {
          cell = kNone;
          break;
        }
        cell = cell * marginal.shape[pos] + index;
      }
      const double estimate = cell == kNone ? 0.0 : static_cast<double>(published[cell]);
      if (cell != kNone) original_in_cell[cell] += original_counts[id];
      ++release_sum.original_combinations;
      const double error = std::abs(estimate - original_counts[id]);
      release_sum.absolute_error += error;
      release_sum.relative_error += error / original_counts[id];
      if (estimate > 0.0) ++release_sum.preserved;
    }
    for (std::size_t cell = 0; cell < published.size(); ++cell) {
      if (published[cell] <= 0) continue;
      ++release_sum.compared_combinations;
      if (original_in_cell[cell] == 0.0) ++release_sum.fabricated;
    }
  });
  SynthesisEvaluation evaluation;
  std::size_t set_index = 0;
  for (std::size_t length = 1; length <= r; ++length) {
    ComparisonSums synthetic_total;
    ComparisonSums release_total;
    for (; set_index < sets.size() && sets[set_index].size() == length; ++set_index) {
      synthetic_total.add(synthetic_sums[set_index]);
      release_total.add(release_sums[set_index]);
    }
    evaluation.synthetic.push_back(synthetic_total.finish(length));
    if (release) evaluation.release.push_back(release_total.finish(length));
  }
  return evaluation;
}

}  // namespace

// ---------------------------------------------------------------------------

std::vector<NetworkNode> synthesis_network(const DpRelease& release,
                                           const SynthesisOptions& options) {
  check_options(release, options);
  const auto clean =
      denoise(release, release.estimated_records(), options.noise_floor, options.downward_closure);
  return build_network(release, clean, options.max_parents.value_or(release.reporting_length - 1),
                       options.usefulness);
}

CategoricalTable synthesize(const DpRelease& release, const SynthesisOptions& options) {
  check_options(release, options);
  const std::size_t d = release.attributes.size();
  const auto clean =
      denoise(release, release.estimated_records(), options.noise_floor, options.downward_closure);
  const auto network =
      build_network(release, clean, options.max_parents.value_or(release.reporting_length - 1),
                    options.usefulness);
  std::vector<Conditional> conditionals;
  for (const auto& node : network) {
    conditionals.push_back(build_conditional(release, clean, node, options.smoothing));
  }
  const auto rows = options.records
                        ? *options.records
                        : static_cast<std::size_t>(std::llround(release.estimated_records()));
  // Step 5: sampling, block by block; a record is built in `record` (domain
  // indices by attribute) and stored by column.
  Columns columns(d, std::vector<std::uint32_t>(rows, 0));
  const std::size_t blocks = (rows + kBlock - 1) / kBlock;
  detail::parallel_tasks(blocks, detail::worker_count(options.threads), [&](std::size_t block) {
    detail::Random random(detail::stream_seed(options.seed, block));
    std::vector<std::size_t> record(d, 0);
    const std::size_t end = std::min(rows, (block + 1) * kBlock);
    for (std::size_t row = block * kBlock; row < end; ++row) {
      for (const auto& conditional : conditionals) {
        std::size_t configuration = 0;
        for (const std::size_t parent : conditional.parents) {
          configuration = configuration * release.domains[parent].size() + record[parent];
        }
        record[conditional.attribute] =
            draw(&conditional.cumulative[configuration * conditional.values], conditional.values,
                 random.uniform());
      }
      for (std::size_t attribute = 0; attribute < d; ++attribute) {
        columns[attribute][row] = static_cast<std::uint32_t>(record[attribute]);
      }
    }
  });
  if (options.refinement_rounds > 0 && rows > 0) {
    refine(release, clean, columns, rows, options.refinement_rounds, options.seed);
  }
  // The table: "" is code 0, the other released values codes 1...
  CategoricalTable table;
  table.columns = release.attributes;
  table.source = "synthetic records";
  table.values.resize(d);
  table.codes.resize(d);
  for (std::size_t attribute = 0; attribute < d; ++attribute) {
    std::vector<std::uint32_t> code_of;
    for (const auto& value : release.domains[attribute]) {
      if (value.empty()) {
        code_of.push_back(0);
      } else {
        table.values[attribute].push_back(value);
        code_of.push_back(static_cast<std::uint32_t>(table.values[attribute].size()));
      }
    }
    auto& codes = table.codes[attribute];
    codes.resize(rows);
    for (std::size_t row = 0; row < rows; ++row) codes[row] = code_of[columns[attribute][row]];
  }
  return table;
}

SynthesisEvaluation evaluate_synthesis(const CategoricalTable& original,
                                       const CategoricalTable& synthetic,
                                       const std::vector<std::string>& columns,
                                       std::size_t reporting_length) {
  return evaluate(original, synthetic, columns, reporting_length, nullptr, 0.0);
}

SynthesisEvaluation evaluate_synthesis(const CategoricalTable& original,
                                       const CategoricalTable& synthetic, const DpRelease& release,
                                       double reporting_threshold) {
  return evaluate(original, synthetic, release.attributes, release.reporting_length, &release,
                  reporting_threshold);
}

}  // namespace vigil::publish
