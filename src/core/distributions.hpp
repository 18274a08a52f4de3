// Distribution functions for tests and intervals: the normal, Student's t,
// chi-squared and F distributions, and the regularized incomplete gamma and
// beta functions beneath them.
//
// Each tail is computed directly rather than as one minus the other, so that
// p-values keep their relative accuracy far out (z = 30, t = 40), where
// 1 - cdf would be all rounding error: take a two-sided p-value as
// 2 * upper_tail(|statistic|). Accuracy: ~1e-15 relative in the body of the
// distributions, ~1e-13 in tails down to 1e-300 (degrees of freedom up to
// 1e7; the chi-squared loses ~sqrt(df) 1e-17 beyond), ~1e-14 for quantiles.
//
// All functions are pure (no global state, thread-safe). Out-of-domain
// parameters (a probability outside [0, 1], a non-positive or NaN degree of
// freedom or shape) throw Error (kind usage); a NaN statistic gives NaN.
// Student's t accepts df = +infinity (the normal distribution), and F either
// degree of freedom = +infinity, as R does.
#pragma once

namespace vigil {

// The standard normal distribution.
double normal_cdf(double x);
double normal_upper_tail(double x);
double normal_quantile(double p);

// Student's t distribution with `df` > 0 degrees of freedom, not necessarily
// a whole number.
double student_t_cdf(double t, double df);
double student_t_upper_tail(double t, double df);
double student_t_quantile(double p, double df);

// The chi-squared distribution with `df` > 0 degrees of freedom.
double chi_squared_cdf(double x, double df);
double chi_squared_upper_tail(double x, double df);
double chi_squared_quantile(double p, double df);

// The F distribution with (`df1`, `df2`) degrees of freedom.
double f_cdf(double x, double df1, double df2);
double f_upper_tail(double x, double df1, double df2);

// The regularized incomplete gamma functions, shape a > 0, x >= 0:
// P(a, x) = gamma(a, x) / Gamma(a) and Q(a, x) = 1 - P(a, x).
double regularized_gamma_p(double a, double x);
double regularized_gamma_q(double a, double x);

// The regularized incomplete beta function I_x(a, b), a, b > 0, x in [0, 1],
// and its complement 1 - I_x(a, b) = I_{1-x}(b, a), computed directly.
double regularized_beta(double x, double a, double b);
double regularized_beta_complement(double x, double a, double b);

}  // namespace vigil
