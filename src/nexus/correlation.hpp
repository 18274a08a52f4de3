// Correlation coefficients with a test of zero correlation and a confidence
// interval, for pairs such as (migration flow, victims identified).
//
// Estimates, statistics and p-values are those of R's cor.test (R 4.2):
//
// - pearson: r; t = r sqrt((n-2) / (1-r^2)) on n-2 degrees of freedom;
//   interval by Fisher's z, atanh(r) +- q / sqrt(n-3), q the normal quantile.
// - spearman: rho, the Pearson correlation of the ranks (ties averaged);
//   S = (n^3 - n)(1 - rho) / 6. The p-value follows R's default
//   (exact = NULL): for n <= 1290 without ties, the exact null distribution
//   of S, enumerated for n <= 9 and otherwise by the Edgeworth series of
//   Best & Roberts (1975, Algorithm AS 89, Applied Statistics 24:377-379) as
//   R evaluates it; with ties or n > 1290, the t approximation
//   t = rho sqrt((n-2) / (1-rho^2)) on n-2 degrees of freedom (R's
//   exact = FALSE), with a warning for ties as R gives one. One departure:
//   far in the tails (p below ~1e-5 by the t approximation, for n >= 10)
//   AS 89's series turns negative and R reports p = 0; vigil then reports
//   the t approximation, with a warning. R gives no interval; vigil's is
//   Fisher's z with Bonett & Wright's (2000, Psychometrika 65:23-28)
//   standard error sqrt((1 + rho^2/2) / (n-3)).
// - kendall: tau-b, computed in O(n log n) (Knight 1966, JASA 61:436-439);
//   z = S / sqrt(var S) with the tie-corrected variance of S = concordant -
//   discordant pairs (Kendall 1970, "Rank correlation methods", ch. 4), as
//   R's exact = FALSE. R's default uses the exact distribution (statistic
//   "T") for n < 50 without ties; vigil always reports z. Interval: Fisher's
//   z with the standard error sqrt(0.437 / (n-4)) of Fieller, Hartley &
//   Pearson (1957, Biometrika 44:470-481).
//
// All p-values are two-sided. Input errors throw Error (kind usage): x and
// y of different lengths, fewer than 3 pairs (R allows 2 for the rank
// methods, where any coefficient is +-1), a NaN or infinite value (drop
// incomplete pairs first), a confidence level outside (0, 1). A constant x or y is an outcome, not
// an error: as R returns NA with a warning, the result then holds NaN for the estimate, statistic,
// p-value and interval, and says why in `warnings`. Likewise an interval that needs more pairs (n >
// 3, or n > 4 for kendall) is NaN with a warning.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace vigil::nexus {

enum class CorrelationMethod { pearson, spearman, kendall };

struct Correlation {
  static constexpr double kNotComputed = std::numeric_limits<double>::quiet_NaN();

  CorrelationMethod method = CorrelationMethod::pearson;
  double estimate = kNotComputed;   // r, rho or tau-b
  double statistic = kNotComputed;  // see statistic_name
  double p_value = kNotComputed;    // two-sided
  double ci_lower = kNotComputed;
  double ci_upper = kNotComputed;
  double confidence_level = 0.95;
  std::size_t n = 0;           // pairs
  std::string statistic_name;  // "t" (pearson), "S" (spearman), "z" (kendall), as R
  // "fisher_z" (se 1/sqrt(n-3)), "fisher_z_bonett_wright" (spearman) or
  // "fisher_z_fieller" (kendall).
  std::string interval_method;
  std::vector<std::string> warnings;
};

Correlation correlate(std::span<const double> x, std::span<const double> y,
                      CorrelationMethod method, double confidence_level = 0.95);

}  // namespace vigil::nexus
