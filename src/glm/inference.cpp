// Sandwich covariances, coefficient tables, profile intervals and
// likelihood-ratio tests for fitted GLMs; see inference.hpp for the
// definitions and the R functions each matches.
#include "glm/inference.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <unordered_map>
#include <utility>

#include "core/distributions.hpp"
#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/internal.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "glm inference: " + message);
}

// ---------------------------------------------------------------------------

// The (1 + level) / 2 quantile of the reference distribution of a
// coefficient's statistic: Student's t when the dispersion is estimated.
double two_sided_quantile(const GlmFit& fit, double level) {
  const double tail = (1 - level) / 2;
  if (!fit.dispersion_estimated) return -normal_quantile(tail);
  return fit.df_residual > 0 ? -student_t_quantile(tail, fit.df_residual) : kNan;
}

void check_level(double level) {
  if (!(level > 0 && level < 1)) {
    throw usage_error(fmt::format("the confidence level must lie in (0, 1), got {}", level));
  }
}

bool is_aliased(const GlmFit& fit, Index j) {
  return !fit.aliased.empty() && fit.aliased[static_cast<std::size_t>(j)];
}

std::vector<Index> kept_columns(const GlmFit& fit) {
  std::vector<Index> kept;
  for (Index j = 0; j < fit.coefficients.size(); ++j) {
    if (!is_aliased(fit, j)) kept.push_back(j);
  }
  return kept;
}

}  // namespace

// ---------------------------------------------------------------------------

MatrixXd robust_covariance(const MatrixXd& design, const GlmFit& fit, RobustType type,
                           std::span<const int> cluster) {
  const Index n = design.rows();
  const Index cols = design.cols();
  if (cols != fit.coefficients.size()) {
    throw usage_error(fmt::format("the design has {} columns but the fit {} coefficients", cols,
                                  fit.coefficients.size()));
  }
  if (fit.working_weights.size() != n || fit.working_residuals.size() != n) {
    throw usage_error(fmt::format(
        "the fit carries {} working weights and {} working residuals for a design of {} rows",
        fit.working_weights.size(), fit.working_residuals.size(), n));
  }
  if (fit.prior_weights.size() != 0 && fit.prior_weights.size() != n) {
    throw usage_error(fmt::format("the fit carries {} prior weights for a design of {} rows",
                                  fit.prior_weights.size(), n));
  }
  if (type == RobustType::cluster) {
    if (static_cast<Index>(cluster.size()) != n) {
      throw usage_error(fmt::format(
          "clustered covariance needs one cluster id per observation: got {} for {} rows",
          cluster.size(), n));
    }
  } else if (!cluster.empty()) {
    throw usage_error("cluster ids were given but the covariance type is not `cluster`");
  }

  std::vector<Index> used;
  for (Index i = 0; i < n; ++i) {
    if (fit.prior_weights.size() == 0 || fit.prior_weights(i) > 0) used.push_back(i);
  }
  const std::vector<Index> kept = kept_columns(fit);
  const auto rows = static_cast<Index>(used.size());
  const auto k = static_cast<Index>(kept.size());
  if (k == 0) return MatrixXd::Constant(cols, cols, kNan);

  // sqrt(W) X over the used rows and kept columns; the bread (X'WX)^-1 from
  // its QR, R^-1 R^-T, rather than from X'WX, whose condition number is the
  // square of X's.
  MatrixXd root_wx(rows, k);
  MatrixXd scores(rows, k);
  for (Index r = 0; r < rows; ++r) {
    const Index i = used[static_cast<std::size_t>(r)];
    const double w = fit.working_weights(i);
    const double score_scale = w * fit.working_residuals(i);
    const double root_w = std::sqrt(w);
    for (Index c = 0; c < k; ++c) {
      const double x = design(i, kept[static_cast<std::size_t>(c)]);
      root_wx(r, c) = root_w * x;
      scores(r, c) = score_scale * x;
    }
  }
  const Eigen::HouseholderQR<MatrixXd> qr(root_wx);
  const MatrixXd r_factor = qr.matrixQR().topRows(k).triangularView<Eigen::Upper>();
  const MatrixXd r_inverse =
      r_factor.triangularView<Eigen::Upper>().solve(MatrixXd::Identity(k, k));
  const MatrixXd bread = r_inverse * r_inverse.transpose();

  const double n_used = static_cast<double>(rows);
  const double k_used = static_cast<double>(k);
  double factor = 1;
  switch (type) {
    case RobustType::hc0:
      break;
    case RobustType::hc1:
      factor = rows > k ? n_used / (n_used - k_used) : kNan;
      break;
    case RobustType::hc3: {
      // h_i = w_i x_i' B x_i: the squared row norms of sqrt(W) X R^-1.
      const MatrixXd q_rows = root_wx * r_inverse;
      for (Index r = 0; r < rows; ++r) {
        const double leverage = q_rows.row(r).squaredNorm();
        // Hat value 1: the observation fits itself exactly and its
        // jackknife residual is 0 / 0.
        if (!(leverage < 1 - 1e-12)) return MatrixXd::Constant(cols, cols, kNan);
        scores.row(r) /= 1 - leverage;
      }
      break;
    }
    case RobustType::cluster: {
      std::unordered_map<int, Index> index_of;
      for (Index r = 0; r < rows; ++r) {
        index_of.try_emplace(cluster[static_cast<std::size_t>(used[static_cast<std::size_t>(r)])],
                             static_cast<Index>(index_of.size()));
      }
      const auto groups = static_cast<Index>(index_of.size());
      if (groups < 2) {
        throw usage_error(
            "clustered covariance needs at least two clusters among the observations used");
      }
      MatrixXd sums = MatrixXd::Zero(groups, k);
      for (Index r = 0; r < rows; ++r) {
        sums.row(index_of.at(
            cluster[static_cast<std::size_t>(used[static_cast<std::size_t>(r)])])) += scores.row(r);
      }
      scores = std::move(sums);
      const auto g = static_cast<double>(groups);
      factor = rows > k ? g / (g - 1) * (n_used - 1) / (n_used - k_used) : kNan;
      break;
    }
  }
  const MatrixXd bread_scores = bread * scores.transpose();
  MatrixXd sandwich = factor * (bread_scores * bread_scores.transpose());
  // Symmetric in exact arithmetic; make it so in floating point too.
  sandwich = 0.5 * (sandwich + sandwich.transpose()).eval();
  return detail::expand_covariance(sandwich, kept, cols);
}

// ---------------------------------------------------------------------------

Interval profile_interval(const GlmInput& input, const GlmFit& fit, int column, double level) {
  check_level(level);
  const Index n = input.design.rows();
  const Index cols = input.design.cols();
  if (cols != fit.coefficients.size() || input.response.size() != n) {
    throw usage_error(fmt::format(
        "the input ({} rows, {} columns, {} responses) does not match the fit ({} coefficients)", n,
        cols, input.response.size(), fit.coefficients.size()));
  }
  if (column < 0 || column >= cols) {
    throw usage_error(
        fmt::format("column {} is out of range: the design has {} columns", column, cols));
  }
  Interval interval;
  const Index j = column;
  const double estimate = fit.coefficients(j);
  const double scale = std::sqrt(fit.covariance(j, j));
  if (is_aliased(fit, j) || !std::isfinite(estimate) || !std::isfinite(scale) || scale <= 0) {
    return interval;
  }

  // The other kept columns; with none left, one column of zeros, which the
  // fitter declares aliased, so that the refit is just mu = linkinv(offset).
  std::vector<Index> others;
  for (const Index c : kept_columns(fit)) {
    if (c != j) others.push_back(c);
  }
  MatrixXd reduced = MatrixXd::Zero(n, std::max<Index>(1, static_cast<Index>(others.size())));
  for (std::size_t c = 0; c < others.size(); ++c) {
    reduced.col(static_cast<Index>(c)) = input.design.col(others[c]);
  }
  GlmOptions options = input.options;
  if (fit.family == Family::negative_binomial) options.theta = fit.theta;
  const VectorXd base_offset =
      input.options.offset.size() == 0 ? VectorXd::Zero(n) : input.options.offset;
  const double dispersion = fit.dispersion;

  // z(b). A refit whose deviance is not finite is beyond any cutoff; one
  // that did not converge says nothing reliable, NaN.
  const auto signed_root = [&](double b) {
    options.offset = base_offset + input.design.col(j) * b;
    const GlmFit refit = fit_glm(reduced, input.response, options);
    const double sign = b >= estimate ? 1.0 : -1.0;
    if (!std::isfinite(refit.deviance)) return sign * kInfinity;
    if (!refit.converged) return kNan;
    // A refit below the fit's deviance means the fit had not quite reached
    // the maximum; that rounding-level gap is not a departure from it.
    return sign * std::sqrt(std::max(refit.deviance - fit.deviance, 0.0) / dispersion);
  };

  const double cutoff = -normal_quantile((1 - level) / 2);
  // Steps out from the estimate in doubling multiples of the Wald
  // half-width until the profile passes the cutoff, then Brent's method in
  // the last step. The search ends, with an infinite bound, once a step
  // moves the linear predictor by kMaxPredictorShift: exp() of that is
  // beyond the range of doubles, so no fitted value can change further.
  // When the estimate does not exist the Wald half-width is huge and
  // meaningless, and refits that far out may not converge; so the first
  // step moves the linear predictor by at most kFirstPredictorShift.
  constexpr double kFirstPredictorShift = 1;
  constexpr double kMaxPredictorShift = 700;
  const double column_size = input.design.col(j).cwiseAbs().maxCoeff();
  const double first_step = std::min(cutoff * scale, kFirstPredictorShift / column_size);
  const double max_step = kMaxPredictorShift / column_size;
  const double x_tolerance = 1e-10 * std::min(scale, 1.0 + std::abs(estimate));
  const auto bound = [&](double direction) {
    const double target = direction * cutoff;
    bool failed = false;
    const auto f = [&](double b) {
      const double z = signed_root(b);
      if (std::isnan(z)) failed = true;
      // Brent's method needs finite values; beyond the cutoff the size of
      // the excess does not matter.
      return std::isnan(z) ? 0.0 : std::clamp(z, -1e3 * cutoff, 1e3 * cutoff) - target;
    };
    double inner = estimate;
    double f_inner = -direction * cutoff;
    for (double step = first_step;; step = std::min(2 * step, max_step)) {
      const double outer = estimate + direction * step;
      const double f_outer = f(outer);
      if (failed) return kNan;
      if (direction * f_outer >= 0) {
        const double root = find_root(f, inner, outer, f_inner, f_outer, x_tolerance, 0.0);
        return failed ? kNan : root;
      }
      if (step == max_step) return direction * kInfinity;
      inner = outer;
      f_inner = f_outer;
    }
  };
  interval.lower = bound(-1.0);
  interval.upper = bound(1.0);
  return interval;
}

// ---------------------------------------------------------------------------

std::vector<CoefficientRow> coefficient_table(const GlmInput& input, const GlmFit& fit,
                                              std::span<const std::string> terms,
                                              const MatrixXd& covariance, double level,
                                              IntervalMethod method) {
  check_level(level);
  const Index p = fit.coefficients.size();
  if (static_cast<Index>(terms.size()) != p) {
    throw usage_error(fmt::format("{} term names were given for {} coefficients", terms.size(), p));
  }
  if (covariance.rows() != p || covariance.cols() != p) {
    throw usage_error(fmt::format("the covariance is {} x {} for {} coefficients",
                                  covariance.rows(), covariance.cols(), p));
  }
  const bool t_statistic = fit.dispersion_estimated;
  const double df = fit.df_residual;
  const double quantile = method == IntervalMethod::wald ? two_sided_quantile(fit, level) : kNan;

  std::vector<CoefficientRow> table;
  table.reserve(static_cast<std::size_t>(p));
  for (Index j = 0; j < p; ++j) {
    CoefficientRow row;
    row.term = terms[static_cast<std::size_t>(j)];
    if (is_aliased(fit, j)) {
      row.estimate = row.std_error = row.statistic = row.p_value = row.ci_lower = row.ci_upper =
          kNan;
      table.push_back(std::move(row));
      continue;
    }
    row.estimate = fit.coefficients(j);
    row.std_error = std::sqrt(covariance(j, j));
    row.statistic = row.estimate / row.std_error;
    const double magnitude = std::abs(row.statistic);
    if (std::isnan(magnitude) || (t_statistic && df <= 0)) {
      row.p_value = kNan;
    } else {
      row.p_value =
          t_statistic ? 2 * student_t_upper_tail(magnitude, df) : 2 * normal_upper_tail(magnitude);
    }
    if (method == IntervalMethod::wald) {
      row.ci_lower = row.estimate - quantile * row.std_error;
      row.ci_upper = row.estimate + quantile * row.std_error;
    } else {
      const Interval interval = profile_interval(input, fit, static_cast<int>(j), level);
      row.ci_lower = interval.lower;
      row.ci_upper = interval.upper;
    }
    table.push_back(std::move(row));
  }
  return table;
}

// ---------------------------------------------------------------------------

LikelihoodRatioTest likelihood_ratio_test(const GlmFit& reduced, const GlmFit& full) {
  if (reduced.family != full.family) {
    throw usage_error(fmt::format("the models have different families ({} and {})",
                                  family_name(reduced.family), family_name(full.family)));
  }
  if (reduced.observations != full.observations) {
    throw usage_error(
        fmt::format("the models were fitted to different numbers of observations ({} and {})",
                    reduced.observations, full.observations));
  }
  if (reduced.prior_weights.size() != full.prior_weights.size() ||
      reduced.prior_weights != full.prior_weights) {
    throw usage_error("the models were fitted with different prior weights");
  }
  if (reduced.rank >= full.rank) {
    throw usage_error(fmt::format(
        "the reduced model must have fewer parameters than the full one, but has {} against {} "
        "(pass the smaller model first)",
        reduced.rank, full.rank));
  }
  const double df = full.rank - reduced.rank;
  // A nested full model cannot fit worse; allow for the fits' tolerance.
  const auto check_improvement = [](double gain, double scale) {
    if (gain < -1e-8 * (std::abs(scale) + 1)) {
      throw usage_error(
          "the full model fits worse than the reduced one, so they are not nested (or a fit "
          "did not converge)");
    }
  };

  LikelihoodRatioTest test;
  test.df = df;
  const bool theta_estimated =
      full.family == Family::negative_binomial && reduced.theta_estimated && full.theta_estimated;
  if (full.family == Family::negative_binomial && !theta_estimated) {
    if (reduced.theta_estimated || full.theta_estimated || reduced.theta != full.theta) {
      throw usage_error(fmt::format(
          "negative binomial models compare with theta estimated in both, or fixed at the same "
          "value in both (got theta {}{} and {}{})",
          reduced.theta, reduced.theta_estimated ? " estimated" : " fixed", full.theta,
          full.theta_estimated ? " estimated" : " fixed"));
    }
  }

  if (theta_estimated) {
    const double gain = 2 * (full.log_likelihood - reduced.log_likelihood);
    check_improvement(gain, full.log_likelihood);
    test.statistic = std::max(gain, 0.0);
    test.p_value = chi_squared_upper_tail(test.statistic, df);
    test.method =
        "chi-square on twice the log-likelihood difference, theta estimated in each model";
    return test;
  }
  const double drop = reduced.deviance - full.deviance;
  check_improvement(drop, reduced.deviance);
  if (full.family == Family::quasi_poisson) {
    test.df_denominator = full.df_residual;
    test.statistic = std::max(drop, 0.0) / df / full.dispersion;
    test.p_value =
        full.df_residual > 0 ? f_upper_tail(test.statistic, df, test.df_denominator) : kNan;
    test.method = "F on the deviance difference over the full model's dispersion";
    return test;
  }
  test.statistic = std::max(drop, 0.0);
  test.p_value = chi_squared_upper_tail(test.statistic, df);
  test.method = "chi-square on the deviance difference";
  return test;
}

// ---------------------------------------------------------------------------

std::vector<RatioRow> ratio_table(std::span<const CoefficientRow> table) {
  std::vector<RatioRow> ratios;
  ratios.reserve(table.size());
  for (const CoefficientRow& row : table) {
    ratios.push_back({row.term, std::exp(row.estimate), std::exp(row.ci_lower),
                      std::exp(row.ci_upper), row.p_value});
  }
  return ratios;
}

}  // namespace vigil::glm
