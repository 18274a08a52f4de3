// The Fellegi–Sunter model of record linkage, fitted by EM.
//
// Every candidate pair of records (one from each agency's list) is compared
// field by field with the comparators of link/compare.hpp; each comparison is
// reduced to an agreement level, and the pair to its comparison vector gamma.
// Fellegi & Sunter (1969, "A theory for record linkage", JASA 64:1183–1210)
// model gamma as drawn from one of two classes, matches (M) and non-matches
// (U), and decide on the likelihood ratio P(gamma | M) / P(gamma | U).
//
// Assumptions, all the standard ones and all worth checking against a
// hand-labelled sample before the output is trusted:
//
//  * Conditional independence: given match status, the fields agree or
//    disagree independently (Jaro 1989, "Advances in record-linkage
//    methodology as applied to matching the 1985 census of Tampa, Florida",
//    JASA 84:414–420; Winkler 1988, "Using the EM algorithm for weight
//    computation in the Fellegi–Sunter model of record linkage", Proc. Section
//    on Survey Research Methods, ASA, 667–671). Fields that are copied from
//    one another (a name and its transliteration) break it and inflate the
//    weights; compare only one of them.
//  * Missing at random: a field missing in either record carries no
//    information about match status and drops out of the likelihood
//    (Enamorado, Fifield & Imai 2019, "Using a probabilistic model to assist
//    merging of large-scale administrative records", APSR 113:353–371).
//  * Two classes: the larger "non-match" class must really be non-matches.
//    EM finds *a* two-class mixture; if blocking left mostly true matches, or
//    the lists contain a large class of near-duplicates (family members), the
//    class it labels "match" may not be what an analyst means. Fixing u from
//    random pairs (EmOptions::fixed_u) anchors the non-match class.
//
// Level convention: level 0 is the strongest disagreement and level L_k - 1
// full agreement, so a higher level always means closer agreement. The
// enumerations in compare.hpp list the strongest agreement first; map them in
// reverse (and their `missing` to kMissingLevel).
//
// Errors: malformed input (a level outside its field's range, shapes that do
// not fit, an empty set of pairs, an option out of range) throws vigil::Error
// of kind `usage`, since comparison vectors are built by code, not typed by a
// user. A fit that did not converge is reported in the result, not thrown.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace vigil::link {

// The agreement level of a field that is missing in either record.
inline constexpr std::int8_t kMissingLevel = -1;

// Largest number of levels a field may have: levels are stored as int8.
inline constexpr int kMaxLevels = 127;

// Probabilities per field, per level: p[k][l] = P(gamma_k = l | class, gamma_k
// observed). Each inner vector sums to 1.
using LevelProbabilities = std::vector<std::vector<double>>;

// Comparison vectors of a set of candidate pairs.
struct ComparisonPatterns {
  // K, the number of compared fields; at least 1.
  int fields = 0;
  // L_k for each field, 2..kMaxLevels; size `fields`.
  std::vector<int> levels_per_field;
  // Row-major pairs x fields: levels[i * fields + k] is pair i's level on
  // field k, in 0..L_k - 1, or kMissingLevel.
  std::vector<std::int8_t> levels;

  // Number of pairs; 0 when `fields` is not positive.
  std::size_t pairs() const;
};

// A fitted Fellegi–Sunter model.
struct FellegiSunterModel {
  // lambda = P(M): share of the candidate pairs that are matches.
  double match_proportion = 0.0;
  // m[k][l] = P(gamma_k = l | M), u[k][l] = P(gamma_k = l | U).
  LevelProbabilities m;
  LevelProbabilities u;
  // EM iterations performed (each one E step and one M step).
  int iterations = 0;
  // Whether the largest change of any parameter in the last iteration was at
  // most EmOptions::tolerance. A model that did not converge is still the
  // best estimate reached; whether to use it is the caller's decision.
  bool converged = false;
  // Observed-data log-likelihood (natural log) at the returned parameters,
  // summed over pairs, missing fields marginalised out. Comparable between
  // fits to the same patterns, e.g. from different starting values.
  double log_likelihood = 0.0;
};

struct EmOptions {
  // Starting lambda, in (0, 1). Candidate pairs after blocking are mostly
  // non-matches, hence a small default.
  double initial_match_proportion = 0.01;
  // At least 1. max_iterations = 1 with explicit starting values performs a
  // single EM step, which is how the step is checked by hand.
  int max_iterations = 1000;
  // Convergence: largest absolute change of lambda or any m or u, >= 0.
  double tolerance = 1e-10;
  // u estimated elsewhere (estimate_u_from_random_pairs) and held fixed: only
  // lambda and m are estimated. Recommended when a sample of random pairs is
  // available, because it pins the non-match class to what non-matches look
  // like instead of leaving EM to choose the split.
  std::optional<LevelProbabilities> fixed_u;
  // Starting m and u. Without them m starts at 0.9 on full agreement (the
  // rest spread evenly over the other levels) and u at the levels' overall
  // frequencies among the pairs, which are nearly the non-match frequencies
  // because matches are rare.
  std::optional<LevelProbabilities> initial_m;
  std::optional<LevelProbabilities> initial_u;
  // Pseudo-count added to every level's expected count in each M step, >= 0
  // (the posterior mode under a symmetric Dirichlet(1 + smoothing) prior). It
  // keeps a level never seen among the matches at a small positive m instead
  // of 0, which would give its pairs a weight of minus infinity and make one
  // typo veto an otherwise perfect match. 0 gives the maximum-likelihood EM.
  double smoothing = 1e-6;
};

// Fits lambda, m and u by EM under conditional independence and missing at
// random (see the top of this file).
//
// Identical comparison vectors are collapsed into unique patterns with counts
// first, so each iteration costs O(unique patterns x fields), not O(pairs x
// fields): with a handful of fields of 2–4 levels there are at most a few
// hundred patterns however many millions of pairs blocking produced.
//
// Label switching: the mixture's likelihood is the same with the two classes
// exchanged. After fitting, the class whose expected agreement is higher,
// averaged over fields (sum over l of p[k][l] * l / (L_k - 1), averaged over
// k), is called the match class; if that is the u side, m and u are swapped
// and lambda becomes 1 - lambda. With fixed_u the labels are already pinned by
// u and no swap is made.
//
// Throws vigil::Error (usage) on malformed patterns, no pairs, or options out
// of range; starting or fixed probabilities must match the patterns' shape,
// be non-negative and sum to 1 (within 1e-9) for each field.
FellegiSunterModel estimate_fellegi_sunter(const ComparisonPatterns& patterns,
                                           const EmOptions& options = {});

// u probabilities from comparisons of random pairs of records, which are
// almost surely non-matches when the lists are large: the frequency of each
// level among the pairs where the field is observed. A level never seen gets
// u = 0, so a pair at that level gets an infinite weight; draw enough random
// pairs that every level a true match could show appears.
//
// Throws vigil::Error (usage) on malformed patterns or a field with no
// observed level at all.
LevelProbabilities estimate_u_from_random_pairs(const ComparisonPatterns& random_pairs);

// Fellegi–Sunter match weight of each pair: the sum over observed fields of
// log2(m[k][l] / u[k][l]); a missing field contributes 0 (missing at random,
// as in fastLink). A level with m = u = 0 is impossible under both classes and
// also contributes 0; m = 0 < u gives -infinity, u = 0 < m +infinity.
//
// Throws vigil::Error (usage) when the model's shape does not fit the
// patterns, or on malformed patterns.
std::vector<double> match_weights(const FellegiSunterModel& model,
                                  const ComparisonPatterns& patterns);

// Posterior P(M | gamma) of each pair by Bayes' rule:
//
//   lambda * P(gamma | M) / (lambda * P(gamma | M) + (1 - lambda) * P(gamma | U)),
//
// the products over observed fields only. Computed from the weight on the
// log scale so that many fields do not underflow. Throws as match_weights.
std::vector<double> match_probabilities(const FellegiSunterModel& model,
                                        const ComparisonPatterns& patterns);

// A cut on posterior match probabilities and what the model expects of it.
struct Threshold {
  // Accept pairs with posterior >= probability. +infinity when no cut reaches
  // the requested precision.
  double probability = 0.0;
  // Mean posterior of the accepted pairs: the expected share of true matches
  // among them if the model is right. NaN when no pair is accepted.
  double expected_precision = 0.0;
  // Expected matches accepted / expected matches among all pairs (sums of
  // posteriors). 0 when no pair is accepted.
  double expected_recall = 0.0;
  std::size_t pairs_above = 0;
};

// The lowest cut whose expected precision is at least `precision`, i.e. the
// one accepting the most pairs (the highest expected recall). Pairs with equal
// posteriors are accepted or rejected together, because no threshold on the
// posterior can separate them.
//
// These are the model's own expectations; they are only as good as its
// assumptions, and conditional-independence violations typically make them
// optimistic. Check them against a clerical review of a sample.
//
// Throws vigil::Error (usage) when `posteriors` is empty or holds a value
// outside [0, 1], or unless 0 < precision <= 1.
Threshold threshold_for_precision(const std::vector<double>& posteriors, double precision);

}  // namespace vigil::link
