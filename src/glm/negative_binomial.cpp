// The negative binomial (NB2) with theta estimated by maximum likelihood,
// by the alternation of MASS::glm.nb (Venables & Ripley 2002, section 7.4):
// fit the coefficients by IRLS at a fixed theta, then theta by Newton's
// method at the fitted means, until neither moves. The joint maximum is what
// both reach; vigil iterates to a tighter tolerance than glm.nb's default so
// that the estimates agree with R run at a tight control to many digits.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/numeric.hpp"
#include "glm/family_internal.hpp"
#include "glm/glm.hpp"

namespace vigil::glm::detail {
namespace {

using Eigen::Index;
using Eigen::VectorXd;

// Beyond this theta the negative binomial is a Poisson for every practical
// purpose (the extra variance mu^2 / theta is below 1e-8 mu for mu < 100).
constexpr double kThetaCeiling = 1e10;

struct ThetaEstimate {
  double theta = 0;
  double information = 0;
  int iterations = 0;
  bool converged = false;
  bool truncated = false;  // the score pushed theta to 0 or to the ceiling
};

// The score and the observed information of theta at fixed means
// (the derivatives of the NB2 log-likelihood in theta).
double theta_score(double theta, const VectorXd& y, const VectorXd& mu, const VectorXd& w) {
  const double digamma_theta = digamma(theta);
  const double log_theta = std::log(theta);
  double total = 0;
  for (Index i = 0; i < y.size(); ++i) {
    if (w(i) == 0) continue;
    total += w(i) * (digamma(theta + y(i)) - digamma_theta + log_theta + 1.0 -
                     std::log(theta + mu(i)) - (y(i) + theta) / (mu(i) + theta));
  }
  return total;
}

double theta_information(double theta, const VectorXd& y, const VectorXd& mu, const VectorXd& w) {
  const double trigamma_theta = trigamma(theta);
  double total = 0;
  for (Index i = 0; i < y.size(); ++i) {
    if (w(i) == 0) continue;
    const double m = mu(i) + theta;
    total += w(i) * (-trigamma(theta + y(i)) + trigamma_theta - 1.0 / theta + 2.0 / m -
                     (y(i) + theta) / (m * m));
  }
  return total;
}

// Newton's method from `start` (the moment estimate on the first call, as
// MASS's theta.ml), to a relative step of 1e-13.
ThetaEstimate estimate_theta(const VectorXd& y, const VectorXd& mu, const VectorXd& w, double start,
                             int max_iterations) {
  ThetaEstimate out;
  if (!(start < kThetaCeiling)) {
    // The counts vary no more than a Poisson's (the moment estimate is
    // infinite or beyond the ceiling): there is nothing to estimate.
    out.theta = kThetaCeiling;
    out.truncated = true;
    out.information = theta_information(kThetaCeiling, y, mu, w);
    return out;
  }
  double theta = start;
  for (int iteration = 1; iteration <= max_iterations; ++iteration) {
    out.iterations = iteration;
    theta = std::abs(theta);
    const double information = theta_information(theta, y, mu, w);
    double step = theta_score(theta, y, mu, w) / information;
    // Newton can overshoot below 0 where the log-likelihood is far from
    // quadratic; halving keeps theta positive.
    while (theta + step <= 0) step *= 0.5;
    theta += step;
    if (theta > kThetaCeiling) {
      out.theta = kThetaCeiling;
      out.truncated = true;
      out.information = theta_information(kThetaCeiling, y, mu, w);
      return out;
    }
    if (std::abs(step) <= 1e-13 * std::max(1.0, theta)) {
      out.converged = true;
      break;
    }
  }
  out.theta = theta;
  out.information = theta_information(theta, y, mu, w);
  return out;
}

double moment_theta(const VectorXd& y, const VectorXd& mu, const VectorXd& w) {
  double squares = 0;
  for (Index i = 0; i < y.size(); ++i) {
    const double ratio = y(i) / mu(i) - 1.0;
    squares += w(i) * ratio * ratio;
  }
  return w.sum() / squares;
}

}  // namespace

GlmFit fit_negative_binomial(const Eigen::MatrixXd& design, const VectorXd& response,
                             const GlmOptions& options) {
  const Index n = design.rows();
  const VectorXd weights = options.weights.size() == 0 ? VectorXd::Ones(n) : options.weights;
  const int theta_limit = std::max(25, options.max_iterations);

  // glm.nb starts from the Poisson fit and theta's moment estimate.
  GlmFit fit =
      fit_with_family(design, response, options, FamilyFunctions{Family::poisson}, nullptr);
  ThetaEstimate theta = estimate_theta(response, fit.fitted, weights,
                                       moment_theta(response, fit.fitted, weights), theta_limit);
  int alternations = 0;
  bool alternation_converged = false;
  while (alternations < options.max_iterations) {
    ++alternations;
    const VectorXd start = fit.fitted;
    fit = fit_with_family(design, response, options,
                          FamilyFunctions{Family::negative_binomial, theta.theta}, &start);
    const double previous = theta.theta;
    theta = estimate_theta(response, fit.fitted, weights, previous, theta_limit);
    if (std::abs(theta.theta - previous) <= 1e-11 * previous) {
      alternation_converged = true;
      break;
    }
  }
  // One last IRLS at the final theta, so that the coefficients, deviance
  // and likelihood all belong to the theta reported.
  {
    const VectorXd start = fit.fitted;
    fit = fit_with_family(design, response, options,
                          FamilyFunctions{Family::negative_binomial, theta.theta}, &start);
  }

  fit.theta = theta.theta;
  fit.theta_estimated = true;
  fit.theta_std_error = 1.0 / std::sqrt(theta.information);
  fit.theta_iterations = alternations;
  // theta is a parameter of the model: glm.nb's AIC counts it, and
  // logLik() gives the fit rank + 1 degrees of freedom.
  const double parameters = fit.rank + 1.0;
  fit.aic = -2.0 * fit.log_likelihood + 2.0 * parameters;
  fit.bic =
      -2.0 * fit.log_likelihood + std::log(static_cast<double>(fit.observations)) * parameters;
  if (!alternation_converged) {
    fit.converged = false;
    fit.warnings.push_back(fmt::format(
        "the alternation between theta and the coefficients did not settle in {} rounds (theta "
        "is still moving); the results are unreliable",
        alternations));
  }
  if (theta.truncated) {
    fit.warnings.push_back(fmt::format(
        "theta grew past {:g}: the counts show no overdispersion, and the negative binomial has "
        "become the Poisson model; fit the Poisson family instead",
        kThetaCeiling));
  } else if (!theta.converged) {
    fit.warnings.push_back("the maximum-likelihood search for theta did not converge");
  }
  return fit;
}

}  // namespace vigil::glm::detail
