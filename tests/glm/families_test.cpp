// vigil's families (Poisson, quasi-Poisson, binomial, negative binomial)
// against R 4.2.2 (glm), MASS 7.3-58 (glm.nb) and sandwich 3.0-2 (vcovHC).
//
// The design matrices, responses, prior weights and offsets are R's own
// (model.matrix(fit), fit$y, fit$prior.weights, fit$offset), written to
// tests/fixtures/glm/families/<case>.csv, and every expected number below
// was printed by
//   Rscript tests/glm/reference_scripts/families.R tests/fixtures/glm/families
// which records each model's R call (all with glm.control(epsilon = 1e-14,
// maxit = 200)). The data sets: MASS's quine (Aitkin 1978), warpbreaks
// (Tippett 1950), MASS's Insurance (Baxter, Coutts & Ross 1980, exposure as
// an offset), MASS's menarche (Milicer & Szczotka 1966, binomial with
// numbers of trials), esoph (Breslow & Day 1980), and a world simulated by
// vigil (the demo's, seed 2024: detected victims per corridor-year).
//
// Standard errors are R's from the fit restarted at its own estimate
// (update(fit, start = coef(fit)); glm.nb fits as they are), HC1 is
// sqrt(diag(vcovHC(fit, type = "HC1"))). glm.nb's SE.theta comes from the
// information at the last-but-one Newton step of theta.ml (up to 3e-6 off
// the value at the estimate); the reference is the information at the
// estimate, attr(theta.ml(y, fitted(fit), weights, limit = 100, eps = 1e-13),
// "SE").
//
// Tolerance: a relative 1e-8 (the issue asks for 1e-6; every number agrees
// to 1e-9 on this machine). The fixtures hold
// R's numbers to the 15 significant digits write.csv prints.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
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

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kRelative = 1e-8;

struct Fixture {
  VectorXd y, weights, offset;
  MatrixXd x;
};

// The fixture CSVs hold only numbers, with a header: y, weight, offset, then
// the columns of the design matrix.
Fixture read_fixture(const std::string& name) {
  const std::string path = std::string(VIGIL_FIXTURES_DIR) + "/glm/families/" + name + ".csv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::getline(in, line);
  std::vector<std::vector<double>> rows;
  while (std::getline(in, line)) {
    std::vector<double> row;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) row.push_back(std::stod(field));
    rows.push_back(row);
  }
  const auto n = static_cast<Index>(rows.size());
  const auto p = static_cast<Index>(rows.front().size()) - 3;
  Fixture f{VectorXd(n), VectorXd(n), VectorXd(n), MatrixXd(n, p)};
  for (Index i = 0; i < n; ++i) {
    const auto& row = rows[static_cast<std::size_t>(i)];
    f.y(i) = row[0];
    f.weights(i) = row[1];
    f.offset(i) = row[2];
    for (Index j = 0; j < p; ++j) f.x(i, j) = row[static_cast<std::size_t>(j + 3)];
  }
  return f;
}

void expect_close(double actual, double expected, const char* what) {
  if (std::isnan(expected)) {
    EXPECT_TRUE(std::isnan(actual)) << what << ": expected NA, got " << actual;
    return;
  }
  EXPECT_LE(std::abs(actual - expected), kRelative * std::abs(expected) + 1e-13)
      << what << ": actual " << actual << ", expected " << expected;
}

// HC1 from the fit's working weights and residuals (the sandwich of
// Zeileis 2006, eq. 6, with the n / (n - k) factor), to check that those
// fields are R's weights(fit, "working") and residuals(fit, "working").
VectorXd hc1_std_errors(const MatrixXd& x, const GlmFit& fit) {
  const MatrixXd bread = fit.covariance / fit.dispersion;
  MatrixXd meat = MatrixXd::Zero(x.cols(), x.cols());
  for (Index i = 0; i < x.rows(); ++i) {
    const double score = fit.working_weights(i) * fit.working_residuals(i);
    meat += score * score * x.row(i).transpose() * x.row(i);
  }
  const double n = fit.observations;
  return ((bread * meat * bread) * (n / (n - fit.rank))).diagonal().array().sqrt();
}

struct Reference {
  const char* name;
  Family family;
  std::vector<double> coefficients, std_errors, hc1;
  double deviance, null_deviance, df_residual, aic, bic, loglik, dispersion, pearson, theta,
      theta_std_error;
};

const std::vector<Reference>& references() {
  static const std::vector<Reference> cases = {
      {"quine_poisson",
       Family::poisson,
       {2.71538021894764, -0.533604325247451, 0.161596589071639, -0.333901364112438,
        0.257828351909079, 0.427693828529197, 0.3489429642848},
       {0.0646831156394748, 0.0418831058498557, 0.0425345525788636, 0.0700934980446666,
        0.0624193950389433, 0.0676863722172082, 0.0520431401452561},
       {0.241174848308438, 0.157138355681463, 0.158860152428144, 0.273298540596442,
        0.255879361123904, 0.253842092526939, 0.192212436268613},
       1696.70655249359,
       2073.5327609655,
       139,
       2299.18363028536,
       2320.06887663732,
       -1142.59181514268,
       1,
       1830.19112521894,
       kNan,
       kNan},
      {"quine_quasipoisson",
       Family::quasi_poisson,
       {2.71538021894764, -0.533604325247451, 0.161596589071639, -0.333901364112438,
        0.257828351909079, 0.427693828529197, 0.3489429642848},
       {0.2347100863043, 0.151977641947607, 0.154341490944003, 0.254342277931243, 0.226495917084608,
        0.245607746436856, 0.188844488925411},
       {0.241174848308438, 0.157138355681463, 0.158860152428144, 0.273298540596442,
        0.255879361123904, 0.253842092526939, 0.192212436268612},
       1696.70655249359,
       2073.5327609655,
       139,
       kNan,
       kNan,
       kNan,
       13.1668426277713,
       1830.19112521894,
       kNan,
       kNan},
      {"quine_negbin",
       Family::negative_binomial,
       {2.89457999024941, -0.569371697358188, 0.0823202841457877, -0.448428149877557,
        0.088080152113965, 0.35690097142941, 0.292109157033703},
       {0.228424614781912, 0.153333359282745, 0.159915014648278, 0.239746592555298,
        0.236193028653609, 0.248324362799483, 0.186474710100361},
       {0.226739950625177, 0.151886091345407, 0.159027325032711, 0.26691992943659,
        0.257371391730271, 0.259703832434092, 0.203126124179478},
       167.951800820585,
       195.286636452849,
       139,
       1109.15101828998,
       1133.01987126365,
       -546.575509144992,
       1,
       137.776036845684,
       1.27489264505361,
       0.16103566171498},
      {"warpbreaks_negbin",
       Family::negative_binomial,
       {3.79673684997035, -0.456627160288031, -0.618683019622404, -0.595798725788815,
        0.638176814303405, 0.188363173693352},
       {0.108120568625429, 0.157554298601317, 0.159737217840323, 0.159409021110994,
        0.227390795869333, 0.231641937473759},
       {0.135394477745866, 0.178578600961537, 0.181105652028501, 0.194364135446962,
        0.241435796105568, 0.242654740903749},
       53.5061632583568,
       86.7585314808092,
       48,
       405.124798436071,
       419.047686762021,
       -195.562399218036,
       1,
       51.8184683075325,
       12.0821646206404,
       3.30048047841481},
      {"insurance_poisson",
       Family::poisson,
       {-1.82173991809404, 0.0258681909109896, 0.0385239271038818, 0.234205327977267,
        0.161336979998399, 0.392810490828412, 0.563412341115511, -0.191010106327957,
        -0.344950658253935, -0.536670706394102},
       {0.0767876308279209, 0.0430157948059228, 0.0505115661360052, 0.0616732772290714,
        0.0505323889813847, 0.0549978028700229, 0.0723153365366822, 0.0828564504871517,
        0.0813741455230802, 0.0699556279052517},
       {0.101306804022728, 0.0380610403374023, 0.0265185147511846, 0.0445781924175312,
        0.0336894281758288, 0.0472059852918363, 0.0574049709580589, 0.101551734725939,
        0.105974753289827, 0.0936656514116127},
       51.4200327490535,
       236.25895887886,
       54,
       388.741553998487,
       410.330384832083,
       -184.370776999243,
       1,
       48.6293352732599,
       kNan,
       kNan},
      {"menarche_binomial",
       Family::binomial,
       {-21.2263949051674, 1.63196834822757},
       {0.770685884387408, 0.0589531746186883},
       {0.726288589713272, 0.0556345313525391},
       26.7034516357649,
       3693.88357479415,
       23,
       114.755254313104,
       117.19300596284,
       -55.3776271565519,
       1,
       21.8698536754649,
       kNan,
       kNan},
      {"esoph_binomial",
       Family::binomial,
       {-6.14719136133757, 1.63112148410913, 3.42584427666263, 3.94345645120141, 4.35677656608138,
        4.42422892914616, 1.43430974176413, 2.00711036682558, 3.68001238574814},
       {1.0418817495389, 1.08001738754457, 1.03894157661789, 1.0346267412435, 1.04134029950957,
        1.09140426457963, 0.244785777094581, 0.277615317576111, 0.37633722472111},
       {1.09178896454576, 1.1616072962181, 1.08503538863507, 1.08637994349579, 1.08179004031249,
        1.13169313768048, 0.316058398976969, 0.339936470407432, 0.506691979775687},
       105.881185224517,
       367.953457855934,
       79,
       238.936105623291,
       261.232136953595,
       -110.468052811645,
       1,
       117.501272179659,
       kNan,
       kNan},
      {"world_poisson",
       Family::poisson,
       {-6.1576251960145, 0.999549678765351, 0.833505092941454, 1.03102655389865,
        0.0175047185756359},
       {0.0658404446785024, 0.0064604146725101, 0.0255760548463386, 0.0263179509111952,
        0.000947008958025888},
       {0.107066309757613, 0.0105306890878937, 0.0438735186764601, 0.0439102644767094,
        0.00169648427907836},
       2850.12966850499,
       55577.2215908807,
       1024,
       7180.85615823331,
       7205.53787191248,
       -3585.42807911665,
       1,
       2865.15661945165,
       kNan,
       kNan},
      {"world_negbin",
       Family::negative_binomial,
       {-5.35244239341435, 0.923401925462045, 0.670387171367625, 0.963252686993405,
        0.0177356963040534},
       {0.115611380846793, 0.0119053892511852, 0.0462053132919549, 0.0536791397042029,
        0.00216067055568511},
       {0.112972026451124, 0.0118649629795922, 0.0399066025193432, 0.0396010117184583,
        0.00208178650986333},
       1120.06403483426,
       14501.2202497897,
       1024,
       6427.01010980374,
       6456.62816621874,
       -3207.50505490187,
       1,
       1057.42972798657,
       11.2766726462022,
       0.923850532856378},
  };
  return cases;
}

class FamiliesAgainstR : public ::testing::TestWithParam<std::size_t> {};

TEST_P(FamiliesAgainstR, EveryNumberAgrees) {
  const Reference& r = references()[GetParam()];
  SCOPED_TRACE(r.name);
  const Fixture f = read_fixture(r.name);
  GlmOptions options;
  options.family = r.family;
  options.weights = f.weights;
  if ((f.offset.array() != 0).any()) options.offset = f.offset;
  const GlmFit fit = fit_glm(f.x, f.y, options);
  EXPECT_TRUE(fit.converged);
  ASSERT_EQ(fit.coefficients.size(), static_cast<Index>(r.coefficients.size()));
  const VectorXd hc1 = hc1_std_errors(f.x, fit);
  for (std::size_t j = 0; j < r.coefficients.size(); ++j) {
    SCOPED_TRACE("coefficient " + std::to_string(j + 1));
    const auto k = static_cast<Index>(j);
    expect_close(fit.coefficients(k), r.coefficients[j], "estimate");
    expect_close(fit.std_errors(k), r.std_errors[j], "standard error");
    expect_close(hc1(k), r.hc1[j], "HC1 standard error");
  }
  expect_close(fit.deviance, r.deviance, "deviance");
  expect_close(fit.null_deviance, r.null_deviance, "null deviance");
  EXPECT_EQ(fit.df_residual, static_cast<int>(r.df_residual));
  expect_close(fit.aic, r.aic, "AIC");
  expect_close(fit.bic, r.bic, "BIC");
  expect_close(fit.log_likelihood, r.loglik, "log-likelihood");
  expect_close(fit.dispersion, r.dispersion, "dispersion");
  expect_close(fit.pearson_chi2, r.pearson, "Pearson chi-square");
  expect_close(fit.theta, r.theta, "theta");
  expect_close(fit.theta_std_error, r.theta_std_error, "SE of theta");
  EXPECT_EQ(fit.dispersion_estimated, r.family == Family::quasi_poisson);
}

INSTANTIATE_TEST_SUITE_P(Families, FamiliesAgainstR, ::testing::Range<std::size_t>(0, 9),
                         [](const ::testing::TestParamInfo<std::size_t>& info) {
                           return std::string(references()[info.param].name);
                         });

TEST(Families, NamesRoundTrip) {
  for (const Family family :
       {Family::poisson, Family::quasi_poisson, Family::binomial, Family::negative_binomial}) {
    EXPECT_EQ(parse_family(family_name(family)), family);
  }
  EXPECT_THROW(parse_family("gaussian"), Error);
}

// A fixed theta is R's glm(family = MASS::negative.binomial(theta)):
//   fit <- glm(Days ~ Eth + Sex + Age + Lrn, family = negative.binomial(2),
//              data = quine, control = glm.control(epsilon = 1e-15, maxit = 500))
//   for (k in 1:20) fit <- update(fit, start = coef(fit))
//   p(coef(fit)[1:2]); p(deviance(fit)); p(AIC(fit))
// printed 2.88659223990153, -0.567662892186016; 239.111055482332; 1120.51920452476.
// The restarts matter: with the log link not canonical for the negative
// binomial, Fisher scoring converges linearly and R's deviance criterion
// stops one run 1e-8 short of the estimate (-0.567662897246343 at
// epsilon = 1e-14).
TEST(Families, FixedThetaIsNotCountedAsAParameter) {
  const Fixture f = read_fixture("quine_negbin");
  GlmOptions options;
  options.family = Family::negative_binomial;
  options.theta = 2;
  const GlmFit fit = fit_glm(f.x, f.y, options);
  expect_close(fit.coefficients(0), 2.88659223990153, "intercept");
  expect_close(fit.coefficients(1), -0.567662892186016, "EthN");
  expect_close(fit.deviance, 239.111055482332, "deviance");
  expect_close(fit.aic, 1120.51920452476, "AIC");
  EXPECT_FALSE(fit.theta_estimated);
  EXPECT_EQ(fit.theta, 2);
}

TEST(Families, ResponsesTheFamilyCannotTakeAreRefused) {
  MatrixXd x = MatrixXd::Ones(3, 1);
  GlmOptions binomial;
  binomial.family = Family::binomial;
  EXPECT_THROW(fit_glm(x, (VectorXd(3) << 0, 1, 2).finished(), binomial), Error);
  GlmOptions negbin;
  negbin.family = Family::negative_binomial;
  EXPECT_THROW(fit_glm(x, (VectorXd(3) << 0, 1.5, 2).finished(), negbin), Error);
  negbin.theta = -1;
  EXPECT_THROW(fit_glm(x, (VectorXd(3) << 0, 1, 2).finished(), negbin), Error);
  GlmOptions quasi;
  quasi.family = Family::quasi_poisson;
  EXPECT_NO_THROW(fit_glm(x, (VectorXd(3) << 0, 1.5, 2).finished(), quasi));
}

// Perfect separation: y = 1 exactly when x > 0. R's glm() warns "fitted
// probabilities numerically 0 or 1 occurred"; vigil says what it means.
TEST(Families, SeparationIsReported) {
  MatrixXd x(6, 2);
  x << 1, -3, 1, -2, 1, -1, 1, 1, 1, 2, 1, 3;
  const VectorXd y = (VectorXd(6) << 0, 0, 0, 1, 1, 1).finished();
  GlmOptions options;
  options.family = Family::binomial;
  const GlmFit fit = fit_glm(x, y, options);
  bool reported = false;
  for (const auto& w : fit.warnings) reported |= w.find("separated") != std::string::npos;
  EXPECT_TRUE(reported);
}

// Counts without overdispersion: theta runs off to infinity and vigil says
// the model has become the Poisson (glm.nb warns "iteration limit reached").
TEST(Families, NoOverdispersionIsReported) {
  MatrixXd x = MatrixXd::Ones(6, 1);
  const VectorXd y = (VectorXd(6) << 5, 5, 5, 5, 5, 5).finished();
  GlmOptions options;
  options.family = Family::negative_binomial;
  const GlmFit fit = fit_glm(x, y, options);
  bool reported = false;
  for (const auto& w : fit.warnings) reported |= w.find("overdispersion") != std::string::npos;
  EXPECT_TRUE(reported);
  EXPECT_NEAR(fit.coefficients(0), std::log(5.0), 1e-9);
}

}  // namespace
}  // namespace vigil::glm
