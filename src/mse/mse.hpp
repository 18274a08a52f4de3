// Multiple Systems Estimation: how many victims in total, including those no
// agency found.
//
// Each agency's list sees part of the victims. Cross-classifying the people
// found by which lists found them gives a capture-history table with 2^k - 1
// observable cells (k lists); a log-linear Poisson model fitted to those
// cells and extrapolated to the unobservable all-zero cell estimates the
// number nobody found (Fienberg 1972; Bishop, Fienberg & Holland 1975,
// ch. 6). Interactions between pairs of lists absorb dependence between them
// (referrals, shared populations). This is the method of the UK Home Office
// 2013 estimate of modern slavery (Silverman 2014) and of UNODC's SDG
// indicator 16.2.2 work.
//
// Conventions follow the R packages analysts use, so that results can be
// compared digit for digit: the model's cells and parameters as R's
// glm(count ~ ., family = poisson) on the observed histories (Rcapture's
// `closedp.t` model Mt is the main-effects model); an interaction between
// two lists with no case in common has its parameter at minus infinity, so
// the cells where both lists are 1 are fitted as zero and left out of the fit
// (SparseMSE's `buildmodel`).
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace vigil::mse {

// Counts of the 2^k - 1 observable capture histories of k lists. A history
// is a bit pattern: bit j set when list j found the person.
class CaptureHistories {
 public:
  // `counts[pattern]` for pattern 1 .. 2^k - 1; counts[0] must be 0 (nobody
  // is observed on no list). 2 <= k <= 16.
  CaptureHistories(std::vector<std::string> list_names, std::vector<std::int64_t> counts);

  std::size_t list_count() const { return names_.size(); }
  const std::vector<std::string>& list_names() const { return names_; }
  std::uint32_t cell_count() const { return static_cast<std::uint32_t>(counts_.size()); }
  std::int64_t count(std::uint32_t pattern) const { return counts_.at(pattern); }
  std::int64_t observed() const { return observed_; }
  // People on list `list`; people on both lists.
  std::int64_t list_total(std::size_t list) const;
  std::int64_t overlap(std::size_t first, std::size_t second) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::int64_t> counts_;
  std::int64_t observed_ = 0;
};

// Reads a capture-history table: a header naming the lists and, last, a
// count column (`count`, `n`, `freq` or `Freq`, any case), then one row per
// history with 0/1 per list (histories not listed count zero; a history
// listed twice is summed). Without a count column, each row is one person.
// Throws vigil::Error (input) with file:line:column on anything else, and on
// a row with no list marked 1.
CaptureHistories read_capture_histories(std::istream& in, const std::string& source_name);

// A pair of lists whose dependence the model allows for.
struct Interaction {
  std::size_t first = 0;
  std::size_t second = 0;
  friend bool operator==(const Interaction&, const Interaction&) = default;
};

// The main effects of every list, plus the given two-way interactions.
struct LogLinearModel {
  std::vector<Interaction> interactions;
};

// "LA:NG" for lists named LA and NG.
std::string term_name(const CaptureHistories& table, const Interaction& interaction);
// Parses "LA:NG,NG:GP" into interactions of `table`'s lists; throws
// vigil::Error (usage) naming the unknown list or malformed term.
LogLinearModel parse_terms(const CaptureHistories& table, const std::string& terms);

struct MseResult {
  // False when the estimate does not exist (the likelihood has no maximum
  // that identifies the unobserved cell); `reason` says why, and the numbers
  // below are then not meaningful.
  bool exists = true;
  std::string reason;
  LogLinearModel model;
  // Interactions of the model between lists with no case in common: their
  // parameters are at minus infinity and their joint cells fitted as zero.
  std::vector<Interaction> infinite_interactions;
  std::int64_t observed = 0;
  double unobserved = 0;  // the estimated number nobody found
  double total = 0;       // observed + unobserved
  double std_error = 0;   // of the total
  double ci_lower = 0;    // 95 % interval for the total
  double ci_upper = 0;
  std::string ci_method;
  double deviance = 0;
  int df = 0;
  double aic = 0;
  double bic = 0;
  std::vector<std::string> warnings;
};

// Whether the model's estimate exists (Fienberg & Rinaldo 2012): the
// maximum-likelihood estimate is finite only if some table with every cell
// positive has the same sufficient statistics (margins) as the data, which a
// linear program decides (as SparseMSE's `checkident`, here with GLPK); and
// the parameters are identifiable only if the design has full rank. Cells
// excluded by interactions at minus infinity are left out of both checks.
struct Estimability {
  bool finite = true;
  bool identifiable = true;
};
Estimability check_estimability(const CaptureHistories& table, const LogLinearModel& model);

// Fits the model and estimates the total. Checks estimability first: when the
// estimate is not finite or not identifiable, the result says so (exists =
// false, with the reason) and holds no estimate.
MseResult fit_log_linear(const CaptureHistories& table, const LogLinearModel& model);

// SparseMSE's stepwise selection (Chan, Silverman & Vincent 2021): start from
// the main effects; in each step, for every two-list interaction not yet in
// the model, compare the observed number of people on both lists with the
// Poisson distribution whose mean the current model fits for it, p = min(P(X
// <= observed), P(X >= observed)); candidates whose model would not be
// estimable get p = 1. Add the candidate with the smallest p (the first in
// the order A:B, A:C, ..., B:C, ... on ties) while it is below
// `p_threshold`; stop otherwise. Terms are never removed.
MseResult select_stepwise(const CaptureHistories& table, double p_threshold = 0.02);

}  // namespace vigil::mse
