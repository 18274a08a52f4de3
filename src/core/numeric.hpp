// Small numerical helpers shared by the engines.
#pragma once

#include <math.h>  // lgamma_r

namespace vigil {

// log |Gamma(x)|, safe to call from several threads at once: std::lgamma
// writes the global `signgam`, a data race when bootstrap replicates or
// model searches run in parallel; the reentrant lgamma_r does not.
inline double log_gamma(double x) {
  int sign = 0;
  return lgamma_r(x, &sign);
}

}  // namespace vigil
