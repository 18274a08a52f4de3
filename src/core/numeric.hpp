// Small numerical helpers shared by the engines.
#pragma once

#include <math.h>  // lgamma_r

namespace vigil {

// The 97.5% quantile of the standard normal, for 95% intervals (R: qnorm(0.975)).
inline constexpr double kNormalQuantile975 = 1.959963984540054;

// log |Gamma(x)|, safe to call from several threads at once: std::lgamma
// writes the global `signgam`, a data race when bootstrap replicates or
// model searches run in parallel; the reentrant lgamma_r does not.
inline double log_gamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

}  // namespace vigil
