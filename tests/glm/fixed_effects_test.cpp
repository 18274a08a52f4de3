// Fixed-effects Poisson against the dummy-variable Poisson GLM, in R and in
// vigil's own fit_glm.
//
// The fixture tests/fixtures/glm/fepois_small.csv (360 corridor-years, 10
// origins, 8 destinations, 5 years, every level with a positive count) was
// written by R 4.2.2 (2022-11-10 r83330):
//   set.seed(20240611)
//   n <- 360
//   o <- sample(0:9, n, TRUE); d <- sample(0:7, n, TRUE); t <- sample(0:4, n, TRUE)
//   x1 <- round(rnorm(n), 6); x2 <- round(runif(n), 6)
//   off <- round(rnorm(n, 0, 0.3), 6); w <- round(runif(n, 0.5, 2), 6)
//   a <- rnorm(10, 0, 0.7); b <- rnorm(8, 0, 0.7); cc <- rnorm(5, 0, 0.3)
//   y <- rpois(n, exp(0.5 + 0.4 * x1 - 0.6 * x2 + a[o + 1] + b[d + 1] + cc[t + 1]))
//   g <- o * 8 + d
//   df <- data.frame(y, x1, x2, o, d, t, off, w, g)
//   write.csv(df, "fepois_small.csv", row.names = FALSE, quote = FALSE)
//
// Reference values, printed with sprintf("%.15g"), from the fit read back:
//   library(sandwich)   # 3.0.2
//   p <- function(v) cat(paste(sprintf("%.15g", v), collapse = ", "), "\n")
//   tight <- glm.control(epsilon = 1e-14, maxit = 100)
//   at_mle <- function(f) update(f, start = coef(f))
//   df <- read.csv("fepois_small.csv")
//   fa <- at_mle(glm(y ~ x1 + x2 + factor(o) + factor(d) + factor(t), family = poisson,
//                    data = df, control = tight))
//   p(coef(fa)[2:3]); p(sqrt(diag(vcov(fa)))[2:3])
//   p(sqrt(diag(vcovCL(fa, cluster = ~g, type = "HC0")))[2:3])
//   p(deviance(fa)); p(logLik(fa))
//   fd <- at_mle(glm(y ~ x1 + x2 + factor(o) + factor(d) + factor(t), family = poisson,
//                    data = df, offset = off, weights = w, control = tight))
//   (the same five prints for fd)
// printed
//   0.458519061146366, -0.750104266584485
//   0.0465473146849885, 0.152651728183514
//   0.0419383877693629, 0.172785955241198
//   370.805739074737
//   -464.902237300244
// and for fd
//   0.478692794575278, -0.987179407725703
//   0.0426409736262676, 0.141323616670101
//   0.0464597196685332, 0.206275636299463
//   488.729287637051
//   -589.708254276349
// at_mle evaluates the information at the estimate, as vigil does (see
// glm_test.cpp). That vcovCL(type = "HC0") is the CR1-G sandwich
// G / (G - 1) B (sum_g s_g s_g') B of the dummy design was checked in R to
// 1e-15:
//   X <- model.matrix(fa); mu <- fitted(fa); B <- solve(crossprod(X * sqrt(mu)))
//   S <- rowsum(X * (df$y - mu), df$g); G <- nrow(S)
//   sqrt(diag(B %*% crossprod(S) %*% B * G / (G - 1)))[2:3]
#include "glm/fixed_effects.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "glm/glm.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kRelative = 1e-6;

void expect_close(double actual, double expected, double relative = kRelative) {
  EXPECT_LE(std::abs(actual - expected), relative * std::abs(expected) + 1e-12)
      << "actual " << actual << ", expected " << expected;
}

void expect_close(const VectorXd& actual, const VectorXd& expected, double relative = kRelative) {
  ASSERT_EQ(actual.size(), expected.size());
  for (Index i = 0; i < actual.size(); ++i) {
    SCOPED_TRACE("index " + std::to_string(i));
    expect_close(actual(i), expected(i), relative);
  }
}

bool has_warning(const FixedEffectsPoissonFit& fit, const std::string& fragment) {
  for (const auto& warning : fit.warnings) {
    if (warning.find(fragment) != std::string::npos) return true;
  }
  return false;
}

// The columns of fepois_small.csv.
struct Corridors {
  VectorXd y, x1, x2, offset, weights;
  std::vector<int> origin, destination, year, pair;

  Index rows() const { return y.size(); }
  MatrixXd x() const {
    MatrixXd out(rows(), 2);
    out << x1, x2;
    return out;
  }
  std::vector<std::vector<int>> effects() const { return {origin, destination, year}; }
};

Corridors read_corridors() {
  std::ifstream in(std::string(VIGIL_FIXTURES_DIR) + "/glm/fepois_small.csv");
  EXPECT_TRUE(in) << "cannot open fepois_small.csv";
  std::string line;
  std::getline(in, line);  // header: y,x1,x2,o,d,t,off,w,g
  std::vector<std::vector<double>> cells;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) row.push_back(std::stod(field));
    cells.push_back(row);
  }
  const auto n = static_cast<Index>(cells.size());
  Corridors data;
  data.y.resize(n);
  data.x1.resize(n);
  data.x2.resize(n);
  data.offset.resize(n);
  data.weights.resize(n);
  for (Index i = 0; i < n; ++i) {
    const auto& row = cells[static_cast<std::size_t>(i)];
    data.y(i) = row[0];
    data.x1(i) = row[1];
    data.x2(i) = row[2];
    data.origin.push_back(static_cast<int>(row[3]));
    data.destination.push_back(static_cast<int>(row[4]));
    data.year.push_back(static_cast<int>(row[5]));
    data.offset(i) = row[6];
    data.weights(i) = row[7];
    data.pair.push_back(static_cast<int>(row[8]));
  }
  return data;
}

// R's model.matrix(~ x + factor(f1) + factor(f2) + ...): the regressors,
// an intercept, then treatment-contrast dummies of each factor.
MatrixXd dummy_design(const MatrixXd& x, const std::vector<std::vector<int>>& effects) {
  const Index n = x.rows();
  Index cols = x.cols() + 1;
  std::vector<int> levels;
  for (const auto& codes : effects) {
    levels.push_back(*std::max_element(codes.begin(), codes.end()) + 1);
    cols += levels.back() - 1;
  }
  MatrixXd design = MatrixXd::Zero(n, cols);
  design.leftCols(x.cols()) = x;
  design.col(x.cols()).setOnes();
  Index first = x.cols() + 1;
  for (std::size_t k = 0; k < effects.size(); ++k) {
    for (Index i = 0; i < n; ++i) {
      const int level = effects[k][static_cast<std::size_t>(i)];
      if (level > 0) design(i, first + level - 1) = 1;
    }
    first += levels[k] - 1;
  }
  return design;
}

VectorXd vec2(double a, double b) {
  return (VectorXd(2) << a, b).finished();
}

// R's fa: glm(y ~ x1 + x2 + factor(o) + factor(d) + factor(t), poisson).
const VectorXd kCoefficients = vec2(0.458519061146366, -0.750104266584485);
const VectorXd kStdErrors = vec2(0.0465473146849885, 0.152651728183514);
const VectorXd kClusterStdErrors = vec2(0.0419383877693629, 0.172785955241198);
constexpr double kDeviance = 370.805739074737;
constexpr double kLogLikelihood = -464.902237300244;

void expect_matches_r(const FixedEffectsPoissonFit& fit) {
  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients, kCoefficients);
  expect_close(fit.std_errors, kStdErrors);
  expect_close(fit.cluster_std_errors, kClusterStdErrors);
  expect_close(fit.deviance, kDeviance);
  expect_close(fit.log_likelihood, kLogLikelihood);
}

TEST(FixedEffectsPoisson, MatchesDummyVariableGlmInR) {
  const Corridors data = read_corridors();
  ASSERT_EQ(data.rows(), 360);
  FixedEffectsOptions options;
  options.cluster = data.pair;
  const FixedEffectsPoissonFit fit =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  expect_matches_r(fit);
  EXPECT_EQ(fit.observations, 360);
  EXPECT_EQ(fit.observations_dropped, 0);
  EXPECT_EQ(fit.fixed_effect_levels, (std::vector<int>{10, 8, 5}));
  EXPECT_EQ(fit.rows_used.size(), 360u);
  EXPECT_EQ(fit.aliased, (std::vector<bool>{false, false}));
  EXPECT_TRUE(fit.warnings.empty());
  // The covariances are symmetric and carry the standard errors.
  EXPECT_DOUBLE_EQ(fit.covariance(0, 1), fit.covariance(1, 0));
  expect_close(fit.cluster_covariance.diagonal().cwiseSqrt(), kClusterStdErrors);
}

TEST(FixedEffectsPoisson, MatchesVigilDummyVariableGlm) {
  const Corridors data = read_corridors();
  const FixedEffectsPoissonFit fit = fit_fixed_effects_poisson(data.x(), data.y, data.effects());
  const GlmFit dummies = fit_glm(dummy_design(data.x(), data.effects()), data.y);
  ASSERT_TRUE(dummies.converged);
  expect_close(fit.coefficients, dummies.coefficients.head(2));
  expect_close(fit.std_errors, dummies.std_errors.head(2));
  expect_close(fit.deviance, dummies.deviance);
  expect_close(fit.log_likelihood, dummies.log_likelihood);
  expect_close(fit.fitted, dummies.fitted);
  expect_close(fit.linear_predictor, dummies.linear_predictor);
  EXPECT_TRUE(fit.cluster_std_errors.size() == 0);
}

TEST(FixedEffectsPoisson, FixedEffectsAloneMatchVigilDummyVariableGlm) {
  const Corridors data = read_corridors();
  const MatrixXd none(data.rows(), 0);
  const FixedEffectsPoissonFit fit = fit_fixed_effects_poisson(none, data.y, data.effects());
  const GlmFit dummies = fit_glm(dummy_design(none, data.effects()), data.y);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.coefficients.size(), 0);
  expect_close(fit.deviance, dummies.deviance);
  expect_close(fit.log_likelihood, dummies.log_likelihood);
  expect_close(fit.fitted, dummies.fitted);
}

// Levels with no positive count: origin 10 (new) and destination 8 (new),
// appended to the fixture with y = 0. Their rows are dropped, and what is
// left is the fixture itself, so R's fit of fa is the reference.
TEST(FixedEffectsPoisson, DropsLevelsWithOnlyZeroCounts) {
  const Corridors data = read_corridors();
  const Index n = data.rows();
  const Index extra = 7;
  MatrixXd x(n + extra, 2);
  VectorXd y = VectorXd::Zero(n + extra);
  std::vector<std::vector<int>> effects = data.effects();
  std::vector<int> cluster = data.pair;
  x.topRows(n) = data.x();
  y.head(n) = data.y;
  for (Index e = 0; e < extra; ++e) {
    x(n + e, 0) = 0.3 * static_cast<double>(e) - 1.0;
    x(n + e, 1) = 0.1 * static_cast<double>(e);
    const bool new_origin = e < 4;
    effects[0].push_back(new_origin ? 10 : static_cast<int>(e));
    effects[1].push_back(new_origin ? static_cast<int>(e) : 8);
    effects[2].push_back(static_cast<int>(e % 5));
    cluster.push_back(100 + static_cast<int>(e));
  }
  FixedEffectsOptions options;
  options.cluster = cluster;
  const FixedEffectsPoissonFit fit = fit_fixed_effects_poisson(x, y, effects, options);
  EXPECT_EQ(fit.observations_dropped, extra);
  EXPECT_EQ(fit.observations, n);
  ASSERT_EQ(fit.rows_used.size(), static_cast<std::size_t>(n));
  EXPECT_EQ(fit.rows_used.back(), static_cast<std::size_t>(n - 1));
  EXPECT_EQ(fit.fixed_effect_levels, (std::vector<int>{10, 8, 5}));
  EXPECT_TRUE(has_warning(fit, "7 observation(s) dropped"));
  expect_matches_r(fit);
}

TEST(FixedEffectsPoisson, ReportsRegressorsCollinearWithFixedEffectsAsAliased) {
  const Corridors data = read_corridors();
  const Index n = data.rows();
  MatrixXd x(n, 5);
  for (Index i = 0; i < n; ++i) {
    const auto row = static_cast<std::size_t>(i);
    x(i, 0) = data.x1(i);
    x(i, 1) = 0.7 * data.origin[row] * data.origin[row] - 3.0;  // constant within origin
    x(i, 2) = data.x2(i);
    x(i, 3) = 2000.0 + data.year[row];  // constant within year
    x(i, 4) = data.x1(i) - 2.0 * data.x2(i) + data.destination[row];
  }
  FixedEffectsOptions options;
  options.cluster = data.pair;
  const FixedEffectsPoissonFit fit = fit_fixed_effects_poisson(x, data.y, data.effects(), options);
  EXPECT_EQ(fit.aliased, (std::vector<bool>{false, true, false, true, true}));
  EXPECT_TRUE(std::isnan(fit.coefficients(1)));
  EXPECT_TRUE(std::isnan(fit.std_errors(3)));
  EXPECT_TRUE(std::isnan(fit.cluster_std_errors(4)));
  EXPECT_TRUE(has_warning(fit, "column(s) 2, 4, 5"));
  const VectorXd kept_coefficients = vec2(fit.coefficients(0), fit.coefficients(2));
  const VectorXd kept_errors = vec2(fit.std_errors(0), fit.std_errors(2));
  const VectorXd kept_cluster_errors = vec2(fit.cluster_std_errors(0), fit.cluster_std_errors(2));
  expect_close(kept_coefficients, kCoefficients);
  expect_close(kept_errors, kStdErrors);
  expect_close(kept_cluster_errors, kClusterStdErrors);
  expect_close(fit.deviance, kDeviance);
}

TEST(FixedEffectsPoisson, HonoursOffsetAndPriorWeights) {
  const Corridors data = read_corridors();
  FixedEffectsOptions options;
  options.offset = data.offset;
  options.weights = data.weights;
  options.cluster = data.pair;
  const FixedEffectsPoissonFit fit =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  // R's fd.
  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients, vec2(0.478692794575278, -0.987179407725703));
  expect_close(fit.std_errors, vec2(0.0426409736262676, 0.141323616670101));
  expect_close(fit.cluster_std_errors, vec2(0.0464597196685332, 0.206275636299463));
  expect_close(fit.deviance, 488.729287637051);
  expect_close(fit.log_likelihood, -589.708254276349);

  const GlmOptions glm_options{.offset = data.offset, .weights = data.weights};
  const GlmFit dummies = fit_glm(dummy_design(data.x(), data.effects()), data.y, glm_options);
  expect_close(fit.coefficients, dummies.coefficients.head(2));
  expect_close(fit.std_errors, dummies.std_errors.head(2));
  expect_close(fit.fitted, dummies.fitted);
}

// A row of prior weight 0 is as good as absent: it is neither used nor
// counted as dropped.
TEST(FixedEffectsPoisson, ZeroPriorWeightRowsTakeNoPart) {
  const Corridors data = read_corridors();
  FixedEffectsOptions options;
  options.weights = VectorXd::Ones(data.rows());
  options.weights(5) = 0;
  options.weights(17) = 0;
  const FixedEffectsPoissonFit fit =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  EXPECT_EQ(fit.observations, 358);
  EXPECT_EQ(fit.observations_dropped, 0);
  EXPECT_EQ(fit.rows_used[5], 6u);

  std::vector<Index> keep;
  for (Index i = 0; i < data.rows(); ++i) {
    if (i != 5 && i != 17) keep.push_back(i);
  }
  const MatrixXd x = data.x()(keep, Eigen::all);
  const VectorXd y = data.y(keep);
  std::vector<std::vector<int>> effects(3);
  for (std::size_t k = 0; k < 3; ++k) {
    for (const Index i : keep) effects[k].push_back(data.effects()[k][static_cast<std::size_t>(i)]);
  }
  const FixedEffectsPoissonFit subset = fit_fixed_effects_poisson(x, y, effects);
  expect_close(fit.coefficients, subset.coefficients, 1e-9);
  expect_close(fit.std_errors, subset.std_errors, 1e-9);
  expect_close(fit.deviance, subset.deviance, 1e-9);
}

// Origins and destinations linked in a chain (origin k sends to
// destinations k and k + 1 only): alternating projections then need
// hundreds of sweeps, the case conjugate-gradient acceleration is for.
TEST(FixedEffectsPoisson, PoorlyConnectedLevelsMatchVigilDummyVariableGlm) {
  const int origins = 60;
  std::mt19937 generator(7);
  const auto uniform = [&generator]() {
    return static_cast<double>(generator()) / 4294967296.0;  // [0, 1)
  };
  std::vector<std::vector<int>> effects(2);
  std::vector<double> x_values, y_values;
  for (int o = 0; o < origins; ++o) {
    for (int step = 0; step < 2; ++step) {
      for (int repeat = 0; repeat < 3; ++repeat) {
        const double x = uniform() * 2.0 - 1.0;
        const double mean = std::exp(1.5 + 0.8 * x + 0.02 * o);
        // A count with the right mean (by inversion of the Poisson).
        double u = uniform(), term = std::exp(-mean), cumulative = term;
        int count = 0;
        while (u > cumulative && count < 1000) {
          ++count;
          term *= mean / count;
          cumulative += term;
        }
        effects[0].push_back(o);
        effects[1].push_back(o + step);
        x_values.push_back(x);
        y_values.push_back(count);
      }
    }
  }
  const auto n = static_cast<Index>(y_values.size());
  const MatrixXd x = Eigen::Map<const VectorXd>(x_values.data(), n);
  const VectorXd y = Eigen::Map<const VectorXd>(y_values.data(), n);
  const FixedEffectsPoissonFit fit = fit_fixed_effects_poisson(x, y, effects);
  ASSERT_EQ(fit.observations_dropped, 0);
  const GlmFit dummies = fit_glm(dummy_design(x, effects), y);
  // Counts of 0 could make a combination of levels separable (no finite
  // estimate); with these means there are none that do.
  ASSERT_TRUE(dummies.warnings.empty());
  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients(0), dummies.coefficients(0));
  expect_close(fit.std_errors(0), dummies.std_errors(0));
  expect_close(fit.deviance, dummies.deviance);
  EXPECT_TRUE(fit.warnings.empty());
}

TEST(FixedEffectsPoisson, ThreadsDoNotChangeTheResult) {
  const Corridors data = read_corridors();
  FixedEffectsOptions options;
  options.cluster = data.pair;
  options.threads = 1;
  const FixedEffectsPoissonFit one =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  options.threads = 2;
  const FixedEffectsPoissonFit two =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  EXPECT_EQ(one.coefficients, two.coefficients);
  EXPECT_EQ(one.cluster_std_errors, two.cluster_std_errors);
  EXPECT_EQ(one.deviance, two.deviance);
}

TEST(FixedEffectsPoisson, ReportsNonConvergence) {
  const Corridors data = read_corridors();
  FixedEffectsOptions options;
  options.max_iterations = 2;
  const FixedEffectsPoissonFit fit =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), options);
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.iterations, 2);
  EXPECT_TRUE(has_warning(fit, "did not converge in 2 iterations"));

  FixedEffectsOptions one_sweep;
  one_sweep.max_demean_iterations = 1;
  const FixedEffectsPoissonFit rough =
      fit_fixed_effects_poisson(data.x(), data.y, data.effects(), one_sweep);
  EXPECT_TRUE(has_warning(rough, "partialling out the fixed effects did not reach"));
}

TEST(FixedEffectsPoisson, NothingLeftWhenEveryCountIsZero) {
  const MatrixXd x = MatrixXd::Ones(4, 1);
  const FixedEffectsPoissonFit fit =
      fit_fixed_effects_poisson(x, VectorXd::Zero(4), {{0, 0, 1, 1}});
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.observations, 0);
  EXPECT_EQ(fit.observations_dropped, 4);
  EXPECT_TRUE(std::isnan(fit.coefficients(0)));
  EXPECT_TRUE(has_warning(fit, "no observation is left"));
}

TEST(FixedEffectsPoisson, RejectsBadInput) {
  const MatrixXd x = MatrixXd::Ones(4, 1);
  const VectorXd y = (VectorXd(4) << 1, 0, 2, 3).finished();
  const std::vector<std::vector<int>> effects{{0, 0, 1, 1}};
  const auto expect_usage = [](auto&& call, const std::string& fragment) {
    try {
      call();
      ADD_FAILURE() << "no error; expected one mentioning " << fragment;
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), Error::Kind::usage);
      EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
    }
  };
  expect_usage([&] { fit_fixed_effects_poisson(MatrixXd::Ones(3, 1), y, effects); },
               "3 rows but the response has 4");
  expect_usage([&] { fit_fixed_effects_poisson(x, y, {{0, 0, 1}}); }, "fixed effect 1 has 3 codes");
  expect_usage([&] { fit_fixed_effects_poisson(x, y, {}); }, "at least one fixed-effect");
  expect_usage(
      [&] {
        fit_fixed_effects_poisson(x, y, {{0, 0, 1, 1}, {0, -1, 0, 0}});
      },
      "fixed effect 2 must be 0-based level codes, got -1 at observation 2");
  expect_usage(
      [&] { fit_fixed_effects_poisson(x, (VectorXd(4) << 1, -2, 2, 3).finished(), effects); },
      "non-negative, got -2 at observation 2");
  expect_usage(
      [&] {
        FixedEffectsOptions options;
        options.offset = VectorXd::Zero(3);
        fit_fixed_effects_poisson(x, y, effects, options);
      },
      "the offset has 3 values");
  expect_usage(
      [&] {
        FixedEffectsOptions options;
        options.weights = (VectorXd(4) << 1, 1, -1, 1).finished();
        fit_fixed_effects_poisson(x, y, effects, options);
      },
      "non-negative, got -1 at observation 3");
  expect_usage(
      [&] {
        FixedEffectsOptions options;
        options.cluster = {0, 1};
        fit_fixed_effects_poisson(x, y, effects, options);
      },
      "the cluster vector has 2 values");
  expect_usage([&] { level_codes((VectorXd(3) << 2001, 2002.5, 2003).finished()); },
               "whole number, got 2002.5 at observation 2");
  expect_usage([&] { level_codes((VectorXd(2) << 1, std::nan("")).finished()); },
               "at observation 2");
}

TEST(FixedEffectsPoisson, FactorCodesNumberValuesInIncreasingOrder) {
  EXPECT_EQ(level_codes((VectorXd(5) << 2010, 2005, 2010, -3, 2005).finished()),
            (std::vector<int>{2, 1, 2, 0, 1}));
}

}  // namespace
}  // namespace vigil::glm
