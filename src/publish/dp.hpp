// Differentially private marginals: noisy counts of every combination of
// attribute values, for every set of up to r attributes (the "reporting
// length"), under an (epsilon, delta) budget whose accounting is stated.
//
// What it protects. Differential privacy (Dwork, McSherry, Nissim & Smith
// 2006, "Calibrating noise to sensitivity in private data analysis", TCC)
// with add/remove-one-record neighbours: whatever is released, its
// probability changes by at most a factor e^epsilon (plus delta) whether or
// not any one victim's record is in the file. An attacker who knows every
// other record learns almost nothing about the last one, including whether
// it exists. This is the guarantee the Counter-Trafficking Data
// Collaborative relies on for its synthetic case data (built with Microsoft
// Research's synthetic-data-showcase); vigil implements it independently.
//
// The mechanism (release_marginals):
//   1. Domains. The 1-way counts of every attribute get Gaussian noise. For
//      a column whose values are not public, a value is released only when
//      its noisy count exceeds a threshold tau chosen so that a value held by
//      a single record is released with probability at most
//      delta_tau / (number of such columns): a rare value (one victim's
//      citizenship) cannot give itself away by appearing in the output (the
//      Gaussian "stability-based histogram": Korolova, Kenthapadi, Mishra &
//      Ntoulas 2009, "Releasing search queries and clicks privately", WWW;
//      Bun, Nissim & Stemmer 2016, "Simultaneous private learning of multiple
//      concepts", ITCS; the partition selection of Google's DP libraries).
//      Missing (an empty cell) is a value of its own, released as "".
//      A column whose values are public (a list of countries, the age bands
//      of a form) can be declared: every declared value is released with its
//      noisy count, zero or not, and no threshold is needed.
//   2. k-way marginals, k = 2..r: for every set of k attributes, a noisy
//      count for EVERY cell of the product of the released domains, zeros
//      included (publishing only non-zero cells would reveal which
//      combinations exist). A record falls in exactly one cell of each
//      marginal (in none when one of its values was not released), so the
//      C(d, k) marginals of length k together have L2 sensitivity
//      sqrt(C(d, k)).
//   3. Post-processing, at no privacy cost (Dwork & Roth 2014, Prop. 2.1):
//      rounding, clipping negatives to zero and suppressing small counts in
//      the published file (write_marginals_csv), and synthetic microdata
//      (synthesize.hpp).
//
// Accounting: zero-concentrated DP (Bun & Steinke 2016, "Concentrated
// differential privacy: simplifications, extensions, and lower bounds", TCC):
//   - the Gaussian mechanism with L2 sensitivity D and noise N(0, sigma^2) is
//     rho-zCDP with rho = D^2 / (2 sigma^2);
//   - zCDP composes additively, also adaptively, so the
//     released domains may decide which k-way cells exist;
//   - rho-zCDP implies (rho + 2 sqrt(rho ln(1/delta)), delta)-DP for every
//     delta > 0 (their Prop. 1.3).
// The budget (epsilon, delta) is split: delta_tau = share * delta for the
// threshold, the rest for the conversion. The threshold step adds
// ln(1 / (1 - delta_tau)) to epsilon and delta_tau to delta (see dp.cpp for
// the argument), so the zCDP part gets epsilon - ln(1 / (1 - delta_tau)) and
// the largest rho that converts to it; rho is then split across lengths
// (equally by default) and sigma_k = sqrt(C(d, k) / (2 rho_k)).
//
// THE SEED MUST BE SECRET. The noise is pseudo-random: anyone who knows the
// seed can regenerate it and subtract it. Leave DpOptions::seed unset for a
// release (a fresh seed from the operating system is used and not kept);
// set it only for tests and audits of the procedure, never for a file that
// is published. Publish rounded counts (write_marginals_csv), not the raw
// floating-point noisy values: the low-order bits of floating-point noise
// can leak the true value (Mironov 2012, "On significance of the least
// significant bits for differential privacy", CCS), and rounding to whole
// numbers discards them. The noise remains a double-precision approximation
// of the Gaussian; an exact sampler (the discrete Gaussian of Canonne,
// Kamath & Steinke 2020, NeurIPS) would remove even that gap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "publish/check.hpp"

namespace vigil::publish {

// ---------------------------------------------------------------------------
// Accounting

// rho of the Gaussian mechanism: D^2 / (2 sigma^2) (Bun & Steinke 2016).
// Throws Error (usage) unless l2_sensitivity >= 0, sigma > 0.
double gaussian_rho(double l2_sensitivity, double sigma);

// The sigma that makes a query of L2 sensitivity D rho-zCDP: D / sqrt(2 rho).
// Throws Error (usage) unless l2_sensitivity > 0, rho > 0.
double gaussian_sigma(double l2_sensitivity, double rho);

// epsilon such that rho-zCDP implies (epsilon, delta)-DP:
// rho + 2 sqrt(rho ln(1/delta)) (Bun & Steinke 2016, Prop. 1.3).
// Throws Error (usage) unless rho >= 0 and delta in (0, 1).
double zcdp_to_epsilon(double rho, double delta);

// The inverse: the largest rho whose conversion is at most epsilon,
// (sqrt(epsilon + ln(1/delta)) - sqrt(ln(1/delta)))^2 (solving the quadratic
// in sqrt(rho)). Throws Error (usage) unless epsilon > 0 and delta in (0, 1).
double epsilon_to_zcdp(double epsilon, double delta);

// One Gaussian measurement charged to an account.
struct PrivacyCharge {
  std::string what;             // e.g. "2-way marginals (21 attribute sets)"
  double l2_sensitivity = 0.0;  // of the whole measurement
  double sigma = 0.0;           // standard deviation of the noise per cell
  double rho = 0.0;             // l2_sensitivity^2 / (2 sigma^2)
};

// A threshold whose failure (a value held by one record being released) is
// charged outside zCDP: it adds `delta` to delta and ln(1/(1 - delta)) to
// epsilon.
struct ThresholdCharge {
  std::string what;
  double delta = 0.0;
};

// Every charge of a release, the totals, and the (epsilon, delta) they add up
// to. The account only adds: it does not decide how a budget is split.
class PrivacyAccount {
 public:
  // `conversion_delta` is the delta used to turn the total rho into epsilon.
  PrivacyAccount() : PrivacyAccount(1e-6) {}
  explicit PrivacyAccount(double conversion_delta);

  // Charges a Gaussian mechanism of the given L2 sensitivity and noise sd;
  // returns its rho. Throws Error (usage) on a non-positive sigma.
  double add_gaussian(std::string what, double l2_sensitivity, double sigma);
  // Charges a threshold failure probability in (0, 1).
  void add_threshold(std::string what, double delta);

  const std::vector<PrivacyCharge>& charges() const { return charges_; }
  const std::vector<ThresholdCharge>& thresholds() const { return thresholds_; }
  double conversion_delta() const { return conversion_delta_; }

  // Sum of the charges' rho (zCDP composes additively).
  double total_rho() const;
  // Sum of the thresholds' delta.
  double threshold_delta() const;
  // zcdp_to_epsilon(total_rho, conversion_delta) + ln(1 / (1 - threshold_delta)).
  double epsilon() const;
  // conversion_delta + threshold_delta.
  double delta() const;

  // A plain-text explanation for a privacy statement: neighbouring relation,
  // each charge, the composition, the conversion with its citation, the
  // threshold, the resulting (epsilon, delta), and that post-processing is
  // free. Lines end with '\n'; numbers carry 4 significant digits or more.
  std::string statement() const;

 private:
  double conversion_delta_;
  std::vector<PrivacyCharge> charges_;
  std::vector<ThresholdCharge> thresholds_;
};

// ---------------------------------------------------------------------------
// Release

struct DpOptions {
  // Attribute columns, in the order they are released; empty: every column.
  std::vector<std::string> columns;
  // Largest number of attributes in a combination (1..number of columns).
  std::size_t reporting_length = 3;
  double epsilon = 1.0;  // > 0
  double delta = 1e-6;   // in (0, 1)
  // Share of delta spent on the domain threshold (delta_tau), in (0, 1); the
  // rest goes to the zCDP conversion. Ignored (all of delta converts) when
  // every column is declared.
  double threshold_delta_share = 0.5;
  // Relative share of rho per length 1..r; empty: equal shares. Otherwise
  // exactly reporting_length positive numbers (they need not sum to 1).
  std::vector<double> length_weights;
  // Public domains: column name -> its complete list of values ("" for
  // missing if missing is part of it), released in this order. A record
  // whose value is not listed counts in no cell involving that column. The
  // list must not come from the data (the values found in the file would
  // reveal its rare ones): a code list, a form's categories, ISO 3166.
  std::map<std::string, std::vector<std::string>> declared_domains;
  // See "THE SEED MUST BE SECRET" above. nullopt: a fresh seed from
  // std::random_device, not stored anywhere.
  std::optional<std::uint64_t> seed;
  int threads = 0;  // 0: every core; the result does not depend on it
  // Refuse releases with more cells than this over all marginals (memory,
  // and noise spread too thin to be useful).
  std::size_t max_cells = 20'000'000;
};

// The noisy counts of one set of attributes.
struct NoisyMarginal {
  // Indices into DpRelease::attributes, ascending.
  std::vector<std::size_t> attributes;
  // Released domain size of each attribute.
  std::vector<std::size_t> shape;
  // One raw noisy count per cell (true count + N(0, sigma^2); may be
  // negative or fractional). Cell index is mixed-radix over the domain
  // indices, the first attribute varying slowest.
  std::vector<double> noisy;

  std::size_t length() const { return attributes.size(); }
  // Index of the cell with these domain indices (one per attribute).
  std::size_t cell(std::span<const std::size_t> value_indices) const;
};

struct DpRelease {
  std::vector<std::string> attributes;
  // Released values per attribute: declared domains in declared order,
  // thresholded domains sorted by byte value ("" = missing sorts first);
  // never in order of appearance in the file, which would say which record
  // came first.
  std::vector<std::vector<std::string>> domains;
  std::vector<bool> declared;  // per attribute: a public domain
  std::size_t reporting_length = 0;
  // Every marginal: the d of length 1 first (attribute order), then the
  // C(d, 2) of length 2, ..., each length in lexicographic order of the
  // attribute indices.
  std::vector<NoisyMarginal> marginals;
  // Per length 1..r (index length - 1): the rho spent and the noise sd.
  std::vector<double> rho;
  std::vector<double> sigma;
  // Domain threshold: a thresholded value is released when its noisy count
  // exceeds `threshold`; +infinity when every column is declared.
  double threshold = 0.0;
  double threshold_delta = 0.0;  // delta_tau (0 when nothing is thresholded)
  PrivacyAccount account;

  // Position in `marginals` of the marginal of these attributes (indices
  // into `attributes`, any order); throws Error (usage) when the set is
  // empty, longer than reporting_length or holds a repeated index.
  std::size_t marginal_index(std::vector<std::size_t> attribute_indices) const;
  const NoisyMarginal& marginal(std::vector<std::size_t> attribute_indices) const {
    return marginals[marginal_index(std::move(attribute_indices))];
  }
  // An estimate of the number of records, from the noisy 1-way counts: each
  // attribute's sum over its released values, averaged with weights
  // 1 / (domain size), the inverse of its noise variance. Records holding an
  // unreleased value are not counted. Post-processing; at least 0.
  double estimated_records() const;
};

// Releases the marginals of `table` (see the top of this file). Pure
// function of (table, options, seed). Throws Error (usage) on options out of
// range, an empty table, a column named twice, a declared domain with a
// repeated value or for a column not released, a budget too small to leave
// anything for the zCDP part, or more cells than max_cells (the message gives
// the count and says to drop columns or lower the reporting length); (input)
// for a column the table does not have.
DpRelease release_marginals(const CategoricalTable& table, const DpOptions& options);

// ---------------------------------------------------------------------------
// Publication

// What is written for a raw noisy count: rounded to the nearest integer,
// negatives clipped to 0, and 0 when below `reporting_threshold` (SDS's
// "resolution": small noisy counts are mostly noise). Post-processing.
std::int64_t published_count(double noisy, double reporting_threshold = 0.0);

struct MarginalsCsvOptions {
  double reporting_threshold = 0.0;  // see published_count
  bool include_zeros = false;        // also write cells published as 0
};

// Writes every marginal as one long-format CSV, one row per cell:
//   length,attribute_1,value_1,...,attribute_r,value_r,count
// Slots beyond a row's length are empty; a value "" with a non-empty
// attribute is the missing value. Rows whose published count is 0 are left
// out unless include_zeros (so an absent row means "0 or suppressed"). Opens
// as it is in R (read.csv) and pandas (read_csv, keep_default_na=False to
// keep "" apart from NA).
void write_marginals_csv(const DpRelease& release, std::ostream& out,
                         const MarginalsCsvOptions& options = {});
// The same into a file; throws Error (io) when it cannot be written.
void write_marginals_csv(const DpRelease& release, const std::string& path,
                         const MarginalsCsvOptions& options = {});

// ---------------------------------------------------------------------------
// Reproducible randomness, shared with synthesize.cpp and the tests.
namespace detail {

// SplitMix64 (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
// generators", OOPSLA): a bijective 64-bit mixer, used to derive independent
// stream seeds from (seed, stream index).
std::uint64_t mix64(std::uint64_t value);
std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t stream);

// std::mt19937_64 (fully specified by the standard) with uniform doubles in
// [0, 1) from its top 53 bits, and standard normals by Marsaglia's polar
// method (Marsaglia & Bray 1964, "A convenient method for generating normal
// variables", SIAM Review 6:260-264): the same numbers on every platform up
// to the last bit of log and sqrt, unlike std::normal_distribution whose
// algorithm is unspecified.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  // [0, 1), a multiple of 2^-53.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // N(0, 1).
  double normal();

 private:
  std::mt19937_64 engine_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

}  // namespace detail

}  // namespace vigil::publish
