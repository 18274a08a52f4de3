// Internal to src/mse and its tests: the statistical pieces of the profile
// and bootstrap intervals, declared once so that the files that use them and
// the tests that check them agree on one signature.
#pragma once

#include <span>

#include "mse/mse.hpp"

namespace vigil::mse::detail {

// Standard normal distribution (profile_interval.cpp).
double normal_cdf(double x);
double normal_quantile(double probability);

// The profile log-likelihood of the total N (profile_interval.cpp).
double profile_log_likelihood(const CaptureHistories& table, const LogLinearModel& model,
                              double total);

// BCa pieces (bootstrap.cpp; Efron 1987).
double quantile_type8(std::span<const double> sorted, double probability);
double bias_correction(std::span<const double> replicates, double estimate);
double bca_probability(double bias_correction, double acceleration, double probability);
double jackknife_acceleration(std::span<const double> weights, std::span<const double> estimates);

}  // namespace vigil::mse::detail
