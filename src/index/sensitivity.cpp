// Sobol' indices by the A, B, A_B^(i) design of Saltelli et al. (2010);
// sensitivity.hpp has the method, its references and the contract.
#include "index/sensitivity.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace vigil::index {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// Model evaluations handed to a thread at a time: enough that taking a chunk
// costs nothing next to the evaluations, few enough that the threads finish
// together and the progress line keeps moving.
constexpr std::size_t kChunkRows = 32;

// A resample's variance is a mean square minus a squared mean. Below this
// fraction of the mean square it is rounding left over from an output that
// is constant in that resample, and dividing by it would give an index of
// any size.
constexpr double kConstantVarianceFraction = 1e-10;

// Points and resamples come from separate streams of the seed, so that
// changing `bootstrap` leaves the points, and so the estimates, alone.
constexpr std::uint32_t kPointStream = 0;
constexpr std::uint32_t kResampleStream = 1;

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "sobol: " + message);
}

std::mt19937_64 make_generator(std::uint64_t seed, std::uint32_t stream) {
  std::seed_seq sequence{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32U),
                         stream};
  return std::mt19937_64(sequence);
}

// std::uniform_real_distribution is not specified bit for bit; the top 53
// bits of a draw are, and fill a double's mantissa exactly.
double uniform(std::mt19937_64& generator) {
  return static_cast<double>(generator() >> 11U) * 0x1.0p-53;
}

// Uniform on {0, ..., bound - 1}. Rejecting the 2^64 mod bound smallest draws
// leaves a multiple of bound equally likely ones, so the modulo is unbiased
// (std::uniform_int_distribution is not portable either).
std::uint64_t uniform_below(std::mt19937_64& generator, std::uint64_t bound) {
  const std::uint64_t threshold = (0 - bound) % bound;
  std::uint64_t draw = generator();
  while (draw < threshold) draw = generator();
  return draw % bound;
}

// The largest number of doubles any one buffer may hold: Eigen indexes with
// a signed type.
constexpr auto kMaxCells = static_cast<std::size_t>(std::numeric_limits<Index>::max());

std::size_t checked_product(std::size_t a, std::size_t b) {
  if (a != 0 && b > kMaxCells / a) {
    throw usage_error(fmt::format("the design does not fit in memory ({} x {} values)", a, b));
  }
  return a * b;
}

// R's quantile type 7 (linear interpolation between order statistics) of
// sorted values; NaN when there are none.
double quantile_type7(const std::vector<double>& sorted, double probability) {
  if (sorted.empty()) return kNan;
  const double position = static_cast<double>(sorted.size() - 1) * probability;
  const auto below = static_cast<std::size_t>(position);
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  return sorted[below] + (position - static_cast<double>(below)) * (sorted[above] - sorted[below]);
}

// Runs task(t) for t = 0, ..., tasks - 1 on up to `threads` threads, the
// calling one among them, and calls after_own_task() in the calling thread
// after each task that thread ran. The first exception stops new tasks from
// starting; once every thread is done, the exception of the lowest-numbered
// task that threw is rethrown, so which one reaches the caller does not
// depend on timing when only one row is at fault.
template <typename Task, typename AfterOwnTask>
void run_tasks(std::size_t tasks, std::size_t threads, const Task& task,
               const AfterOwnTask& after_own_task) {
  std::atomic<std::size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex failure_mutex;
  std::size_t failed_task = tasks;
  std::exception_ptr failure;
  const auto work = [&](bool calling_thread) {
    for (std::size_t t = next++; t < tasks && !failed; t = next++) {
      try {
        task(t);
        if (calling_thread) after_own_task();
      } catch (...) {
        const std::lock_guard lock(failure_mutex);
        if (t < failed_task) {
          failed_task = t;
          failure = std::current_exception();
        }
        failed = true;
      }
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t h = 1; h < std::min(threads, tasks); ++h) {
    // Without a helper the calling thread does its share of the tasks.
    try {
      helpers.emplace_back(work, false);
    } catch (const std::system_error&) {
      break;
    }
  }
  work(true);
  for (auto& helper : helpers) helper.join();
  if (failure) std::rethrow_exception(failure);
}

// The per-row terms whose sums over the rows of a resample give that
// resample's estimates, for one output with values centred by `shift`:
//   column 0           a + b            (a = f(A) - shift, b = f(B) - shift)
//   column 1           a^2 + b^2
//   column 2 + i       b d_i            (d_i = f(A_B^(i)) - f(A))
//   column 2 + k + i   d_i
//   column 2 + 2k + i  d_i^2
// Every estimator is then a function of sums, so a bootstrap resample is a
// vector of row counts and all the resamples of an output are one matrix
// product.
class Terms {
 public:
  Terms(std::size_t factors, std::size_t rows) : factors_(factors), rows_(rows) {}

  Index columns() const { return static_cast<Index>(2 + 3 * factors_); }
  Index sum_column() const { return 0; }
  Index square_column() const { return 1; }
  Index cross_column(std::size_t i) const { return static_cast<Index>(2 + i); }
  Index difference_column(std::size_t i) const { return static_cast<Index>(2 + factors_ + i); }
  Index squared_difference_column(std::size_t i) const {
    return static_cast<Index>(2 + 2 * factors_ + i);
  }

  // The estimates from the sums of the terms over `rows` rows counted with
  // their multiplicity, so that the same code serves the sample and its
  // resamples. A resample is centred again about its own mean, which is
  // within O(1 / sqrt(N)) standard deviations of `shift`, so taking the
  // squared mean from the mean square loses no accuracy to cancellation.
  struct Moments {
    double variance;  // NaN when the output is constant in these rows
    double mean;
  };
  Moments moments(const double* sums) const {
    const double pooled = 2.0 * static_cast<double>(rows_);
    const double mean = sums[sum_column()] / pooled;
    const double mean_square = sums[square_column()] / pooled;
    const double variance = mean_square - mean * mean;
    return {variance > kConstantVarianceFraction * mean_square ? variance : kNan, mean};
  }
  double first_order(const double* sums, const Moments& moments, std::size_t i) const {
    const double numerator = (sums[cross_column(i)] - moments.mean * sums[difference_column(i)]) /
                             static_cast<double>(rows_);
    return numerator / moments.variance;
  }
  double total(const double* sums, const Moments& moments, std::size_t i) const {
    return sums[squared_difference_column(i)] / (2.0 * static_cast<double>(rows_)) /
           moments.variance;
  }

 private:
  std::size_t factors_;
  std::size_t rows_;
};

}  // namespace

SobolIndices sobol_indices(std::size_t factors, std::size_t outputs, const Model& model,
                           const SobolOptions& options) {
  if (factors == 0) throw usage_error("there must be at least one factor");
  if (outputs == 0) throw usage_error("there must be at least one output");
  if (!model) throw usage_error("no model was given");
  if (options.base_samples < 2) {
    throw usage_error(fmt::format("base_samples must be at least 2, got {}", options.base_samples));
  }
  if (options.threads < 0) {
    throw usage_error(fmt::format("threads must be 0 (all) or more, got {}", options.threads));
  }
  if (options.bootstrap < 0) {
    throw usage_error(fmt::format("bootstrap must be 0 (none) or more, got {}", options.bootstrap));
  }
  if (!(options.confidence > 0.0 && options.confidence < 1.0)) {
    throw usage_error(
        fmt::format("confidence must be strictly between 0 and 1, got {}", options.confidence));
  }
  if (factors > kMaxCells / 4) throw usage_error(fmt::format("too many factors ({})", factors));

  const std::size_t k = factors;
  const std::size_t n = options.base_samples;
  const std::size_t p = outputs;
  const auto resamples = static_cast<std::size_t>(options.bootstrap);
  const std::size_t rows = checked_product(n, k + 2);
  const std::size_t threads = options.threads > 0
                                  ? static_cast<std::size_t>(options.threads)
                                  : std::max<std::size_t>(1, std::thread::hardware_concurrency());

  // Row-major, evaluation r at r * p, so that the model fills a contiguous
  // span. NaN until written (the contract for outputs the model skips).
  checked_product(n, resamples);  // the resamples' row counts
  std::vector<double> values(checked_product(rows, p), kNan);

  // Row j of [A B]: 2k consecutive draws, so that the first N rows do not
  // depend on how many rows follow.
  std::vector<double> a(n * k);
  std::vector<double> b(n * k);
  {
    auto generator = make_generator(options.seed, kPointStream);
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < k; ++i) a[j * k + i] = uniform(generator);
      for (std::size_t i = 0; i < k; ++i) b[j * k + i] = uniform(generator);
    }
  }

  // Evaluation r is row j = r mod N of block r / N: A, B, then A_B^(i).
  std::atomic<std::size_t> evaluated{0};
  const auto evaluate_chunk = [&](std::size_t chunk) {
    std::vector<double> u(k);
    const std::size_t first = chunk * kChunkRows;
    const std::size_t last = std::min(first + kChunkRows, rows);
    for (std::size_t r = first; r < last; ++r) {
      const std::size_t block = r / n;
      const std::size_t j = r % n;
      const double* from = (block == 1 ? b.data() : a.data()) + j * k;
      std::copy(from, from + k, u.begin());
      if (block >= 2) u[block - 2] = b[j * k + (block - 2)];
      model(std::span<const double>(u), std::span<double>(values.data() + r * p, p));
    }
    evaluated += last - first;
  };
  std::size_t reported = 0;
  const auto report = [&] {
    if (!options.progress) return;
    const std::size_t done = evaluated.load();
    if (done > reported) {
      reported = done;
      options.progress(done, rows);
    }
  };
  run_tasks((rows + kChunkRows - 1) / kChunkRows, threads, evaluate_chunk, report);
  if (options.progress && reported < rows) options.progress(rows, rows);

  // Resample r's row counts in column r. Counts rather than index lists turn
  // all of an output's resamples into one matrix product (see Terms).
  MatrixXd counts = MatrixXd::Zero(static_cast<Index>(n), static_cast<Index>(resamples));
  {
    auto generator = make_generator(options.seed, kResampleStream);
    for (std::size_t r = 0; r < resamples; ++r) {
      for (std::size_t draw = 0; draw < n; ++draw) {
        counts(static_cast<Index>(uniform_below(generator, n)), static_cast<Index>(r)) += 1.0;
      }
    }
  }

  const auto output_rows = static_cast<Index>(p);
  const auto factor_columns = static_cast<Index>(k);
  SobolIndices result;
  result.first_order = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.total = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.first_order_lower = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.first_order_upper = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.total_lower = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.total_upper = MatrixXd::Constant(output_rows, factor_columns, kNan);
  result.output_variance = VectorXd::Constant(output_rows, kNan);
  result.evaluations = rows;
  result.base_outputs.resize(static_cast<Index>(n), output_rows);
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t o = 0; o < p; ++o) {
      result.base_outputs(static_cast<Index>(j), static_cast<Index>(o)) = values[j * p + o];
    }
  }

  const double lower_probability = (1.0 - options.confidence) / 2.0;
  const double upper_probability = (1.0 + options.confidence) / 2.0;
  const Terms layout(k, n);
  const auto analyse_output = [&](std::size_t o) {
    const auto value = [&](std::size_t block, std::size_t j) {
      return values[(block * n + j) * p + o];
    };
    const auto oi = static_cast<Index>(o);

    for (std::size_t block = 0; block < k + 2; ++block) {
      for (std::size_t j = 0; j < n; ++j) {
        if (!std::isfinite(value(block, j))) return;
      }
    }
    double pooled_sum = 0.0;
    double smallest = value(0, 0);
    double largest = smallest;
    for (std::size_t block = 0; block < 2; ++block) {
      for (std::size_t j = 0; j < n; ++j) {
        pooled_sum += value(block, j);
        smallest = std::min(smallest, value(block, j));
        largest = std::max(largest, value(block, j));
      }
    }
    if (smallest == largest) {
      // Exactly constant: nothing to apportion, whatever rounding would say.
      result.output_variance(oi) = 0.0;
      return;
    }
    const double shift = pooled_sum / (2.0 * static_cast<double>(n));

    MatrixXd terms(static_cast<Index>(n), layout.columns());
    for (std::size_t j = 0; j < n; ++j) {
      const auto ji = static_cast<Index>(j);
      const double centred_a = value(0, j) - shift;
      const double centred_b = value(1, j) - shift;
      terms(ji, layout.sum_column()) = centred_a + centred_b;
      terms(ji, layout.square_column()) = centred_a * centred_a + centred_b * centred_b;
      for (std::size_t i = 0; i < k; ++i) {
        const double difference = value(2 + i, j) - value(0, j);
        terms(ji, layout.cross_column(i)) = centred_b * difference;
        terms(ji, layout.difference_column(i)) = difference;
        terms(ji, layout.squared_difference_column(i)) = difference * difference;
      }
    }

    const VectorXd sums = terms.colwise().sum().transpose();
    const auto moments = layout.moments(sums.data());
    result.output_variance(oi) = moments.variance;
    if (std::isnan(moments.variance)) return;
    for (std::size_t i = 0; i < k; ++i) {
      result.first_order(oi, static_cast<Index>(i)) = layout.first_order(sums.data(), moments, i);
      result.total(oi, static_cast<Index>(i)) = layout.total(sums.data(), moments, i);
    }
    if (resamples == 0) return;

    const MatrixXd resample_sums = terms.transpose() * counts;
    std::vector<std::vector<double>> first_orders(k);
    std::vector<std::vector<double>> totals(k);
    for (std::size_t r = 0; r < resamples; ++r) {
      const double* column = resample_sums.col(static_cast<Index>(r)).data();
      const auto resample_moments = layout.moments(column);
      if (std::isnan(resample_moments.variance)) continue;
      for (std::size_t i = 0; i < k; ++i) {
        first_orders[i].push_back(layout.first_order(column, resample_moments, i));
        totals[i].push_back(layout.total(column, resample_moments, i));
      }
    }
    for (std::size_t i = 0; i < k; ++i) {
      const auto ii = static_cast<Index>(i);
      std::sort(first_orders[i].begin(), first_orders[i].end());
      std::sort(totals[i].begin(), totals[i].end());
      result.first_order_lower(oi, ii) = quantile_type7(first_orders[i], lower_probability);
      result.first_order_upper(oi, ii) = quantile_type7(first_orders[i], upper_probability);
      result.total_lower(oi, ii) = quantile_type7(totals[i], lower_probability);
      result.total_upper(oi, ii) = quantile_type7(totals[i], upper_probability);
    }
  };
  run_tasks(p, threads, analyse_output, [] {});
  return result;
}

}  // namespace vigil::index
