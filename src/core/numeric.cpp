// Numerical helpers shared by the engines; see numeric.hpp.
#include "core/numeric.hpp"

#include <cmath>
#include <limits>

namespace vigil {

// psi(x) for x > 0: the recurrence psi(x) = psi(x + 1) - 1/x lifts x to 10
// or more, where the asymptotic series (Abramowitz & Stegun 6.3.18) in
// 1/x^2 is accurate to machine precision with seven terms.
double digamma(double x) {
  double shift = 0;
  while (x < 10) {
    shift -= 1.0 / x;
    x += 1.0;
  }
  const double inv2 = 1.0 / (x * x);
  const double series =
      inv2 *
      (1.0 / 12 -
       inv2 * (1.0 / 120 -
               inv2 * (1.0 / 252 - inv2 * (1.0 / 240 - inv2 * (1.0 / 132 - inv2 * (691.0 / 32760 -
                                                                                   inv2 / 12))))));
  return shift + std::log(x) - 0.5 / x - series;
}

// psi'(x) for x > 0: psi'(x) = psi'(x + 1) + 1/x^2, then A&S 6.4.12.
double trigamma(double x) {
  double shift = 0;
  while (x < 10) {
    shift += 1.0 / (x * x);
    x += 1.0;
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  const double series =
      inv + 0.5 * inv2 +
      inv * inv2 *
          (1.0 / 6 -
           inv2 * (1.0 / 30 -
                   inv2 * (1.0 / 42 -
                           inv2 * (1.0 / 30 -
                                   inv2 * (5.0 / 66 - inv2 * (691.0 / 2730 - inv2 * 7.0 / 6))))));
  return shift + series;
}

// Brent's root finder (Brent 1973, "Algorithms for minimization without
// derivatives", ch. 4): inverse quadratic interpolation or secant steps,
// falling back to bisection, on a bracket [a, b] with f(a) f(b) <= 0.
double find_root(const std::function<double(double)>& f, double a, double b, double fa, double fb,
                 double absolute_tolerance, double relative_tolerance) {
  constexpr int kMaxIterations = 300;
  double c = a;
  double fc = fa;
  double step = b - a;
  double previous_step = step;
  for (int iteration = 0; iteration < kMaxIterations; ++iteration) {
    if ((fb > 0) == (fc > 0)) {
      c = a;
      fc = fa;
      step = previous_step = b - a;
    }
    if (std::abs(fc) < std::abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const double tol = 2 * std::numeric_limits<double>::epsilon() * std::abs(b) +
                       0.5 * (absolute_tolerance + relative_tolerance * std::abs(b));
    const double half = 0.5 * (c - b);
    if (std::abs(half) <= tol || fb == 0) return b;
    if (std::abs(previous_step) >= tol && std::abs(fa) > std::abs(fb)) {
      const double s = fb / fa;
      double p = 0;
      double q = 0;
      if (a == c) {
        p = 2 * half * s;
        q = 1 - s;
      } else {
        const double qa = fa / fc;
        const double r = fb / fc;
        p = s * (2 * half * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) {
        q = -q;
      } else {
        p = -p;
      }
      if (2 * p < std::min(3 * half * q - std::abs(tol * q), std::abs(previous_step * q))) {
        previous_step = step;
        step = p / q;
      } else {
        step = previous_step = half;
      }
    } else {
      step = previous_step = half;
    }
    a = b;
    fa = fb;
    b += std::abs(step) > tol ? step : (half > 0 ? tol : -tol);
    fb = f(b);
  }
  return b;
}

}  // namespace vigil
