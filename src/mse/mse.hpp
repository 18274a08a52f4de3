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
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
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

// One capture-history table per stratum (e.g. citizenship or type of
// exploitation), from a file like the above with one more column, named
// `stratum_column`, anywhere before the count column. Strata in order of
// first appearance. Every stratum has all the lists, even those that
// observed nobody in it.
struct Stratum {
  std::string name;
  CaptureHistories table;
};
std::vector<Stratum> read_stratified_capture_histories(std::istream& in,
                                                       const std::string& source_name,
                                                       const std::string& stratum_column);

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
  // that identifies the unobserved cell); `reason` says why, and the
  // estimate, standard error and interval are then NaN.
  bool exists = true;
  std::string reason;
  // The model fitted, for people: "log-linear" for fit_log_linear and the
  // selections, Rcapture's row name ("Mh Chao (LB)"...) for the
  // closed-population models, whose `model` below stays empty.
  std::string model_name = "log-linear";
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

// Every model with the main effects and any subset of the two-list
// interactions (2^(k(k-1)/2) models: 32,768 for six lists), fitted on every
// core and ranked by AIC and by BIC (as Rcapture's closedpMS.t ranks its
// models), with the AIC-weighted average of the totals (Buckland, Burnham &
// Augustin 1997): weights w_i proportional to exp(-(AIC_i - AIC_min) / 2),
// total sum w_i N_i, standard error sum w_i sqrt(se_i^2 + (N_i - N)^2).
struct RankedModel {
  LogLinearModel model;
  double total = 0;
  double std_error = 0;
  double aic = 0;
  double bic = 0;
  double aic_weight = 0;
};

struct ModelSearchOptions {
  std::size_t keep = 10;  // models listed in each ranking
  int threads = 0;        // 0: every core
  // Called from the calling thread now and then with models done; must not
  // throw.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

struct ModelSearchResult {
  std::size_t models = 0;           // models considered
  std::size_t not_estimable = 0;    // of which without an estimate (left out)
  std::vector<RankedModel> by_aic;  // the best `keep`, lowest AIC first
  std::vector<RankedModel> by_bic;
  double averaged_total = 0;
  double averaged_std_error = 0;
};

// Throws vigil::Error (usage) for more than 6 lists (2^21 models for 7).
ModelSearchResult search_all_models(const CaptureHistories& table,
                                    const ModelSearchOptions& options = {});

// The closed-population models of Rcapture's `closedp.t` (Baillargeon &
// Rivest 2007, J. Stat. Software 19(5); Rivest & Levesque 2001): log-linear
// models of the capture histories in which lists differ (t), people differ
// in how catchable they are (h: Chao's lower bound, Poisson, Darroch and
// Gamma(3.5) forms of heterogeneity), and a first capture changes later ones
// (b, for lists in time order).
enum class ClosedPopulationModel {
  m0,
  mt,
  mh_chao,
  mh_poisson2,
  mh_darroch,
  mh_gamma35,
  mth_chao,
  mth_poisson2,
  mth_darroch,
  mth_gamma35,
  mb,
  mbh,
};

// Rcapture's row name: "M0", "Mt", "Mh Chao (LB)", "Mh Poisson2", "Mh Darroch",
// "Mh Gamma3.5", "Mth Chao (LB)", "Mth Poisson2", "Mth Darroch",
// "Mth Gamma3.5", "Mb", "Mbh".
std::string_view closed_model_name(ClosedPopulationModel model);

// Fits one closedp.t model: total, standard error, deviance, df, AIC and BIC
// as Rcapture reports them; `warnings` carries what Rcapture's infoFit codes
// say (e.g. a large asymptotic bias), and exists = false where the estimate
// does not exist. The interval fields hold the normal interval on the log
// scale of the unobserved count, as for fit_log_linear.
MseResult fit_closed_population_model(const CaptureHistories& table, ClosedPopulationModel model);

// Rcapture's profile-likelihood interval (closedpCI.t): the multinomial
// likelihood of the total N, maximised over the other parameters of the
// model, and the values of N where it drops by qchisq(level, 1) / 2 from its
// maximum.
struct ProfileInterval {
  double estimate = 0;  // the maximiser of the profile likelihood
  double lower = 0;
  double upper = 0;
};
ProfileInterval profile_likelihood_interval(const CaptureHistories& table,
                                            const LogLinearModel& model, double level = 0.95);

// SparseMSE's bootstrap (`estimatepopulation`): replicate tables drawn from
// the observed one, the stepwise selection rerun on each (so the interval
// accounts for model choice), percentile and BCa intervals of the total.
struct BootstrapOptions {
  int replicates = 1000;
  std::uint64_t seed = 1234;
  double p_threshold = 0.02;
  double level = 0.95;
  int threads = 0;  // 0: every core
  // Called from the calling thread now and then with replicates done; must
  // not throw.
  std::function<void(int done, int total)> progress;
};

struct BootstrapResult {
  std::vector<double> totals;  // one per replicate; NaN where it had no estimate
  int not_estimable = 0;
  double percentile_lower = 0;
  double percentile_upper = 0;
  double bca_lower = 0;
  double bca_upper = 0;
  double bias_correction = 0;  // z0
  double acceleration = 0;     // a
};

BootstrapResult bootstrap_stepwise(const CaptureHistories& table, const BootstrapOptions& options);

}  // namespace vigil::mse
