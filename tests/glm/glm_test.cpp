// vigil's GLM against R's glm().
//
// Every expected number below was printed by R 4.2.2 (2022-11-10 r83330)
// with sprintf("%.15g", ...), from the command recorded next to it. Unless a
// comment says otherwise R ran with
//   tight <- glm.control(epsilon = 1e-14, maxit = 100)
// so that its iteration stopped at the maximum-likelihood estimate to full
// precision (R's default epsilon = 1e-8 leaves differences around 1e-9).
// Standard errors come from glm() restarted at its own estimate,
//   at_mle <- function(f) update(f, start = coef(f))
//   se <- function(f) sqrt(diag(vcov(at_mle(f))))
// because summary.glm takes the weights of the last-but-one iteration: even
// with the tight control that lag moves R's printed errors by up to 1e-9
// (Artificial_3: 0.452156591582275 against 0.452156591979327 at the
// estimate), while vigil evaluates the information at the estimate itself.
// Printing helper used throughout:
//   p <- function(v) cat(paste(sprintf("%.15g", v), collapse = ", "), "\n")
#include "glm/glm.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kRelative = 1e-8;

VectorXd vec(std::initializer_list<double> values) {
  VectorXd v(static_cast<Index>(values.size()));
  Index i = 0;
  for (const double value : values) v(i++) = value;
  return v;
}

// Relative agreement, with an absolute floor of 1e-12 for values that are 0
// in exact arithmetic (R prints them as rounding noise like -2.4e-16).
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

// Treatment contrasts of a factor, as R's model.matrix: an intercept column,
// then one indicator per level but the first.
MatrixXd treatment_design(const std::vector<int>& levels, int level_count) {
  MatrixXd x = MatrixXd::Zero(static_cast<Index>(levels.size()), level_count);
  for (std::size_t i = 0; i < levels.size(); ++i) {
    const auto row = static_cast<Index>(i);
    x(row, 0) = 1;
    if (levels[i] > 0) x(row, levels[i]) = 1;
  }
  return x;
}

bool has_warning(const GlmFit& fit, const std::string& fragment) {
  for (const auto& warning : fit.warnings) {
    if (warning.find(fragment) != std::string::npos) return true;
  }
  return false;
}

// Dobson (1990) p.93, the example of R's ?glm:
//   counts <- c(18,17,15,20,10,20,25,13,12); outcome <- gl(3,1,9)
//   treatment <- gl(3,3)
//   f <- glm(counts ~ outcome + treatment, family = poisson(), control = tight)
//   p(coef(f)); p(se(f)); p(vcov(at_mle(f))[1, ]); p(vcov(at_mle(f))[2, 3])
//   p(deviance(f)); p(f$null.deviance); p(AIC(f)); p(logLik(f)); p(fitted(f))
//   f$rank; f$df.residual; f$df.null   # 5, 4, 8
TEST(FitGlm, DobsonRandomizedControlledTrialMatchesR) {
  // Columns: (Intercept), outcome2, outcome3, treatment2, treatment3.
  MatrixXd x(9, 5);
  x << 1, 0, 0, 0, 0,  //
      1, 1, 0, 0, 0,   //
      1, 0, 1, 0, 0,   //
      1, 0, 0, 1, 0,   //
      1, 1, 0, 1, 0,   //
      1, 0, 1, 1, 0,   //
      1, 0, 0, 0, 1,   //
      1, 1, 0, 0, 1,   //
      1, 0, 1, 0, 1;
  const VectorXd counts = vec({18, 17, 15, 20, 10, 20, 25, 13, 12});
  const GlmFit fit = fit_glm(x, counts);

  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients, vec({3.04452243772342, -0.454255272277597, -0.292987124681474,
                                      -2.40703101518179e-16, -3.99680288865056e-16}));
  expect_close(fit.std_errors,
               vec({0.170898651856441, 0.202170759193846, 0.192742345159793, 0.2, 0.2}));
  expect_close(fit.covariance.row(0).transpose(),
               vec({0.0292063492063492, -0.0158730158730159, -0.0158730158730159, -0.02, -0.02}));
  expect_close(fit.covariance(1, 2), 0.0158730158730159);
  expect_close(fit.covariance(2, 1), 0.0158730158730159);
  expect_close(fit.deviance, 5.12914107700114);
  expect_close(fit.null_deviance, 10.5814458637509);
  expect_close(fit.aic, 56.7613184019577);
  expect_close(fit.log_likelihood, -23.3806592009788);
  expect_close(fit.fitted, vec({21, 13.3333333333333, 15.6666666666667, 21, 13.3333333333333,
                                15.6666666666667, 21, 13.3333333333333, 15.6666666666667}));
  expect_close(fit.linear_predictor, fit.fitted.array().log().matrix());
  EXPECT_EQ(fit.rank, 5);
  EXPECT_EQ(fit.df_residual, 4);
  EXPECT_EQ(fit.df_null, 8);
  EXPECT_EQ(fit.aliased, std::vector<bool>(5, false));
  EXPECT_TRUE(fit.warnings.empty());
  EXPECT_LE(fit.iterations, 10);
}

// InsectSprays (R's datasets; Beall 1942), counts typed from
//   data(InsectSprays); InsectSprays$count
//   f <- glm(count ~ spray, family = poisson(), data = InsectSprays, control = tight)
//   p(coef(f)); p(se(f)); p(deviance(f)); p(f$null.deviance)
//   p(AIC(f)); p(logLik(f)); f$df.residual; f$df.null   # 66, 71
// 72 rows and 6 columns, so this also takes the tall-design path of the QR.
TEST(FitGlm, InsectSpraysMatchesR) {
  const VectorXd count =
      vec({10, 7,  20, 14, 14, 12, 10, 23, 17, 20, 14, 13, 11, 17, 21, 11, 16, 14,
           17, 17, 19, 21, 7,  13, 0,  1,  7,  2,  3,  1,  2,  1,  3,  0,  1,  4,
           3,  5,  12, 6,  4,  3,  5,  5,  5,  5,  2,  4,  3,  5,  3,  5,  3,  6,
           1,  1,  3,  2,  6,  4,  11, 9,  15, 22, 15, 16, 13, 10, 26, 26, 24, 13});
  std::vector<int> spray;  // A..F, 12 each, in order
  for (int level = 0; level < 6; ++level) spray.insert(spray.end(), 12, level);
  const GlmFit fit = fit_glm(treatment_design(spray, 6), count);

  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients, vec({2.67414864942653, 0.0558804583944553, -1.94017947434633,
                                      -1.08151785530881, -1.42138568093116, 0.139262067333506}));
  expect_close(fit.std_errors, vec({0.0758098043578902, 0.105744546173678, 0.213885778949376,
                                    0.150652842585709, 0.171920476518376, 0.103668348288094}));
  expect_close(fit.deviance, 98.3286630208019);
  expect_close(fit.null_deviance, 409.041192723197);
  expect_close(fit.aic, 376.58920803117);
  expect_close(fit.log_likelihood, -182.294604015585);
  // Group means: 14.5, 15.333, 2.0833, 4.9167, 3.5, 16.667.
  expect_close(fit.fitted(0), 14.5);
  expect_close(fit.fitted(71), 200.0 / 12);
  EXPECT_EQ(fit.rank, 6);
  EXPECT_EQ(fit.df_residual, 66);
  EXPECT_EQ(fit.df_null, 71);
  EXPECT_TRUE(fit.warnings.empty());
}

// A made-up rate model with exposure offset and prior weights, one of them 0:
//   d3 <- data.frame(y = c(2, 3, 6, 7, 8, 9, 10, 12, 15, 20, 4, 0),
//     x = c(0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 1.2, 2.2),
//     g = factor(c("a","b","a","b","a","b","a","b","a","b","a","b")),
//     exposure = c(10, 12, 15, 11, 20, 18, 25, 22, 30, 35, 14, 9),
//     w = c(1, 2, 1, 0.5, 1, 3, 1, 0, 2, 1, 1.5, 1))
//   f <- glm(y ~ x + g, family = poisson(), offset = log(exposure),
//            weights = w, data = d3, control = tight)
//   p(coef(f)); p(se(f)); p(deviance(f)); p(f$null.deviance)
//   p(AIC(f)); p(logLik(f)); p(fitted(f)); f$df.residual; f$df.null  # 8, 10
// The null deviance comes from R refitting the intercept with the offset.
struct OffsetWeightsData {
  VectorXd y = vec({2, 3, 6, 7, 8, 9, 10, 12, 15, 20, 4, 0});
  VectorXd x = vec({0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 1.2, 2.2});
  VectorXd g_is_b = vec({0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1});
  VectorXd exposure = vec({10, 12, 15, 11, 20, 18, 25, 22, 30, 35, 14, 9});
  VectorXd w = vec({1, 2, 1, 0.5, 1, 3, 1, 0, 2, 1, 1.5, 1});
  VectorXd fitted = vec({2.59786979604604, 3.6471677330775, 4.61258957641054, 3.95733986105771,
                         7.27980461626016, 7.66512679155711, 10.7712451378349, 11.0893398246845,
                         15.2997145964307, 20.8827278840938, 4.09270778705798, 3.34888634455098});

  GlmOptions options() const {
    GlmOptions o;
    o.offset = exposure.array().log();
    o.weights = w;
    return o;
  }
};

TEST(FitGlm, OffsetAndPriorWeightsMatchR) {
  const OffsetWeightsData d;
  MatrixXd x(12, 3);
  x << VectorXd::Ones(12), d.x, d.g_is_b;
  const GlmFit fit = fit_glm(x, d.y, d.options());

  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients, vec({-1.43220955371329, 0.168632521432773, 0.0726212853309648}));
  expect_close(fit.std_errors, vec({0.260947696500604, 0.067565274488158, 0.183931856338738}));
  expect_close(fit.deviance, 9.26102308746228);
  expect_close(fit.null_deviance, 15.8620077112092);
  expect_close(fit.aic, 68.5303449855987);
  expect_close(fit.log_likelihood, -31.2651724927994);
  // The observation with weight 0 still gets its fitted value.
  expect_close(fit.fitted, d.fitted);
  expect_close(fit.linear_predictor(7), std::log(11.0893398246845));
  EXPECT_EQ(fit.df_residual, 8);  // 11 observations with positive weight - 3
  EXPECT_EQ(fit.df_null, 10);
  EXPECT_TRUE(fit.warnings.empty());
}

// The same without an intercept, where R's null model is mu = exp(offset):
//   f <- glm(y ~ x + g - 1, family = poisson(), offset = log(exposure),
//            weights = w, data = d3, control = tight)
//   p(coef(f)); p(se(f)); p(f$null.deviance); f$df.null  # 11
TEST(FitGlm, NoInterceptNullModelIsTheOffsetAlone) {
  const OffsetWeightsData d;
  MatrixXd x(12, 3);
  x << d.x, VectorXd::Ones(12) - d.g_is_b, d.g_is_b;  // x, ga, gb
  const GlmFit fit = fit_glm(x, d.y, d.options());

  expect_close(fit.coefficients, vec({0.168632521432773, -1.43220955371329, -1.35958826838232}));
  expect_close(fit.std_errors, vec({0.067565274488158, 0.260947696500604, 0.265380464451023}));
  expect_close(fit.deviance, 9.26102308746228);
  expect_close(fit.null_deviance, 133.344299297469);
  expect_close(fit.aic, 68.5303449855987);
  expect_close(fit.fitted, d.fitted);
  EXPECT_EQ(fit.df_residual, 8);
  EXPECT_EQ(fit.df_null, 11);
}

// A design with a duplicated column (a2 = a) and a column that is the sum of
// two others (ab = a + b). R aliases the later of dependent columns and
// keeps the others in their order (c stays after the dropped a2):
//   d4 <- data.frame(y = c(3, 7, 2, 9, 4, 6, 11, 5, 8, 1),
//     a = c(1, 2, 0, 3, 1, 2, 4, 1, 3, 0),
//     b = c(0.5, 1, 1.5, 0, 2, 0.5, 1, 2.5, 0, 1),
//     c = c(1, 0, 0, 1, 1, 0, 1, 0, 1, 0))
//   d4$a2 <- d4$a; d4$ab <- d4$a + d4$b
//   fd <- glm(y ~ a + b + a2 + c + ab, family = poisson(), data = d4)  # default control
//   coef(fd)       # a2 and ab NA
//   fd$rank        # 4
//   fd$qr$pivot    # 1 2 3 5 4 6
//   p(coef(fd))    # 0.813528949963574, 0.46494654514985, 0.0601039659190041,
//                  # NA, -0.166426859694928, NA
// and the non-aliased coefficients at full precision from the reduced model
//   f <- glm(y ~ a + b + c, family = poisson(), data = d4, control = tight)
//   p(coef(f)); p(se(f)); p(deviance(f)); p(f$null.deviance)
//   p(AIC(f))
struct RankDeficientData {
  VectorXd y = vec({3, 7, 2, 9, 4, 6, 11, 5, 8, 1});
  VectorXd a = vec({1, 2, 0, 3, 1, 2, 4, 1, 3, 0});
  VectorXd b = vec({0.5, 1, 1.5, 0, 2, 0.5, 1, 2.5, 0, 1});
  VectorXd c = vec({1, 0, 0, 1, 1, 0, 1, 0, 1, 0});

  MatrixXd design() const {
    MatrixXd x(10, 6);
    x << VectorXd::Ones(10), a, b, a, c, a + b;
    return x;
  }
};

TEST(FitGlm, RankDeficientDesignAliasesTheColumnsRDoes) {
  const RankDeficientData d;
  const GlmFit fit = fit_glm(d.design(), d.y);

  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.aliased, (std::vector<bool>{false, false, false, true, false, true}));
  EXPECT_EQ(fit.rank, 4);
  EXPECT_TRUE(std::isnan(fit.coefficients(3)));
  EXPECT_TRUE(std::isnan(fit.coefficients(5)));
  EXPECT_TRUE(std::isnan(fit.std_errors(3)));
  EXPECT_TRUE(std::isnan(fit.std_errors(5)));
  const VectorXd expected_coefficients =
      vec({0.813528949963552, 0.464946545149859, 0.0601039659189971, -0.166426859694933});
  const VectorXd expected_errors =
      vec({0.414645967120957, 0.141294472737517, 0.207614087846258, 0.362790868259113});
  const std::vector<Index> kept = {0, 1, 2, 4};
  for (std::size_t k = 0; k < kept.size(); ++k) {
    SCOPED_TRACE("column " + std::to_string(kept[k]));
    expect_close(fit.coefficients(kept[k]), expected_coefficients(static_cast<Index>(k)));
    expect_close(fit.std_errors(kept[k]), expected_errors(static_cast<Index>(k)));
  }
  for (Index j = 0; j < 6; ++j) {
    EXPECT_TRUE(std::isnan(fit.covariance(3, j)));
    EXPECT_TRUE(std::isnan(fit.covariance(j, 5)));
  }
  // R's default-control run agrees with its tight reduced fit to ~1e-13.
  expect_close(fit.coefficients(0), 0.813528949963574);
  expect_close(fit.deviance, 2.07673922203241);
  expect_close(fit.null_deviance, 17.9177962985495);
  expect_close(fit.aic, 44.1362900258675);  // 2 * rank counts 4 parameters
  EXPECT_EQ(fit.df_residual, 6);
  EXPECT_EQ(fit.df_null, 9);
  EXPECT_TRUE(has_warning(fit, "column(s) 4, 6"));
}

// Three copies of every row is the same likelihood as prior weights of 3.
// 30 rows x 6 columns takes the tall path (blocked QR, then the limited-pivot
// QR of R), 10 x 6 the direct one: both must alias the same columns.
TEST(FitGlm, TallAndDirectQrPathsAgreeOnAliasing) {
  const RankDeficientData d;
  const MatrixXd x = d.design();
  MatrixXd tall_x(30, 6);
  VectorXd tall_y(30);
  for (Index copy = 0; copy < 3; ++copy) {
    tall_x.middleRows(10 * copy, 10) = x;
    tall_y.segment(10 * copy, 10) = d.y;
  }
  GlmOptions weighted;
  weighted.weights = VectorXd::Constant(10, 3.0);
  const GlmFit direct = fit_glm(x, d.y, weighted);
  const GlmFit tall = fit_glm(tall_x, tall_y);

  EXPECT_EQ(direct.aliased, tall.aliased);
  EXPECT_EQ(tall.aliased, (std::vector<bool>{false, false, false, true, false, true}));
  for (const Index j : {0, 1, 2, 4}) {
    expect_close(tall.coefficients(j), direct.coefficients(j), 1e-10);
    expect_close(tall.std_errors(j), direct.std_errors(j), 1e-10);
  }
  expect_close(tall.deviance, direct.deviance, 1e-10);
  // Weighting by 3 keeps the estimates and divides the errors by sqrt(3).
  expect_close(direct.coefficients(1), 0.464946545149859);
  expect_close(direct.std_errors(1), 0.141294472737517 / std::sqrt(3.0));
}

// More columns than observations, one of them all zero: a saturated model,
// like an MSE log-linear model with as many terms as observed cells. R moves
// the zero column to the end at once and stops at rank n = 4, so the last
// column left over (e) is aliased too:
//   d <- data.frame(y = c(3, 5, 2, 8), a = c(0, 1, 2, 3), b = c(1, 0, 1, 0),
//     z = c(0, 0, 0, 0), c = c(0, 0, 1, 0), e = c(1, 1, 0, 0))
//   fd <- glm(y ~ a + b + z + c + e, family = poisson(), data = d)
//   coef(fd)       # z and e NA
//   fd$qr$pivot    # 1 2 3 5 6 4
//   f <- glm(y ~ a + b + c, family = poisson(), data = d, control = tight)
//   p(coef(f)); p(se(f)); p(f$null.deviance); p(AIC(f))
TEST(FitGlm, MoreColumnsThanRowsAliasesLikeR) {
  MatrixXd x(4, 6);
  x << 1, 0, 1, 0, 0, 1,  //
      1, 1, 0, 0, 0, 1,   //
      1, 2, 1, 0, 1, 0,   //
      1, 3, 0, 0, 0, 0;
  const GlmFit fit = fit_glm(x, vec({3, 5, 2, 8}));

  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.aliased, (std::vector<bool>{false, false, false, true, false, true}));
  EXPECT_EQ(fit.rank, 4);
  EXPECT_EQ(fit.df_residual, 0);
  const VectorXd expected_coefficients =
      vec({1.37443609781123, 0.235001814622868, -0.275823809143123, -0.8754687373539});
  const VectorXd expected_errors =
      vec({0.69372184627558, 0.285043856274784, 0.902542704437487, 1.07625895273086});
  const std::vector<Index> kept = {0, 1, 2, 4};
  for (std::size_t k = 0; k < kept.size(); ++k) {
    SCOPED_TRACE("column " + std::to_string(kept[k]));
    expect_close(fit.coefficients(kept[k]), expected_coefficients(static_cast<Index>(k)));
    expect_close(fit.std_errors(kept[k]), expected_errors(static_cast<Index>(k)));
  }
  expect_close(fit.fitted, vec({3, 5, 2, 8}));
  EXPECT_LT(std::abs(fit.deviance), 1e-10);
  expect_close(fit.null_deviance, 4.58291996152095);
  expect_close(fit.aic, 21.0242963451638);
}

// The 3-list capture-recapture table of Chan, Silverman & Vincent (2021),
// /work/shared/data/mse/Artificial_3.csv. The file lists the 4 histories
// observed; the other 3 of the 7 observable histories have count 0. Main
// effects (independence) log-linear model:
//   a3 <- read.csv("Artificial_3.csv")
//   h <- expand.grid(A = 0:1, B = 0:1, C = 0:1)[-1, ]; h$n <- 0
//   for (i in seq_len(nrow(a3)))
//     h$n[h$A == a3$A[i] & h$B == a3$B[i] & h$C == a3$C[i]] <- a3$n[i]
//   f <- glm(n ~ A + B + C, family = poisson(), data = h, control = tight)
//   p(coef(f)); p(se(f)); p(deviance(f)); p(f$null.deviance)
//   p(AIC(f)); p(fitted(f))
TEST(FitGlm, ArtificialThreeListMainEffectsMatchR) {
  // Histories in expand.grid order: 100, 010, 110, 001, 101, 011, 111.
  MatrixXd x(7, 4);
  x << 1, 1, 0, 0,  //
      1, 0, 1, 0,   //
      1, 1, 1, 0,   //
      1, 0, 0, 1,   //
      1, 1, 0, 1,   //
      1, 0, 1, 1,   //
      1, 1, 1, 1;
  const VectorXd n = vec({40, 30, 6, 20, 0, 0, 0});
  const GlmFit fit = fit_glm(x, n);

  EXPECT_TRUE(fit.converged);
  expect_close(fit.coefficients,
               vec({6.09378177995677, -2.37205828749383, -2.63725795446348, -3.25635257656507}));
  expect_close(fit.std_errors,
               vec({0.452156591979327, 0.436663974548733, 0.43600967265187, 0.450037204328667}));
  expect_close(fit.deviance, 8.87254028344688);
  expect_close(fit.null_deviance, 137.772499658536);
  expect_close(fit.aic, 36.1474239544087);
  expect_close(fit.fitted,
               vec({41.3355743024888, 31.7065671642914, 2.95785853321962, 17.0718208957245,
                    1.59260480178647, 1.22161193998399, 0.113962362504953}));
  EXPECT_EQ(fit.df_residual, 3);
  EXPECT_EQ(fit.df_null, 6);
  // The unobserved cell, exp(intercept), is the MSE estimate's hidden part.
  expect_close(std::exp(fit.coefficients(0)), std::exp(6.09378177995677));
  EXPECT_TRUE(fit.warnings.empty());
}

// A count of 0 on the only observation of an indicator column: the MLE of
// that coefficient is -infinity. R (default control) converges at
// mu = 1.5e-9 without a warning; with control = tight it reaches 1.3e-15
// and warns "glm.fit: fitted rates numerically 0 occurred":
//   y6 <- c(0, 5, 3, 4); z6 <- c(1, 0, 0, 0)
//   f <- glm(y6 ~ z6, family = poisson(), control = tight)
//   p(coef(f))      # 1.38629436111989, -35.6888794445512
//   p(sqrt(diag(vcov(f))))  # 0.288675134594813, 17043723.1555787
//   p(deviance(f))  # 0.505343078431415
//   p(f$null.deviance)  # 7.40971281727415
TEST(FitGlm, ZeroCountOnItsOwnColumnWarnsInsteadOfThrowing) {
  MatrixXd x(4, 2);
  x << 1, 1,  //
      1, 0,   //
      1, 0,   //
      1, 0;
  const VectorXd y = vec({0, 5, 3, 4});
  GlmFit fit;
  ASSERT_NO_THROW(fit = fit_glm(x, y));
  EXPECT_TRUE(has_warning(fit, "numerically 0"));
  EXPECT_TRUE(has_warning(fit, "observation 1"));
  EXPECT_LT(fit.fitted(0), 1e-8);
  EXPECT_LT(fit.coefficients(1), -20);
  EXPECT_GT(fit.std_errors(1), 1e4);
  // The rest of the model is unaffected: exp(intercept) = mean(5, 3, 4).
  expect_close(fit.coefficients(0), 1.38629436111989);
  expect_close(fit.std_errors(0), 0.288675134594813);
  expect_close(fit.deviance, 0.505343078431415);
  expect_close(fit.null_deviance, 7.40971281727415);
}

TEST(FitGlm, NonConvergenceIsAWarningNotAnError) {
  MatrixXd x(9, 2);
  x << VectorXd::Ones(9), vec({1, 2, 3, 4, 5, 6, 7, 8, 9});
  const VectorXd y = vec({1, 3, 2, 6, 8, 7, 12, 15, 20});
  GlmOptions options;
  options.max_iterations = 2;
  const GlmFit fit = fit_glm(x, y, options);
  EXPECT_FALSE(fit.converged);
  EXPECT_EQ(fit.iterations, 2);
  EXPECT_TRUE(has_warning(fit, "did not converge in 2 iterations"));
}

// Large regressions: the IRLS estimate solves the score equations
// X'(w (y - mu)) = 0 (McCullagh & Nelder 1989, eq. 2.13), whatever the data.
TEST(FitGlm, TallRegressionSolvesTheScoreEquations) {
  const Index n = 20000;
  const Index p = 12;
  std::mt19937_64 rng(20240611);
  std::normal_distribution<double> normal(0.0, 0.5);
  MatrixXd x(n, p);
  x.col(0).setOnes();
  for (Index j = 1; j < p; ++j) {
    for (Index i = 0; i < n; ++i) x(i, j) = normal(rng);
  }
  VectorXd beta(p);
  for (Index j = 0; j < p; ++j) beta(j) = 0.1 * static_cast<double>(j % 5) - 0.1;
  const VectorXd mean = (x * beta).array().exp() * 3.0;
  VectorXd y(n);
  for (Index i = 0; i < n; ++i) {
    std::poisson_distribution<int> poisson(mean(i));
    y(i) = poisson(rng);
  }
  const GlmFit fit = fit_glm(x, y);
  EXPECT_TRUE(fit.converged);
  EXPECT_EQ(fit.rank, p);
  const VectorXd score = x.transpose() * (y - fit.fitted);
  EXPECT_LT(score.cwiseAbs().maxCoeff(), 1e-6 * y.sum());
  expect_close(fit.coefficients(0), std::log(3.0) - 0.1, 0.05);
}

TEST(FitGlm, RejectsInvalidInputWithExactMessages) {
  const MatrixXd x = MatrixXd::Ones(3, 1);
  const VectorXd y = vec({1, 2, 3});
  const auto message_of = [](auto&& call) -> std::string {
    try {
      call();
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), Error::Kind::usage);
      return error.what();
    }
    return "no error";
  };
  EXPECT_EQ(message_of([&] { fit_glm(MatrixXd(0, 1), VectorXd(0)); }),
            "glm: the design matrix is empty (0 rows, 1 columns)");
  EXPECT_EQ(message_of([&] { fit_glm(MatrixXd(3, 0), y); }),
            "glm: the design matrix is empty (3 rows, 0 columns)");
  EXPECT_EQ(message_of([&] {
              fit_glm(x, vec({1, 2}));
            }),
            "glm: the response has 2 values but the design matrix has 3 rows");
  EXPECT_EQ(message_of([&] {
              fit_glm(x, vec({1, -2, 3}));
            }),
            "glm: a Poisson response must be a non-negative whole count, got -2 at observation 2");
  EXPECT_EQ(message_of([&] {
              fit_glm(x, vec({1, 2, 2.5}));
            }),
            "glm: a Poisson response must be a non-negative whole count, got 2.5 at observation 3");
  EXPECT_EQ(message_of([&] {
              fit_glm(x, vec({NAN, 2, 3}));
            }),
            "glm: response at observation 1 is not finite: nan");
  MatrixXd bad_x = x;
  bad_x(1, 0) = INFINITY;
  EXPECT_EQ(message_of([&] { fit_glm(bad_x, y); }),
            "glm: design matrix entry at row 2, column 1 is not finite: inf");

  GlmOptions options;
  options.offset = vec({0, 0});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: the offset has 2 values but the response has 3");
  options.offset = vec({0, -INFINITY, 0});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: offset at observation 2 is not finite: -inf");
  options = {};
  options.weights = vec({1, 1, 1, 1});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: the weights have 4 values but the response has 3");
  options.weights = vec({1, -0.5, 1});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: prior weights must be non-negative, got -0.5 at observation 2");
  options.weights = vec({1, 1, NAN});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: prior weight at observation 3 is not finite: nan");
  options.weights = vec({0, 0, 0});
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: every prior weight is zero: there is nothing to fit");
  options = {};
  options.max_iterations = 0;
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }),
            "glm: max_iterations must be at least 1, got 0");
  options = {};
  options.tolerance = 0;
  EXPECT_EQ(message_of([&] { fit_glm(x, y, options); }), "glm: tolerance must be positive, got 0");
}

}  // namespace
}  // namespace vigil::glm
