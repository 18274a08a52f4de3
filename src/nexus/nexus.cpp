// The nexus join and the gravity model; see nexus.hpp.
#include "nexus/nexus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <unordered_map>

#include "core/country.hpp"
#include "core/distributions.hpp"
#include "core/error.hpp"
#include "glm/fixed_effects.hpp"
#include "io/csv.hpp"

namespace vigil::nexus {
namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

using CorridorYear = std::tuple<int, std::string, std::string>;

// A CSV with a header, its columns found by name.
class NamedCsv {
 public:
  explicit NamedCsv(const std::string& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
    reader_.emplace(in_, path);
    if (!reader_->next(header_)) {
      throw input_error(SourcePosition{path, 1, 0}, "the file is empty; expected a header row");
    }
    for (auto& name : header_) {
      // Header names are matched without surrounding spaces or case.
      std::string trimmed;
      for (const char c : name)
        trimmed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      const auto first = trimmed.find_first_not_of(' ');
      const auto last = trimmed.find_last_not_of(' ');
      name = first == std::string::npos ? "" : trimmed.substr(first, last - first + 1);
    }
  }

  std::optional<std::size_t> find(std::string_view name) const {
    std::string lower;
    for (const char c : name)
      lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    for (std::size_t i = 0; i < header_.size(); ++i) {
      if (header_[i] == lower) return i;
    }
    return std::nullopt;
  }

  std::size_t require(std::string_view name, std::string_view what) const {
    if (const auto index = find(name)) return *index;
    std::string present;
    for (const auto& h : header_) present += (present.empty() ? "" : ", ") + h;
    throw input_error(
        SourcePosition{path_, 1, 0},
        fmt::format("{} needs a column \"{}\"; the header has: {}", what, name, present));
  }

  bool next() { return reader_->next(fields_); }

  const std::string& field(std::size_t column) const {
    static const std::string no_field;
    return column < fields_.size() ? fields_[column] : no_field;
  }

  SourcePosition where(std::size_t column) const {
    return SourcePosition{path_, reader_->record_line(), column + 1};
  }

  double number(std::size_t column, std::string_view expected) const {
    const std::string& text = field(column);
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
        !std::isfinite(value)) {
      throw input_error(where(column), expected, text);
    }
    return value;
  }

  int whole(std::size_t column, std::string_view expected) const {
    const std::string& text = field(column);
    int value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
      throw input_error(where(column), expected, text);
    }
    return value;
  }

  std::string label(std::size_t column, std::string_view expected) const {
    const std::string& text = field(column);
    if (text.empty()) throw input_error(where(column), expected, text);
    return text;
  }

 private:
  std::string path_;
  std::ifstream in_;
  std::optional<io::CsvReader> reader_;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;
};

bool is_country_code(const std::string& label) {
  return label.size() == 3 && find_country(label).has_value();
}

std::string corridor_label(const std::string& origin, const std::string& destination) {
  return origin + "->" + destination;
}

double two_sided_normal_p(double z) {
  return 2.0 * normal_upper_tail(std::abs(z));
}

}  // namespace

std::string fixed_effect_name(FixedEffect effect) {
  switch (effect) {
    case FixedEffect::corridor:
      return "corridor";
    case FixedEffect::origin:
      return "origin";
    case FixedEffect::destination:
      return "destination";
    case FixedEffect::year:
      return "year";
    case FixedEffect::origin_year:
      return "origin-year";
    case FixedEffect::destination_year:
      return "destination-year";
  }
  return "corridor";
}

FixedEffect parse_fixed_effect(const std::string& name) {
  for (const FixedEffect effect :
       {FixedEffect::corridor, FixedEffect::origin, FixedEffect::destination, FixedEffect::year,
        FixedEffect::origin_year, FixedEffect::destination_year}) {
    if (fixed_effect_name(effect) == name) return effect;
  }
  throw Error(Error::Kind::usage,
              fmt::format("unknown fixed effect \"{}\": expected corridor, origin, destination, "
                          "year, origin-year or destination-year",
                          name));
}

std::vector<MigrationRow> read_migration_table(const std::string& path,
                                               const std::vector<std::string>& control_columns) {
  NamedCsv csv(path);
  const std::size_t year = csv.require("year", "a migration table");
  const std::size_t origin = csv.require("origin", "a migration table");
  const std::size_t destination = csv.require("destination", "a migration table");
  const std::size_t flow = csv.require("flow", "a migration table");
  const std::optional<std::size_t> stock = csv.find("stock");
  std::vector<std::size_t> controls;
  controls.reserve(control_columns.size());
  for (const auto& name : control_columns) controls.push_back(csv.require(name, "--control"));

  std::vector<MigrationRow> rows;
  while (csv.next()) {
    MigrationRow row;
    row.year = csv.whole(year, "a year such as 2019");
    row.origin = csv.label(origin, "an origin (an ISO alpha-3 code or a region)");
    row.destination = csv.label(destination, "a destination (an ISO alpha-3 code or a region)");
    row.flow = csv.number(flow, "a number of migrants, 0 or more");
    if (row.flow < 0)
      throw input_error(csv.where(flow), "a number of migrants, 0 or more", csv.field(flow));
    row.stock = kNan;
    if (stock && !csv.field(*stock).empty()) {
      row.stock = csv.number(*stock, "a stock of migrants, 0 or more");
      if (row.stock < 0) {
        throw input_error(csv.where(*stock), "a stock of migrants, 0 or more", csv.field(*stock));
      }
    }
    for (const std::size_t c : controls) row.controls.push_back(csv.number(c, "a number"));
    rows.push_back(std::move(row));
  }
  if (rows.empty()) {
    throw input_error(SourcePosition{path, 1, 0}, "the migration table has a header but no rows");
  }
  return rows;
}

std::vector<VictimCount> read_victim_counts(const std::string& path) {
  NamedCsv csv(path);
  const std::size_t year = csv.require("year", "a table of victim counts");
  const std::size_t origin = csv.require("origin", "a table of victim counts");
  const std::size_t destination = csv.require("destination", "a table of victim counts");
  const std::size_t victims = csv.require("victims", "a table of victim counts");
  std::map<CorridorYear, double> sums;
  while (csv.next()) {
    const int y = csv.whole(year, "a year such as 2019");
    std::string o = csv.label(origin, "an origin (an ISO alpha-3 code or a region)");
    std::string d = csv.label(destination, "a destination (an ISO alpha-3 code or a region)");
    const double count = csv.number(victims, "a whole number of victims, 0 or more");
    if (count < 0 || count != std::floor(count)) {
      throw input_error(csv.where(victims), "a whole number of victims, 0 or more",
                        csv.field(victims));
    }
    sums[{y, std::move(o), std::move(d)}] += count;
  }
  std::vector<VictimCount> out;
  out.reserve(sums.size());
  for (const auto& [key, count] : sums) {
    out.push_back(VictimCount{std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  return out;
}

CaseCounts count_cases(
    const std::function<void(const std::function<void(const CaseRecord&)>&)>& for_each_case) {
  CaseCounts result;
  std::map<CorridorYear, double> sums;
  for_each_case([&](const CaseRecord& record) {
    ++result.records;
    const auto year = record.year();
    const auto origin = record.citizenship();
    const auto destination = record.country_of_exploitation();
    if (!year || !origin || !destination) {
      ++result.unplaced;
      return;
    }
    sums[{*year, std::string(origin->alpha3()), std::string(destination->alpha3())}] += 1;
  });
  for (const auto& [key, count] : sums) {
    result.counts.push_back(
        VictimCount{std::get<0>(key), std::get<1>(key), std::get<2>(key), count});
  }
  return result;
}

NexusResult analyse_nexus(const std::vector<MigrationRow>& migration,
                          const std::vector<VictimCount>& victims, const NexusOptions& options) {
  if (!(options.confidence_level > 0 && options.confidence_level < 1)) {
    throw Error(Error::Kind::usage, fmt::format("the confidence level must lie between 0 and 1, "
                                                "got {}",
                                                options.confidence_level));
  }
  if (options.fixed_effects.empty()) {
    throw Error(Error::Kind::usage,
                "at least one fixed effect is needed (they absorb the intercept); the usual "
                "choice is corridor and year");
  }
  if (options.regions_in && !is_country_code(*options.regions_in)) {
    throw Error(Error::Kind::usage,
                fmt::format("--regions-in: expected an ISO 3166-1 alpha-3 code such as KAZ, got "
                            "\"{}\"",
                            *options.regions_in));
  }
  const auto place = [&options](const std::string& label) {
    if (options.regions_in && !is_country_code(label)) return *options.regions_in;
    return label;
  };

  NexusResult result;
  // Migration per corridor-year, regions folded into their country when
  // asked. A measure that is missing (stock not in the table) is an error.
  std::map<CorridorYear, PanelRow> panel;
  for (const MigrationRow& row : migration) {
    const double migrants = options.use_stock ? row.stock : row.flow;
    if (std::isnan(migrants)) {
      throw Error(Error::Kind::usage,
                  "--measure stock: the migration table has no stock for some rows; use the "
                  "flow, or fill the stock column");
    }
    PanelRow& cell = panel[{row.year, place(row.origin), place(row.destination)}];
    cell.year = row.year;
    cell.origin = place(row.origin);
    cell.destination = place(row.destination);
    cell.migrants += migrants;
    if (cell.controls.empty()) cell.controls.assign(row.controls.size(), 0.0);
    // Controls of rows folded together are averaged weighted by migrants;
    // with one row per cell this is the row's value.
    for (std::size_t c = 0; c < row.controls.size(); ++c) {
      cell.controls[c] += row.controls[c] * migrants;
    }
  }
  for (auto& [key, cell] : panel) {
    for (double& c : cell.controls) c = cell.migrants > 0 ? c / cell.migrants : 0.0;
  }
  for (const VictimCount& count : victims) {
    const auto found = panel.find({count.year, place(count.origin), place(count.destination)});
    if (found == panel.end()) {
      ++result.victim_rows_unmatched;
      result.victims_unmatched += count.victims;
      if (result.unmatched_examples.size() < 5) {
        result.unmatched_examples.push_back(fmt::format(
            "{} {}", count.year, corridor_label(place(count.origin), place(count.destination))));
      }
      continue;
    }
    found->second.victims += count.victims;
  }
  for (auto& [key, cell] : panel) {
    if (cell.migrants <= 0) {
      ++result.rows_without_migrants;
      continue;
    }
    result.panel.push_back(cell);
  }
  double matched_victims = 0;
  for (const auto& row : result.panel) matched_victims += row.victims;
  // Most victims without a corridor-year in the migration table means the
  // two tables name places differently: a model on the few that match would
  // describe the wrong corridors, so stop and say why.
  if (result.victims_unmatched > matched_victims) {
    std::string examples;
    for (const auto& e : result.unmatched_examples) examples += (examples.empty() ? "" : "; ") + e;
    const bool regional = std::any_of(migration.begin(), migration.end(), [&](const auto& row) {
      return !is_country_code(place(row.destination)) || !is_country_code(place(row.origin));
    });
    throw Error(Error::Kind::input,
                fmt::format("{:g} of {:g} victims have no corridor-year in the migration table "
                            "(for example {}; the migration table has, for example, {} {}). {}",
                            result.victims_unmatched, result.victims_unmatched + matched_victims,
                            examples, migration.front().year,
                            corridor_label(migration.front().origin, migration.front().destination),
                            regional ? "The migration table names regions while the victims are "
                                       "counted by country: add --regions-in COUNTRY (for example "
                                       "--regions-in KAZ) to sum the regions into their country"
                                     : "Do the origin and destination codes and the years match?"));
  }
  const auto n = static_cast<Eigen::Index>(result.panel.size());
  if (n < 3) {
    throw Error(Error::Kind::usage,
                fmt::format("only {} corridor-year(s) could be joined: too few to fit a model", n));
  }

  // Level codes for the fixed effects and the clusters.
  const auto codes_of = [&](auto key_of) {
    std::map<std::string, int> levels;
    std::vector<int> codes;
    codes.reserve(result.panel.size());
    for (const auto& row : result.panel) {
      codes.push_back(levels.emplace(key_of(row), static_cast<int>(levels.size())).first->second);
    }
    return std::make_pair(codes, static_cast<int>(levels.size()));
  };
  const auto corridor_key = [](const PanelRow& r) {
    return corridor_label(r.origin, r.destination);
  };
  const auto key_for = [&](FixedEffect effect) -> std::function<std::string(const PanelRow&)> {
    switch (effect) {
      case FixedEffect::corridor:
        return corridor_key;
      case FixedEffect::origin:
        return [](const PanelRow& r) { return r.origin; };
      case FixedEffect::destination:
        return [](const PanelRow& r) { return r.destination; };
      case FixedEffect::year:
        return [](const PanelRow& r) { return std::to_string(r.year); };
      case FixedEffect::origin_year:
        return [](const PanelRow& r) { return r.origin + "/" + std::to_string(r.year); };
      case FixedEffect::destination_year:
        return [](const PanelRow& r) { return r.destination + "/" + std::to_string(r.year); };
    }
    return corridor_key;
  };
  std::vector<std::vector<int>> fixed_effects;
  for (const FixedEffect effect : options.fixed_effects) {
    fixed_effects.push_back(codes_of(key_for(effect)).first);
    result.fixed_effects.push_back(fixed_effect_name(effect));
  }
  result.corridors = codes_of(corridor_key).second;
  result.years = codes_of([](const PanelRow& r) { return std::to_string(r.year); }).second;

  const auto controls = static_cast<Eigen::Index>(options.controls.size());
  Eigen::MatrixXd x(n, 1 + controls);
  Eigen::VectorXd y(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const PanelRow& row = result.panel[static_cast<std::size_t>(i)];
    x(i, 0) = std::log(row.migrants);
    for (Eigen::Index c = 0; c < controls; ++c)
      x(i, 1 + c) = row.controls[static_cast<std::size_t>(c)];
    y(i) = row.victims;
  }
  glm::FixedEffectsOptions fit_options;
  std::string cluster_name;
  switch (options.cluster) {
    case ClusterBy::none:
      break;
    case ClusterBy::corridor:
      fit_options.cluster = codes_of(corridor_key).first;
      cluster_name = "corridor";
      break;
    case ClusterBy::origin:
      fit_options.cluster = codes_of(key_for(FixedEffect::origin)).first;
      cluster_name = "origin";
      break;
    case ClusterBy::destination:
      fit_options.cluster = codes_of(key_for(FixedEffect::destination)).first;
      cluster_name = "destination";
      break;
  }
  if (!fit_options.cluster.empty()) {
    result.clusters = 1 + *std::max_element(fit_options.cluster.begin(), fit_options.cluster.end());
  }
  const glm::FixedEffectsPoissonFit fit =
      glm::fit_fixed_effects_poisson(x, y, fixed_effects, fit_options);
  result.fixed_effect_levels = fit.fixed_effect_levels;
  result.observations = fit.observations;
  result.observations_dropped = fit.observations_dropped;
  result.deviance = fit.deviance;
  result.log_likelihood = fit.log_likelihood;
  result.iterations = fit.iterations;
  result.converged = fit.converged;
  result.warnings = fit.warnings;

  // With clustered standard errors the reference distribution is Student's
  // t with G - 1 degrees of freedom, not the normal: with a few dozen
  // corridors the normal's intervals are too short (Cameron & Miller 2015,
  // "A practitioner's guide to cluster-robust inference", J. Human
  // Resources 50(2), section VI; Stata's and fixest's practice).
  const bool clustered = fit.cluster_std_errors.size() > 0 && result.clusters >= 2;
  const double df = clustered ? result.clusters - 1.0 : std::numeric_limits<double>::infinity();
  const double z = clustered ? student_t_quantile(0.5 + options.confidence_level / 2.0, df)
                             : normal_quantile(0.5 + options.confidence_level / 2.0);
  const auto two_sided_p = [&](double statistic) {
    return clustered ? 2.0 * student_t_upper_tail(std::abs(statistic), df)
                     : two_sided_normal_p(statistic);
  };
  const auto std_error = [&](Eigen::Index j) {
    return clustered ? fit.cluster_std_errors(j) : fit.std_errors(j);
  };
  if (fit.aliased[0]) {
    throw Error(Error::Kind::usage,
                "log(migrants) is collinear with the fixed effects (migration does not vary "
                "within them): the elasticity cannot be estimated; use fewer fixed effects");
  }
  Elasticity& e = result.elasticity;
  e.estimate = fit.coefficients(0);
  e.std_error = std_error(0);
  e.model_std_error = fit.std_errors(0);
  e.statistic = e.estimate / e.std_error;
  e.p_value = two_sided_p(e.statistic);
  e.statistic_name = clustered ? "t" : "z";
  e.ci_lower = e.estimate - z * e.std_error;
  e.ci_upper = e.estimate + z * e.std_error;
  e.std_error_kind = clustered ? fmt::format(
                                     "cluster-robust by {} ({} clusters, G/(G-1); "
                                     "t with {} df)",
                                     cluster_name, result.clusters, result.clusters - 1)
                               : "model-based (Poisson variance)";
  for (Eigen::Index c = 0; c < controls; ++c) {
    ControlCoefficient coefficient;
    coefficient.name = options.controls[static_cast<std::size_t>(c)];
    coefficient.estimate = fit.coefficients(1 + c);
    coefficient.std_error = std_error(1 + c);
    coefficient.p_value = two_sided_p(coefficient.estimate / coefficient.std_error);
    coefficient.ci_lower = coefficient.estimate - z * coefficient.std_error;
    coefficient.ci_upper = coefficient.estimate + z * coefficient.std_error;
    result.controls.push_back(coefficient);
  }

  // Correlations over every corridor-year, then per corridor over years.
  std::vector<double> migrants_all, victims_all;
  for (const auto& row : result.panel) {
    migrants_all.push_back(row.migrants);
    victims_all.push_back(row.victims);
  }
  result.pearson =
      correlate(migrants_all, victims_all, CorrelationMethod::pearson, options.confidence_level);
  result.spearman =
      correlate(migrants_all, victims_all, CorrelationMethod::spearman, options.confidence_level);
  result.kendall =
      correlate(migrants_all, victims_all, CorrelationMethod::kendall, options.confidence_level);

  std::map<std::pair<std::string, std::string>, std::vector<const PanelRow*>> by_corridor;
  for (const auto& row : result.panel) by_corridor[{row.origin, row.destination}].push_back(&row);
  int skipped = 0;
  for (const auto& [corridor, rows] : by_corridor) {
    std::vector<double> m, v;
    for (const PanelRow* row : rows) {
      m.push_back(row->migrants);
      v.push_back(row->victims);
    }
    const bool constant_m = std::all_of(m.begin(), m.end(), [&](double a) { return a == m[0]; });
    const bool constant_v = std::all_of(v.begin(), v.end(), [&](double a) { return a == v[0]; });
    if (static_cast<int>(rows.size()) < std::max(5, options.min_years_per_corridor) || constant_m ||
        constant_v) {
      ++skipped;
      continue;
    }
    CorridorCorrelation cc;
    cc.origin = corridor.first;
    cc.destination = corridor.second;
    cc.years = static_cast<int>(rows.size());
    for (std::size_t i = 0; i < m.size(); ++i) {
      cc.migrants += m[i];
      cc.victims += v[i];
    }
    cc.pearson = correlate(m, v, CorrelationMethod::pearson, options.confidence_level);
    cc.spearman = correlate(m, v, CorrelationMethod::spearman, options.confidence_level);
    cc.kendall = correlate(m, v, CorrelationMethod::kendall, options.confidence_level);
    result.corridors_correlations.push_back(std::move(cc));
  }
  std::sort(result.corridors_correlations.begin(), result.corridors_correlations.end(),
            [](const CorridorCorrelation& a, const CorridorCorrelation& b) {
              return a.victims > b.victims;
            });
  if (skipped > 0) {
    result.warnings.push_back(fmt::format(
        "{} corridor(s) have fewer than {} years, or migrants or victims that never change, and "
        "get no correlation of their own",
        skipped, std::max(5, options.min_years_per_corridor)));
  }
  if (result.victim_rows_unmatched > 0) {
    result.warnings.push_back(fmt::format(
        "{:g} victim(s) in {} corridor-year(s) have no row in the migration table and are left "
        "out (for example {})",
        result.victims_unmatched, result.victim_rows_unmatched, result.unmatched_examples.front()));
  }
  if (result.rows_without_migrants > 0) {
    result.warnings.push_back(fmt::format(
        "{} corridor-year(s) with 0 migrants are left out (the model uses log(migrants))",
        result.rows_without_migrants));
  }

  result.caveats = {
      "Identified victims are not all victims: the counts are those agencies found. If "
      "detection rises with migration (more inspections where more migrants are), the "
      "elasticity overstates the link; if detection lags behind, it understates it. `vigil mse` "
      "estimates the victims no list found.",
      "An elasticity is an association within corridors over time, not a proof that migration "
      "causes trafficking: anything that moves both (a crisis, a new recruitment route) is "
      "absorbed only if it is common to all corridors in a year (the year effects).",
      "Corridor-years with no identified victim are kept (Poisson pseudo-maximum likelihood, "
      "Santos Silva & Tenreyro 2006); corridors that never recorded a victim carry no "
      "information on the elasticity and are left out of the fit.",
      "Correlations over all corridor-years mostly reflect the size of corridors (large "
      "corridors have more of both); the per-corridor correlations and the fixed-effects "
      "elasticity do not."};
  return result;
}

}  // namespace vigil::nexus
