// vigil's GLM inference (src/glm/inference.hpp) against R 4.2.2 with
// sandwich 3.0.2 and MASS 7.3-58.2.
//
// The models are fitted to the design matrices under
// tests/fixtures/glm/inference/ (written by make_fixtures.R there; its
// README.md gives each data set's source), so that R and vigil see the same
// doubles. Every expected number was printed by reference.R in that
// directory with sprintf("%.15g", ...); the R command behind each is quoted
// beside it. There R fits with
//   tight <- glm.control(epsilon = 1e-14, maxit = 100)
// and each glm() is fitted a second time from its own estimate
// (start = coef(fit)): summary.glm and sandwich use the working weights of
// glm()'s last iteration, computed from the iterate before it, and the
// restart puts them at the estimate, where vigil evaluates them.
// Matrices are quoted row by row, as R's t(m) prints them.
//
// Tolerances:
//   covariances, statistics, p-values, Wald bounds: 1e-8 relative, with a
//     floor of 1e-10 times the largest entry of a matrix for entries that
//     are near 0 by cancellation;
//   profile bounds against R's exact crossing of the profile (uniroot to
//     1e-13 on glm.fit refits, exact_profile() in reference.R): 1e-6
//     absolute;
//   profile bounds against MASS's confint(): 1e-4 absolute, since MASS
//     interpolates a spline through a grid of profile points (its bounds are
//     up to ~2.5e-5 from the exact crossings on these models).
#include "glm/inference.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <limits>
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

constexpr double kRelative = 1e-8;
constexpr double kMatrixFloor = 1e-10;
constexpr double kExactProfile = 1e-6;
constexpr double kMassProfile = 1e-4;

// One fixture file: the response, prior weights, offset and cluster ids,
// then the columns of R's model.matrix().
struct Fixture {
  VectorXd response;
  VectorXd weight;
  VectorXd offset;
  std::vector<int> cluster;
  MatrixXd design;
  std::vector<std::string> terms;
};

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream stream(line);
  std::string field;
  while (std::getline(stream, field, ',')) fields.push_back(field);
  return fields;
}

Fixture read_fixture(const std::string& name) {
  const std::string path = std::string(VIGIL_FIXTURES_DIR) + "/glm/inference/" + name + ".csv";
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::string line;
  std::getline(in, line);
  const std::vector<std::string> header = split(line);
  constexpr std::size_t kLeading = 4;  // response, weight, offset, cluster
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<double> values;
    for (const std::string& field : split(line)) values.push_back(std::stod(field));
    rows.push_back(std::move(values));
  }
  Fixture f;
  const auto n = static_cast<Index>(rows.size());
  const auto p = static_cast<Index>(header.size() - kLeading);
  f.terms.assign(header.begin() + kLeading, header.end());
  f.response.resize(n);
  f.weight.resize(n);
  f.offset.resize(n);
  f.design.resize(n, p);
  for (Index i = 0; i < n; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i)];
    f.response(i) = row[0];
    f.weight(i) = row[1];
    f.offset(i) = row[2];
    f.cluster.push_back(static_cast<int>(row[3]));
    for (Index j = 0; j < p; ++j) f.design(i, j) = row[kLeading + static_cast<std::size_t>(j)];
  }
  return f;
}

// A fixture fitted on some of its columns (all by default).
struct Model {
  MatrixXd design;
  VectorXd response;
  GlmOptions options;
  GlmFit fit;
  std::vector<std::string> terms;

  GlmInput input() const { return {design, response, options}; }
};

Model fit_model(const Fixture& f, Family family, std::vector<Index> columns = {}) {
  if (columns.empty()) {
    for (Index j = 0; j < f.design.cols(); ++j) columns.push_back(j);
  }
  Model m;
  m.design.resize(f.design.rows(), static_cast<Index>(columns.size()));
  for (std::size_t c = 0; c < columns.size(); ++c) {
    m.design.col(static_cast<Index>(c)) = f.design.col(columns[c]);
    m.terms.push_back(f.terms[static_cast<std::size_t>(columns[c])]);
  }
  m.response = f.response;
  m.options.family = family;
  m.options.weights = f.weight;
  if ((f.offset.array() != 0).any()) m.options.offset = f.offset;
  m.fit = fit_glm(m.design, m.response, m.options);
  EXPECT_TRUE(m.fit.converged);
  return m;
}

void expect_close(double actual, double expected, double relative = kRelative,
                  double absolute = 1e-14) {
  EXPECT_LE(std::abs(actual - expected), relative * std::abs(expected) + absolute)
      << "actual " << actual << ", expected " << expected;
}

// `expected` row by row.
void expect_matrix(const MatrixXd& actual, std::initializer_list<double> expected) {
  ASSERT_EQ(static_cast<std::size_t>(actual.size()), expected.size());
  double largest = 0;
  for (const double e : expected) largest = std::max(largest, std::abs(e));
  auto it = expected.begin();
  for (Index i = 0; i < actual.rows(); ++i) {
    for (Index j = 0; j < actual.cols(); ++j, ++it) {
      SCOPED_TRACE("entry (" + std::to_string(i) + ", " + std::to_string(j) + ")");
      expect_close(actual(i, j), *it, kRelative, kMatrixFloor * largest);
    }
  }
}

// Interval bounds (lower, upper) per coefficient, as R's confint() prints
// them row by row.
void expect_intervals(const std::vector<CoefficientRow>& table,
                      std::initializer_list<double> expected, double absolute) {
  ASSERT_EQ(2 * table.size(), expected.size());
  auto it = expected.begin();
  for (const CoefficientRow& row : table) {
    SCOPED_TRACE(row.term);
    EXPECT_NEAR(row.ci_lower, *it++, absolute);
    EXPECT_NEAR(row.ci_upper, *it++, absolute);
  }
}

// Rows of (estimate, std_error, statistic, p_value, ci_lower, ci_upper).
void expect_table(const std::vector<CoefficientRow>& table,
                  std::initializer_list<double> expected) {
  ASSERT_EQ(6 * table.size(), expected.size());
  auto it = expected.begin();
  for (const CoefficientRow& row : table) {
    SCOPED_TRACE(row.term);
    expect_close(row.estimate, *it++);
    expect_close(row.std_error, *it++);
    expect_close(row.statistic, *it++);
    expect_close(row.p_value, *it++, kRelative, 1e-300);
    expect_close(row.ci_lower, *it++);
    expect_close(row.ci_upper, *it++);
  }
}

// ---------------------------------------------------------------------------
// Robust covariance, Poisson.

// qd <- fixture("quine")  # glm(Days ~ Eth + Sex + Age + Lrn, poisson, quine)
// qp <- fitx(qd, poisson)
TEST(InferenceRobust, QuinePoissonHc0Hc1Hc3) {
  const Model m = fit_model(read_fixture("quine"), Family::poisson);
  SCOPED_TRACE("vcovHC(qp, type = \"HC0\")");
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc0),
      {0.0553765598388155,  -0.00881579506792761, -0.0215448904518217,  -0.0354582138872226,
       -0.0330702505273403, -0.0457644983558026,  -0.00838893529551194, -0.00881579506792762,
       0.0235085776222745,  0.00830629028087386,  -0.0087895060778675,  -0.00850647057841046,
       0.00149199592478384, 0.000694558509082937, -0.0215448904518217,  0.00830629028087386,
       0.024026576548627,   0.000942663831989137, -0.00238194948818878, 0.00936449191300452,
       0.00794365882498302, -0.0354582138872227,  -0.0087895060778675,  0.000942663831989153,
       0.0711109645795082,  0.048110208936242,    0.0386895307091481,   -0.0181447840817942,
       -0.0330702505273404, -0.00850647057841047, -0.00238194948818876, 0.048110208936242,
       0.0623350712016138,  0.0377501174477329,   -0.015831944378483,   -0.0457644983558026,
       0.00149199592478385, 0.00936449191300452,  0.0386895307091481,   0.0377501174477329,
       0.0613464198866109,  0.00487694730999271,  -0.00838893529551191, 0.000694558509082934,
       0.00794365882498302, -0.0181447840817942,  -0.015831944378483,   0.00487694730999272,
       0.0351742552823825});
  SCOPED_TRACE("vcovHC(qp, type = \"HC1\")");
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc1),
      {0.0581653074565981,  -0.00925975597062909, -0.0226298849350072,  -0.0372438793347809,
       -0.0347356588272786, -0.0480691853233614,  -0.00881139966291197, -0.0092597559706291,
       0.0246924628262739,  0.00872459266911934,  -0.0092321430745946,  -0.00893485398883397,
       0.00156713241020469, 0.000729536275727444, -0.0226298849350072,  0.00872459266911934,
       0.0252365480294932,  0.000990136111298059, -0.00250190377896076, 0.00983608503092577,
       0.00834369919746425, -0.0372438793347808,  -0.00923214307459462, 0.000990136111298028,
       0.0746920922921453,  0.0505330252136068,   0.0406379243419831,   -0.0190585501866327,
       -0.0347356588272787, -0.00893485398883396, -0.00250190377896074, 0.0505330252136068,
       0.0654742474491772,  0.0396512024990578,   -0.016629236541428,   -0.0480691853233614,
       0.00156713241020469, 0.00983608503092575,  0.0406379243419831,   0.0396512024990577,
       0.064435807938455,   0.00512254897308604,  -0.00881139966291199, 0.000729536275727435,
       0.00834369919746426, -0.0190585501866327,  -0.016629236541428,   0.00512254897308603,
       0.0369456206563155});
  SCOPED_TRACE("vcovHC(qp, type = \"HC3\")");
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc3),
      {0.0624540392080316,  -0.00994656583248874, -0.0239055582355902,  -0.0407399796202945,
       -0.0379440852675837, -0.0516338510387956,  -0.00883673664968687, -0.00994656583248875,
       0.0261126247281319,  0.00923931372121824,  -0.0096656613993409,  -0.00960613611613056,
       0.00159641978246488, 0.000881489457591987, -0.0239055582355902,  0.00923931372121823,
       0.0269307827717328,  0.000840837728034606, -0.00296105460421723, 0.0102362145004476,
       0.00915339885980833, -0.0407399796202945,  -0.00966566139934091, 0.000840837728034608,
       0.0808266525749533,  0.0557197330789878,   0.0443935962040121,   -0.021455068590461,
       -0.0379440852675837, -0.00960613611613055, -0.00296105460421721, 0.0557197330789878,
       0.071711903716424,   0.0433439293236525,   -0.0187645395855088,  -0.0516338510387957,
       0.00159641978246489, 0.0102362145004476,   0.0443935962040121,   0.0433439293236525,
       0.0688026042119207,  0.00473586692294258,  -0.0088367366496869,  0.000881489457591986,
       0.00915339885980834, -0.0214550685904609,  -0.0187645395855088,  0.00473586692294255,
       0.0399656410647896});
}

// Clustered by the four age groups (the fixture's cluster column is
// as.integer(quine$Age)).
TEST(InferenceRobust, QuinePoissonClusteredByAge) {
  const Fixture f = read_fixture("quine");
  const Model m = fit_model(f, Family::poisson);
  const MatrixXd clustered = robust_covariance(m.design, m.fit, RobustType::cluster, f.cluster);
  // vcovCL(qp, cluster = ~Age, type = "HC1")
  expect_matrix(
      clustered,
      {0.0719803081778307,   -0.0301182778575662,   -0.071640270607728,   -0.0121490805597283,
       -0.0027245731787626,  -0.0269518712098158,   -0.0310638400315253,  -0.0301182778575662,
       0.09657329128911,     -0.000974258535056712, 0.000475715684330657, 0.00632943922458911,
       -0.00640586970909921, -0.0169595059126515,   -0.071640270607728,   -0.000974258535056711,
       0.0831739802007435,   0.014244661938472,     0.00109500864189478,  0.0331251126586808,
       0.041140184859903,    -0.0121490805597283,   0.000475715684330657, 0.014244661938472,
       0.00274846495420647,  0.00046489910725417,   0.00530679021207667,  0.00608549911835421,
       -0.0027245731787626,  0.00632943922458912,   0.00109500864189478,  0.00046489910725417,
       0.000612531611832142, -0.000211058146593679, -0.00119737625970765, -0.0269518712098158,
       -0.00640586970909921, 0.0331251126586808,    0.00530679021207666,  -0.000211058146593679,
       0.0139170589633831,   0.0183227378303792,    -0.0310638400315253,  -0.0169595059126515,
       0.041140184859903,    0.00608549911835421,   -0.00119737625970765, 0.0183227378303792,
       0.025536535293156});
  // vcovCL(qp, cluster = ~Age), whose default type for a glm is "HC0":
  // G / (G - 1) without vigil's (n - 1) / (n - k), here 145 / 139.
  const double n = 146;
  const double k = 7;
  expect_matrix(
      clustered * (n - k) / (n - 1),
      {0.0690018126670239,   -0.0288720042910462,   -0.0686758456170634,  -0.011646359984843,
       -0.00261183221964139, -0.025836621366651,    -0.0297784397543587,  -0.0288720042910462,
       0.0925771550978365,   -0.000933944388778503, 0.000456030897392835, 0.00606753139460612,
       -0.00614079923837786, -0.0162577332541969,   -0.0686758456170634,  -0.000933944388778502,
       0.0797322982614024,   0.0136552276513628,    0.00104969793947154,  0.0317544183417699,
       0.0394378323829415,   -0.011646359984843,    0.000456030897392836, 0.0136552276513628,
       0.00263473536989447,  0.000445661902816066,  0.00508719889295625,  0.00583368536173266,
       -0.00261183221964139, 0.00606753139460612,   0.00104969793947154,  0.000445661902816066,
       0.000587185476170123, -0.000202324706044975, -0.00114782965585767, -0.025836621366651,
       -0.00614079923837786, 0.0317544183417699,    0.00508719889295625,  -0.000202324706044975,
       0.01334118066145,     0.017564555575329,     -0.0297784397543587,  -0.0162577332541969,
       0.0394378323829415,   0.00583368536173266,   -0.00114782965585767, 0.017564555575329,
       0.0244798510741288});
}

// wb <- fixture("warpbreaks")  # glm(breaks ~ wool + tension, poisson, warpbreaks)
// wp <- fitx(wb, poisson)
TEST(InferenceRobust, WarpbreaksPoisson) {
  const Fixture f = read_fixture("warpbreaks");
  const Model m = fit_model(f, Family::poisson);
  // vcovHC(wp, type = "HC0")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc0),
      {0.0135904689840277, -0.00784238177475217, -0.010441217801881, -0.00923708894027048,
       -0.00784238177475217, 0.0108829459766899, 0.00378289858607106, 0.00109920962764283,
       -0.010441217801881, 0.00378289858607106, 0.0166296557870119, 0.00874389093628863,
       -0.00923708894027047, 0.00109920962764283, 0.00874389093628862, 0.0156061047990885});
  // vcovHC(wp, type = "HC3")
  expect_matrix(robust_covariance(m.design, m.fit, RobustType::hc3),
                {0.0161139509488802, -0.00928121324247519, -0.0123574195545993, -0.0109692121281401,
                 -0.00928121324247518, 0.012766913651454, 0.00446178587821554, 0.00136783384270535,
                 -0.0123574195545993, 0.00446178587821554, 0.0195261181637579, 0.0103554866802947,
                 -0.0109692121281401, 0.00136783384270535, 0.0103554866802947, 0.0183320513301229});
  // vcovCL(wp, cluster = ~ wool:tension, type = "HC1"): six clusters of nine
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::cluster, f.cluster),
      {0.012092770761379, -0.00676781142498217, -0.00974637286138455, -0.00907047773670119,
       -0.00676781142498217, 0.0169633880956166, 0.000694909938314461, -0.000811483887959279,
       -0.00974637286138454, 0.00069490993831446, 0.0331637201265965, 0.00943457774432502,
       -0.00907047773670119, -0.000811483887959282, 0.00943457774432503, 0.0100340698957562});
}

// glm(count ~ spray, poisson, InsectSprays): with one factor the fit is
// saturated in the group means, every score sums to 0 within a group.
// is <- fixture("insect_sprays"); ip <- fitx(is, poisson)
TEST(InferenceRobust, InsectSpraysPoisson) {
  const Model m = fit_model(read_fixture("insect_sprays"), Family::poisson);
  // vcovHC(ip, type = "HC1")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc1),
      {0.0088278744640219,   -0.00882787446402189, -0.00882787446402188, -0.00882787446402191,
       -0.00882787446402191, -0.0088278744640219,  -0.00882787446402188, 0.0152937620735768,
       0.00882787446402186,  0.0088278744640219,   0.00882787446402189,  0.00882787446402188,
       -0.00882787446402187, 0.00882787446402186,  0.083736965373112,    0.00882787446402187,
       0.00882787446402188,  0.00882787446402188,  -0.00882787446402191, 0.0088278744640219,
       0.00882787446402188,  0.0304256389517606,   0.00882787446402191,  0.0088278744640219,
       -0.0088278744640219,  0.00882787446402189,  0.00882787446402188,  0.00882787446402191,
       0.029236037729328,    0.0088278744640219,   -0.0088278744640219,  0.00882787446402189,
       0.00882787446402188,  0.0088278744640219,   0.0088278744640219,   0.0204096926458401});
  // vcovHC(ip, type = "HC3")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc3),
      {0.00963040850620572,  -0.00963040850620571, -0.00963040850620569, -0.00963040850620573,
       -0.00963040850620572, -0.00963040850620572, -0.00963040850620571, 0.0166841040802656,
       0.00963040850620569,  0.00963040850620573,  0.00963040850620572,  0.00963040850620571,
       -0.0096304085062057,  0.00963040850620569,  0.0913494167706675,   0.00963040850620569,
       0.0096304085062057,   0.0096304085062057,   -0.00963040850620573, 0.00963040850620572,
       0.0096304085062057,   0.0331916061291934,   0.00963040850620574,  0.00963040850620572,
       -0.00963040850620571, 0.00963040850620571,  0.0096304085062057,   0.00963040850620572,
       0.0318938593410851,   0.00963040850620571,  -0.00963040850620572, 0.00963040850620571,
       0.0096304085062057,   0.00963040850620572,  0.00963040850620573,  0.0222651192500074});
}

// Prior weight 0 on observations 3 and 50: vigil gives the sandwich of the
// fit without them. R's sandwich on the weighted fit does not (it counts
// them in n: HC0 comes out (144/146)^2 times too small, and HC3 fails), so
// the reference is the fit to the other 144 observations:
// qs <- fitx(<quine without rows 3 and 50>, poisson)
TEST(InferenceRobust, ZeroPriorWeightsAreLeftOut) {
  Fixture f = read_fixture("quine");
  f.weight(2) = 0;
  f.weight(49) = 0;
  const Model m = fit_model(f, Family::poisson);
  // vcovHC(qs, type = "HC0")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc0),
      {0.0568323767152464,  -0.00997970675766411, -0.0211536576895852,  -0.036289440768291,
       -0.0348565382875214, -0.0469313539021776,  -0.00724350278296021, -0.00997970675766412,
       0.0235989260458362,  0.00820101760098312,  -0.00796919868912596, -0.00708996012929896,
       0.00272022489720497, 0.000327770109198486, -0.0211536576895852,  0.00820101760098311,
       0.0246116658129434,  -0.00169461570565829, -0.00411729747466619, 0.00855516575149971,
       0.00957975362801565, -0.0362894407682909,  -0.00796919868912598, -0.00169461570565829,
       0.0789487683148222,  0.0540704570737528,   0.0404143751566176,   -0.0242299938562688,
       -0.0348565382875214, -0.00708996012929896, -0.00411729747466618, 0.0540704570737528,
       0.0676866309447311,  0.0399017752834149,   -0.0208604867982783,  -0.0469313539021776,
       0.00272022489720497, 0.00855516575149971,  0.0404143751566177,   0.0399017752834149,
       0.0623652072471476,  0.0030602750410689,   -0.00724350278296025, 0.000327770109198482,
       0.00957975362801565, -0.0242299938562688,  -0.0208604867982783,  0.00306027504106889,
       0.0394491128932804});
  // vcovHC(qs, type = "HC3")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc3),
      {0.0644691681892247,  -0.011312257902821,   -0.0233918463892989,  -0.0423413470422915,
       -0.0405780213254642, -0.053340870656547,   -0.007219739189683,   -0.0113122579028211,
       0.0263220060862714,  0.00913977003286146,  -0.00874793442796811, -0.0080205818186215,
       0.00298586010742135, 0.000474929452196987, -0.0233918463892989,  0.00913977003286146,
       0.0277259617377541,  -0.00240875573995594, -0.00519602263026641, 0.00919086870334213,
       0.0112127028602877,  -0.0423413470422915,  -0.00874793442796811, -0.00240875573995595,
       0.0910352960651993,  0.0637893804127478,   0.0471357643943844,   -0.0291311272756737,
       -0.0405780213254643, -0.0080205818186215,  -0.00519602263026641, 0.0637893804127478,
       0.0790681103848223,  0.0465203546954148,   -0.0252384385906163,  -0.053340870656547,
       0.00298586010742133, 0.00919086870334211,  0.0471357643943844,   0.0465203546954148,
       0.070411989830265,   0.00226092106792405,  -0.007219739189683,   0.000474929452196983,
       0.0112127028602877,  -0.0291311272756737,  -0.0252384385906164,  0.00226092106792404,
       0.045361012024216});
  // vcovCL(qs, cluster = ~Age, type = "HC1")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::cluster, f.cluster),
      {0.0681867966426689,   -0.0331314276003039,  -0.0673342065826668,  -0.00832465051958339,
       -0.00136441696901533, -0.0237718066587386,  -0.0289546672724852,  -0.0331314276003039,
       0.0946275719717389,   -0.00136178463135289, 0.00176440163126428,  0.00851619665997846,
       -0.00236913386851913, -0.0140252951878562,  -0.0673342065826668,  -0.00136178463135289,
       0.0816812448885222,   0.0096484636920553,   -0.00177065380015718, 0.0293265891178827,
       0.0400337393894402,   -0.00832465051958339, 0.00176440163126428,  0.0096484636920553,
       0.00156283117178463,  0.000256351006337904, 0.00309971180645032,  0.00352805387696475,
       -0.00136441696901533, 0.00851619665997846,  -0.00177065380015718, 0.000256351006337904,
       0.00102298485982087,  -0.00105314532512984, -0.00277460793896388, -0.0237718066587386,
       -0.00236913386851913, 0.0293265891178827,   0.00309971180645032,  -0.00105314532512984,
       0.0108438070338779,   0.0154283320288096,   -0.0289546672724852,  -0.0140252951878562,
       0.0400337393894402,   0.00352805387696475,  -0.00277460793896388, 0.0154283320288096,
       0.0237554490432179});
}

// A fifth column woolB + tensionM is aliased. R drops it from vcovHC (which
// then equals the four-column model's: checked in reference.R with R's
// default control, to the 1e-5 that its default tolerance allows); vigil
// keeps its place with NaN.
TEST(InferenceRobust, AliasedColumnIsNan) {
  Fixture f = read_fixture("warpbreaks");
  f.design.conservativeResize(Eigen::NoChange, 5);
  f.design.col(4) = f.design.col(1) + f.design.col(2);
  f.terms.push_back("woolB+tensionM");
  const Model m = fit_model(f, Family::poisson);
  ASSERT_TRUE(m.fit.aliased[4]);
  const MatrixXd hc3 = robust_covariance(m.design, m.fit, RobustType::hc3);
  for (Index j = 0; j < 5; ++j) {
    EXPECT_TRUE(std::isnan(hc3(4, j)));
    EXPECT_TRUE(std::isnan(hc3(j, 4)));
  }
  // vcovHC(wp, type = "HC3") of the four-column model
  expect_matrix(hc3.topLeftCorner(4, 4),
                {0.0161139509488802, -0.00928121324247519, -0.0123574195545993, -0.0109692121281401,
                 -0.00928121324247518, 0.012766913651454, 0.00446178587821554, 0.00136783384270535,
                 -0.0123574195545993, 0.00446178587821554, 0.0195261181637579, 0.0103554866802947,
                 -0.0109692121281401, 0.00136783384270535, 0.0103554866802947, 0.0183320513301229});
}

TEST(InferenceRobust, RejectsInconsistentArguments) {
  const Fixture f = read_fixture("warpbreaks");
  const Model m = fit_model(f, Family::poisson);
  const auto throws_usage = [](auto&& call) {
    try {
      call();
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::usage) << e.what();
    }
  };
  // Cluster ids with a non-clustered type, none with `cluster`, too few.
  throws_usage([&] { robust_covariance(m.design, m.fit, RobustType::hc0, f.cluster); });
  throws_usage([&] { robust_covariance(m.design, m.fit, RobustType::cluster); });
  const std::vector<int> short_ids(f.cluster.begin(), f.cluster.end() - 1);
  throws_usage([&] { robust_covariance(m.design, m.fit, RobustType::cluster, short_ids); });
  const std::vector<int> one_cluster(f.cluster.size(), 7);
  throws_usage([&] { robust_covariance(m.design, m.fit, RobustType::cluster, one_cluster); });
  // A design that is not the fit's.
  throws_usage([&] { robust_covariance(m.design.leftCols(3), m.fit, RobustType::hc0); });
  throws_usage([&] { robust_covariance(m.design.topRows(10), m.fit, RobustType::hc0); });
}

// ---------------------------------------------------------------------------
// Coefficient tables.

// With the HC0 covariance: estimate, se = sqrt(diag(V)), z, 2 pnorm(-|z|),
// estimate -/+ qnorm(0.975) se; wald_rows(qp, vcovHC(qp, type = "HC0")).
TEST(InferenceTable, QuinePoissonRobustWald) {
  const Model m = fit_model(read_fixture("quine"), Family::poisson);
  const MatrixXd hc0 = robust_covariance(m.design, m.fit, RobustType::hc0);
  const auto table = coefficient_table(m.input(), m.fit, m.terms, hc0);
  ASSERT_EQ(table.size(), 7U);
  EXPECT_EQ(table[0].term, "(Intercept)");
  EXPECT_EQ(table[6].term, "LrnSL");
  expect_table(table,
               {2.71538021894765,    0.235322246799608,  11.5389864574086,    8.39080527286019e-31,
                2.25415709045937,    3.17660334743592,   -0.533604325247452,  0.153325071734125,
                -3.48021572214071,   0.0005010102005245, -0.834115943773357,  -0.233092706721548,
                0.161596589071639,   0.155005085557304,  1.04252443389607,    0.297168603282839,
                -0.142207796041225,  0.465400974184504,  -0.333901364112443,  0.26666639191977,
                -1.25213140549373,   0.210521985666737,  -0.856557888162434,  0.188755159937548,
                0.257828351909073,   0.249669924503561,  1.03267685293587,    0.301755149334125,
                -0.231515708140741,  0.747172411958887,  0.427693828529194,   0.247682094400485,
                1.72678541646067,    0.0842062085630396, -0.0577541561112074, 0.913141813169595,
                0.348942964284801,   0.18754800794032,   1.86055276255367,    0.0628073608735644,
                -0.0186443766504585, 0.716530305220061});
}

// summary(wp)$coefficients and confint.default(wp):
// wald_rows(wp, vcov(wp)). The intercept's p-value is 0 in double precision.
TEST(InferenceTable, WarpbreaksPoissonModelWald) {
  const Model m = fit_model(read_fixture("warpbreaks"), Family::poisson);
  const auto table = coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance);
  expect_table(table,
               {3.69196314494079,   0.045410794342801,    81.3014438168726,   0,
                3.60295962351955,   3.78096666636204,     -0.205988442638621, 0.0515712427837298,
                -3.99425011924684,  6.48993254982984e-05, -0.307066221132702, -0.104910664144539,
                -0.32132043160061,  0.0602659166954809,   -5.33171067859497,  9.7291860049135e-08,
                -0.439439457819044, -0.203201405382177,   -0.51848849651156,  0.0639595193958996,
                -8.10651020221392,  5.20943463118307e-16, -0.643846850996014, -0.393130142027105});
}

TEST(InferenceTable, AliasedRowIsNanAndArgumentsAreChecked) {
  Fixture f = read_fixture("warpbreaks");
  f.design.conservativeResize(Eigen::NoChange, 5);
  f.design.col(4) = f.design.col(1) + f.design.col(2);
  f.terms.push_back("woolB+tensionM");
  const Model m = fit_model(f, Family::poisson);
  for (const IntervalMethod method : {IntervalMethod::wald, IntervalMethod::profile}) {
    const auto table = coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, method);
    ASSERT_EQ(table.size(), 5U);
    EXPECT_EQ(table[4].term, "woolB+tensionM");
    EXPECT_TRUE(std::isnan(table[4].estimate));
    EXPECT_TRUE(std::isnan(table[4].std_error));
    EXPECT_TRUE(std::isnan(table[4].p_value));
    EXPECT_TRUE(std::isnan(table[4].ci_lower));
    EXPECT_TRUE(std::isnan(table[4].ci_upper));
    // The other rows are the four-column model's: confint(wp)'s exact bounds.
    const std::vector<CoefficientRow> kept(table.begin(), table.begin() + 4);
    if (method == IntervalMethod::profile) {
      expect_intervals(
          kept,
          {3.60191874129503, 3.77994461614904, -0.307262616501881, -0.105063877209712,
           -0.43984462343876, -0.203537317090848, -0.644553213657825, -0.393752654667942},
          kExactProfile);
    }
  }
  const std::vector<std::string> too_few(m.terms.begin(), m.terms.end() - 1);
  EXPECT_THROW(coefficient_table(m.input(), m.fit, too_few, m.fit.covariance), Error);
  EXPECT_THROW(coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance.topRows(4)), Error);
  EXPECT_THROW(coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 1.0), Error);
  EXPECT_THROW(profile_interval(m.input(), m.fit, 5), Error);
}

// ---------------------------------------------------------------------------
// Profile-likelihood intervals.

// exact_profile(wp, wb, poisson(), 1) and confint(wp) (MASS).
TEST(InferenceProfile, WarpbreaksPoisson) {
  const Model m = fit_model(read_fixture("warpbreaks"), Family::poisson);
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  expect_intervals(table,
                   {3.60191874129503, 3.77994461614904, -0.307262616501881, -0.105063877209712,
                    -0.43984462343876, -0.203537317090848, -0.644553213657825, -0.393752654667942},
                   kExactProfile);
  expect_intervals(table,
                   {3.60191712802439, 3.77994296193041, -0.3072629880523, -0.10506405315713,
                    -0.439845362928813, -0.203537748247584, -0.644554448142065, -0.393753537414809},
                   kMassProfile);
  // exact_profile(wp, wb, poisson(), 1, level = 0.9)
  const auto table90 =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.9, IntervalMethod::profile);
  expect_intervals(table90,
                   {3.61653701807561, 3.76593636853807, -0.290951455485921, -0.121271640809712,
                    -0.420730453558751, -0.222432297530235, -0.62418523396311, -0.413727579448442},
                   kExactProfile);
  // The profile does not depend on the covariance passed for the table.
  const auto robust = coefficient_table(m.input(), m.fit, m.terms,
                                        robust_covariance(m.design, m.fit, RobustType::hc0), 0.95,
                                        IntervalMethod::profile);
  for (std::size_t j = 0; j < table.size(); ++j) {
    EXPECT_EQ(robust[j].ci_lower, table[j].ci_lower);
    EXPECT_EQ(robust[j].ci_upper, table[j].ci_upper);
  }
}

// With the intercept the only column, each refit is the model with no free
// coefficient: glm(breaks ~ 1, poisson, warpbreaks);
// exact_profile(wp_one, ..., poisson(), 1).
TEST(InferenceProfile, InterceptOnly) {
  const Model m = fit_model(read_fixture("warpbreaks"), Family::poisson, {0});
  const Interval interval = profile_interval(m.input(), m.fit, 0);
  const double expected[] = {3.28678478628061, 3.3873358757814};
  EXPECT_NEAR(interval.lower, expected[0], kExactProfile);
  EXPECT_NEAR(interval.upper, expected[1], kExactProfile);
}

// A group whose counts are all 0 sends its coefficient to -infinity: the
// estimate does not exist and neither does a lower bound. The upper bound
// has a closed form: with b the group's coefficient fixed, the intercept's
// score equation gives exp(b0) = 4 / (1 + exp(b)) (group means 4 and 0,
// three observations each), and the deviance rises by 24 log(1 + exp(b)),
// so z(b) = q at b = log(exp(q^2 / 24) - 1).
TEST(InferenceProfile, InfiniteBoundWhenTheEstimateDoesNotExist) {
  MatrixXd design(6, 2);
  design << 1, 0, 1, 0, 1, 0, 1, 1, 1, 1, 1, 1;
  VectorXd counts(6);
  counts << 3, 5, 4, 0, 0, 0;
  const GlmOptions options;
  const GlmFit fit = fit_glm(design, counts, options);
  const Interval interval = profile_interval({design, counts, options}, fit, 1);
  const double q = 1.959963984540054;  // qnorm(0.975)
  EXPECT_EQ(interval.lower, -std::numeric_limits<double>::infinity());
  EXPECT_NEAR(interval.upper, std::log(std::exp(q * q / 24) - 1), kExactProfile);
}

// glm(count ~ spray, poisson, InsectSprays): spray C's small counts make
// its profile markedly asymmetric.
TEST(InferenceProfile, InsectSpraysPoisson) {
  const Model m = fit_model(read_fixture("insect_sprays"), Family::poisson);
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  // exact_profile(ip, is, poisson(), 1)
  expect_intervals(table,
                   {2.52179166276432, 2.81914291040182, -0.151360422424725, 0.263521720437512,
                    -2.38323211894071, -1.54116740219805, -1.38455943773265, -0.792850698234714,
                    -1.77083634472303, -1.0951264994906, -0.0636204123751112, 0.343102218581883},
                   kExactProfile);
  // confint(ip)
  expect_intervals(table,
                   {2.52178692580063, 2.81913811092716, -0.151360987931654, 0.263522926452419,
                    -2.38324540481387, -1.54117097931389, -1.38456986743052, -0.792858748826795,
                    -1.77084619426767, -1.09513618421638, -0.0636204804156285, 0.34310378497203},
                   kMassProfile);
}

// The refits must keep the model's own offset:
// glm(Claims ~ District + Group + Age + offset(log(Holders)), poisson,
//     Insurance); ins <- fixture("insurance"); nsp <- fitx(ins, poisson)
TEST(InferenceProfile, InsuranceWithOffset) {
  const Model m = fit_model(read_fixture("insurance"), Family::poisson);
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  // exact_profile(nsp, ins, poisson(), 1)
  expect_intervals(
      table, {-1.87573280468715,   -1.74647498675897,  -0.0587081578108308, 0.109935867248304,
              -0.0611861619275162, 0.136857699111259,  0.111790856398416,   0.353628110903278,
              0.332116471075895,   0.526070403684921,  -0.0782604282211532, 0.0863619304468051,
              -0.0940139797096038, 0.0356305712341114, -0.489807761938296,  -0.29606458997903,
              -0.0965458903500905, 0.0952792772399932, -0.111827720473276,  0.0782624528062998},
      kExactProfile);
  // confint(nsp)
  expect_intervals(
      table, {-1.87573374744352,   -1.7464759499942,   -0.0587086125811289, 0.109935517635128,
              -0.0611873329346805, 0.136856668404959,  0.111788410125487,   0.353625849672405,
              0.332115333024165,   0.526069580966098,  -0.0782614098266006, 0.0863610493095543,
              -0.094013855220405,  0.0356307681930517, -0.489805541083958,  -0.29606222410962,
              -0.0965464917530093, 0.0952789937999533, -0.111827931346021,  0.0782625206639997},
      kMassProfile);
}

// ---------------------------------------------------------------------------
// Likelihood-ratio tests.

void expect_test(const LikelihoodRatioTest& test, double statistic, double df, double p_value) {
  expect_close(test.statistic, statistic);
  EXPECT_EQ(test.df, df);
  expect_close(test.p_value, p_value, kRelative, 1e-300);
}

// anova(qp_red, qp, test = "Chisq"), qp_red without LrnSL.
TEST(InferenceLikelihoodRatio, QuinePoisson) {
  const Fixture f = read_fixture("quine");
  const Model full = fit_model(f, Family::poisson);
  const Model reduced = fit_model(f, Family::poisson, {0, 1, 2, 3, 4, 5});
  const double expected[] = {45.7980081151661, 1, 1.31096776502409e-11};
  const LikelihoodRatioTest test = likelihood_ratio_test(reduced.fit, full.fit);
  expect_test(test, expected[0], expected[1], expected[2]);
  EXPECT_TRUE(std::isnan(test.df_denominator));
}

// anova(glm(breaks ~ wool, ...), wp, test = "Chisq")
TEST(InferenceLikelihoodRatio, WarpbreaksPoisson) {
  const Fixture f = read_fixture("warpbreaks");
  const Model full = fit_model(f, Family::poisson);
  const Model reduced = fit_model(f, Family::poisson, {0, 1});
  const double expected[] = {70.9415705080434, 2, 3.93761903136613e-16};
  expect_test(likelihood_ratio_test(reduced.fit, full.fit), expected[0], expected[1], expected[2]);
}

// District dropped, offset kept: anova(nsp_red, nsp, test = "Chisq")
TEST(InferenceLikelihoodRatio, InsuranceWithOffset) {
  const Fixture f = read_fixture("insurance");
  const Model full = fit_model(f, Family::poisson);
  const Model reduced = fit_model(f, Family::poisson, {0, 4, 5, 6, 7, 8, 9});
  const double expected[] = {13.8712586366004, 3, 0.00308573368413511};
  expect_test(likelihood_ratio_test(reduced.fit, full.fit), expected[0], expected[1], expected[2]);
}

TEST(InferenceLikelihoodRatio, RejectsWhatCannotBeNested) {
  Fixture f = read_fixture("warpbreaks");
  const Model full = fit_model(f, Family::poisson);
  const Model reduced = fit_model(f, Family::poisson, {0, 1});
  const Model other = fit_model(f, Family::poisson, {0, 2});
  const auto throws_usage = [](const GlmFit& a, const GlmFit& b) {
    try {
      likelihood_ratio_test(a, b);
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::usage) << e.what();
    }
  };
  throws_usage(full.fit, reduced.fit);   // the wrong way round
  throws_usage(reduced.fit, other.fit);  // same number of parameters
  // Fewer observations (prior weight 0 on one).
  f.weight(0) = 0;
  throws_usage(fit_model(f, Family::poisson, {0, 1}).fit, full.fit);
  // A "full" model that fits worse cannot contain the reduced one: tension
  // against wool and two columns of noise.
  Fixture noisy = read_fixture("warpbreaks");
  noisy.design.conservativeResize(Eigen::NoChange, 6);
  for (Index i = 0; i < noisy.design.rows(); ++i) {
    noisy.design(i, 4) = i % 2;
    noisy.design(i, 5) = i % 5 == 0 ? 1 : 0;
  }
  noisy.terms.insert(noisy.terms.end(), {"noise1", "noise2"});
  const Model tension = fit_model(noisy, Family::poisson, {0, 2, 3});
  const Model wool_and_noise = fit_model(noisy, Family::poisson, {0, 1, 4, 5});
  ASSERT_GT(wool_and_noise.fit.deviance, tension.fit.deviance);
  throws_usage(tension.fit, wool_and_noise.fit);
}

// ---------------------------------------------------------------------------
// Ratios.

// exp(cbind(coef(nsp), confint.default(nsp))): incidence-rate ratios per
// policy holder.
TEST(InferenceRatio, InsuranceRateRatios) {
  const Model m = fit_model(read_fixture("insurance"), Family::poisson);
  const auto table = coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance);
  const auto ratios = ratio_table(table);
  const double expected[] = {
      0.16357104895475,  0.153334704595005, 0.174490752937016, 1.02620567632326,  0.943233684239085,
      1.11647633848829,  1.03927559491561,  0.941315491199052, 1.14743013610811,  1.26390398041453,
      1.11999914935218,  1.42629864730851,  1.53680800102795,  1.39482481463025,  1.69324405993566,
      1.00464318145949,  0.92527641581503,  1.09081773273558,  0.971130597152633, 0.910184090190981,
      1.03615812107652,  0.674062927510537, 0.611854150649231, 0.742596629869976, 0.999645092088613,
      0.908252794189755, 1.10023367561265,  0.983402524864441, 0.894266164604476, 1.08142358974018};
  ASSERT_EQ(ratios.size(), 10U);
  for (std::size_t j = 0; j < ratios.size(); ++j) {
    SCOPED_TRACE(ratios[j].term);
    EXPECT_EQ(ratios[j].term, table[j].term);
    expect_close(ratios[j].ratio, expected[3 * j]);
    expect_close(ratios[j].ci_lower, expected[3 * j + 1]);
    expect_close(ratios[j].ci_upper, expected[3 * j + 2]);
    EXPECT_EQ(ratios[j].p_value, table[j].p_value);
  }
}

// ---------------------------------------------------------------------------
// Quasi-Poisson: glm(Days ~ Eth + Sex + Age + Lrn, quasipoisson, quine);
// qq <- fitx(qd, quasipoisson).

// summary(qq): t statistics, 2 pt(-|t|, 139); Wald bounds with qt(0.975, 139).
TEST(InferenceQuasiPoisson, QuineTable) {
  const Model m = fit_model(read_fixture("quine"), Family::quasi_poisson);
  const double expected_dispersion[] = {13.1668426274742, 139};
  expect_close(m.fit.dispersion, expected_dispersion[0]);
  ASSERT_TRUE(m.fit.dispersion_estimated);
  ASSERT_EQ(m.fit.df_residual, expected_dispersion[1]);
  const auto table = coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance);
  expect_table(
      table, {2.71538021894765,    0.2347100863043,      11.5690819329646,    4.21387884097203e-22,
              2.25131666459358,    3.17944377330171,     -0.533604325247452,  0.151977641947607,
              -3.51107122343302,   0.000602198296521705, -0.834091133526828,  -0.233117516968076,
              0.161596589071639,   0.154341490944003,    1.04700679048299,    0.296913656836256,
              -0.143563968787468,  0.466757146930747,    -0.333901364112443,  0.254342277931243,
              -1.31280323046689,   0.191412601467,       -0.836781250434223,  0.168978522209338,
              0.257828351909073,   0.226495917084608,    1.13833553923518,    0.256938589028901,
              -0.189994330038622,  0.705651033856768,    0.427693828529194,   0.245607746436856,
              1.74136945896025,    0.0838312592228261,   -0.0579163366880251, 0.913303993746412,
              0.348942964284801,   0.188844488925411,    1.84777944154158,    0.0667598140752265,
              -0.0244361526112809, 0.722322081180884});
}

// The sandwich does not see the dispersion: vcovHC(qq, type = "HC0") is the
// Poisson fit's.
TEST(InferenceQuasiPoisson, QuineRobust) {
  const Model m = fit_model(read_fixture("quine"), Family::quasi_poisson);
  // vcovHC(qq, type = "HC0")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc0),
      {0.0553765598388156,  -0.00881579506792763, -0.0215448904518218,  -0.0354582138872227,
       -0.0330702505273404, -0.0457644983558028,  -0.00838893529551205, -0.00881579506792763,
       0.0235085776222745,  0.00830629028087387,  -0.00878950607786753, -0.00850647057841048,
       0.00149199592478384, 0.000694558509082977, -0.0215448904518218,  0.00830629028087387,
       0.024026576548627,   0.000942663831989172, -0.00238194948818874, 0.0093644919130046,
       0.00794365882498308, -0.0354582138872227,  -0.00878950607786752, 0.00094266383198917,
       0.0711109645795081,  0.0481102089362419,   0.0386895307091482,   -0.0181447840817941,
       -0.0330702505273403, -0.00850647057841049, -0.00238194948818875, 0.0481102089362419,
       0.0623350712016137,  0.0377501174477329,   -0.0158319443784828,  -0.0457644983558027,
       0.00149199592478382, 0.00936449191300457,  0.0386895307091481,   0.0377501174477329,
       0.061346419886611,   0.00487694730999283,  -0.0083889352955121,  0.000694558509082977,
       0.00794365882498308, -0.0181447840817941,  -0.0158319443784828,  0.00487694730999285,
       0.0351742552823825});
  // vcovHC(qq, type = "HC3")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc3),
      {0.0624540392080321,  -0.00994656583248884, -0.0239055582355904,  -0.0407399796202949,
       -0.037944085267584,  -0.051633851038796,   -0.00883673664968695, -0.00994656583248883,
       0.026112624728132,   0.00923931372121826,  -0.00966566139934086, -0.00960613611613051,
       0.00159641978246493, 0.000881489457591992, -0.0239055582355903,  0.00923931372121825,
       0.0269307827717328,  0.000840837728034664, -0.00296105460421718, 0.0102362145004477,
       0.00915339885980837, -0.0407399796202948,  -0.00966566139934086, 0.000840837728034686,
       0.0808266525749534,  0.0557197330789879,   0.0443935962040123,   -0.0214550685904609,
       -0.0379440852675839, -0.00960613611613053, -0.00296105460421717, 0.0557197330789879,
       0.0717119037164242,  0.0433439293236527,   -0.0187645395855088,  -0.0516338510387959,
       0.00159641978246493, 0.0102362145004477,   0.0443935962040123,   0.0433439293236527,
       0.0688026042119209,  0.00473586692294262,  -0.00883673664968691, 0.000881489457591992,
       0.00915339885980834, -0.021455068590461,   -0.0187645395855088,  0.00473586692294256,
       0.0399656410647896});
}

// R 4.2's confint(qq) (MASS) profiles the deviance over the estimated
// dispersion against the normal quantile; reference.R checks that reading
// with exact_profile(qq, qd, quasipoisson(), summary(qq)$dispersion),
// which MASS's spline matches to 2.5e-5.
TEST(InferenceQuasiPoisson, QuineProfile) {
  const Model m = fit_model(read_fixture("quine"), Family::quasi_poisson);
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  expect_intervals(table,
                   {2.23593065537772, 3.15731156088993, -0.835263270913701, -0.238412577150707,
                    -0.141702293034365, 0.464210690774354, -0.830277354053386, 0.170585666156082,
                    -0.177578222261126, 0.71360987445126, -0.0463794703901162, 0.919794299438787,
                    -0.017626383558661, 0.724177298993498},
                   kExactProfile);
  // confint(qq)
  expect_intervals(table,
                   {2.23590876123283, 3.1573028854478, -0.835270594113502, -0.238414857396353,
                    -0.141704633872628, 0.464212038433861, -0.830279897074557, 0.170600466345983,
                    -0.177572658422672, 0.713632382533067, -0.0463746853080226, 0.919815638412072,
                    -0.0176234397297123, 0.724187401251372},
                   kMassProfile);
}

// anova(qq_red, qq, test = "F"): F = deviance difference / 1 / dispersion
// of qq, on (1, 139) degrees of freedom.
TEST(InferenceQuasiPoisson, QuineFTest) {
  const Fixture f = read_fixture("quine");
  const Model full = fit_model(f, Family::quasi_poisson);
  const Model reduced = fit_model(f, Family::quasi_poisson, {0, 1, 2, 3, 4, 5});
  const double expected[] = {3.47828324609903, 1, 139, 0.0642876036673506, 45.7980081151661};
  const LikelihoodRatioTest test = likelihood_ratio_test(reduced.fit, full.fit);
  expect_test(test, expected[0], expected[1], expected[3]);
  EXPECT_EQ(test.df_denominator, expected[2]);
  // Poisson and quasi-Poisson fits are different families.
  EXPECT_THROW(
      likelihood_ratio_test(fit_model(f, Family::poisson, {0, 1, 2, 3, 4, 5}).fit, full.fit),
      Error);
}

// ---------------------------------------------------------------------------
// Binomial.

// glm(cbind(Menarche, Total - Menarche) ~ Age, binomial, menarche): the
// fixture's response is the proportion, its weight the total.
// me <- fixture("menarche"); mb <- fitx(me, binomial)
TEST(InferenceBinomial, Menarche) {
  const Model m = fit_model(read_fixture("menarche"), Family::binomial);
  // wald_rows(mb, vcov(mb))
  expect_table(coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance),
               {-21.2263949051674, 0.770685884387408, -27.5422131573611, 5.4856334552962e-167,
                -22.7369114819601, -19.7158783283746, 1.63196834822757, 0.0589531746186883,
                27.6824506700991, 1.1358341845986e-168, 1.51642224920064, 1.7475144472545});
  // vcovHC(mb, type = "HC0"), vcovHC(mb, type = "HC3")
  expect_matrix(robust_covariance(m.design, m.fit, RobustType::hc0),
                {0.485295506303977, -0.037028390094267, -0.0370283900942678, 0.00284758499251198});
  expect_matrix(robust_covariance(m.design, m.fit, RobustType::hc3),
                {0.571227131695683, -0.0435938525322519, -0.0435938525322531, 0.00335445620496083});
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  // exact_profile(mb, me, binomial(), 1)
  expect_intervals(table, {-22.7865574639929, -19.763782270768, 1.52009916624745, 1.75132340111327},
                   kExactProfile);
  // confint(mb)
  expect_intervals(table,
                   {-22.7866032926826, -19.7638317510107, 1.52010294520516, 1.75132689825494},
                   kMassProfile);
  // Odds ratio per year of age: exp(coef(mb)[2]).
  const auto ratios = ratio_table(table);
  expect_close(ratios[1].ratio, std::exp(table[1].estimate));
}

// glm(cbind(ncases, ncontrols) ~ agegp + tobgp + alcgp, binomial, esoph)
// es <- fixture("esoph"); eb <- fitx(es, binomial)
TEST(InferenceBinomial, Esoph) {
  const Fixture f = read_fixture("esoph");
  const Model m = fit_model(f, Family::binomial);
  // vcovHC(eb, type = "HC1")
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc1),
      {0.0544598110576085,   -0.129836342574372,    0.12638589149228,     -0.0676412506009903,
       0.0305020971750582,   -0.00570381215488414,  0.00104414986482569,  -0.00597186157622056,
       0.00494749168553616,  0.0165061453060116,    0.0149918985274792,   0.00288958809074814,
       -0.129836342574372,   0.597087303481455,     -0.428498624658531,   0.285929407888082,
       -0.116403406129291,   0.0305649650356141,    0.0511794134698156,   0.041923598792903,
       -0.0081893976938403,  0.00821234047490739,   -0.0142464809378178,  -8.70495933947198e-05,
       0.12638589149228,     -0.428498624658531,    0.489594348511806,    -0.2741204548284,
       0.168732538579946,    -0.0528770159168711,   -0.0486280349617264,  -0.0542461935478099,
       -0.00643049834087564, 0.0110319368863504,    -0.00321843249637239, 0.000230497480926456,
       -0.0676412506009903,  0.285929407888082,     -0.2741204548284,     0.286544409886882,
       -0.136808770896878,   0.071743221081062,     0.0131788912689567,   0.0128955961872222,
       -0.00452277460874074, -0.0157419456153281,   -0.00807992427316643, -0.00333743961623406,
       0.0305020971750583,   -0.116403406129291,    0.168732538579946,    -0.136808770896879,
       0.146970358832432,    -0.0430054342362608,   -0.00275787621976072, -0.0122944936798283,
       -0.0211182879901005,  0.00684271021655464,   0.015655121167075,    -0.00689440309805948,
       -0.00570381215488413, 0.030564965035614,     -0.0528770159168711,  0.071743221081062,
       -0.0430054342362608,  0.0503571791789426,    0.00189035946948461,  0.00432282313334409,
       -0.0022424767949474,  -0.00600904646392294,  0.000985885562668542, -0.00434738664018409,
       0.00104414986482569,  0.0511794134698155,    -0.0486280349617264,  0.0131788912689567,
       -0.00275787621976073, 0.00189035946948462,   0.0726510999798181,   0.0366845733073828,
       0.0122391903999953,   -0.0167550104375865,   -0.00170542676050809, -0.00409279259159329,
       -0.00597186157622057, 0.041923598792903,     -0.0542461935478099,  0.0128955961872222,
       -0.0122944936798283,  0.00432282313334409,   0.0366845733073828,   0.0608787708575541,
       0.0170779104374597,   0.00788619528431501,   0.00427225071934236,  0.00586915758204931,
       0.00494749168553617,  -0.00818939769384031,  -0.00643049834087562, -0.00452277460874075,
       -0.0211182879901005,  -0.0022424767949474,   0.0122391903999953,   0.0170779104374597,
       0.0430310152974728,   0.000131366175701502,  -0.00238938754804252, -0.00286534749282811,
       0.0165061453060116,   0.00821234047490732,   0.0110319368863505,   -0.0157419456153281,
       0.00684271021655466,  -0.00600904646392295,  -0.0167550104375865,  0.00788619528431501,
       0.000131366175701501, 0.0945550334704745,    0.034220415692314,    0.0220974648073261,
       0.0149918985274792,   -0.0142464809378179,   -0.00321843249637238, -0.00807992427316643,
       0.015655121167075,    0.000985885562668541,  -0.0017054267605081,  0.00427225071934236,
       -0.00238938754804253, 0.034220415692314,     0.0633254736757039,   0.0170993617678891,
       0.00288958809074814,  -8.70495933947141e-05, 0.000230497480926453, -0.00333743961623405,
       -0.00689440309805949, -0.00434738664018409,  -0.00409279259159329, 0.00586915758204931,
       -0.00286534749282811, 0.0220974648073261,    0.0170993617678891,   0.0350405794605075});
  // exact_profile(eb, es, binomial(), 1)
  expect_intervals(
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile),
      {-1.71064998843813,   -0.83183810983404,  2.84616347076301,    5.80888038392567,
       -3.29791145769619,   -0.638030481208123, -0.711756808112127,  1.27751067793386,
       -0.623623871522411,  0.704827046570851,  -0.683903096864217,  0.157338840892767,
       0.647450087964271,   1.59144666208716,   -0.0923265710816495, 0.787796189401054,
       -0.0944032010253533, 0.73387219802336,   2.0372301401169,     3.07475163882162,
       -0.341742047982131,  0.539622005142122,  0.0816412091656882,  0.801751830983466},
      kExactProfile);
  // anova(eb_red, eb, test = "Chisq"), eb_red without the tobgp columns
  const Model reduced = fit_model(f, Family::binomial, {0, 1, 2, 3, 4, 5, 9, 10, 11});
  const double expected[] = {23.5443127549483, 3, 3.10951881643845e-05};
  expect_test(likelihood_ratio_test(reduced.fit, m.fit), expected[0], expected[1], expected[2]);
}

// ---------------------------------------------------------------------------
// Negative binomial: glm.nb(Days ~ Eth + Sex + Age + Lrn, quine).
// reference.R's nb_exact() alternates theta.ml (to eps = 1e-13) and glm()
// at that theta to full precision; glm.nb's own theta (tight control) is
// 1.27489264505361 against 1.27489264506229.

TEST(InferenceNegativeBinomial, QuineRobustAndProfile) {
  const Model m = fit_model(read_fixture("quine"), Family::negative_binomial);
  const double theta[] = {1.27489264505361, 1.27489264506229};
  expect_close(m.fit.theta, theta[1]);
  // vcovHC(nb, type = "HC0"), theta held at its estimate
  expect_matrix(
      robust_covariance(m.design, m.fit, RobustType::hc0),
      {0.0489460940008319,    -0.00698693860902257, -0.019976647243664,   -0.0307831141861624,
       -0.0301236595959721,   -0.0434393056970537,  -0.00657638592947209, -0.00698693860902259,
       0.0219633183523402,    0.00604914487069497,  -0.00652285695673805, -0.0067782531343886,
       -0.000223681925394798, -0.00261223231554301, -0.019976647243664,   0.00604914487069497,
       0.0240771707183625,    -0.00216526378836526, -0.00315254511931952, 0.011463801445508,
       0.0108237260211715,    -0.0307831141861625,  -0.00652285695673804, -0.00216526378836527,
       0.0678303326954055,    0.0486108140128035,   0.0360295857268429,   -0.023601059490515,
       -0.0301236595959721,   -0.0067782531343886,  -0.00315254511931952, 0.0486108140128035,
       0.0630641412745405,    0.0353143131622285,   -0.0202402572834944,  -0.0434393056970538,
       -0.000223681925394797, 0.011463801445508,    0.0360295857268429,   0.0353143131622285,
       0.0642123643887086,    0.00399016832284599,  -0.00657638592947208, -0.00261223231554302,
       0.0108237260211715,    -0.0236010594905151,  -0.0202402572834944,  0.00399016832284599,
       0.0392819924867088});
  const auto table =
      coefficient_table(m.input(), m.fit, m.terms, m.fit.covariance, 0.95, IntervalMethod::profile);
  // exact_profile(nb, qd, negative.binomial(nb$theta_ml), 1)
  expect_intervals(table,
                   {2.46282302163042, 3.3576340679366, -0.879501112661106, -0.260863564925182,
                    -0.240356026911098, 0.40605437860224, -0.921517456559043, 0.012385730880323,
                    -0.392278199666583, 0.557320250525693, -0.131668035174722, 0.838275850741962,
                    -0.0687228908854851, 0.649620017546134},
                   kExactProfile);
  // confint(glm.nb(Days ~ Eth + Sex + Age + Lrn, quine)): MASS profiles a
  // glm.nb fit at its theta.
  expect_intervals(table,
                   {2.46282571888677, 3.35765719067201, -0.879503970802377, -0.260862923416549,
                    -0.240357123872995, 0.406056926776479, -0.921531219548394, 0.0123832482701312,
                    -0.392289882088078, 0.557317816060102, -0.131678949707545, 0.838277544259663,
                    -0.0687271698937557, 0.649620189872695},
                   kMassProfile);
}

// anova(glm.nb(Days ~ Eth + Sex + Age, quine),
//       glm.nb(Days ~ Eth + Sex + Age + Lrn, quine)): twice the
// log-likelihood difference, theta re-estimated in each.
TEST(InferenceNegativeBinomial, QuineLikelihoodRatio) {
  const Fixture f = read_fixture("quine");
  const Model full = fit_model(f, Family::negative_binomial);
  const Model reduced = fit_model(f, Family::negative_binomial, {0, 1, 2, 3, 4, 5});
  ASSERT_TRUE(full.fit.theta_estimated);
  const double expected[] = {2.50167895735171, 1, 0.113724999219567};
  expect_test(likelihood_ratio_test(reduced.fit, full.fit), expected[0], expected[1], expected[2]);
}

}  // namespace
}  // namespace vigil::glm
