// The building blocks of a composite indicator; see methods.hpp for the
// contract. Each method is written from the publication it names, and
// checked against R (tests/index/methods_test.cpp).
#include "index/methods.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <numeric>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::index {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// factanal's default lower bound on the uniquenesses. Without a bound a
// Heywood case drives a uniqueness to 0, where the objective (which scales
// the correlations by 1 / sqrt(psi)) is undefined.
constexpr double kMinUniqueness = 0.005;

// The factor-analysis Newton iteration stops when no free uniqueness has a
// gradient above this: the uniquenesses are then within about 1e-11 of the
// optimum, below the 1e-9 at which they are compared with R, yet above the
// 1e-14 or so to which an eigendecomposition lets the gradient be computed.
constexpr double kFactorGradientTolerance = 1e-10;
constexpr int kMaxFactorIterations = 200;

// A Newton step this small is inside the region of quadratic convergence:
// the objective changes by less than its rounding error there, so an
// Armijo test would reject steps that are in fact exact.
constexpr double kTrustedNewtonStep = 1e-6;

// The varimax iteration stops when no element of the rotation moves by more
// than this. A rule on the criterion, as R's varimax has (relative gain
// below eps = 1e-5), stops far sooner than it seems: near the maximum the
// criterion is flat, its gain the square of the rotation's error, so even a
// gain of 1e-15 leaves loadings some 1e-7 from the rotation that maximises it.
constexpr double kVarimaxTolerance = 1e-13;
constexpr int kMaxVarimaxIterations = 10000;

// Weights given to aggregate() sum to 1 up to rounding; a larger gap is a
// configuration error that a silent rescaling would hide.
constexpr double kWeightSumTolerance = 1e-9;

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "index: " + message);
}

Error data_error(const std::string& message) {
  return Error(Error::Kind::input, "index: " + message);
}

bool is_constant(const Eigen::Ref<const VectorXd>& column) {
  return column.size() == 0 || column.maxCoeff() == column.minCoeff();
}

void require_complete(const Eigen::Ref<const MatrixXd>& x, const char* what) {
  for (Index j = 0; j < x.cols(); ++j) {
    for (Index i = 0; i < x.rows(); ++i) {
      if (!std::isfinite(x(i, j))) {
        throw usage_error(fmt::format("{}: row {}, column {} is {} (impute missing values first)",
                                      what, i + 1, j + 1, x(i, j)));
      }
    }
  }
}

// Eigenvalues in decreasing order, eigenvectors in the matching columns.
std::pair<VectorXd, MatrixXd> decreasing_eigen(const MatrixXd& symmetric) {
  const Eigen::SelfAdjointEigenSolver<MatrixXd> solver(symmetric);
  return {solver.eigenvalues().reverse(), solver.eigenvectors().rowwise().reverse()};
}

MatrixXd covariance_of(const MatrixXd& x) {
  const MatrixXd centred = x.rowwise() - x.colwise().mean();
  return centred.transpose() * centred / static_cast<double>(x.rows() - 1);
}

// Pearson correlations (R's cor()); a constant column has none.
MatrixXd correlation_of(const MatrixXd& x, const char* what) {
  require_complete(x, what);
  if (x.rows() < 2) {
    throw usage_error(
        fmt::format("{}: correlations need at least 2 units, got {}", what, x.rows()));
  }
  for (Index j = 0; j < x.cols(); ++j) {
    if (is_constant(x.col(j))) {
      throw usage_error(
          fmt::format("{}: column {} is constant ({}), so its correlations are "
                      "undefined",
                      what, j + 1, x(0, j)));
    }
  }
  const MatrixXd covariance = covariance_of(x);
  const VectorXd inverse_sd = covariance.diagonal().cwiseSqrt().cwiseInverse();
  MatrixXd correlation = inverse_sd.asDiagonal() * covariance * inverse_sd.asDiagonal();
  correlation.diagonal().setOnes();
  return correlation;
}

// ---------------------------------------------------------------------------
// Missing data

double median_of(std::vector<double> values) {
  const std::size_t half = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half),
                   values.end());
  const double upper = values[half];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(half));
  return (lower + upper) / 2;
}

std::vector<double> observed_values(const Eigen::Ref<const VectorXd>& column) {
  std::vector<double> values;
  values.reserve(static_cast<std::size_t>(column.size()));
  for (const double v : column) {
    if (!std::isnan(v)) values.push_back(v);
  }
  return values;
}

// The units that share one set of missing indicators: the regression of the
// missing on the observed is the same for all of them, so it is solved once
// per pattern and EM iteration rather than once per unit.
struct MissingPattern {
  std::vector<Index> observed;
  std::vector<Index> missing;
  std::vector<Index> rows;
};

// Conditional means of the missing cells of `rows` given their observed
// cells, written into y; returns the conditional covariance of the missing
// block, the same for every unit of the pattern.
MatrixXd conditional_fill(const MissingPattern& pattern, const VectorXd& mu, const MatrixXd& sigma,
                          MatrixXd& y) {
  const auto& obs = pattern.observed;
  const auto& mis = pattern.missing;
  if (obs.empty()) {
    for (const Index r : pattern.rows) y.row(r) = mu.transpose();
    return sigma;
  }
  // LDLT rather than LLT: a column that is constant where observed has
  // zero variance, and LDLT then solves in the least-squares sense instead
  // of failing.
  const Eigen::LDLT<MatrixXd> solver(sigma(obs, obs));
  const MatrixXd coefficients = solver.solve(sigma(obs, mis));  // |obs| x |mis|
  for (const Index r : pattern.rows) {
    const VectorXd deviation = y(r, obs).transpose() - mu(obs);
    y(r, mis) = (mu(mis) + coefficients.transpose() * deviation).transpose();
  }
  return sigma(mis, mis) - sigma(mis, obs) * coefficients;
}

// EM for the mean and covariance of a multivariate normal with values
// missing at random (Little & Rubin 2002, section 11.2.1), and the missing
// cells filled with their conditional means at the final estimates.
void impute_em(const MatrixXd& x, int max_iterations, double tolerance, Imputed& out) {
  const Index n = x.rows();
  const Index p = x.cols();
  // Working on data centred at the observed means keeps the cross-products
  // T2 / n - mu mu' free of cancellation for indicators far from 0.
  VectorXd shift(p);
  for (Index j = 0; j < p; ++j) {
    const std::vector<double> values = observed_values(x.col(j));
    shift(j) =
        std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
  }
  MatrixXd y = x.rowwise() - shift.transpose();

  std::map<std::vector<bool>, std::size_t> pattern_of;
  std::vector<MissingPattern> patterns;
  VectorXd complete_sum = VectorXd::Zero(p);
  MatrixXd complete_cross = MatrixXd::Zero(p, p);
  for (Index i = 0; i < n; ++i) {
    std::vector<bool> missing(static_cast<std::size_t>(p));
    bool any = false;
    for (Index j = 0; j < p; ++j) {
      missing[static_cast<std::size_t>(j)] = std::isnan(y(i, j));
      any = any || std::isnan(y(i, j));
    }
    if (!any) {
      complete_sum += y.row(i).transpose();
      complete_cross.noalias() += y.row(i).transpose() * y.row(i);
      continue;
    }
    const auto [it, inserted] = pattern_of.try_emplace(missing, patterns.size());
    if (inserted) {
      MissingPattern pattern;
      for (Index j = 0; j < p; ++j) {
        (missing[static_cast<std::size_t>(j)] ? pattern.missing : pattern.observed).push_back(j);
      }
      patterns.push_back(std::move(pattern));
    }
    patterns[it->second].rows.push_back(i);
  }

  // Start: the observed means (0 after the shift) and the ML covariance of
  // the mean-filled data, positive semi-definite whatever the pattern.
  VectorXd mu = VectorXd::Zero(p);
  MatrixXd filled = y.unaryExpr([](double v) { return std::isnan(v) ? 0.0 : v; });
  MatrixXd sigma = covariance_of(filled) * (static_cast<double>(n - 1) / static_cast<double>(n));

  const auto nd = static_cast<double>(n);
  out.em_converged = false;
  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    VectorXd t1 = complete_sum;
    MatrixXd t2 = complete_cross;
    for (const MissingPattern& pattern : patterns) {
      const MatrixXd conditional = conditional_fill(pattern, mu, sigma, y);
      for (const Index r : pattern.rows) {
        t1 += y.row(r).transpose();
        t2.noalias() += y.row(r).transpose() * y.row(r);
      }
      t2(pattern.missing, pattern.missing) +=
          static_cast<double>(pattern.rows.size()) * conditional;
    }
    const VectorXd mu_next = t1 / nd;
    MatrixXd sigma_next = t2 / nd - mu_next * mu_next.transpose();
    sigma_next = (sigma_next + sigma_next.transpose()) / 2;

    VectorXd scale = sigma_next.diagonal().cwiseSqrt();
    for (Index j = 0; j < p; ++j) {
      if (!(scale(j) > 0)) scale(j) = 1;  // a constant indicator: absolute change
    }
    const VectorXd inverse_scale = scale.cwiseInverse();
    const double change_mu = (mu_next - mu).cwiseProduct(inverse_scale).cwiseAbs().maxCoeff();
    const double change_sigma =
        (inverse_scale.asDiagonal() * (sigma_next - sigma) * inverse_scale.asDiagonal())
            .cwiseAbs()
            .maxCoeff();
    mu = mu_next;
    sigma = sigma_next;
    out.em_iterations = iteration;
    if (std::max(change_mu, change_sigma) <= tolerance) {
      out.em_converged = true;
      break;
    }
  }
  for (const MissingPattern& pattern : patterns) conditional_fill(pattern, mu, sigma, y);
  // Observed cells are copied, not shifted back, so that they stay exact.
  out.values = x;
  for (const MissingPattern& pattern : patterns) {
    for (const Index r : pattern.rows) {
      for (const Index j : pattern.missing) out.values(r, j) = y(r, j) + shift(j);
    }
  }
}

// ---------------------------------------------------------------------------
// Transforms and normalisation

// R's quantile type 7 (Hyndman & Fan 1996): linear interpolation between
// order statistics at position 1 + (n - 1) prob.
double quantile_type7(const std::vector<double>& sorted, double prob) {
  const double position = static_cast<double>(sorted.size() - 1) * prob;
  const auto lower = static_cast<std::size_t>(std::floor(position));
  const double fraction = position - static_cast<double>(lower);
  if (fraction == 0 || lower + 1 >= sorted.size()) return sorted[lower];
  return (1 - fraction) * sorted[lower] + fraction * sorted[lower + 1];
}

// Ranks 1..n with ties given the mean of the ranks they span.
VectorXd average_ranks(const VectorXd& column) {
  const Index n = column.size();
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return column(a) < column(b); });
  VectorXd ranks(n);
  std::size_t start = 0;
  while (start < order.size()) {
    std::size_t end = start + 1;
    while (end < order.size() && column(order[end]) == column(order[start])) ++end;
    // positions start..end-1 hold ranks start+1..end; their mean:
    const double rank = (static_cast<double>(start + 1) + static_cast<double>(end)) / 2;
    for (std::size_t k = start; k < end; ++k) ranks(order[k]) = rank;
    start = end;
  }
  return ranks;
}

// ---------------------------------------------------------------------------
// Weights

// The Handbook's (section 6.1) weights from a loading matrix (indicators x
// components): each indicator goes to the component where its squared
// loading is largest; its weight is that squared loading over the
// component's sum of squares (the loadings "scaled to unity sum"), times the
// component's share of the total sum of squares; then all are rescaled to
// sum to 1.
VectorXd weights_from_loadings(const MatrixXd& loadings) {
  const MatrixXd squared = loadings.cwiseAbs2();
  const VectorXd sum_of_squares = squared.colwise().sum().transpose();
  const double total = sum_of_squares.sum();
  VectorXd weights(loadings.rows());
  for (Index j = 0; j < loadings.rows(); ++j) {
    Index k = 0;
    squared.row(j).maxCoeff(&k);
    weights(j) = sum_of_squares(k) > 0
                     ? squared(j, k) / sum_of_squares(k) * (sum_of_squares(k) / total)
                     : 0.0;
  }
  const double sum = weights.sum();
  if (!(sum > 0)) {
    throw usage_error(
        "the indicators share no common variance (every loading is 0): data-driven weights are "
        "undefined");
  }
  return weights / sum;
}

// Principal components kept by the Kaiser rule (eigenvalue > 1, at least one).
Index kaiser_count(const VectorXd& decreasing_eigenvalues) {
  Index kept = 0;
  while (kept < decreasing_eigenvalues.size() && decreasing_eigenvalues(kept) > 1) ++kept;
  return std::max<Index>(kept, 1);
}

MatrixXd pca_loadings(const MatrixXd& correlation) {
  const auto [values, vectors] = decreasing_eigen(correlation);
  const Index kept = kaiser_count(values);
  return vectors.leftCols(kept) * values.head(kept).cwiseMax(0.0).cwiseSqrt().asDiagonal();
}

// Degrees of freedom of an m-factor model for p indicators.
Index factor_dof_twice(Index p, Index m) {
  return (p - m) * (p - m) - p - m;
}

// The ML factor model at uniquenesses psi, with the loadings concentrated
// out (Joreskog 1967): with e the eigenvalues of Psi^-1/2 R Psi^-1/2, the
// discrepancy log|Sigma| + tr(Sigma^-1 R) - log|R| - p is minimised over
// the loadings at sum over the p - m smallest e of (e - log e - 1), by
// loadings Psi^1/2 V diag(sqrt(max(e - 1, 0))) from the m largest; the
// gradient in psi_j is (Lambda Lambda' + Psi - R)_jj / psi_j^2.
struct FactorState {
  double objective = 0;
  VectorXd gradient;
  MatrixXd loadings;
};

FactorState factor_state(const MatrixXd& correlation, const VectorXd& psi, Index factors) {
  const Index p = correlation.rows();
  const VectorXd root = psi.cwiseSqrt();
  const VectorXd inverse_root = root.cwiseInverse();
  const MatrixXd scaled = inverse_root.asDiagonal() * correlation * inverse_root.asDiagonal();
  const auto [values, vectors] = decreasing_eigen(scaled);
  FactorState state;
  state.objective = 0;
  for (Index k = factors; k < p; ++k) state.objective += values(k) - std::log(values(k)) - 1;
  state.loadings = root.asDiagonal() * vectors.leftCols(factors) *
                   (values.head(factors).array() - 1).cwiseMax(0.0).sqrt().matrix().asDiagonal();
  const VectorXd implied = state.loadings.rowwise().squaredNorm() + psi;
  state.gradient = (implied - correlation.diagonal()).cwiseQuotient(psi.cwiseAbs2());
  return state;
}

// Varimax rotation (Kaiser 1958) with Kaiser's row normalisation, by the
// singular-value iteration for orthomax criteria (Jennrich 2001, "A simple
// general procedure for orthogonal rotation", Psychometrika 66): the
// rotation that best aligns with the criterion's gradient is U V' of that
// gradient's SVD, and the criterion rises monotonically to a maximum.
MatrixXd varimax(const MatrixXd& loadings) {
  const Index p = loadings.rows();
  const Index m = loadings.cols();
  if (m < 2) return loadings;
  VectorXd row_norm = loadings.rowwise().norm();
  for (Index j = 0; j < p; ++j) {
    if (row_norm(j) == 0) row_norm(j) = 1;
  }
  const MatrixXd normalised = row_norm.cwiseInverse().asDiagonal() * loadings;
  MatrixXd rotation = MatrixXd::Identity(m, m);
  for (int iteration = 0; iteration < kMaxVarimaxIterations; ++iteration) {
    const MatrixXd rotated = normalised * rotation;
    const VectorXd column_ss = rotated.cwiseAbs2().colwise().sum().transpose();
    const MatrixXd target = rotated.cwiseAbs2().cwiseProduct(rotated) -
                            rotated * (column_ss / static_cast<double>(p)).asDiagonal();
    const Eigen::JacobiSVD<MatrixXd> svd(normalised.transpose() * target,
                                         Eigen::ComputeFullU | Eigen::ComputeFullV);
    const MatrixXd next = svd.matrixU() * svd.matrixV().transpose();
    const double change = (next - rotation).cwiseAbs().maxCoeff();
    rotation = next;
    if (change <= kVarimaxTolerance) break;
  }
  return row_norm.asDiagonal() * (normalised * rotation);
}

}  // namespace

// ---------------------------------------------------------------------------

Imputed impute(const MatrixXd& x, MissingData method, int max_iterations, double tolerance) {
  const Index n = x.rows();
  const Index p = x.cols();
  int missing_cells = 0;
  for (Index j = 0; j < p; ++j) {
    Index observed = 0;
    for (Index i = 0; i < n; ++i) {
      if (std::isnan(x(i, j))) {
        ++missing_cells;
      } else if (std::isinf(x(i, j))) {
        throw data_error(fmt::format("row {}, column {} is infinite", i + 1, j + 1));
      } else {
        ++observed;
      }
    }
    if (observed == 0) {
      throw data_error(fmt::format(
          "indicator in column {} has no observed value: it cannot be imputed (drop it)", j + 1));
    }
  }

  Imputed out;
  if (method == MissingData::drop_unit) {
    for (Index i = 0; i < n; ++i) {
      if (!x.row(i).array().isNaN().any()) out.rows_kept.push_back(i);
    }
    if (out.rows_kept.empty()) {
      throw data_error(fmt::format(
          "no unit has every indicator: dropping incomplete units would leave none of {}", n));
    }
    out.values = x(out.rows_kept, Eigen::all);
    return out;
  }

  out.rows_kept.resize(static_cast<std::size_t>(n));
  std::iota(out.rows_kept.begin(), out.rows_kept.end(), Index{0});
  out.cells_imputed = missing_cells;
  if (method == MissingData::em) {
    if (max_iterations < 1 || !(tolerance > 0)) {
      throw usage_error(fmt::format("EM needs max_iterations >= 1 and tolerance > 0, got {} and {}",
                                    max_iterations, tolerance));
    }
    impute_em(x, max_iterations, tolerance, out);
    return out;
  }
  out.values = x;
  for (Index j = 0; j < p; ++j) {
    const std::vector<double> values = observed_values(x.col(j));
    const double fill = method == MissingData::mean
                            ? std::accumulate(values.begin(), values.end(), 0.0) /
                                  static_cast<double>(values.size())
                            : median_of(values);
    for (Index i = 0; i < n; ++i) {
      if (std::isnan(x(i, j))) out.values(i, j) = fill;
    }
  }
  return out;
}

VectorXd transform(const VectorXd& column, Transform transform, double lower_quantile,
                   double upper_quantile) {
  switch (transform) {
    case Transform::none:
      return column;
    case Transform::log: {
      VectorXd out(column.size());
      for (Index i = 0; i < column.size(); ++i) {
        const double v = column(i);
        if (!std::isnan(v) && !(v > 0)) {
          throw data_error(
              fmt::format("the log transform needs values > 0, but row {} is {}", i + 1, v));
        }
        out(i) = std::log(v);
      }
      return out;
    }
    case Transform::winsorise: {
      if (!(lower_quantile >= 0 && lower_quantile <= upper_quantile && upper_quantile <= 1)) {
        throw usage_error(
            fmt::format("winsorising needs quantiles 0 <= lower <= upper <= 1, got {} and {}",
                        lower_quantile, upper_quantile));
      }
      std::vector<double> sorted = observed_values(column);
      if (sorted.empty()) return column;
      std::sort(sorted.begin(), sorted.end());
      const double low = quantile_type7(sorted, lower_quantile);
      const double high = quantile_type7(sorted, upper_quantile);
      return column.unaryExpr(
          [&](double v) { return std::isnan(v) ? v : std::clamp(v, low, high); });
    }
  }
  throw Error(Error::Kind::internal, "index: unknown transform");
}

VectorXd normalise(const VectorXd& column, Normalisation method, bool protective,
                   std::optional<Index> reference_row) {
  require_complete(column, "normalise");
  const Index n = column.size();
  if (n == 0) return column;
  switch (method) {
    case Normalisation::minmax: {
      const double low = column.minCoeff();
      const double high = column.maxCoeff();
      if (low == high) {
        throw usage_error(fmt::format(
            "min-max normalisation of a constant indicator (every unit is {}) would divide by 0",
            low));
      }
      const VectorXd scaled = (column.array() - low) / (high - low);
      return protective ? VectorXd(1 - scaled.array()) : scaled;
    }
    case Normalisation::zscore: {
      if (n < 2) throw usage_error("z-scores need at least 2 units");
      if (is_constant(column)) {
        throw usage_error(fmt::format(
            "z-scores of a constant indicator (every unit is {}) would divide by a zero sd",
            column(0)));
      }
      const double mean = column.mean();
      const double sd =
          std::sqrt((column.array() - mean).square().sum() / static_cast<double>(n - 1));
      const VectorXd z = (column.array() - mean) / sd;
      return protective ? VectorXd(-z) : z;
    }
    case Normalisation::rank: {
      const VectorXd ranks = average_ranks(column);
      // n + 1 - rank is the rank of -x, ties still averaged.
      return protective ? VectorXd(static_cast<double>(n + 1) - ranks.array()) : ranks;
    }
    case Normalisation::distance: {
      if (!reference_row || *reference_row < 0 || *reference_row >= n) {
        throw usage_error(
            reference_row
                ? fmt::format("the reference row {} is outside the {} units", *reference_row + 1, n)
                : std::string("the distance normalisation needs a reference unit"));
      }
      const double reference = column(*reference_row);
      if (reference == 0) {
        throw usage_error(fmt::format(
            "the distance normalisation divides by the reference unit's value, which is 0 (row {})",
            *reference_row + 1));
      }
      const VectorXd distance = column.array() / reference - 1;
      return protective ? VectorXd(-distance) : distance;
    }
  }
  throw Error(Error::Kind::internal, "index: unknown normalisation");
}

VectorXd dimension_weights(const MatrixXd& normalised, Weighting method,
                           const VectorXd& expert_weights) {
  const Index p = normalised.cols();
  if (p == 0) throw usage_error("a dimension needs at least one indicator");
  switch (method) {
    case Weighting::equal:
      return VectorXd::Constant(p, 1.0 / static_cast<double>(p));
    case Weighting::expert: {
      if (expert_weights.size() != p) {
        throw usage_error(
            fmt::format("{} expert weights for {} indicators", expert_weights.size(), p));
      }
      for (Index j = 0; j < p; ++j) {
        if (!(expert_weights(j) >= 0) || std::isinf(expert_weights(j))) {
          throw usage_error(fmt::format("expert weight {} is {}; weights must be finite and >= 0",
                                        j + 1, expert_weights(j)));
        }
      }
      const double sum = expert_weights.sum();
      if (!(sum > 0)) throw usage_error("the expert weights are all 0");
      return expert_weights / sum;
    }
    case Weighting::pca:
      if (p == 1) return VectorXd::Ones(1);
      return weights_from_loadings(pca_loadings(correlation_of(normalised, "PCA weights")));
    case Weighting::factor_analysis: {
      if (p == 1) return VectorXd::Ones(1);
      const MatrixXd correlation = correlation_of(normalised, "factor-analysis weights");
      // Two indicators cannot identify even one factor (negative degrees of
      // freedom), hence principal components there.
      if (p <= 2) return weights_from_loadings(pca_loadings(correlation));
      Index factors = kaiser_count(decreasing_eigen(correlation).first);
      while (factors > 1 && factor_dof_twice(p, factors) < 0) --factors;
      return weights_from_loadings(factor_analysis(normalised, static_cast<int>(factors)).loadings);
    }
  }
  throw Error(Error::Kind::internal, "index: unknown weighting");
}

FactorAnalysis factor_analysis(const MatrixXd& data, int factors) {
  const MatrixXd correlation = correlation_of(data, "factor analysis");
  const Index p = correlation.rows();
  const Index m = factors;
  if (m < 1 || m >= p || factor_dof_twice(p, m) < 0) {
    throw usage_error(fmt::format(
        "{} factors cannot be fitted to {} indicators (the degrees of freedom would be negative)",
        factors, p));
  }
  const Eigen::LLT<MatrixXd> cholesky(correlation);
  const VectorXd eigenvalues = decreasing_eigen(correlation).first;
  if (cholesky.info() != Eigen::Success || !(eigenvalues(p - 1) > 1e-12 * eigenvalues(0))) {
    throw usage_error(
        "factor analysis needs a non-singular correlation matrix: some indicators are linear "
        "combinations of others (or there are fewer units than indicators)");
  }

  // The customary start (Joreskog 1967): psi = (1 - m / 2p) / diag(R^-1),
  // a fraction of each indicator's variance not explained by the others.
  const MatrixXd inverse = cholesky.solve(MatrixXd::Identity(p, p));
  VectorXd psi = (1 - 0.5 * static_cast<double>(m) / static_cast<double>(p)) *
                 inverse.diagonal().cwiseInverse();
  psi = psi.cwiseMax(kMinUniqueness).cwiseMin(1.0);

  // Projected Newton iteration on the box [kMinUniqueness, 1]: bounds whose
  // gradient pushes outwards are held fixed, the Hessian of the free
  // uniquenesses is differenced from the analytic gradient, and a
  // backtracking line search on the projected path keeps the objective
  // falling.
  FactorAnalysis out;
  FactorState state = factor_state(correlation, psi, m);
  for (int iteration = 1; iteration <= kMaxFactorIterations; ++iteration) {
    out.iterations = iteration;
    std::vector<Index> free;
    for (Index j = 0; j < p; ++j) {
      const bool held = (psi(j) <= kMinUniqueness && state.gradient(j) > 0) ||
                        (psi(j) >= 1 && state.gradient(j) < 0);
      if (!held) free.push_back(j);
    }
    const double gradient_max = free.empty() ? 0.0 : state.gradient(free).cwiseAbs().maxCoeff();
    if (gradient_max <= kFactorGradientTolerance) {
      out.converged = true;
      break;
    }
    const auto f = static_cast<Index>(free.size());
    MatrixXd hessian(f, f);
    for (Index a = 0; a < f; ++a) {
      const Index j = free[static_cast<std::size_t>(a)];
      const double h = 1e-5 * psi(j);
      VectorXd up = psi;
      VectorXd down = psi;
      up(j) += h;
      down(j) -= h;
      hessian.col(a) = (factor_state(correlation, up, m).gradient(free) -
                        factor_state(correlation, down, m).gradient(free)) /
                       (2 * h);
    }
    hessian = (hessian + hessian.transpose()) / 2;
    // Far from the optimum the Hessian need not be positive definite: a
    // Levenberg shift turns the step towards steepest descent until it is.
    const VectorXd gradient = state.gradient(free);
    VectorXd step;
    double shift = 0;
    for (int attempt = 0; attempt < 60; ++attempt) {
      const Eigen::LLT<MatrixXd> llt(hessian + shift * MatrixXd::Identity(f, f));
      if (llt.info() == Eigen::Success) {
        step = -llt.solve(gradient);
        break;
      }
      shift =
          shift == 0 ? 1e-6 * std::max(hessian.diagonal().cwiseAbs().maxCoeff(), 1.0) : 10 * shift;
    }
    if (step.size() == 0) step = -gradient;

    const bool trusted = shift == 0 && step.cwiseAbs().maxCoeff() < kTrustedNewtonStep;
    bool moved = false;
    for (double t = 1; t > 1e-12; t /= 2) {
      VectorXd trial = psi;
      trial(free) = (psi(free) + t * step).cwiseMax(kMinUniqueness).cwiseMin(1.0);
      FactorState trial_state = factor_state(correlation, trial, m);
      const double decrease = state.gradient.dot(trial - psi);
      if (trusted || trial_state.objective <= state.objective + 1e-4 * decrease) {
        moved = (trial - psi).cwiseAbs().maxCoeff() > 0;
        psi = trial;
        state = std::move(trial_state);
        break;
      }
    }
    if (!moved) break;  // no descent left above rounding: out.converged stays false
  }
  out.uniquenesses = psi;
  out.objective = state.objective;
  // As factanal presents them: columns by decreasing sum of squares, each
  // signed to sum positive, so that the same solution prints the same way.
  const MatrixXd rotated = varimax(state.loadings);
  const VectorXd sum_of_squares = rotated.cwiseAbs2().colwise().sum().transpose();
  std::vector<Index> order(static_cast<std::size_t>(m));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return sum_of_squares(a) > sum_of_squares(b); });
  out.loadings.resize(p, m);
  for (Index k = 0; k < m; ++k) {
    const auto column = rotated.col(order[static_cast<std::size_t>(k)]);
    out.loadings.col(k) = column.sum() < 0 ? VectorXd(-column) : VectorXd(column);
  }
  return out;
}

VectorXd aggregate(const MatrixXd& values, const VectorXd& weights, Aggregation method) {
  const Index n = values.rows();
  const Index p = values.cols();
  if (weights.size() != p) {
    throw usage_error(fmt::format("{} weights for {} components", weights.size(), p));
  }
  if (p == 0) throw usage_error("nothing to aggregate: no components");
  for (Index j = 0; j < p; ++j) {
    if (!(weights(j) >= 0) || std::isinf(weights(j))) {
      throw usage_error(
          fmt::format("weight {} is {}; weights must be finite and >= 0", j + 1, weights(j)));
    }
  }
  if (std::abs(weights.sum() - 1) > kWeightSumTolerance) {
    throw usage_error(fmt::format("the aggregation weights sum to {}, not 1", weights.sum()));
  }
  require_complete(values, "aggregate");
  switch (method) {
    case Aggregation::arithmetic:
      return values * weights;
    case Aggregation::geometric: {
      for (Index j = 0; j < p; ++j) {
        for (Index i = 0; i < n; ++i) {
          if (!(values(i, j) > 0)) {
            throw usage_error(
                fmt::format("geometric aggregation needs values > 0, but row {}, column {} is {}",
                            i + 1, j + 1, values(i, j)));
          }
        }
      }
      return (values.array().log().matrix() * weights).array().exp();
    }
    case Aggregation::mazziotta_pareto: {
      MatrixXd z(n, p);
      for (Index j = 0; j < p; ++j) {
        if (is_constant(values.col(j))) {
          throw usage_error(fmt::format(
              "the Mazziotta-Pareto index standardises each component, but column {} is "
              "constant ({})",
              j + 1, values(0, j)));
        }
        const double mean = values.col(j).mean();
        const double sd =
            std::sqrt((values.col(j).array() - mean).square().sum() / static_cast<double>(n));
        z.col(j) = 100 + 10 * (values.col(j).array() - mean) / sd;
      }
      const VectorXd m = z * weights;
      const VectorXd s = ((z.colwise() - m).cwiseAbs2() * weights).cwiseMax(0.0).cwiseSqrt();
      VectorXd out(n);
      for (Index i = 0; i < n; ++i) {
        // z of a unit more than 10 sd below the mean on average: the
        // coefficient of variation, and so the penalty, is meaningless.
        if (!(m(i) > 0)) {
          throw usage_error(fmt::format(
              "the Mazziotta-Pareto index is undefined for row {}: its mean standardised value "
              "is {} (not > 0)",
              i + 1, m(i)));
        }
        out(i) = m(i) + s(i) * (s(i) / m(i));
      }
      return out;
    }
  }
  throw Error(Error::Kind::internal, "index: unknown aggregation");
}

DimensionDiagnostics diagnose(const MatrixXd& normalised) {
  const Index p = normalised.cols();
  if (p == 0) throw usage_error("diagnostics need at least one indicator");
  DimensionDiagnostics out;
  out.correlation = correlation_of(normalised, "diagnostics");
  const MatrixXd covariance = covariance_of(normalised);
  out.eigenvalues = decreasing_eigen(out.correlation).first;
  out.explained = out.eigenvalues / out.eigenvalues.sum();
  out.negatively_correlated.assign(static_cast<std::size_t>(p), false);
  if (p == 1) {
    out.cronbach_alpha = kNan;
    out.standardised_alpha = kNan;
    return out;
  }
  // Cronbach (1951): alpha = p / (p - 1) (1 - sum of item variances /
  // variance of the total), the total's variance being the sum of all
  // covariances; from the correlations, the same on standardised items.
  const auto pd = static_cast<double>(p);
  const double total_variance = covariance.sum();
  out.cronbach_alpha = pd / (pd - 1) * (1 - covariance.trace() / total_variance);
  out.standardised_alpha = pd / (pd - 1) * (1 - pd / out.correlation.sum());
  // r.drop: the correlation of each item with the total of the others,
  // cov(x_j, T - x_j) / sqrt(var x_j var(T - x_j)), from the covariances.
  for (Index j = 0; j < p; ++j) {
    const double with_total = covariance.row(j).sum();
    const double covariance_rest = with_total - covariance(j, j);
    const double variance_rest = total_variance - 2 * with_total + covariance(j, j);
    const double r_drop = covariance_rest / std::sqrt(covariance(j, j) * variance_rest);
    out.negatively_correlated[static_cast<std::size_t>(j)] = r_drop < 0;
  }
  return out;
}

}  // namespace vigil::index
