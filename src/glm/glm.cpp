// Poisson GLM by iteratively reweighted least squares, following R's glm.fit
// (R 4.2, src/library/stats/R/glm.R) step by step so that vigil's numbers can
// be checked against R's glm() to many digits; see glm.hpp for the contract.
#include "glm/glm.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/family_internal.hpp"
#include "glm/internal.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// R's glm.fit hands its QR the tolerance min(1e-7, epsilon / 1000), which is
// 1e-11 for glm.control()'s default epsilon = 1e-8. We fix it at that value
// rather than derive it from our (tighter) convergence tolerance: 1e-15 would
// no longer tell an exactly dependent column from rounding noise, and with
// 1e-11 the columns vigil declares aliased are those R's default glm() does.
constexpr double kAliasTolerance = 1e-11;

// A fitted value below this fraction of the largest one is numerically zero
// on the scale of the data. R only warns below 10 * machine epsilon, which a
// diverging coefficient does not reach at R's default tolerance (the
// textbook y = (0, 5, 3, 4) example stops at mu = 1.5e-9 without a word). At
// vigil's tolerance of 1e-12 a diverging cell ends near 1e-12 times the
// deviance, while finite fits have small cells too: the UK 2013 stepwise
// model (SparseMSE) fits cells of 5e-6 with a largest of 907, a ratio of
// 6e-9. A threshold of 1e-11 lies between the two.
constexpr double kNumericallyZeroFraction = 1e-11;

// From this many rows on, the QR of an IRLS step is split between two
// threads: below it a thread costs more than it saves.
constexpr Index kParallelRows = 65536;

// Halving stops correcting a step after this many halvings: by then the step
// is below the resolution of the coefficients.
constexpr int kMaxHalvings = 60;

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "glm: " + message);
}

// ---------------------------------------------------------------------------
// Column-pivoted Householder QR with LINPACK dqrdc2's limited pivoting, the
// decomposition behind R's lm() and glm(). Unlike full column pivoting
// (LAPACK's dgeqp3, Eigen's ColPivHouseholderQR), dqrdc2 keeps the columns
// in their original order and only moves a column to the end when the norm
// of what is left of it, after projecting out the columns before it, falls
// below `tolerance` times its original norm. So when columns are linearly
// dependent, the later ones are declared aliased, as R reports them (NA).

class LimitedPivotQr {
 public:
  LimitedPivotQr(MatrixXd a, double tolerance) : qr_(std::move(a)) { decompose(tolerance); }

  int rank() const { return rank_; }
  // pivot()[k] is the original index of the column in position k; the first
  // rank() positions hold the non-aliased columns in their original order.
  const std::vector<Index>& pivot() const { return pivot_; }

  // Applies Q' to y in place (LINPACK dqrsl, job "Q'y").
  void apply_qt(Eigen::Ref<VectorXd> y) const {
    const Index rows = qr_.rows();
    for (Index j = 0; j < std::min<Index>(rank_, rows - 1); ++j) {
      if (!has_reflector_[static_cast<std::size_t>(j)]) continue;
      const Index len = rows - j;
      // The reflector is u = (qraux_j, qr_(j+1:, j)); H = I - u u' / u_1.
      const double head = qraux_(j);
      const double dot = head * y(j) + qr_.col(j).tail(len - 1).dot(y.tail(len - 1));
      const double t = -dot / head;
      y(j) += t * head;
      y.tail(len - 1) += t * qr_.col(j).tail(len - 1);
    }
  }

  // The least-squares coefficients from Q'y, in the original column order,
  // with 0 for aliased columns (R's Cdqrls leaves them at 0, and glm.fit
  // iterates with those zeros before printing NA).
  VectorXd coefficients_from_qty(const VectorXd& qty) const {
    VectorXd solution = VectorXd::Zero(qr_.cols());
    if (rank_ == 0) return solution;
    const VectorXd head = r_block().triangularView<Eigen::Upper>().solve(qty.head(rank_));
    for (Index k = 0; k < rank_; ++k) solution(pivot_[static_cast<std::size_t>(k)]) = head(k);
    return solution;
  }

  // (R'R)^-1 over the non-aliased columns, in the original indexing with NaN
  // for aliased rows and columns: the unscaled covariance of summary.glm
  // (chol2inv of the leading rank x rank block of R).
  MatrixXd unscaled_covariance() const {
    const Index cols = qr_.cols();
    MatrixXd full = MatrixXd::Constant(cols, cols, kNan);
    if (rank_ == 0) return full;
    const MatrixXd r_inverse =
        r_block().triangularView<Eigen::Upper>().solve(MatrixXd::Identity(rank_, rank_));
    const MatrixXd inverse = r_inverse * r_inverse.transpose();
    for (Index i = 0; i < rank_; ++i) {
      for (Index j = 0; j < rank_; ++j) {
        full(pivot_[static_cast<std::size_t>(i)], pivot_[static_cast<std::size_t>(j)]) =
            inverse(i, j);
      }
    }
    return full;
  }

 private:
  MatrixXd r_block() const { return qr_.topLeftCorner(rank_, rank_); }

  // Moves the column in position `from` to the last position, shifting the
  // ones after it left, together with its bookkeeping (dqrdc2, label 80).
  void rotate_to_end(Index from, VectorXd& norm_floor) {
    const Index cols = qr_.cols();
    const VectorXd column = qr_.col(from);
    for (Index j = from + 1; j < cols; ++j) qr_.col(j - 1) = qr_.col(j);
    qr_.col(cols - 1) = column;
    const auto rotate = [&](VectorXd& v) {
      const double value = v(from);
      for (Index j = from + 1; j < cols; ++j) v(j - 1) = v(j);
      v(cols - 1) = value;
    };
    rotate(qraux_);
    rotate(norm_floor);
    std::rotate(pivot_.begin() + from, pivot_.begin() + from + 1, pivot_.end());
  }

  void decompose(double tolerance) {
    const Index rows = qr_.rows();
    const Index cols = qr_.cols();
    pivot_.resize(static_cast<std::size_t>(cols));
    for (Index j = 0; j < cols; ++j) pivot_[static_cast<std::size_t>(j)] = j;
    has_reflector_.assign(static_cast<std::size_t>(cols), false);

    // qraux_ holds the running norm of each column's part below the rows
    // already reduced; norm_floor is its original norm (1 for a zero column,
    // so that it is declared aliased at once), the yardstick of `tolerance`.
    qraux_.resize(cols);
    VectorXd norm_floor(cols);
    for (Index j = 0; j < cols; ++j) {
      qraux_(j) = qr_.col(j).norm();
      norm_floor(j) = qraux_(j) == 0.0 ? 1.0 : qraux_(j);
    }

    Index kept = cols;  // positions >= kept hold columns moved to the end
    const Index steps = std::min(rows, cols);
    for (Index l = 0; l < steps; ++l) {
      while (l < kept && qraux_(l) < norm_floor(l) * tolerance) {
        rotate_to_end(l, norm_floor);
        --kept;
      }
      if (l == rows - 1) break;  // the last row needs no reflection

      const Index len = rows - l;
      double norm = qr_.col(l).tail(len).norm();
      if (norm == 0.0) continue;
      if (qr_(l, l) != 0.0) norm = std::copysign(norm, qr_(l, l));
      qr_.col(l).tail(len) /= norm;
      qr_(l, l) += 1.0;

      // Apply the reflection to the columns on the right, and downdate their
      // norms, recomputing them when cancellation makes the downdate
      // inaccurate (dqrdc2's rule, as modified by Bates in 1999).
      if (l + 1 < cols) {
        const auto u = qr_.col(l).tail(len);
        auto rest = qr_.bottomRightCorner(len, cols - l - 1);
        const VectorXd t = -(rest.transpose() * u) / qr_(l, l);
        rest.noalias() += u * t.transpose();
        for (Index j = l + 1; j < cols; ++j) {
          if (qraux_(j) == 0.0) continue;
          const double ratio = std::abs(qr_(l, j)) / qraux_(j);
          const double left = std::max(1.0 - ratio * ratio, 0.0);
          if (std::abs(left) < 1e-6) {
            qraux_(j) = qr_.col(j).tail(len - 1).norm();
          } else {
            qraux_(j) *= std::sqrt(left);
          }
        }
      }
      qraux_(l) = qr_(l, l);
      qr_(l, l) = -norm;
      has_reflector_[static_cast<std::size_t>(l)] = true;
    }
    rank_ = static_cast<int>(std::min(kept, rows));
  }

  MatrixXd qr_;
  VectorXd qraux_;
  std::vector<Index> pivot_;
  std::vector<bool> has_reflector_;
  int rank_ = 0;
};

// Folds the rows of a tall matrix, a chunk at a time, into the upper-
// triangular factor R of its QR decomposition (a "tall-skinny" QR in the
// manner of LAPACK's dtpqrt). Each chunk is stacked under the current R and
// reduced by Householder reflections that touch one row of R and the chunk's
// rows only, so the work is the same 2 n p^2 as one QR of the whole matrix
// but every sweep stays in cache, and the n x p weighted design never needs
// to exist in memory at once.
class StreamingQr {
 public:
  StreamingQr(Index cols, Index chunk_rows)
      : cols_(cols), buffer_(MatrixXd::Zero(cols + chunk_rows, cols)) {}

  Index chunk_rows() const { return buffer_.rows() - cols_; }

  // The rows to fill before calling absorb(rows).
  Eigen::Block<MatrixXd> chunk(Index rows) { return buffer_.block(cols_, 0, rows, cols_); }

  void absorb(Index rows) {
    for (Index l = 0; l < cols_; ++l) {
      auto tail = buffer_.col(l).segment(cols_, rows);
      const double head = buffer_(l, l);
      const double tail_norm = tail.norm();
      if (tail_norm == 0.0) continue;  // nothing below the diagonal to remove
      const double norm = std::hypot(head, tail_norm);
      // H = I - tau v v' with v = (1, tail / (head - beta)) maps the column
      // to (beta, 0); beta takes the sign opposite to head to avoid
      // cancellation (Golub & Van Loan 2013, algorithm 5.1.1).
      const double beta = head >= 0 ? -norm : norm;
      const double tau = (beta - head) / beta;
      tail /= head - beta;
      buffer_(l, l) = beta;
      // Column by column, so that each column is read into L1 once for its
      // dot product and its update.
      for (Index j = l + 1; j < cols_; ++j) {
        auto column = buffer_.col(j).segment(cols_, rows);
        const double t = tau * (buffer_(l, j) + tail.dot(column));
        buffer_(l, j) -= t;
        column -= t * tail;
      }
    }
  }

  MatrixXd r() const { return buffer_.topRows(cols_).triangularView<Eigen::Upper>(); }

 private:
  Index cols_;
  MatrixXd buffer_;
};

// A least-squares problem min |a b - rhs|, either as built (sqrt(W) X and
// sqrt(W) z) or reduced to the same problem in R0 b = Q0'rhs by a QR.
struct LeastSquaresProblem {
  MatrixXd a;
  VectorXd rhs;
};

// The weighted least-squares solve of one IRLS step.
struct LeastSquares {
  VectorXd coefficients;  // original indexing, 0 for aliased columns
  std::vector<bool> aliased;
  int rank = 0;
  MatrixXd unscaled_covariance;  // (X'WX)^-1, NaN for aliased
};

LeastSquares solve_least_squares(LeastSquaresProblem problem, bool want_covariance) {
  const Index cols = problem.a.cols();
  const LimitedPivotQr qr(std::move(problem.a), kAliasTolerance);
  qr.apply_qt(problem.rhs);

  LeastSquares result;
  result.coefficients = qr.coefficients_from_qty(problem.rhs);
  result.rank = qr.rank();
  result.aliased.assign(static_cast<std::size_t>(cols), false);
  for (Index k = qr.rank(); k < cols; ++k) {
    result.aliased[static_cast<std::size_t>(qr.pivot()[static_cast<std::size_t>(k)])] = true;
  }
  if (want_covariance) result.unscaled_covariance = qr.unscaled_covariance();
  return result;
}

// ---------------------------------------------------------------------------
// IRLS (McCullagh & Nelder 1989, section 2.5; R's glm.fit).

struct IrlsResult {
  VectorXd coefficients;  // 0 for aliased columns
  std::vector<bool> aliased;
  int rank = 0;
  VectorXd eta;
  VectorXd mu;
  double deviance = 0;
  int iterations = 0;
  bool converged = false;
  bool deviance_not_finite = false;
};

class Irls {
 public:
  Irls(const MatrixXd& x, const VectorXd& y, const VectorXd& offset, const VectorXd& weights,
       const detail::FamilyFunctions& family)
      : x_(x), y_(y), offset_(offset), weights_(weights), family_(family) {
    // Observations with zero prior weight take no part in the fit (R's
    // `good`); they still get a linear predictor and a fitted value.
    for (Index i = 0; i < y.size(); ++i) {
      if (weights(i) > 0) good_.push_back(i);
    }
    for (Index j = 0; j < x.cols(); ++j) all_columns_.push_back(j);
  }

  // The weighted least-squares problem of an IRLS step on the given columns
  // of X: working weights w (dmu/deta)^2 / V(mu) and working response
  // eta - offset + (y - mu) / (dmu/deta), as glm.fit.
  //
  // Small problems (the log-linear models of MSE) are handed to the
  // limited-pivot QR as they are, exactly as R's Cdqrls gets them. Tall ones
  // (regressions on 10^5 rows) are first reduced by an unpivoted QR of
  // [sqrt(W) X | sqrt(W) z], which gives R0 and Q0'(sqrt(W) z) in one pass;
  // the limited-pivot QR then runs on the square R0. That is the same
  // decomposition: Q0 is orthogonal, so R0's columns have the norms of
  // sqrt(W) X's and every partial projection that dqrdc2 compares with its
  // tolerance is unchanged; only rounding differs.
  LeastSquaresProblem weighted_problem(const VectorXd& eta, const VectorXd& mu,
                                       const std::vector<Index>& columns) const {
    const auto rows = static_cast<Index>(good_.size());
    const auto cols = static_cast<Index>(columns.size());
    const auto fill = [&](Eigen::Block<MatrixXd> target, Index first_row) {
      const Index count = target.rows();
      VectorXd root_w(count);
      for (Index r = 0; r < count; ++r) {
        const Index i = good_[static_cast<std::size_t>(first_row + r)];
        const double derivative = family_.mean_derivative(eta(i));
        root_w(r) = std::sqrt(weights_(i) * derivative * derivative / family_.variance(mu(i)));
        target(r, cols) = root_w(r) * (eta(i) - offset_(i) + (y_(i) - mu(i)) / derivative);
      }
      // Column by column, following the column-major storage of X.
      for (Index k = 0; k < cols; ++k) {
        const Index j = columns[static_cast<std::size_t>(k)];
        for (Index r = 0; r < count; ++r) {
          target(r, k) = root_w(r) * x_(good_[static_cast<std::size_t>(first_row + r)], j);
        }
      }
    };
    MatrixXd augmented;
    if (rows <= 2 * cols) {
      augmented.resize(rows, cols + 1);
      fill(augmented.block(0, 0, rows, cols + 1), 0);
    } else {
      // Chunks of about 16k numbers (128 kB) fit in a core's L2 cache.
      const Index chunk_rows = std::max<Index>(2 * (cols + 1), 16384 / (cols + 1));
      const auto reduce = [&](StreamingQr& qr, Index begin, Index end) {
        for (Index first = begin; first < end; first += qr.chunk_rows()) {
          const Index count = std::min(qr.chunk_rows(), end - first);
          fill(qr.chunk(count), first);
          qr.absorb(count);
        }
      };
      StreamingQr tall(cols + 1, chunk_rows);
      if (rows < kParallelRows) {
        reduce(tall, 0, rows);
      } else {
        // Two halves reduced at once, on two cores, then the second
        // half's R stacked under the first's and folded in (a tall-skinny
        // QR: Demmel, Grigori, Hoemmen & Langou 2012). Always two halves,
        // whatever the machine, so that results do not depend on it.
        const Index middle = rows / 2;
        StreamingQr second(cols + 1, chunk_rows);
        std::thread worker([&] { reduce(second, middle, rows); });
        reduce(tall, 0, middle);
        worker.join();
        tall.chunk(cols + 1) = second.r();
        tall.absorb(cols + 1);
      }
      augmented = tall.r();
    }
    LeastSquaresProblem problem;
    problem.rhs = augmented.col(cols);
    problem.a = augmented.leftCols(cols);
    return problem;
  }

  void predict(const VectorXd& beta, VectorXd& eta, VectorXd& mu) const {
    eta.noalias() = x_ * beta;
    eta += offset_;
    mu = eta.unaryExpr([this](double e) { return family_.mean(e); });
  }

  IrlsResult run(const VectorXd& mu_start, int max_iterations, double tolerance) const {
    IrlsResult out;
    // R: eta <- linkfun(mustart); mu <- linkinv(eta).
    out.eta = mu_start.unaryExpr([this](double m) { return family_.link(m); });
    out.mu = out.eta.unaryExpr([this](double e) { return family_.mean(e); });
    double deviance_old = family_.deviance(y_, out.mu, weights_);
    // Before the first step there are no coefficients to fall back on (the
    // start is a vector of means, not a point of the model); R gives up if
    // the first step's deviance is not finite, we halve towards beta = 0.
    VectorXd beta_old = VectorXd::Zero(x_.cols());

    for (int iteration = 1; iteration <= max_iterations; ++iteration) {
      out.iterations = iteration;
      LeastSquares step =
          solve_least_squares(weighted_problem(out.eta, out.mu, all_columns_), false);
      VectorXd beta = std::move(step.coefficients);
      out.aliased = std::move(step.aliased);
      out.rank = step.rank;
      predict(beta, out.eta, out.mu);
      double deviance = family_.deviance(y_, out.mu, weights_);

      // Step-halving: R's glm.fit halves the step while the deviance is not
      // finite; we also halve while it rises (after the first step, whose
      // starting point is not on the model), which guards the plain Newton
      // step against overshooting, as in Marschner's glm2 (R Journal 2011).
      const auto needs_halving = [&](double dev) {
        if (!std::isfinite(dev)) return true;
        return iteration > 1 && dev - deviance_old > 1e-10 * (std::abs(deviance_old) + 0.1);
      };
      for (int halving = 0; halving < kMaxHalvings && needs_halving(deviance); ++halving) {
        beta = 0.5 * (beta + beta_old);
        predict(beta, out.eta, out.mu);
        deviance = family_.deviance(y_, out.mu, weights_);
      }
      out.coefficients = beta;
      out.deviance = deviance;
      if (!std::isfinite(deviance)) {
        out.deviance_not_finite = true;
        return out;
      }
      // For the negative binomial the log link is not canonical, Fisher
      // scoring converges only linearly, and a deviance that has stopped
      // moving can leave the coefficients 1e-7 from the estimate; there the
      // coefficients must also have settled.
      const bool settled =
          family_.family != Family::negative_binomial ||
          ((beta - beta_old).array().abs() <= 1e-10 * (beta.array().abs() + 1e-3)).all();
      if (std::abs(deviance - deviance_old) / (std::abs(deviance) + 0.1) < tolerance && settled) {
        out.converged = true;
        return out;
      }
      deviance_old = deviance;
      beta_old = beta;
    }
    return out;
  }

  // (X'WX)^-1 at the final fitted values, over the columns the fit kept.
  // R's summary.glm reuses the QR of the last IRLS step, whose weights come
  // from the fitted values one step earlier; evaluating the information at
  // the estimate itself removes that last-step lag (up to 1e-9 relative even
  // with a tight R tolerance), so the standard errors are those R gives when
  // glm() is restarted at its own estimate (start = coef(fit)).
  MatrixXd covariance(const IrlsResult& fit) const {
    const Index cols = x_.cols();
    std::vector<Index> kept;
    for (Index j = 0; j < cols; ++j) {
      if (!fit.aliased[static_cast<std::size_t>(j)]) kept.push_back(j);
    }
    if (kept.empty()) return MatrixXd::Constant(cols, cols, kNan);
    const LeastSquares final_step =
        solve_least_squares(weighted_problem(fit.eta, fit.mu, kept), true);
    return detail::expand_covariance(final_step.unscaled_covariance, kept, cols);
  }

  Index observations_used() const { return static_cast<Index>(good_.size()); }

 private:
  const MatrixXd& x_;
  const VectorXd& y_;
  const VectorXd& offset_;
  const VectorXd& weights_;
  const detail::FamilyFunctions& family_;
  std::vector<Index> good_;
  std::vector<Index> all_columns_;
};

// ---------------------------------------------------------------------------
// Validation: every message names what is wrong and where (observations and
// columns counted from 1, as a user counts rows).

void check_finite_vector(const VectorXd& v, const char* what) {
  for (Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v(i))) {
      throw usage_error(fmt::format("{} at observation {} is not finite: {}", what, i + 1, v(i)));
    }
  }
}

void validate(const MatrixXd& design, const VectorXd& response, const GlmOptions& options) {
  const Index n = design.rows();
  if (n == 0 || design.cols() == 0) {
    throw usage_error(
        fmt::format("the design matrix is empty ({} rows, {} columns)", n, design.cols()));
  }
  if (response.size() != n) {
    throw usage_error(fmt::format("the response has {} values but the design matrix has {} rows",
                                  response.size(), n));
  }
  if (options.offset.size() != 0 && options.offset.size() != n) {
    throw usage_error(
        fmt::format("the offset has {} values but the response has {}", options.offset.size(), n));
  }
  if (options.weights.size() != 0 && options.weights.size() != n) {
    throw usage_error(fmt::format("the weights have {} values but the response has {}",
                                  options.weights.size(), n));
  }
  if (options.max_iterations < 1) {
    throw usage_error(
        fmt::format("max_iterations must be at least 1, got {}", options.max_iterations));
  }
  if (!(options.tolerance > 0) || !std::isfinite(options.tolerance)) {
    throw usage_error(fmt::format("tolerance must be positive, got {}", options.tolerance));
  }
  for (Index j = 0; j < design.cols(); ++j) {
    for (Index i = 0; i < n; ++i) {
      if (!std::isfinite(design(i, j))) {
        throw usage_error(fmt::format("design matrix entry at row {}, column {} is not finite: {}",
                                      i + 1, j + 1, design(i, j)));
      }
    }
  }
  check_finite_vector(response, "response");
  for (Index i = 0; i < n; ++i) {
    const double y = response(i);
    switch (options.family) {
      case Family::poisson:
      case Family::negative_binomial:
        if (y < 0 || y != std::floor(y)) {
          throw usage_error(fmt::format(
              "a {} response must be a non-negative whole count, got {} at observation {}",
              options.family == Family::poisson ? "Poisson" : "negative binomial", y, i + 1));
        }
        break;
      case Family::quasi_poisson:
        if (y < 0) {
          throw usage_error(fmt::format(
              "a quasi-Poisson response must be non-negative, got {} at observation {}", y, i + 1));
        }
        break;
      case Family::binomial:
        if (y < 0 || y > 1) {
          throw usage_error(fmt::format(
              "a binomial response must be a proportion between 0 and 1 (with the numbers of "
              "trials as prior weights), got {} at observation {}",
              y, i + 1));
        }
        break;
    }
  }
  if (options.family == Family::negative_binomial && !std::isnan(options.theta) &&
      !(options.theta > 0 && std::isfinite(options.theta))) {
    throw usage_error(
        fmt::format("the negative binomial theta must be positive, got {}", options.theta));
  }
  check_finite_vector(options.offset, "offset");
  check_finite_vector(options.weights, "prior weight");
  for (Index i = 0; i < options.weights.size(); ++i) {
    if (options.weights(i) < 0) {
      throw usage_error(fmt::format("prior weights must be non-negative, got {} at observation {}",
                                    options.weights(i), i + 1));
    }
  }
  if (options.weights.size() != 0 && (options.weights.array() == 0).all()) {
    throw usage_error("every prior weight is zero: there is nothing to fit");
  }
}

// The intercept is recognised as a column of ones (R knows it from the
// formula; a design matrix only shows it this way).
std::optional<Index> intercept_column(const MatrixXd& design) {
  for (Index j = 0; j < design.cols(); ++j) {
    if ((design.col(j).array() == 1.0).all()) return j;
  }
  return std::nullopt;
}

}  // namespace

namespace detail {

GlmFit fit_with_family(const MatrixXd& design, const VectorXd& response, const GlmOptions& options,
                       const FamilyFunctions& family, const VectorXd* mu_start) {
  const Index n = design.rows();
  const Index p = design.cols();
  const VectorXd offset = options.offset.size() == 0 ? VectorXd::Zero(n) : options.offset;
  const VectorXd weights = options.weights.size() == 0 ? VectorXd::Ones(n) : options.weights;

  const Irls irls(design, response, offset, weights, family);
  VectorXd start;
  if (mu_start != nullptr) {
    start = *mu_start;
  } else {
    start.resize(n);
    for (Index i = 0; i < n; ++i) start(i) = family.start_mean(response(i), weights(i));
  }
  IrlsResult core = irls.run(start, options.max_iterations, options.tolerance);

  GlmFit fit;
  fit.family = family.family;
  fit.theta = family.family == Family::negative_binomial ? family.theta : kNan;
  fit.rank = core.rank;
  fit.aliased = core.aliased;
  fit.iterations = core.iterations;
  fit.converged = core.converged;
  fit.linear_predictor = core.eta;
  fit.fitted = core.mu;
  fit.deviance = core.deviance;
  fit.coefficients = core.coefficients;
  for (Index j = 0; j < p; ++j) {
    if (fit.aliased[static_cast<std::size_t>(j)]) fit.coefficients(j) = kNan;
  }
  const Index used = irls.observations_used();
  fit.observations = static_cast<int>(used);
  fit.df_residual = static_cast<int>(used) - fit.rank;

  // Working weights and residuals at the estimate, and Pearson's statistic.
  fit.prior_weights = weights;
  fit.working_weights = VectorXd::Zero(n);
  fit.working_residuals.resize(n);
  fit.pearson_chi2 = 0;
  for (Index i = 0; i < n; ++i) {
    const double derivative = family.mean_derivative(core.eta(i));
    const double variance = family.variance(core.mu(i));
    fit.working_residuals(i) = (response(i) - core.mu(i)) / derivative;
    if (weights(i) == 0) continue;
    fit.working_weights(i) = weights(i) * derivative * derivative / variance;
    fit.pearson_chi2 +=
        fit.working_weights(i) * fit.working_residuals(i) * fit.working_residuals(i);
  }
  // summary.glm: the quasi family's dispersion is Pearson's chi-square over
  // the residual degrees of freedom; the others' is fixed at 1.
  fit.dispersion_estimated = family.family == Family::quasi_poisson;
  if (fit.dispersion_estimated) {
    fit.dispersion = fit.df_residual > 0 ? fit.pearson_chi2 / fit.df_residual : kNan;
  }
  fit.covariance = irls.covariance(core) * fit.dispersion;
  fit.std_errors = fit.covariance.diagonal().array().sqrt();

  fit.log_likelihood = log_likelihood(family, response, core.mu, weights);
  fit.aic = -2.0 * fit.log_likelihood + 2.0 * fit.rank;
  fit.bic = -2.0 * fit.log_likelihood + std::log(static_cast<double>(used)) * fit.rank;

  // Null deviance as R's glm(): with an intercept and no offset the null
  // model's mean is the weighted mean of y; with an intercept and an offset
  // it is refitted on the intercept alone, started from the full model's
  // fitted values; without an intercept it is mu = linkinv(offset).
  const std::optional<Index> intercept = intercept_column(design);
  fit.df_null = static_cast<int>(used) - (intercept ? 1 : 0);
  if (!intercept) {
    const VectorXd null_mu = offset.unaryExpr([&family](double e) { return family.mean(e); });
    fit.null_deviance = family.deviance(response, null_mu, weights);
  } else if (options.offset.size() == 0) {
    const double mean = weights.dot(response) / weights.sum();
    fit.null_deviance = family.deviance(response, VectorXd::Constant(n, mean), weights);
  } else {
    const MatrixXd ones = MatrixXd::Ones(n, 1);
    const Irls null_irls(ones, response, offset, weights, family);
    const IrlsResult null_fit = null_irls.run(core.mu, options.max_iterations, options.tolerance);
    fit.null_deviance = null_fit.deviance;
    if (!null_fit.converged) {
      fit.warnings.push_back(fmt::format(
          "the intercept-only fit behind the null deviance did not converge in {} iterations",
          null_fit.iterations));
    }
  }

  if (core.deviance_not_finite) {
    fit.warnings.push_back(fmt::format(
        "the deviance became infinite at iteration {} and step-halving could not recover it; "
        "the fit was abandoned and its results are not valid",
        core.iterations));
  } else if (!core.converged) {
    fit.warnings.push_back(fmt::format(
        "the fit did not converge in {} iterations (the deviance was still changing by more "
        "than the tolerance); its results are unreliable",
        core.iterations));
  }

  Index boundary_count = 0;
  Index first_boundary = -1;
  if (family.family == Family::binomial) {
    // R's glm.fit warns "fitted probabilities numerically 0 or 1 occurred":
    // some outcome is predicted perfectly by a combination of the
    // covariates (separation), and the coefficients involved run off to
    // infinity.
    for (Index i = 0; i < n; ++i) {
      if (weights(i) == 0) continue;
      if (core.mu(i) < 10 * kMachineEpsilon || core.mu(i) > 1 - 10 * kMachineEpsilon) {
        if (boundary_count++ == 0) first_boundary = i;
      }
    }
    if (boundary_count > 0) {
      fit.warnings.push_back(fmt::format(
          "fitted probabilities numerically 0 or 1 occurred for {} observation(s) (the first is "
          "observation {}): the outcome is perfectly separated by the covariates, so the "
          "maximum-likelihood estimate does not exist and the coefficients involved, and their "
          "standard errors, are not meaningful",
          boundary_count, first_boundary + 1));
    }
  } else {
    // R's glm.fit warns "fitted rates numerically 0 occurred". A fitted
    // mean heading to zero means a count of 0 that the model can only match
    // by sending a coefficient to -infinity: the maximum-likelihood estimate
    // does not exist, and that coefficient and its standard error are
    // meaningless.
    const double largest = std::max(1.0, core.mu.maxCoeff());
    for (Index i = 0; i < n; ++i) {
      if (weights(i) == 0) continue;
      if (core.mu(i) < 10 * kMachineEpsilon || core.mu(i) < kNumericallyZeroFraction * largest) {
        if (boundary_count++ == 0) first_boundary = i;
      }
    }
    if (boundary_count > 0) {
      fit.warnings.push_back(fmt::format(
          "fitted values numerically 0 occurred for {} observation(s) (the first is observation "
          "{}): a count of 0 is being fitted by sending a coefficient to -infinity, so the "
          "maximum-likelihood estimate does not exist and the coefficients involved, and their "
          "standard errors, are not meaningful",
          boundary_count, first_boundary + 1));
    }
  }

  if (fit.rank < p) {
    fit.warnings.push_back(
        fmt::format("{} column(s) of the design are linearly dependent on earlier ones and were "
                    "dropped (aliased; R reports NA for them): column(s) {}",
                    p - fit.rank, detail::aliased_column_list(fit.aliased)));
  }
  return fit;
}

}  // namespace detail

GlmFit fit_glm(const MatrixXd& design, const VectorXd& response, const GlmOptions& options) {
  validate(design, response, options);
  if (options.family == Family::negative_binomial && std::isnan(options.theta)) {
    return detail::fit_negative_binomial(design, response, options);
  }
  const detail::FamilyFunctions family{options.family, options.theta};
  GlmFit fit = detail::fit_with_family(design, response, options, family, nullptr);
  if (options.family == Family::binomial) {
    // R warns "non-integer #successes in a binomial glm!": the likelihood
    // (and so the AIC) is then that of the rounded counts.
    for (Index i = 0; i < response.size(); ++i) {
      const double successes = fit.prior_weights(i) * response(i);
      if (std::abs(successes - std::round(successes)) > 1e-3) {
        fit.warnings.push_back(fmt::format(
            "the numbers of successes (response x prior weight) are not whole numbers, e.g. {} at "
            "observation {}: the log-likelihood, AIC and BIC are those of the rounded counts",
            successes, i + 1));
        break;
      }
    }
  }
  return fit;
}

}  // namespace vigil::glm
