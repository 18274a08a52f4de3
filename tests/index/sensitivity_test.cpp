#include "index/sensitivity.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <numbers>
#include <span>
#include <thread>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::index {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;

// The Ishigami function (Ishigami & Homma 1990, "An importance
// quantification technique in uncertainty analysis for computer models",
// Proc. ISUMA '90), the usual test of Sobol' estimators because its indices
// are known in closed form and it has an interaction (x1 with x3) but no
// first-order effect of x3.
constexpr double kA = 7.0;
constexpr double kB = 0.1;

double ishigami(std::span<const double> u) {
  const double x1 = std::numbers::pi * (2.0 * u[0] - 1.0);
  const double x2 = std::numbers::pi * (2.0 * u[1] - 1.0);
  const double x3 = std::numbers::pi * (2.0 * u[2] - 1.0);
  const double s2 = std::sin(x2);
  return std::sin(x1) + kA * s2 * s2 + kB * std::pow(x3, 4) * std::sin(x1);
}

// Its variances, for x uniform on [-pi, pi]^3 (Sobol' & Levitan 1999, "On the
// use of variance reducing multipliers in Monte Carlo computations of a
// global sensitivity index", Computer Physics Communications 117). Write
// f = sin x1 (1 + b x3^4) + a sin^2 x2. With E sin^2 = 1/2, E sin^4 = 3/8,
// E x3^4 = pi^4 / 5 and E x3^8 = pi^8 / 9:
//   V1  = Var(sin x1 (1 + b pi^4 / 5))          = (1 + b pi^4 / 5)^2 / 2
//   V2  = a^2 Var(sin^2 x2) = a^2 (3/8 - 1/4)   = a^2 / 8
//   V3  = 0 (E[f | x3] does not depend on x3, as E sin x1 = 0)
//   V13 = E sin^2 x1 b^2 Var(x3^4)              = b^2 pi^8 / 18 - b^2 pi^8 / 50
//   V   = V1 + V2 + V13                         = a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1/2
// and S_i = V_i / V, S_T1 = (V1 + V13) / V, S_T2 = S_2, S_T3 = V13 / V.
struct IshigamiTruth {
  double first[3];
  double total[3];
};

IshigamiTruth ishigami_truth() {
  const double pi4 = std::pow(std::numbers::pi, 4);
  const double pi8 = pi4 * pi4;
  const double v1 = std::pow(1.0 + kB * pi4 / 5.0, 2) / 2.0;
  const double v2 = kA * kA / 8.0;
  const double v13 = kB * kB * pi8 / 18.0 - kB * kB * pi8 / 50.0;
  const double v = kA * kA / 8.0 + kB * pi4 / 5.0 + kB * kB * pi8 / 18.0 + 0.5;
  return {{v1 / v, v2 / v, 0.0}, {(v1 + v13) / v, v2 / v, v13 / v}};
}

// The standard error implied by a percentile interval, as if the bootstrap
// distribution were normal.
double standard_error(double lower, double upper, double confidence_quantile) {
  return (upper - lower) / (2.0 * confidence_quantile);
}

bool same_bits(const MatrixXd& x, const MatrixXd& y) {
  return x.rows() == y.rows() && x.cols() == y.cols() &&
         std::memcmp(x.data(), y.data(), sizeof(double) * static_cast<std::size_t>(x.size())) == 0;
}

bool same_bits(const SobolIndices& x, const SobolIndices& y) {
  return same_bits(x.first_order, y.first_order) && same_bits(x.total, y.total) &&
         same_bits(x.first_order_lower, y.first_order_lower) &&
         same_bits(x.first_order_upper, y.first_order_upper) &&
         same_bits(x.total_lower, y.total_lower) && same_bits(x.total_upper, y.total_upper) &&
         same_bits(x.output_variance, y.output_variance) &&
         same_bits(x.base_outputs, y.base_outputs) && x.evaluations == y.evaluations;
}

double linear(std::span<const double> u) {
  return 1.0 * u[0] + 2.0 * u[1] + 3.0 * u[2];
}

// Three outputs of three factors: Ishigami, the linear model above, and a
// constant.
void three_outputs(std::span<const double> u, std::span<double> out) {
  out[0] = ishigami(u);
  out[1] = linear(u);
  out[2] = 5.0;
}

TEST(SobolIndices, RecoversTheIshigamiIndices) {
  // The acceptance test: with 2^14 base samples every analytic index lies
  // inside its 99% bootstrap interval and within 4 bootstrap standard errors
  // of its estimate.
  SobolOptions options;
  options.base_samples = 1U << 14U;
  options.confidence = 0.99;
  options.bootstrap = 400;
  const auto result = sobol_indices(
      3, 1, [](std::span<const double> u, std::span<double> out) { out[0] = ishigami(u); },
      options);
  const auto truth = ishigami_truth();
  EXPECT_NEAR(truth.first[0], 0.3139, 5e-5);
  EXPECT_NEAR(truth.first[1], 0.4424, 5e-5);
  EXPECT_NEAR(truth.total[0], 0.5576, 5e-5);
  EXPECT_NEAR(truth.total[2], 0.2437, 5e-5);

  constexpr double kQuantile995 = 2.5758293035489004;  // qnorm(0.995)
  for (Index i = 0; i < 3; ++i) {
    const auto f = static_cast<std::size_t>(i);
    SCOPED_TRACE(testing::Message() << "factor " << i + 1);
    EXPECT_LE(result.first_order_lower(0, i), truth.first[f]);
    EXPECT_GE(result.first_order_upper(0, i), truth.first[f]);
    EXPECT_LE(result.total_lower(0, i), truth.total[f]);
    EXPECT_GE(result.total_upper(0, i), truth.total[f]);
    const double first_se = standard_error(result.first_order_lower(0, i),
                                           result.first_order_upper(0, i), kQuantile995);
    const double total_se =
        standard_error(result.total_lower(0, i), result.total_upper(0, i), kQuantile995);
    EXPECT_LT(std::abs(result.first_order(0, i) - truth.first[f]), 4.0 * first_se);
    EXPECT_LT(std::abs(result.total(0, i) - truth.total[f]), 4.0 * total_se);
    // And the intervals are narrow enough to be worth having.
    EXPECT_LT(first_se, 0.02);
    EXPECT_LT(total_se, 0.02);
  }
  EXPECT_EQ(result.evaluations, options.base_samples * 5);
}

TEST(SobolIndices, RecoversTheIndicesOfALinearModel) {
  // f = sum c_i u_i with independent factors has no interactions: S_i =
  // S_Ti = c_i^2 / sum c_j^2 (the variance of u_i cancels). The fourth factor
  // is not used at all.
  SobolOptions options;
  options.base_samples = 4096;
  const auto result = sobol_indices(
      4, 1, [](std::span<const double> u, std::span<double> out) { out[0] = linear(u); }, options);
  constexpr double kCoefficients[4] = {1.0, 2.0, 3.0, 0.0};
  constexpr double kSquares = 14.0;
  for (Index i = 0; i < 4; ++i) {
    SCOPED_TRACE(testing::Message() << "factor " << i + 1);
    const double truth = kCoefficients[i] * kCoefficients[i] / kSquares;
    const double first_se = standard_error(result.first_order_lower(0, i),
                                           result.first_order_upper(0, i), 1.959963984540054);
    const double total_se =
        standard_error(result.total_lower(0, i), result.total_upper(0, i), 1.959963984540054);
    EXPECT_LT(std::abs(result.first_order(0, i) - truth), std::max(4.0 * first_se, 1e-12));
    EXPECT_LT(std::abs(result.total(0, i) - truth), std::max(4.0 * total_se, 1e-12));
  }
  // A factor the model ignores leaves f(A_B^(i)) = f(A) exactly.
  EXPECT_EQ(result.first_order(0, 3), 0.0);
  EXPECT_EQ(result.total(0, 3), 0.0);
  // Var(u) = 1/12.
  EXPECT_NEAR(result.output_variance(0), kSquares / 12.0, 0.05 * kSquares / 12.0);
}

TEST(SobolIndices, DoesNotDependOnTheLevelOfAnOutput) {
  // Ranks in the hundreds that move by a few places: the first-order
  // estimator, applied to the raw values, would add the level times the mean
  // of f(A_B^(i)) - f(A) to its numerator, noise that grows with the level.
  // The outputs are centred first, so the level drops out up to rounding.
  SobolOptions options;
  options.base_samples = 1024;
  const auto result = sobol_indices(
      3, 2,
      [](std::span<const double> u, std::span<double> out) {
        out[0] = linear(u);
        out[1] = 1e6 + linear(u);
      },
      options);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_NEAR(result.first_order(1, i), result.first_order(0, i), 1e-6);
    EXPECT_NEAR(result.total(1, i), result.total(0, i), 1e-6);
    EXPECT_NEAR(result.first_order_lower(1, i), result.first_order_lower(0, i), 1e-6);
  }
}

TEST(SobolIndices, ComputesSeveralOutputsAsIfOneAtATime) {
  SobolOptions options;
  options.base_samples = 512;
  options.threads = 2;
  const auto together = sobol_indices(3, 3, three_outputs, options);
  for (Index o = 0; o < 3; ++o) {
    SCOPED_TRACE(testing::Message() << "output " << o);
    const auto alone = sobol_indices(
        3, 1,
        [o](std::span<const double> u, std::span<double> out) {
          std::vector<double> all(3);
          three_outputs(u, all);
          out[0] = all[static_cast<std::size_t>(o)];
        },
        options);
    EXPECT_TRUE(same_bits(together.first_order.row(o), alone.first_order));
    EXPECT_TRUE(same_bits(together.total.row(o), alone.total));
    EXPECT_TRUE(same_bits(together.first_order_lower.row(o), alone.first_order_lower));
    EXPECT_TRUE(same_bits(together.total_upper.row(o), alone.total_upper));
    EXPECT_TRUE(same_bits(together.base_outputs.col(o), alone.base_outputs));
  }
}

TEST(SobolIndices, GivesTheSameBitsWithAnyNumberOfThreads) {
  SobolOptions options;
  options.base_samples = 1000;  // not a multiple of the chunk size
  options.threads = 1;
  const auto one = sobol_indices(3, 3, three_outputs, options);
  options.threads = 2;
  const auto two = sobol_indices(3, 3, three_outputs, options);
  options.threads = 3;
  const auto three = sobol_indices(3, 3, three_outputs, options);
  EXPECT_TRUE(same_bits(one, two));
  EXPECT_TRUE(same_bits(one, three));
}

TEST(SobolIndices, ReturnsNaNForAConstantOutput) {
  SobolOptions options;
  options.base_samples = 256;
  const auto result = sobol_indices(3, 3, three_outputs, options);
  EXPECT_EQ(result.output_variance(2), 0.0);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_TRUE(std::isnan(result.first_order(2, i)));
    EXPECT_TRUE(std::isnan(result.total(2, i)));
    EXPECT_TRUE(std::isnan(result.first_order_lower(2, i)));
    EXPECT_TRUE(std::isnan(result.total_upper(2, i)));
    // The other outputs are unaffected.
    EXPECT_TRUE(std::isfinite(result.first_order(1, i)));
    EXPECT_TRUE(std::isfinite(result.total_upper(1, i)));
  }
  EXPECT_TRUE((result.base_outputs.col(2).array() == 5.0).all());
}

TEST(SobolIndices, ReturnsNaNForAnOutputThatIsNotAlwaysFinite) {
  SobolOptions options;
  options.base_samples = 256;
  const auto result = sobol_indices(
      2, 2,
      [](std::span<const double> u, std::span<double> out) {
        out[0] = u[0] + u[1];
        // out[1] is left unwritten above u[0] = 0.9.
        if (u[0] < 0.9) out[1] = u[0];
      },
      options);
  EXPECT_TRUE(std::isfinite(result.first_order(0, 0)));
  EXPECT_TRUE(std::isnan(result.output_variance(1)));
  EXPECT_TRUE(std::isnan(result.first_order(1, 0)));
  EXPECT_TRUE(std::isnan(result.total_lower(1, 1)));
  EXPECT_TRUE(result.base_outputs.col(1).array().isNaN().any());
}

TEST(SobolIndices, DrawsThePointsIndependentlyOfTheBootstrap) {
  // The resamples have their own stream, so asking for no intervals (or more
  // of them) leaves the estimates as they were.
  SobolOptions options;
  options.base_samples = 300;
  const auto with_intervals = sobol_indices(3, 3, three_outputs, options);
  options.bootstrap = 0;
  const auto without = sobol_indices(3, 3, three_outputs, options);
  EXPECT_TRUE(same_bits(with_intervals.first_order, without.first_order));
  EXPECT_TRUE(same_bits(with_intervals.total, without.total));
  EXPECT_TRUE(without.first_order_lower.array().isNaN().all());
  EXPECT_TRUE(without.total_upper.array().isNaN().all());
  EXPECT_TRUE(with_intervals.first_order_lower.topRows(2).array().isFinite().all());
}

TEST(SobolIndices, BaseOutputsAreAUniformSampleThatGrowsWithN) {
  const auto identity = [](std::span<const double> u, std::span<double> out) {
    out[0] = u[0];
    out[1] = u[1];
  };
  SobolOptions options;
  options.base_samples = 4000;
  const auto large = sobol_indices(2, 2, identity, options);
  ASSERT_EQ(large.base_outputs.rows(), 4000);
  ASSERT_EQ(large.base_outputs.cols(), 2);
  EXPECT_GE(large.base_outputs.minCoeff(), 0.0);
  EXPECT_LT(large.base_outputs.maxCoeff(), 1.0);
  // Mean 1/2, standard error sqrt(1/12 / 4000) = 0.0046.
  EXPECT_NEAR(large.base_outputs.col(0).mean(), 0.5, 0.02);
  EXPECT_NEAR(large.base_outputs.col(1).mean(), 0.5, 0.02);
  EXPECT_EQ(large.evaluations, 4000U * 4U);

  options.base_samples = 100;
  const auto small = sobol_indices(2, 2, identity, options);
  EXPECT_TRUE(same_bits(small.base_outputs, large.base_outputs.topRows(100)));

  options.seed = 2;
  const auto other_seed = sobol_indices(2, 2, identity, options);
  EXPECT_FALSE(same_bits(small.base_outputs, other_seed.base_outputs));
}

TEST(SobolIndices, ReportsProgressFromTheCallingThread) {
  SobolOptions options;
  options.base_samples = 500;
  options.threads = 3;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  bool other_thread = false;
  const auto caller = std::this_thread::get_id();
  options.progress = [&](std::size_t done, std::size_t total) {
    other_thread = other_thread || std::this_thread::get_id() != caller;
    calls.emplace_back(done, total);
  };
  const auto result = sobol_indices(3, 3, three_outputs, options);
  ASSERT_FALSE(calls.empty());
  EXPECT_FALSE(other_thread);
  for (std::size_t c = 0; c < calls.size(); ++c) {
    EXPECT_EQ(calls[c].second, result.evaluations);
    if (c > 0) {
      EXPECT_GT(calls[c].first, calls[c - 1].first);
    }
  }
  EXPECT_EQ(calls.back().first, result.evaluations);
}

TEST(SobolIndices, RethrowsTheModelsException) {
  SobolOptions options;
  options.base_samples = 200;
  options.threads = 2;
  std::atomic<int> calls{0};
  const auto failing = [&](std::span<const double> u, std::span<double> out) {
    ++calls;
    if (u[0] > 0.99) throw Error(Error::Kind::input, "indicator out of range");
    out[0] = u[0];
  };
  try {
    sobol_indices(2, 1, failing, options);
    FAIL() << "expected vigil::Error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::input);
    EXPECT_STREQ(error.what(), "indicator out of range");
  }
  // The evaluations stopped early.
  EXPECT_LT(calls.load(), 200 * 4);
}

TEST(SobolIndices, StopsWhenTheProgressCallbackThrows) {
  // How the CLI cancels a long analysis.
  SobolOptions options;
  options.base_samples = 200;
  options.threads = 2;
  options.progress = [](std::size_t done, std::size_t) {
    if (done > 0) throw Error(Error::Kind::usage, "cancelled");
  };
  EXPECT_THROW(sobol_indices(3, 3, three_outputs, options), Error);
}

TEST(SobolIndices, RejectsInvalidArguments) {
  const Model model = [](std::span<const double> u, std::span<double> out) { out[0] = u[0]; };
  const auto expect_usage = [&](std::size_t factors, std::size_t outputs, const Model& m,
                                const SobolOptions& options) {
    try {
      sobol_indices(factors, outputs, m, options);
      ADD_FAILURE() << "expected vigil::Error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), Error::Kind::usage) << error.what();
    }
  };
  expect_usage(0, 1, model, {});
  expect_usage(1, 0, model, {});
  expect_usage(1, 1, Model(), {});
  SobolOptions options;
  options.base_samples = 1;
  expect_usage(1, 1, model, options);
  options = {};
  options.threads = -1;
  expect_usage(1, 1, model, options);
  options = {};
  options.bootstrap = -1;
  expect_usage(1, 1, model, options);
  for (const double confidence : {0.0, 1.0, -0.5, 1.5, std::nan("")}) {
    options = {};
    options.confidence = confidence;
    expect_usage(1, 1, model, options);
  }
  options = {};
  options.base_samples = std::size_t{1} << 62U;
  expect_usage(1, 1, model, options);
}

}  // namespace
}  // namespace vigil::index
