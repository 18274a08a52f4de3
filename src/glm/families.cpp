// The families' names, their log-likelihoods, and the special functions the
// negative binomial needs; see family_internal.hpp.
#include <fmt/format.h>

#include <cmath>
#include <string>

#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/family_internal.hpp"
#include "glm/glm.hpp"

namespace vigil::glm {

std::string_view family_name(Family family) {
  switch (family) {
    case Family::quasi_poisson:
      return "quasipoisson";
    case Family::binomial:
      return "binomial";
    case Family::negative_binomial:
      return "negbin";
    case Family::poisson:
      break;
  }
  return "poisson";
}

Family parse_family(std::string_view name) {
  if (name == "poisson") return Family::poisson;
  if (name == "quasipoisson" || name == "quasi-poisson") return Family::quasi_poisson;
  if (name == "binomial" || name == "logit") return Family::binomial;
  if (name == "negbin" || name == "negative-binomial" || name == "nb2") {
    return Family::negative_binomial;
  }
  throw Error(Error::Kind::usage,
              fmt::format("unknown family \"{}\": expected poisson, quasipoisson, negbin "
                          "(negative binomial NB2) or binomial",
                          name));
}

namespace detail {

double log_likelihood(const FamilyFunctions& family, const Eigen::VectorXd& y,
                      const Eigen::VectorXd& mu, const Eigen::VectorXd& weights) {
  double total = 0;
  switch (family.family) {
    case Family::quasi_poisson:
      return std::numeric_limits<double>::quiet_NaN();
    case Family::poisson:
      for (Eigen::Index i = 0; i < y.size(); ++i) {
        if (weights(i) == 0) continue;
        const double y_log_mu = y(i) > 0 ? y(i) * std::log(mu(i)) : 0.0;
        total += weights(i) * (y_log_mu - mu(i) - log_gamma(y(i) + 1.0));
      }
      return total;
    case Family::binomial:
      // The prior weights are the numbers of trials m and y the proportion
      // of successes: log of the binomial probability of round(m y) in m.
      for (Eigen::Index i = 0; i < y.size(); ++i) {
        const double trials = std::round(weights(i));
        if (trials <= 0) continue;
        const double successes = std::round(weights(i) * y(i));
        const double failures = trials - successes;
        double term =
            log_gamma(trials + 1.0) - log_gamma(successes + 1.0) - log_gamma(failures + 1.0);
        if (successes > 0) term += successes * std::log(mu(i));
        if (failures > 0) term += failures * std::log1p(-mu(i));
        total += term;
      }
      return total;
    case Family::negative_binomial: {
      // Venables & Ripley (2002), section 7.4: the NB2 log-likelihood.
      const double theta = family.theta;
      for (Eigen::Index i = 0; i < y.size(); ++i) {
        if (weights(i) == 0) continue;
        const double yi = y(i);
        const double y_log_mu = yi > 0 ? yi * std::log(mu(i)) : 0.0;
        total += weights(i) *
                 (log_gamma(theta + yi) - log_gamma(theta) - log_gamma(yi + 1.0) +
                  theta * std::log(theta) + y_log_mu - (theta + yi) * std::log(theta + mu(i)));
      }
      return total;
    }
  }
  return total;
}

}  // namespace detail
}  // namespace vigil::glm
