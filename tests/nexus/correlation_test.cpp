// Correlations against R 4.2.2's cor.test. Values are printed with
// g <- function(x) sprintf("%.15g", x); the intervals that R does not give
// (Spearman, Kendall) are computed by hand in R as recorded with each test:
//   bw <- function(r, n, level = 0.95)   # Bonett & Wright
//     tanh(atanh(r) + c(-1, 1) * qnorm((1 + level)/2) * sqrt((1 + r^2/2)/(n - 3)))
//   fhp <- function(r, n, level = 0.95)  # Fieller, Hartley & Pearson
//     tanh(atanh(r) + c(-1, 1) * qnorm((1 + level)/2) * sqrt(0.437/(n - 4)))
#include "nexus/correlation.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::nexus {
namespace {

// R prints 15 significant digits; vigil agrees with R's 17-digit values to
// ~1e-14, so 1e-10 leaves room only for R's rounding of its own output.
constexpr double kTolerance = 1e-10;

void expect_relative(double actual, double expected, const char* what) {
  EXPECT_LE(std::abs(actual - expected), kTolerance * std::abs(expected))
      << what << ": actual " << actual << " expected " << expected;
}

struct Expected {
  double estimate;
  double statistic;
  double p_value;
  double ci_lower;
  double ci_upper;
};

void expect_matches(const Correlation& result, const Expected& expected) {
  expect_relative(result.estimate, expected.estimate, "estimate");
  expect_relative(result.statistic, expected.statistic, "statistic");
  expect_relative(result.p_value, expected.p_value, "p-value");
  expect_relative(result.ci_lower, expected.ci_lower, "lower bound");
  expect_relative(result.ci_upper, expected.ci_upper, "upper bound");
}

// mtcars$mpg and mtcars$wt: both have ties.
const std::vector<double> kMpg = {21,   21,   22.8, 21.4, 18.7, 18.1, 14.3, 24.4, 22.8, 19.2, 17.8,
                                  16.4, 17.3, 15.2, 10.4, 10.4, 14.7, 32.4, 30.4, 33.9, 21.5, 15.5,
                                  15.2, 13.3, 19.2, 27.3, 26,   30.4, 15.8, 19.7, 15,   21.4};
const std::vector<double> kWeight = {2.62,  2.875, 2.32,  3.215, 3.44,  3.46, 3.57,  3.19,
                                     3.15,  3.44,  3.44,  4.07,  3.73,  3.78, 5.25,  5.424,
                                     5.345, 2.2,   1.615, 1.835, 2.465, 3.52, 3.435, 3.84,
                                     3.845, 1.935, 2.14,  1.513, 3.17,  2.77, 3.57,  2.78};

// longley$Unemployed and longley$Armed.Forces: no ties.
const std::vector<double> kUnemployed = {235.6, 232.5, 368.2, 335.1, 209.9, 193.2, 187,   357.8,
                                         290.4, 282.2, 293.6, 468.1, 381.3, 393.1, 480.6, 400.7};
const std::vector<double> kArmedForces = {159,   145.6, 161.6, 165,   309.9, 359.4, 354.7, 335,
                                          304.8, 285.7, 279.8, 263.7, 255.2, 251.4, 257.2, 282.7};

// cars$speed and cars$dist: many ties.
const std::vector<double> kSpeed = {4,  4,  7,  7,  8,  9,  10, 10, 10, 11, 11, 12, 12,
                                    12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15,
                                    16, 16, 17, 17, 17, 18, 18, 18, 18, 19, 19, 19, 20,
                                    20, 20, 20, 20, 22, 23, 24, 24, 24, 24, 25};
const std::vector<double> kDistance = {2,  10, 4,  22, 16, 10, 18, 26, 34, 17,  28, 14, 20,
                                       24, 28, 26, 34, 34, 46, 26, 36, 60, 80,  20, 26, 54,
                                       32, 40, 32, 40, 50, 42, 56, 76, 84, 36,  46, 68, 32,
                                       48, 52, 56, 64, 66, 54, 70, 92, 93, 120, 85};

// LifeCycleSavings$pop15 and LifeCycleSavings$dpi: no ties, n = 50.
const std::vector<double> kPop15 = {
    29.35, 23.32, 23.8,  41.89, 42.19, 31.72, 39.74, 44.75, 46.64, 47.64, 24.42, 46.31, 27.84,
    25.06, 23.31, 25.62, 46.05, 47.32, 34.03, 41.31, 31.16, 24.52, 27.01, 41.74, 21.8,  32.54,
    25.95, 24.71, 32.61, 45.04, 43.56, 41.18, 44.19, 46.26, 28.96, 31.94, 31.92, 27.74, 21.44,
    23.49, 43.42, 46.12, 23.27, 29.81, 46.4,  45.25, 41.12, 28.13, 43.69, 47.2};
const std::vector<double> kDpi = {
    2329.68, 1507.99, 2108.47, 189.13,  728.47,  2982.88, 662.86,  289.52, 276.65,  471.24,
    2496.53, 287.77,  1681.25, 2213.82, 2457.12, 870.85,  289.71,  232.44, 1900.1,  88.94,
    1139.95, 1390,    1257.28, 207.68,  2449.39, 601.05,  2231.03, 1740.7, 1487.52, 325.54,
    568.56,  220.56,  400.06,  152.01,  579.51,  651.11,  250.96,  768.79, 3299.49, 2630.96,
    389.66,  249.87,  1813.93, 4001.89, 813.39,  138.33,  380.47,  766.54, 123.58,  242.69};

// cor.test(mtcars$mpg, mtcars$wt)
TEST(Correlation, PearsonMatchesRWithTies) {
  const Correlation result = correlate(kMpg, kWeight, CorrelationMethod::pearson);
  expect_matches(result, {-0.867659376517228, -9.55904414697211, 1.29395870135052e-10,
                          -0.933826413284994, -0.744087196460113});
  EXPECT_EQ(result.n, 32U);
  EXPECT_EQ(result.statistic_name, "t");
  EXPECT_EQ(result.interval_method, "fisher_z");
  EXPECT_EQ(result.confidence_level, 0.95);
  EXPECT_TRUE(result.warnings.empty());
}

// cor.test(mtcars$mpg, mtcars$wt, conf.level = 0.9)
TEST(Correlation, PearsonHonoursTheConfidenceLevel) {
  const Correlation result = correlate(kMpg, kWeight, CorrelationMethod::pearson, 0.9);
  expect_relative(result.ci_lower, -0.925915149884019, "lower bound");
  expect_relative(result.ci_upper, -0.769087207859749, "upper bound");
  EXPECT_EQ(result.confidence_level, 0.9);
}

// cor.test(longley$Unemployed, longley$Armed.Forces)
TEST(Correlation, PearsonMatchesRWithoutTies) {
  expect_matches(correlate(kUnemployed, kArmedForces, CorrelationMethod::pearson),
                 {-0.177420629501878, -0.674548850370212, 0.510948586323452, -0.618711318690298,
                  0.348976618706425});
}

// cor.test(mtcars$mpg, mtcars$wt, method = "spearman"): R warns "Cannot
// compute exact p-value with ties" and gives the exact = FALSE p-value;
// interval bw(-0.886422033270298, 32).
TEST(Correlation, SpearmanWithTiesUsesTheTApproximationAndWarns) {
  const Correlation result = correlate(kMpg, kWeight, CorrelationMethod::spearman);
  expect_matches(result, {-0.886422033270298, 10292.3186135227, 1.48759485812743e-11,
                          -0.950265882378298, -0.751081976970414});
  EXPECT_EQ(result.statistic_name, "S");
  EXPECT_EQ(result.interval_method, "fisher_z_bonett_wright");
  ASSERT_EQ(result.warnings.size(), 1U);
  EXPECT_NE(result.warnings[0].find("ties"), std::string::npos);
}

// cor.test(longley$Unemployed, longley$Armed.Forces, method = "spearman"):
// n = 16 without ties, so R's exact p-value by AS 89's Edgeworth series;
// interval bw(-0.341176470588235, 16).
TEST(Correlation, SpearmanWithoutTiesMatchesRsExactPValue) {
  const Correlation result = correlate(kUnemployed, kArmedForces, CorrelationMethod::spearman);
  expect_matches(
      result, {-0.341176470588235, 912, 0.195963361983161, -0.723339809721767, 0.200993782768358});
  EXPECT_TRUE(result.warnings.empty());
}

// x <- longley$Unemployed[1:8]; y <- longley$Armed.Forces[1:8]
// cor.test(x, y, method = "spearman"): n = 8, R enumerates the permutations;
// interval bw(-0.476190476190476, 8).
TEST(Correlation, SpearmanEnumeratesSmallSamplesAsR) {
  const std::span<const double> x(kUnemployed.data(), 8);
  const std::span<const double> y(kArmedForces.data(), 8);
  expect_matches(
      correlate(x, y, CorrelationMethod::spearman),
      {-0.476190476190476, 124, 0.243055555555556, -0.894284837406892, 0.385779655131102});
}

// cor.test(LifeCycleSavings$pop15, LifeCycleSavings$dpi, method = "spearman")
// gives S = 36984 and p = 0: AS 89's series is negative this far out. vigil
// gives the exact = FALSE p-value instead, with a warning; interval
// bw(-0.77594237695078, 50).
TEST(Correlation, SpearmanFallsBackWhereTheEdgeworthSeriesFails) {
  const Correlation result = correlate(kPop15, kDpi, CorrelationMethod::spearman);
  expect_matches(result, {-0.77594237695078, 36984, 3.61896979787778e-11, -0.876668152823457,
                          -0.610046823486587});
  ASSERT_EQ(result.warnings.size(), 1U);
  EXPECT_NE(result.warnings[0].find("AS 89"), std::string::npos);
}

// cor.test(mtcars$mpg, mtcars$wt, method = "kendall", exact = FALSE);
// interval fhp(-0.727832149528431, 32).
TEST(Correlation, KendallMatchesRWithTies) {
  const Correlation result = correlate(kMpg, kWeight, CorrelationMethod::kendall);
  expect_matches(result, {-0.727832149528431, -5.79813189498173, 6.70577040559586e-09,
                          -0.823937644160412, -0.5910292952842});
  EXPECT_EQ(result.statistic_name, "z");
  EXPECT_EQ(result.interval_method, "fisher_z_fieller");
  EXPECT_TRUE(result.warnings.empty());
}

// cor.test(cars$speed, cars$dist, method = "kendall", exact = FALSE);
// interval fhp(0.668990149985875, 50).
TEST(Correlation, KendallMatchesRWithManyTies) {
  expect_matches(correlate(kSpeed, kDistance, CorrelationMethod::kendall),
                 {0.668990149985875, 6.66546588836801, 2.63827084783454e-11, 0.549649738735775,
                  0.761571729720934});
}

// cor.test(longley$Unemployed, longley$Armed.Forces, method = "kendall",
// exact = FALSE); interval fhp(-0.216666666666667, 16).
TEST(Correlation, KendallMatchesRWithoutTies) {
  expect_matches(correlate(kUnemployed, kArmedForces, CorrelationMethod::kendall),
                 {-0.216666666666667, -1.17058543911595, 0.24176545296747, -0.532894397202557,
                  0.152664095263287});
}

// tau-b by counting all pairs, O(n^2).
double kendall_tau_b_by_pairs(const std::vector<double>& x, const std::vector<double>& y) {
  std::int64_t concordant_minus_discordant = 0;
  std::int64_t untied_x = 0;
  std::int64_t untied_y = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    for (std::size_t j = i + 1; j < x.size(); ++j) {
      const int sx = (x[i] < x[j]) - (x[i] > x[j]);
      const int sy = (y[i] < y[j]) - (y[i] > y[j]);
      concordant_minus_discordant += sx * sy;
      untied_x += sx != 0;
      untied_y += sy != 0;
    }
  }
  return static_cast<double>(concordant_minus_discordant) /
         std::sqrt(static_cast<double>(untied_x) * static_cast<double>(untied_y));
}

// Correlated pairs with many ties (values rounded to a coarse grid).
void correlated_sample(std::size_t n, std::vector<double>& x, std::vector<double>& y) {
  std::mt19937_64 generator(20240611);
  std::normal_distribution<double> normal;
  x.resize(n);
  y.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double common = normal(generator);
    x[i] = std::round(4 * (common + normal(generator)));
    y[i] = std::round(10 * (common + 0.5 * normal(generator)));
  }
}

TEST(Correlation, KendallMergeSortAgreesWithPairCounting) {
  std::vector<double> x;
  std::vector<double> y;
  correlated_sample(2000, x, y);
  const Correlation result = correlate(x, y, CorrelationMethod::kendall);
  EXPECT_NEAR(result.estimate, kendall_tau_b_by_pairs(x, y), 1e-14);
}

TEST(Correlation, KendallRunsOnTwoHundredThousandPairs) {
  std::vector<double> x;
  std::vector<double> y;
  correlated_sample(200'000, x, y);
  const Correlation result = correlate(x, y, CorrelationMethod::kendall);
  EXPECT_GT(result.estimate, 0.4);
  EXPECT_LT(result.estimate, 0.8);
  EXPECT_EQ(result.p_value, 0);  // z ~ 250
  EXPECT_LT(result.ci_lower, result.estimate);
  EXPECT_GT(result.ci_upper, result.estimate);
}

// cor.test(c(1, 2, 3), c(1, 3, 2)): estimate 0.5, t 0.577350269189626,
// p 0.666666666666667 and no interval, which needs n > 3.
TEST(Correlation, ThreePairsGiveATestButNoInterval) {
  const std::vector<double> x = {1, 2, 3};
  const std::vector<double> y = {1, 3, 2};
  const Correlation result = correlate(x, y, CorrelationMethod::pearson);
  expect_relative(result.estimate, 0.5, "estimate");
  expect_relative(result.statistic, 0.577350269189626, "statistic");
  expect_relative(result.p_value, 0.666666666666667, "p-value");
  EXPECT_TRUE(std::isnan(result.ci_lower));
  EXPECT_TRUE(std::isnan(result.ci_upper));
  ASSERT_EQ(result.warnings.size(), 1U);
  EXPECT_NE(result.warnings[0].find("interval"), std::string::npos);
}

TEST(Correlation, ConstantInputGivesNanWithAWarning) {
  const std::vector<double> x = {1, 2, 3, 4, 5};
  const std::vector<double> constant = {7, 7, 7, 7, 7};
  for (const auto method :
       {CorrelationMethod::pearson, CorrelationMethod::spearman, CorrelationMethod::kendall}) {
    const Correlation result = correlate(x, constant, method);
    EXPECT_TRUE(std::isnan(result.estimate));
    EXPECT_TRUE(std::isnan(result.statistic));
    EXPECT_TRUE(std::isnan(result.p_value));
    EXPECT_TRUE(std::isnan(result.ci_lower));
    EXPECT_TRUE(std::isnan(result.ci_upper));
    ASSERT_EQ(result.warnings.size(), 1U);
    EXPECT_EQ(result.warnings[0], "y is constant: the correlation is undefined");
  }
}

void expect_usage_error(std::span<const double> x, std::span<const double> y,
                        CorrelationMethod method, double level, const std::string& fragment) {
  try {
    correlate(x, y, method, level);
    ADD_FAILURE() << "no exception";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::usage);
    EXPECT_NE(std::string(error.what()).find(fragment), std::string::npos) << error.what();
  }
}

TEST(Correlation, BadInputIsAUsageError) {
  const std::vector<double> three = {1, 2, 3};
  const std::vector<double> two = {1, 2};
  const std::vector<double> with_nan = {1, std::nan(""), 3};
  const std::vector<double> with_infinity = {1, 2, HUGE_VAL};
  expect_usage_error(three, two, CorrelationMethod::pearson, 0.95, "x has 3 values but y has 2");
  expect_usage_error(two, two, CorrelationMethod::pearson, 0.95, "at least 3 pairs");
  expect_usage_error(two, two, CorrelationMethod::kendall, 0.95, "at least 3 pairs");
  expect_usage_error(three, with_nan, CorrelationMethod::spearman, 0.95, "pair 2");
  expect_usage_error(with_infinity, three, CorrelationMethod::pearson, 0.95, "pair 3");
  expect_usage_error(three, three, CorrelationMethod::pearson, 1.0, "confidence level");
  expect_usage_error(three, three, CorrelationMethod::pearson, 0.0, "confidence level");
}

}  // namespace
}  // namespace vigil::nexus
