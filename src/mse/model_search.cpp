#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <thread>

#include "core/error.hpp"
#include "mse/existence.hpp"
#include "mse/mse.hpp"

namespace vigil::mse {
namespace {

constexpr std::size_t kMaxSearchLists = 6;

struct Fitted {
  bool exists = false;
  double total = 0;
  double std_error = 0;
  double aic = 0;
  double bic = 0;
};

LogLinearModel model_of(std::uint32_t mask, const std::vector<Interaction>& pairs) {
  LogLinearModel model;
  for (std::size_t index = 0; index < pairs.size(); ++index) {
    if ((mask >> index & 1U) != 0) model.interactions.push_back(pairs[index]);
  }
  return model;
}

std::vector<RankedModel> best(const std::vector<Fitted>& fits,
                              const std::vector<Interaction>& pairs, std::size_t keep,
                              double Fitted::*criterion) {
  std::vector<std::uint32_t> order;
  for (std::uint32_t mask = 0; mask < fits.size(); ++mask) {
    if (fits[mask].exists) order.push_back(mask);
  }
  // Ties (equal criterion) in the order of the masks: fewer and earlier pairs first.
  const auto by_criterion = [&](std::uint32_t a, std::uint32_t b) {
    return fits[a].*criterion != fits[b].*criterion ? fits[a].*criterion < fits[b].*criterion
                                                    : a < b;
  };
  const std::size_t count = std::min(keep, order.size());
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(count), order.end(),
                    by_criterion);
  std::vector<RankedModel> out;
  for (std::size_t rank = 0; rank < count; ++rank) {
    const Fitted& fit = fits[order[rank]];
    RankedModel ranked;
    ranked.model = model_of(order[rank], pairs);
    ranked.total = fit.total;
    ranked.std_error = fit.std_error;
    ranked.aic = fit.aic;
    ranked.bic = fit.bic;
    out.push_back(std::move(ranked));
  }
  return out;
}

}  // namespace

ModelSearchResult search_all_models(const CaptureHistories& table,
                                    const ModelSearchOptions& options) {
  const std::size_t lists = table.list_count();
  if (lists > kMaxSearchLists) {
    throw Error(Error::Kind::usage,
                "an exhaustive search is offered for up to 6 lists (32,768 models); with more, "
                "use the stepwise method or merge lists");
  }
  std::vector<Interaction> pairs;
  for (std::size_t first = 0; first + 1 < lists; ++first) {
    for (std::size_t second = first + 1; second < lists; ++second) pairs.push_back({first, second});
  }
  const std::size_t models = std::size_t{1} << pairs.size();
  std::vector<Fitted> fits(models);

  // Each worker takes the next unfitted model; the results land in their own
  // slots, so the outcome does not depend on the number of threads.
  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> done{0};
  const auto work = [&]() {
    for (std::size_t mask = next++; mask < models; mask = next++) {
      const MseResult result =
          fit_log_linear(table, model_of(static_cast<std::uint32_t>(mask), pairs));
      Fitted& fit = fits[mask];
      fit.exists = result.exists;
      fit.total = result.total;
      fit.std_error = result.std_error;
      fit.aic = result.aic;
      fit.bic = result.bic;
      ++done;
    }
  };
  const unsigned hardware = std::max(1U, std::thread::hardware_concurrency());
  const auto threads = static_cast<std::size_t>(options.threads > 0 ? options.threads : hardware);
  std::vector<std::thread> workers;
  for (std::size_t index = 0; index < std::min(threads, models); ++index) {
    workers.emplace_back([&work]() {
      work();
      detail::release_thread_lp_environment();
    });
  }
  while (done.load() < models) {
    if (options.progress) options.progress(done.load(), models);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& worker : workers) worker.join();
  if (options.progress) options.progress(models, models);

  ModelSearchResult result;
  result.models = models;
  double min_aic = INFINITY;
  for (const Fitted& fit : fits) {
    if (!fit.exists) {
      ++result.not_estimable;
      continue;
    }
    min_aic = std::min(min_aic, fit.aic);
  }
  if (result.not_estimable == models) return result;
  double weight_sum = 0;
  for (const Fitted& fit : fits) {
    if (fit.exists) weight_sum += std::exp(-(fit.aic - min_aic) / 2);
  }
  for (const Fitted& fit : fits) {
    if (fit.exists)
      result.averaged_total += std::exp(-(fit.aic - min_aic) / 2) / weight_sum * fit.total;
  }
  for (const Fitted& fit : fits) {
    if (!fit.exists) continue;
    const double weight = std::exp(-(fit.aic - min_aic) / 2) / weight_sum;
    const double spread = fit.total - result.averaged_total;
    result.averaged_std_error +=
        weight * std::sqrt(fit.std_error * fit.std_error + spread * spread);
  }
  result.by_aic = best(fits, pairs, options.keep, &Fitted::aic);
  result.by_bic = best(fits, pairs, options.keep, &Fitted::bic);
  for (auto& ranked : result.by_aic)
    ranked.aic_weight = std::exp(-(ranked.aic - min_aic) / 2) / weight_sum;
  for (auto& ranked : result.by_bic)
    ranked.aic_weight = std::exp(-(ranked.aic - min_aic) / 2) / weight_sum;
  return result;
}

}  // namespace vigil::mse
