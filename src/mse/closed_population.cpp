// The closed-population models of Rcapture's `closedp.t` (Baillargeon &
// Rivest 2007, J. Stat. Software 19(5); Rivest & Levesque 2001,
// Canadian J. Statistics 29: 555-572): Poisson log-linear models of the 2^t - 1
// observable capture histories, each with its own design, fitted by vigil's
// one GLM fitter on every cell (zero counts included), as fit_log_linear.
//
// Lists play the part of Rcapture's capture occasions, in the order of the
// table's columns: list j is occasion j + 1. Only Mb and Mbh depend on that
// order (they model the first capture).
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/numeric.hpp"
#include "glm/glm.hpp"
#include "mse/existence.hpp"
#include "mse/mse.hpp"

namespace vigil::mse {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
// Rcapture's getBiasWarn: the asymptotic bias is "large" above 10 % of N.
constexpr double kLargeBiasFraction = 0.1;
// Gamma3.5's theta and Poisson2's base, Rcapture's defaults in closedp.t.
constexpr double kGammaTheta = 3.5;
constexpr double kPoissonBase = 2.0;

// The part of the model that is not heterogeneity.
enum class Base {
  m0,   // one capture probability: intercept + number of captures
  mt,   // one per list: intercept + list indicators
  mb,   // first capture differs from recaptures
  mbh,  // Mb, first captures after the first list at their own rate
};

enum class Heterogeneity { none, chao, poisson2, darroch, gamma35 };

struct Spec {
  Base base = Base::m0;
  Heterogeneity heterogeneity = Heterogeneity::none;
};

Spec spec_of(ClosedPopulationModel model) {
  switch (model) {
    case ClosedPopulationModel::m0:
      return {Base::m0, Heterogeneity::none};
    case ClosedPopulationModel::mt:
      return {Base::mt, Heterogeneity::none};
    case ClosedPopulationModel::mh_chao:
      return {Base::m0, Heterogeneity::chao};
    case ClosedPopulationModel::mh_poisson2:
      return {Base::m0, Heterogeneity::poisson2};
    case ClosedPopulationModel::mh_darroch:
      return {Base::m0, Heterogeneity::darroch};
    case ClosedPopulationModel::mh_gamma35:
      return {Base::m0, Heterogeneity::gamma35};
    case ClosedPopulationModel::mth_chao:
      return {Base::mt, Heterogeneity::chao};
    case ClosedPopulationModel::mth_poisson2:
      return {Base::mt, Heterogeneity::poisson2};
    case ClosedPopulationModel::mth_darroch:
      return {Base::mt, Heterogeneity::darroch};
    case ClosedPopulationModel::mth_gamma35:
      return {Base::mt, Heterogeneity::gamma35};
    case ClosedPopulationModel::mb:
      return {Base::mb, Heterogeneity::none};
    case ClosedPopulationModel::mbh:
      return {Base::mbh, Heterogeneity::none};
  }
  return {};
}

// One column of the design per parameter; `names` label them for messages.
// The heterogeneity columns come last, from `first_heterogeneity` on.
struct Design {
  MatrixXd matrix;
  std::vector<std::string> names;
  Index first_heterogeneity = 0;
};

// The heterogeneity column of a history caught k times (Rcapture's hP, hD,
// hG; Rivest & Baillargeon 2007, Biometrics 63: 999-1006, for Poisson and
// Gamma; Darroch et al. 1993, JASA 88: 1137-1148, for Darroch). Each is 0 at
// k = 0, so that exp(intercept) stays the expected number nobody caught.
double heterogeneity_value(Heterogeneity heterogeneity, int captures) {
  const auto k = static_cast<double>(captures);
  switch (heterogeneity) {
    case Heterogeneity::poisson2:
      return std::pow(kPoissonBase, k) - 1.0;
    case Heterogeneity::darroch:
      return k * k / 2.0;
    case Heterogeneity::gamma35:
      return std::log(kGammaTheta) - std::log(kGammaTheta + k);
    case Heterogeneity::none:
    case Heterogeneity::chao:
      break;
  }
  return 0.0;
}

Design build_design(const CaptureHistories& table, const Spec& spec) {
  const auto lists = static_cast<int>(table.list_count());
  Design design;
  design.names.emplace_back("(Intercept)");
  switch (spec.base) {
    case Base::m0:
      design.names.emplace_back("captures");
      break;
    case Base::mt:
      for (const auto& name : table.list_names()) design.names.push_back(name);
      break;
    case Base::mb:
      design.names.emplace_back("lists before the first capture");
      design.names.emplace_back("recaptures");
      break;
    case Base::mbh:
      design.names.emplace_back("missed by the first list");
      design.names.emplace_back("lists before the first capture");
      design.names.emplace_back("recaptures");
      break;
  }
  design.first_heterogeneity = static_cast<Index>(design.names.size());
  if (spec.heterogeneity == Heterogeneity::chao) {
    for (int j = 3; j <= lists; ++j) design.names.push_back(fmt::format("eta{}", j));
  } else if (spec.heterogeneity != Heterogeneity::none) {
    design.names.emplace_back("heterogeneity");
  }

  const auto rows = static_cast<Index>(table.cell_count() - 1);
  design.matrix = MatrixXd::Zero(rows, static_cast<Index>(design.names.size()));
  for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
    const auto row = static_cast<Index>(pattern - 1);
    const int captures = std::popcount(pattern);
    // Lists before the first that found the person (Rcapture's nbcap_av).
    const int before_first = std::countr_zero(pattern);
    auto out = design.matrix.row(row);
    Index column = 0;
    out(column++) = 1.0;
    switch (spec.base) {
      case Base::m0:
        out(column++) = captures;
        break;
      case Base::mt:
        for (int list = 0; list < lists; ++list) out(column++) = (pattern >> list) & 1U;
        break;
      case Base::mb:
        out(column++) = before_first;
        out(column++) = captures - 1;
        break;
      case Base::mbh:
        out(column++) = 1.0 - static_cast<double>(pattern & 1U);
        out(column++) = before_first;
        out(column++) = captures - 1;
        break;
    }
    if (spec.heterogeneity == Heterogeneity::chao) {
      // Chao's lower bound as a log-linear model (Rivest & Baillargeon 2007,
      // Biometrics): eta_j adds to the histories caught j or more
      // times, growing by one per further capture, max(k - j + 1, 0).
      for (int j = 3; j <= lists; ++j) out(column++) = std::max(captures - j + 1, 0);
    } else if (spec.heterogeneity != Heterogeneity::none) {
      out(column++) = heterogeneity_value(spec.heterogeneity, captures);
    }
  }
  return design;
}

VectorXd response_of(const CaptureHistories& table) {
  VectorXd response(static_cast<Index>(table.cell_count() - 1));
  for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
    response(static_cast<Index>(pattern - 1)) = static_cast<double>(table.count(pattern));
  }
  return response;
}

// Rcapture's Chao.neg: while an eta is negative, drop the first negative one
// (in column order; aliased ones are skipped) and refit. An eta below zero
// would mean less heterogeneity than none, which the lower-bound model
// cannot have (Rivest & Baillargeon 2007, Biometrics), so it is
// set to zero. Returns the names of the dropped columns.
std::vector<std::string> drop_negative_etas(Design& design, const VectorXd& response,
                                            glm::GlmFit& fit) {
  std::vector<std::string> dropped;
  for (;;) {
    Index negative = -1;
    for (Index column = design.first_heterogeneity; column < design.matrix.cols(); ++column) {
      if (!fit.aliased[static_cast<std::size_t>(column)] && fit.coefficients(column) < 0) {
        negative = column;
        break;
      }
    }
    if (negative < 0) return dropped;
    dropped.push_back(design.names[static_cast<std::size_t>(negative)]);
    design.names.erase(design.names.begin() + negative);
    const Index after = design.matrix.cols() - negative - 1;
    design.matrix.middleCols(negative, after) = design.matrix.rightCols(after).eval();
    design.matrix.conservativeResize(Eigen::NoChange, design.matrix.cols() - 1);
    fit = glm::fit_glm(design.matrix, response);
  }
}

// The asymptotic bias of exp(b0), the estimated number nobody found, which
// Rcapture tests for its large-bias warning: the second-order bias of the
// coefficients of a Poisson log-linear model, B = -V X' diag(mu) q / 2 with
// V the inverse information and q_i = x_i' V x_i (Cordeiro & McCullagh 1991,
// J. R. Statist. Soc. B 53: 629-643), carried to exp(b0) by a second-order
// expansion: bias = exp(b0) (B_1 + V_11 / 2).
double asymptotic_bias(const MatrixXd& design, const glm::GlmFit& fit) {
  const MatrixXd& covariance = fit.covariance;
  VectorXd weighted = VectorXd::Zero(design.cols());
  for (Index row = 0; row < design.rows(); ++row) {
    const VectorXd x = design.row(row).transpose();
    weighted += fit.fitted(row) * x.dot(covariance * x) * x;
  }
  const double coefficient_bias = -0.5 * covariance.row(0).dot(weighted);
  return std::exp(fit.coefficients(0)) * (coefficient_bias + 0.5 * covariance(0, 0));
}

// The total N, its standard error and the gradient of log(N - n) in the
// coefficients (for the interval), by model.
struct Estimate {
  bool valid = true;
  double total = 0;
  double std_error = 0;
  VectorXd log_unobserved_gradient;
};

// Every model but Mb and Mbh: the unobserved cell's mean is exp(b0), N = n +
// exp(b0) and Var(N) = exp(b0) + exp(2 b0) Var(b0) (Rcapture's getN: the
// Poisson variation of the unobserved count plus the delta method).
Estimate intercept_estimate(const CaptureHistories& table, const glm::GlmFit& fit) {
  Estimate out;
  const double unobserved = std::exp(fit.coefficients(0));
  out.total = static_cast<double>(table.observed()) + unobserved;
  out.std_error = std::sqrt(unobserved + unobserved * unobserved * fit.covariance(0, 0));
  out.log_unobserved_gradient = VectorXd::Unit(fit.coefficients.size(), 0);
  return out;
}

// Mb (Otis et al. 1978; log-linear form of Rivest & Levesque 2001): a
// person's first capture has probability p on each list, later ones c. The
// coefficients are b1 = log((1 - p) / (1 - c)) per list before the first
// capture and b2 = logit(c) per recapture, so that
//   D = 1 + e^b2 - e^b1 = p / (1 - c),  N = e^b0 (1 + e^b2)^t / D,
// and the unobserved mean N (1 - p)^t = e^(b0 + t b1) / D. Rcapture's
// standard error is sqrt(v' Sigma v - N) with v the gradient of N: the
// delta-method variance under the Poisson model less N, which turns it into
// the variance given the total (Cormack & Jupp 1991, Biometrika 78: 911-916).
Estimate mb_estimate(const CaptureHistories& table, const glm::GlmFit& fit) {
  Estimate out;
  const VectorXd& b = fit.coefficients;
  const double t = static_cast<double>(table.list_count());
  const double first = std::exp(b(1));
  const double again = std::exp(b(2));
  const double d = 1.0 + again - first;
  if (!(d > 0)) {
    out.valid = false;
    return out;
  }
  out.total = std::exp(b(0)) * std::pow(1.0 + again, t) / d;
  const VectorXd v =
      out.total * Eigen::Vector3d(1.0, first / d, t * again / (1.0 + again) - again / d);
  out.std_error = std::sqrt(v.dot(fit.covariance * v) - out.total);
  out.log_unobserved_gradient = Eigen::Vector3d(1.0, t + first / d, -again / d);
  return out;
}

// Mbh: Mb where people first caught after the first list have the extra
// log-rate eta, i.e. N = e^b0 (1 + e^b2)^(t-1) (1 + A), A = e^(eta + b1) / D,
// with D = 1 + e^b2 - e^b1 as for Mb; the unobserved mean is
// e^(b0 + eta + t b1) / D. The standard error is Rcapture's, whose gradient
// for b2 is (t-1) e^b2 / (1 + e^b2) - e^(eta + b1 + b2) / D^2 times
// e^b0 (1 + e^b2)^(t-1): the exact derivative has the first term multiplied
// by (1 + A). We keep Rcapture's number so that the two can be compared; the
// exact delta method gives a smaller error (UK 2013 data: 62.6, not 72.3).
Estimate mbh_estimate(const CaptureHistories& table, const glm::GlmFit& fit) {
  Estimate out;
  const VectorXd& b = fit.coefficients;
  const double t = static_cast<double>(table.list_count());
  const double first = std::exp(b(2));
  const double again = std::exp(b(3));
  const double d = 1.0 + again - first;
  if (!(d > 0)) {
    out.valid = false;
    return out;
  }
  const double a = std::exp(b(1) + b(2)) / d;
  const double scale = std::exp(b(0)) * std::pow(1.0 + again, t - 1.0);
  out.total = scale * (1.0 + a);
  const VectorXd v = scale * Eigen::Vector4d(1.0 + a, a, a + std::exp(b(1) + 2.0 * b(2)) / (d * d),
                                             (t - 1.0) * again / (1.0 + again) -
                                                 std::exp(b(1) + b(2) + b(3)) / (d * d));
  out.std_error = std::sqrt(v.dot(fit.covariance * v) - out.total);
  out.log_unobserved_gradient = Eigen::Vector4d(1.0, 1.0, t + first / d, -again / d);
  return out;
}

void clear_estimate(MseResult& result) {
  result.unobserved = kNan;
  result.total = kNan;
  result.std_error = kNan;
  result.ci_lower = kNan;
  result.ci_upper = kNan;
  result.ci_method.clear();
}

MseResult no_fit(const CaptureHistories& table, std::string reason) {
  MseResult result;
  result.observed = table.observed();
  result.exists = false;
  result.reason = std::move(reason);
  clear_estimate(result);
  result.deviance = kNan;
  result.aic = kNan;
  result.bic = kNan;
  return result;
}

std::string eta_meaning(const std::string& name) {
  // "eta4" concerns the people caught 4 or more times.
  return fmt::format("{} (people found by {} or more lists)", name, name.substr(3));
}

}  // namespace

std::string_view closed_model_name(ClosedPopulationModel model) {
  switch (model) {
    case ClosedPopulationModel::m0:
      return "M0";
    case ClosedPopulationModel::mt:
      return "Mt";
    case ClosedPopulationModel::mh_chao:
      return "Mh Chao (LB)";
    case ClosedPopulationModel::mh_poisson2:
      return "Mh Poisson2";
    case ClosedPopulationModel::mh_darroch:
      return "Mh Darroch";
    case ClosedPopulationModel::mh_gamma35:
      return "Mh Gamma3.5";
    case ClosedPopulationModel::mth_chao:
      return "Mth Chao (LB)";
    case ClosedPopulationModel::mth_poisson2:
      return "Mth Poisson2";
    case ClosedPopulationModel::mth_darroch:
      return "Mth Darroch";
    case ClosedPopulationModel::mth_gamma35:
      return "Mth Gamma3.5";
    case ClosedPopulationModel::mb:
      return "Mb";
    case ClosedPopulationModel::mbh:
      return "Mbh";
  }
  return "";
}

namespace {

MseResult fit_closed(const CaptureHistories& table, ClosedPopulationModel model) {
  const Spec spec = spec_of(model);
  const std::string_view name = closed_model_name(model);
  // With two lists, Rcapture fits only M0, Mt and Mb: the others have as many
  // parameters as there are cells or more.
  if (table.list_count() < 3 &&
      (spec.heterogeneity != Heterogeneity::none || spec.base == Base::mbh)) {
    return no_fit(table, fmt::format("model {} needs at least three lists; with two, only M0, Mt "
                                     "and Mb can be fitted",
                                     name));
  }
  if (table.observed() == 0) return no_fit(table, "nobody was observed on any list");

  Design design = build_design(table, spec);
  const VectorXd response = response_of(table);
  glm::GlmFit fit = glm::fit_glm(design.matrix, response);
  const std::vector<std::string> dropped = spec.heterogeneity == Heterogeneity::chao
                                               ? drop_negative_etas(design, response, fit)
                                               : std::vector<std::string>{};

  MseResult result;
  result.observed = table.observed();
  result.deviance = fit.deviance;
  result.df = fit.df_residual;
  // BIC with the number of people observed, as Rcapture: AIC + (log n - 2) rank.
  result.aic = -2.0 * fit.log_likelihood + 2.0 * fit.rank;
  result.bic =
      -2.0 * fit.log_likelihood + std::log(static_cast<double>(table.observed())) * fit.rank;
  for (std::size_t list = 0; list < table.list_count(); ++list) {
    if (table.list_total(list) == 0) {
      result.warnings.push_back(fmt::format("list {} observes nobody", table.list_names()[list]));
    }
  }
  for (const auto& eta : dropped) {
    // Rcapture records these in neg.eta and says nothing in infoFit.
    result.warnings.push_back(
        fmt::format("Chao's heterogeneity parameter {} took the wrong sign (negative) and was "
                    "set to zero: the model was refitted without it, as Rcapture does",
                    eta_meaning(eta)));
  }
  const auto first_fit_warning = static_cast<std::ptrdiff_t>(result.warnings.size());
  result.warnings.insert(result.warnings.end(), fit.warnings.begin(), fit.warnings.end());

  const auto fail = [&](std::string reason) {
    result.exists = false;
    result.reason = std::move(reason);
    clear_estimate(result);
    return result;
  };
  // Rcapture reports these fits with infoFit 2 (rank) or 1 (convergence) and
  // prints an abundance anyway; vigil gives no number that is not an
  // estimate.
  if (fit.rank < design.matrix.cols()) {
    return fail(fmt::format(
        "model {} is not identifiable with these lists: its design is rank deficient", name));
  }
  if (!fit.converged) return fail(fmt::format("the fit of model {} did not converge", name));
  if (!detail::has_positive_table(design.matrix, response)) {
    return fail(fmt::format(
        "the maximum-likelihood estimate of model {} does not exist: no table with every cell "
        "positive has the data's sufficient statistics, so the fit can only match them by "
        "sending some fitted counts to zero and a parameter to infinity (Fienberg & Rinaldo "
        "2012); the number it would give depends only on where the iteration stopped",
        name));
  }
  // fit_glm calls fitted values below 1e-11 of the largest "numerically 0"
  // and says the estimate does not exist; but with many lists a valid fit
  // has cells that small (New Orleans, 8 lists, Mt: 1e-12 for the history on
  // every list). The linear program has just found the estimate finite, so
  // that note would contradict the result: drop it.
  result.warnings.erase(
      std::remove_if(
          result.warnings.begin() + first_fit_warning, result.warnings.end(),
          [](const std::string& warning) { return warning.starts_with(glm::kZeroFitWarning); }),
      result.warnings.end());

  Estimate estimate;
  switch (spec.base) {
    case Base::m0:
    case Base::mt:
      estimate = intercept_estimate(table, fit);
      break;
    case Base::mb:
      estimate = mb_estimate(table, fit);
      break;
    case Base::mbh:
      estimate = mbh_estimate(table, fit);
      break;
  }
  if (!estimate.valid) {
    // Rcapture prints the formula's value (negative when D < 0), flagged
    // only when its bias test happens to fire.
    return fail(fmt::format(
        "model {} has no valid estimate: its fitted probability of a first capture is not "
        "positive (1 + exp(b2) - exp(b1) <= 0), so its formula for the total gives a negative "
        "or infinite number; the data do not follow a behavioural response to capture",
        name));
  }
  result.total = estimate.total;
  result.unobserved = estimate.total - static_cast<double>(table.observed());
  result.std_error = estimate.std_error;
  if (std::isnan(result.std_error)) {
    result.warnings.emplace_back(
        "the standard error is not defined: Rcapture's variance formula gives a negative "
        "number");
  }
  // Normal on the log scale of the unobserved count (SparseMSE's interval,
  // as fit_log_linear): the delta method for log(N - n).
  const VectorXd& gradient = estimate.log_unobserved_gradient;
  const double se_log = std::sqrt(gradient.dot(fit.covariance * gradient));
  result.ci_lower = static_cast<double>(result.observed) +
                    result.unobserved * std::exp(-kNormalQuantile975 * se_log);
  result.ci_upper = static_cast<double>(result.observed) +
                    result.unobserved * std::exp(kNormalQuantile975 * se_log);
  result.ci_method = "normal on the log scale, conditional on the model";

  // Rcapture's infoFit 1 for a large asymptotic bias (getBiasWarn). For Mb
  // and Mbh Rcapture also uses the bias of exp(b0), which there is not the
  // unobserved count; we keep its rule so that the flags agree.
  const double bias = asymptotic_bias(design.matrix, fit);
  if (std::abs(bias) > kLargeBiasFraction * result.total) {
    result.warnings.push_back(
        fmt::format("the asymptotic bias of the estimate is large ({:.1f}, more than 10% of "
                    "it): treat the estimate with caution",
                    bias));
  }
  return result;
}

}  // namespace

MseResult fit_closed_population_model(const CaptureHistories& table, ClosedPopulationModel model) {
  MseResult result = fit_closed(table, model);
  result.model_name = closed_model_name(model);
  return result;
}

}  // namespace vigil::mse
