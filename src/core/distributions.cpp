// Sources, all written from the publications:
//
// - Normal tails: the C library's erfc at y = x / sqrt(2), with the rounding
//   of y corrected to first order, since it moves erfc(y) by a relative
//   y^2 eps (5e-14 at z = 30).
// - Normal quantile: Wichura (1988), "The percentage points of the normal
//   distribution", Algorithm AS 241 (PPND16), Applied Statistics 37:477-484;
//   relative error about 1e-16.
// - Incomplete gamma: the power series (Abramowitz & Stegun 6.5.29) for
//   x < a + 1 and Legendre's continued fraction (A&S 6.5.31) above, as in
//   Numerical Recipes section 6.2; incomplete beta: the continued fraction
//   A&S 26.5.8, used for x < (a + 1) / (a + b + 2) and through
//   I_x(a, b) = 1 - I_{1-x}(b, a) above, where it converges fast (NR 6.4),
//   in its contracted form without cancellation (see beta_fraction).
//   Fractions are evaluated by the modified Lentz method (Thompson & Barnett
//   1986, J. Comput. Phys. 64:490-509).
// - The factors x^a e^-x / Gamma(a) and x^a y^b / B(a, b) in front of them
//   carry the rounding error of large exponents (a log x with a = 5e5 loses
//   ten digits). For shapes below 170 they are products of pow, exp and
//   tgamma; above, they are computed as DiDonato & Morris do (ACM TOMS
//   12:377 (1986) and 18:360 (1992)): Stirling's formula with its error
//   term split off analytically, which leaves only log(1 + u) - u of the
//   relative deviation u of x from its mean, a quantity without
//   cancellation.
//
// Against 50-digit values (mpmath) the tails are within ~1e-15 relative in
// the body of the distributions and ~1e-13 out to 1e-300, where the
// exponent's own rounding dominates, for df up to 1e7; the gamma series
// accumulates ~sqrt(a) 1e-17 of rounding, 4e-13 at df = 1e9. Quantiles are
// within ~1e-14.
// - Quantiles other than the normal one: Newton's method on the logarithm of
//   the smaller tail against the logarithm of the argument, where the
//   functions are close to linear, kept inside a bracket by bisection.
#include "core/distributions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "core/error.hpp"
#include "core/numeric.hpp"

namespace vigil {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr double kEpsilon = std::numeric_limits<double>::epsilon();
constexpr double kPi = std::numbers::pi;
constexpr double kLogSqrt2Pi = 0.9189385332046728;  // log(sqrt(2 pi))
constexpr double kInvSqrtPi = 0.5641895835477563;   // 1 / sqrt(pi)
constexpr double kMinNormal = std::numeric_limits<double>::min();
// Below these shape parameters (a + b for the beta function) Gamma cannot
// overflow (Gamma(170) = 4e304), and below this x, e^-x cannot underflow.
constexpr double kDirectShapeLimit = 170;
constexpr double kDirectExpLimit = 700;
constexpr double kLogMaxDouble = 709.782712893384;    // log(DBL_MAX)
constexpr double kLogMinDouble = -708.3964185322641;  // log(DBL_MIN)
// 1 / sqrt(2) as the double nearest to it plus the remainder.
constexpr double kInvSqrt2 = 0.7071067811865476;
constexpr double kInvSqrt2Low = -4.833646656726457e-17;
// A series or continued fraction that has not converged after this many
// terms has met arguments far outside anything vigil produces (shapes beyond
// ~1e11, where the terms needed grow as 10 sqrt(shape)).
constexpr int kMaxTerms = 5'000'000;

void require_probability(double p, const char* function) {
  if (!(p >= 0 && p <= 1)) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: probability {} is not in [0, 1]", function, p));
  }
}

void require_positive(double value, const char* name, const char* function) {
  if (!(value > 0)) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: {} must be positive, got {}", function, name, value));
  }
}

void require_finite_positive(double value, const char* name, const char* function) {
  if (!(value > 0) || value == kInfinity) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: {} must be positive and finite, got {}", function, name, value));
  }
}

[[noreturn]] void no_convergence(const char* what, double a, double b, double x) {
  throw Error(Error::Kind::internal,
              fmt::format("{} did not converge for parameters {}, {} at {}", what, a, b, x));
}

// Both tails of a distribution and the term t f(t), t times the density at
// the point, which the tails were computed from.
struct Tails {
  double lower = 0;
  double upper = 0;
  double scaled_density = 0;
};

// log(1 + u) - u, given both 1 + u and u as computed by the caller: near 0
// the series of 2 atanh(u / (2 + u)), which has no cancellation; elsewhere
// the logarithm of `ratio`, which the caller can form without the absolute
// error that u carries when 1 + u is small.
double log1p_minus(double ratio, double u) {
  if (u < -0.5 || u > 1) return std::log(ratio) - u;
  // log(1 + u) = 2 (r + r^3/3 + r^5/5 + ...) with r = u / (2 + u), and
  // u - 2 r = u r, so that log(1 + u) - u = r (2 (r^2/3 + r^4/5 + ...) - u).
  // |r| <= 1/3, so 16 terms reach double precision.
  const double r = u / (2 + u);
  const double r2 = r * r;
  double power = r2;
  double series = 0;
  for (int k = 3; k < 80; k += 2) {
    const double term = power / k;
    series += term;
    if (term <= kEpsilon * series) break;
    power *= r2;
  }
  return r * (2 * series - u);
}

// log Gamma(z) - [(z - 1/2) log z - z + log sqrt(2 pi)], the error of
// Stirling's approximation.
double stirling_error(double z) {
  if (z < 10) return log_gamma(z) - (z - 0.5) * std::log(z) + z - kLogSqrt2Pi;
  // The asymptotic series, A&S 6.1.41: B_2k / (2k (2k - 1) z^(2k-1)). At
  // z = 10 the first omitted term is 3e-17.
  const double r = 1 / z;
  const double r2 = r * r;
  return r *
         (1.0 / 12 -
          r2 * (1.0 / 360 -
                r2 * (1.0 / 1260 -
                      r2 * (1.0 / 1680 - r2 * (1.0 / 1188 - r2 * (691.0 / 360360 - r2 / 156))))));
}

// x^a e^-x / Gamma(a), = x f(x) for the gamma density f with shape a.
double gamma_prefix(double a, double x) {
  if (x == 0 || x == kInfinity) return 0;
  // Where nothing overflows, pow, exp and tgamma are each exact to an ulp
  // or two, which exp(a log x - x - log Gamma(a)) is not: the rounding of a
  // large exponent (-230 at x = 1e-100) is the result's relative error.
  if (a < kDirectShapeLimit && x < kDirectExpLimit) {
    const double power = std::pow(x, a);
    // 1 / Gamma(a) <= 1.13, so a power below the normal range means a
    // result below it too.
    if (power < kInfinity) return power * std::exp(-x) / std::tgamma(a);
  }
  if (a < 1) return std::exp(a * std::log(x) - x - log_gamma(a));
  // Gamma(a) = sqrt(2 pi) a^(a - 1/2) e^-a e^stirling_error(a), so that
  // x^a e^-x / Gamma(a) = sqrt(a / 2 pi) exp(a (log(x/a) - (x/a - 1)) - error).
  return std::sqrt(a / (2 * kPi)) *
         std::exp(a * log1p_minus(x / a, (x - a) / a) - stirling_error(a));
}

// x^a y^b / B(a, b) with y = 1 - x, given both so that neither is formed as a
// difference.
double beta_prefix(double a, double b, double x, double y) {
  if (x == 0 || y == 0) return 0;
  const double sum = a + b;
  if (sum < kDirectShapeLimit) {
    // As in gamma_prefix; 1 / B(a, b) <= 4e51 here, so only results below
    // ~1e-257 can lose digits to underflow, and those take the long way.
    const double powers = std::pow(x, a) * std::pow(y, b);
    if (powers > kMinNormal) return powers * (std::tgamma(sum) / std::tgamma(a) / std::tgamma(b));
  }
  const double x0 = a / sum;
  const double y0 = b / sum;
  // x - x0 = y0 - y; the side below 1/2 gives it without losing digits.
  const double deviation = x <= y ? x - x0 : y0 - y;
  // With the Stirling form of the three gammas, 1 / B(a, b) =
  // sqrt(ab / (2 pi (a+b))) x0^-a y0^-b e^(err(a+b) - err(a) - err(b)); the
  // terms linear in the deviation cancel between a log(x/x0) and
  // b log(y/y0) (a (x/x0 - 1) = -b (y/y0 - 1)), leaving log1p_minus.
  const double exponent = a * log1p_minus(x / x0, deviation / x0) +
                          b * log1p_minus(y / y0, -deviation / y0) + stirling_error(sum) -
                          stirling_error(a) - stirling_error(b);
  return std::sqrt(x0 * b / (2 * kPi)) * std::exp(exponent);
}

// b0 + a1 / (b1 + a2 / (b2 + ...)), `terms(n)` giving {a_n, b_n} for n >= 1,
// by the modified Lentz method.
template <class Terms>
double continued_fraction(double b0, Terms terms, const char* what, double a, double b, double x) {
  constexpr double kTiny = 1e-300;
  double value = b0 == 0 ? kTiny : b0;
  double c = value;
  double d = 0;
  for (int n = 1; n <= kMaxTerms; ++n) {
    const auto [an, bn] = terms(n);
    d = bn + an * d;
    if (d == 0) d = kTiny;
    c = bn + an / c;
    if (c == 0) c = kTiny;
    d = 1 / d;
    const double factor = c * d;
    value *= factor;
    if (std::abs(factor - 1) <= kEpsilon) return value;
  }
  no_convergence(what, a, b, x);
}

Tails gamma_tails(double a, double x) {
  if (x <= 0) return {0, 1, 0};
  if (x == kInfinity) return {1, 0, 0};
  const double prefix = gamma_prefix(a, x);
  if (x < a + 1) {
    // P(a, x) = x^a e^-x / Gamma(a + 1) * sum_n x^n / ((a+1) ... (a+n)).
    double term = 1;
    double sum = 1;
    for (int n = 1;; ++n) {
      term *= x / (a + n);
      sum += term;
      if (term <= 0.5 * kEpsilon * sum) break;
      if (n == kMaxTerms) no_convergence("incomplete gamma series", a, 0, x);
    }
    const double lower = prefix / a * sum;
    return {lower, 1 - lower, prefix};
  }
  // Q(a, x) = x^a e^-x / Gamma(a) * 1/(x+1-a- 1(1-a)/(x+3-a- 2(2-a)/(x+5-a- ...))).
  const double fraction = continued_fraction(
      0.0,
      [a, x](int n) {
        const double k = n - 1;
        return std::pair{n == 1 ? 1.0 : -k * (k - a), x + 2 * k + 1 - a};
      },
      "incomplete gamma continued fraction", a, 0, x);
  const double upper = prefix * fraction;
  return {1 - upper, upper, prefix};
}

// a x^-a y^-b B(a, b) I_x(a, b), for x < (a + 1) / (a + b + 2). A&S 26.5.8
// writes it as 1 + d1/(1 + d2/(1 + ...)), whose denominators 1 + d_n nearly
// cancel when x is close to 1 (1 - x = 4e-6 cost 3e-11 at a = 5e5, growing
// with a). Its odd part (the contraction of pairs of terms, Wall 1948,
// "Analytic theory of continued fractions", ch. 1) is
// beta_0 - d1 d2/(beta_1 - d3 d4/(beta_2 - ...)), beta_m = 1 + d_2m + d_2m+1,
// and beta_m simplifies to [(a - 1)(lambda + 1) + 2m (a + m)(1 + y)] /
// ((a + 2m - 1)(a + 2m + 1)) with lambda = a - (a + b) x = (a + b) y - b, a
// sum of non-negative terms for a >= 1 (lambda + 1 > 0 in this range), as in
// DiDonato & Morris's BFRAC. lambda is taken from the smaller of x and y.
double beta_fraction(double a, double b, double x, double y) {
  const double lambda = x <= y ? a - (a + b) * x : (a + b) * y - b;
  return 1 / continued_fraction(
                 (lambda + 1) / (a + 1),
                 [a, b, x, y, lambda](int n) {
                   const double m = n;
                   const double alpha =
                       (a + m - 1) * (a + b + m - 1) * m * (b - m) * x * x /
                       ((a + 2 * m - 2) * (a + 2 * m - 1) * (a + 2 * m - 1) * (a + 2 * m));
                   const double beta = ((a - 1) * (lambda + 1) + 2 * m * (a + m) * (1 + y)) /
                                       ((a + 2 * m - 1) * (a + 2 * m + 1));
                   return std::pair{alpha, beta};
                 },
                 "incomplete beta continued fraction", a, b, x);
}

// I_x(a, b) and 1 - I_x(a, b), with y = 1 - x; scaled_density is
// x^a y^b / B(a, b).
Tails beta_tails(double a, double b, double x, double y) {
  if (x <= 0) return {0, 1, 0};
  if (y <= 0) return {1, 0, 0};
  if (x * (a + b + 2) < a + 1) {
    const double prefix = beta_prefix(a, b, x, y);
    const double lower = prefix / a * beta_fraction(a, b, x, y);
    return {lower, 1 - lower, prefix};
  }
  const double prefix = beta_prefix(b, a, y, x);
  const double upper = prefix / b * beta_fraction(b, a, y, x);
  return {1 - upper, upper, prefix};
}

// P(T > |t|) and P(0 < T < |t|) for Student's t, through
// P(|T| > |t|) = I_x(df/2, 1/2) with x = df / (df + t^2).
Tails student_t_halves(double t, double df) {
  const double t2 = t * t;
  double x = 0;
  double y = 0;
  if (t2 <= df) {
    x = df / (df + t2);
    y = t2 / (df + t2);
  } else {
    const double ratio = df / std::abs(t) / std::abs(t);  // no overflow of t^2
    if (ratio < 1e-300) {
      // x ~ ratio is below the normal range or lost, and
      // I_x(a, 1/2) = x^a / (a B(a, 1/2)) (1 + O(x)) to double precision;
      // x^a = (sqrt(df) / |t|)^df by pow, exact to an ulp where
      // exp(a log x) would carry the rounding of a log x ~ -700 a.
      const double a = df / 2;
      const double log_beta = log_gamma(a) + log_gamma(0.5) - log_gamma(a + 0.5);
      const double scaled_density = std::pow(std::sqrt(df) / std::abs(t), df) * std::exp(-log_beta);
      return {0.5 * scaled_density / a, 0.5 - 0.5 * scaled_density / a, scaled_density};
    }
    x = ratio / (1 + ratio);
    y = 1 / (1 + ratio);
  }
  const Tails both = beta_tails(df / 2, 0.5, x, y);
  return {0.5 * both.lower, 0.5 * both.upper, both.scaled_density};
}

// log(a / b), from the quotient where it is representable: the difference
// of the logarithms carries their rounding, 3e-14 at log(1e-100).
double log_ratio(double a, double b) {
  const double ratio = a / b;
  if (ratio > 0 && ratio < kInfinity) return std::log(ratio);
  return std::log(a) - std::log(b);
}

// Newton's method for v > 0 with g(v) = 0, g increasing; `residual(v)` gives
// {g(v), dg/dlog v}. The steps are taken in log v, where the tails are close
// to linear, but applied as factors to v itself, which log v = -230 could
// only carry to 3e-14. Steps are at most a factor e^2, and are replaced by
// bisection when they leave the bracket that the signs of g have set.
template <class Residual>
double solve_positive(Residual residual, double v) {
  constexpr double kMaxStep = 2;
  constexpr double kDone = 1e-11;  // quadratic convergence: the next error is ~1e-22
  double low = 0;
  double high = kInfinity;
  for (int iteration = 0; iteration < 200; ++iteration) {
    const auto [g, slope] = residual(v);
    if (g == 0) return v;
    if (g < 0) {
      low = v;
    } else if (g > 0) {
      high = v;
    }
    double step = -g / slope;
    if (!(slope > 0) || std::isnan(step)) step = g < 0 ? kMaxStep : -kMaxStep;
    if (std::abs(step) <= kDone) return v * std::exp(step);
    double next = v * std::exp(std::clamp(step, -kMaxStep, kMaxStep));
    if (!(next > low && next < high) && low > 0 && high < kInfinity) {
      next = std::sqrt(low) * std::sqrt(high);
      if (high - low <= 4 * kEpsilon * high) return next;
    }
    v = next;
  }
  return v;
}

}  // namespace

double normal_upper_tail(double x) {
  if (std::isnan(x)) return x;
  const double y = x * kInvSqrt2;
  // x / sqrt(2) = y + delta exactly to ~1e-32; erfc'(y) = -2 e^(-y^2) / sqrt(pi).
  const double delta = std::fma(x, kInvSqrt2, -y) + x * kInvSqrt2Low;
  return 0.5 * std::erfc(y) - delta * kInvSqrtPi * std::exp(-y * y);
}

double normal_cdf(double x) {
  return normal_upper_tail(-x);
}

double normal_quantile(double p) {
  require_probability(p, "normal_quantile");
  if (p == 0) return -kInfinity;
  if (p == 1) return kInfinity;
  const double q = p - 0.5;  // exact for p in [1/4, 1]
  if (std::abs(q) <= 0.425) {
    constexpr double kA[] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                             1.9715909503065514427e+3, 1.3731693765509461125e+4,
                             4.5921953931549871457e+4, 6.7265770927008700853e+4,
                             3.3430575583588128105e+4, 2.5090809287301226727e+3};
    constexpr double kB[] = {1.0,
                             4.2313330701600911252e+1,
                             6.8718700749205790830e+2,
                             5.3941960214247511077e+3,
                             2.1213794301586595867e+4,
                             3.9307895800092710610e+4,
                             2.8729085735721942674e+4,
                             5.2264952788528545610e+3};
    const double r = 0.180625 - q * q;
    double num = kA[7];
    double den = kB[7];
    for (int i = 6; i >= 0; --i) {
      num = num * r + kA[i];
      den = den * r + kB[i];
    }
    return q * num / den;
  }
  // The tail: a rational function of sqrt(-log(tail probability)); the
  // smaller tail is p or 1 - p, the latter exact for p > 1/2.
  const double tail = q < 0 ? p : 1 - p;
  double r = std::sqrt(-std::log(tail));
  double value = 0;
  if (r <= 5) {
    constexpr double kC[] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                             5.76949722146069140550e0,  3.64784832476320460504e0,
                             1.27045825245236838258e0,  2.41780725177450611770e-1,
                             2.27238449892691845833e-2, 7.74545014278341407640e-4};
    constexpr double kD[] = {1.0,
                             2.05319162663775882187e0,
                             1.67638483018380384940e0,
                             6.89767334985100004550e-1,
                             1.48103976427480074590e-1,
                             1.51986665636164571966e-2,
                             5.47593808499534494600e-4,
                             1.05075007164441684324e-9};
    r -= 1.6;
    double num = kC[7];
    double den = kD[7];
    for (int i = 6; i >= 0; --i) {
      num = num * r + kC[i];
      den = den * r + kD[i];
    }
    value = num / den;
  } else {
    constexpr double kE[] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                             1.78482653991729133580e0,  2.96560571828504891230e-1,
                             2.65321895265761230930e-2, 1.24266094738807843860e-3,
                             2.71155556874348757815e-5, 2.01033439929228813265e-7};
    constexpr double kF[] = {1.0,
                             5.99832206555887937690e-1,
                             1.36929880922735805310e-1,
                             1.48753612908506148525e-2,
                             7.86869131145613259100e-4,
                             1.84631831751005468180e-5,
                             1.42151175831644588870e-7,
                             2.04426310338993978564e-15};
    r -= 5;
    double num = kE[7];
    double den = kF[7];
    for (int i = 6; i >= 0; --i) {
      num = num * r + kE[i];
      den = den * r + kF[i];
    }
    value = num / den;
  }
  return q < 0 ? -value : value;
}

double student_t_upper_tail(double t, double df) {
  require_positive(df, "df", "student_t_upper_tail");
  if (std::isnan(t)) return t;
  if (df == kInfinity) return normal_upper_tail(t);
  if (t == 0) return 0.5;
  if (std::isinf(t)) return t > 0 ? 0.0 : 1.0;
  const Tails halves = student_t_halves(t, df);
  // `lower` is P(T > |t|), `upper` P(0 < T < |t|).
  return t > 0 ? halves.lower : 0.5 + halves.upper;
}

double student_t_cdf(double t, double df) {
  require_positive(df, "df", "student_t_cdf");
  return student_t_upper_tail(-t, df);
}

double student_t_quantile(double p, double df) {
  require_probability(p, "student_t_quantile");
  require_positive(df, "df", "student_t_quantile");
  if (df == kInfinity) return normal_quantile(p);
  if (p == 0) return -kInfinity;
  if (p == 1) return kInfinity;
  if (p == 0.5) return 0;
  const double tail = p < 0.5 ? p : 1 - p;  // 1 - p is exact here
  const double sign = p < 0.5 ? -1.0 : 1.0;
  if (df == 1) {  // Cauchy: P(T > t) = atan(1/t) / pi
    return sign * (tail <= 0.25 ? 1 / std::tan(kPi * tail) : std::tan(kPi * (0.5 - tail)));
  }
  if (df == 2) {  // P(T > t) = (1 - t / sqrt(2 + t^2)) / 2
    return sign * (1 - 2 * tail) / std::sqrt(2 * tail * (1 - tail));
  }
  // Near the centre the equation is P(0 < T < t) = 1/2 - tail, whose
  // right-hand side is exact, rather than P(T > t) = tail.
  const bool central = tail > 0.25;
  const double target = central ? 0.5 - tail : tail;
  const auto residual = [&](double t) {
    const Tails halves = student_t_halves(t, df);
    // d log P(T > t) / d log t = -t f(t) / P(T > t), and t f(t) is the
    // scaled density (f the t density).
    if (central) {
      return std::pair{log_ratio(halves.upper, target), halves.scaled_density / halves.upper};
    }
    return std::pair{log_ratio(target, halves.lower), halves.scaled_density / halves.lower};
  };
  // Starting points: the Cornish-Fisher expansion about the normal quantile
  // (A&S 26.7.5), the power-law tail P(T > t) ~ (sqrt(df)/t)^df / (df B),
  // and the density at 0 for the centre; the one closest to a root wins.
  const double z = -normal_quantile(tail);
  const double z2 = z * z;
  const double g1 = (z2 + 1) * z / 4;
  const double g2 = ((5 * z2 + 16) * z2 + 3) * z / 96;
  const double g3 = (((3 * z2 + 19) * z2 + 17) * z2 - 15) * z / 384;
  const double g4 = ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945) * z / 92160;
  const double cornish_fisher = z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
  const double log_beta = log_gamma(df / 2) + log_gamma(0.5) - log_gamma(df / 2 + 0.5);
  const double log_power_tail = 0.5 * std::log(df) - (std::log(tail * df) + log_beta) / df;
  // Beyond the largest double (tail = 1e-100 at df = 0.3): infinite, as R.
  if (log_power_tail > kLogMaxDouble) return sign * kInfinity;
  const double power_tail = std::exp(log_power_tail);
  const double centre = (0.5 - tail) * std::sqrt(df) * std::exp(log_beta);
  double start = 0;
  double best = kInfinity;
  for (const double candidate : {cornish_fisher, power_tail, centre}) {
    if (!(candidate > 0) || !std::isfinite(candidate)) continue;
    const double miss = std::abs(residual(candidate).first);
    if (miss < best) {
      best = miss;
      start = candidate;
    }
  }
  if (!(start > 0)) start = 1;
  return sign * solve_positive(residual, start);
}

double chi_squared_cdf(double x, double df) {
  require_finite_positive(df, "df", "chi_squared_cdf");
  if (std::isnan(x)) return x;
  return gamma_tails(df / 2, x / 2).lower;
}

double chi_squared_upper_tail(double x, double df) {
  require_finite_positive(df, "df", "chi_squared_upper_tail");
  if (std::isnan(x)) return x;
  return gamma_tails(df / 2, x / 2).upper;
}

double chi_squared_quantile(double p, double df) {
  require_probability(p, "chi_squared_quantile");
  require_finite_positive(df, "df", "chi_squared_quantile");
  if (p == 0) return 0;
  if (p == 1) return kInfinity;
  const double a = df / 2;
  const bool lower = p <= 0.5;
  const double target = lower ? p : 1 - p;  // 1 - p exact for p > 1/2
  // With z = x/2: d log P / d log z = z^a e^-z / (Gamma(a) P), the scaled
  // density over P.
  const auto residual = [&](double z) {
    const Tails tails = gamma_tails(a, z);
    if (lower) {
      return std::pair{log_ratio(tails.lower, target), tails.scaled_density / tails.lower};
    }
    return std::pair{log_ratio(target, tails.upper), tails.scaled_density / tails.upper};
  };
  // Starting points: Wilson & Hilferty's cube-root normal approximation,
  // and P(a, z) ~ z^a / Gamma(a + 1) for small z.
  const double c = 1 / (9 * a);
  const double cube_root = 1 - c + normal_quantile(p) * std::sqrt(c);
  const double wilson_hilferty = a * cube_root * cube_root * cube_root;
  const double log_small = (std::log(p) + log_gamma(a + 1)) / a;
  // Below the smallest normal double (p = 1e-100 at df = 0.5): 0, as R.
  if (lower && log_small < kLogMinDouble) return 0;
  const double small = std::exp(log_small);
  double start = 0;
  double best = kInfinity;
  for (const double candidate : {wilson_hilferty, small}) {
    if (!(candidate > 0) || !std::isfinite(candidate)) continue;
    const double miss = std::abs(residual(candidate).first);
    if (miss < best) {
      best = miss;
      start = candidate;
    }
  }
  if (!(start > 0)) start = a;
  return 2 * solve_positive(residual, start);
}

namespace {

// P(F > x) = I_u(df2/2, df1/2) with u = df2 / (df2 + df1 x): both tails of
// that beta, with u and 1 - u each computed without cancellation.
Tails f_beta_tails(double x, double df1, double df2) {
  const double ratio = df1 * x / df2;
  double u = 0;
  double v = 0;
  if (ratio <= 1) {
    u = 1 / (1 + ratio);
    v = ratio / (1 + ratio);
  } else {
    const double inverse = df2 / df1 / x;
    u = inverse / (1 + inverse);
    v = 1 / (1 + inverse);
  }
  return beta_tails(df2 / 2, df1 / 2, u, v);
}

}  // namespace

double f_upper_tail(double x, double df1, double df2) {
  require_positive(df1, "df1", "f_upper_tail");
  require_positive(df2, "df2", "f_upper_tail");
  if (std::isnan(x)) return x;
  if (x <= 0) return 1;
  if (x == kInfinity) return 0;
  // The limits: df2 -> infinity makes df1 F chi-squared(df1), df1 -> infinity
  // makes df2 / F chi-squared(df2), both make F = 1.
  if (df1 == kInfinity && df2 == kInfinity) return x < 1 ? 1.0 : 0.0;
  if (df2 == kInfinity) return chi_squared_upper_tail(x * df1, df1);
  if (df1 == kInfinity) return chi_squared_cdf(df2 / x, df2);
  return f_beta_tails(x, df1, df2).lower;
}

double f_cdf(double x, double df1, double df2) {
  require_positive(df1, "df1", "f_cdf");
  require_positive(df2, "df2", "f_cdf");
  if (std::isnan(x)) return x;
  if (x <= 0) return 0;
  if (x == kInfinity) return 1;
  if (df1 == kInfinity && df2 == kInfinity) return x < 1 ? 0.0 : 1.0;
  if (df2 == kInfinity) return chi_squared_cdf(x * df1, df1);
  if (df1 == kInfinity) return chi_squared_upper_tail(df2 / x, df2);
  return f_beta_tails(x, df1, df2).upper;
}

double regularized_gamma_p(double a, double x) {
  require_finite_positive(a, "a", "regularized_gamma_p");
  if (std::isnan(x)) return x;
  if (x < 0) throw Error(Error::Kind::usage, fmt::format("regularized_gamma_p: x = {} < 0", x));
  return gamma_tails(a, x).lower;
}

double regularized_gamma_q(double a, double x) {
  require_finite_positive(a, "a", "regularized_gamma_q");
  if (std::isnan(x)) return x;
  if (x < 0) throw Error(Error::Kind::usage, fmt::format("regularized_gamma_q: x = {} < 0", x));
  return gamma_tails(a, x).upper;
}

double regularized_beta(double x, double a, double b) {
  require_finite_positive(a, "a", "regularized_beta");
  require_finite_positive(b, "b", "regularized_beta");
  if (std::isnan(x)) return x;
  if (x < 0 || x > 1) {
    throw Error(Error::Kind::usage, fmt::format("regularized_beta: x = {} is not in [0, 1]", x));
  }
  return beta_tails(a, b, x, 1 - x).lower;
}

double regularized_beta_complement(double x, double a, double b) {
  require_finite_positive(a, "a", "regularized_beta_complement");
  require_finite_positive(b, "b", "regularized_beta_complement");
  if (std::isnan(x)) return x;
  if (x < 0 || x > 1) {
    throw Error(Error::Kind::usage,
                fmt::format("regularized_beta_complement: x = {} is not in [0, 1]", x));
  }
  return beta_tails(a, b, x, 1 - x).upper;
}

}  // namespace vigil
