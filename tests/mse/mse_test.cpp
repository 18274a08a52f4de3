// Multiple Systems Estimation against Rcapture and SparseMSE on published
// capture-history tables (tests/fixtures/mse/README.md gives the sources).
// The R commands and their full-precision outputs are in
// tests/mse/REFERENCE.md (R 4.2.2, Rcapture 1.4-4, SparseMSE 2.0.1).
#include "mse/mse.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <sstream>

#include "core/error.hpp"

namespace vigil::mse {
namespace {

CaptureHistories load(const std::string& name) {
  const std::string path = std::string(VIGIL_FIXTURES_DIR) + "/mse/" + name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + path);
  return read_capture_histories(in, name);
}

CaptureHistories parse(const std::string& text) {
  std::istringstream in(text);
  return read_capture_histories(in, "h.csv");
}

std::vector<std::string> term_names(const CaptureHistories& table, const MseResult& result) {
  std::vector<std::string> out;
  for (const auto& interaction : result.model.interactions) {
    out.push_back(term_name(table, interaction));
  }
  return out;
}

TEST(CaptureHistories, ReadsCountsAndIndividualRows) {
  const auto table = load("UKdat.csv");
  EXPECT_EQ(table.list_count(), 6U);
  EXPECT_EQ(table.list_names()[5], "NCA");
  EXPECT_EQ(table.observed(), 2744);
  // One row per person, no count column; a history listed twice is summed.
  const auto people = parse("A,B,C\n1,0,0\n1,1,0\n1,0,0\n0,0,1\n");
  EXPECT_EQ(people.observed(), 4);
  EXPECT_EQ(people.count(0b001), 2);
  EXPECT_EQ(people.count(0b011), 1);
  EXPECT_EQ(people.overlap(0, 1), 1);
  EXPECT_EQ(people.list_total(0), 3);
}

TEST(CaptureHistories, StrataSplitTheTable) {
  std::istringstream in("A,region,B,count\n1,north,0,5\n1,south,1,2\n0,north,1,3\n1,north,1,1\n");
  const auto strata = read_stratified_capture_histories(in, "s.csv", "region");
  ASSERT_EQ(strata.size(), 2U);
  EXPECT_EQ(strata[0].name, "north");
  EXPECT_EQ(strata[0].table.list_names(), (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(strata[0].table.observed(), 9);
  EXPECT_EQ(strata[0].table.count(0b11), 1);
  EXPECT_EQ(strata[1].name, "south");
  EXPECT_EQ(strata[1].table.observed(), 2);
  EXPECT_EQ(strata[1].table.list_total(0), 2);
  std::istringstream missing("A,B,count\n1,0,5\n");
  try {
    read_stratified_capture_histories(missing, "s.csv", "region");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "s.csv:1: no column named \"region\" for --strata; the columns are A, B, count");
  }
}

TEST(CaptureHistories, ErrorsNameTheLineAndColumn) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      parse(text);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  };
  EXPECT_EQ(error_of("A,B,count\n1,2,5\n"), "h.csv:2:2: expected 0 or 1, got \"2\"");
  EXPECT_EQ(error_of("A,B,count\n1,0,-3\n"),
            "h.csv:2:3: expected a count (a whole number >= 0), got \"-3\"");
  EXPECT_EQ(error_of("A,B,count\n0,0,4\n"),
            "h.csv:2: a history with no list marked 1 cannot be observed; expected at least one "
            "1 in the list columns");
  EXPECT_EQ(error_of("A,count\n1,4\n"),
            "h.csv:1: expected 2 to 16 list columns (then an optional count column named count "
            "or n), got 1");
  EXPECT_EQ(error_of("A,A,count\n1,0,4\n"),
            "h.csv:1:2: expected list names that are all different, got \"A\"");
  EXPECT_EQ(error_of("A,B,count\n1,0\n"), "h.csv:2: expected 3 fields as in the header, got 2");
}

// Counts near the 64-bit limit overflowed their sum, in a cell and in the
// table's total (undefined behaviour; found while writing the fuzz target,
// fuzz/regressions/capture_histories/count_sum_overflow_*).
TEST(CaptureHistories, RejectsCountsWhoseTotalOverflows) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      parse(text);
    } catch (const Error& error) {
      return error.what();
    }
    return "";
  };
  const std::string expected =
      "expected counts that add up to at most 9007199254740992 people (2^53) in a table, got ";
  EXPECT_EQ(error_of("A,B,n\n1,0,9007199254740992\n1,0,1\n"), "h.csv:3:3: " + expected + "\"1\"");
  EXPECT_EQ(error_of("A,B,n\n0,1,9223372036854775807\n1,0,1\n"),
            "h.csv:2:3: " + expected + "\"9223372036854775807\"");
  EXPECT_EQ(parse("A,B,n\n1,0,9007199254740991\n0,1,1\n").observed(), 9007199254740992);
  EXPECT_THROW(CaptureHistories({"A", "B"}, {0, INT64_MAX, 1, 0}), Error);
}

TEST(Terms, ParseAndName) {
  const auto table = load("UKdat.csv");
  const auto model = parse_terms(table, "PF:NCA, NG:LA,PF:NCA");
  ASSERT_EQ(model.interactions.size(), 2U);
  EXPECT_EQ(term_name(table, model.interactions[0]), "PF:NCA");
  EXPECT_EQ(term_name(table, model.interactions[1]), "LA:NG");  // lists in table order
  try {
    parse_terms(table, "PF:XX");
    FAIL();
  } catch (const Error& error) {
    EXPECT_EQ(std::string(error.what()),
              "--terms: \"PF:XX\" names no list; the lists are LA, NG, PF, GO, GP, NCA");
  }
}

// Reference values: tests/mse/REFERENCE.md, section 2 (R 4.2.2, Rcapture
// 1.4-4, SparseMSE 2.0.1). R's glm stops at a relative deviance change of
// 1e-8 and takes its standard errors from the previous iterate's weights;
// vigil iterates to 1e-12. Hence the tolerances: totals, deviances, AIC and
// BIC agree with R's printed values to a relative 1e-8; standard errors are
// compared with R refitted at epsilon = 1e-15 ("exact MLE" columns) to 1e-8,
// and intervals, which R computes from its early-stopped standard errors,
// to a relative 1e-4.
struct Reference {
  const char* file;
  // Main effects = Rcapture Mt = SparseMSE main (tables A, C, D).
  double main_total;
  double main_deviance;
  int main_df;
  double main_aic;
  double main_bic;
  double main_stderr_exact;  // Rcapture stderr at the exact MLE
  double main_ci_lower;      // SparseMSE main, 2.5 %
  double main_ci_upper;      // 97.5 %
  // SparseMSE stepwise (table C).
  std::vector<std::string> stepwise_terms;
  double stepwise_total;
  double stepwise_deviance;
  int stepwise_df;
  double stepwise_aic;
  double stepwise_ci_lower;
  double stepwise_ci_upper;
};

const std::vector<Reference>& references() {
  static const std::vector<Reference> kReferences = {
      {"UKdat.csv",
       12213.9951246008,
       179.354849388748,
       56,
       305.019988990859,
       346.440192912779,
       676.451091450662,
       10988.8001335321,
       13621.2567202965,
       {"PF:NCA", "LA:NG", "NG:GP", "LA:PF", "PF:GP", "GO:GP", "NG:GO"},
       11417.9910915046,
       22.9939153742212,
       49,
       162.659054976332,
       9977.28263976354,
       13145.6565095763},
      {"UKdat_5.csv",
       13444.1312090139,
       118.531629289399,
       25,
       217.778876462761,
       253.281908395836,
       806.929766194591,
       11985.1709470638,
       15133.4264640231,
       {"LA:NG", "NG:GP", "PFNCA:GP", "LA:PFNCA", "GO:GP", "NG:GO"},
       11312.9902894352,
       16.3513834034513,
       19,
       127.598630576814,
       9884.40283061856,
       13027.3966545378},
      {"NewOrl.csv",
       996.664293388566,
       41.2917350727038,
       246,
       118.353859929678,
       147.337062355383,
       236.988602211612,
       644.886031600367,
       1617.52649546539,
       {"D:E"},
       1183.69227455346,
       34.0070644317413,
       245,
       113.069189288715,
       720.924350442943,
       2046.0579243664},
      {"NewOrl_5.csv",
       1034.15106523105,
       19.2834545613752,
       25,
       77.5293892556789,
       96.8515242061488,
       254.945902384092,
       658.258392060766,
       1708.60220902422,
       {},
       1034.15106523105,
       19.2834545613753,
       25,
       77.5293892556789,
       658.258392060766,
       1708.60220902422},
      {"Western.csv",
       2007.14175718586,
       40.963132850714,
       25,
       104.218410187799,
       127.279676689987,
       371.481639620702,
       1420.41796167255,
       2913.9688283467,
       {"A:E"},
       2483.38392023013,
       26.5842264045805,
       24,
       91.8395037416654,
       1657.09366605187,
       3830.03000098929},
      {"Artificial_3.csv",
       539.093929428606,
       8.87254028344687,
       3,
       36.1474239544086,
       46.40481672028,
       201.450617875991,
       278.654157031568,
       1170.88509151506,
       {},
       539.093929428606,
       8.87254028344687,
       3,
       36.1474239544086,
       278.654157031568,
       1170.88509151506},
  };
  return kReferences;
}

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_NEAR(actual, expected, tolerance * std::fabs(expected)) << what;
}

TEST(LogLinear, MainEffectsModelEqualsRcaptureMtAndSparseMseMain) {
  for (const auto& reference : references()) {
    const auto table = load(reference.file);
    const MseResult result = fit_log_linear(table, LogLinearModel{});
    const std::string name = reference.file;
    ASSERT_TRUE(result.exists) << name << ": " << result.reason;
    expect_relative(result.total, reference.main_total, 1e-8, name + " total");
    expect_relative(result.deviance, reference.main_deviance, 1e-8, name + " deviance");
    EXPECT_EQ(result.df, reference.main_df) << name;
    expect_relative(result.aic, reference.main_aic, 1e-8, name + " AIC");
    expect_relative(result.bic, reference.main_bic, 1e-8, name + " BIC");
    expect_relative(result.std_error, reference.main_stderr_exact, 1e-8, name + " stderr");
    expect_relative(result.ci_lower, reference.main_ci_lower, 1e-4, name + " 2.5%");
    expect_relative(result.ci_upper, reference.main_ci_upper, 1e-4, name + " 97.5%");
    EXPECT_TRUE(result.infinite_interactions.empty());
  }
}

TEST(LogLinear, StepwiseSelectsSparseMseModelAndEstimate) {
  for (const auto& reference : references()) {
    const auto table = load(reference.file);
    const MseResult result = select_stepwise(table, 0.02);
    const std::string name = reference.file;
    ASSERT_TRUE(result.exists) << name << ": " << result.reason;
    EXPECT_EQ(term_names(table, result), reference.stepwise_terms) << name;
    expect_relative(result.total, reference.stepwise_total, 1e-8, name + " total");
    expect_relative(result.deviance, reference.stepwise_deviance, 1e-8, name + " deviance");
    EXPECT_EQ(result.df, reference.stepwise_df) << name;
    expect_relative(result.aic, reference.stepwise_aic, 1e-8, name + " AIC");
    expect_relative(result.ci_lower, reference.stepwise_ci_lower, 1e-4, name + " 2.5%");
    expect_relative(result.ci_upper, reference.stepwise_ci_upper, 1e-4, name + " 97.5%");
  }
}

// A fixed model equal to the stepwise choice gives the same estimate: the
// fit does not depend on how the model was chosen.
TEST(LogLinear, FixedModelReproducesTheStepwiseFit) {
  const auto table = load("UKdat.csv");
  const MseResult fixed =
      fit_log_linear(table, parse_terms(table, "PF:NCA,LA:NG,NG:GP,LA:PF,PF:GP,GO:GP,NG:GO"));
  expect_relative(fixed.total, 11417.9910915046, 1e-8, "UKdat fixed total");
  expect_relative(fixed.deviance, 22.9939153742212, 1e-8, "UKdat fixed deviance");
}

// REFERENCE.md section 7, example 1: lists A and C share nobody. With A:C in
// the model its parameter is at minus infinity: the two A&C cells are fitted
// as zero and left out, and AIC counts the parameter (SparseMSE
// estimatepopulation.0(d1, method = "fixed", mX = c(1, 3))).
TEST(LogLinear, EmptyOverlapInteractionGoesToMinusInfinity) {
  const auto table = parse("A,B,C,count\n1,0,0,30\n0,1,0,40\n0,0,1,25\n1,1,0,8\n0,1,1,6\n");
  const MseResult result = fit_log_linear(table, parse_terms(table, "A:C"));
  ASSERT_TRUE(result.exists) << result.reason;
  ASSERT_EQ(result.infinite_interactions.size(), 1U);
  EXPECT_EQ(term_name(table, result.infinite_interactions[0]), "A:C");
  expect_relative(result.total, 266.142857142845, 1e-8, "total");
  expect_relative(result.deviance, 0.0304996530917484, 1e-6, "deviance");
  EXPECT_EQ(result.df, 1);
  expect_relative(result.aic, 33.4650016858703, 1e-8, "AIC");
  expect_relative(result.ci_lower, 189.933361699493, 1e-4, "2.5%");
  expect_relative(result.ci_upper, 414.113701352296, 1e-4, "97.5%");
  // All pairs: 6 parameters on 5 cells, not identifiable (checkident ierr 2).
  const auto all_pairs = parse_terms(table, "A:B,A:C,B:C");
  const Estimability estimability = check_estimability(table, all_pairs);
  EXPECT_TRUE(estimability.finite);
  EXPECT_FALSE(estimability.identifiable);
  const MseResult none = fit_log_linear(table, all_pairs);
  EXPECT_FALSE(none.exists);
  EXPECT_NE(none.reason.find("not identifiable"), std::string::npos);
}

// Example 2: list C observes nobody, so C's main effect is at minus
// infinity and the estimate is not finite (checkident ierr 1). SparseMSE's
// main and fixed methods crash here and its stepwise quietly returns 228;
// vigil reports that no estimate exists, and why.
TEST(LogLinear, AListThatObservesNobodyHasNoEstimate) {
  const auto table = parse("A,B,C,count\n1,0,0,30\n0,1,0,40\n1,1,0,8\n");
  EXPECT_FALSE(check_estimability(table, {}).finite);
  for (const MseResult& result : {fit_log_linear(table, {}), select_stepwise(table, 0.02)}) {
    EXPECT_FALSE(result.exists);
    EXPECT_NE(result.reason.find("not finite"), std::string::npos) << result.reason;
    EXPECT_NE(result.reason.find("list C observes nobody"), std::string::npos) << result.reason;
  }
}

// Example 3: Artificial_3, where C overlaps nobody: A:B makes the estimate
// infinite (ierr 1), A:C + B:C is estimable (296 [174.94, 602.75]).
TEST(LogLinear, ArtificialThreeExistenceChecks) {
  const auto table = load("Artificial_3.csv");
  EXPECT_FALSE(check_estimability(table, parse_terms(table, "A:B")).finite);
  EXPECT_FALSE(check_estimability(table, parse_terms(table, "A:B,A:C,B:C")).identifiable);
  const MseResult result = fit_log_linear(table, parse_terms(table, "A:C,B:C"));
  ASSERT_TRUE(result.exists) << result.reason;
  EXPECT_EQ(result.infinite_interactions.size(), 2U);
  expect_relative(result.total, 296, 1e-8, "total");
  expect_relative(result.ci_lower, 174.935007284631, 1e-4, "2.5%");
  expect_relative(result.ci_upper, 602.746010116454, 1e-4, "97.5%");
}

// Example 4: stepwise adds a pair with no overlap (A:B: 0 observed, 22.52
// expected, p = 1.66e-10) as an interaction at minus infinity.
TEST(LogLinear, StepwiseCanSelectAnEmptyOverlap) {
  const auto table = parse("A,B,C,count\n1,0,0,200\n0,1,0,200\n0,0,1,50\n1,0,1,20\n0,1,1,20\n");
  const MseResult result = select_stepwise(table, 0.02);
  ASSERT_TRUE(result.exists) << result.reason;
  EXPECT_EQ(term_names(table, result), std::vector<std::string>{"A:B"});
  ASSERT_EQ(result.infinite_interactions.size(), 1U);
  expect_relative(result.total, 989.999999999999, 1e-8, "total");
  expect_relative(result.aic, 39.7111728506187, 1e-8, "AIC");
  EXPECT_EQ(result.df, 1);
  expect_relative(result.ci_lower, 816.178197900531, 1e-4, "2.5%");
  expect_relative(result.ci_upper, 1256.45220805419, 1e-4, "97.5%");
}

}  // namespace
}  // namespace vigil::mse