// Poisson pseudo-maximum likelihood with absorbed high-dimensional fixed
// effects: the gravity models of victims per corridor and year,
//
//   victims ~ log(migrants) + controls | origin + destination + year,
//
// with thousands of origin, destination and year levels that a dense dummy
// design (R's glm(y ~ x + factor(o) + factor(d) + factor(t))) cannot hold.
//
// The estimator is that of the dummy-variable Poisson GLM: coefficients,
// deviance and log-likelihood are the ones glm() would give on the same
// rows, without ever forming the dummies. The method is iteratively
// reweighted least squares (as fit_glm) in which each weighted least-squares
// step is solved by the Frisch-Waugh-Lovell theorem: the fixed effects are
// partialled out of the working response and of the regressors, then the
// small partialled problem is solved by a QR decomposition (Guimarães &
// Portugal 2010, Gaure 2013 "OLS with multiple high dimensional category
// variables", Correia, Guimarães & Zylkin 2020 "Fast Poisson estimation with
// high-dimensional fixed effects", Stata Journal 20(1)).
//
// Partialling out ("demeaning") is done by weighted alternating projections,
// subtracting group means one dimension after another (Gaure 2013),
// arranged in symmetric sweeps (dimension 1, 2, ..., K, ..., 2, 1) so that a
// sweep is a self-adjoint operator and can be accelerated by conjugate
// gradients (Hernández-Ramos, Escalante & Raydan 2011, "Unconstrained
// optimization techniques for the acceleration of alternating projection
// methods", Numer. Funct. Anal. Optim. 32(10); Correia 2017, "Linear models
// with high-dimensional fixed effects"). Each IRLS step starts the demeaning
// from the previous step's result (which differs from the answer only by the
// change of weights) and demeans loosely while the IRLS is still far from
// convergence, tightening to `demean_tolerance` at the end (Correia,
// Guimarães & Zylkin 2020). Columns are demeaned in parallel threads.
//
// What is not estimated: the fixed effects themselves (they are not reported,
// only absorbed), and the number of identified fixed-effect parameters (so no
// AIC, and no residual degrees of freedom). Of the ways a Poisson estimate
// can fail to exist, only levels whose counts are all 0 are found and removed
// in advance; zeros separated by a combination of levels or by regressors
// show up as fitted values numerically 0, with a warning.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <string>
#include <vector>

namespace vigil::glm {

struct FixedEffectsOptions {
  // IRLS stops when the deviance changes by less than `tolerance` relative
  // to it, |dev - previous| / (|dev| + 0.1), R's glm.fit criterion.
  int max_iterations = 100;
  double tolerance = 1e-10;
  // Demeaning stops when one more symmetric sweep would change the weighted
  // norm of the demeaned variable by less than `demean_tolerance` times the
  // weighted norm of the variable itself. It also sets the threshold for
  // declaring a regressor collinear with the fixed effects (see
  // FixedEffectsPoissonFit::aliased). Conjugate-gradient iterations, each
  // one sweep, are capped at `max_demean_iterations` per variable and IRLS
  // step.
  double demean_tolerance = 1e-12;
  int max_demean_iterations = 10000;
  // Optional, one value per row of the input (empty: none): an offset added
  // to the linear predictor, and non-negative prior weights (empty: all 1).
  // Rows with prior weight 0 take no part in the fit.
  Eigen::VectorXd offset;
  Eigen::VectorXd weights;
  // Optional cluster codes, 0-based, one per row of the input (empty: no
  // cluster-robust covariance). They need not be contiguous.
  std::vector<int> cluster;
  // Threads for the demeaning (one variable per thread at a time); 0 uses
  // every hardware thread. Results do not depend on it.
  int threads = 0;
};

struct FixedEffectsPoissonFit {
  // One entry per column of x. Aliased columns have coefficient and
  // standard errors NaN, and NaN rows and columns in the covariances.
  Eigen::VectorXd coefficients;
  // Model-based: the inverse of the partialled information X~' W X~ at the
  // estimate (W = prior weight x fitted mean, X~ = X with the fixed effects
  // partialled out in the W metric), dispersion 1. By Frisch-Waugh-Lovell
  // it is the slope block of vcov() of the dummy-variable glm, evaluated at
  // the estimate (R: vcov(update(fit, start = coef(fit)))).
  Eigen::VectorXd std_errors;
  Eigen::MatrixXd covariance;
  // Cluster-robust ("CR1" with the G / (G - 1) correction only):
  //   G / (G - 1) * B (sum_g s_g s_g') B,  B = (X~' W X~)^-1,
  //   s_g = sum over the rows of cluster g of w_i (y_i - mu_i) x~_i,
  // with G the number of clusters among the rows used. For the slope
  // coefficients it equals R's sandwich::vcovCL(dummy_glm, cluster = ~g,
  // type = "HC0") (whose cadjust = TRUE is the G / (G - 1)). Empty when no
  // cluster was given; NaN, with a warning, when fewer than 2 clusters.
  Eigen::VectorXd cluster_std_errors;
  Eigen::MatrixXd cluster_covariance;
  // A column is aliased when what is left of it after partialling out the
  // fixed effects and the earlier non-aliased columns has a weighted norm
  // below max(1e-9, 100 * demean_tolerance) times its own weighted norm: a
  // regressor constant within the levels of a fixed effect, or a linear
  // combination of other regressors and the fixed effects. (R's dummy glm
  // would instead drop a dummy column placed after the regressor.)
  std::vector<bool> aliased;
  // One entry per row used (see rows_used): eta = x beta + offset + the
  // fixed effects, and mu = exp(eta).
  Eigen::VectorXd linear_predictor;
  Eigen::VectorXd fitted;
  // Those of the dummy-variable Poisson glm: sum w 2 (y log(y / mu) - (y -
  // mu)) and sum w log dpois(y; mu) over the rows used. The dropped rows
  // (below) would contribute 0 to both at the glm's limit, so the values
  // are also those of a glm on every row. A non-integer y (allowed: this is
  // a pseudo-likelihood) enters the log-likelihood through lgamma(y + 1).
  double deviance = 0;
  double log_likelihood = 0;
  // Rows that took part in the fit, as indices into the input rows in
  // increasing order, and their number.
  std::vector<std::size_t> rows_used;
  int observations = 0;
  // Rows dropped because their level of some fixed effect has y = 0 in
  // every row (with positive prior weight): the level's effect has no
  // finite maximum-likelihood estimate (it goes to -infinity), and those
  // rows would be fitted exactly by mu = 0, telling nothing about the
  // coefficients. Rows of prior weight 0 are not counted here.
  int observations_dropped = 0;
  // Levels of each fixed-effect dimension among the rows used.
  std::vector<int> fixed_effect_levels;
  int iterations = 0;         // IRLS steps
  int demean_iterations = 0;  // conjugate-gradient sweeps, all variables and steps
  bool converged = false;
  // Plain-language notes: dropped rows, aliased columns, non-convergence of
  // the IRLS or of a demeaning, fitted values numerically 0 (a sign that the
  // estimate does not exist), too few clusters.
  std::vector<std::string> warnings;
};

// Fits the Poisson model y ~ x + offset with one fixed effect per level of
// each dimension of `fixed_effects` (log link).
//
//   x              n x p regressors, no intercept and no fixed-effect
//                  columns (the fixed effects absorb the intercept); p may
//                  be 0, which fits the fixed effects alone.
//   y              n non-negative responses (counts; non-integer values are
//                  accepted, as Poisson pseudo-maximum likelihood allows).
//   fixed_effects  at least one dimension, each n 0-based level codes (for
//                  example origin, destination and year). Codes need not be
//                  contiguous; unused codes cost nothing (see level_codes
//                  to make codes from numbers such as years).
//
// Throws vigil::Error (usage) on mismatched sizes, a negative or non-finite
// response, a negative level or cluster code, non-finite regressors,
// offsets or weights, negative weights, or options out of range. A fit that
// does not converge, or in which every row is dropped, is returned with
// converged = false and a warning.
FixedEffectsPoissonFit fit_fixed_effects_poisson(const Eigen::MatrixXd& x, const Eigen::VectorXd& y,
                                                 const std::vector<std::vector<int>>& fixed_effects,
                                                 const FixedEffectsOptions& options = {});

// Level codes for a fixed effect or cluster given as numbers (years, numeric
// country codes, a code column read from a file): equal values get equal
// codes, numbered 0, 1, ... in increasing order of the value, as R's
// factor(). Throws vigil::Error (usage) on a value that is not a whole
// number within the range of int, naming the first one.
std::vector<int> level_codes(const Eigen::VectorXd& values);

}  // namespace vigil::glm
