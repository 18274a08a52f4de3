// SparseMSE's bootstrap of the stepwise estimate (estimatepopulation; Chan,
// Silverman & Vincent 2021, JASA 116:1297-1306, section 3.3), with
// percentile and BCa intervals (Efron 1987, "Better bootstrap confidence
// intervals", JASA 82:171-185; DiCiccio & Efron 1996, Stat. Sci. 11:189-228).
//
// The procedure, as SparseMSE runs it:
// - Point estimate: the stepwise selection on the data.
// - Replicates: the n observed people resampled with replacement, i.e. cell
//   counts drawn from the multinomial(n, observed counts / n) (R's
//   rmultinom(1, n, counts)), the stepwise selection rerun on each replicate
//   table, so the interval carries the uncertainty of the model choice.
// - Bias correction: z0 = Phi^-1(share of replicates strictly below the
//   point estimate).
// - Acceleration: the jackknife over people. Removing any one person of a
//   history gives the same table, so each history with a positive count is
//   left out once (count - 1), and its estimate theta_(c) weighted by the
//   count: U_c = mean - theta_(c), mean = sum count_c theta_(c) / n,
//   a = sum count_c U_c^3 / (6 (sum count_c U_c^2)^(3/2)) (Efron 1987,
//   eq. 6.6, with the jackknife influence values).
// - Bounds: the replicates' quantiles (Hyndman & Fan 1996 type 8, R's
//   quantile(type = 8)) at Phi(z0 + (z0 + z_q) / (1 - a (z0 + z_q))) for the
//   nominal q = (1 - level)/2 and (1 + level)/2; the percentile interval takes
//   them at q itself (the BCa interval with z0 = a = 0).
//
// vigil draws its own random numbers (simulate::Rng, replicate r from
// substream r, so the replicates do not depend on how they are spread over
// threads), so its bounds differ from SparseMSE's by Monte Carlo error only.
//
// Replicates whose table has a list that observes nobody: vigil's stepwise
// selection refuses such a table (the main effect is at minus infinity), so
// the replicate is estimated as an analyst would, with that list left out.
// SparseMSE fits it anyway and its selection then never adds a pair (every
// candidate fails its existence check), which amounts to the main-effects
// estimate without the list. This only happens for lists of a handful of
// people (NewOrl's list B, 6 people: 0.2% of replicates). Replicates still
// without an estimate are NaN in `totals`, counted in `not_estimable`, and
// left out of the quantiles and of z0.
//
// Threads: each stepwise run solves GLPK linear programs. GLPK keeps its
// environment (memory pools, error hooks) per thread when built with
// thread-local storage, as Debian's 5.0 is (glp_config("TLS") names the
// keyword); glp_prob objects are created and deleted within each call, so
// concurrent calls share nothing. Without TLS the environment is global and
// the replicates run on the calling thread only. Each worker thread frees
// its GLPK environment before it ends (glp_free_env), as GLPK's manual asks
// of multi-threaded programs.
#include <glpk.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <numeric>
#include <span>
#include <system_error>
#include <thread>
#include <vector>

#include "core/error.hpp"
#include "mse/internal.hpp"
#include "mse/mse.hpp"
#include "simulate/random.hpp"

namespace vigil::mse {
namespace detail {

// R's quantile(x, p, type = 8) of sorted values: the median-unbiased
// estimate of Hyndman & Fan (1996), interpolating at position
// 1/3 + p (n + 1/3) and clamped to the smallest and largest values.
double quantile_type8(std::span<const double> sorted, double probability) {
  if (sorted.empty() || std::isnan(probability)) return std::numeric_limits<double>::quiet_NaN();
  const auto count = static_cast<double>(sorted.size());
  const double position = 1.0 / 3.0 + probability * (count + 1.0 / 3.0);
  // R allows for rounding in the position: 4 machine epsilons.
  constexpr double kFuzz = 4 * std::numeric_limits<double>::epsilon();
  const double whole = std::floor(position + kFuzz);
  double fraction = position - whole;
  if (std::abs(fraction) < kFuzz) fraction = 0;
  const auto at = [&sorted](double one_based) {
    const double index = std::clamp(one_based, 1.0, static_cast<double>(sorted.size()));
    return sorted[static_cast<std::size_t>(index) - 1];
  };
  const double below = at(whole);
  const double above = at(whole + 1);
  if (fraction == 0 || below == above) return below;
  return (1 - fraction) * below + fraction * above;
}

// z0 = Phi^-1(#{replicates < estimate} / B) (Efron 1987, eq. 2.8).
double bias_correction(std::span<const double> replicates, double estimate) {
  if (replicates.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto below = std::count_if(replicates.begin(), replicates.end(),
                                   [estimate](double value) { return value < estimate; });
  return normal_quantile(static_cast<double>(below) / static_cast<double>(replicates.size()));
}

// The probability at which the BCa interval reads the replicates for a
// nominal `probability` (Efron 1987, eq. 2.3).
double bca_probability(double bias_correction, double acceleration, double probability) {
  const double shifted = bias_correction + normal_quantile(probability);
  return normal_cdf(bias_correction + shifted / (1.0 - acceleration * shifted));
}

// a from jackknife estimates with their multiplicities (Efron 1987, eq. 6.6
// with U_i = mean - theta_(i)); 0 when every leave-one-out estimate is the
// same.
double jackknife_acceleration(std::span<const double> weights, std::span<const double> estimates) {
  double weight_sum = 0;
  double weighted_sum = 0;
  for (std::size_t index = 0; index < estimates.size(); ++index) {
    weight_sum += weights[index];
    weighted_sum += weights[index] * estimates[index];
  }
  if (weight_sum <= 0) return 0;
  const double mean = weighted_sum / weight_sum;
  double second = 0;
  double third = 0;
  for (std::size_t index = 0; index < estimates.size(); ++index) {
    const double influence = mean - estimates[index];
    second += weights[index] * influence * influence;
    third += weights[index] * influence * influence * influence;
  }
  if (second <= 0) return 0;
  return third / (6.0 * std::pow(second, 1.5));
}

}  // namespace detail

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// The same table without the given lists, which observe nobody (so no
// history is merged with the unobservable one).
CaptureHistories keep_lists(const CaptureHistories& table, const std::vector<std::size_t>& kept) {
  std::vector<std::string> names;
  names.reserve(kept.size());
  for (const std::size_t list_idx : kept) names.push_back(table.list_names()[list_idx]);
  std::vector<std::int64_t> counts(std::size_t{1} << kept.size(), 0);
  for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
    std::uint32_t reduced = 0;
    for (std::size_t bit = 0; bit < kept.size(); ++bit) {
      if ((pattern >> kept[bit] & 1U) != 0) reduced |= 1U << bit;
    }
    counts[reduced] += table.count(pattern);
  }
  return CaptureHistories(std::move(names), std::move(counts));
}

// The stepwise estimate of the total, with lists that observe nobody left
// out; NaN when there is none.
double stepwise_total(const CaptureHistories& table, double p_threshold) {
  std::vector<std::size_t> kept;
  for (std::size_t list_idx = 0; list_idx < table.list_count(); ++list_idx) {
    if (table.list_total(list_idx) > 0) kept.push_back(list_idx);
  }
  if (kept.size() < 2) return kNan;
  const MseResult result = kept.size() == table.list_count()
                               ? select_stepwise(table, p_threshold)
                               : select_stepwise(keep_lists(table, kept), p_threshold);
  return result.exists ? result.total : kNan;
}

std::vector<std::int64_t> counts_of(const CaptureHistories& table) {
  std::vector<std::int64_t> counts(table.cell_count());
  for (std::uint32_t pattern = 0; pattern < table.cell_count(); ++pattern) {
    counts[pattern] = table.count(pattern);
  }
  return counts;
}

// One multinomial replicate: n draws of a person uniformly among the n
// observed, each adding one to that person's history.
CaptureHistories resample(const CaptureHistories& table,
                          const std::vector<std::int64_t>& cumulative, simulate::Rng& rng) {
  std::vector<std::int64_t> counts(table.cell_count(), 0);
  const auto people = static_cast<std::uint64_t>(table.observed());
  for (std::uint64_t draw = 0; draw < people; ++draw) {
    const auto person = static_cast<std::int64_t>(rng.below(people));
    // The first history whose cumulative count exceeds the person's index.
    const auto cell = std::upper_bound(cumulative.begin(), cumulative.end(), person);
    ++counts[static_cast<std::size_t>(cell - cumulative.begin())];
  }
  return CaptureHistories(table.list_names(), std::move(counts));
}

unsigned worker_count(int requested, std::size_t tasks) {
  unsigned threads = requested > 0 ? static_cast<unsigned>(requested)
                                   : std::max(1U, std::thread::hardware_concurrency());
  // Without thread-local storage GLPK's environment is one global object.
  if (glp_config("TLS") == nullptr) threads = 1;
  return static_cast<unsigned>(std::min<std::size_t>(threads, std::max<std::size_t>(tasks, 1)));
}

}  // namespace

BootstrapResult bootstrap_stepwise(const CaptureHistories& table, const BootstrapOptions& options) {
  if (options.replicates < 1) {
    throw Error(Error::Kind::usage, "the bootstrap needs at least one replicate");
  }
  if (!(options.level > 0 && options.level < 1)) {
    throw Error(Error::Kind::usage, "the confidence level must be between 0 and 1");
  }
  if (options.threads < 0) {
    throw Error(Error::Kind::usage, "the number of threads must be 0 (every core) or more");
  }
  BootstrapResult result;
  result.percentile_lower = result.percentile_upper = kNan;
  result.bca_lower = result.bca_upper = kNan;
  result.bias_correction = result.acceleration = kNan;
  const double estimate = stepwise_total(table, options.p_threshold);
  if (std::isnan(estimate)) return result;  // nothing to bootstrap around

  // Tasks: first the jackknife (one per history with people), then the
  // replicates, so that progress, which counts replicates, ends with the work.
  std::vector<std::uint32_t> jackknife_cells;
  for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
    if (table.count(pattern) > 0) jackknife_cells.push_back(pattern);
  }
  const std::size_t jackknife_tasks = jackknife_cells.size();
  const auto replicates = static_cast<std::size_t>(options.replicates);
  const std::size_t task_count = jackknife_tasks + replicates;
  std::vector<double> jackknife(jackknife_tasks, kNan);
  result.totals.assign(replicates, kNan);

  const std::vector<std::int64_t> counts = counts_of(table);
  std::vector<std::int64_t> cumulative(counts.size());
  std::partial_sum(counts.begin(), counts.end(), cumulative.begin());
  const simulate::Rng root(options.seed);
  const auto run_task = [&](std::size_t task) {
    if (task < jackknife_tasks) {
      std::vector<std::int64_t> left_out = counts;
      --left_out[jackknife_cells[task]];
      jackknife[task] = stepwise_total(CaptureHistories(table.list_names(), std::move(left_out)),
                                       options.p_threshold);
    } else {
      const std::size_t replicate = task - jackknife_tasks;
      simulate::Rng rng = root.substream(replicate);
      result.totals[replicate] =
          stepwise_total(resample(table, cumulative, rng), options.p_threshold);
    }
  };

  // Work sharing: every thread, the calling one included, takes the next
  // task index until none is left; results go to their own slots, so they do
  // not depend on the schedule. Only the calling thread reports progress.
  std::atomic<std::size_t> next_task{0};
  std::atomic<std::size_t> replicates_done{0};
  std::atomic<bool> failed{false};
  std::mutex mutex;
  std::condition_variable changed;
  std::exception_ptr error;
  const auto work_one = [&]() {
    if (failed.load()) return false;
    const std::size_t task = next_task.fetch_add(1);
    if (task >= task_count) return false;
    try {
      run_task(task);
    } catch (...) {
      const std::lock_guard lock(mutex);
      if (!error) error = std::current_exception();
      failed.store(true);
      return false;
    }
    if (task >= jackknife_tasks) {
      replicates_done.fetch_add(1);
      changed.notify_one();
    }
    return true;
  };
  const unsigned threads = worker_count(options.threads, task_count);
  std::size_t running = 0;  // worker threads not yet finished
  std::size_t reported = 0;
  const std::size_t report_every = std::max<std::size_t>(1, replicates / 100);
  const auto report = [&](bool force) {
    const std::size_t done = replicates_done.load();
    if (!options.progress || done == reported) return;
    if (!force && done - reported < report_every && done != replicates) return;
    reported = done;
    options.progress(static_cast<int>(done), options.replicates);
  };
  {
    std::vector<std::jthread> workers;
    workers.reserve(threads - 1);
    for (unsigned worker = 1; worker < threads; ++worker) {
      // Counted under the lock, so that a worker cannot finish first; if the
      // system has no thread to give, the others share the work.
      const std::lock_guard lock(mutex);
      try {
        workers.emplace_back([&]() {
          while (work_one()) {
          }
          glp_free_env();
          {
            const std::lock_guard finished(mutex);
            --running;
          }
          changed.notify_one();
        });
      } catch (const std::system_error&) {
        break;
      }
      ++running;
    }
    while (work_one()) report(false);
    std::unique_lock lock(mutex);
    while (running > 0) {
      changed.wait_for(lock, std::chrono::milliseconds(100));
      lock.unlock();
      report(false);
      lock.lock();
    }
  }  // the workers are joined here
  if (error) std::rethrow_exception(error);
  report(true);

  std::vector<double> sorted;
  for (const double total : result.totals) {
    if (!std::isnan(total)) sorted.push_back(total);
  }
  result.not_estimable = static_cast<int>(replicates - sorted.size());
  if (sorted.empty()) return result;
  std::sort(sorted.begin(), sorted.end());

  std::vector<double> weights;
  std::vector<double> estimates;
  for (std::size_t task = 0; task < jackknife_tasks; ++task) {
    if (std::isnan(jackknife[task])) continue;
    weights.push_back(static_cast<double>(counts[jackknife_cells[task]]));
    estimates.push_back(jackknife[task]);
  }
  const double tail = 0.5 * (1.0 - options.level);
  result.percentile_lower = detail::quantile_type8(sorted, tail);
  result.percentile_upper = detail::quantile_type8(sorted, 1.0 - tail);
  result.bias_correction = detail::bias_correction(sorted, estimate);
  result.acceleration = detail::jackknife_acceleration(weights, estimates);
  result.bca_lower = detail::quantile_type8(
      sorted, detail::bca_probability(result.bias_correction, result.acceleration, tail));
  result.bca_upper = detail::quantile_type8(
      sorted, detail::bca_probability(result.bias_correction, result.acceleration, 1.0 - tail));
  return result;
}

}  // namespace vigil::mse
