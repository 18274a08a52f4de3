#include "link/fellegi_sunter.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "core/error.hpp"

namespace vigil::link {

namespace {

constexpr double kSumTolerance = 1e-9;
constexpr double kInitialFullAgreementM = 0.9;

[[noreturn]] void throw_usage(const std::string& message) {
  throw Error(Error::Kind::usage, message);
}

void validate(const ComparisonPatterns& patterns) {
  if (patterns.fields < 1) throw_usage("comparison patterns need at least one field");
  const auto fields = static_cast<std::size_t>(patterns.fields);
  if (patterns.levels_per_field.size() != fields) {
    throw_usage(fmt::format("comparison patterns have {} fields but {} level counts",
                            patterns.fields, patterns.levels_per_field.size()));
  }
  for (std::size_t k = 0; k < fields; ++k) {
    const int count = patterns.levels_per_field[k];
    if (count < 2 || count > kMaxLevels) {
      throw_usage(fmt::format("field {} has {} levels; expected 2..{}", k, count, kMaxLevels));
    }
  }
  if (patterns.levels.size() % fields != 0) {
    throw_usage(fmt::format("{} levels do not fill whole pairs of {} fields",
                            patterns.levels.size(), patterns.fields));
  }
  for (std::size_t i = 0; i < patterns.levels.size(); ++i) {
    const std::int8_t level = patterns.levels[i];
    const int count = patterns.levels_per_field[i % fields];
    if (level != kMissingLevel && (level < 0 || level >= count)) {
      throw_usage(fmt::format("pair {} field {}: level {} outside 0..{} and not missing",
                              i / fields, i % fields, level, count - 1));
    }
  }
}

void validate_probabilities(const LevelProbabilities& p, const ComparisonPatterns& patterns,
                            std::string_view what) {
  if (p.size() != patterns.levels_per_field.size()) {
    throw_usage(fmt::format("{} has {} fields; the patterns have {}", what, p.size(),
                            patterns.levels_per_field.size()));
  }
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (p[k].size() != static_cast<std::size_t>(patterns.levels_per_field[k])) {
      throw_usage(fmt::format("{} field {} has {} levels; the patterns have {}", what, k,
                              p[k].size(), patterns.levels_per_field[k]));
    }
    double sum = 0.0;
    for (const double value : p[k]) {
      if (!(value >= 0.0 && value <= 1.0)) {
        throw_usage(fmt::format("{} field {} has a probability outside [0, 1]", what, k));
      }
      sum += value;
    }
    if (std::abs(sum - 1.0) > kSumTolerance) {
      throw_usage(fmt::format("{} field {} sums to {}, not 1", what, k, sum));
    }
  }
}

void validate_model(const FellegiSunterModel& model, const ComparisonPatterns& patterns) {
  validate(patterns);
  validate_probabilities(model.m, patterns, "model m");
  validate_probabilities(model.u, patterns, "model u");
  if (!(model.match_proportion >= 0.0 && model.match_proportion <= 1.0)) {
    throw_usage("model match proportion outside [0, 1]");
  }
}

// Identical comparison vectors with their multiplicities.
struct UniquePatterns {
  std::vector<std::int8_t> levels;  // unique rows, row-major
  std::vector<double> counts;
};

UniquePatterns collapse(const ComparisonPatterns& patterns) {
  const auto fields = static_cast<std::size_t>(patterns.fields);
  UniquePatterns out;
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < patterns.pairs(); ++i) {
    const auto* row = patterns.levels.data() + (i * fields);
    std::string key(reinterpret_cast<const char*>(row), fields);
    const auto [it, inserted] = index.try_emplace(std::move(key), out.counts.size());
    if (inserted) {
      out.levels.insert(out.levels.end(), row, row + fields);
      out.counts.push_back(0.0);
    }
    out.counts[it->second] += 1.0;
  }
  return out;
}

// log P(gamma | class) over the observed fields of one row.
double log_class_probability(const std::int8_t* row, const LevelProbabilities& p) {
  double total = 0.0;
  for (std::size_t k = 0; k < p.size(); ++k) {
    if (row[k] != kMissingLevel) total += std::log(p[k][static_cast<std::size_t>(row[k])]);
  }
  return total;
}

struct Posterior {
  double match = 0.0;           // P(M | gamma)
  double log_likelihood = 0.0;  // log P(gamma)
};

Posterior posterior(const std::int8_t* row, double lambda, const LevelProbabilities& m,
                    const LevelProbabilities& u) {
  const double a = std::log(lambda) + log_class_probability(row, m);
  const double b = std::log1p(-lambda) + log_class_probability(row, u);
  const double top = std::max(a, b);
  if (top == -std::numeric_limits<double>::infinity()) {
    // Impossible under both classes (only reachable with smoothing 0): the row
    // says nothing about the split, so it keeps the prior.
    return {lambda, top};
  }
  const double ea = std::exp(a - top);
  const double eb = std::exp(b - top);
  return {ea / (ea + eb), top + std::log(ea + eb)};
}

double observed_log_likelihood(const UniquePatterns& unique, std::size_t fields, double lambda,
                               const LevelProbabilities& m, const LevelProbabilities& u) {
  double total = 0.0;
  for (std::size_t j = 0; j < unique.counts.size(); ++j) {
    total += unique.counts[j] *
             posterior(unique.levels.data() + (j * fields), lambda, m, u).log_likelihood;
  }
  return total;
}

LevelProbabilities level_frequencies(const UniquePatterns& unique,
                                     const std::vector<int>& levels_per_field) {
  const std::size_t fields = levels_per_field.size();
  LevelProbabilities freq(fields);
  for (std::size_t k = 0; k < fields; ++k) {
    freq[k].assign(static_cast<std::size_t>(levels_per_field[k]), 0.0);
  }
  for (std::size_t j = 0; j < unique.counts.size(); ++j) {
    for (std::size_t k = 0; k < fields; ++k) {
      const std::int8_t level = unique.levels[(j * fields) + k];
      if (level != kMissingLevel) freq[k][static_cast<std::size_t>(level)] += unique.counts[j];
    }
  }
  return freq;
}

// Expected agreement on a 0..1 scale averaged over fields: the quantity that
// tells the match class from the non-match class.
double mean_agreement(const LevelProbabilities& p) {
  double total = 0.0;
  for (const auto& field : p) {
    const double top = static_cast<double>(field.size() - 1);
    for (std::size_t l = 0; l < field.size(); ++l) total += field[l] * static_cast<double>(l) / top;
  }
  return total / static_cast<double>(p.size());
}

// One M step for one class: weighted level counts, smoothed and normalised.
// A field never observed keeps its previous probabilities, since the data say
// nothing about it.
void update_class(const UniquePatterns& unique, const std::vector<double>& weights,
                  double smoothing, LevelProbabilities& p) {
  const std::size_t fields = p.size();
  LevelProbabilities counts(fields);
  for (std::size_t k = 0; k < fields; ++k) counts[k].assign(p[k].size(), smoothing);
  for (std::size_t j = 0; j < weights.size(); ++j) {
    for (std::size_t k = 0; k < fields; ++k) {
      const std::int8_t level = unique.levels[(j * fields) + k];
      if (level != kMissingLevel) counts[k][static_cast<std::size_t>(level)] += weights[j];
    }
  }
  for (std::size_t k = 0; k < fields; ++k) {
    double total = 0.0;
    for (const double c : counts[k]) total += c;
    if (total <= 0.0) continue;
    for (std::size_t l = 0; l < counts[k].size(); ++l) p[k][l] = counts[k][l] / total;
  }
}

double max_change(const LevelProbabilities& a, const LevelProbabilities& b) {
  double change = 0.0;
  for (std::size_t k = 0; k < a.size(); ++k) {
    for (std::size_t l = 0; l < a[k].size(); ++l)
      change = std::max(change, std::abs(a[k][l] - b[k][l]));
  }
  return change;
}

}  // namespace

std::size_t ComparisonPatterns::pairs() const {
  if (fields <= 0) return 0;
  return levels.size() / static_cast<std::size_t>(fields);
}

FellegiSunterModel estimate_fellegi_sunter(const ComparisonPatterns& patterns,
                                           const EmOptions& options) {
  validate(patterns);
  if (patterns.pairs() == 0) throw_usage("no comparison pairs to fit a Fellegi-Sunter model to");
  if (!(options.initial_match_proportion > 0.0 && options.initial_match_proportion < 1.0)) {
    throw_usage("initial match proportion must lie in (0, 1)");
  }
  if (options.max_iterations < 1) throw_usage("max_iterations must be at least 1");
  if (!(options.tolerance >= 0.0)) throw_usage("tolerance must be non-negative");
  if (!(options.smoothing >= 0.0 && std::isfinite(options.smoothing))) {
    throw_usage("smoothing must be finite and non-negative");
  }
  if (options.fixed_u) validate_probabilities(*options.fixed_u, patterns, "fixed u");
  if (options.initial_m) validate_probabilities(*options.initial_m, patterns, "initial m");
  if (options.initial_u) validate_probabilities(*options.initial_u, patterns, "initial u");

  const auto fields = static_cast<std::size_t>(patterns.fields);
  const UniquePatterns unique = collapse(patterns);

  FellegiSunterModel model;
  model.match_proportion = options.initial_match_proportion;
  if (options.initial_m) {
    model.m = *options.initial_m;
  } else {
    model.m.resize(fields);
    for (std::size_t k = 0; k < fields; ++k) {
      const auto count = static_cast<std::size_t>(patterns.levels_per_field[k]);
      model.m[k].assign(count, (1.0 - kInitialFullAgreementM) / static_cast<double>(count - 1));
      model.m[k].back() = kInitialFullAgreementM;
    }
  }
  if (options.fixed_u) {
    model.u = *options.fixed_u;
  } else if (options.initial_u) {
    model.u = *options.initial_u;
  } else {
    model.u = level_frequencies(unique, patterns.levels_per_field);
    // Smoothing the start as well keeps a level no pair shows from being an
    // exact 0 that EM could never leave.
    update_class(unique, unique.counts, std::max(options.smoothing, 1e-12), model.u);
  }

  const double total_pairs = static_cast<double>(patterns.pairs());
  std::vector<double> match_weight(unique.counts.size());
  std::vector<double> nonmatch_weight(unique.counts.size());
  for (int iteration = 1; iteration <= options.max_iterations; ++iteration) {
    double expected_matches = 0.0;
    for (std::size_t j = 0; j < unique.counts.size(); ++j) {
      const double g =
          posterior(unique.levels.data() + (j * fields), model.match_proportion, model.m, model.u)
              .match;
      match_weight[j] = unique.counts[j] * g;
      nonmatch_weight[j] = unique.counts[j] * (1.0 - g);
      expected_matches += match_weight[j];
    }
    const double lambda = expected_matches / total_pairs;
    LevelProbabilities m = model.m;
    update_class(unique, match_weight, options.smoothing, m);
    double change = std::max(std::abs(lambda - model.match_proportion), max_change(m, model.m));
    if (!options.fixed_u) {
      LevelProbabilities u = model.u;
      update_class(unique, nonmatch_weight, options.smoothing, u);
      change = std::max(change, max_change(u, model.u));
      model.u = std::move(u);
    }
    model.m = std::move(m);
    model.match_proportion = lambda;
    model.iterations = iteration;
    if (change <= options.tolerance) {
      model.converged = true;
      break;
    }
  }

  if (!options.fixed_u && mean_agreement(model.u) > mean_agreement(model.m)) {
    std::swap(model.m, model.u);
    model.match_proportion = 1.0 - model.match_proportion;
  }
  model.log_likelihood =
      observed_log_likelihood(unique, fields, model.match_proportion, model.m, model.u);
  return model;
}

LevelProbabilities estimate_u_from_random_pairs(const ComparisonPatterns& random_pairs) {
  validate(random_pairs);
  const UniquePatterns unique = collapse(random_pairs);
  LevelProbabilities u = level_frequencies(unique, random_pairs.levels_per_field);
  for (std::size_t k = 0; k < u.size(); ++k) {
    double total = 0.0;
    for (const double c : u[k]) total += c;
    if (total == 0.0) throw_usage(fmt::format("field {} is missing in every random pair", k));
    for (double& c : u[k]) c /= total;
  }
  return u;
}

std::vector<double> match_weights(const FellegiSunterModel& model,
                                  const ComparisonPatterns& patterns) {
  validate_model(model, patterns);
  const auto fields = static_cast<std::size_t>(patterns.fields);
  // One weight per field and level, looked up per pair: millions of pairs
  // share a few dozen levels.
  std::vector<std::vector<double>> table(fields);
  for (std::size_t k = 0; k < fields; ++k) {
    for (std::size_t l = 0; l < model.m[k].size(); ++l) {
      const double m = model.m[k][l];
      const double u = model.u[k][l];
      table[k].push_back(m == 0.0 && u == 0.0 ? 0.0 : std::log2(m) - std::log2(u));
    }
  }
  std::vector<double> weights(patterns.pairs(), 0.0);
  for (std::size_t i = 0; i < weights.size(); ++i) {
    for (std::size_t k = 0; k < fields; ++k) {
      const std::int8_t level = patterns.levels[(i * fields) + k];
      if (level == kMissingLevel) continue;
      weights[i] += table[k][static_cast<std::size_t>(level)];
    }
  }
  return weights;
}

std::vector<double> match_probabilities(const FellegiSunterModel& model,
                                        const ComparisonPatterns& patterns) {
  std::vector<double> weights = match_weights(model, patterns);
  const double prior_log_odds =
      std::log(model.match_proportion) - std::log1p(-model.match_proportion);
  for (double& w : weights) {
    const double log_odds = prior_log_odds + (w * std::numbers::ln2);
    // The logistic function written so that neither branch overflows.
    if (log_odds >= 0.0) {
      w = 1.0 / (1.0 + std::exp(-log_odds));
    } else {
      const double e = std::exp(log_odds);
      w = e / (1.0 + e);
    }
  }
  return weights;
}

Threshold threshold_for_precision(const std::vector<double>& posteriors, double precision) {
  if (posteriors.empty()) throw_usage("no posterior probabilities to set a threshold on");
  if (!(precision > 0.0 && precision <= 1.0)) throw_usage("precision must lie in (0, 1]");
  for (const double p : posteriors) {
    if (!(p >= 0.0 && p <= 1.0)) throw_usage("a posterior probability lies outside [0, 1]");
  }
  std::vector<double> sorted = posteriors;
  std::sort(sorted.begin(), sorted.end(), std::greater<>());
  double total = 0.0;
  for (const double p : sorted) total += p;

  Threshold best{std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN(),
                 0.0, 0};
  double accepted = 0.0;
  // The mean of a descending prefix only falls as it grows, so the last cut
  // that still meets the precision is the one wanted; cuts fall only where
  // the posterior changes.
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    accepted += sorted[i];
    const bool end_of_ties = i + 1 == sorted.size() || sorted[i + 1] != sorted[i];
    if (!end_of_ties) continue;
    const auto count = static_cast<double>(i + 1);
    if (accepted < precision * count) break;
    best = {sorted[i], accepted / count, accepted / total, i + 1};
  }
  return best;
}

}  // namespace vigil::link
