// Small numerical helpers shared by the engines.
#pragma once

#include <math.h>  // lgamma_r

#include <functional>

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

// The digamma and trigamma functions psi(x) and psi'(x), for x > 0, to
// about machine precision (for the negative binomial's theta and the MSE
// profile likelihood).
double digamma(double x);
double trigamma(double x);

// A root of f in the bracket [a, b], where f(a) = fa and f(b) = fb differ in
// sign, by Brent's method (Brent 1973, "Algorithms for minimization without
// derivatives", ch. 4): inverse quadratic interpolation or the secant step
// where they stay inside the bracket and shrink it fast enough, bisection
// otherwise. Stops when the bracket is narrower than
// absolute_tolerance + relative_tolerance |root| (plus rounding).
double find_root(const std::function<double(double)>& f, double a, double b, double fa, double fb,
                 double absolute_tolerance, double relative_tolerance);

}  // namespace vigil
