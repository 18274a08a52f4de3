// The exhaustive model search against an independent R loop over every
// model (tests/mse/reference_scripts/06_all_models.R: plain glm() on the
// full table with epsilon 1e-14, Rcapture's BIC, Buckland et al. 1997 model
// averaging). Outputs, verbatim:
//   == Western : 1024 models
//   best by AIC:
//     [A:B,A:E,B:E,D:E] aic 85.5773824328724 total 2308.2437032761
//     [A:B,A:E,B:E,C:D,D:E] aic 85.646979702219 total 2049.50617935927
//     [A:B,A:E,D:E] aic 85.6654562449419 total 2449.7008777745
//   best by BIC:
//     [A:E] bic 118.744314660885 total 2483.38392023012
//     [A:B,A:E] bic 118.997149703612 total 2175.1623019166
//     [A:E,D:E] bic 119.33829911408 total 2817.77087331184
//   AIC-weighted average total 3533.35612362896 se 2431.96126793385
//   == NewOrl_5 : 1024 models
//   best by AIC:
//     [A:BEFG,A:D,BEFG:C,BEFG:D] aic 73.2618468041318 total 2750.19528670346
//   best by BIC:
//     [] bic 96.8515242061488 total 1034.15106523108
//   AIC-weighted average total 1513.27433039279 se 989.054619136344
// On these two tables every model's estimate exists, so R's naive loop and
// vigil consider the same models. Tolerance: a relative 1e-8.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/error.hpp"
#include "mse/mse.hpp"

namespace vigil::mse {
namespace {

CaptureHistories load(const std::string& name) {
  std::ifstream in(std::string(VIGIL_FIXTURES_DIR) + "/mse/" + name, std::ios::binary);
  return read_capture_histories(in, name);
}

std::string terms_of(const CaptureHistories& table, const LogLinearModel& model) {
  std::string out;
  for (const auto& interaction : model.interactions) {
    out += (out.empty() ? "" : ",") + term_name(table, interaction);
  }
  return out;
}

void expect_relative(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-8 * std::fabs(expected)) << what;
}

TEST(ModelSearch, WesternRankingsAndAverageEqualR) {
  const auto table = load("Western.csv");
  ModelSearchOptions options;
  options.keep = 3;
  const ModelSearchResult result = search_all_models(table, options);
  EXPECT_EQ(result.models, 1024U);
  EXPECT_EQ(result.not_estimable, 0U);
  ASSERT_EQ(result.by_aic.size(), 3U);
  EXPECT_EQ(terms_of(table, result.by_aic[0].model), "A:B,A:E,B:E,D:E");
  expect_relative(result.by_aic[0].aic, 85.5773824328724, "AIC 1");
  expect_relative(result.by_aic[0].total, 2308.2437032761, "total 1");
  EXPECT_EQ(terms_of(table, result.by_aic[1].model), "A:B,A:E,B:E,C:D,D:E");
  expect_relative(result.by_aic[1].aic, 85.646979702219, "AIC 2");
  EXPECT_EQ(terms_of(table, result.by_aic[2].model), "A:B,A:E,D:E");
  expect_relative(result.by_aic[2].total, 2449.7008777745, "total 3");
  EXPECT_EQ(terms_of(table, result.by_bic[0].model), "A:E");
  expect_relative(result.by_bic[0].bic, 118.744314660885, "BIC 1");
  expect_relative(result.by_bic[0].total, 2483.38392023012, "BIC total 1");
  EXPECT_EQ(terms_of(table, result.by_bic[2].model), "A:E,D:E");
  expect_relative(result.averaged_total, 3533.35612362896, "averaged total");
  expect_relative(result.averaged_std_error, 2431.96126793385, "averaged se");
  EXPECT_GT(result.by_aic[0].aic_weight, result.by_aic[1].aic_weight);
}

TEST(ModelSearch, NewOrleansFiveListsEqualR) {
  const auto table = load("NewOrl_5.csv");
  const ModelSearchResult result = search_all_models(table);
  EXPECT_EQ(terms_of(table, result.by_aic[0].model), "A:BEFG,A:D,BEFG:C,BEFG:D");
  expect_relative(result.by_aic[0].aic, 73.2618468041318, "AIC");
  expect_relative(result.by_aic[0].total, 2750.19528670346, "total");
  EXPECT_EQ(terms_of(table, result.by_bic[0].model), "");
  expect_relative(result.by_bic[0].bic, 96.8515242061488, "BIC");
  expect_relative(result.averaged_total, 1513.27433039279, "averaged total");
  expect_relative(result.averaged_std_error, 989.054619136344, "averaged se");
}

// Artificial_3: list C overlaps nobody. SparseMSE's checkallmodels finds no
// extended MLE for {A:B}, {A:B, A:C}, {A:B, B:C}, and all three pairs are not
// identifiable (tests/mse/REFERENCE.md, section 7, example 3): those four
// are left out of the rankings and of the average.
TEST(ModelSearch, ModelsWithoutAnEstimateAreLeftOut) {
  const auto table = load("Artificial_3.csv");
  const ModelSearchResult result = search_all_models(table);
  EXPECT_EQ(result.models, 8U);
  EXPECT_EQ(result.not_estimable, 4U);
  EXPECT_EQ(result.by_aic.size(), 4U);
  for (const auto& ranked : result.by_aic) {
    EXPECT_TRUE(fit_log_linear(table, ranked.model).exists);
    EXPECT_LT(ranked.total, 1000);
  }
  double weights = 0;
  for (const auto& ranked : result.by_aic) weights += ranked.aic_weight;
  EXPECT_NEAR(weights, 1.0, 1e-12);
}

TEST(ModelSearch, SameResultOnOneThreadOrTwo) {
  const auto table = load("NewOrl_5.csv");
  ModelSearchOptions one;
  one.threads = 1;
  one.keep = 50;
  ModelSearchOptions two = one;
  two.threads = 2;
  std::size_t calls = 0;
  two.progress = [&calls](std::size_t done, std::size_t total) {
    EXPECT_LE(done, total);
    ++calls;
  };
  const auto a = search_all_models(table, one);
  const auto b = search_all_models(table, two);
  EXPECT_GE(calls, 1U);
  ASSERT_EQ(a.by_aic.size(), b.by_aic.size());
  for (std::size_t index = 0; index < a.by_aic.size(); ++index) {
    EXPECT_EQ(a.by_aic[index].model.interactions, b.by_aic[index].model.interactions);
    EXPECT_EQ(a.by_aic[index].total, b.by_aic[index].total);
  }
  EXPECT_EQ(a.averaged_total, b.averaged_total);
}

TEST(ModelSearch, RefusesMoreThanSixLists) {
  const auto table = load("NewOrl.csv");
  EXPECT_THROW(search_all_models(table), Error);
}

}  // namespace
}  // namespace vigil::mse
