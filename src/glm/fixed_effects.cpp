// Poisson pseudo-maximum likelihood with absorbed fixed effects; see
// fixed_effects.hpp for the contract and the literature.
#include "glm/fixed_effects.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <cmath>
#include <limits>
#include <system_error>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/internal.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

// Demeaning is iterative, so a regressor that lies in the span of the fixed
// effects comes out not as 0 but as noise a little above demean_tolerance
// times its norm (the conjugate-gradient residual bounds the error only up
// to the conditioning of the sweep). The alias threshold must sit well above
// that noise; 1e-9 also stays close to the 1e-11 of R's glm.fit QR, so that
// a genuinely informative regressor is not thrown away.
constexpr double kAliasFloor = 1e-9;
constexpr double kAliasPerDemeanTolerance = 100;

// The first IRLS steps only need to point the right way: demeaning them to
// 1e-12 would waste most of the work (Correia, Guimarães & Zylkin 2020).
constexpr double kFirstDemeanTolerance = 1e-4;

// As in fit_glm: a fitted value below this fraction of the largest is
// numerically 0, the sign of a coefficient heading to -infinity.
constexpr double kNumericallyZeroFraction = 1e-11;
constexpr int kMaxHalvings = 60;

// Below this many numbers to demean, starting threads costs more than it
// saves (only when the caller leaves the thread count to us).
constexpr Index kNumbersPerThread = 50000;

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "fixed-effects Poisson: " + message);
}

// ---------------------------------------------------------------------------
// Level codes.

// Dense codes 0, 1, ... (in increasing order of the original code) of
// codes[rows[i]], and their number. A direct lookup table when the codes are
// small enough for one, sorting otherwise, so that codes like 10^9 cost no
// memory.
std::vector<int> dense_codes(const std::vector<int>& codes, const std::vector<Index>& rows,
                             int& levels) {
  std::vector<int> dense(rows.size());
  levels = 0;
  if (rows.empty()) return dense;
  int largest = 0;
  for (const Index i : rows) largest = std::max(largest, codes[static_cast<std::size_t>(i)]);
  if (static_cast<std::size_t>(largest) <= 4 * rows.size() + 1024) {
    std::vector<int> table(static_cast<std::size_t>(largest) + 1, -1);
    for (const Index i : rows)
      table[static_cast<std::size_t>(codes[static_cast<std::size_t>(i)])] = 0;
    for (int& entry : table) {
      if (entry == 0) entry = levels++;
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
      dense[r] = table[static_cast<std::size_t>(codes[static_cast<std::size_t>(rows[r])])];
    }
  } else {
    std::vector<int> distinct;
    distinct.reserve(rows.size());
    for (const Index i : rows) distinct.push_back(codes[static_cast<std::size_t>(i)]);
    std::sort(distinct.begin(), distinct.end());
    distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
    levels = static_cast<int>(distinct.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const int code = codes[static_cast<std::size_t>(rows[r])];
      dense[r] = static_cast<int>(std::lower_bound(distinct.begin(), distinct.end(), code) -
                                  distinct.begin());
    }
  }
  return dense;
}

// ---------------------------------------------------------------------------
// Weighted demeaning by symmetric alternating projections with
// conjugate-gradient acceleration.
//
// P_k, the W-orthogonal projection that subtracts from a vector its W-
// weighted mean within each level of dimension k, is self-adjoint in the
// inner product <a, b> = sum W a b, and so is the symmetric sweep
// T = P_1 P_2 ... P_K ... P_2 P_1. T leaves exactly the vectors orthogonal
// to every fixed effect unchanged, and shrinks the rest. Demeaning v means
// finding u in the span of the fixed effects with (I - T)(v - u) = 0, a
// positive semi-definite system solved by conjugate gradients
// (Hernández-Ramos, Escalante & Raydan 2011): each iteration costs one sweep,
// and converges far faster than repeating sweeps when the levels are poorly
// connected (a destination seen from few origins).

struct Dimension {
  std::vector<int> codes;  // dense, one per row used
  int levels = 0;
};

// Scratch space of one thread, allocated before threads start so that a
// worker cannot fail.
struct Workspace {
  Workspace(Index rows, const std::vector<Dimension>& dimensions)
      : swept(rows), residual(rows), direction(rows), image(rows) {
    for (const auto& dimension : dimensions) {
      means.emplace_back(static_cast<std::size_t>(dimension.levels));
    }
  }
  VectorXd swept, residual, direction, image;
  std::vector<std::vector<double>> means;  // per dimension
};

struct DemeanOutcome {
  int iterations = 0;
  bool converged = true;
};

class Demeaner {
 public:
  explicit Demeaner(std::vector<Dimension> dimensions) : dimensions_(std::move(dimensions)) {
    const auto k = static_cast<int>(dimensions_.size());
    for (int s = 0; s < 2 * k - 1; ++s) order_.push_back(s < k ? s : 2 * k - 2 - s);
    inverse_level_weight_.resize(dimensions_.size());
  }

  const std::vector<Dimension>& dimensions() const { return dimensions_; }

  // The working weights of the current IRLS step.
  void set_weights(const VectorXd& weights) {
    weights_ = &weights;
    for (std::size_t k = 0; k < dimensions_.size(); ++k) {
      auto& inverse = inverse_level_weight_[k];
      inverse.assign(static_cast<std::size_t>(dimensions_[k].levels), 0.0);
      const auto& codes = dimensions_[k].codes;
      for (std::size_t i = 0; i < codes.size(); ++i) {
        inverse[static_cast<std::size_t>(codes[i])] += weights(static_cast<Index>(i));
      }
      for (double& value : inverse) value = 1.0 / value;
    }
  }

  double weighted_dot(const VectorXd& a, const VectorXd& b) const {
    return (weights_->array() * a.array() * b.array()).sum();
  }

  // Replaces `column` by its demeaned self. The iteration stops when one
  // more sweep would change it by less than `tolerance * scale` in the
  // weighted norm.
  DemeanOutcome demean(Eigen::Ref<VectorXd> column, double scale, double tolerance,
                       int max_iterations, Workspace& work) const {
    DemeanOutcome outcome;
    const double threshold = tolerance * tolerance * scale * scale;
    sweep(column, work.swept, work);
    work.residual = column - work.swept;
    double rr = weighted_dot(work.residual, work.residual);
    if (rr <= threshold) return outcome;
    work.direction = work.residual;
    const Index rows = column.size();
    const double* w = weights_->data();
    double* x = column.data();
    double* r = work.residual.data();
    double* d = work.direction.data();
    const double* swept = work.swept.data();
    double* image = work.image.data();
    // The vector updates of each iteration share passes over the rows.
    while (outcome.iterations < max_iterations) {
      ++outcome.iterations;
      sweep(work.direction, work.swept, work);
      double curvature = 0;  // <d, (I - T) d>
      for (Index i = 0; i < rows; ++i) {
        image[i] = d[i] - swept[i];
        curvature += w[i] * d[i] * image[i];
      }
      // Only rounding can make this non-positive: the direction is then
      // numerically orthogonal to everything left to remove.
      if (!(curvature > 0)) break;
      const double step = rr / curvature;
      double rr_next = 0;
      for (Index i = 0; i < rows; ++i) {
        x[i] -= step * d[i];
        r[i] -= step * image[i];
        rr_next += w[i] * r[i] * r[i];
      }
      if (rr_next <= threshold) return outcome;
      const double beta = rr_next / rr;
      for (Index i = 0; i < rows; ++i) d[i] = r[i] + beta * d[i];
      rr = rr_next;
    }
    outcome.converged = false;
    return outcome;
  }

 private:
  // out = T in. The subtraction of one projection's means and the sums of
  // the next projection share a pass over the rows.
  void sweep(const Eigen::Ref<const VectorXd>& in, VectorXd& out, Workspace& work) const {
    const Index rows = in.size();
    const double* w = weights_->data();
    const auto finish_means = [&](int k) {
      auto& means = work.means[static_cast<std::size_t>(k)];
      const auto& inverse = inverse_level_weight_[static_cast<std::size_t>(k)];
      for (std::size_t l = 0; l < means.size(); ++l) means[l] *= inverse[l];
    };
    const auto codes_of = [&](int k) {
      return dimensions_[static_cast<std::size_t>(k)].codes.data();
    };

    int current = order_.front();
    {
      auto& sums = work.means[static_cast<std::size_t>(current)];
      std::fill(sums.begin(), sums.end(), 0.0);
      const int* codes = codes_of(current);
      for (Index i = 0; i < rows; ++i) sums[static_cast<std::size_t>(codes[i])] += w[i] * in(i);
      finish_means(current);
    }
    const double* source = in.data();
    double* target = out.data();
    for (std::size_t s = 1; s < order_.size(); ++s) {
      const int next = order_[s];
      const double* means = work.means[static_cast<std::size_t>(current)].data();
      const int* codes = codes_of(current);
      auto& sums = work.means[static_cast<std::size_t>(next)];
      std::fill(sums.begin(), sums.end(), 0.0);
      double* next_sums = sums.data();
      const int* next_codes = codes_of(next);
      for (Index i = 0; i < rows; ++i) {
        const double value = source[i] - means[codes[i]];
        target[i] = value;
        next_sums[next_codes[i]] += w[i] * value;
      }
      finish_means(next);
      source = target;
      current = next;
    }
    const double* means = work.means[static_cast<std::size_t>(current)].data();
    const int* codes = codes_of(current);
    for (Index i = 0; i < rows; ++i) target[i] = source[i] - means[codes[i]];
  }

  std::vector<Dimension> dimensions_;
  std::vector<int> order_;  // the dimensions of one symmetric sweep
  std::vector<std::vector<double>> inverse_level_weight_;
  const VectorXd* weights_ = nullptr;
};

struct DemeanTotals {
  int iterations = 0;
  bool converged = true;
};

// Demeans the given columns, one per thread at a time. Columns are
// independent problems, so the result does not depend on the thread count.
DemeanTotals demean_columns(const Demeaner& demeaner, MatrixXd& columns,
                            const std::vector<Index>& which, const VectorXd& scales,
                            double tolerance, int max_iterations,
                            std::vector<Workspace>& workspaces) {
  std::vector<DemeanOutcome> outcomes(which.size());
  std::atomic<std::size_t> next{0};
  const auto work = [&](Workspace& space) {
    for (std::size_t t = next++; t < which.size(); t = next++) {
      const Index j = which[t];
      outcomes[t] = demeaner.demean(columns.col(j), scales(j), tolerance, max_iterations, space);
    }
  };
  const std::size_t thread_count = std::min(workspaces.size(), which.size());
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < thread_count; ++t) {
    // Without another thread the calling one does all the columns.
    try {
      helpers.emplace_back(work, std::ref(workspaces[t]));
    } catch (const std::system_error&) {
      break;
    }
  }
  work(workspaces[0]);
  for (auto& helper : helpers) helper.join();

  DemeanTotals totals;
  for (const auto& outcome : outcomes) {
    totals.iterations += outcome.iterations;
    totals.converged = totals.converged && outcome.converged;
  }
  return totals;
}

// ---------------------------------------------------------------------------
// The partialled weighted least-squares problem of one IRLS step.

struct PartialledSolution {
  VectorXd coefficients;  // 0 for aliased columns, as R's glm.fit iterates
  std::vector<bool> aliased;
  VectorXd residual;  // demeaned working response minus demeaned X beta
};

// The upper-triangular factor of a QR decomposition: it has the Gram matrix
// of `a`, so every norm and projection among a's columns can be computed on
// it.
MatrixXd r_factor(const MatrixXd& a) {
  const Eigen::HouseholderQR<MatrixXd> qr(a);
  const Index rows = std::min(a.rows(), a.cols());
  return qr.matrixQR().topRows(rows).triangularView<Eigen::Upper>();
}

MatrixXd select_columns(const MatrixXd& a, const std::vector<Index>& columns) {
  MatrixXd out(a.rows(), static_cast<Index>(columns.size()));
  for (std::size_t k = 0; k < columns.size(); ++k)
    out.col(static_cast<Index>(k)) = a.col(columns[k]);
  return out;
}

// `columns` holds the demeaned regressors followed by the demeaned working
// response. Regressors are taken in order and one is aliased when the part
// of it orthogonal to the kept ones is below `alias_tolerance` times its
// raw weighted norm, the rule of R's dqrdc2 with the raw column standing in
// for the dummy design's column before any projection.
PartialledSolution solve_partialled(const MatrixXd& columns, const VectorXd& root_w,
                                    const VectorXd& raw_norms, double alias_tolerance) {
  const Index p = columns.cols() - 1;
  PartialledSolution out;
  out.coefficients = VectorXd::Zero(p);
  out.aliased.assign(static_cast<std::size_t>(p), true);
  const MatrixXd r = r_factor(root_w.asDiagonal() * columns);

  std::vector<Index> kept;
  for (Index j = 0; j < p; ++j) {
    if (!(raw_norms(j) > 0)) continue;
    std::vector<Index> trial = kept;
    trial.push_back(j);
    const MatrixXd t = r_factor(select_columns(r, trial));
    const auto k = static_cast<Index>(kept.size());
    const double left = k < t.rows() ? std::abs(t(k, k)) : 0.0;
    if (left >= alias_tolerance * raw_norms(j)) {
      kept = std::move(trial);
      out.aliased[static_cast<std::size_t>(j)] = false;
    }
  }

  out.residual = columns.col(p);
  if (kept.empty()) return out;
  std::vector<Index> augmented = kept;
  augmented.push_back(p);
  const MatrixXd t = r_factor(select_columns(r, augmented));
  const auto k = static_cast<Index>(kept.size());
  const VectorXd beta =
      t.topLeftCorner(k, k).triangularView<Eigen::Upper>().solve(t.col(k).head(k));
  for (Index a = 0; a < k; ++a) {
    out.coefficients(kept[static_cast<std::size_t>(a)]) = beta(a);
    out.residual -= beta(a) * columns.col(kept[static_cast<std::size_t>(a)]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Poisson pieces, as R's poisson() and fit_glm.

double poisson_mean(double eta) {
  return std::max(std::exp(eta), kMachineEpsilon);
}

double poisson_deviance(const VectorXd& y, const VectorXd& mu, const VectorXd& weights) {
  double total = 0;
  for (Index i = 0; i < y.size(); ++i) {
    const double term = y(i) > 0 ? y(i) * std::log(y(i) / mu(i)) - (y(i) - mu(i)) : mu(i);
    total += 2.0 * weights(i) * term;
  }
  return total;
}

double poisson_log_likelihood(const VectorXd& y, const VectorXd& mu, const VectorXd& weights) {
  double total = 0;
  for (Index i = 0; i < y.size(); ++i) {
    const double y_log_mu = y(i) > 0 ? y(i) * std::log(mu(i)) : 0.0;
    total += weights(i) * (y_log_mu - mu(i) - log_gamma(y(i) + 1.0));
  }
  return total;
}

// ---------------------------------------------------------------------------
// Validation: observations and columns counted from 1, as a user counts.

void check_finite(const VectorXd& v, const char* what) {
  for (Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v(i))) {
      throw usage_error(fmt::format("{} at observation {} is not finite: {}", what, i + 1, v(i)));
    }
  }
}

void check_size(std::size_t size, Index n, const char* what) {
  if (size != 0 && size != static_cast<std::size_t>(n)) {
    throw usage_error(fmt::format("{} has {} values but the response has {}", what, size, n));
  }
}

void check_codes(const std::vector<int>& codes, const std::string& what) {
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (codes[i] < 0) {
      throw usage_error(fmt::format("{} must be 0-based level codes, got {} at observation {}",
                                    what, codes[i], i + 1));
    }
  }
}

void validate(const MatrixXd& x, const VectorXd& y, const std::vector<std::vector<int>>& effects,
              const FixedEffectsOptions& options) {
  const Index n = y.size();
  if (n == 0) throw usage_error("the response is empty");
  if (x.rows() != n) {
    throw usage_error(
        fmt::format("the regressors have {} rows but the response has {} values", x.rows(), n));
  }
  if (effects.empty()) {
    throw usage_error("at least one fixed-effect dimension is needed (without one, use fit_glm)");
  }
  for (std::size_t k = 0; k < effects.size(); ++k) {
    const std::string what = fmt::format("fixed effect {}", k + 1);
    if (effects[k].size() != static_cast<std::size_t>(n)) {
      throw usage_error(fmt::format("{} has {} codes but the response has {} values", what,
                                    effects[k].size(), n));
    }
    check_codes(effects[k], what);
  }
  check_size(static_cast<std::size_t>(options.offset.size()), n, "the offset");
  check_size(static_cast<std::size_t>(options.weights.size()), n, "the prior weight vector");
  check_size(options.cluster.size(), n, "the cluster vector");
  check_codes(options.cluster, "the cluster");
  if (options.max_iterations < 1 || options.max_demean_iterations < 1) {
    throw usage_error(
        fmt::format("max_iterations and max_demean_iterations must be at least 1, got {} and {}",
                    options.max_iterations, options.max_demean_iterations));
  }
  for (const double tolerance : {options.tolerance, options.demean_tolerance}) {
    if (!(tolerance > 0) || !std::isfinite(tolerance)) {
      throw usage_error(fmt::format("tolerances must be positive, got {}", tolerance));
    }
  }
  if (options.threads < 0) {
    throw usage_error(fmt::format("threads must be 0 (all) or more, got {}", options.threads));
  }
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < n; ++i) {
      if (!std::isfinite(x(i, j))) {
        throw usage_error(
            fmt::format("regressor {} at observation {} is not finite: {}", j + 1, i + 1, x(i, j)));
      }
    }
  }
  check_finite(y, "response");
  for (Index i = 0; i < n; ++i) {
    if (y(i) < 0) {
      throw usage_error(fmt::format(
          "a Poisson response must be non-negative, got {} at observation {}", y(i), i + 1));
    }
  }
  check_finite(options.offset, "offset");
  check_finite(options.weights, "prior weight");
  for (Index i = 0; i < options.weights.size(); ++i) {
    if (options.weights(i) < 0) {
      throw usage_error(fmt::format("prior weights must be non-negative, got {} at observation {}",
                                    options.weights(i), i + 1));
    }
  }
}

}  // namespace

FixedEffectsPoissonFit fit_fixed_effects_poisson(const MatrixXd& x_all, const VectorXd& y_all,
                                                 const std::vector<std::vector<int>>& effects,
                                                 const FixedEffectsOptions& options) {
  validate(x_all, y_all, effects, options);
  const Index n_all = y_all.size();
  const Index p = x_all.cols();
  FixedEffectsPoissonFit fit;
  fit.coefficients = VectorXd::Constant(p, kNan);
  fit.std_errors = VectorXd::Constant(p, kNan);
  fit.covariance = MatrixXd::Constant(p, p, kNan);
  fit.aliased.assign(static_cast<std::size_t>(p), false);
  const bool clustered = !options.cluster.empty();
  if (clustered) {
    fit.cluster_std_errors = VectorXd::Constant(p, kNan);
    fit.cluster_covariance = MatrixXd::Constant(p, p, kNan);
  }

  // Rows with positive prior weight, then those outside any level whose
  // response is 0 throughout. One pass is enough: a dropped row has y = 0,
  // so dropping it leaves every other level's total unchanged, and no level
  // with a positive total can lose it.
  std::vector<Index> candidates;
  for (Index i = 0; i < n_all; ++i) {
    if (options.weights.size() == 0 || options.weights(i) > 0) candidates.push_back(i);
  }
  std::vector<char> drop(candidates.size(), 0);
  for (const auto& codes : effects) {
    int levels = 0;
    const std::vector<int> dense = dense_codes(codes, candidates, levels);
    std::vector<double> totals(static_cast<std::size_t>(levels), 0.0);
    for (std::size_t r = 0; r < candidates.size(); ++r) {
      totals[static_cast<std::size_t>(dense[r])] += y_all(candidates[r]);
    }
    for (std::size_t r = 0; r < candidates.size(); ++r) {
      if (totals[static_cast<std::size_t>(dense[r])] == 0) drop[r] = 1;
    }
  }
  std::vector<Index> rows;
  for (std::size_t r = 0; r < candidates.size(); ++r) {
    if (!drop[r]) rows.push_back(candidates[r]);
  }
  const auto n = static_cast<Index>(rows.size());
  fit.observations = static_cast<int>(n);
  fit.observations_dropped = static_cast<int>(candidates.size() - rows.size());
  fit.rows_used.assign(rows.begin(), rows.end());
  if (fit.observations_dropped > 0) {
    fit.warnings.push_back(fmt::format(
        "{} observation(s) dropped because their level of some fixed effect has a response of "
        "0 throughout: that level's effect has no finite estimate and the rows say nothing "
        "about the coefficients",
        fit.observations_dropped));
  }

  std::vector<Dimension> dimensions(effects.size());
  for (std::size_t k = 0; k < effects.size(); ++k) {
    dimensions[k].codes = dense_codes(effects[k], rows, dimensions[k].levels);
    fit.fixed_effect_levels.push_back(dimensions[k].levels);
  }
  if (n == 0) {
    fit.warnings.push_back(
        "no observation is left to fit: every row has prior weight 0 or lies in a level whose "
        "counts are all 0");
    return fit;
  }

  MatrixXd x(n, p);
  VectorXd y(n), offset = VectorXd::Zero(n), prior = VectorXd::Ones(n);
  for (Index r = 0; r < n; ++r) {
    const Index i = rows[static_cast<std::size_t>(r)];
    y(r) = y_all(i);
    if (options.offset.size() != 0) offset(r) = options.offset(i);
    if (options.weights.size() != 0) prior(r) = options.weights(i);
  }
  for (Index j = 0; j < p; ++j) {
    for (Index r = 0; r < n; ++r) x(r, j) = x_all(rows[static_cast<std::size_t>(r)], j);
  }

  Demeaner demeaner(std::move(dimensions));
  std::size_t threads = options.threads > 0
                            ? static_cast<std::size_t>(options.threads)
                            : std::max<std::size_t>(1, std::thread::hardware_concurrency());
  if (options.threads == 0 && n * (p + 1) < kNumbersPerThread) threads = 1;
  threads = std::min(threads, static_cast<std::size_t>(p + 1));
  std::vector<Workspace> workspaces;
  for (std::size_t t = 0; t < threads; ++t) workspaces.emplace_back(n, demeaner.dimensions());

  const double target_tolerance = options.demean_tolerance;
  const double alias_tolerance =
      std::max(kAliasFloor, kAliasPerDemeanTolerance * options.demean_tolerance);
  bool demean_failed = false;
  std::vector<Index> all_columns(static_cast<std::size_t>(p + 1));
  for (Index j = 0; j <= p; ++j) all_columns[static_cast<std::size_t>(j)] = j;

  // The columns being demeaned: X, then the working response. Each IRLS step
  // starts from the previous step's demeaned values; any starting point that
  // differs from the variable by a combination of fixed effects has the same
  // demeaned value, and this one is already close to it.
  MatrixXd columns(n, p + 1);
  columns.leftCols(p) = x;
  VectorXd scales(p + 1);

  // Start, as Correia, Guimarães & Zylkin (2020): halfway between y and its
  // mean, positive wherever y is 0.
  const double mean_y = prior.dot(y) / prior.sum();
  VectorXd mu = (y.array() + mean_y) / 2.0;
  VectorXd eta = mu.array().log().matrix();
  VectorXd working_weights(n), root_w(n), z(n), z_previous;
  double deviance_old = poisson_deviance(y, mu, prior);
  VectorXd beta = VectorXd::Zero(p), beta_old = beta, eta_old = eta;
  double demean_tolerance = std::max(target_tolerance, kFirstDemeanTolerance);
  std::vector<bool> aliased(static_cast<std::size_t>(p), false);
  bool deviance_not_finite = false;

  const auto update_weights = [&]() {
    working_weights = prior.cwiseProduct(mu);
    root_w = working_weights.cwiseSqrt();
    demeaner.set_weights(working_weights);
    for (Index j = 0; j < p; ++j) scales(j) = root_w.cwiseProduct(x.col(j)).norm();
  };

  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    fit.iterations = iteration;
    update_weights();
    z = eta - offset + ((y - mu).array() / mu.array()).matrix();
    if (iteration == 1) {
      columns.col(p) = z;
    } else {
      columns.col(p) += z - z_previous;
    }
    z_previous = z;
    scales(p) = root_w.cwiseProduct(z).norm();
    const DemeanTotals totals =
        demean_columns(demeaner, columns, all_columns, scales, demean_tolerance,
                       options.max_demean_iterations, workspaces);
    fit.demean_iterations += totals.iterations;
    demean_failed = demean_failed || !totals.converged;

    PartialledSolution step = solve_partialled(columns, root_w, scales, alias_tolerance);
    aliased = step.aliased;
    beta = step.coefficients;
    // Frisch-Waugh-Lovell: the full regression's fitted values are the
    // working response minus its residual, which the partialled regression
    // shares.
    eta = offset + z - step.residual;
    mu = eta.unaryExpr([](double e) { return poisson_mean(e); });
    double deviance = poisson_deviance(y, mu, prior);

    // Step-halving as fit_glm: while the deviance is not finite, and after
    // the first step while it rises. The linear predictor is linear in all
    // parameters, fixed effects included, so halving it halves the step.
    const auto needs_halving = [&](double dev) {
      if (!std::isfinite(dev)) return true;
      return iteration > 1 && dev - deviance_old > 1e-10 * (std::abs(deviance_old) + 0.1);
    };
    for (int halving = 0; halving < kMaxHalvings && needs_halving(deviance); ++halving) {
      beta = 0.5 * (beta + beta_old);
      eta = 0.5 * (eta + eta_old);
      mu = eta.unaryExpr([](double e) { return poisson_mean(e); });
      deviance = poisson_deviance(y, mu, prior);
    }
    fit.deviance = deviance;
    if (!std::isfinite(deviance)) {
      deviance_not_finite = true;
      break;
    }
    const double change = std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1);
    if (change < options.tolerance && demean_tolerance <= target_tolerance) {
      fit.converged = true;
      break;
    }
    // Demean the next step about as precisely as this one moved the
    // deviance, never more loosely than before.
    demean_tolerance = std::clamp(0.1 * change, target_tolerance, demean_tolerance);
    if (change < options.tolerance) demean_tolerance = target_tolerance;
    deviance_old = deviance;
    beta_old = beta;
    eta_old = eta;
  }

  fit.aliased = aliased;
  fit.linear_predictor = eta;
  fit.fitted = mu;
  fit.log_likelihood = poisson_log_likelihood(y, mu, prior);
  std::vector<Index> kept;
  for (Index j = 0; j < p; ++j) {
    if (!aliased[static_cast<std::size_t>(j)]) {
      kept.push_back(j);
      fit.coefficients(j) = beta(j);
    }
  }

  // The information at the estimate itself (not at the last step's weights),
  // with X demeaned once more in the final weights.
  if (!kept.empty()) {
    update_weights();
    const DemeanTotals totals = demean_columns(demeaner, columns, kept, scales, target_tolerance,
                                               options.max_demean_iterations, workspaces);
    fit.demean_iterations += totals.iterations;
    demean_failed = demean_failed || !totals.converged;
    const MatrixXd x_tilde = select_columns(columns, kept);
    const MatrixXd r = r_factor(root_w.asDiagonal() * x_tilde);
    const auto k = static_cast<Index>(kept.size());
    const MatrixXd r_inverse =
        r.topLeftCorner(k, k).triangularView<Eigen::Upper>().solve(MatrixXd::Identity(k, k));
    const MatrixXd bread = r_inverse * r_inverse.transpose();
    fit.covariance = detail::expand_covariance(bread, kept, p);
    fit.std_errors = fit.covariance.diagonal().array().sqrt();

    if (clustered) {
      int groups = 0;
      const std::vector<int> cluster = dense_codes(options.cluster, rows, groups);
      if (groups < 2) {
        fit.warnings.push_back(
            fmt::format("cluster-robust standard errors need at least 2 clusters, got {}", groups));
      } else {
        MatrixXd scores = MatrixXd::Zero(groups, k);
        for (Index r = 0; r < n; ++r) {
          scores.row(cluster[static_cast<std::size_t>(r)]) +=
              (prior(r) * (y(r) - mu(r))) * x_tilde.row(r);
        }
        const double g = groups;
        const MatrixXd sandwich = (g / (g - 1.0)) * (bread * (scores.transpose() * scores) * bread);
        fit.cluster_covariance = detail::expand_covariance(sandwich, kept, p);
        fit.cluster_std_errors = fit.cluster_covariance.diagonal().array().sqrt();
      }
    }
  }

  if (deviance_not_finite) {
    fit.warnings.push_back(fmt::format(
        "the deviance became infinite at iteration {} and step-halving could not recover it; "
        "the fit was abandoned and its results are not valid",
        fit.iterations));
  } else if (!fit.converged) {
    fit.warnings.push_back(fmt::format(
        "the fit did not converge in {} iterations (the deviance was still changing by more "
        "than the tolerance); its results are unreliable",
        fit.iterations));
  }
  if (demean_failed) {
    fit.warnings.push_back(fmt::format(
        "partialling out the fixed effects did not reach the tolerance {} within {} sweeps for "
        "some variable (levels poorly connected to each other?); the results may be inexact",
        target_tolerance, options.max_demean_iterations));
  }
  const double largest = std::max(1.0, mu.maxCoeff());
  Index zero_count = 0;
  for (Index r = 0; r < n; ++r) {
    if (mu(r) < 10 * kMachineEpsilon || mu(r) < kNumericallyZeroFraction * largest) ++zero_count;
  }
  if (zero_count > 0) {
    fit.warnings.push_back(fmt::format(
        "fitted values numerically 0 occurred for {} observation(s): a count of 0 is being "
        "fitted by sending a coefficient to -infinity (separation by the regressors), so the "
        "maximum-likelihood estimate does not exist and the coefficients involved, and their "
        "standard errors, are not meaningful",
        zero_count));
  }
  if (!kept.empty() && static_cast<Index>(kept.size()) < p) {
    fit.warnings.push_back(
        fmt::format("{} regressor(s) are collinear with the fixed effects and the earlier "
                    "regressors and were dropped (aliased): column(s) {}",
                    p - static_cast<Index>(kept.size()), detail::aliased_column_list(aliased)));
  } else if (kept.empty() && p > 0) {
    fit.warnings.push_back(fmt::format(
        "every regressor is collinear with the fixed effects and was dropped (aliased): "
        "column(s) {}",
        detail::aliased_column_list(aliased)));
  }
  return fit;
}

std::vector<int> level_codes(const VectorXd& values) {
  for (Index i = 0; i < values.size(); ++i) {
    const double v = values(i);
    if (!std::isfinite(v) || v != std::floor(v) || v < INT_MIN || v > INT_MAX) {
      throw usage_error(
          fmt::format("a level code must be a whole number, got {} at observation {}", v, i + 1));
    }
  }
  std::vector<double> distinct(values.data(), values.data() + values.size());
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  std::vector<int> codes(static_cast<std::size_t>(values.size()));
  for (Index i = 0; i < values.size(); ++i) {
    codes[static_cast<std::size_t>(i)] = static_cast<int>(
        std::lower_bound(distinct.begin(), distinct.end(), values(i)) - distinct.begin());
  }
  return codes;
}

}  // namespace vigil::glm
