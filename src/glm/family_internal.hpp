// Internal to src/glm: the exponential-family pieces IRLS needs for each
// Family, as R's family objects (poisson(), quasipoisson(), binomial(),
// MASS::negative.binomial(theta)) define them, so that every fit follows
// glm.fit's arithmetic and agrees with R's numbers.
#pragma once

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>

#include "glm/glm.hpp"

namespace vigil::glm::detail {

inline constexpr double kMachineEpsilon = std::numeric_limits<double>::epsilon();

// One family with its parameter (theta, for the negative binomial).
struct FamilyFunctions {
  Family family = Family::poisson;
  double theta = std::numeric_limits<double>::quiet_NaN();

  bool is_logit() const { return family == Family::binomial; }

  // linkinv. For the log link R floors exp(eta) at machine epsilon so that
  // mu stays positive; for the logit it clamps eta to [-30, 30] so that mu
  // stays strictly inside (0, 1) (R's C function logit_linkinv).
  double mean(double eta) const {
    if (!is_logit()) return std::max(std::exp(eta), kMachineEpsilon);
    constexpr double kThreshold = 30;
    const double odds = eta < -kThreshold  ? kMachineEpsilon
                        : eta > kThreshold ? 1.0 / kMachineEpsilon
                                           : std::exp(eta);
    return odds / (1.0 + odds);
  }

  double link(double mu) const { return is_logit() ? std::log(mu / (1.0 - mu)) : std::log(mu); }

  // dmu/deta, floored as R's mu.eta (logit_mu_eta).
  double mean_derivative(double eta) const {
    if (!is_logit()) return std::max(std::exp(eta), kMachineEpsilon);
    constexpr double kThreshold = 30;
    if (eta > kThreshold || eta < -kThreshold) return kMachineEpsilon;
    const double e = std::exp(eta);
    return e / ((1.0 + e) * (1.0 + e));
  }

  double variance(double mu) const {
    switch (family) {
      case Family::binomial:
        return mu * (1.0 - mu);
      case Family::negative_binomial:
        return mu + mu * mu / theta;
      case Family::poisson:
      case Family::quasi_poisson:
        break;
    }
    return mu;
  }

  // The unit deviance d(y, mu), so that the deviance is sum w d(y, mu)
  // (McCullagh & Nelder 1989, table 2.1; MASS for the negative binomial).
  double unit_deviance(double y, double mu) const {
    switch (family) {
      case Family::binomial: {
        const double success = y > 0 ? y * std::log(y / mu) : 0.0;
        const double failure = y < 1 ? (1.0 - y) * std::log((1.0 - y) / (1.0 - mu)) : 0.0;
        return 2.0 * (success + failure);
      }
      case Family::negative_binomial:
        return 2.0 * (y * std::log(std::max(1.0, y) / mu) -
                      (y + theta) * std::log((y + theta) / (mu + theta)));
      case Family::poisson:
      case Family::quasi_poisson:
        break;
    }
    return y > 0 ? 2.0 * (y * std::log(y / mu) - (y - mu)) : 2.0 * mu;
  }

  // R's initialize expression: where IRLS starts.
  double start_mean(double y, double prior_weight) const {
    switch (family) {
      case Family::binomial:
        return (prior_weight * y + 0.5) / (prior_weight + 1.0);
      case Family::negative_binomial:
        return y == 0 ? y + 1.0 / 6.0 : y;
      case Family::poisson:
      case Family::quasi_poisson:
        break;
    }
    return y + 0.1;
  }

  double deviance(const Eigen::VectorXd& y, const Eigen::VectorXd& mu,
                  const Eigen::VectorXd& weights) const {
    double total = 0;
    for (Eigen::Index i = 0; i < y.size(); ++i) {
      if (weights(i) != 0) total += weights(i) * unit_deviance(y(i), mu(i));
    }
    return total;
  }
};

// The log-likelihood of a fit at mean mu, as R's logLik() computes it for
// the family: sum w log dpois(y; mu) for Poisson; the binomial's with the
// prior weights taken as numbers of trials; MASS's glm.nb log-likelihood for
// the negative binomial. NaN for the quasi-Poisson family.
double log_likelihood(const FamilyFunctions& family, const Eigen::VectorXd& y,
                      const Eigen::VectorXd& mu, const Eigen::VectorXd& weights);

}  // namespace vigil::glm::detail

namespace vigil::glm::detail {

// One IRLS fit with the family (and theta) fixed, started from mu_start
// (null: the family's own start); glm.cpp.
GlmFit fit_with_family(const Eigen::MatrixXd& design, const Eigen::VectorXd& response,
                       const GlmOptions& options, const FamilyFunctions& family,
                       const Eigen::VectorXd* mu_start);

// MASS::glm.nb: theta and the coefficients by maximum likelihood, by
// alternation; negative_binomial.cpp. The options are already validated.
GlmFit fit_negative_binomial(const Eigen::MatrixXd& design, const Eigen::VectorXd& response,
                             const GlmOptions& options);

}  // namespace vigil::glm::detail
