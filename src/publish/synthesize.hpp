// Synthetic microdata from differentially private marginals, and how far
// they are from the original data.
//
// synthesize() reads only a DpRelease (dp.hpp), never the original records,
// so the synthetic file is post-processing of the release and carries the
// release's (epsilon, delta) guarantee at no further cost (Dwork & Roth
// 2014, "The algorithmic foundations of differential privacy", Prop. 2.1).
//
// Records are drawn from a Bayesian network fitted to the noisy marginals,
// as in PrivBayes (Zhang, Cormode, Procopiuc, Srivastava & Xiao 2017,
// "PrivBayes: private data release via Bayesian networks", ACM TODS 42(4)),
// except that PrivBayes spends budget to choose the network and measure its
// conditionals, while here both come from marginals already released; the
// records are then adjusted to fit every released marginal:
//   1. Consistency. The marginals overlap (year x gender is also inside year
//      x gender x age) and their noise is independent, so each count is
//      measured several times. For every attribute set shorter than r, in
//      increasing length, the inverse-variance weighted mean of all its
//      measurements replaces each of them, the difference being spread
//      evenly over the cells that sum to it (Hay, Rastogi, Miklau & Suciu
//      2010, "Boosting the accuracy of differentially private histograms
//      through consistency", VLDB; Qardaji, Yang & Li 2014, "PriView",
//      SIGMOD). Linear, hence unbiased; it pools information and removes the
//      contradictions that would make step 6 chase noise.
//   2. Denoising. Counts below noise_floor * sigma_k are taken as 0, and the
//      rest is replaced by the non-negative table closest to it in L2 with
//      at most the estimated number of records: one constant subtracted from
//      every cell, clipped at zero (Norm-Sub; Zhang, Wang, Li, He & Chen
//      2021, "PrivSyn: differentially private data synthesis", USENIX
//      Security). In a sparse marginal the constant is of the
//      order of the noise, so cells that hold only noise drop to zero
//      instead of spreading records over combinations that do not exist.
//      Optionally, a cell is also zero when one of its sub-combinations one
//      attribute shorter is (a combination cannot be more frequent than its
//      parts).
//   3. Structure. Attributes are added greedily: first the one with the most
//      mutual information with the others (from the denoised 2-way
//      marginals), then at each step the (attribute, parent set) pair with
//      the largest mutual information I(X; parents), with up to r - 1
//      earlier attributes as parents and I computed from the denoised
//      marginal of the attribute with its parents. Only marginals whose
//      cells hold on average at least `usefulness` noise sds qualify
//      (PrivBayes's theta-usefulness): on a year x age x citizenship table
//      of 1,890 cells the noise would otherwise pick the parents.
//   4. Conditionals. P(x | p_1..p_j) comes from the marginal of x with its
//      parents, smoothed towards P(x | p_1..p_{j-1}) (one parent fewer, the
//      parents ordered by their pairwise information with x) with a
//      pseudo-count of smoothing * sigma of that marginal: configurations
//      seen often follow their own counts, those the noise leaves unclear
//      borrow from the coarser estimate (a hierarchical Dirichlet prior).
//   5. Sampling, record by record in the network's order; the record count
//      is the release's estimate unless one is requested.
//   6. Refinement. The network reproduces the marginals it was built from;
//      the others (most of the C(d, 3) 3-way tables) only roughly. Each
//      round visits every marginal, least reliable first (cells holding few
//      records per noise sd) so that it ends on the best measured, and moves
//      the excess records of each cell holding more than its denoised target
//      (scaled to the record count) to cells holding fewer, in proportion to
//      their shortfall: iterative proportional fitting (Deming & Stephan
//      1940, "On a least squares adjustment of a sampled frequency table
//      when the expected marginal totals are known", Ann. Math. Stat.
//      11:427-444) done on records, as the "gradually update method" of
//      PrivSyn. A moved record changes only that marginal's
//      attributes, which keeps small combinations alive. Structural zeros
//      are protected: a 2-way cell denoised to zero where independence would
//      expect at least 3 noise sds of records (a region where a language is
//      not spoken; a labour sector without forced labour) is a fact, not
//      noise. The record to move is preferably one whose other attributes
//      fit the destination without entering such a cell (up to 16 random
//      tries); otherwise each clashing attribute takes the value of a record
//      already in the destination cell.
//
// Measured on 32,953 simulated CTDC-layout cases (7 attributes, r = 3,
// delta 1e-6, mean of 5 seeds; the DISABLED_ test in synthesize_test.cpp):
// at epsilon 1 the synthetic records' 1-, 2- and 3-way counts are closer to
// the original than the noisy marginals themselves (mean absolute error 14,
// 16 and 9 records against 19, 32 and 33), keep 93% of the original's 3-way
// combinations (the noisy marginals publish 72% with a count above 0) and
// fabricate 9% of theirs (the noisy marginals: 15%). On all 27 CTDC columns
// (one seed): 48, 54 and 36 against 45, 126 and 273.
//
// Cost: steps 1-2 are linear in the cells; a refinement round reads every
// marginal's attributes of every record once: 3 rounds (the default, enough
// to converge in our measurements) take about 0.1 s for 33,000 records and
// 63 marginals (7 attributes, r = 3), about 7 s for 3,303 marginals (27
// attributes).
//
// evaluate_synthesis() compares counts of attribute combinations between the
// original and the synthetic data (and the noisy marginals), as
// synthetic-data-showcase reports. IT READS THE ORIGINAL DATA: its numbers
// are for the data holder choosing epsilon and settings; they are not
// differentially private and must not be published.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "publish/check.hpp"
#include "publish/dp.hpp"

namespace vigil::publish {

struct SynthesisOptions {
  // Number of synthetic records; nullopt: round(release.estimated_records()).
  std::optional<std::size_t> records;
  // Sampling randomness. Post-processing needs no secret: any seed is safe.
  std::uint64_t seed = 0;
  // Step 2: noisy counts below noise_floor * sigma_k count as 0; >= 0.
  // Higher values fabricate fewer combinations and lose more small ones.
  double noise_floor = 1.0;
  // Step 2: also zero cells with a zero sub-combination.
  bool downward_closure = true;
  // Step 3: a parent set qualifies when its marginal's cells hold on average
  // at least `usefulness` noise sds; >= 0.
  double usefulness = 1.0;
  // Pseudo-count of the conditionals' smoothing, in units of sigma (step 4);
  // >= 0.
  double smoothing = 1.0;
  // Most parents per attribute; nullopt: reporting_length - 1. At most
  // reporting_length - 1 (the marginals hold no more).
  std::optional<std::size_t> max_parents;
  // Rounds of refinement over all marginals (step 6); 0 switches it off.
  std::size_t refinement_rounds = 3;
  int threads = 0;  // 0: every core; the result does not depend on it
};

// One attribute of the network, in sampling order.
struct NetworkNode {
  std::size_t attribute = 0;         // index into DpRelease::attributes
  std::vector<std::size_t> parents;  // strongest pairwise information first
  double mutual_information = 0.0;   // I(attribute; parents) in nats, denoised marginals
};

// The network of step 3, for inspection (which attribute depends on which).
// Throws Error (usage) on options out of range.
std::vector<NetworkNode> synthesis_network(const DpRelease& release,
                                           const SynthesisOptions& options = {});

// Synthetic records with the release's attributes as columns and its
// released values ("" is the missing value, code 0). Deterministic given
// (release, options); the thread count does not change it. Throws Error
// (usage) on options out of range or a release without marginals.
CategoricalTable synthesize(const DpRelease& release, const SynthesisOptions& options = {});

// ---------------------------------------------------------------------------
// Evaluation (reads the original data: for the data holder only)

// Counts of one length compared with the original's. A combination is a set
// of `length` attributes with one value each (missing included as the value
// ""), counted over the records.
struct CountComparison {
  std::size_t length = 0;
  std::size_t original_combinations = 0;  // distinct combinations in the original
  // Distinct combinations in the compared data: present in the synthetic
  // records, or published with a count > 0 in the noisy marginals.
  std::size_t compared_combinations = 0;
  // Over the original's combinations: mean |compared - original| count, and
  // mean |compared - original| / original.
  double mean_absolute_error = 0.0;
  double mean_relative_error = 0.0;
  // Share of the original's combinations present in the compared data.
  double preserved_share = 0.0;
  // Share of the compared data's combinations absent from the original
  // (invented by noise or by the model).
  double fabricated_share = 0.0;
};

struct SynthesisEvaluation {
  std::vector<CountComparison> synthetic;  // per length 1..r
  // The published noisy marginals against the original, per length 1..r:
  // the error of the release itself, before synthesis. Empty unless
  // evaluated with the release.
  std::vector<CountComparison> release;
};

// Compares the synthetic table with the original on `columns` (matched by
// name; values matched as strings), for every set of 1..reporting_length
// columns. Counts are compared as they are (not rescaled to the original's
// size). Throws Error (input) for a column either table lacks, (usage) for
// a reporting length outside 1..number of columns.
SynthesisEvaluation evaluate_synthesis(const CategoricalTable& original,
                                       const CategoricalTable& synthetic,
                                       const std::vector<std::string>& columns,
                                       std::size_t reporting_length);

// The same on the release's attributes and reporting length, with the
// comparison of the release's published counts (published_count with
// `reporting_threshold`) added.
SynthesisEvaluation evaluate_synthesis(const CategoricalTable& original,
                                       const CategoricalTable& synthetic, const DpRelease& release,
                                       double reporting_threshold = 0.0);

}  // namespace vigil::publish
