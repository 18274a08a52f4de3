#include "link/fellegi_sunter.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "core/error.hpp"

namespace vigil::link {
namespace {

// Uniform draw on [0, 1) from the top 53 bits, so that the same seed gives the
// same draws with every standard library (std::uniform_real_distribution is
// not specified exactly).
double uniform(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11U) * 0x1.0p-53;
}

int draw_level(std::mt19937_64& rng, const std::vector<double>& p) {
  const double x = uniform(rng);
  double cumulative = 0.0;
  for (std::size_t l = 0; l + 1 < p.size(); ++l) {
    cumulative += p[l];
    if (x < cumulative) return static_cast<int>(l);
  }
  return static_cast<int>(p.size() - 1);
}

struct Truth {
  double lambda;
  LevelProbabilities m;
  LevelProbabilities u;
  std::vector<double> missing;  // P(field missing), the same in both classes (MAR)
};

// Four fields as after blocking on region: a document-number agreement, a
// three-level name similarity, sex, a three-level date comparison.
Truth four_field_truth() {
  return {0.1,
          {{0.03, 0.97}, {0.03, 0.12, 0.85}, {0.1, 0.9}, {0.05, 0.15, 0.8}},
          {{0.97, 0.03}, {0.8, 0.15, 0.05}, {0.6, 0.4}, {0.85, 0.12, 0.03}},
          {0.0, 0.1, 0.2, 0.05}};
}

ComparisonPatterns simulate(const Truth& truth, std::size_t pairs, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  ComparisonPatterns out{4, {2, 3, 2, 3}, {}};
  out.levels.reserve(pairs * 4);
  for (std::size_t i = 0; i < pairs; ++i) {
    const bool match = uniform(rng) < truth.lambda;
    for (std::size_t k = 0; k < 4; ++k) {
      const int level = draw_level(rng, match ? truth.m[k] : truth.u[k]);
      const bool missing = uniform(rng) < truth.missing[k];
      out.levels.push_back(missing ? kMissingLevel : static_cast<std::int8_t>(level));
    }
  }
  return out;
}

// Tolerance for a proportion p estimated from n draws: five binomial standard
// errors. The binomial standard error is the complete-data one (as if match
// status were known); EM's is larger by the fraction of information lost to
// the latent labels (Dempster, Laird & Rubin 1977; Louis 1982). With these
// well-separated classes most posteriors are near 0 or 1 and the loss is
// modest, but not nil: across the three simulations here the largest error
// observed was 3.2 complete-data standard errors. Five leaves room for that
// inflation while still catching a bias of a few percentage points, e.g. a
// wrong M step or ignoring missing fields.
double tolerance(double p, double n) {
  return 5.0 * std::sqrt(p * (1.0 - p) / n);
}

void expect_recovers_m_and_lambda(const FellegiSunterModel& model, const Truth& truth,
                                  double pairs) {
  EXPECT_NEAR(model.match_proportion, truth.lambda, tolerance(truth.lambda, pairs));
  for (std::size_t k = 0; k < truth.m.size(); ++k) {
    const double observed_matches = pairs * truth.lambda * (1.0 - truth.missing[k]);
    for (std::size_t l = 0; l < truth.m[k].size(); ++l) {
      EXPECT_NEAR(model.m[k][l], truth.m[k][l], tolerance(truth.m[k][l], observed_matches))
          << "m field " << k << " level " << l;
    }
  }
}

TEST(FellegiSunterEm, RecoversSimulatedParameters) {
  const Truth truth = four_field_truth();
  constexpr std::size_t kPairs = 200'000;
  const ComparisonPatterns patterns = simulate(truth, kPairs, 20240611);
  const FellegiSunterModel model = estimate_fellegi_sunter(patterns);

  EXPECT_TRUE(model.converged);
  expect_recovers_m_and_lambda(model, truth, kPairs);
  for (std::size_t k = 0; k < truth.u.size(); ++k) {
    const double observed_nonmatches = kPairs * (1.0 - truth.lambda) * (1.0 - truth.missing[k]);
    for (std::size_t l = 0; l < truth.u[k].size(); ++l) {
      EXPECT_NEAR(model.u[k][l], truth.u[k][l], tolerance(truth.u[k][l], observed_nonmatches))
          << "u field " << k << " level " << l;
    }
  }
  EXPECT_TRUE(std::isfinite(model.log_likelihood));
  EXPECT_LT(model.log_likelihood, 0.0);
}

TEST(FellegiSunterEm, LabelsMatchClassByAgreementWhateverTheStart) {
  // Started with m and u exchanged, EM converges to the swapped labelling;
  // the identifiability rule must swap it back.
  const Truth truth = four_field_truth();
  constexpr std::size_t kPairs = 200'000;
  const ComparisonPatterns patterns = simulate(truth, kPairs, 7);
  EmOptions options;
  options.initial_match_proportion = 0.9;
  options.initial_m = truth.u;
  options.initial_u = truth.m;
  const FellegiSunterModel model = estimate_fellegi_sunter(patterns, options);
  expect_recovers_m_and_lambda(model, truth, kPairs);
}

// One EM step by hand. Two fields of two levels, smoothing 0, start
// lambda = 1/2, m = (0.2, 0.8) and u = (0.8, 0.2) for both fields. Pairs:
//
//   gamma     P(g|M)  P(g|U)  g = P(M|gamma)
//   (1, 1)    0.64    0.04    0.64 / 0.68 = 16/17
//   (1, 0)    0.16    0.16    1/2
//   (0, 0)    0.04    0.64    1/17
//   (1, -)    0.8     0.2     0.8 / 1.0   = 4/5
//
// Sum of g = 16/17 + 1/2 + 1/17 + 4/5 = 2.3, so lambda' = 2.3 / 4 = 0.575.
// Field 1 (observed in all four): m'(1) = (16/17 + 1/2 + 4/5) / 2.3,
//   u'(1) = (1/17 + 1/2 + 1/5) / (4 - 2.3).
// Field 2 (observed in the first three, sum g = 1.5, sum 1 - g = 1.5):
//   m'(1) = (16/17) / 1.5 = 32/51, u'(1) = (1/17) / 1.5 = 2/51.
TEST(FellegiSunterEm, OneStepMatchesHandComputation) {
  const ComparisonPatterns patterns{2, {2, 2}, {1, 1, 1, 0, 0, 0, 1, kMissingLevel}};
  EmOptions options;
  options.initial_match_proportion = 0.5;
  options.initial_m = LevelProbabilities{{0.2, 0.8}, {0.2, 0.8}};
  options.initial_u = LevelProbabilities{{0.8, 0.2}, {0.8, 0.2}};
  options.max_iterations = 1;
  options.smoothing = 0.0;
  const FellegiSunterModel model = estimate_fellegi_sunter(patterns, options);

  constexpr double kEps = 1e-12;
  EXPECT_EQ(model.iterations, 1);
  EXPECT_FALSE(model.converged);
  EXPECT_NEAR(model.match_proportion, 0.575, kEps);
  const double m1 = (16.0 / 17.0 + 0.5 + 0.8) / 2.3;
  const double u1 = (1.0 / 17.0 + 0.5 + 0.2) / 1.7;
  EXPECT_NEAR(model.m[0][1], m1, kEps);
  EXPECT_NEAR(model.m[0][0], 1.0 - m1, kEps);
  EXPECT_NEAR(model.u[0][1], u1, kEps);
  EXPECT_NEAR(model.u[0][0], 1.0 - u1, kEps);
  EXPECT_NEAR(model.m[1][1], 32.0 / 51.0, kEps);
  EXPECT_NEAR(model.m[1][0], 19.0 / 51.0, kEps);
  EXPECT_NEAR(model.u[1][1], 2.0 / 51.0, kEps);
  EXPECT_NEAR(model.u[1][0], 49.0 / 51.0, kEps);

  // The log-likelihood is reported at the returned parameters.
  double expected_ll = 0.0;
  const double lam = 0.575;
  const auto term = [&](double pm, double pu) { return std::log((lam * pm) + ((1 - lam) * pu)); };
  expected_ll += term(m1 * (32.0 / 51.0), u1 * (2.0 / 51.0));
  expected_ll += term(m1 * (19.0 / 51.0), u1 * (49.0 / 51.0));
  expected_ll += term((1 - m1) * (19.0 / 51.0), (1 - u1) * (49.0 / 51.0));
  expected_ll += term(m1, u1);
  EXPECT_NEAR(model.log_likelihood, expected_ll, 1e-12);
}

// lambda = 0.1; field 1: m = (0.1, 0.9), u = (0.7, 0.3); field 2: m = (0.2,
// 0.3, 0.5), u = (0.6, 0.3, 0.1).
//   gamma (1, 2): 0.1 * 0.9 * 0.5 = 0.045 vs 0.9 * 0.3 * 0.1 = 0.027,
//     posterior 0.045 / 0.072 = 0.625, weight log2(3) + log2(5) = log2(15).
//   gamma (0, -): 0.1 * 0.1 = 0.01 vs 0.9 * 0.7 = 0.63,
//     posterior 0.01 / 0.64 = 1/64, weight log2(1/7).
//   gamma (-, -): the prior, 0.1, weight 0.
TEST(FellegiSunterPosterior, EqualsBayesRuleByHand) {
  FellegiSunterModel model;
  model.match_proportion = 0.1;
  model.m = {{0.1, 0.9}, {0.2, 0.3, 0.5}};
  model.u = {{0.7, 0.3}, {0.6, 0.3, 0.1}};
  const ComparisonPatterns patterns{
      2, {2, 3}, {1, 2, 0, kMissingLevel, kMissingLevel, kMissingLevel}};

  const std::vector<double> weights = match_weights(model, patterns);
  ASSERT_EQ(weights.size(), 3U);
  EXPECT_NEAR(weights[0], std::log2(15.0), 1e-12);
  EXPECT_NEAR(weights[1], -std::log2(7.0), 1e-12);
  EXPECT_EQ(weights[2], 0.0);

  const std::vector<double> posteriors = match_probabilities(model, patterns);
  ASSERT_EQ(posteriors.size(), 3U);
  EXPECT_NEAR(posteriors[0], 0.625, 1e-12);
  EXPECT_NEAR(posteriors[1], 1.0 / 64.0, 1e-12);
  EXPECT_NEAR(posteriors[2], 0.1, 1e-12);
}

TEST(FellegiSunterPosterior, ZeroProbabilitiesGiveInfiniteWeights) {
  FellegiSunterModel model;
  model.match_proportion = 0.5;
  model.m = {{0.0, 0.5, 0.5}};
  model.u = {{0.5, 0.5, 0.0}};
  const ComparisonPatterns patterns{1, {3}, {0, 2}};
  const std::vector<double> weights = match_weights(model, patterns);
  EXPECT_EQ(weights[0], -std::numeric_limits<double>::infinity());
  EXPECT_EQ(weights[1], std::numeric_limits<double>::infinity());
  const std::vector<double> posteriors = match_probabilities(model, patterns);
  EXPECT_EQ(posteriors[0], 0.0);
  EXPECT_EQ(posteriors[1], 1.0);
}

// Posteriors sorted: 0.99, 0.95, 0.9, 0.6, 0.5, 0.1, 0.05 (sum 4.09). Prefix
// means: 0.99, 0.97, 2.84 / 3 = 0.9467, 3.44 / 4 = 0.86. At precision 0.9 the
// lowest admissible cut accepts three pairs: threshold 0.9, expected
// precision 2.84 / 3, expected recall 2.84 / 4.09.
TEST(FellegiSunterThreshold, HandExample) {
  const std::vector<double> posteriors{0.5, 0.99, 0.05, 0.9, 0.6, 0.95, 0.1};
  const Threshold t = threshold_for_precision(posteriors, 0.9);
  EXPECT_EQ(t.probability, 0.9);
  EXPECT_EQ(t.pairs_above, 3U);
  EXPECT_NEAR(t.expected_precision, 2.84 / 3.0, 1e-12);
  EXPECT_NEAR(t.expected_recall, 2.84 / 4.09, 1e-12);
}

TEST(FellegiSunterThreshold, TiesAreAcceptedTogether) {
  // Accepting 1.0 and one 0.7 would have precision 0.85 >= 0.84, but no
  // threshold separates the two 0.7s, and with both the precision is 0.8.
  const Threshold t = threshold_for_precision({0.7, 1.0, 0.7}, 0.84);
  EXPECT_EQ(t.probability, 1.0);
  EXPECT_EQ(t.pairs_above, 1U);
  EXPECT_EQ(t.expected_precision, 1.0);
  EXPECT_NEAR(t.expected_recall, 1.0 / 2.4, 1e-12);
}

TEST(FellegiSunterThreshold, UnreachablePrecisionAcceptsNothing) {
  const Threshold t = threshold_for_precision({0.9, 0.5}, 0.95);
  EXPECT_EQ(t.pairs_above, 0U);
  EXPECT_EQ(t.probability, std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(t.expected_precision));
  EXPECT_EQ(t.expected_recall, 0.0);
}

TEST(FellegiSunterRandomPairs, UIsLevelFrequencyAmongObserved) {
  // Field 1: levels 0, 0, 1, 2 -> (1/2, 1/4, 1/4); field 2: one missing,
  // levels 1, 1, 0 -> (1/3, 2/3).
  const ComparisonPatterns random{2, {3, 2}, {0, 1, 0, kMissingLevel, 1, 1, 2, 0}};
  const LevelProbabilities u = estimate_u_from_random_pairs(random);
  ASSERT_EQ(u.size(), 2U);
  EXPECT_EQ(u[0], (std::vector<double>{0.5, 0.25, 0.25}));
  EXPECT_NEAR(u[1][0], 1.0 / 3.0, 1e-15);
  EXPECT_NEAR(u[1][1], 2.0 / 3.0, 1e-15);
}

TEST(FellegiSunterEm, FixedUFromRandomPairsIsHeldAndMRecovered) {
  const Truth truth = four_field_truth();
  // Random pairs: all non-matches.
  Truth nonmatches = truth;
  nonmatches.lambda = 0.0;
  constexpr std::size_t kRandomPairs = 100'000;
  const LevelProbabilities u = estimate_u_from_random_pairs(simulate(nonmatches, kRandomPairs, 99));
  for (std::size_t k = 0; k < u.size(); ++k) {
    const double observed = kRandomPairs * (1.0 - truth.missing[k]);
    for (std::size_t l = 0; l < u[k].size(); ++l) {
      EXPECT_NEAR(u[k][l], truth.u[k][l], tolerance(truth.u[k][l], observed));
    }
  }

  constexpr std::size_t kPairs = 200'000;
  EmOptions options;
  options.fixed_u = u;
  const FellegiSunterModel model =
      estimate_fellegi_sunter(simulate(truth, kPairs, 20240612), options);
  EXPECT_TRUE(model.converged);
  EXPECT_EQ(model.u, u);
  expect_recovers_m_and_lambda(model, truth, kPairs);
}

TEST(FellegiSunterErrors, RejectsMalformedInput) {
  const auto expect_usage = [](auto&& call) {
    try {
      call();
      ADD_FAILURE() << "no exception";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::usage) << e.what();
    }
  };
  // A level out of range, above and below.
  expect_usage([] { estimate_fellegi_sunter({1, {2}, {0, 2}}); });
  expect_usage([] { estimate_fellegi_sunter({1, {2}, {0, -2}}); });
  // No pairs, no fields, level counts that do not fit.
  expect_usage([] { estimate_fellegi_sunter({2, {2, 2}, {}}); });
  expect_usage([] { estimate_fellegi_sunter({0, {}, {}}); });
  expect_usage([] { estimate_fellegi_sunter({2, {2}, {0, 1}}); });
  expect_usage([] { estimate_fellegi_sunter({1, {1}, {0}}); });
  expect_usage([] { estimate_fellegi_sunter({2, {2, 2}, {0, 1, 1}}); });
  // Options out of range or of the wrong shape.
  const ComparisonPatterns ok{1, {2}, {0, 1, 1}};
  expect_usage([&] {
    EmOptions o;
    o.initial_match_proportion = 0.0;
    estimate_fellegi_sunter(ok, o);
  });
  expect_usage([&] {
    EmOptions o;
    o.fixed_u = LevelProbabilities{{0.5, 0.3, 0.2}};
    estimate_fellegi_sunter(ok, o);
  });
  expect_usage([&] {
    EmOptions o;
    o.initial_m = LevelProbabilities{{0.5, 0.6}};
    estimate_fellegi_sunter(ok, o);
  });
  // A field never observed among random pairs.
  expect_usage([] { estimate_u_from_random_pairs({1, {2}, {kMissingLevel}}); });
  // A model that does not fit the patterns.
  FellegiSunterModel model;
  model.match_proportion = 0.1;
  model.m = {{0.1, 0.9}};
  model.u = {{0.9, 0.1}};
  expect_usage([&] { match_weights(model, {1, {3}, {0}}); });
  expect_usage([&] { match_probabilities(model, {2, {2, 2}, {0, 1}}); });
  // Thresholds.
  expect_usage([] { threshold_for_precision({}, 0.9); });
  expect_usage([] { threshold_for_precision({0.5}, 0.0); });
  expect_usage([] { threshold_for_precision({0.5}, 1.5); });
  expect_usage([] { threshold_for_precision({1.5}, 0.9); });
}

}  // namespace
}  // namespace vigil::link
