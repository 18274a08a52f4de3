// Inference on a fitted GLM: what an analyst reports once fit_glm has run.
//
//   robust_covariance     sandwich covariances (HC0, HC1, HC3, clustered)
//   coefficient_table     estimate, standard error, test statistic, p-value
//                         and a Wald or profile-likelihood interval per term
//   profile_interval      the profile-likelihood interval of one coefficient
//   likelihood_ratio_test nested models compared
//   ratio_table           exp() of a table: incidence-rate ratios under the
//                         log link, odds ratios under the logit
//
// Each is checked against R 4.2.2 (sandwich 3.0.2, MASS 7.3-58.2) in
// tests/glm/inference_test.cpp; where vigil departs from R it says so below.
#pragma once

#include <Eigen/Dense>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "glm/glm.hpp"

namespace vigil::glm {

// ---------------------------------------------------------------------------
// Robust (sandwich) covariance
//
// The estimating equations of a GLM are sum_i u_i = 0 with scores
// u_i = w_i r_i x_i (w_i the working weight, r_i the working residual at the
// estimate). The sandwich is B M B with bread B = (X'WX)^-1 and meat
// M = sum_i u_i u_i' (White 1980; Zeileis 2004, J. Stat. Software 11(10);
// Zeileis 2006, J. Stat. Software 16(9)). It is the same for quasi-Poisson
// as for Poisson: the dispersion scales bread and scores in opposite
// directions and cancels. For the negative binomial theta is held at its
// estimate, as sandwich does on a glm.nb fit.
//
//   hc0      B M B (White's estimator; R: vcovHC(fit, type = "HC0"))
//   hc1      HC0 x n / (n - k), n observations with non-zero prior weight,
//            k = fit.rank ("HC1")
//   hc3      each u_i divided by 1 - h_i, h_i the hat value of the weighted
//            fit, w_i x_i' B x_i (MacKinnon & White 1985; "HC3")
//   cluster  the meat summed over clusters, M = sum_g U_g U_g' with U_g the
//            sum of the scores in cluster g, times G / (G - 1) x
//            (n - 1) / (n - k) (Cameron & Miller 2015, J. Human Resources
//            50(2), 317-372). That is R's vcovCL(fit, cluster = ~g,
//            type = "HC1"), the factor Cameron & Miller give for Stata's
//            regress. vcovCL's own default for a glm is type "HC0",
//            G / (G - 1) alone; the extra (n - 1) / (n - k), about
//            1 + k / n, matters only with few observations per parameter.
//
// `cluster` holds one id per row of the design (any integers; G counts the
// distinct ids among observations with non-zero prior weight) and is given
// exactly when type is `cluster`. At least two clusters are needed.
//
// The result has one row and column per design column; aliased columns (see
// GlmFit) have NaN rows and columns, as fit.covariance. Observations with
// prior weight 0 take no part: the result is that of the fit without them.
// (R's sandwich counts them in n, which scales its HC0 and HC1 by
// (n_used / n_all)^2, and fails on them for HC3.) NaN entries throughout
// mean the estimator is undefined: HC3 with an observation of hat value 1,
// HC1 and cluster with n <= k.
//
// Throws vigil::Error (usage) when the design does not match the fit, the fit
// carries no working weights, or the cluster ids are missing, superfluous,
// of the wrong length, or form a single cluster.
enum class RobustType { hc0, hc1, hc3, cluster };

Eigen::MatrixXd robust_covariance(const Eigen::MatrixXd& design, const GlmFit& fit, RobustType type,
                                  std::span<const int> cluster = {});

// ---------------------------------------------------------------------------
// What fit_glm was given. Profile intervals refit the model, so they need it
// again; the references must outlive the call that takes them.
struct GlmInput {
  const Eigen::MatrixXd& design;
  const Eigen::VectorXd& response;
  const GlmOptions& options;
};

// ---------------------------------------------------------------------------
// Profile-likelihood interval
//
// For coefficient j the profile is the signed root
//
//   z(b) = sign(b - b_j) sqrt((D(b) - D) / phi),
//
// D the fit's deviance, phi its dispersion (1, or for quasi-Poisson the
// Pearson estimate, held fixed) and D(b) the deviance of the model refitted
// with beta_j fixed at b (x_j b moved into the offset, the other non-aliased
// columns free). The interval is where |z(b)| <= the normal quantile
// z_{(1 + level) / 2}: the definition of MASS's confint.glm (Venables &
// Ripley 2002, Modern Applied Statistics with S, 4th ed.), which R 4.2
// applies to quasi-Poisson fits too, with the normal quantile and the
// deviance over the estimated dispersion. For the negative binomial theta is
// held at its estimate, as in MASS's profile of a glm.nb fit.
//
// MASS evaluates z on a grid and interpolates a spline through it, so its
// printed bounds are within about 1e-4 of the profile's crossings; vigil
// finds each crossing by Brent's method on the exact profile (to 1e-10 of the
// standard error), so its bounds are the exact ones.
//
// A bound is infinite when the profile stays below the quantile until the
// coefficient has moved the linear predictor by 700 (where exp() leaves the
// range of doubles): the deviance levels off, as when a count of 0 or a
// separated outcome sends the estimate to infinity. A bound is NaN when a
// refit on the way does not converge, and both are NaN for an aliased
// coefficient or one whose model standard error is not finite.
struct Interval {
  double lower = std::numeric_limits<double>::quiet_NaN();
  double upper = std::numeric_limits<double>::quiet_NaN();
};

// Throws vigil::Error (usage) for a level outside (0, 1), a column out of
// range, or an input that does not match the fit.
Interval profile_interval(const GlmInput& input, const GlmFit& fit, int column,
                          double level = 0.95);

// ---------------------------------------------------------------------------
// Coefficient table
//
// One row per design column, with the standard error from `covariance`
// (fit.covariance, or a robust_covariance). The statistic is
// estimate / std_error, referred to the normal when the dispersion is fixed
// and to Student's t on fit.df_residual degrees of freedom when it is
// estimated (fit.dispersion_estimated), as summary.glm; the p-value is
// two-sided.
//
// Intervals at `level`:
//   wald     estimate -/+ q std_error, with q the quantile of the same
//            distribution as the statistic, so that the interval excludes 0
//            exactly when p < 1 - level. (R's confint.default always takes
//            the normal quantile; the two differ for quasi-Poisson only.)
//   profile  profile_interval(), whatever the covariance: the profile is a
//            property of the likelihood, not of a covariance estimate.
//
// Aliased coefficients have every number NaN. `input` is read only by the
// profile method.
struct CoefficientRow {
  std::string term;
  double estimate = 0;
  double std_error = 0;
  double statistic = 0;  // z, or t when the dispersion is estimated
  double p_value = 0;
  double ci_lower = 0;
  double ci_upper = 0;
};

enum class IntervalMethod { wald, profile };

// Throws vigil::Error (usage) when the terms or the covariance do not match
// the fit's coefficients, or the level is outside (0, 1).
std::vector<CoefficientRow> coefficient_table(const GlmInput& input, const GlmFit& fit,
                                              std::span<const std::string> terms,
                                              const Eigen::MatrixXd& covariance,
                                              double level = 0.95,
                                              IntervalMethod method = IntervalMethod::wald);

// ---------------------------------------------------------------------------
// Nested models
//
// `reduced` must be `full` with some columns removed (or constrained), fitted
// to the same observations with the same family. The test depends on the
// family, as R's anova():
//
//   poisson, binomial   deviance difference, chi-square on the difference in
//                       rank (anova(reduced, full, test = "Chisq"))
//   quasi_poisson       F = (deviance difference / df) / phi_full on (df,
//                       full.df_residual) degrees of freedom
//                       (anova(reduced, full, test = "F"))
//   negative_binomial   with theta estimated in both: twice the
//                       log-likelihood difference, each model at its own
//                       theta, chi-square (MASS's anova.negbin on glm.nb
//                       fits); with the same theta fixed in both: the
//                       deviance difference, as for Poisson
//
// Nesting cannot be proved from two fits; what can be checked is: same
// family (and fixed theta), same number of observations, the same prior
// weights, fewer parameters in `reduced`, and a `full` that fits at least as
// well. Anything else throws vigil::Error (usage). A difference below 0 from
// rounding is reported as 0.
struct LikelihoodRatioTest {
  double statistic = 0;  // chi-square or F
  double df = 0;
  // The F test's denominator degrees of freedom; NaN for chi-square tests.
  double df_denominator = std::numeric_limits<double>::quiet_NaN();
  double p_value = 1;
  std::string method;  // which test, in words
};

LikelihoodRatioTest likelihood_ratio_test(const GlmFit& reduced, const GlmFit& full);

// ---------------------------------------------------------------------------
// Ratios
//
// exp(estimate) with exp(ci_lower), exp(ci_upper): under the log link the
// multiplicative effect on the expected count (incidence-rate ratio), under
// the logit the odds ratio. The p-value is carried over; a standard error is
// not, since it does not transform.
struct RatioRow {
  std::string term;
  double ratio = 0;
  double ci_lower = 0;
  double ci_upper = 0;
  double p_value = 0;
};

std::vector<RatioRow> ratio_table(std::span<const CoefficientRow> table);

}  // namespace vigil::glm
