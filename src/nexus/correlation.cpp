#include "nexus/correlation.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>

#include "core/distributions.hpp"
#include "core/error.hpp"

namespace vigil::nexus {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
// R's cor.test takes Spearman's p-value from the exact null distribution of
// S up to this n (when there are no ties; by experiment, R 4.2.2 does so at
// n = 1290 too) ...
constexpr std::size_t kSpearmanExactUpTo = 1290;
// ... enumerating it up to this n and approximating it above by AS 89.
constexpr std::size_t kSpearmanEnumerateUpTo = 9;
// Fieller, Hartley & Pearson (1957): var(atanh(tau)) ~ 0.437 / (n - 4).
constexpr double kKendallFisherVariance = 0.437;

const char* method_name(CorrelationMethod method) {
  switch (method) {
    case CorrelationMethod::pearson:
      return "pearson";
    case CorrelationMethod::spearman:
      return "spearman";
    case CorrelationMethod::kendall:
      return "kendall";
  }
  return "?";
}

void validate(std::span<const double> x, std::span<const double> y, CorrelationMethod method,
              double confidence_level) {
  if (x.size() != y.size()) {
    throw Error(Error::Kind::usage,
                fmt::format("correlation: x has {} values but y has {}", x.size(), y.size()));
  }
  if (x.size() < 3) {
    throw Error(Error::Kind::usage, fmt::format("{} correlation needs at least 3 pairs, got {}",
                                                method_name(method), x.size()));
  }
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i]) || !std::isfinite(y[i])) {
      throw Error(Error::Kind::usage,
                  fmt::format("correlation: pair {} (counting from 1) has a missing or infinite "
                              "value; drop incomplete pairs first",
                              i + 1));
    }
  }
  if (!(confidence_level > 0 && confidence_level < 1)) {
    throw Error(Error::Kind::usage,
                fmt::format("correlation: confidence level {} is not in (0, 1)", confidence_level));
  }
}

bool is_constant(std::span<const double> values) {
  return std::all_of(values.begin(), values.end(),
                     [first = values.front()](double value) { return value == first; });
}

// The mean in long double, corrected by the mean of the residuals, which
// recovers most of the rounding error of the first sum.
long double accurate_mean(std::span<const double> values) {
  const auto n = static_cast<long double>(values.size());
  long double sum = 0;
  for (const double value : values) sum += value;
  const long double first = sum / n;
  long double residual = 0;
  for (const double value : values) residual += value - first;
  return first + residual / n;
}

// Pearson's r computed the way R's cor is (by experiment: R gives exactly
// +-1, t = Inf and p = 0 for exactly linear data, where plain double sums
// give 1 - 1e-16 and t ~ 1e8): sums of centred products in long double,
// variances and covariance rounded to double, then r clipped to [-1, 1].
double pearson_r(std::span<const double> x, std::span<const double> y) {
  const long double mean_x = accurate_mean(x);
  const long double mean_y = accurate_mean(y);
  long double sxx = 0;
  long double syy = 0;
  long double sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const long double dx = x[i] - mean_x;
    const long double dy = y[i] - mean_y;
    sxx += dx * dx;
    syy += dy * dy;
    sxy += dx * dy;
  }
  const auto scale = static_cast<long double>(x.size() - 1);
  const auto var_x = static_cast<double>(sxx / scale);
  const auto var_y = static_cast<double>(syy / scale);
  const auto cov = static_cast<double>(sxy / scale);
  return std::clamp(cov / (std::sqrt(var_x) * std::sqrt(var_y)), -1.0, 1.0);
}

// Ranks 1..n, tied values sharing the mean of their ranks.
std::vector<double> average_ranks(std::span<const double> values, bool& has_ties) {
  const std::size_t n = values.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(),
            [&values](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(n);
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first;
    while (last + 1 < n && values[order[last + 1]] == values[order[first]]) ++last;
    const double rank = 0.5 * static_cast<double>(first + last) + 1;
    for (std::size_t k = first; k <= last; ++k) ranks[order[k]] = rank;
    if (last > first) has_ties = true;
    first = last + 1;
  }
  return ranks;
}

// P(S >= s) (upper) or P(S <= s) under independence, by enumerating the n!
// permutations of the ranks; n <= 9, at most 362880 of them.
double spearman_enumerated(std::size_t n, std::int64_t s, bool upper) {
  std::vector<std::int64_t> permutation(n);
  std::iota(permutation.begin(), permutation.end(), std::int64_t{1});
  std::int64_t hits = 0;
  std::int64_t total = 0;
  do {
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::int64_t d = static_cast<std::int64_t>(i + 1) - permutation[i];
      sum += d * d;
    }
    if (upper ? sum >= s : sum <= s) ++hits;
    ++total;
  } while (std::next_permutation(permutation.begin(), permutation.end()));
  return static_cast<double>(hits) / static_cast<double>(total);
}

// P(S >= s) by Best & Roberts' Edgeworth series (AS 89): the normal tail of
// the standardised S with continuity correction s - 1, plus their fitted
// correction polynomial. Not clipped: far in the tails it leaves [0, 1].
double spearman_edgeworth_upper(double n, double s) {
  constexpr double kC[] = {0.2274, 0.2531, 0.1745, 0.0758, 0.1033, 0.3932,
                           0.0879, 0.0151, 0.0072, 0.0831, 0.0131, 4.6e-4};
  const double b = 1 / n;
  const double x = (6 * (s - 1) * b / (n * n - 1) - 1) * std::sqrt(n - 1);
  const double y = x * x;
  const double u =
      x * b *
      (kC[0] + b * (kC[1] + kC[2] * b) +
       y * (-kC[3] + b * (kC[4] + kC[5] * b) -
            y * b * (kC[6] + kC[7] * b - y * (kC[8] - kC[9] * b + y * b * (kC[10] - kC[11] * y)))));
  return u / std::exp(y / 2) + normal_upper_tail(x);
}

// Two-sided p-value of S without ties, n <= 1290, as R 4.2's cor.test
// (checked against it by experiment): twice the tail on the side of S away
// from its mean (n^3 - n) / 6, P(S' >= s) above the mean and
// P(S' <= s) = 1 - P(S' >= s + 2) at or below it (S' is always even), with
// AS 89's continuity correction at s - 1 and s + 1. Empty where the
// Edgeworth tail is not positive: R reports p = 0 there (e.g. rho = -0.78,
// n = 50, where the t approximation gives 3.6e-11), which vigil does not.
std::optional<double> spearman_exact_p(std::size_t n, double statistic, std::int64_t s) {
  const double size = static_cast<double>(n);
  const bool upper = statistic > (size * size * size - size) / 6;
  double tail = 0;
  if (n <= kSpearmanEnumerateUpTo) {
    tail = spearman_enumerated(n, s, upper);
  } else if (upper) {
    tail = spearman_edgeworth_upper(size, static_cast<double>(s));
  } else {
    tail = 1 - spearman_edgeworth_upper(size, static_cast<double>(s + 2));
  }
  if (!(tail > 0)) return std::nullopt;
  return std::min(1.0, 2 * tail);
}

// Sums over groups of tied values of sizes t: t(t-1), t(t-1)(2t+5) and
// t(t-1)(t-2), the terms of the tie-corrected variance of Kendall's S; and
// the number of tied pairs, sum t(t-1)/2.
struct TieSums {
  double pairs2 = 0;    // sum t(t-1)
  double variance = 0;  // sum t(t-1)(2t+5)
  double triples = 0;   // sum t(t-1)(t-2)
  std::int64_t tied_pairs = 0;

  void add(std::int64_t size) {
    const auto t = static_cast<double>(size);
    pairs2 += t * (t - 1);
    variance += t * (t - 1) * (2 * t + 5);
    triples += t * (t - 1) * (t - 2);
    tied_pairs += size * (size - 1) / 2;
  }
};

// Sorts `values` by a bottom-up merge sort, returning the number of
// exchanges, i.e. of pairs i < j with values[i] > values[j].
std::int64_t sort_counting_inversions(std::vector<double>& values) {
  const std::size_t n = values.size();
  std::vector<double> buffer(n);
  std::int64_t inversions = 0;
  for (std::size_t width = 1; width < n; width *= 2) {
    for (std::size_t low = 0; low < n; low += 2 * width) {
      const std::size_t middle = std::min(low + width, n);
      const std::size_t high = std::min(low + 2 * width, n);
      std::size_t i = low;
      std::size_t j = middle;
      std::size_t k = low;
      while (i < middle && j < high) {
        if (values[j] < values[i]) {
          inversions += static_cast<std::int64_t>(middle - i);
          buffer[k++] = values[j++];
        } else {
          buffer[k++] = values[i++];
        }
      }
      std::copy(values.begin() + static_cast<std::ptrdiff_t>(i),
                values.begin() + static_cast<std::ptrdiff_t>(middle),
                buffer.begin() + static_cast<std::ptrdiff_t>(k));
      k += middle - i;
      std::copy(values.begin() + static_cast<std::ptrdiff_t>(j),
                values.begin() + static_cast<std::ptrdiff_t>(high),
                buffer.begin() + static_cast<std::ptrdiff_t>(k));
    }
    values.swap(buffer);
  }
  return inversions;
}

struct KendallCounts {
  std::int64_t s = 0;  // concordant - discordant pairs
  TieSums x_ties;
  TieSums y_ties;
};

// Knight's algorithm: sort the pairs by x (then y), count the pairs tied in
// x and tied in both; merge-sort y counting exchanges, which are the
// discordant pairs; count the pairs tied in y. Then
// S = n0 - n_x - n_y + n_xy - 2 discordant, n0 = n(n-1)/2.
KendallCounts kendall_counts(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = x.size();
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&x, &y](std::size_t a, std::size_t b) {
    return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]);
  });
  KendallCounts counts;
  std::int64_t joint_tied_pairs = 0;
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first;
    while (last + 1 < n && x[order[last + 1]] == x[order[first]]) ++last;
    if (last > first) counts.x_ties.add(static_cast<std::int64_t>(last - first + 1));
    // Runs of equal y within the run of equal x: tied in both.
    for (std::size_t run = first; run <= last;) {
      std::size_t end = run;
      while (end + 1 <= last && y[order[end + 1]] == y[order[run]]) ++end;
      const auto size = static_cast<std::int64_t>(end - run + 1);
      joint_tied_pairs += size * (size - 1) / 2;
      run = end + 1;
    }
    first = last + 1;
  }
  std::vector<double> sorted_y(n);
  for (std::size_t i = 0; i < n; ++i) sorted_y[i] = y[order[i]];
  const std::int64_t discordant = sort_counting_inversions(sorted_y);
  for (std::size_t first = 0; first < n;) {
    std::size_t last = first;
    while (last + 1 < n && sorted_y[last + 1] == sorted_y[first]) ++last;
    if (last > first) counts.y_ties.add(static_cast<std::int64_t>(last - first + 1));
    first = last + 1;
  }
  const auto pairs = static_cast<std::int64_t>(n) * static_cast<std::int64_t>(n - 1) / 2;
  counts.s = pairs - counts.x_ties.tied_pairs - counts.y_ties.tied_pairs + joint_tied_pairs -
             2 * discordant;
  return counts;
}

// atanh(estimate) +- q se, transformed back; NaN with a warning when the
// standard error needs more pairs than there are.
void fisher_interval(Correlation& result, std::size_t min_n, double se) {
  if (result.n <= min_n) {
    result.ci_lower = kNan;
    result.ci_upper = kNan;
    result.warnings.push_back(fmt::format("no confidence interval: {} needs more than {} pairs",
                                          result.interval_method, min_n));
    return;
  }
  const double q = normal_quantile((1 + result.confidence_level) / 2);
  const double z = std::atanh(result.estimate);
  result.ci_lower = std::tanh(z - q * se);
  result.ci_upper = std::tanh(z + q * se);
}

void pearson(std::span<const double> x, std::span<const double> y, Correlation& result) {
  const double r = pearson_r(x, y);
  const double n = static_cast<double>(result.n);
  const double df = n - 2;
  result.estimate = r;
  result.statistic = std::sqrt(df) * r / std::sqrt(1 - r * r);
  result.p_value = 2 * student_t_upper_tail(std::abs(result.statistic), df);
  fisher_interval(result, 3, 1 / std::sqrt(n - 3));
}

void spearman(std::span<const double> x, std::span<const double> y, Correlation& result) {
  bool has_ties = false;
  const std::vector<double> x_ranks = average_ranks(x, has_ties);
  const std::vector<double> y_ranks = average_ranks(y, has_ties);
  const double rho = pearson_r(x_ranks, y_ranks);
  const double n = static_cast<double>(result.n);
  result.estimate = rho;
  result.statistic = (n * n * n - n) * (1 - rho) / 6;
  std::optional<double> exact;
  if (!has_ties && result.n <= kSpearmanExactUpTo) {
    // Without ties the ranks are whole numbers and S = sum d^2 is exact.
    std::int64_t s = 0;
    for (std::size_t i = 0; i < result.n; ++i) {
      const auto d = static_cast<std::int64_t>(x_ranks[i] - y_ranks[i]);
      s += d * d;
    }
    exact = spearman_exact_p(result.n, result.statistic, s);
    if (!exact) {
      result.warnings.push_back(
          "the Edgeworth series for the exact p-value (AS 89) fails this far in the tail, where R "
          "reports 0; the p-value is from the t approximation");
    }
  } else if (has_ties && result.n <= kSpearmanExactUpTo) {
    result.warnings.push_back(
        "ties: the p-value is from the t approximation, as an exact one needs untied data");
  }
  if (exact) {
    result.p_value = *exact;
  } else {
    const double t = rho * std::sqrt((n - 2) / (1 - rho * rho));
    result.p_value = 2 * student_t_upper_tail(std::abs(t), n - 2);
  }
  fisher_interval(result, 3, std::sqrt((1 + rho * rho / 2) / (n - 3)));
}

void kendall(std::span<const double> x, std::span<const double> y, Correlation& result) {
  const KendallCounts counts = kendall_counts(x, y);
  const double n = static_cast<double>(result.n);
  const double pairs = n * (n - 1) / 2;
  const auto s = static_cast<double>(counts.s);
  result.estimate = s / (std::sqrt(pairs - static_cast<double>(counts.x_ties.tied_pairs)) *
                         std::sqrt(pairs - static_cast<double>(counts.y_ties.tied_pairs)));
  const TieSums& tx = counts.x_ties;
  const TieSums& ty = counts.y_ties;
  const double variance = (n * (n - 1) * (2 * n + 5) - tx.variance - ty.variance) / 18 +
                          tx.pairs2 * ty.pairs2 / (2 * n * (n - 1)) +
                          tx.triples * ty.triples / (9 * n * (n - 1) * (n - 2));
  result.statistic = s / std::sqrt(variance);
  result.p_value = 2 * normal_upper_tail(std::abs(result.statistic));
  fisher_interval(result, 4, std::sqrt(kKendallFisherVariance / (n - 4)));
}

}  // namespace

Correlation correlate(std::span<const double> x, std::span<const double> y,
                      CorrelationMethod method, double confidence_level) {
  validate(x, y, method, confidence_level);
  Correlation result;
  result.method = method;
  result.confidence_level = confidence_level;
  result.n = x.size();
  switch (method) {
    case CorrelationMethod::pearson:
      result.statistic_name = "t";
      result.interval_method = "fisher_z";
      break;
    case CorrelationMethod::spearman:
      result.statistic_name = "S";
      result.interval_method = "fisher_z_bonett_wright";
      break;
    case CorrelationMethod::kendall:
      result.statistic_name = "z";
      result.interval_method = "fisher_z_fieller";
      break;
  }
  const bool x_constant = is_constant(x);
  if (x_constant || is_constant(y)) {
    result.estimate = result.statistic = result.p_value = kNan;
    result.ci_lower = result.ci_upper = kNan;
    result.warnings.push_back(
        fmt::format("{} is constant: the correlation is undefined", x_constant ? "x" : "y"));
    return result;
  }
  switch (method) {
    case CorrelationMethod::pearson:
      pearson(x, y, result);
      break;
    case CorrelationMethod::spearman:
      spearman(x, y, result);
      break;
    case CorrelationMethod::kendall:
      kendall(x, y, result);
      break;
  }
  return result;
}

}  // namespace vigil::nexus
