#include "link/link.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "link/internal.hpp"
#include "link/names.hpp"

namespace vigil::link {

std::string_view link_field_name(LinkField field) {
  switch (field) {
    case LinkField::surname:
      return "surname";
    case LinkField::given_name:
      return "given_name";
    case LinkField::birth_date:
      return "birth_date";
    case LinkField::sex:
      return "sex";
    case LinkField::document_number:
      return "document_number";
    case LinkField::citizenship:
      return "citizenship";
  }
  return "?";
}

// ---------------------------------------------------------------------------
// Reading lists

namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// Sex codes as Kazakh, Russian and English forms write them.
std::optional<std::string> fold_sex(std::string_view text) {
  // normalise_name case-folds every script and turns "ж." into "ж".
  static const std::set<std::string> female = {"f", "female", "w",       "woman",
                                               "ж", "жен",    "женский", "әйел"};
  static const std::set<std::string> male = {"m", "male", "man", "м", "муж", "мужской", "ер"};
  static const std::set<std::string> unknown = {"", "u", "unknown", "x", "other", "-", "na", "n a"};
  const std::string value = normalise_name(text);
  if (female.count(value) != 0) return "F";
  if (male.count(value) != 0) return "M";
  if (unknown.count(value) != 0) return "";
  return std::nullopt;
}

// Reorders "MM/DD/YYYY" into "DD/MM/YYYY"; other texts are returned as they
// are (ISO dates have no ambiguity).
std::string day_first(std::string_view text) {
  const auto first = text.find('/');
  if (first == std::string_view::npos) return std::string(text);
  const auto second = text.find('/', first + 1);
  if (second == std::string_view::npos) return std::string(text);
  return fmt::format("{}/{}/{}", text.substr(first + 1, second - first - 1), text.substr(0, first),
                     text.substr(second + 1));
}

}  // namespace

std::string list_name_from_path(const std::string& path) {
  return std::filesystem::path(path).stem().string();
}

AgencyList read_agency_list(const std::string& path, std::string name, const ListColumns& columns,
                            DateOrder order, bool require_all) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("cannot open list {}", path));
  io::CsvReader csv(in, path);
  std::vector<std::string> header;
  if (!csv.next(header)) {
    throw input_error({path, 1, 0}, "the list is empty: expected a header row");
  }
  for (auto& h : header) h = trim(h);
  const auto find = [&](const std::string& column, bool required) -> std::size_t {
    if (column.empty()) return SIZE_MAX;
    const auto it = std::find(header.begin(), header.end(), column);
    if (it == header.end()) {
      if (required) {
        throw input_error({path, 1, 0},
                          fmt::format("no column \"{}\" in the header; name the column that "
                                      "holds it in the [columns] table of the link configuration",
                                      column));
      }
      return SIZE_MAX;
    }
    return static_cast<std::size_t>(it - header.begin());
  };
  const std::size_t c_id = find(columns.record_id, true);
  const std::size_t c_surname = find(columns.surname, require_all);
  const std::size_t c_given = find(columns.given_name, require_all);
  const std::size_t c_full = find(columns.full_name, !columns.full_name.empty());
  const std::size_t c_sex = find(columns.sex, require_all);
  const std::size_t c_birth = find(columns.birth_date, require_all);
  const std::size_t c_doc = find(columns.document_number, require_all);
  const std::size_t c_cit = find(columns.citizenship, require_all);
  if (c_surname == SIZE_MAX && c_full == SIZE_MAX) {
    throw input_error({path, 1, 0},
                      fmt::format("no surname column \"{}\" and no full-name column: a list needs "
                                  "names to be linked",
                                  columns.surname));
  }

  AgencyList list;
  list.name = std::move(name);
  list.path = path;
  std::unordered_map<std::string, std::size_t> seen_ids;
  std::vector<std::string> row;
  while (csv.next(row)) {
    const std::size_t line = csv.record_line();
    if (row.size() != header.size()) {
      throw input_error({path, line, std::min(row.size(), header.size()) + 1},
                        fmt::format("{} fields as in the header", header.size()),
                        fmt::format("{} fields", row.size()));
    }
    const auto cell = [&](std::size_t c) -> std::string {
      return c == SIZE_MAX ? std::string() : trim(row[c]);
    };
    PersonRecord record;
    record.record_id = cell(c_id);
    if (record.record_id.empty()) {
      throw input_error({path, line, c_id + 1}, "a record id (it is empty)");
    }
    if (const auto [it, inserted] = seen_ids.emplace(record.record_id, line); !inserted) {
      throw input_error({path, line, c_id + 1},
                        fmt::format("record id repeats the one on line {}: ids must be unique "
                                    "within a list",
                                    it->second));
    }
    try {
      record.surname = normalise_name(cell(c_surname));
      record.given_name = normalise_name(cell(c_given));
      if (c_full != SIZE_MAX) {
        const NameParts parts = split_name(cell(c_full));
        if (record.surname.empty()) record.surname = parts.surname;
        if (record.given_name.empty()) record.given_name = parts.given;
      }
    } catch (const Error&) {
      throw input_error({path, line, (c_surname != SIZE_MAX ? c_surname : c_full) + 1},
                        "a name that is valid UTF-8 text");
    }
    if (c_sex != SIZE_MAX) {
      std::optional<std::string> sex;
      try {
        sex = fold_sex(row[c_sex]);
      } catch (const Error&) {
        sex.reset();  // not UTF-8: reported below like any unknown code
      }
      if (!sex) {
        throw input_error({path, line, c_sex + 1},
                          "F, M (or female/male, ж/м, әйел/ер) or empty for unknown");
      }
      record.sex = *sex;
    }
    if (c_birth != SIZE_MAX) {
      std::string text = cell(c_birth);
      if (order == DateOrder::month_first) text = day_first(text);
      try {
        record.birth_date = parse_date(text);
      } catch (const Error&) {
        throw input_error({path, line, c_birth + 1},
                          order == DateOrder::month_first
                              ? "a birth date written YYYY-MM-DD or MM/DD/YYYY, or empty"
                              : "a birth date written YYYY-MM-DD, DD.MM.YYYY or DD/MM/YYYY, or "
                                "empty");
      }
    }
    std::string doc;
    for (const char c : cell(c_doc)) {
      if (c == ' ' || c == '-' || c == '.') continue;
      doc += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    record.document_number = std::move(doc);
    record.citizenship = cell(c_cit);
    for (char& c : record.citizenship) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    list.records.push_back(std::move(record));
  }
  return list;
}

// ---------------------------------------------------------------------------
// The shared pipeline

namespace detail {

int thread_count(int requested) {
  if (requested < 0) throw Error(Error::Kind::usage, "link: threads must be 0 (all) or more");
  if (requested > 0) return requested;
  return static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
}

void check_list_names(const std::vector<std::string>& names) {
  if (names.size() < 2) {
    throw Error(Error::Kind::usage,
                fmt::format("link: at least two lists are needed, got {}", names.size()));
  }
  if (names.size() > 16) {
    throw Error(
        Error::Kind::usage,
        fmt::format("link: at most 16 lists (the limit of vigil mse), got {}", names.size()));
  }
  std::set<std::string> unique;
  for (const auto& name : names) {
    if (name.empty()) throw Error(Error::Kind::usage, "link: a list has an empty name");
    if (!unique.insert(name).second) {
      throw Error(Error::Kind::usage,
                  fmt::format("link: two lists are named \"{}\"; list names come from the file "
                              "names and must differ",
                              name));
    }
  }
}

namespace {

// Compares `pairs` into `levels` (pairs x fields), splitting the work over
// threads in chunks so that progress can be reported from this thread.
void compare_all(const LinkageProblem& problem,
                 const std::vector<std::pair<std::uint32_t, std::uint32_t>>& pairs,
                 std::vector<std::int8_t>& levels, int threads, std::string_view stage,
                 const LinkOptions& options) {
  const std::size_t k = problem.fields.size();
  levels.assign(pairs.size() * k, kMissingLevel);
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t start = 0; start < pairs.size(); start += kChunk) {
    const std::size_t end = std::min(pairs.size(), start + kChunk);
    const std::size_t n = end - start;
    const std::size_t workers = std::min<std::size_t>(threads, std::max<std::size_t>(1, n / 4096));
    const auto work = [&](std::size_t w) {
      const std::size_t from = start + n * w / workers;
      const std::size_t to = start + n * (w + 1) / workers;
      for (std::size_t i = from; i < to; ++i) {
        problem.compare(pairs[i].first, pairs[i].second, levels.data() + i * k);
      }
    };
    std::vector<std::thread> pool;
    for (std::size_t w = 1; w < workers; ++w) pool.emplace_back(work, w);
    work(0);
    for (auto& t : pool) t.join();
    if (options.progress) options.progress(stage, end, pairs.size());
  }
}

// Random pairs of records on different lists, deterministic for a seed.
std::vector<std::pair<std::uint32_t, std::uint32_t>> random_cross_pairs(
    const LinkageProblem& problem, std::size_t count, std::uint64_t seed) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> pairs;
  const std::size_t n = problem.records.size();
  std::size_t largest = 0;
  for (const std::size_t s : problem.list_sizes) largest = std::max(largest, s);
  if (n == largest) return pairs;  // every record on one list: no cross pairs
  std::mt19937_64 rng(seed);
  pairs.reserve(count);
  while (pairs.size() < count) {
    const auto a = static_cast<std::uint32_t>(rng() % n);
    const auto b = static_cast<std::uint32_t>(rng() % n);
    if (problem.records[a].list == problem.records[b].list) continue;
    pairs.emplace_back(std::min(a, b), std::max(a, b));
  }
  return pairs;
}

// u from random pairs, with a floor for levels the sample never showed: a
// level unseen among `n` random pairs has a frequency below about 1/n, and
// u = 0 would make one such pair an infinitely strong match.
LevelProbabilities floored_u(const ComparisonPatterns& random_patterns) {
  LevelProbabilities u = estimate_u_from_random_pairs(random_patterns);
  const std::size_t pairs = random_patterns.pairs();
  for (int k = 0; k < random_patterns.fields; ++k) {
    std::size_t observed = 0;
    for (std::size_t i = 0; i < pairs; ++i) {
      if (random_patterns.levels[i * random_patterns.fields + k] != kMissingLevel) ++observed;
    }
    const double floor = 0.5 / static_cast<double>(std::max<std::size_t>(observed, 1));
    double total = 0.0;
    for (double& p : u[k]) {
      p = std::max(p, floor);
      total += p;
    }
    for (double& p : u[k]) p /= total;
  }
  return u;
}

// The fields a blocking rule's key is made of: its pairs agree on them by
// construction.
std::vector<LinkField> rule_conditions(const std::string& rule) {
  if (rule == "surname_birth_year") return {LinkField::surname, LinkField::birth_date};
  if (rule == "given_surname") return {LinkField::given_name, LinkField::surname};
  if (rule == "birth_date_surname_initial") return {LinkField::birth_date};
  if (rule == "document_number") return {LinkField::document_number};
  return {};
}

// Match weights with term-frequency adjustment (Winkler's frequency-based
// matching; Splink's term-frequency adjustments): two records agreeing
// exactly on a common surname are weaker evidence than two agreeing on a
// rare one. For a pair agreeing exactly on value v of such a field, u of the
// exact level (the chance that two random records agree on some value) is
// replaced by f(v), the share of records with v, as the weight of agreeing
// on v is m / f(v) (the chance a random record has v, given the other has).
// An entry may span several fields (surname and given name together): names
// are drawn from communities, so a shared surname makes a shared given name
// likelier among non-matches, and the frequency of the full name captures
// that where the product of two frequencies would not. Entries are applied
// in order, and a field adjusted by one entry is not adjusted again.
std::vector<double> adjusted_weights(const LinkageProblem& problem, const FellegiSunterModel& model,
                                     const ComparisonPatterns& patterns) {
  std::vector<double> weights = match_weights(model, patterns);
  const std::size_t k = problem.fields.size();
  const auto& pairs = *problem.candidate_pairs;
  std::vector<std::uint8_t> adjusted(weights.size() * k, 0);
  for (const auto& tf : problem.term_frequencies) {
    std::vector<std::size_t> fields;
    for (const LinkField field : tf.fields) {
      const auto f = static_cast<std::size_t>(
          std::find_if(problem.fields.begin(), problem.fields.end(),
                       [&](const ComparedField& c) { return c.field == field; }) -
          problem.fields.begin());
      if (f < k) fields.push_back(f);
    }
    if (fields.size() != tf.fields.size()) continue;  // a field is not compared
    // Value ids are dense (ValueIds numbers them 1, 2, ...).
    std::vector<std::size_t> counts;
    std::size_t filled = 0;
    for (const std::uint32_t v : tf.value_of_record) {
      if (v == 0) continue;
      if (v >= counts.size()) counts.resize(v + 1, 0);
      ++counts[v];
      ++filled;
    }
    double log2_u_exact = 0.0;
    for (const std::size_t f : fields) {
      log2_u_exact +=
          std::log2(model.u[f][static_cast<std::size_t>(patterns.levels_per_field[f] - 1)]);
    }
    std::vector<double> log2_share(counts.size(), 0.0);
    for (std::size_t v = 1; v < counts.size(); ++v) {
      if (counts[v] > 0) {
        log2_share[v] = std::log2(static_cast<double>(counts[v]) / static_cast<double>(filled));
      }
    }
    for (std::size_t i = 0; i < weights.size(); ++i) {
      const std::uint32_t v = tf.value_of_record[pairs[i].first];
      if (v == 0 || v != tf.value_of_record[pairs[i].second]) continue;
      bool applies = true;
      for (const std::size_t f : fields) {
        const int exact = patterns.levels_per_field[f] - 1;
        if (patterns.levels[i * k + f] != exact || adjusted[i * k + f] != 0) applies = false;
      }
      if (!applies) continue;
      weights[i] += log2_u_exact - log2_share[v];
      for (const std::size_t f : fields) adjusted[i * k + f] = 1;
    }
  }
  return weights;
}

struct UnionFind {
  std::vector<std::uint32_t> parent;
  std::vector<std::uint32_t> lists;  // bit mask of the lists in the set (at the root)
  explicit UnionFind(const std::vector<RecordRef>& records) : parent(records.size()) {
    std::iota(parent.begin(), parent.end(), 0U);
    lists.resize(records.size());
    for (std::size_t i = 0; i < records.size(); ++i) lists[i] = 1U << records[i].list;
  }
  std::uint32_t find(std::uint32_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  }
};

}  // namespace

LinkResult run_linkage(LinkageProblem problem, const LinkOptions& options) {
  if (options.precision && !(*options.precision > 0.0 && *options.precision <= 1.0)) {
    throw Error(Error::Kind::usage, "link: precision must be in (0, 1]");
  }
  if (!(options.min_probability > 0.0 && options.min_probability <= 1.0)) {
    throw Error(Error::Kind::usage, "link: the probability cut must be in (0, 1]");
  }
  if (options.random_pairs < 1000) {
    throw Error(Error::Kind::usage, "link: draw at least 1000 random pairs for u");
  }
  check_list_names(problem.list_names);
  const int threads = thread_count(options.threads);

  LinkResult result;
  result.list_names = problem.list_names;
  result.list_sizes = problem.list_sizes;
  result.warnings = std::move(problem.warnings);
  for (const auto& rule : problem.rules) result.rule_names.push_back(rule.name);
  if (problem.fields.empty()) {
    throw Error(Error::Kind::usage,
                "link: no field is present on two lists or more, so no pair can be compared");
  }
  if (problem.rules.empty()) {
    throw Error(Error::Kind::usage,
                "link: no blocking rule can be used with the fields these lists have");
  }

  // 1. Blocking.
  if (options.progress) options.progress("blocking", 0, 1);
  BlockingOptions blocking_options;
  blocking_options.max_block_size = options.max_block_size;
  blocking_options.threads = threads;
  result.blocking = candidate_pairs(problem.records, problem.rules, blocking_options);
  for (const auto& w : result.blocking.warnings) result.warnings.push_back(w);
  const auto& pairs = result.blocking.pairs;
  problem.candidate_pairs = &pairs;
  const std::size_t k = problem.fields.size();

  ComparisonPatterns patterns;
  patterns.fields = static_cast<int>(k);
  for (const auto& f : problem.fields) {
    patterns.levels_per_field.push_back(static_cast<int>(f.level_names.size()));
  }

  // 2-3. u from random pairs.
  ComparisonPatterns random_patterns = patterns;
  const auto random = random_cross_pairs(problem, options.random_pairs, options.seed);
  compare_all(problem, random, random_patterns.levels, threads, "comparing random pairs", options);
  result.random_pairs_compared = random.size();

  // Fields that no random pair observed (present on lists that are never
  // paired) cannot be modelled.
  LevelProbabilities u;
  try {
    u = floored_u(random_patterns);
  } catch (const Error&) {
    throw Error(Error::Kind::usage,
                "link: a compared field is never present on both records of a random pair; "
                "check that at least two lists fill it");
  }

  if (pairs.empty()) {
    throw Error(Error::Kind::usage,
                "link: the blocking rules found no candidate pair across the lists; check the "
                "column mapping (names and birth dates must be filled)");
  }
  compare_all(problem, pairs, patterns.levels, threads, "comparing candidate pairs", options);

  // 4. m by EM, rule by rule, as Splink does: the pairs a rule finds agree
  // by construction on the fields of its key, so those fields say nothing
  // there and are left out of that rule's EM; the other fields separate
  // matches from non-matches with u free (blocked non-matches are not
  // random pairs: they share a surname, a birth year). A field's m is the
  // average over the rules that estimated it, weighted by the matches each
  // rule's EM expects.
  std::vector<std::uint64_t> key_hashes(problem.rules.size() * problem.records.size());
  for (std::size_t r = 0; r < problem.rules.size(); ++r) {
    for (std::size_t i = 0; i < problem.records.size(); ++i) {
      const std::string& key = problem.rules[r].keys[i];
      key_hashes[r * problem.records.size() + i] =
          key.empty() ? 0 : std::hash<std::string>{}(key) | 1U;
    }
  }
  LevelProbabilities m_sum(k);
  std::vector<double> m_weight(k, 0.0);
  for (std::size_t f = 0; f < k; ++f) m_sum[f].assign(patterns.levels_per_field[f], 0.0);
  for (std::size_t r = 0; r < problem.rules.size(); ++r) {
    const auto conditioned = rule_conditions(problem.rules[r].name);
    std::vector<bool> masked(k, false);
    for (std::size_t f = 0; f < k; ++f) {
      masked[f] = std::find(conditioned.begin(), conditioned.end(), problem.fields[f].field) !=
                  conditioned.end();
    }
    ComparisonPatterns session = patterns;
    session.levels.clear();
    const std::uint64_t* h = key_hashes.data() + r * problem.records.size();
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const auto [a, b] = pairs[i];
      if (h[a] == 0 || h[a] != h[b] || problem.rules[r].keys[a] != problem.rules[r].keys[b]) {
        continue;
      }
      for (std::size_t f = 0; f < k; ++f) {
        session.levels.push_back(masked[f] ? kMissingLevel : patterns.levels[i * k + f]);
      }
    }
    RuleSession summary{problem.rules[r].name, session.pairs(), 0.0, 0, false};
    if (session.pairs() >= 100 && std::count(masked.begin(), masked.end(), false) >= 2) {
      EmOptions em;
      em.initial_u = u;
      const FellegiSunterModel fitted = estimate_fellegi_sunter(session, em);
      summary.match_proportion = fitted.match_proportion;
      summary.iterations = fitted.iterations;
      summary.converged = fitted.converged;
      const double expected_matches =
          fitted.match_proportion * static_cast<double>(session.pairs());
      if (fitted.converged && expected_matches >= 1.0) {
        for (std::size_t f = 0; f < k; ++f) {
          if (masked[f]) continue;
          for (std::size_t l = 0; l < m_sum[f].size(); ++l) {
            m_sum[f][l] += expected_matches * fitted.m[f][l];
          }
          m_weight[f] += expected_matches;
        }
      }
    }
    result.rule_sessions.push_back(summary);
  }
  for (std::size_t f = 0; f < k; ++f) {
    if (m_weight[f] == 0.0) {
      throw Error(Error::Kind::usage,
                  fmt::format("link: no blocking rule leaves field {} free to be estimated (or no "
                              "rule's EM converged); add a rule that does not key on it",
                              link_field_name(problem.fields[f].field)));
    }
    for (double& p : m_sum[f]) p /= m_weight[f];
  }
  result.model.m = m_sum;
  result.model.u = u;

  // Weights do not depend on lambda: computed once for the fixed point below
  // and the posteriors after it.
  const std::vector<double> weights = adjusted_weights(problem, result.model, patterns);
  // P(match | weight) for a prior lambda, given as log2(lambda / (1 - lambda)).
  const auto posterior = [](double weight, double prior_log2_odds) {
    return 1.0 / (1.0 + std::exp2(-(weight + prior_log2_odds)));
  };
  const auto log2_odds = [](double lambda) { return std::log2(lambda / (1.0 - lambda)); };

  // The prior: lambda = P(match) for a random cross-list pair, the fixed
  // point of lambda = (sum of candidate posteriors) / comparable pairs (the
  // EM update of lambda with m and u held, counting pairs outside every
  // block as non-matches).
  {
    result.model.match_proportion = 1.0 / static_cast<double>(result.blocking.comparable_pairs);
    for (int iteration = 1; iteration <= 1000; ++iteration) {
      const double lambda = result.model.match_proportion;
      const double prior = log2_odds(lambda);
      double expected = 0.0;
      for (const double w : weights) expected += posterior(w, prior);
      const double next =
          std::clamp(expected / static_cast<double>(result.blocking.comparable_pairs), 1e-300, 0.5);
      result.model.iterations = iteration;
      result.model.match_proportion = next;
      if (std::abs(next - lambda) <= 1e-6 * lambda) {
        result.model.converged = true;
        break;
      }
    }
    if (!result.model.converged) {
      result.warnings.push_back(
          "the share of matches among all pairs did not converge in 1000 iterations");
    }
  }
  for (std::size_t f = 0; f < k; ++f) {
    FieldModel field;
    field.name = std::string(link_field_name(problem.fields[f].field));
    field.level_names = problem.fields[f].level_names;
    field.m = result.model.m[f];
    field.u = result.model.u[f];
    for (std::size_t l = 0; l < field.m.size(); ++l) {
      field.weight.push_back(std::log2(field.m[l] / field.u[l]));
    }
    result.fields.push_back(std::move(field));
  }

  // 5. Threshold.
  std::vector<double> posteriors(weights.size());
  const double prior = log2_odds(result.model.match_proportion);
  for (std::size_t i = 0; i < weights.size(); ++i) posteriors[i] = posterior(weights[i], prior);
  const double cut = options.precision
                         ? threshold_for_precision(posteriors, *options.precision).probability
                         : options.min_probability;
  // What the model expects of the cut, as threshold_for_precision reports it.
  {
    double accepted = 0.0, expected_true = 0.0, expected_all = 0.0;
    std::size_t above = 0;
    for (const double p : posteriors) {
      expected_all += p;
      if (p >= cut) {
        ++above;
        accepted += 1.0;
        expected_true += p;
      }
    }
    result.threshold.probability = cut;
    result.threshold.pairs_above = above;
    result.threshold.expected_precision = above == 0 ? NAN : expected_true / accepted;
    result.threshold.expected_recall = expected_all == 0.0 ? 0.0 : expected_true / expected_all;
  }

  // 6. Clustering, strongest link first.
  std::vector<std::uint32_t> accepted;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (posteriors[i] >= cut) accepted.push_back(static_cast<std::uint32_t>(i));
  }
  result.pairs_accepted = accepted.size();
  std::stable_sort(accepted.begin(), accepted.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return weights[a] > weights[b]; });
  UnionFind sets(problem.records);
  std::vector<bool> kept(pairs.size(), false);
  for (const std::uint32_t i : accepted) {
    std::uint32_t a = sets.find(pairs[i].first);
    std::uint32_t b = sets.find(pairs[i].second);
    if (a == b) {
      kept[i] = true;
      continue;
    }
    if ((sets.lists[a] & sets.lists[b]) != 0) {
      ++result.links_refused;
      continue;
    }
    if (a > b) std::swap(a, b);
    sets.parent[b] = a;
    sets.lists[a] |= sets.lists[b];
    kept[i] = true;
    ++result.links_kept;
  }

  // Persons numbered by their first record.
  const std::size_t n = problem.records.size();
  std::vector<std::uint32_t> person_of_root(n, UINT32_MAX);
  result.records.resize(n);
  result.capture_histories.assign(std::size_t{1} << problem.list_names.size(), 0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint32_t root = sets.find(static_cast<std::uint32_t>(i));
    if (person_of_root[root] == UINT32_MAX) {
      person_of_root[root] = static_cast<std::uint32_t>(result.persons++);
      ++result.capture_histories[sets.lists[root]];
    }
    result.records[i] = {problem.records[i].list, std::move(problem.record_ids[i]),
                         person_of_root[root]};
  }

  // Pairs for review.
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (posteriors[i] < 0.01) continue;
    ScoredPair p;
    p.first = pairs[i].first;
    p.second = pairs[i].second;
    p.weight = weights[i];
    p.probability = posteriors[i];
    p.linked = kept[i];
    p.levels.assign(patterns.levels.begin() + static_cast<std::ptrdiff_t>(i * k),
                    patterns.levels.begin() + static_cast<std::ptrdiff_t>((i + 1) * k));
    result.review_pairs.push_back(std::move(p));
  }
  std::stable_sort(result.review_pairs.begin(), result.review_pairs.end(),
                   [](const ScoredPair& a, const ScoredPair& b) { return a.weight > b.weight; });
  result.blocking.pairs.clear();
  result.blocking.pairs.shrink_to_fit();
  if (result.links_refused > 0) {
    result.warnings.push_back(fmt::format(
        "{} accepted link(s) were refused because they would have put two records of one list "
        "in one person (the guard against chaining); if the lists may hold a person twice, "
        "deduplicate them first",
        result.links_refused));
  }
  return result;
}

}  // namespace detail

// ---------------------------------------------------------------------------
// Clear-text linkage

namespace {

struct ClearRecord {
  std::string surname;  // phonetic key
  std::string given;    // phonetic key
  std::optional<Date> birth;
  char sex = 0;
  std::string document;
  std::string citizenship;
};

std::int8_t name_level(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return kMissingLevel;
  if (a == b) return 3;
  const double s = jaro_winkler(a, b);
  if (s >= 0.92) return 2;
  if (s >= 0.80) return 1;
  return 0;
}

std::int8_t date_level(const std::optional<Date>& a, const std::optional<Date>& b) {
  if (!a || !b) return kMissingLevel;
  switch (compare_dates(*a, *b)) {
    case DateAgreement::exact:
      return 4;
    case DateAgreement::day_month_swapped:
      return 3;
    case DateAgreement::one_part_differs:
      return 2;
    case DateAgreement::year_only:
      return 1;
    case DateAgreement::disagree:
      return 0;
    case DateAgreement::missing:
      return kMissingLevel;
  }
  return kMissingLevel;
}

std::string iso_date(const std::optional<Date>& d) {
  if (!d || d->year == 0 || d->month == 0 || d->day == 0) return {};
  return fmt::format("{:04d}-{:02d}-{:02d}", d->year, d->month, d->day);
}

std::optional<int> birth_year(const std::optional<Date>& d) {
  if (!d || d->year == 0) return std::nullopt;
  return d->year;
}

}  // namespace

namespace detail {

void add_blocking_rule(LinkageProblem& problem, BlockingRule rule) {
  const bool keys_any = std::any_of(rule.keys.begin(), rule.keys.end(),
                                    [](const std::string& key) { return !key.empty(); });
  if (!keys_any) {
    problem.warnings.push_back(
        fmt::format("blocking rule {} keys no record and is not used", rule.name));
    return;
  }
  problem.rules.push_back(std::move(rule));
}

std::vector<LinkField> select_fields(
    LinkageProblem& problem,
    const std::vector<std::pair<LinkField, std::vector<std::string>>>& candidates,
    const std::map<LinkField, std::set<std::uint32_t>>& lists_filling) {
  std::vector<LinkField> used;
  for (const auto& [field, levels] : candidates) {
    const auto it = lists_filling.find(field);
    if (it != lists_filling.end() && it->second.size() >= 2) {
      problem.fields.push_back({field, levels});
      used.push_back(field);
    } else {
      problem.warnings.push_back(
          fmt::format("field {} is filled on fewer than two lists and is not compared",
                      link_field_name(field)));
    }
  }
  return used;
}

const std::string& NameKeyCache::surname_phonetic(const std::string& surname) {
  auto [it, inserted] = surname_phonetic_.try_emplace(surname);
  if (inserted && !surname.empty()) it->second = phonetic_key(to_latin(surname));
  return it->second;
}

NameKeys NameKeyCache::keys(const std::string& surname, const std::string& given) {
  auto [stem, new_stem] = surname_stem_.try_emplace(surname);
  if (new_stem) stem->second = name_keys(surname, {}).surname_stem;
  auto [key, new_key] = given_phonetic_.try_emplace(given);
  if (new_key) key->second = name_keys({}, given).given;
  return {stem->second, key->second};
}

const std::vector<std::string>& name_levels() {
  static const std::vector<std::string> levels = {"differ", "similar (JW >= 0.80)",
                                                  "close (JW >= 0.92)", "same phonetic key"};
  return levels;
}
const std::vector<std::string>& date_levels() {
  static const std::vector<std::string> levels = {"differ", "same year", "one part differs",
                                                  "day and month swapped", "same date"};
  return levels;
}

// The blocking keys of one record under `rule` from clear fields; "" when
// the rule cannot key it. Throws on an unknown rule name.
std::string clear_blocking_key(const std::string& rule, const PersonRecord& r,
                               const NameKeys& keys) {
  if (rule == "surname_birth_year") {
    return key_phonetic_surname_birth_year(keys, birth_year(r.birth_date));
  }
  if (rule == "given_surname") return key_phonetic_given_surname(keys);
  if (rule == "birth_date_surname_initial") {
    return key_birth_date_surname_initial(iso_date(r.birth_date), keys);
  }
  if (rule == "document_number") return r.document_number;
  throw Error(Error::Kind::usage,
              fmt::format("link: unknown blocking rule \"{}\"; expected surname_birth_year, "
                          "given_surname, birth_date_surname_initial or document_number",
                          rule));
}

}  // namespace detail

LinkResult link_lists(const std::vector<AgencyList>& lists, const LinkOptions& options) {
  detail::LinkageProblem problem;
  for (const auto& list : lists) problem.list_names.push_back(list.name);
  detail::check_list_names(problem.list_names);

  auto prepared = std::make_shared<std::vector<ClearRecord>>();
  detail::NameKeyCache names;
  std::vector<NameKeys> record_keys;
  detail::NameFrequencies name_frequencies;
  // Which fields are filled on which lists.
  std::map<LinkField, std::set<std::uint32_t>> filled;
  for (std::uint32_t l = 0; l < lists.size(); ++l) {
    problem.list_sizes.push_back(lists[l].records.size());
    for (std::uint32_t row = 0; row < lists[l].records.size(); ++row) {
      const PersonRecord& r = lists[l].records[row];
      problem.records.push_back({l, row});
      problem.record_ids.push_back(r.record_id);
      ClearRecord c;
      const NameKeys keys = names.keys(r.surname, r.given_name);
      c.surname = names.surname_phonetic(r.surname);
      c.given = keys.given;
      c.birth = r.birth_date;
      if (c.birth && c.birth->year == 0) c.birth.reset();
      c.sex = r.sex.empty() ? 0 : r.sex[0];
      c.document = r.document_number;
      c.citizenship = r.citizenship;
      name_frequencies.add(c.surname, c.given);
      if (!c.surname.empty()) filled[LinkField::surname].insert(l);
      if (!c.given.empty()) filled[LinkField::given_name].insert(l);
      if (c.birth) filled[LinkField::birth_date].insert(l);
      if (c.sex != 0) filled[LinkField::sex].insert(l);
      if (!c.document.empty()) filled[LinkField::document_number].insert(l);
      if (!c.citizenship.empty()) filled[LinkField::citizenship].insert(l);
      prepared->push_back(std::move(c));
      record_keys.push_back(keys);
    }
  }
  if (problem.records.size() >= UINT32_MAX) {
    throw Error(Error::Kind::usage, "link: more records than 32-bit indices can address");
  }

  const std::vector<std::pair<LinkField, std::vector<std::string>>> candidates = {
      {LinkField::surname, detail::name_levels()},
      {LinkField::given_name, detail::name_levels()},
      {LinkField::birth_date, detail::date_levels()},
      {LinkField::sex, {"differ", "same"}},
      {LinkField::document_number, {"differ", "one edit apart", "same"}},
      {LinkField::citizenship, {"differ", "same"}},
  };
  const std::vector<LinkField> used = detail::select_fields(problem, candidates, filled);

  for (const auto& rule : options.blocking_rules) {
    BlockingRule blocking{rule, {}};
    blocking.keys.reserve(problem.records.size());
    std::size_t index = 0;
    for (const auto& list : lists) {
      for (const auto& r : list.records) {
        blocking.keys.push_back(detail::clear_blocking_key(rule, r, record_keys[index++]));
      }
    }
    detail::add_blocking_rule(problem, std::move(blocking));
  }

  problem.term_frequencies = name_frequencies.take();
  problem.compare = [prepared, used](std::uint32_t a, std::uint32_t b, std::int8_t* levels) {
    const ClearRecord& x = (*prepared)[a];
    const ClearRecord& y = (*prepared)[b];
    for (std::size_t f = 0; f < used.size(); ++f) {
      std::int8_t level = kMissingLevel;
      switch (used[f]) {
        case LinkField::surname:
          level = name_level(x.surname, y.surname);
          break;
        case LinkField::given_name:
          level = name_level(x.given, y.given);
          break;
        case LinkField::birth_date:
          level = date_level(x.birth, y.birth);
          break;
        case LinkField::sex:
          if (x.sex != 0 && y.sex != 0) level = x.sex == y.sex ? 1 : 0;
          break;
        case LinkField::document_number:
          if (!x.document.empty() && !y.document.empty()) {
            if (x.document == y.document) {
              level = 2;
            } else {
              level = damerau_levenshtein(x.document, y.document) <= 1 ? 1 : 0;
            }
          }
          break;
        case LinkField::citizenship:
          if (!x.citizenship.empty() && !y.citizenship.empty()) {
            level = x.citizenship == y.citizenship ? 1 : 0;
          }
          break;
      }
      levels[f] = level;
    }
  };
  return detail::run_linkage(std::move(problem), options);
}

// ---------------------------------------------------------------------------
// Output

namespace {

std::string number(double v) {
  if (std::isnan(v)) return "NA";
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  return fmt::format("{:.10g}", v);
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{:.10g}", v);
}

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::ofstream open_output(const std::filesystem::path& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", path.string()));
  return out;
}

}  // namespace

std::vector<std::string> write_link_result(const LinkResult& result, const std::string& directory) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec)
    throw Error(Error::Kind::io, fmt::format("cannot create {}: {}", directory, ec.message()));
  const fs::path dir(directory);
  std::vector<std::string> written;
  const std::size_t k = result.list_names.size();

  {
    const fs::path path = dir / "capture_histories.csv";
    auto out = open_output(path);
    std::vector<std::string> row = result.list_names;
    row.emplace_back("count");
    io::write_csv_record(out, row);
    for (std::size_t pattern = 1; pattern < result.capture_histories.size(); ++pattern) {
      if (result.capture_histories[pattern] == 0) continue;
      row.clear();
      for (std::size_t j = 0; j < k; ++j) row.emplace_back(((pattern >> j) & 1U) ? "1" : "0");
      row.push_back(std::to_string(result.capture_histories[pattern]));
      io::write_csv_record(out, row);
    }
    written.push_back(path.string());
  }
  {
    const fs::path path = dir / "persons.csv";
    auto out = open_output(path);
    io::write_csv_record(out, std::vector<std::string>{"list", "record_id", "person_id"});
    for (const auto& r : result.records) {
      io::write_csv_record(out, std::vector<std::string>{result.list_names[r.list], r.record_id,
                                                         std::to_string(r.person + 1)});
    }
    written.push_back(path.string());
  }
  {
    const fs::path path = dir / "review_pairs.csv";
    auto out = open_output(path);
    std::vector<std::string> header = {"list_a", "record_id_a", "list_b", "record_id_b"};
    for (const auto& f : result.fields) header.push_back(f.name);
    for (const std::string extra : {"weight", "probability", "linked"}) header.push_back(extra);
    io::write_csv_record(out, header);
    for (const auto& p : result.review_pairs) {
      const auto& a = result.records[p.first];
      const auto& b = result.records[p.second];
      std::vector<std::string> row = {result.list_names[a.list], a.record_id,
                                      result.list_names[b.list], b.record_id};
      for (std::size_t f = 0; f < result.fields.size(); ++f) {
        const std::int8_t level = p.levels[f];
        row.push_back(level == kMissingLevel
                          ? std::string("NA")
                          : result.fields[f].level_names[static_cast<std::size_t>(level)]);
      }
      row.push_back(number(p.weight));
      row.push_back(number(p.probability));
      row.emplace_back(p.linked ? "1" : "0");
      io::write_csv_record(out, row);
    }
    written.push_back(path.string());
  }
  {
    const fs::path path = dir / "linkage.json";
    auto out = open_output(path);
    out << "{\n  \"lists\": [";
    for (std::size_t j = 0; j < k; ++j) {
      out << (j ? ", " : "") << "{\"name\": " << json_string(result.list_names[j])
          << ", \"records\": " << result.list_sizes[j] << "}";
    }
    out << "],\n  \"records\": " << result.records.size() << ",\n  \"persons\": " << result.persons
        << ",\n  \"blocking\": {\"rules\": [";
    for (std::size_t r = 0; r < result.rule_names.size(); ++r) {
      out << (r ? ", " : "") << "{\"name\": " << json_string(result.rule_names[r])
          << ", \"pairs\": " << result.blocking.pairs_per_rule[r]
          << ", \"largest_block\": " << result.blocking.largest_block_per_rule[r] << "}";
    }
    out << "], \"candidate_pairs\": " << result.blocking.union_size
        << ", \"comparable_pairs\": " << result.blocking.comparable_pairs
        << ", \"reduction_ratio\": " << json_number(result.blocking.reduction_ratio)
        << ", \"skipped_blocks\": " << result.blocking.skipped_blocks.size() << "},\n";
    out << "  \"model\": {\"match_proportion\": " << json_number(result.model.match_proportion)
        << ", \"iterations\": " << result.model.iterations
        << ", \"converged\": " << (result.model.converged ? "true" : "false")
        << ", \"log_likelihood\": " << json_number(result.model.log_likelihood)
        << ", \"random_pairs\": " << result.random_pairs_compared << ", \"fields\": [";
    for (std::size_t f = 0; f < result.fields.size(); ++f) {
      const auto& field = result.fields[f];
      out << (f ? ",\n    " : "\n    ") << "{\"name\": " << json_string(field.name)
          << ", \"levels\": [";
      for (std::size_t l = 0; l < field.m.size(); ++l) {
        out << (l ? ", " : "") << "{\"level\": " << json_string(field.level_names[l])
            << ", \"m\": " << json_number(field.m[l]) << ", \"u\": " << json_number(field.u[l])
            << ", \"weight\": " << json_number(field.weight[l]) << "}";
      }
      out << "]}";
    }
    out << "]},\n  \"threshold\": {\"probability\": " << json_number(result.threshold.probability)
        << ", \"expected_precision\": " << json_number(result.threshold.expected_precision)
        << ", \"expected_recall\": " << json_number(result.threshold.expected_recall)
        << ", \"pairs_accepted\": " << result.pairs_accepted
        << ", \"links_kept\": " << result.links_kept
        << ", \"links_refused\": " << result.links_refused << "},\n  \"warnings\": [";
    for (std::size_t w = 0; w < result.warnings.size(); ++w) {
      out << (w ? ", " : "") << json_string(result.warnings[w]);
    }
    out << "]\n}\n";
    written.push_back(path.string());
  }
  return written;
}

// ---------------------------------------------------------------------------
// Quality against a truth

LinkageQuality pairwise_quality(const LinkResult& result,
                                const std::vector<std::int64_t>& truth_person) {
  if (truth_person.size() != result.records.size()) {
    throw Error(Error::Kind::usage, "link: one true person per record is needed");
  }
  // Cross-list pairs within a group: (n^2 - sum over lists of n_l^2) / 2.
  const auto cross_pairs = [&](std::map<std::uint32_t, std::size_t>& per_list) {
    std::size_t total = 0, squares = 0;
    for (const auto& [list, count] : per_list) {
      total += count;
      squares += count * count;
    }
    return (total * total - squares) / 2;
  };
  std::map<std::int64_t, std::map<std::uint32_t, std::size_t>> by_truth;
  std::map<std::uint32_t, std::map<std::uint32_t, std::size_t>> by_result;
  std::map<std::pair<std::uint32_t, std::int64_t>, std::map<std::uint32_t, std::size_t>> by_both;
  for (std::size_t i = 0; i < truth_person.size(); ++i) {
    const auto& r = result.records[i];
    ++by_truth[truth_person[i]][r.list];
    ++by_result[r.person][r.list];
    ++by_both[{r.person, truth_person[i]}][r.list];
  }
  LinkageQuality q;
  for (auto& [key, lists] : by_truth) q.true_pairs += cross_pairs(lists);
  for (auto& [key, lists] : by_result) q.predicted_pairs += cross_pairs(lists);
  for (auto& [key, lists] : by_both) q.true_positives += cross_pairs(lists);
  q.precision = q.predicted_pairs == 0 ? 1.0
                                       : static_cast<double>(q.true_positives) /
                                             static_cast<double>(q.predicted_pairs);
  q.recall = q.true_pairs == 0
                 ? 1.0
                 : static_cast<double>(q.true_positives) / static_cast<double>(q.true_pairs);
  q.f1 =
      q.precision + q.recall == 0.0 ? 0.0 : 2.0 * q.precision * q.recall / (q.precision + q.recall);
  return q;
}

std::vector<std::int64_t> read_truth_persons(const std::string& path, const LinkResult& result) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("cannot open truth file {}", path));
  io::CsvReader csv(in, path);
  std::vector<std::string> row;
  if (!csv.next(row) || row.size() < 3 || row[0] != "list" || row[1] != "record_id" ||
      row[2] != "person_id") {
    throw input_error({path, 1, 1}, "a header list,record_id,person_id");
  }
  std::map<std::pair<std::string, std::string>, std::int64_t> truth;
  while (csv.next(row)) {
    if (row.size() < 3) throw input_error({path, csv.record_line(), row.size() + 1}, "3 fields");
    try {
      truth[{row[0], row[1]}] = std::stoll(row[2]);
    } catch (const std::exception&) {
      throw input_error({path, csv.record_line(), 3}, "an integer person_id");
    }
  }
  std::vector<std::int64_t> persons;
  persons.reserve(result.records.size());
  for (const auto& r : result.records) {
    const auto it = truth.find({result.list_names[r.list], r.record_id});
    if (it == truth.end()) {
      throw input_error({path, 0, 0},
                        fmt::format("no truth for a record of list {}", result.list_names[r.list]));
    }
    persons.push_back(it->second);
  }
  return persons;
}

}  // namespace vigil::link
