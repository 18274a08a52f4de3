// The multinomial profile-likelihood interval for the total (Rcapture's
// closedpCI.t; Cormack 1992, Biometrics 48:567-576; Baillargeon & Rivest
// 2007, J. Stat. Software 19(5), section 3.3).
//
// For a candidate total N, the n0 = N - n people nobody found fill the
// all-zero capture history. The log-linear model is fitted to all 2^k cells
// (the observed histories plus that one, whose design row holds the
// intercept alone, so that its mean is exp(b0)), and the multinomial
// log-likelihood of N, maximised over the model's other parameters, is the
// Poisson one minus the deviance's data constant plus the multinomial
// coefficient:
//
//   l(N) = -D(N)/2 + ct(N),  ct(N) = log(n0^n0 N! / (N^N n0!)),
//
// D(N) the deviance of that fit. Rcapture evaluates ct exactly only for
// N <= 100 and otherwise by Stirling's formula, n0 - N - log(n0/N)/2
// (-N + log(2 pi N)/2 for n0 in {0, 1}); vigil does the same so that its
// bounds are Rcapture's to ~1e-8 rather than to the ~1e-5 relative that the
// exact lgamma form would move them on small tables (Artificial_3: upper
// bound 1267.5226 as Rcapture, 1267.5325 with lgamma; maximiser 530.9358
// against 530.9415, further from Rcapture than its optimize tolerance). One
// departure: for N > 100 and 0 < n0 < 2 with n0 not a whole number,
// Rcapture's Stirling term for log n0! grows without bound as n0 -> 0
// (-log(n0)/2), which would put a spurious maximum at N = n; there vigil
// takes log(n0^n0 / n0!) exactly, which equals Rcapture's value at n0 = 0
// and n0 = 1.
//
// Rcapture finds the maximum with optimize(tol = 1e-4) and the bounds with
// uniroot(tol = 1e-4); vigil finds the maximum as the root of dl/dN and both
// bounds with Brent's method to 1e-10 relative, so vigil's numbers are the
// exact solutions for Rcapture's l(N) (tests/mse/REFERENCE.md, section 3.2:
// Rcapture's bounds are within ~1e-5 absolute of them, its maximiser ~1e-3).
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <vector>

#include "core/distributions.hpp"
#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/glm.hpp"
#include "mse/internal.hpp"
#include "mse/mse.hpp"

namespace vigil::mse {
namespace detail {

// The normal distribution is core's (distributions.hpp); these keep the
// MSE code's convention of NaN, not an error, for a probability outside
// [0, 1].
double normal_cdf(double x) {
  return vigil::normal_cdf(x);
}

double normal_quantile(double probability) {
  if (std::isnan(probability) || probability < 0 || probability > 1) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return vigil::normal_quantile(probability);
}

}  // namespace detail

namespace {

constexpr double kRelativeTolerance = 1e-10;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInfinity = std::numeric_limits<double>::infinity();
// Rcapture switches from the exact multinomial coefficient to Stirling's
// formula above this total.
constexpr double kStirlingAbove = 100;
// Bracket expansions (each doubles the distance from n) before concluding
// that the profile likelihood has no maximum or no upper bound: 2^60 n.
constexpr int kMaxExpansions = 60;

bool has_both(std::uint32_t pattern, const Interaction& interaction) {
  return (pattern >> interaction.first & 1U) != 0 && (pattern >> interaction.second & 1U) != 0;
}

// log(n0^n0 / n0!): exact where Rcapture is exact (N <= 100, n0 in {0, 1})
// and for the other n0 < 2, where Stirling's formula breaks down; Stirling
// n0 - log(2 pi n0)/2 otherwise, as Rcapture.
double unobserved_term(double unobserved, bool stirling) {
  if (!stirling || unobserved < 2) {
    return (unobserved > 0 ? unobserved * std::log(unobserved) : 0.0) - log_gamma(unobserved + 1.0);
  }
  return unobserved - 0.5 * std::log(2.0 * std::numbers::pi * unobserved);
}

// d/dn0 of unobserved_term, minus log(n0): the log(n0) cancels against the
// deviance's derivative, so this stays finite at n0 = 0.
double unobserved_slope(double unobserved, bool stirling) {
  if (!stirling || unobserved < 2) return 1.0 - digamma(unobserved + 1.0);
  return 1.0 - 0.5 / unobserved - std::log(unobserved);
}

// log(N! / N^N), and its derivative.
double total_term(double total, bool stirling) {
  if (stirling) return -total + 0.5 * std::log(2.0 * std::numbers::pi * total);
  return log_gamma(total + 1.0) - total * std::log(total);
}

double total_slope(double total, bool stirling) {
  if (stirling) return -1.0 + 0.5 / total;
  return digamma(total + 1.0) - std::log(total) - 1.0;
}

struct ProfilePoint {
  double log_likelihood = kNan;
  double slope = kNan;  // dl/dN
};

// The model on all 2^k cells, the unobserved one first, refitted for each N.
class ProfileLikelihood {
 public:
  ProfileLikelihood(const CaptureHistories& table, const LogLinearModel& model)
      : observed_(static_cast<double>(table.observed())) {
    // Interactions between lists with no case in common are at minus
    // infinity: their cells are fitted as zero and left out, as in
    // fit_log_linear. The unobserved cell is never one of them.
    std::vector<Interaction> finite;
    std::vector<Interaction> infinite;
    for (const auto& interaction : model.interactions) {
      (table.overlap(interaction.first, interaction.second) == 0 ? infinite : finite)
          .push_back(interaction);
    }
    std::vector<std::uint32_t> cells{0};
    for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
      const bool excluded =
          std::any_of(infinite.begin(), infinite.end(),
                      [pattern](const Interaction& term) { return has_both(pattern, term); });
      if (!excluded) cells.push_back(pattern);
    }
    const std::size_t lists = table.list_count();
    const auto rows = static_cast<Eigen::Index>(cells.size());
    design_ = Eigen::MatrixXd::Zero(rows, static_cast<Eigen::Index>(1 + lists + finite.size()));
    counts_ = Eigen::VectorXd::Zero(rows);
    for (Eigen::Index row = 0; row < rows; ++row) {
      const std::uint32_t pattern = cells[static_cast<std::size_t>(row)];
      design_(row, 0) = 1.0;
      for (std::size_t list_idx = 0; list_idx < lists; ++list_idx) {
        design_(row, static_cast<Eigen::Index>(1 + list_idx)) = (pattern >> list_idx & 1U) ? 1 : 0;
      }
      for (std::size_t term_idx = 0; term_idx < finite.size(); ++term_idx) {
        design_(row, static_cast<Eigen::Index>(1 + lists + term_idx)) =
            has_both(pattern, finite[term_idx]) ? 1.0 : 0.0;
      }
      counts_(row) = static_cast<double>(table.count(pattern));
    }
  }

  double observed() const { return observed_; }

  ProfilePoint at(double total) const {
    const double unobserved = std::max(0.0, total - observed_);
    // vigil's GLM takes whole counts only, and n0 is not one. A cell with
    // count m, prior weight w = n0 / m and offset -log w contributes
    // w (m log(mu0 / w) - mu0 / w) = n0 log mu0 - mu0 + constant to the
    // log-likelihood and 2 (n0 log(n0 / mu0) - n0 + mu0) to the deviance,
    // exactly as a count of n0 would; m = round(n0) keeps w near 1.
    Eigen::VectorXd response = counts_;
    glm::GlmOptions options;
    options.weights = Eigen::VectorXd::Ones(counts_.size());
    options.offset = Eigen::VectorXd::Zero(counts_.size());
    if (unobserved > 0) {
      const double whole = std::max(1.0, std::round(unobserved));
      const double weight = unobserved / whole;
      response(0) = whole;
      options.weights(0) = weight;
      options.offset(0) = -std::log(weight);
    }
    const glm::GlmFit fit = glm::fit_glm(design_, response, options);
    if (!fit.converged) return {};
    const bool stirling = total > kStirlingAbove;
    ProfilePoint point;
    point.log_likelihood =
        -0.5 * fit.deviance + unobserved_term(unobserved, stirling) + total_term(total, stirling);
    // dD/dn0 = 2 log(n0 / mu0) at the fitted parameters (their own
    // derivatives vanish there), mu0 = exp(b0).
    point.slope =
        fit.coefficients(0) + unobserved_slope(unobserved, stirling) + total_slope(total, stirling);
    return point;
  }

 private:
  Eigen::MatrixXd design_;
  Eigen::VectorXd counts_;  // the unobserved cell's entry is set per call
  double observed_ = 0;
};

}  // namespace

namespace detail {

// l(N) as above, exposed for the tests.
double profile_log_likelihood(const CaptureHistories& table, const LogLinearModel& model,
                              double total) {
  return ProfileLikelihood(table, model).at(total).log_likelihood;
}

}  // namespace detail

ProfileInterval profile_likelihood_interval(const CaptureHistories& table,
                                            const LogLinearModel& model, double level) {
  if (!(level > 0 && level < 1)) {
    throw Error(Error::Kind::usage, "the confidence level must be between 0 and 1");
  }
  // The profile likelihood exists where the Poisson estimate does (a
  // positive table with the data's margins stays positive with n0 > 0 added
  // in the unobserved cell); Rcapture likewise gives no interval for a
  // design not of full rank.
  const MseResult poisson = fit_log_linear(table, model);
  if (!poisson.exists) return {kNan, kNan, kNan};

  const ProfileLikelihood profile(table, model);
  const double n = profile.observed();
  // qchisq(level, 1) / 2: for one degree of freedom the chi-square quantile
  // is the square of the normal quantile at (1 + level) / 2.
  const double z = detail::normal_quantile(0.5 + 0.5 * level);
  const double drop = 0.5 * z * z;

  // The maximiser: where dl/dN changes sign. The Poisson estimate lies above
  // it in theory (Rcapture searches (n, 1.5 N_Poisson)); expand if not.
  ProfileInterval out;
  const auto slope = [&profile](double total) { return profile.at(total).slope; };
  const double slope_at_n = slope(n);
  if (std::isnan(slope_at_n)) return {kNan, kNan, kNan};
  out.estimate = n;
  if (slope_at_n > 0) {
    double high = std::max(poisson.total, n + 1);
    double slope_high = slope(high);
    for (int expansion = 0; slope_high > 0 && expansion < kMaxExpansions; ++expansion) {
      high = n + 2 * (high - n);
      slope_high = slope(high);
    }
    if (std::isnan(slope_high)) return {kNan, kNan, kNan};
    if (slope_high > 0) return {kInfinity, n, kInfinity};  // l increases without bound
    out.estimate = find_root(slope, n, high, slope_at_n, slope_high, 0.0, kRelativeTolerance);
  }
  const double maximum = profile.at(out.estimate).log_likelihood;
  if (std::isnan(maximum)) return {kNan, kNan, kNan};

  // f(N) = l(N) - (lmax - drop): +drop at the maximiser, negative beyond the
  // bounds.
  const auto excess = [&profile, maximum, drop](double total) {
    return profile.at(total).log_likelihood - maximum + drop;
  };
  // Lower bound: in [n, maximiser]; n itself when l(n) is within the drop
  // (Rcapture: "the CI lower bound is set to the sample size n").
  const double excess_at_n = out.estimate > n ? excess(n) : drop;
  out.lower = excess_at_n >= 0
                  ? n
                  : find_root(excess, n, out.estimate, excess_at_n, drop, 0.0, kRelativeTolerance);
  // Upper bound: Rcapture searches up to 3 N_Poisson and reports ">3N"
  // beyond; vigil keeps doubling, and reports infinity only if l never
  // drops far enough.
  double high = std::max(3 * poisson.total, n + 2 * (out.estimate - n) + 1);
  double excess_high = excess(high);
  for (int expansion = 0; excess_high > 0 && expansion < kMaxExpansions; ++expansion) {
    high = n + 2 * (high - n);
    excess_high = excess(high);
  }
  if (std::isnan(excess_high)) {
    out.upper = kNan;
  } else if (excess_high > 0) {
    out.upper = kInfinity;
  } else {
    out.upper = find_root(excess, out.estimate, high, drop, excess_high, 0.0, kRelativeTolerance);
  }
  return out;
}

}  // namespace vigil::mse
