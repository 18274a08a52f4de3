// Variance-based (Sobol') sensitivity analysis of a model with many
// outputs: which uncertain input moves which output, and by how much.
//
// In the uncertainty analysis of a composite index (Handbook, chapter 7;
// Saisana, Saltelli & Tarantola 2005, "Uncertainty and sensitivity analysis
// techniques as tools for the quality assessment of composite indicators",
// JRSS A 168(2)) the inputs, or factors, are the analyst's choices: the
// missing-data method, the normalisation, the weighting scheme, the
// aggregation, the perturbation of the weights. The outputs are the ranks of
// the units, hundreds of them. Each factor is a coordinate u_i of a point u
// drawn uniformly from [0, 1)^k, and the caller turns it into a choice, for
// example alternative floor(u_i * m) of m equally likely ones, or a weight
// factor 1 - p + 2 p u_i. Nothing requires the model to be smooth in u.
//
// Indices (Sobol' 1993, "Sensitivity estimates for nonlinear mathematical
// models", Math. Modeling Comput. Experiment 1(4)). For an output Y = f(u)
// with variance V:
//
//   first-order  S_i  = Var(E[Y | u_i]) / V: the share of V that would go
//                       away if u_i alone were fixed at its true value; the
//                       effect of choice i on its own.
//   total        S_Ti = E[Var(Y | u_-i)] / V: the share of V that would
//                       remain if every factor but u_i were fixed; the
//                       effect of choice i including all its interactions
//                       with the others.
//
// S_i <= S_Ti; S_Ti - S_i is the part of choice i's effect that depends on
// the other choices, and 1 - sum_i S_i the part of V due to interactions. A
// factor with S_Ti near 0 can be fixed at any value without changing the
// output's distribution.
//
// Design and estimators (Saltelli, Annoni, Azzini, Campolongo, Ratto &
// Tarantola 2010, "Variance based sensitivity analysis of model output.
// Design and estimator for the total sensitivity index", Computer Physics
// Communications 181(2)). Two independent N x k matrices of points, A and
// B, and for each factor i the matrix A_B^(i): A with its column i taken
// from B. The model is evaluated at the N (k + 2) rows of A, B and the
// A_B^(i), and, with f(X)_j the output at row j of X,
//
//   V    = the variance of the 2N values f(A)_j and f(B)_j together,
//   S_i  = (1/N) sum_j f(B)_j (f(A_B^(i))_j - f(A)_j) / V
//            (Saltelli et al. 2010, table 2 (b)),
//   S_Ti = (1/2N) sum_j (f(A)_j - f(A_B^(i))_j)^2 / V
//            (Jansen 1999, "Analysis of variance designs for model output",
//            Computer Physics Communications 117).
//
// The outputs are first shifted by the mean of the pooled f(A) and f(B):
// the expectation of the S_i estimator does not depend on a constant added
// to f, but its variance grows with the square of that constant, and ranks
// in the hundreds that vary by a few places would otherwise drown in noise
// (Sobol' 2001, "Global sensitivity indices for nonlinear mathematical
// models and their Monte Carlo estimates", Math. Comput. Simulation 55,
// recommends the shift for this reason). S_Ti and V do not change with it.
// Variances are plain means of squares (divisor 2N, not 2N - 1), as the
// numerators are plain means.
//
// Estimates are not clipped to [0, 1]: a small negative S_i or an S_i above
// S_Ti is Monte Carlo noise and the confidence interval says how much.
//
// Points. Pseudo-random, not quasi-random: row j of [A B] is 2k consecutive
// draws of std::mt19937_64 seeded through std::seed_seq from `seed` (both
// specified exactly by the C++ standard), each turned into a double in
// [0, 1) from its top 53 bits, so the points are the same on every platform
// and the points for N are the first N rows of those for any larger N.
// Pseudo-random rows are independent, which is what makes the bootstrap
// intervals below honest; a Sobol' low-discrepancy sequence would converge
// faster but would need a different error estimate.
//
// Confidence intervals. Percentile bootstrap (Efron & Tibshirani 1993,
// ch. 13) over the N rows of the design: a resample takes N row indices with
// replacement and keeps each row's f(A), f(B) and f(A_B^(i)) together
// (Archer, Saltelli & Sobol' 1997, "Sensitivity measures, ANOVA-like
// techniques and the use of bootstrap", J. Stat. Comput. Simul. 58). The
// resamples come from their own std::mt19937_64 stream of `seed`. The
// interval's ends are the (1 -/+ confidence) / 2 quantiles (R's type 7) of
// the resampled estimates; resamples in which the output happens to be
// constant have no estimate and are left out.
//
// Threads and determinism. All points and all resamples are drawn up front
// in the calling thread; the model evaluations are then shared between
// threads in fixed chunks of rows, each writing only its own rows, and the
// bootstrap one output per task. For a given seed and model the results are
// therefore bit-for-bit the same whatever the number of threads.
//
// Cost. N (k + 2) model evaluations; memory 8 N (k + 2) x outputs bytes for
// the outputs (for N = 1024, 8 factors and 500 outputs, 41 MB) plus
// 8 N x bootstrap bytes for the resamples. The standard error of an index
// falls as 1 / sqrt(N): quadrupling N halves the intervals.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>

namespace vigil::index {

struct SobolOptions {
  // N, the number of rows of A and of B: the model is evaluated N (k + 2)
  // times. At least 2.
  std::size_t base_samples = 1024;
  std::uint64_t seed = 1;
  // Threads evaluating the model; 0 uses every hardware thread. Results do
  // not depend on it.
  int threads = 0;
  // Bootstrap resamples for the confidence intervals; 0 computes none (the
  // bounds are then NaN).
  int bootstrap = 200;
  // Coverage of the intervals, strictly between 0 and 1.
  double confidence = 0.95;
  // Optional: called with (evaluations done, evaluations in all) as the
  // model evaluations progress, always from the thread that called
  // sobol_indices, with `done` never decreasing and a last call with
  // done == total when every evaluation succeeded. The bootstrap that
  // follows is not counted: it is shared between the threads too, and takes
  // about 1 s of one core for 500 outputs, 6 factors, N = 1024 and 200
  // resamples (it grows as outputs x factors x N x bootstrap).
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct SobolIndices {
  // Outputs in rows, factors in columns. NaN for an output whose pooled
  // f(A), f(B) are all equal (variance 0: there is nothing to apportion) or
  // that is not finite at some point of the design.
  Eigen::MatrixXd first_order, total;
  // The ends of the bootstrap percentile intervals; NaN when no resample
  // gave an estimate, or when `bootstrap` is 0.
  Eigen::MatrixXd first_order_lower, first_order_upper, total_lower, total_upper;
  // V, per output: 0 for a constant output, NaN for one not always finite.
  Eigen::VectorXd output_variance;
  // N x outputs: the model at the N rows of A, a plain Monte Carlo sample of
  // the outputs under the uncertain choices (for medians and 5-95%
  // intervals).
  Eigen::MatrixXd base_outputs;
  std::size_t evaluations = 0;  // N (k + 2)
};

// model(u, out) fills `out` (size `outputs`) with the outputs at the point
// `u` (size `factors`, each coordinate in [0, 1)). It is called from several
// threads at once, so it must be safe to call concurrently, and it must
// depend on u alone (no state carried between calls), or the results stop
// being reproducible. `out` is filled with NaN before each call, so an
// output left unwritten makes that output's indices NaN.
using Model = std::function<void(std::span<const double> u, std::span<double> out)>;

// The first-order and total Sobol' indices of every output with respect to
// every factor, with bootstrap confidence intervals.
//
// Throws vigil::Error (usage) when factors or outputs is 0, the model is
// empty, an option is out of range (base_samples < 2, threads < 0,
// bootstrap < 0, confidence not strictly between 0 and 1), or the design
// has more values than can be indexed; running out of memory before that
// throws std::bad_alloc. An exception thrown by the model, or by the progress
// callback (a way to cancel), stops the evaluations and is rethrown as it
// is: the one from the earliest rows if several threads throw.
SobolIndices sobol_indices(std::size_t factors, std::size_t outputs, const Model& model,
                           const SobolOptions& options = {});

}  // namespace vigil::index
