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
// all, when a value is infinite, or (for drop_unit) when no unit is
// complete. em stops when no parameter (mean, covariance) moves by more than
// `tolerance` on the scale of its indicators' standard deviations
// (|d mu_j| / sd_j, |d sigma_jk| / (sd_j sd_k)), which makes the rule the
// same for indicators in units and in millions; em_converged is false when
// max_iterations ran out first (the values are then those of the last
// iterate, still usable). Starts from the observed means and the covariance
// of the mean-filled data.
Imputed impute(const Eigen::MatrixXd& x, MissingData method, int max_iterations = 1000,
               double tolerance = 1e-10);

// ---------------------------------------------------------------------------
// Transforms applied to an indicator before normalisation.
enum class Transform { none, log, winsorise };
// log: natural log (values must be > 0, else vigil::Error input naming the
// row, 1-based); winsorise: values below the lower quantile / above the
// upper quantile (R's quantile type 7, over the non-missing values) are set
// to those quantiles (vigil::Error usage unless 0 <= lower <= upper <= 1).
// NaN (missing) stays NaN.
Eigen::VectorXd transform(const Eigen::VectorXd& column, Transform transform,
                          double lower_quantile = 0.05, double upper_quantile = 0.95);

// ---------------------------------------------------------------------------
// Normalisation (Handbook, section 1.5). Every method returns values that
// grow with risk: a protective indicator (higher = less risk) is reversed
// (for minmax: 1 - minmax; zscore and distance: negated; rank: reversed).
// The column must be complete (impute first). A constant column has no
// scale for minmax and zscore, and a zero reference value none for
// distance: vigil::Error usage, naming the problem, rather than a column of
// NaN that would surface far downstream; rank gives a constant column the
// average rank (n + 1) / 2. reference_row is required for distance and
// ignored by the other methods.
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
  expert,           // the weights given in the configuration, rescaled to sum to 1
  pca,              // from principal components of the dimension's normalised
                    // indicators (correlation matrix): the components with
                    // eigenvalue > 1 (at least the first) are kept (loadings
                    // = eigenvector x sqrt(eigenvalue)); each indicator goes
                    // to the kept component on which its squared loading is
                    // largest, and its weight is that squared loading scaled
                    // to unity sum within the component, times the
                    // component's share of the kept variance (its sum of
                    // squared loadings over theirs); then weights are
                    // rescaled to sum to 1 (Handbook, section 6.1, the
                    // procedure of Nicoletti et al. 2000). The two factors
                    // together make the weight proportional to the
                    // indicator's largest squared loading.
  factor_analysis,  // as pca, but with the loadings of factor_analysis()
                    // below (ML, varimax) when more than 2 indicators; pca
                    // loadings otherwise. The number of factors is that of
                    // pca, capped at the largest with non-negative degrees of
                    // freedom, ((p - m)^2 - p - m) / 2 >= 0, beyond which the
                    // model is not identified (R's factanal refuses it).
};
// For pca and factor_analysis the columns must be complete and none
// constant (vigil::Error usage); expert weights must be as many as the
// columns, >= 0, with a positive sum.
Eigen::VectorXd dimension_weights(const Eigen::MatrixXd& normalised, Weighting method,
                                  const Eigen::VectorXd& expert_weights = {});

// Maximum-likelihood factor analysis of the correlation matrix of `data`
// (Lawley & Maxwell 1971; Joreskog 1967), the model of R's factanal: the
// uniquenesses minimise the ML discrepancy with the loadings concentrated
// out, within [0.005, 1] as factanal's default bounds (0.005 keeps a
// Heywood case finite); loadings are varimax-rotated with Kaiser
// normalisation when factors > 1, then, as factanal prints them, ordered by
// decreasing sum of squares and signed so that each column sums to a
// positive value. Solved by a
// projected Newton iteration to a gradient of 1e-10, tighter than
// factanal's default L-BFGS-B, which stops about 1e-5 short in the
// uniquenesses. vigil::Error usage when factors < 1 or the degrees of
// freedom are negative, or for missing or constant columns.
struct FactorAnalysis {
  Eigen::MatrixXd loadings;      // indicators x factors
  Eigen::VectorXd uniquenesses;  // 1 - communalities
  double objective = 0;          // the ML discrepancy at the solution (factanal's "objective")
  int iterations = 0;
  bool converged = false;
};
FactorAnalysis factor_analysis(const Eigen::MatrixXd& data, int factors);

// ---------------------------------------------------------------------------
// Aggregation (Handbook, section 1.7).
enum class Aggregation {
  arithmetic,        // sum w x, weights summing to 1
  geometric,         // prod x^w; every value must be > 0 (vigil::Error
                     // usage otherwise: the pipeline rescales to a
                     // positive range first)
  mazziotta_pareto,  // Mazziotta & Pareto (2016) method of penalties:
                     // each column is standardised here to mean 100, sd 10
                     // (sd with divisor n, as the paper), whatever the
                     // normalisation before, so that the method is the
                     // published one; then per unit, with M and S the mean
                     // and sd (divisor: number of components) of its
                     // standardised values and cv = S / M, the index is
                     // M + S * cv: MPI+, the paper's version for a
                     // "negative" index, where higher = more risk and an
                     // unbalanced profile adds the penalty. Unequal weights
                     // generalise M and S to the weighted mean and weighted
                     // sd (equal weights give the published index). A
                     // constant column cannot be standardised: vigil::Error
                     // usage.
};
// Aggregates the columns of `values` (units x components) with `weights`.
// Weights must be as many as the columns, >= 0, and sum to 1 (within
// 1e-9; vigil::Error usage otherwise, rather than a silent rescaling that
// would hide a configuration error); values must be complete.
Eigen::VectorXd aggregate(const Eigen::MatrixXd& values, const Eigen::VectorXd& weights,
                          Aggregation method);

// ---------------------------------------------------------------------------
// Diagnostics (Handbook, section 1.4, "multivariate analysis").
struct DimensionDiagnostics {
  Eigen::MatrixXd correlation;    // Pearson, as R's cor()
  double cronbach_alpha = 0;      // as psych::alpha's raw_alpha (covariances)
  double standardised_alpha = 0;  // from the correlations (psych's std.alpha)
  // of the correlation matrix, decreasing (prcomp(scale = TRUE)$sdev^2)
  Eigen::VectorXd eigenvalues;
  Eigen::VectorXd explained;  // eigenvalues / their sum
  // Indicators whose correlation with the sum of the others in the
  // dimension is negative (a sign that its direction is wrong, or that it
  // measures something else): psych::alpha's r.drop < 0.
  std::vector<bool> negatively_correlated;
};
// The columns must be complete and none constant, with at least 2 units
// (vigil::Error usage). With one indicator the alphas are NaN (undefined)
// and the flag false.
DimensionDiagnostics diagnose(const Eigen::MatrixXd& normalised);

}  // namespace vigil::index
