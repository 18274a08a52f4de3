// The building blocks of a composite indicator, as the OECD/JRC Handbook on
// Constructing Composite Indicators (OECD 2008, "the Handbook") sets them
// out: treating missing data, normalising indicators to a common scale,
// weighting them, aggregating them within and across dimensions, and the
// diagnostics that tell whether the indicators of a dimension belong
// together. Each step is a function of plain matrices (units in rows,
// indicators in columns, NaN for missing), so that the pipeline
// (index.hpp) and the Monte Carlo uncertainty analysis can call them
// thousands of times with different choices.
#pragma once

#include <Eigen/Dense>
#include <optional>
#include <string>
#include <vector>

namespace vigil::index {

// ---------------------------------------------------------------------------
// Missing data (Handbook, section 1.3).
enum class MissingData {
  drop_unit,  // case deletion: units with any missing indicator are left out
  mean,       // unconditional mean of the indicator over the units that have it
  median,
  em,  // expectation-maximisation under a multivariate normal (Dempster,
       // Laird & Rubin 1977; Little & Rubin 2002, ch. 11): missing values
       // are their conditional expectations given the unit's observed
       // indicators at the ML estimates of the mean and covariance
};

struct Imputed {
  Eigen::MatrixXd values;               // the rows kept, nothing missing
  std::vector<Eigen::Index> rows_kept;  // indices into the input rows
  int cells_imputed = 0;
  int em_iterations = 0;  // for em
  bool em_converged = true;
};

// Throws vigil::Error (input) when an indicator has no observed value at
// all, or (for drop_unit) when no unit is complete.
Imputed impute(const Eigen::MatrixXd& x, MissingData method, int max_iterations = 1000,
               double tolerance = 1e-10);

// ---------------------------------------------------------------------------
// Transforms applied to an indicator before normalisation.
enum class Transform { none, log, winsorise };
// log: natural log (values must be > 0, else vigil::Error input naming the
// row); winsorise: values below the lower quantile / above the upper
// quantile (R's quantile type 7) are set to those quantiles.
Eigen::VectorXd transform(const Eigen::VectorXd& column, Transform transform,
                          double lower_quantile = 0.05, double upper_quantile = 0.95);

// ---------------------------------------------------------------------------
// Normalisation (Handbook, section 1.5). Every method returns values that
// grow with risk: a protective indicator (higher = less risk) is reversed
// (for minmax: 1 - minmax; zscore and distance: negated; rank: reversed).
enum class Normalisation {
  minmax,    // (x - min) / (max - min), in [0, 1]
  zscore,    // (x - mean) / sd, sd with n - 1 as R's sd()
  rank,      // ranks 1..n, ties averaged (R's rank(ties.method = "average"))
  distance,  // x / x_reference - 1: distance to a reference unit
};
Eigen::VectorXd normalise(const Eigen::VectorXd& column, Normalisation method, bool protective,
                          std::optional<Eigen::Index> reference_row = std::nullopt);

// ---------------------------------------------------------------------------
// Weights within one dimension (Handbook, section 1.6).
enum class Weighting {
  equal,
  expert,  // the weights given in the configuration, rescaled to sum to 1
  pca,     // from principal components of the dimension's normalised
           // indicators (correlation matrix): the components with
           // eigenvalue > 1 (at least the first) are kept; each indicator's
           // weight is its largest squared loading (loadings = eigenvector
           // x sqrt(eigenvalue)) scaled by its component's share of the kept
           // variance, then weights sum to 1 (Handbook, section 6.1, the
           // procedure of Nicoletti et al. 2000).
  factor_analysis,  // as pca, but with the loadings of a maximum-likelihood
                    // factor analysis (R's factanal, varimax rotation) when
                    // more than 2 indicators; pca loadings otherwise
};
Eigen::VectorXd dimension_weights(const Eigen::MatrixXd& normalised, Weighting method,
                                  const Eigen::VectorXd& expert_weights = {});

// ---------------------------------------------------------------------------
// Aggregation (Handbook, section 1.7).
enum class Aggregation {
  arithmetic,        // sum w x, weights summing to 1
  geometric,         // prod x^w; every value must be > 0 (vigil::Error
                     // usage otherwise: the pipeline rescales to a
                     // positive range first)
  mazziotta_pareto,  // Mazziotta & Pareto (2016) method of penalties:
                     // standardise to mean 100, sd 10 (the MPI
                     // normalisation), then mean - sd * cv per unit, the
                     // penalty for unbalanced indicators ("negative"
                     // direction: higher = more risk adds the penalty)
};
// Aggregates the columns of `values` (units x components) with `weights`.
Eigen::VectorXd aggregate(const Eigen::MatrixXd& values, const Eigen::VectorXd& weights,
                          Aggregation method);

// ---------------------------------------------------------------------------
// Diagnostics (Handbook, section 1.4, "multivariate analysis").
struct DimensionDiagnostics {
  Eigen::MatrixXd correlation;     // Pearson, as R's cor()
  double cronbach_alpha = 0;       // as psych::alpha's raw_alpha (covariances)
  double standardised_alpha = 0;   // from the correlations (psych's std.alpha)
  Eigen::VectorXd eigenvalues;     // of the correlation matrix, decreasing (prcomp(scale = TRUE)$sdev^2)
  Eigen::VectorXd explained;       // eigenvalues / their sum
  // Indicators whose correlation with the sum of the others in the
  // dimension is negative (a sign that its direction is wrong, or that it
  // measures something else): psych::alpha's r.drop < 0.
  std::vector<bool> negatively_correlated;
};
DimensionDiagnostics diagnose(const Eigen::MatrixXd& normalised);

}  // namespace vigil::index
