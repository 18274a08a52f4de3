// Differentially private marginals (see dp.hpp).
//
// Why the threshold costs delta_tau in delta and ln(1/(1 - delta_tau)) in
// epsilon. Let D' = D plus one record x, and S the values of x that no record
// of D holds, in the thresholded columns (at most m of them, m the number of
// thresholded columns). Every output of M(D) shows no value of S. Let M~(D')
// be M run on D' with the values of S never released. M~(D') and M(D) differ
// only through Gaussian counts of values both datasets hold (x adds 1 to at
// most one of them per column) and through the k-way cells (x adds 1 to at
// most one cell per marginal): that is the rho-zCDP part, hence
// (eps0, delta0)-DP with eps0 = rho + 2 sqrt(rho ln(1/delta0)). The noise of
// the S counts is independent of everything else, and when none of them
// passes the threshold M(D') computes exactly what M~(D') does, so
//   M~(D') is distributed as M(D') given "no value of S released",
//   P(some value of S released) <= m * p1 = delta_tau,
// p1 = P(1 + sigma_1 Z > tau) = delta_tau / m being the chance that one
// singleton value passes. For any set A of outputs:
//   P[M(D') in A] <= P[M~(D') in A] + delta_tau
//                 <= e^eps0 P[M(D) in A] + delta0 + delta_tau,
//   P[M(D) in A]  <= e^eps0 P[M~(D') in A] + delta0
//                 <= e^eps0 / (1 - delta_tau) P[M(D') in A] + delta0,
// the last step because P[M(D') in A] >= (1 - delta_tau) P[M~(D') in A].
// Both directions hold with epsilon = eps0 + ln(1/(1 - delta_tau)) and
// delta = delta0 + delta_tau; the release solves for eps0 so that epsilon is
// exactly what was asked.
//
// Randomness: every marginal (the 1-way counts of attribute a are marginal
// a) draws its noise from its own std::mt19937_64 stream, seeded by SplitMix64
// from (seed, marginal index), in cell order; marginals are handed to threads
// whole, so the thread count cannot change any number.
#include "publish/dp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <limits>
#include <numeric>
#include <ostream>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "core/distributions.hpp"
#include "core/error.hpp"
#include "io/csv.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace {

Error usage(const std::string& message) {
  return Error(Error::Kind::usage, message);
}

bool valid_delta(double delta) {
  return std::isfinite(delta) && delta > 0.0 && delta < 1.0;
}

// Binomial coefficient as a double (exact below 2^53, which every use here
// is, the number of attribute sets being bounded by max_cells).
double choose(std::size_t n, std::size_t k) {
  if (k > n) return 0.0;
  k = std::min(k, n - k);
  double result = 1.0;
  for (std::size_t step = 1; step <= k; ++step) {
    result = result * static_cast<double>(n - k + step) / static_cast<double>(step);
  }
  return std::round(result);
}

// The attribute sets of length k over d attributes in lexicographic order.
std::vector<std::vector<std::size_t>> attribute_sets(std::size_t d, std::size_t k) {
  std::vector<std::vector<std::size_t>> sets;
  std::vector<std::size_t> current(k);
  std::iota(current.begin(), current.end(), std::size_t{0});
  while (true) {
    sets.push_back(current);
    std::size_t pos = k;
    while (pos > 0 && current[pos - 1] == d - k + pos - 1) --pos;
    if (pos == 0) break;
    ++current[pos - 1];
    for (std::size_t later = pos; later < k; ++later) current[later] = current[later - 1] + 1;
  }
  return sets;
}

constexpr std::size_t kNotReleased = std::numeric_limits<std::size_t>::max();

std::string format_number(double value) {
  return fmt::format("{:.6g}", value);
}

}  // namespace

// ---------------------------------------------------------------------------
// Accounting

double gaussian_rho(double l2_sensitivity, double sigma) {
  if (!(l2_sensitivity >= 0.0) || !std::isfinite(l2_sensitivity) || !(sigma > 0.0)) {
    throw usage("gaussian_rho: the sensitivity must be >= 0 and sigma > 0");
  }
  return l2_sensitivity * l2_sensitivity / (2.0 * sigma * sigma);
}

double gaussian_sigma(double l2_sensitivity, double rho) {
  if (!(l2_sensitivity > 0.0) || !std::isfinite(l2_sensitivity) || !(rho > 0.0)) {
    throw usage("gaussian_sigma: the sensitivity and rho must be > 0");
  }
  return l2_sensitivity / std::sqrt(2.0 * rho);
}

double zcdp_to_epsilon(double rho, double delta) {
  if (!(rho >= 0.0) || !std::isfinite(rho)) throw usage("rho must be a number >= 0");
  if (!valid_delta(delta)) throw usage("delta must be in (0, 1)");
  // Bun & Steinke 2016, Prop. 1.3.
  return rho + 2.0 * std::sqrt(rho * std::log(1.0 / delta));
}

double epsilon_to_zcdp(double epsilon, double delta) {
  if (!(epsilon > 0.0) || !std::isfinite(epsilon)) throw usage("epsilon must be a number > 0");
  if (!valid_delta(delta)) throw usage("delta must be in (0, 1)");
  // epsilon = s^2 + 2 s sqrt(L) with s = sqrt(rho), L = ln(1/delta), i.e.
  // (s + sqrt(L))^2 = epsilon + L. Written as epsilon^2 / (a + b)^2 with
  // a - b = epsilon / (a + b), which avoids cancelling a - b when epsilon
  // is small next to L.
  const double log_term = std::log(1.0 / delta);
  const double sum = std::sqrt(epsilon + log_term) + std::sqrt(log_term);
  const double root = epsilon / sum;
  return root * root;
}

PrivacyAccount::PrivacyAccount(double conversion_delta) : conversion_delta_(conversion_delta) {
  if (!valid_delta(conversion_delta)) throw usage("the conversion delta must be in (0, 1)");
}

double PrivacyAccount::add_gaussian(std::string what, double l2_sensitivity, double sigma) {
  const double rho = gaussian_rho(l2_sensitivity, sigma);
  charges_.push_back({std::move(what), l2_sensitivity, sigma, rho});
  return rho;
}

void PrivacyAccount::add_threshold(std::string what, double delta) {
  if (!valid_delta(delta)) throw usage("a threshold's delta must be in (0, 1)");
  thresholds_.push_back({std::move(what), delta});
}

double PrivacyAccount::total_rho() const {
  double total = 0.0;
  for (const auto& charge : charges_) total += charge.rho;
  return total;
}

double PrivacyAccount::threshold_delta() const {
  double total = 0.0;
  for (const auto& threshold : thresholds_) total += threshold.delta;
  return total;
}

double PrivacyAccount::epsilon() const {
  return zcdp_to_epsilon(total_rho(), conversion_delta_) - std::log1p(-threshold_delta());
}

double PrivacyAccount::delta() const {
  return conversion_delta_ + threshold_delta();
}

std::string PrivacyAccount::statement() const {
  std::string text;
  const auto line = [&text](const std::string& content) { text += content + '\n'; };
  line(fmt::format("This release satisfies ({}, {})-differential privacy.",
                   format_number(epsilon()), format_number(delta())));
  line(
      "Neighbouring datasets differ by one record (case) added or removed: whatever is "
      "released, its probability changes by at most a factor e^epsilon, plus delta, whether "
      "or not any one person's record is in the data.");
  line(
      "Noise is Gaussian, accounted under zero-concentrated differential privacy (zCDP; Bun & "
      "Steinke 2016, \"Concentrated differential privacy: simplifications, extensions, and "
      "lower bounds\", TCC): a query of L2 sensitivity D with noise N(0, sigma^2) is "
      "rho-zCDP with rho = D^2 / (2 sigma^2).");
  line("Charges:");
  for (std::size_t index = 0; index < charges_.size(); ++index) {
    const auto& charge = charges_[index];
    line(fmt::format("  {}. {}: L2 sensitivity {}, noise sd {}, rho {}", index + 1, charge.what,
                     format_number(charge.l2_sensitivity), format_number(charge.sigma),
                     format_number(charge.rho)));
  }
  line(fmt::format("zCDP composes additively: total rho = {}.", format_number(total_rho())));
  line(
      fmt::format("rho-zCDP implies (rho + 2 sqrt(rho ln(1/delta)), delta)-DP (Bun & Steinke "
                  "2016, Prop. 1.3); with delta = {}: epsilon = {}.",
                  format_number(conversion_delta_),
                  format_number(zcdp_to_epsilon(total_rho(), conversion_delta_))));
  for (const auto& threshold : thresholds_) {
    line(
        fmt::format("Threshold: {}. The chance that it reveals a value held by a single record "
                    "is at most {}, which adds {} to delta and ln(1/(1 - {})) = {} to epsilon.",
                    threshold.what, format_number(threshold.delta), format_number(threshold.delta),
                    format_number(threshold.delta), format_number(-std::log1p(-threshold.delta))));
  }
  line(
      "Everything computed from the noisy counts afterwards (rounding, clipping negative counts "
      "to zero, suppressing small counts, synthetic records) is post-processing and spends no "
      "further privacy budget.");
  line("The guarantee assumes the random seed of the noise was kept secret.");
  return text;
}

// ---------------------------------------------------------------------------
// Randomness

namespace detail {

std::uint64_t mix64(std::uint64_t value) {
  value += 0x9e3779b97f4a7c15ULL;
  value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9ULL;
  value = (value ^ (value >> 27)) * 0x94d049bb133111ebULL;
  return value ^ (value >> 31);
}

std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream) {
  return mix64(mix64(seed) ^ mix64(stream + 0x632be59bd9b4e019ULL));
}

double Random::normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Marsaglia & Bray 1964: a point uniform in the unit disc gives two
  // independent normals.
  double u = 0.0;
  double v = 0.0;
  double s = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(s) / s);
  spare_ = v * factor;
  has_spare_ = true;
  return u * factor;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Release

std::size_t NoisyMarginal::cell(std::span<const std::size_t> value_indices) const {
  if (value_indices.size() != shape.size()) {
    throw usage("NoisyMarginal::cell: one value index per attribute is needed");
  }
  std::size_t index = 0;
  for (std::size_t pos = 0; pos < shape.size(); ++pos) {
    if (value_indices[pos] >= shape[pos]) throw usage("NoisyMarginal::cell: index out of range");
    index = index * shape[pos] + value_indices[pos];
  }
  return index;
}

std::size_t DpRelease::marginal_index(std::vector<std::size_t> attribute_indices) const {
  const std::size_t d = attributes.size();
  const std::size_t k = attribute_indices.size();
  std::sort(attribute_indices.begin(), attribute_indices.end());
  if (k == 0 || k > reporting_length ||
      std::adjacent_find(attribute_indices.begin(), attribute_indices.end()) !=
          attribute_indices.end() ||
      attribute_indices.back() >= d) {
    throw usage("marginal_index: expected 1 to reporting_length distinct attribute indices");
  }
  // Marginals of shorter lengths come first; within length k, the
  // lexicographic rank of the set: for each position, the sets that agree
  // before it and hold a smaller index there.
  double offset = 0.0;
  for (std::size_t shorter = 1; shorter < k; ++shorter) offset += choose(d, shorter);
  double rank = 0.0;
  std::size_t first_free = 0;
  for (std::size_t pos = 0; pos < k; ++pos) {
    for (std::size_t smaller = first_free; smaller < attribute_indices[pos]; ++smaller) {
      rank += choose(d - 1 - smaller, k - 1 - pos);
    }
    first_free = attribute_indices[pos] + 1;
  }
  return static_cast<std::size_t>(offset + rank);
}

double DpRelease::estimated_records() const {
  // Each attribute's 1-way sum estimates the records; its noise variance is
  // (domain size) sigma_1^2, so inverse-variance weights are 1 / size.
  double weighted = 0.0;
  double weights = 0.0;
  for (std::size_t attribute = 0; attribute < attributes.size() && attribute < marginals.size();
       ++attribute) {
    const auto& noisy = marginals[attribute].noisy;
    if (noisy.empty()) continue;
    const double weight = 1.0 / static_cast<double>(noisy.size());
    weighted += weight * std::accumulate(noisy.begin(), noisy.end(), 0.0);
    weights += weight;
  }
  return weights > 0.0 ? std::max(0.0, weighted / weights) : 0.0;
}

DpRelease release_marginals(const CategoricalTable& table, const DpOptions& options) {
  // --- Options.
  std::vector<std::size_t> columns;
  if (options.columns.empty()) {
    columns.resize(table.columns.size());
    std::iota(columns.begin(), columns.end(), std::size_t{0});
  } else {
    for (const auto& name : options.columns) columns.push_back(table.column(name));
  }
  const std::size_t d = columns.size();
  if (d == 0) throw usage("release_marginals: no columns to release");
  {
    auto sorted = columns;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      throw usage("release_marginals: a column is named twice");
    }
  }
  if (table.rows() == 0) throw usage("release_marginals: the table has no records");
  const std::size_t r = options.reporting_length;
  if (r < 1 || r > d) {
    throw usage(
        fmt::format("release_marginals: the reporting length must be from 1 to {} (the "
                    "number of columns), got {}",
                    d, r));
  }
  if (!(options.epsilon > 0.0) || !std::isfinite(options.epsilon)) {
    throw usage("release_marginals: epsilon must be a number > 0");
  }
  if (!valid_delta(options.delta)) throw usage("release_marginals: delta must be in (0, 1)");
  if (!(options.threshold_delta_share > 0.0 && options.threshold_delta_share < 1.0)) {
    throw usage("release_marginals: the threshold's share of delta must be in (0, 1)");
  }
  std::vector<double> weights = options.length_weights;
  if (weights.empty()) weights.assign(r, 1.0);
  if (weights.size() != r || std::any_of(weights.begin(), weights.end(), [](double weight) {
        return !(weight > 0.0) || !std::isfinite(weight);
      })) {
    throw usage(fmt::format(
        "release_marginals: length_weights needs {} positive numbers (one per length)", r));
  }
  std::vector<bool> declared(d, false);
  for (const auto& [name, values] : options.declared_domains) {
    const std::size_t column = table.column(name);
    const auto found = std::find(columns.begin(), columns.end(), column);
    if (found == columns.end()) {
      throw usage(fmt::format(
          "release_marginals: a domain is declared for column {}, which is not released", name));
    }
    std::unordered_set<std::string> seen;
    for (const auto& value : values) {
      if (!seen.insert(value).second) {
        // The value comes from the caller's declaration, not from the data.
        throw usage(
            fmt::format("release_marginals: the declared domain of column {} lists a "
                        "value twice",
                        name));
      }
    }
    if (values.empty()) {
      throw usage(
          fmt::format("release_marginals: the declared domain of column {} is empty", name));
    }
    declared[static_cast<std::size_t>(found - columns.begin())] = true;
  }
  const std::size_t thresholded =
      static_cast<std::size_t>(std::count(declared.begin(), declared.end(), false));
  const std::size_t threads = detail::worker_count(options.threads);
  const std::uint64_t seed = options.seed ? *options.seed : [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ static_cast<std::uint64_t>(device());
  }();

  // --- Budget: delta_tau for the threshold, the rest for the conversion;
  // epsilon minus the threshold's ln(1/(1 - delta_tau)) for zCDP.
  const double threshold_delta =
      thresholded > 0 ? options.delta * options.threshold_delta_share : 0.0;
  const double conversion_delta = options.delta - threshold_delta;
  const double zcdp_epsilon = options.epsilon + std::log1p(-threshold_delta);
  if (!(zcdp_epsilon > 0.0)) {
    throw usage("release_marginals: epsilon is too small for the threshold's delta");
  }
  const double total_rho = epsilon_to_zcdp(zcdp_epsilon, conversion_delta);
  const double weight_sum = std::accumulate(weights.begin(), weights.end(), 0.0);

  DpRelease release;
  release.account = PrivacyAccount(conversion_delta);
  release.reporting_length = r;
  release.declared = declared;
  release.threshold_delta = threshold_delta;
  for (const std::size_t column : columns) release.attributes.push_back(table.columns[column]);
  release.rho.resize(r);
  release.sigma.resize(r);
  for (std::size_t length = 1; length <= r; ++length) {
    release.rho[length - 1] = total_rho * weights[length - 1] / weight_sum;
    release.sigma[length - 1] =
        gaussian_sigma(std::sqrt(choose(d, length)), release.rho[length - 1]);
  }
  const double sigma1 = release.sigma[0];
  // tau: 1 + sigma_1 Z > tau with probability delta_tau / m for a singleton.
  release.threshold =
      thresholded > 0
          ? 1.0 - sigma1 * normal_quantile(threshold_delta / static_cast<double>(thresholded))
          : std::numeric_limits<double>::infinity();

  // --- Step 1: domains and 1-way counts. domain_of[a][code] is the domain
  // index of the table's code in attribute a, or kNotReleased.
  std::vector<std::vector<std::size_t>> domain_of(d);
  release.domains.resize(d);
  release.marginals.resize(d);
  detail::parallel_tasks(d, threads, [&](std::size_t attribute) {
    const std::size_t column = columns[attribute];
    const auto& values = table.values[column];
    std::vector<double> counts(values.size() + 1, 0.0);
    for (const std::uint32_t code : table.codes[column]) counts[code] += 1.0;
    detail::Random random(detail::stream_seed(seed, attribute));
    auto& domain = release.domains[attribute];
    auto& noisy = release.marginals[attribute].noisy;
    auto& map = domain_of[attribute];
    map.assign(values.size() + 1, kNotReleased);
    const auto value_of = [&values](std::size_t code) {
      return code == 0 ? std::string() : values[code - 1];
    };
    if (declared[attribute]) {
      std::unordered_map<std::string, std::size_t> code_of;
      for (std::size_t code = 0; code <= values.size(); ++code) code_of[value_of(code)] = code;
      domain = options.declared_domains.at(table.columns[column]);
      for (std::size_t index = 0; index < domain.size(); ++index) {
        const auto found = code_of.find(domain[index]);
        const double count = found == code_of.end() ? 0.0 : counts[found->second];
        if (found != code_of.end()) map[found->second] = index;
        noisy.push_back(count + sigma1 * random.normal());
      }
    } else {
      // Values present in the data, by byte order, so that neither the order
      // of the file nor the order of the noise draws depends on it.
      std::vector<std::size_t> present;
      for (std::size_t code = 0; code <= values.size(); ++code) {
        if (counts[code] > 0.0) present.push_back(code);
      }
      std::sort(present.begin(), present.end(), [&](std::size_t left, std::size_t right) {
        return value_of(left) < value_of(right);
      });
      for (const std::size_t code : present) {
        const double value = counts[code] + sigma1 * random.normal();
        if (value > release.threshold) {
          map[code] = domain.size();
          domain.push_back(value_of(code));
          noisy.push_back(value);
        }
      }
    }
    release.marginals[attribute].attributes = {attribute};
    release.marginals[attribute].shape = {domain.size()};
  });

  // --- Step 2: k-way marginals over the released domains.
  double total_cells = 0.0;
  for (std::size_t attribute = 0; attribute < d; ++attribute) {
    total_cells += static_cast<double>(release.domains[attribute].size());
  }
  for (std::size_t length = 2; length <= r; ++length) {
    for (auto& set : attribute_sets(d, length)) {
      NoisyMarginal marginal;
      double cells = 1.0;
      for (const std::size_t attribute : set) {
        marginal.shape.push_back(release.domains[attribute].size());
        cells *= static_cast<double>(release.domains[attribute].size());
      }
      total_cells += cells;
      if (total_cells > static_cast<double>(options.max_cells)) break;
      marginal.attributes = std::move(set);
      release.marginals.push_back(std::move(marginal));
    }
    if (total_cells > static_cast<double>(options.max_cells)) break;
  }
  if (total_cells > static_cast<double>(options.max_cells)) {
    throw usage(
        fmt::format("release_marginals: the marginals up to length {} of {} columns have "
                    "more than {} cells (max_cells): drop columns or lower the reporting "
                    "length",
                    r, d, options.max_cells));
  }
  detail::parallel_tasks(release.marginals.size() - d, threads, [&](std::size_t task) {
    const std::size_t index = d + task;
    auto& marginal = release.marginals[index];
    std::size_t cells = 1;
    for (const std::size_t size : marginal.shape) cells *= size;
    std::vector<double> counts(cells, 0.0);
    for (std::size_t row = 0; row < table.rows(); ++row) {
      std::size_t cell = 0;
      bool released = true;
      for (std::size_t pos = 0; pos < marginal.attributes.size(); ++pos) {
        const std::size_t attribute = marginal.attributes[pos];
        const std::size_t value = domain_of[attribute][table.codes[columns[attribute]][row]];
        if (value == kNotReleased) {
          released = false;
          break;
        }
        cell = cell * marginal.shape[pos] + value;
      }
      if (released) counts[cell] += 1.0;
    }
    detail::Random random(detail::stream_seed(seed, index));
    const double sigma = release.sigma[marginal.length() - 1];
    for (double& count : counts) count += sigma * random.normal();
    marginal.noisy = std::move(counts);
  });

  // --- The account.
  release.account.add_gaussian(
      fmt::format("1-way counts of {} attribute{}{}", d, d == 1 ? "" : "s",
                  thresholded > 0 ? ", which also choose the released values" : ""),
      std::sqrt(static_cast<double>(d)), sigma1);
  for (std::size_t length = 2; length <= r; ++length) {
    const double sets = choose(d, length);
    release.account.add_gaussian(
        fmt::format("{}-way marginals ({} attribute sets, every cell of the released domains)",
                    length, format_number(sets)),
        std::sqrt(sets), release.sigma[length - 1]);
  }
  if (thresholded > 0) {
    release.account.add_threshold(
        fmt::format("values of {} column{} without a public domain are released only when their "
                    "noisy count exceeds {}",
                    thresholded, thresholded == 1 ? "" : "s", format_number(release.threshold)),
        threshold_delta);
  }
  return release;
}

// ---------------------------------------------------------------------------
// Publication

std::int64_t published_count(double noisy, double reporting_threshold) {
  if (!std::isfinite(noisy)) throw usage("published_count: the noisy count is not a number");
  const double rounded = std::max(0.0, std::round(noisy));
  if (rounded < reporting_threshold) return 0;
  return static_cast<std::int64_t>(rounded);
}

void write_marginals_csv(const DpRelease& release, std::ostream& out,
                         const MarginalsCsvOptions& options) {
  const std::size_t r = release.reporting_length;
  std::vector<std::string> fields{"length"};
  for (std::size_t pos = 1; pos <= r; ++pos) {
    fields.push_back(fmt::format("attribute_{}", pos));
    fields.push_back(fmt::format("value_{}", pos));
  }
  fields.push_back("count");
  io::write_csv_record(out, fields);
  std::vector<std::size_t> value_indices;
  for (const auto& marginal : release.marginals) {
    const std::size_t k = marginal.length();
    value_indices.assign(k, 0);
    for (std::size_t cell = 0; cell < marginal.noisy.size(); ++cell) {
      // Domain indices of `cell`, the last attribute varying fastest.
      std::size_t rest = cell;
      for (std::size_t pos = k; pos-- > 0;) {
        value_indices[pos] = rest % marginal.shape[pos];
        rest /= marginal.shape[pos];
      }
      const std::int64_t count = published_count(marginal.noisy[cell], options.reporting_threshold);
      if (count == 0 && !options.include_zeros) continue;
      fields.assign(1, std::to_string(k));
      for (std::size_t pos = 0; pos < r; ++pos) {
        if (pos < k) {
          const std::size_t attribute = marginal.attributes[pos];
          fields.push_back(release.attributes[attribute]);
          fields.push_back(release.domains[attribute][value_indices[pos]]);
        } else {
          fields.emplace_back();
          fields.emplace_back();
        }
      }
      fields.push_back(std::to_string(count));
      io::write_csv_record(out, fields);
    }
  }
}

void write_marginals_csv(const DpRelease& release, const std::string& path,
                         const MarginalsCsvOptions& options) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", path));
  write_marginals_csv(release, out, options);
  out.flush();
  if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", path));
}

}  // namespace vigil::publish
