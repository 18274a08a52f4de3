// vigil's composite-indicator methods (src/index/methods.hpp) against R.
//
// Data: R's datasets::LifeCycleSavings (Belsley, Kuh & Welsch 1980, savings
// ratio and four covariates for 50 countries), in
// fixtures/index/methods/lifecyclesavings.csv; columns sr, pop15, pop75,
// dpi, ddpi are 0..4 here. Every expected number was printed by R 4.2.2
// (psych 2.2.9 for alpha) with sprintf("%.15g", ...) from the command in the
// comment beside it; fixtures/index/methods/reference.R holds the whole
// script (with the R functions for EM, the weights and the MPI, written from
// their formulas) and reference_output.txt what it printed.
//
// Tolerance: 1e-9 relative (with an absolute floor of 1e-12 for exact
// zeros) for closed-form results. EM and factor analysis are iterative, and
// both sides run to convergence: R's EM to a change of exactly 0 and vigil's
// to 1e-13, so 1e-9 holds there too. Factor analysis is compared with
// factanal at 2e-8: factanal ran with
//   tight <- list(opt = list(factr = 1, pgtol = 0, maxit = 100000),
//                 rotate = list(eps = 1e-15))
// but its L-BFGS-B still stops on the objective's relative change, leaving
// a gradient of 1.7e-9 (2 factors) and 1.6e-8 (1 factor), against vigil's
// 1e-12 or less; a few Newton steps from factanal's solution in R (reference.R,
// "polished") reach vigil's uniquenesses to 1e-9 and better. R's varimax
// cannot be run to convergence either (it stops ~1e-8 short wherever eps is
// set), so the two-factor reference rotates factanal's unrotated loadings by
// Kaiser's closed-form angle instead. With R's default control, factanal's
// uniquenesses are ~5e-6 from the optimum (noted below).
#include "index/methods.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::index {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kRelative = 1e-9;
constexpr double kFactorAnalysis = 2e-8;
constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

constexpr Index kSr = 0;
constexpr Index kPop15 = 1;
constexpr Index kPop75 = 2;
constexpr Index kDpi = 3;
constexpr Index kDdpi = 4;

VectorXd vec(std::initializer_list<double> values) {
  VectorXd v(static_cast<Index>(values.size()));
  Index i = 0;
  for (const double value : values) v(i++) = value;
  return v;
}

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

// Column-major, as R prints a matrix with c().
void expect_close(const MatrixXd& actual, const VectorXd& column_major,
                  double relative = kRelative) {
  ASSERT_EQ(actual.size(), column_major.size());
  expect_close(VectorXd(actual.reshaped()), column_major, relative);
}

MatrixXd life_cycle_savings() {
  std::ifstream in(std::string(VIGIL_FIXTURES_DIR) + "/index/methods/lifecyclesavings.csv");
  EXPECT_TRUE(in) << "missing fixture lifecyclesavings.csv";
  std::string line;
  std::getline(in, line);  // header: country,sr,pop15,pop75,dpi,ddpi
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::stringstream fields(line);
    std::string field;
    std::getline(fields, field, ',');  // country
    std::vector<double> row;
    while (std::getline(fields, field, ',')) row.push_back(std::stod(field));
    rows.push_back(row);
  }
  MatrixXd x(static_cast<Index>(rows.size()), 5);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (Index j = 0; j < 5; ++j)
      x(static_cast<Index>(i), j) = rows[i][static_cast<std::size_t>(j)];
  }
  return x;
}

// The cells deleted for the imputation tests, 0-based (reference.R's `miss`,
// 1-based): row 32 keeps only ddpi, row 46 loses every indicator.
constexpr std::array<std::pair<Index, Index>, 22> kMissingCells = {
    {{2, 0},  {16, 0}, {39, 0}, {7, 1},  {21, 1}, {7, 2},  {29, 2}, {10, 3},
     {24, 3}, {43, 3}, {4, 4},  {24, 4}, {48, 4}, {32, 0}, {32, 1}, {32, 2},
     {32, 3}, {46, 0}, {46, 1}, {46, 2}, {46, 3}, {46, 4}}};

MatrixXd with_missing_cells() {
  MatrixXd x = life_cycle_savings();
  for (const auto& [row, col] : kMissingCells) x(row, col) = kNan;
  return x;
}

template <typename F>
void expect_error(F&& call, Error::Kind kind, const std::string& fragment) {
  try {
    call();
    ADD_FAILURE() << "no vigil::Error thrown";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message \"" << e.what() << "\" lacks \"" << fragment << "\"";
  }
}

// ---------------------------------------------------------------------------
// Missing data

TEST(MethodsImpute, DropUnitKeepsTheCompleteUnits) {
  const Imputed out = impute(with_missing_cells(), MissingData::drop_unit);
  // which(complete.cases(xm)) - 1
  const std::vector<Index> expected = {0,  1,  3,  5,  6,  8,  9,  11, 12, 13, 14, 15, 17,
                                       18, 19, 20, 22, 23, 25, 26, 27, 28, 30, 31, 33, 34,
                                       35, 36, 37, 38, 40, 41, 42, 44, 45, 47, 49};
  EXPECT_EQ(out.rows_kept, expected);
  ASSERT_EQ(out.values.rows(), 37);
  EXPECT_EQ(out.cells_imputed, 0);
  // xm[complete.cases(xm), ][1, ]
  expect_close(VectorXd(out.values.row(0).transpose()), vec({11.43, 29.35, 2.87, 2329.68, 2.87}));
  expect_close(VectorXd(out.values.row(36).transpose()),
               VectorXd(life_cycle_savings().row(49).transpose()));
}

TEST(MethodsImpute, MeanAndMedianFillFromTheObservedValues) {
  const MatrixXd x = with_missing_cells();
  // colMeans(xm, na.rm = TRUE)
  const VectorXd means = vec(
      {9.61822222222222, 34.7804347826087, 2.38608695652174, 1013.54622222222, 3.3654347826087});
  // apply(xm, 2, median, na.rm = TRUE)
  const VectorXd medians = vec({10.35, 32.24, 2.42, 662.86, 2.975});
  const Imputed by_mean = impute(x, MissingData::mean);
  const Imputed by_median = impute(x, MissingData::median);
  EXPECT_EQ(by_mean.cells_imputed, 22);
  EXPECT_EQ(by_mean.rows_kept.size(), 50U);
  for (const auto& [row, col] : kMissingCells) {
    expect_close(by_mean.values(row, col), means(col));
    expect_close(by_median.values(row, col), medians(col));
  }
  EXPECT_EQ(by_mean.values(0, kDpi), 2329.68);  // observed cells are kept
  EXPECT_FALSE(by_median.values.array().isNaN().any());
}

TEST(MethodsImpute, EmMatchesTheMaximumLikelihoodFill) {
  // em <- em_mvn(xm) (reference.R): 29 iterations to a change of exactly 0.
  // p(em$y[miss]), the filled cells in the order of kMissingCells; the last
  // five (row 46, nothing observed) are the ML mean, em$mu.
  const VectorXd expected =
      vec({11.0709398582396, 6.04971725055961, 10.3701081539546, 37.0759658165335, 27.2920012046202,
           1.62429947245667, 1.03515358790606, 1871.18908601655, 1999.19926571238, 1670.35466027584,
           3.9785436869656,  4.11732857901877, 2.56373230743723, 6.25943990665028, 38.6030160406036,
           2.094584008022,   1005.47773498858, 9.52184092182457, 34.7524690420767, 2.33702116466091,
           1064.40409687742, 3.37693070558003});
  // Independently of EM, nlminb maximising the observed-data likelihood
  // reaches the same log-likelihood, -243.488273035337 on the standardised
  // data, and the same estimates to 1.1e-8 (nlminb's own accuracy).
  const Imputed out = impute(with_missing_cells(), MissingData::em, 1000, 1e-13);
  EXPECT_TRUE(out.em_converged);
  EXPECT_GT(out.em_iterations, 10);
  EXPECT_LT(out.em_iterations, 100);
  EXPECT_EQ(out.cells_imputed, 22);
  EXPECT_EQ(out.rows_kept.size(), 50U);
  for (std::size_t k = 0; k < kMissingCells.size(); ++k) {
    SCOPED_TRACE("missing cell " + std::to_string(k));
    expect_close(out.values(kMissingCells[k].first, kMissingCells[k].second),
                 expected(static_cast<Index>(k)));
  }
  // The observed cells are untouched.
  EXPECT_EQ(out.values(0, kSr), 11.43);
  EXPECT_EQ(out.values(49, kDdpi), 5.08);
}

TEST(MethodsImpute, EmReportsWhenItRunsOutOfIterations) {
  const Imputed out = impute(with_missing_cells(), MissingData::em, 3, 1e-10);
  EXPECT_FALSE(out.em_converged);
  EXPECT_EQ(out.em_iterations, 3);
  EXPECT_FALSE(out.values.array().isNaN().any());
  // Complete data: nothing to do, and the first iteration already stands still.
  const Imputed complete = impute(life_cycle_savings(), MissingData::em);
  EXPECT_TRUE(complete.em_converged);
  EXPECT_EQ(complete.em_iterations, 1);
  EXPECT_EQ(complete.cells_imputed, 0);
  EXPECT_EQ(complete.values, life_cycle_savings());
}

TEST(MethodsImpute, RejectsAnIndicatorWithNoObservedValue) {
  MatrixXd x = life_cycle_savings();
  x.col(kPop75).setConstant(kNan);
  for (const MissingData method :
       {MissingData::drop_unit, MissingData::mean, MissingData::median, MissingData::em}) {
    expect_error([&] { impute(x, method); }, Error::Kind::input, "column 3 has no observed value");
  }
  MatrixXd diagonal = life_cycle_savings().topRows(5);
  for (Index i = 0; i < 5; ++i) diagonal(i, i) = kNan;
  expect_error([&] { impute(diagonal, MissingData::drop_unit); }, Error::Kind::input,
               "no unit has every indicator");
  MatrixXd infinite = life_cycle_savings();
  infinite(6, kDpi) = std::numeric_limits<double>::infinity();
  expect_error([&] { impute(infinite, MissingData::mean); }, Error::Kind::input,
               "row 7, column 4 is infinite");
}

// ---------------------------------------------------------------------------
// Transforms

TEST(MethodsTransform, LogAndNone) {
  const VectorXd sr = life_cycle_savings().col(kSr);
  // log(x[1:3, "sr"])
  expect_close(VectorXd(transform(sr, Transform::log).head(3)),
               vec({2.43624147780672, 2.49072303510944, 2.57794151575519}));
  EXPECT_EQ(transform(sr, Transform::none), sr);
  const VectorXd with_gap = vec({1.0, kNan, std::exp(2.0)});
  const VectorXd logged = transform(with_gap, Transform::log);
  EXPECT_TRUE(std::isnan(logged(1)));
  expect_close(logged(2), 2.0);
}

TEST(MethodsTransform, LogOfZeroOrLessNamesTheRow) {
  VectorXd sr = life_cycle_savings().col(kSr);
  sr(4) = 0;
  expect_error([&] { transform(sr, Transform::log); }, Error::Kind::input, "row 5 is 0");
  sr(4) = 1;
  sr(11) = -2.5;
  expect_error([&] { transform(sr, Transform::log); }, Error::Kind::input, "row 12 is -2.5");
}

TEST(MethodsTransform, WinsoriseAtType7Quantiles) {
  const MatrixXd x = life_cycle_savings();
  // quantile(dpi, c(0.05, 0.95), type = 7) = 144.486, 2824.516
  // w <- function(v, lo, hi) { q <- quantile(v, c(lo, hi), type = 7); pmin(pmax(v, q[1]), q[2]) }
  // w(x[, "dpi"], 0.05, 0.95)
  expect_close(
      transform(x.col(kDpi), Transform::winsorise),
      vec({2329.68, 1507.99, 2108.47,  189.13,  728.47,  2824.516, 662.86,  289.52,   276.65,
           471.24,  2496.53, 287.77,   1681.25, 2213.82, 2457.12,  870.85,  289.71,   232.44,
           1900.1,  144.486, 1139.95,  1390,    1257.28, 207.68,   2449.39, 601.05,   2231.03,
           1740.7,  1487.52, 325.54,   568.56,  220.56,  400.06,   152.01,  579.51,   651.11,
           250.96,  768.79,  2824.516, 2630.96, 389.66,  249.87,   1813.93, 2824.516, 813.39,
           144.486, 380.47,  766.54,   144.486, 242.69}));
  // quantile(ddpi, c(0.1, 0.9), type = 7) = 1.129, 7.498
  // w(x[, "ddpi"], 0.1, 0.9)
  expect_close(
      transform(x.col(kDdpi), Transform::winsorise, 0.1, 0.9),
      vec({2.87, 3.93,  3.82, 1.129, 4.56, 2.43,  2.67,  6.51,  3.08, 2.8,   3.99, 2.19, 4.32,
           4.52, 3.44,  6.28, 1.48,  3.19, 1.129, 1.54,  2.99,  3.54, 7.498, 5.81, 1.57, 7.498,
           3.62, 7.498, 1.76, 2.48,  3.61, 1.129, 1.129, 2,     7.48, 2.19,  2,    4.35, 3.01,
           2.7,  2.96,  1.13, 2.01,  2.45, 1.129, 5.14,  7.498, 1.88, 7.498, 5.08}));
  // Missing values stay missing and do not count towards the quantiles.
  const VectorXd gappy = transform(vec({1, kNan, 2, 3, 4, 100}), Transform::winsorise, 0, 0.75);
  EXPECT_TRUE(std::isnan(gappy(1)));
  expect_close(gappy(5), 4);  // quantile(c(1, 2, 3, 4, 100), 0.75) = 4
  expect_error([&] { transform(x.col(kDpi), Transform::winsorise, 0.9, 0.1); }, Error::Kind::usage,
               "0 <= lower <= upper <= 1");
}

// ---------------------------------------------------------------------------
// Normalisation

TEST(MethodsNormalise, MinMaxAndItsReverse) {
  const VectorXd dpi = life_cycle_savings().col(kDpi);
  // mm <- function(v) (v - min(v)) / (max(v) - min(v)); mm(x[, "dpi"])
  expect_close(normalise(dpi, Normalisation::minmax, false),
               vec({0.572647235461736,  0.362654774530725,  0.516114440511634,  0.0256047227794886,
                    0.163439348828889,  0.739580112191569,  0.14667194827432,   0.0512605578911052,
                    0.0479714793186726, 0.0977012228625462, 0.615287698539465,  0.0508133249849858,
                    0.406933387853154,  0.543037861460024,  0.605216013493656,  0.199826218070765,
                    0.0513091146066267, 0.0366730983017928, 0.462863057284146,  0,
                    0.2685978609489,    0.33250105419185,   0.298582910591753,  0.0303453915843545,
                    0.603240521856911,  0.130875682030182,  0.547436077639633,  0.422126528578183,
                    0.357423427337431,  0.0604658889073461, 0.122572483675999,  0.0336370257733935,
                    0.0795103438582144, 0.016118273936544,  0.125370883860003,  0.143669098761804,
                    0.0414061002568395, 0.17374359498588,   0.820493489566695,  0.649642852579256,
                    0.0768525025875618, 0.0411275380467422, 0.440841308986826,  1,
                    0.18514164505041,   0.0126221904189933, 0.0745038909262832, 0.173168581249441,
                    0.0088526559245582, 0.0392926053233494}));
  // 1 - mm(x[, "dpi"])
  expect_close(normalise(dpi, Normalisation::minmax, true),
               vec({0.427352764538264, 0.637345225469275, 0.483885559488366, 0.974395277220511,
                    0.836560651171111, 0.260419887808431, 0.85332805172568,  0.948739442108895,
                    0.952028520681327, 0.902298777137454, 0.384712301460535, 0.949186675015014,
                    0.593066612146846, 0.456962138539976, 0.394783986506344, 0.800173781929235,
                    0.948690885393373, 0.963326901698207, 0.537136942715854, 1,
                    0.7314021390511,   0.66749894580815,  0.701417089408247, 0.969654608415645,
                    0.396759478143089, 0.869124317969818, 0.452563922360367, 0.577873471421817,
                    0.642576572662569, 0.939534111092654, 0.877427516324001, 0.966362974226607,
                    0.920489656141786, 0.983881726063456, 0.874629116139997, 0.856330901238196,
                    0.958593899743161, 0.82625640501412,  0.179506510433305, 0.350357147420744,
                    0.923147497412438, 0.958872461953258, 0.559158691013174, 0,
                    0.81485835494959,  0.987377809581007, 0.925496109073717, 0.826831418750559,
                    0.991147344075442, 0.960707394676651}));
}

TEST(MethodsNormalise, ZScoreWithRsSd) {
  const VectorXd sr = life_cycle_savings().col(kSr);
  // (x[, "sr"] - mean(x[, "sr"])) / sd(x[, "sr"])
  const VectorXd expected =
      vec({0.392598271179228,  0.535442440340516,  0.78095585608648,   -0.875143730127204,
           0.716229591935271,  -0.196633926611086, -2.02459290384694,  0.497499457907049,
           -1.04700312114938,  0.247522161874794,  1.60230982876389,   -1.35724280104655,
           0.35019140845947,   0.662663028499788,  0.642575567211482,  0.222970820300198,
           -1.48669532934897,  -0.439915402213904, -1.87505291425622,  -0.149763183605038,
           0.372510809890922,  1.02870121197559,   2.55088438960056,   -1.27019713546389,
           0.151548735719554,  1.296534029153,     0.129229334288103,  1.11128299727196,
           0.222970820300198,  -0.529193007939709, -1.16752788887921,  -1.70765740352034,
           0.676054669358658,  0.69391019050382,   0.629183926352611,  0.327872007028019,
           0.809971077947366,  0.468484236046162,  -0.627398374238095, 0.995222109828412,
           -1.0135240190022,   -1.53133413221187,  -0.415364060639308, -0.471162564217936,
           -0.100660500455845, 1.9839715932417,    -0.435451521927614, -0.0961966201695547,
           -0.174314525179634, -1.1072655050143});
  expect_close(normalise(sr, Normalisation::zscore, false), expected);
  expect_close(normalise(sr, Normalisation::zscore, true), VectorXd(-expected));
}

TEST(MethodsNormalise, RankAveragesTies) {
  const VectorXd pop75 = life_cycle_savings().col(kPop75);
  // rank(x[, "pop75"], ties.method = "average")
  expect_close(normalise(pop75, Normalisation::rank, false),
               vec({32.5, 46, 47, 22,   5,  30.5, 20, 4,    11, 14, 44, 15, 27,   50, 38, 35, 6,
                    2,    34, 9,  45,   40, 24,   8,  42.5, 28, 41, 37, 36, 17.5, 16, 10, 19, 13,
                    30.5, 26, 21, 32.5, 49, 42.5, 12, 17.5, 48, 39, 7,  1,  23,   29, 25, 3}));
  // rank(-x[, "pop75"], ties.method = "average")
  expect_close(normalise(pop75, Normalisation::rank, true),
               vec({18.5, 5,  4,  29,   46, 20.5, 31, 47,   40, 37, 7,  36, 24,   1,  13, 16, 45,
                    49,   17, 42, 6,    11, 27,   43, 8.5,  23, 10, 14, 15, 33.5, 35, 41, 32, 38,
                    20.5, 25, 30, 18.5, 2,  8.5,  39, 33.5, 3,  12, 44, 50, 28,   22, 26, 48}));
  // A constant column needs no scale: every unit ties at (n + 1) / 2.
  expect_close(normalise(VectorXd::Constant(4, 7.0), Normalisation::rank, false),
               VectorXd::Constant(4, 2.5));
}

TEST(MethodsNormalise, DistanceToAReferenceUnit) {
  const VectorXd ddpi = life_cycle_savings().col(kDdpi);
  // x[, "ddpi"] / x[10, "ddpi"] - 1 (Chile, row 9 here)
  const VectorXd expected = vec({0.0250000000000001,
                                 0.403571428571429,
                                 0.364285714285714,
                                 -0.921428571428571,
                                 0.628571428571429,
                                 -0.132142857142857,
                                 -0.0464285714285714,
                                 1.325,
                                 0.1,
                                 0,
                                 0.425,
                                 -0.217857142857143,
                                 0.542857142857143,
                                 0.614285714285714,
                                 0.228571428571429,
                                 1.24285714285714,
                                 -0.471428571428571,
                                 0.139285714285714,
                                 -0.6,
                                 -0.45,
                                 0.0678571428571431,
                                 0.264285714285714,
                                 1.93214285714286,
                                 1.075,
                                 -0.439285714285714,
                                 1.9,
                                 0.292857142857143,
                                 1.73571428571429,
                                 -0.371428571428571,
                                 -0.114285714285714,
                                 0.289285714285714,
                                 -0.632142857142857,
                                 -0.760714285714286,
                                 -0.285714285714286,
                                 1.67142857142857,
                                 -0.217857142857143,
                                 -0.285714285714286,
                                 0.553571428571429,
                                 0.075,
                                 -0.0357142857142856,
                                 0.0571428571428572,
                                 -0.596428571428571,
                                 -0.282142857142857,
                                 -0.125,
                                 -0.810714285714286,
                                 0.835714285714286,
                                 2.65357142857143,
                                 -0.328571428571429,
                                 4.96785714285714,
                                 0.814285714285715});
  expect_close(normalise(ddpi, Normalisation::distance, false, 9), expected);
  expect_close(normalise(ddpi, Normalisation::distance, true, 9), VectorXd(-expected));
}

TEST(MethodsNormalise, RefusesWhatHasNoScale) {
  const VectorXd constant = VectorXd::Constant(5, 3.5);
  expect_error([&] { normalise(constant, Normalisation::minmax, false); }, Error::Kind::usage,
               "constant indicator");
  expect_error([&] { normalise(constant, Normalisation::zscore, true); }, Error::Kind::usage,
               "constant indicator");
  const VectorXd ddpi = life_cycle_savings().col(kDdpi);
  expect_error([&] { normalise(ddpi, Normalisation::distance, false); }, Error::Kind::usage,
               "needs a reference unit");
  expect_error([&] { normalise(ddpi, Normalisation::distance, false, 50); }, Error::Kind::usage,
               "outside the 50 units");
  VectorXd zero_reference = ddpi;
  zero_reference(3) = 0;
  expect_error([&] { normalise(zero_reference, Normalisation::distance, false, 3); },
               Error::Kind::usage, "which is 0 (row 4)");
  VectorXd gap = ddpi;
  gap(2) = kNan;
  expect_error([&] { normalise(gap, Normalisation::minmax, false); }, Error::Kind::usage,
               "row 3, column 1 is nan");
}

// ---------------------------------------------------------------------------
// Weights

TEST(MethodsWeights, EqualAndExpert) {
  const MatrixXd x = life_cycle_savings();
  expect_close(dimension_weights(x, Weighting::equal), VectorXd::Constant(5, 0.2));
  expect_close(dimension_weights(x, Weighting::expert, vec({2, 1, 1, 0, 4})),
               vec({0.25, 0.125, 0.125, 0, 0.5}));
  expect_error(
      [&] {
        dimension_weights(x, Weighting::expert, vec({1, 1}));
      },
      Error::Kind::usage, "2 expert weights for 5 indicators");
  expect_error(
      [&] {
        dimension_weights(x, Weighting::expert, vec({1, -1, 1, 1, 1}));
      },
      Error::Kind::usage, "expert weight 2 is -1");
  expect_error([&] { dimension_weights(x, Weighting::expert, VectorXd::Zero(5)); },
               Error::Kind::usage, "all 0");
}

// fa_weights (reference.R) applies the Handbook's rule to a loading matrix L:
//   L2 <- L^2; ss <- colSums(L2); k <- apply(L2, 1, which.max)
//   w <- L2[cbind(1:nrow(L), k)] / ss[k] * ss[k] / sum(ss); w / sum(w)
TEST(MethodsWeights, PcaFromPrcomp) {
  const MatrixXd x = life_cycle_savings();
  // pc <- prcomp(x, scale. = TRUE); pc$sdev^2 = 2.82207781151558, 1.25606655168753,
  // 0.604525457011694, 0.239644961072645, 0.0776852187125524 two components kept;
  // fa_weights(pc$rotation[, 1:2] %*% diag(pc$sdev[1:2]))
  expect_close(dimension_weights(x, Weighting::pca),
               vec({0.104185173898223, 0.248143173527489, 0.23933288328892, 0.200932187696171,
                    0.207406581589196}));
  // prcomp(x[, c("pop15", "pop75", "dpi")], scale. = TRUE)$sdev^2 =
  //   2.63626437459833, 0.274070911117901, 0.0896647142837682: one component
  // fa_weights(pc3$rotation[, 1, drop = FALSE] * pc3$sdev[1])
  expect_close(dimension_weights(x.middleCols(1, 3), Weighting::pca),
               vec({0.342111541450808, 0.350015673576789, 0.307872784972404}));
  // The weights do not depend on the indicators' scale or direction.
  MatrixXd rescaled = x;
  rescaled.col(kDpi) = -1e-3 * rescaled.col(kDpi);
  expect_close(dimension_weights(rescaled, Weighting::pca), dimension_weights(x, Weighting::pca));
  EXPECT_EQ(dimension_weights(x.col(kSr), Weighting::pca), VectorXd::Ones(1));
}

TEST(MethodsWeights, FactorAnalysisMatchesFactanalWithTwoFactors) {
  const MatrixXd x = life_cycle_savings();
  const FactorAnalysis fa = factor_analysis(x, 2);
  EXPECT_TRUE(fa.converged);
  // fa2 <- factanal(x, factors = 2, control = tight)
  // fa2$uniquenesses
  expect_close(fa.uniquenesses,
               vec({0.232840625273318, 0.0780412037444679, 0.0758291029621075, 0.324510283232469,
                    0.857579922163536}),
               kFactorAnalysis);
  // polish(cor(x), fa2$uniquenesses, 2)
  expect_close(fa.uniquenesses, vec({0.232840625268994, 0.0780412037968612, 0.0758291028856144,
                                     0.324510283301033, 0.857579921075305}));
  // kaiser2(unclass(factanal(x, 2, control = tight, rotation = "none")$loadings))
  expect_close(fa.loadings,
               vec({0.272767852013644, -0.929428325490065, 0.958721249786013, 0.8216199600941,
                    -0.0329892042018533, 0.83232029510385, -0.241084599322084, 0.0708834413419558,
                    -0.020745069085004, 0.375941207147842}),
               kFactorAnalysis);
  // unclass(fa2$loadings), with R's varimax, ~1e-8 short of the maximum:
  //   0.272767835325351, -0.929428320656241, 0.958721248364777, 0.821619960510045,
  //   -0.0329892117395969, 0.832320300572934, -0.241084617957424, 0.070883460564629,
  //   -0.0207450526112563, 0.375941206486397
  // fa2$criteria["objective"]
  expect_close(fa.objective, 0.0542100594286321, kFactorAnalysis);
  // factanal(x, factors = 2)$uniquenesses, R's default control, is ~5e-6 off:
  //   0.232845510907975, 0.0780401349090924, 0.0758300439872163, 0.324512474535097,
  //   0.857572863242962
  // prcomp's two eigenvalues > 1 ask for two factors (1 degree of freedom).
  // fa_weights(kaiser2(...)) as above
  expect_close(dimension_weights(x, Weighting::factor_analysis),
               vec({0.210428118597002, 0.262394429696719, 0.279194918893437, 0.205052357058006,
                    0.0429301757548365}),
               kFactorAnalysis);
}

TEST(MethodsWeights, FactorAnalysisMatchesFactanalWithOneFactor) {
  const MatrixXd x4 = life_cycle_savings().leftCols(4);  // sr, pop15, pop75, dpi
  // prcomp(x4, scale. = TRUE)$sdev^2 = 2.81953830735386, 0.853016919774794, 0.248920835611279,
  // 0.0785239372600738
  const FactorAnalysis fa = factor_analysis(x4, 1);
  EXPECT_TRUE(fa.converged);
  // fa1 <- factanal(x4, factors = 1, control = tight); fa1$uniquenesses
  expect_close(fa.uniquenesses,
               vec({0.84749195056317, 0.0944727727988869, 0.0867213612910733, 0.34780047895568}),
               kFactorAnalysis);
  // polish(cor(x4), fa1$uniquenesses, 1)
  expect_close(fa.uniquenesses,
               vec({0.847491959785711, 0.0944727733653107, 0.0867213607009186, 0.347800476431005}));
  // unclass(fa1$loadings)
  expect_close(fa.loadings,
               vec({0.390522778819586, -0.951591943660392, 0.955656129959578, 0.807588709053997}),
               kFactorAnalysis);
  // fa_weights(unclass(fa1$loadings))
  expect_close(dimension_weights(x4, Weighting::factor_analysis),
               vec({0.0581312216847508, 0.345158220642342, 0.348112812527443, 0.248597745145465}),
               kFactorAnalysis);
}

TEST(MethodsWeights, FactorAnalysisLimits) {
  const MatrixXd x = life_cycle_savings();
  // Two indicators identify no factor: principal components instead.
  expect_close(dimension_weights(x.leftCols(2), Weighting::factor_analysis),
               dimension_weights(x.leftCols(2), Weighting::pca));
  // factanal(x, 3): "3 factors are too many for 5 variables"
  expect_error([&] { factor_analysis(x, 3); }, Error::Kind::usage,
               "3 factors cannot be fitted to 5 indicators");
  MatrixXd collinear = x.leftCols(4);
  collinear.col(3) = collinear.col(0) + 2 * collinear.col(1);
  expect_error([&] { factor_analysis(collinear, 1); }, Error::Kind::usage, "non-singular");
  MatrixXd constant = x;
  constant.col(kPop75).setConstant(2);
  expect_error([&] { dimension_weights(constant, Weighting::pca); }, Error::Kind::usage,
               "column 3 is constant");
  expect_error([&] { dimension_weights(constant, Weighting::factor_analysis); }, Error::Kind::usage,
               "column 3 is constant");
}

// ---------------------------------------------------------------------------
// Aggregation

TEST(MethodsAggregate, ArithmeticAndGeometric) {
  const MatrixXd x = life_cycle_savings();
  const VectorXd wt = vec({0.1, 0.2, 0.3, 0.25, 0.15});
  // (x %*% wt)[1:5]
  expect_close(VectorXd(aggregate(x, wt, Aggregation::arithmetic).head(5)),
               vec({590.7245, 384.781, 535.0965, 56.7695, 192.7765}));
  // exp(log(x) %*% wt)[1:5]
  expect_close(VectorXd(aggregate(x, wt, Aggregation::geometric).head(5)),
               vec({28.0025231873942, 28.7611674779701, 31.5861321280934, 8.66477531655483,
                    16.8346682834514}));
}

TEST(MethodsAggregate, MazziottaParetoPenalisesUnbalance) {
  const MatrixXd x = life_cycle_savings();
  // popsd <- function(v) sqrt(mean((v - mean(v))^2))
  // z <- sweep(sweep(x, 2, colMeans(x)), 2, apply(x, 2, popsd), "/") * 10 + 100
  // M <- rowMeans(z); S <- apply(z, 1, popsd); M + S * (S / M)
  const VectorXd mpi = aggregate(x, VectorXd::Constant(5, 0.2), Aggregation::mazziotta_pareto);
  expect_close(mpi, vec({102.718258676337, 103.616737379907, 105.472584214047, 94.9133549562244,
                         101.048134644945, 103.381587780732, 94.5024277032452, 101.780358978549,
                         97.1191960248728, 100.16273850996,  107.491120110283, 96.0804118632406,
                         101.017045379324, 106.622987335434, 103.715562407739, 101.382753523003,
                         94.8664551056955, 97.8112506312252, 98.0095074365248, 95.8064616876754,
                         102.835616925172, 102.652041820784, 107.732335428797, 97.1900818229,
                         101.984111067761, 105.040497466943, 103.213215135369, 106.236530803467,
                         100.888459643582, 97.4721787252775, 97.1627334529571, 92.8913706022467,
                         98.9158027531637, 99.6811191646845, 102.879472393246, 98.0231250015933,
                         97.1108661704284, 100.204787683571, 105.181937125395, 105.146819466701,
                         96.4021866287346, 94.9937906439114, 101.283425267238, 106.403429916574,
                         98.0156544947259, 104.098369222205, 103.857582818712, 97.0861325309606,
                         111.874454380552, 98.1271334087897}));
  // Weighted: Mw <- drop(z %*% wt); Sw <- sqrt(drop(((z - Mw)^2) %*% wt))
  // (Mw + Sw * (Sw / Mw))[1:5]
  const VectorXd wt = vec({0.1, 0.2, 0.3, 0.25, 0.15});
  expect_close(VectorXd(aggregate(x, wt, Aggregation::mazziotta_pareto).head(5)),
               vec({103.580605071547, 105.055609212576, 106.961756251191, 95.4307080873884,
                    98.9150005766946}));
  // Standardised inside: any affine normalisation gives the same index.
  const MatrixXd shifted = (3 * x).array() + 7;
  expect_close(aggregate(shifted, VectorXd::Constant(5, 0.2), Aggregation::mazziotta_pareto), mpi);
}

TEST(MethodsAggregate, RefusesBadInput) {
  MatrixXd x = life_cycle_savings();
  const VectorXd wt = VectorXd::Constant(5, 0.2);
  expect_error(
      [&] {
        aggregate(x, vec({0.5, 0.5}), Aggregation::arithmetic);
      },
      Error::Kind::usage, "2 weights for 5 components");
  expect_error([&] { aggregate(x, VectorXd::Constant(5, 0.3), Aggregation::arithmetic); },
               Error::Kind::usage, "sum to 1.5");
  MatrixXd zero = x;
  zero(7, kDdpi) = 0;
  expect_error([&] { aggregate(zero, wt, Aggregation::geometric); }, Error::Kind::usage,
               "row 8, column 5 is 0");
  MatrixXd constant = x;
  constant.col(kSr).setConstant(1);
  expect_error([&] { aggregate(constant, wt, Aggregation::mazziotta_pareto); }, Error::Kind::usage,
               "column 1 is constant");
  x(0, 0) = kNan;
  expect_error([&] { aggregate(x, wt, Aggregation::arithmetic); }, Error::Kind::usage,
               "impute missing values first");
}

// ---------------------------------------------------------------------------
// Diagnostics

TEST(MethodsDiagnose, MatchesCorAlphaAndPrcomp) {
  const DimensionDiagnostics d = diagnose(life_cycle_savings());
  // cor(x)
  expect_close(d.correlation, vec({1,
                                   -0.455538086473854,
                                   0.316521123970757,
                                   0.220358917225162,
                                   0.304787157979768,
                                   -0.455538086473854,
                                   1,
                                   -0.908478708206678,
                                   -0.756188100360944,
                                   -0.0478256948413968,
                                   0.316521123970757,
                                   -0.908478708206678,
                                   1,
                                   0.786999512484023,
                                   0.0253213819924132,
                                   0.220358917225162,
                                   -0.756188100360944,
                                   0.786999512484023,
                                   1,
                                   -0.129485520037647,
                                   0.304787157979768,
                                   -0.0478256948413968,
                                   0.0253213819924132,
                                   -0.129485520037647,
                                   1}));
  // a <- psych::alpha(as.data.frame(x), check.keys = FALSE)
  // a$total$raw_alpha; by the formula, k / (k - 1) * (1 - sum(diag(C)) / sum(C))
  expect_close(d.cronbach_alpha, -0.013551079717643);
  // a$total$std.alpha; by the formula, k / (k - 1) * (1 - k / sum(R))
  expect_close(d.standardised_alpha, -0.433300382329816);
  // prcomp(x, scale. = TRUE)$sdev^2 and its shares
  expect_close(d.eigenvalues, vec({2.82207781151558, 1.25606655168753, 0.604525457011694,
                                   0.239644961072645, 0.0776852187125524}));
  expect_close(d.explained, vec({0.564415562303116, 0.251213310337505, 0.120905091402339,
                                 0.0479289922145291, 0.0155370437425105}));
  // a$item.stats$r.drop = 0.218829274591114, -0.758306232801499, 0.785092503038862,
  // -0.66067802198025, -0.129155319538872
  EXPECT_EQ(d.negatively_correlated, std::vector<bool>({false, true, false, true, true}));
}

TEST(MethodsDiagnose, OneIndicatorAndConstantColumns) {
  const MatrixXd x = life_cycle_savings();
  const DimensionDiagnostics one = diagnose(x.col(kSr));
  EXPECT_TRUE(std::isnan(one.cronbach_alpha));
  EXPECT_TRUE(std::isnan(one.standardised_alpha));
  expect_close(one.eigenvalues, vec({1.0}));
  EXPECT_EQ(one.negatively_correlated, std::vector<bool>({false}));
  MatrixXd constant = x;
  constant.col(kDpi).setConstant(0);
  expect_error([&] { diagnose(constant); }, Error::Kind::usage, "column 4 is constant");
}

}  // namespace
}  // namespace vigil::index
