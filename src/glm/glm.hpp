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
#include <string>
#include <string_view>
#include <vector>

namespace vigil::glm {

enum class Family {
  poisson,  // log link
};

struct GlmOptions {
  Family family = Family::poisson;
  int max_iterations = 100;
  double tolerance = 1e-12;  // on |deviance - previous| / (|deviance| + 0.1)
  // Optional: an offset added to the linear predictor (empty: none), and
  // prior weights (empty: all 1). Sizes must match the response.
  Eigen::VectorXd offset;
  Eigen::VectorXd weights;
};

struct GlmFit {
  // One entry per column of the design matrix. Aliased columns (linearly
  // dependent on earlier ones) have coefficient NaN and no standard error.
  Eigen::VectorXd coefficients;
  Eigen::VectorXd std_errors;
  std::vector<bool> aliased;
  // Covariance of the non-aliased coefficients, in the full column indexing
  // (rows and columns of aliased coefficients are NaN). For the Poisson
  // family the dispersion is 1.
  Eigen::MatrixXd covariance;
  Eigen::VectorXd linear_predictor;  // eta = X beta + offset
  Eigen::VectorXd fitted;            // mu
  double deviance = 0;
  double null_deviance = 0;
  double log_likelihood = 0;
  double aic = 0;  // -2 log L + 2 rank, as R
  int rank = 0;
  int df_residual = 0;
  int df_null = 0;
  int iterations = 0;
  bool converged = false;
  // Plain-language notes: non-convergence, fitted values at zero (a sign
  // that the maximum-likelihood estimate does not exist), aliased columns.
  std::vector<std::string> warnings;
};

// Fits y ~ X. X holds every column of the model, the intercept included if
// wanted. Throws vigil::Error (usage) on mismatched sizes or a response the
// family does not allow (negative or non-integer counts for Poisson).
// How the warning about fitted values numerically 0 begins, so that a caller
// that has established the estimate's existence otherwise can recognise it.
inline constexpr std::string_view kZeroFitWarning = "fitted values numerically 0";

GlmFit fit_glm(const Eigen::MatrixXd& design, const Eigen::VectorXd& response,
               const GlmOptions& options = {});

}  // namespace vigil::glm
