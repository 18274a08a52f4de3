// Generalised linear models: vigil's one fitter.
//
// Every model vigil fits (the log-linear models of Multiple Systems
// Estimation, the regressions of victim counts on migration) goes through
// this engine, so that there is one implementation to test against R's
// glm(). It knows nothing of trafficking, files or terminals: it takes a
// design matrix and a response and returns the fit.
//
// Fitting is by iteratively reweighted least squares (McCullagh & Nelder
// 1989, section 2.5), each step solved by a column-pivoted QR decomposition
// so that linearly dependent columns are detected and reported as aliased
// (R prints NA for them) rather than breaking the fit. The iteration stops
// when the deviance changes by less than `tolerance` relative to it, the
// criterion of R's glm.fit, with a default tighter than R's 1e-8 so that
// results agree with R's to well within 1e-6.
#pragma once

#include <Eigen/Dense>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::glm {

enum class Family {
  poisson,            // log link, dispersion 1 (R: poisson())
  quasi_poisson,      // log link, variance phi mu, phi from Pearson's chi-square (quasipoisson())
  binomial,           // logit link; y a proportion in [0, 1], prior weights the trials (binomial())
  negative_binomial,  // NB2, log link, variance mu + mu^2 / theta (MASS::negative.binomial, glm.nb)
};

// The family's name as R prints it ("poisson", "quasipoisson", "binomial",
// "negbin"), and back; parse_family throws vigil::Error (usage) naming the
// accepted spellings.
std::string_view family_name(Family family);
Family parse_family(std::string_view name);

struct GlmOptions {
  Family family = Family::poisson;
  // For negative_binomial: a theta fixed in advance (R's
  // glm(family = negative.binomial(theta))); NaN, the default, estimates it
  // by maximum likelihood alternately with the coefficients, as MASS::glm.nb.
  double theta = std::numeric_limits<double>::quiet_NaN();
  int max_iterations = 100;
  double tolerance = 1e-12;  // on |deviance - previous| / (|deviance| + 0.1)
  // Optional: an offset added to the linear predictor (empty: none), and
  // prior weights (empty: all 1). Sizes must match the response.
  Eigen::VectorXd offset;
  Eigen::VectorXd weights;
};

struct GlmFit {
  Family family = Family::poisson;
  // One entry per column of the design matrix. Aliased columns (linearly
  // dependent on earlier ones) have coefficient NaN and no standard error.
  Eigen::VectorXd coefficients;
  Eigen::VectorXd std_errors;
  std::vector<bool> aliased;
  // Covariance of the non-aliased coefficients, in the full column indexing
  // (rows and columns of aliased coefficients are NaN), scaled by the
  // dispersion: R's vcov(fit).
  Eigen::MatrixXd covariance;
  Eigen::VectorXd linear_predictor;  // eta = X beta + offset
  Eigen::VectorXd fitted;            // mu
  // What the sandwich estimators and hat values need (R's
  // weights(fit, "working") and residuals(fit, "working")), at the estimate:
  // working weight w (dmu/deta)^2 / V(mu), working residual (y - mu) / (dmu/deta).
  Eigen::VectorXd prior_weights;
  Eigen::VectorXd working_weights;
  Eigen::VectorXd working_residuals;
  double deviance = 0;
  double null_deviance = 0;
  double pearson_chi2 = 0;  // sum w (y - mu)^2 / V(mu)
  // 1 for Poisson, binomial and negative binomial; Pearson's chi-square over
  // the residual degrees of freedom for quasi-Poisson (summary.glm).
  double dispersion = 1;
  bool dispersion_estimated = false;  // true: t statistics and t p-values, as R
  // Negative binomial only (NaN otherwise): theta and, when estimated, its
  // standard error from the observed information (glm.nb's SE.theta).
  double theta = std::numeric_limits<double>::quiet_NaN();
  double theta_std_error = std::numeric_limits<double>::quiet_NaN();
  bool theta_estimated = false;
  // Log-likelihood, AIC and BIC as R's logLik(), AIC(), BIC(): NaN for the
  // quasi family, which has no likelihood. For glm.nb theta counts as a
  // parameter.
  double log_likelihood = 0;
  double aic = 0;
  double bic = 0;
  int rank = 0;
  int observations = 0;  // with non-zero prior weight
  int df_residual = 0;
  int df_null = 0;
  int iterations = 0;  // IRLS iterations (for glm.nb: of the last inner fit)
  int theta_iterations = 0;  // glm.nb's outer alternations
  bool converged = false;
  // Plain-language notes: non-convergence, fitted values at zero (a sign
  // that the maximum-likelihood estimate does not exist), fitted
  // probabilities at 0 or 1 (separation), aliased columns.
  std::vector<std::string> warnings;
};

// Fits y ~ X. X holds every column of the model, the intercept included if
// wanted. Throws vigil::Error (usage) on mismatched sizes or a response the
// family does not allow (negative or non-integer counts for Poisson and the
// negative binomial, a proportion outside [0, 1] for the binomial).
// How the warning about fitted values numerically 0 begins, so that a caller
// that has established the estimate's existence otherwise can recognise it.
inline constexpr std::string_view kZeroFitWarning = "fitted values numerically 0";

GlmFit fit_glm(const Eigen::MatrixXd& design, const Eigen::VectorXd& response,
               const GlmOptions& options = {});

}  // namespace vigil::glm
