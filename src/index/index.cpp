// The index pipeline, its configuration and its uncertainty analysis; see
// index.hpp.
#include "index/index.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <sstream>

#include "core/error.hpp"
#include "index/sensitivity.hpp"
#include "io/csv.hpp"
#include "io/toml_table.hpp"

namespace vigil::index {
namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view kHelp = "the README's \"vigil index\" section";

template <typename Method>
struct NamedMethod {
  std::string_view name;
  Method method;
};

constexpr NamedMethod<MissingData> kMissingNames[] = {{"drop", MissingData::drop_unit},
                                                      {"mean", MissingData::mean},
                                                      {"median", MissingData::median},
                                                      {"em", MissingData::em}};
constexpr NamedMethod<Normalisation> kNormalisationNames[] = {
    {"minmax", Normalisation::minmax},
    {"zscore", Normalisation::zscore},
    {"rank", Normalisation::rank},
    {"distance", Normalisation::distance}};
constexpr NamedMethod<Weighting> kWeightingNames[] = {{"equal", Weighting::equal},
                                                      {"expert", Weighting::expert},
                                                      {"pca", Weighting::pca},
                                                      {"factor", Weighting::factor_analysis}};
constexpr NamedMethod<Aggregation> kAggregationNames[] = {
    {"arithmetic", Aggregation::arithmetic},
    {"geometric", Aggregation::geometric},
    {"mazziotta-pareto", Aggregation::mazziotta_pareto}};

template <typename Method, std::size_t N>
std::string_view name_of(const NamedMethod<Method> (&names)[N], Method method) {
  for (const auto& entry : names) {
    if (entry.method == method) return entry.name;
  }
  return "?";
}

template <typename Method, std::size_t N>
std::string choices(const NamedMethod<Method> (&names)[N]) {
  std::string out;
  for (const auto& entry : names) {
    out += (out.empty() ? "" : ", ") + std::string(entry.name);
  }
  return out;
}

// Reads one method name at `key` of `reader`, or its list form.
template <typename Method, std::size_t N>
Method read_method(io::TomlTableReader& reader, std::string_view key,
                   const NamedMethod<Method> (&names)[N]) {
  const toml::node& node = reader.require(key);
  const std::string text = reader.string(key);
  for (const auto& entry : names) {
    if (entry.name == text) return entry.method;
  }
  throw input_error(io::position_of(node, reader.source()),
                    fmt::format("one of {} for {}.{}", choices(names), reader.path(), key), text);
}

template <typename Method, std::size_t N>
std::vector<Method> read_methods(io::TomlTableReader& reader, std::string_view key,
                                 const NamedMethod<Method> (&names)[N],
                                 std::vector<Method> fallback) {
  const toml::node* node = reader.find(key);
  if (node == nullptr) return fallback;
  const toml::array* array = node->as_array();
  const std::string expected =
      fmt::format("an array of names among {} for {}.{}", choices(names), reader.path(), key);
  if (array == nullptr || array->empty()) {
    throw input_error(io::position_of(*node, reader.source()), expected, "something else");
  }
  std::vector<Method> out;
  for (const auto& item : *array) {
    const auto text = item.value<std::string_view>();
    const auto found = std::find_if(std::begin(names), std::end(names),
                                    [&](const auto& entry) { return text && entry.name == *text; });
    if (found == std::end(names)) {
      throw input_error(io::position_of(item, reader.source()), expected,
                        text ? std::string(*text) : "not a string");
    }
    if (std::find(out.begin(), out.end(), found->method) == out.end()) out.push_back(found->method);
  }
  return out;
}

// Rescales a column to mean 100 and standard deviation 10 (the
// standardisation of Mazziotta & Pareto), so that a geometric mean has
// positive values to work on whatever the normalisation.
void restandardise(Eigen::Ref<VectorXd> column) {
  const double mean = column.mean();
  const double variance = column.size() > 1 ? (column.array() - mean).square().sum() /
                                                  static_cast<double>(column.size() - 1)
                                            : 0.0;
  if (variance <= 0) {
    column.setConstant(100.0);
    return;
  }
  column = ((column.array() - mean) / std::sqrt(variance) * 10.0 + 100.0).matrix();
}

// Ranks, 1 for the highest score; ties share the best (smallest) rank.
std::vector<int> descending_ranks(const VectorXd& score) {
  std::vector<Index> order(static_cast<std::size_t>(score.size()));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Index a, Index b) { return score(a) > score(b); });
  std::vector<int> rank(order.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const bool tied = k > 0 && score(order[k]) == score(order[k - 1]);
    rank[static_cast<std::size_t>(order[k])] =
        tied ? rank[static_cast<std::size_t>(order[k - 1])] : static_cast<int>(k + 1);
  }
  return rank;
}

// R's quantile(type = 7) of sorted values.
double quantile7(const std::vector<double>& sorted, double p) {
  const double h = (static_cast<double>(sorted.size()) - 1.0) * p;
  const auto low = static_cast<std::size_t>(std::floor(h));
  const std::size_t high = std::min(low + 1, sorted.size() - 1);
  return sorted[low] + (h - static_cast<double>(low)) * (sorted[high] - sorted[low]);
}

// Multipliers of the weights, one per indicator and one per dimension.
struct Perturbation {
  VectorXd indicators;
  VectorXd dimensions;
};

// The configured methods with the data already imputed and transformed:
// what changes between the replications of the uncertainty analysis.
struct Choices {
  Normalisation normalisation;
  Weighting weighting;
  Aggregation aggregation;
  Aggregation dimension_aggregation;
};

struct Prepared {
  MatrixXd values;  // imputed and transformed: units kept x indicators
  std::vector<Index> rows_kept;
  int cells_imputed = 0;
  std::vector<std::string> warnings;
};

Prepared prepare(const IndexData& data, const IndexConfig& config, MissingData missing) {
  Prepared out;
  const Imputed imputed = impute(data.values, missing);
  out.values = imputed.values;
  out.rows_kept = imputed.rows_kept;
  out.cells_imputed = imputed.cells_imputed;
  if (missing == MissingData::em && !imputed.em_converged) {
    out.warnings.push_back(
        fmt::format("the EM imputation did not converge in {} iterations", imputed.em_iterations));
  }
  for (std::size_t j = 0; j < config.indicators.size(); ++j) {
    const IndicatorSpec& spec = config.indicators[j];
    const auto col = static_cast<Index>(j);
    out.values.col(col) =
        transform(out.values.col(col), spec.transform, spec.winsorise_lower, spec.winsorise_upper);
  }
  return out;
}

struct Scored {
  VectorXd score;
  MatrixXd dimension_scores;
  std::vector<DimensionReport> dimensions;
};

Scored score_units(const Prepared& prepared, const IndexData& data, const IndexConfig& config,
                   const Choices& choices, const Perturbation* perturbation, bool diagnostics) {
  const Index units = prepared.values.rows();
  std::optional<Index> reference;
  if (choices.normalisation == Normalisation::distance) {
    const auto& name = config.method.reference_unit;
    for (std::size_t k = 0; name && k < prepared.rows_kept.size(); ++k) {
      if (data.units[static_cast<std::size_t>(prepared.rows_kept[k])] == *name) {
        reference = static_cast<Index>(k);
      }
    }
    if (!reference) {
      throw Error(
          Error::Kind::usage,
          name ? fmt::format("the reference unit \"{}\" is not among the units scored", *name)
               : std::string("normalisation \"distance\" needs method.reference, the unit "
                             "to measure the distance to"));
    }
  }
  MatrixXd normalised(units, prepared.values.cols());
  for (std::size_t j = 0; j < config.indicators.size(); ++j) {
    const auto col = static_cast<Index>(j);
    normalised.col(col) = normalise(prepared.values.col(col), choices.normalisation,
                                    config.indicators[j].protective, reference);
  }

  Scored out;
  out.dimension_scores.resize(units, static_cast<Index>(config.dimensions.size()));
  VectorXd dimension_weights_all(static_cast<Index>(config.dimensions.size()));
  for (std::size_t d = 0; d < config.dimensions.size(); ++d) {
    std::vector<Index> members;
    for (std::size_t j = 0; j < config.indicators.size(); ++j) {
      if (config.indicators[j].dimension == config.dimensions[d].name) {
        members.push_back(static_cast<Index>(j));
      }
    }
    MatrixXd block(units, static_cast<Index>(members.size()));
    VectorXd expert(static_cast<Index>(members.size()));
    for (std::size_t m = 0; m < members.size(); ++m) {
      block.col(static_cast<Index>(m)) = normalised.col(members[m]);
      expert(static_cast<Index>(m)) =
          config.indicators[static_cast<std::size_t>(members[m])].weight;
    }
    VectorXd weights = members.size() == 1 ? VectorXd::Ones(1)
                                           : dimension_weights(block, choices.weighting, expert);
    if (perturbation != nullptr) {
      for (std::size_t m = 0; m < members.size(); ++m) {
        weights(static_cast<Index>(m)) *= perturbation->indicators(members[m]);
      }
      weights /= weights.sum();
    }
    MatrixXd inputs = block;
    if (choices.aggregation == Aggregation::geometric) {
      for (Index c = 0; c < inputs.cols(); ++c) restandardise(inputs.col(c));
    }
    out.dimension_scores.col(static_cast<Index>(d)) =
        aggregate(inputs, weights, choices.aggregation);
    dimension_weights_all(static_cast<Index>(d)) =
        config.dimensions[d].weight *
        (perturbation != nullptr ? perturbation->dimensions(static_cast<Index>(d)) : 1.0);
    if (diagnostics) {
      DimensionReport report;
      report.name = config.dimensions[d].name;
      for (const Index m : members) {
        report.indicators.push_back(config.indicators[static_cast<std::size_t>(m)].name);
      }
      report.weights = weights;
      if (members.size() > 1) report.diagnostics = diagnose(block);
      out.dimensions.push_back(std::move(report));
    }
  }
  dimension_weights_all /= dimension_weights_all.sum();
  for (std::size_t d = 0; d < out.dimensions.size(); ++d) {
    out.dimensions[d].weight = dimension_weights_all(static_cast<Index>(d));
  }
  MatrixXd across = out.dimension_scores;
  if (choices.dimension_aggregation == Aggregation::geometric) {
    for (Index c = 0; c < across.cols(); ++c) restandardise(across.col(c));
  }
  out.score = across.cols() == 1
                  ? VectorXd(across.col(0))
                  : aggregate(across, dimension_weights_all, choices.dimension_aggregation);
  return out;
}

Choices configured_choices(const IndexConfig& config) {
  return {config.method.normalisation, config.method.weighting, config.method.aggregation,
          config.method.dimension_aggregation};
}

double parse_cell(const std::string& text, const SourcePosition& where) {
  if (text.empty() || text == "NA" || text == "na" || text == "..") return kNan;
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    throw input_error(where, "a number (or empty or NA when missing)", text);
  }
  return value;
}

}  // namespace

std::string_view method_name(MissingData method) {
  return name_of(kMissingNames, method);
}
std::string_view method_name(Normalisation method) {
  return name_of(kNormalisationNames, method);
}
std::string_view method_name(Weighting method) {
  return name_of(kWeightingNames, method);
}
std::string_view method_name(Aggregation method) {
  return name_of(kAggregationNames, method);
}

IndexConfig parse_index_config(std::string_view toml_text, const std::string& source_name) {
  const toml::table root = io::parse_toml(toml_text, source_name);
  IndexConfig config;
  io::TomlTableReader top(root, "", source_name, kHelp);
  if (top.find("method") != nullptr) {
    io::TomlTableReader method(top.table("method"), "method", source_name, kHelp);
    if (method.find("missing") != nullptr) {
      config.method.missing = read_method(method, "missing", kMissingNames);
    }
    if (method.find("normalisation") != nullptr) {
      config.method.normalisation = read_method(method, "normalisation", kNormalisationNames);
    }
    if (method.find("weighting") != nullptr) {
      config.method.weighting = read_method(method, "weighting", kWeightingNames);
    }
    if (method.find("aggregation") != nullptr) {
      config.method.aggregation = read_method(method, "aggregation", kAggregationNames);
    }
    config.method.dimension_aggregation =
        method.find("dimension_aggregation") != nullptr
            ? read_method(method, "dimension_aggregation", kAggregationNames)
            : config.method.aggregation;
    if (method.find("reference") != nullptr)
      config.method.reference_unit = method.string("reference");
    method.finish();
  }
  if (config.method.normalisation == Normalisation::distance && !config.method.reference_unit) {
    throw input_error(SourcePosition{source_name, 1, 0},
                      "normalisation = \"distance\" needs method.reference, the name of the unit "
                      "to measure every unit's distance to");
  }

  const toml::array& indicators = top.array_of_tables("indicator");
  std::set<std::string> names;
  for (const auto& item : indicators) {
    io::TomlTableReader reader(*item.as_table(), "indicator", source_name, kHelp);
    IndicatorSpec spec;
    spec.name = reader.string("name");
    if (!names.insert(spec.name).second) {
      throw input_error(io::position_of(reader.require("name"), source_name),
                        fmt::format("the indicator \"{}\" is listed twice", spec.name));
    }
    spec.dimension = reader.string("dimension");
    const std::string direction = reader.string_or("direction", "risk");
    if (direction != "risk" && direction != "protective") {
      throw input_error(io::position_of(reader.require("direction"), source_name),
                        "\"risk\" (higher = more risk) or \"protective\" (higher = less risk)",
                        direction);
    }
    spec.protective = direction == "protective";
    const std::string transform_name = reader.string_or("transform", "none");
    if (transform_name == "log") {
      spec.transform = Transform::log;
    } else if (transform_name == "winsorise" || transform_name == "winsorize") {
      spec.transform = Transform::winsorise;
      if (reader.find("winsorise") != nullptr) {
        const auto bounds = reader.weights("winsorise", 2);
        spec.winsorise_lower = bounds[0];
        spec.winsorise_upper = bounds[1];
        if (!(spec.winsorise_lower < spec.winsorise_upper && spec.winsorise_upper <= 1)) {
          throw input_error(io::position_of(reader.require("winsorise"), source_name),
                            "two quantiles [lower, upper] with 0 <= lower < upper <= 1",
                            fmt::format("[{}, {}]", spec.winsorise_lower, spec.winsorise_upper));
        }
      }
    } else if (transform_name != "none") {
      throw input_error(io::position_of(reader.require("transform"), source_name),
                        "none, log or winsorise", transform_name);
    }
    spec.weight = reader.number_or("weight", 1.0, 1e-12, 1e12);
    reader.finish();
    if (std::none_of(config.dimensions.begin(), config.dimensions.end(),
                     [&](const DimensionSpec& d) { return d.name == spec.dimension; })) {
      config.dimensions.push_back(DimensionSpec{spec.dimension, 1.0});
    }
    config.indicators.push_back(std::move(spec));
  }

  if (top.find("dimension") != nullptr) {
    for (const auto& item : top.array_of_tables("dimension")) {
      io::TomlTableReader reader(*item.as_table(), "dimension", source_name, kHelp);
      const std::string name = reader.string("name");
      const auto found = std::find_if(config.dimensions.begin(), config.dimensions.end(),
                                      [&](const DimensionSpec& d) { return d.name == name; });
      if (found == config.dimensions.end()) {
        throw input_error(io::position_of(reader.require("name"), source_name),
                          fmt::format("the dimension \"{}\" has no indicator", name));
      }
      found->weight = reader.number_or("weight", 1.0, 1e-12, 1e12);
      reader.finish();
    }
  }

  if (top.find("uncertainty") != nullptr) {
    io::TomlTableReader reader(top.table("uncertainty"), "uncertainty", source_name, kHelp);
    UncertaintySpec& u = config.uncertainty;
    u.missing = read_methods(reader, "missing", kMissingNames, u.missing);
    u.normalisations = read_methods(reader, "normalisation", kNormalisationNames, u.normalisations);
    u.weightings = read_methods(reader, "weighting", kWeightingNames, u.weightings);
    u.aggregations = read_methods(reader, "aggregation", kAggregationNames, u.aggregations);
    u.weight_perturbation = reader.number_or("weight_perturbation", u.weight_perturbation, 0, 0.99);
    reader.finish();
  }
  top.finish();
  return config;
}

IndexConfig load_index_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_index_config(text.str(), path);
}

IndexData read_index_data(const std::string& path, const IndexConfig& config,
                          std::optional<int> year) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  io::CsvReader reader(in, path);
  std::vector<std::string> header;
  if (!reader.next(header) || header.size() < 2) {
    throw input_error(SourcePosition{path, 1, 0},
                      "expected a header: the unit's column, then indicator columns");
  }
  std::vector<std::size_t> columns;
  for (const auto& spec : config.indicators) {
    const auto found = std::find(header.begin() + 1, header.end(), spec.name);
    if (found == header.end()) {
      std::string present;
      for (std::size_t c = 1; c < header.size(); ++c) present += (c > 1 ? ", " : "") + header[c];
      throw input_error(SourcePosition{path, 1, 0},
                        fmt::format("the indicator \"{}\" of the configuration is not a column of "
                                    "the data; the columns are: {}",
                                    spec.name, present));
    }
    columns.push_back(static_cast<std::size_t>(found - header.begin()));
  }
  const auto year_column = std::find(header.begin() + 1, header.end(), "year");
  const bool panel = year_column != header.end();

  struct Row {
    std::string unit;
    int year = 0;
    std::vector<double> values;
    std::size_t line = 0;
  };
  std::vector<Row> rows;
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    Row row;
    row.line = reader.record_line();
    row.unit = fields.empty() ? "" : fields[0];
    if (row.unit.empty()) {
      throw input_error(SourcePosition{path, row.line, 1}, "the unit's name", "");
    }
    if (panel) {
      const auto c = static_cast<std::size_t>(year_column - header.begin());
      const std::string text = c < fields.size() ? fields[c] : "";
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), row.year);
      if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
        throw input_error(SourcePosition{path, row.line, c + 1}, "a year such as 2021", text);
      }
    }
    for (const std::size_t c : columns) {
      row.values.push_back(
          parse_cell(c < fields.size() ? fields[c] : "", SourcePosition{path, row.line, c + 1}));
    }
    rows.push_back(std::move(row));
  }
  IndexData data;
  for (const auto& spec : config.indicators) data.indicators.push_back(spec.name);
  if (panel) {
    int chosen = year.value_or(std::numeric_limits<int>::min());
    if (!year) {
      for (const auto& row : rows) chosen = std::max(chosen, row.year);
    }
    data.year = chosen;
    std::erase_if(rows, [&](const Row& row) { return row.year != chosen; });
    if (rows.empty()) {
      throw Error(Error::Kind::usage, fmt::format("{}: no row for the year {}", path, chosen));
    }
  } else if (year) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: --year was given but the data has no column \"year\"", path));
  }
  std::set<std::string> seen;
  for (const auto& row : rows) {
    if (!seen.insert(row.unit).second) {
      throw input_error(SourcePosition{path, row.line, 1},
                        fmt::format("the unit \"{}\" appears twice{}", row.unit,
                                    panel ? fmt::format(" in {}", *data.year) : std::string()));
    }
  }
  if (rows.size() < 3) {
    throw Error(
        Error::Kind::usage,
        fmt::format("{}: {} unit(s): an index needs at least 3 units to rank", path, rows.size()));
  }
  data.values.resize(static_cast<Index>(rows.size()), static_cast<Index>(columns.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    data.units.push_back(rows[i].unit);
    for (std::size_t j = 0; j < columns.size(); ++j) {
      data.values(static_cast<Index>(i), static_cast<Index>(j)) = rows[i].values[j];
    }
  }
  return data;
}

IndexResult compute_index(const IndexData& data, const IndexConfig& config) {
  const Prepared prepared = prepare(data, config, config.method.missing);
  const Scored scored =
      score_units(prepared, data, config, configured_choices(config), nullptr, true);
  IndexResult result;
  std::vector<bool> kept(data.units.size(), false);
  for (const Index row : prepared.rows_kept) {
    result.units.push_back(data.units[static_cast<std::size_t>(row)]);
    kept[static_cast<std::size_t>(row)] = true;
  }
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (!kept[i]) result.dropped_units.push_back(data.units[i]);
  }
  result.score = scored.score;
  result.rank = descending_ranks(scored.score);
  result.dimension_scores = scored.dimension_scores;
  result.dimensions = scored.dimensions;
  result.cells_imputed = prepared.cells_imputed;
  result.warnings = prepared.warnings;
  for (const auto& dimension : result.dimensions) {
    for (std::size_t m = 0; m < dimension.diagnostics.negatively_correlated.size(); ++m) {
      if (dimension.diagnostics.negatively_correlated[m]) {
        result.warnings.push_back(fmt::format(
            "\"{}\" correlates negatively with the rest of the dimension \"{}\": check its "
            "direction (risk or protective), or whether it belongs there",
            dimension.indicators[m], dimension.name));
      }
    }
  }
  if (!result.dropped_units.empty()) {
    result.warnings.push_back(fmt::format("{} unit(s) with missing indicators were left out",
                                          result.dropped_units.size()));
  }
  return result;
}

UncertaintyResult analyse_uncertainty(const IndexData& data, const IndexConfig& config,
                                      const UncertaintyOptions& options) {
  const UncertaintySpec& spec = config.uncertainty;
  std::vector<MissingData> missing =
      spec.missing.empty() ? std::vector<MissingData>{config.method.missing} : spec.missing;
  const bool has_missing = data.values.hasNaN();
  if (has_missing &&
      std::find(missing.begin(), missing.end(), MissingData::drop_unit) != missing.end()) {
    throw Error(Error::Kind::usage,
                "the uncertainty analysis cannot sample \"drop\" as the missing-data method: the "
                "units would differ between replications; sample mean, median or em");
  }
  if (!has_missing) missing = {missing.front()};
  for (const Normalisation n : spec.normalisations) {
    if (n == Normalisation::distance && !config.method.reference_unit) {
      throw Error(
          Error::Kind::usage,
          "uncertainty.normalisation includes \"distance\" but method.reference is not set");
    }
  }

  // The data imputed and transformed once per missing-data method.
  std::vector<Prepared> prepared;
  prepared.reserve(missing.size());
  for (const MissingData m : missing) prepared.push_back(prepare(data, config, m));

  // The uncertain inputs: a factor per choice with alternatives, and the
  // weights as one group factor (Saltelli et al. 2008, section 4.2.1):
  // its coordinate seeds the multipliers of every weight.
  enum class Factor { missing, normalisation, weighting, aggregation, weights };
  std::vector<Factor> factors;
  UncertaintyResult result;
  if (missing.size() > 1) factors.push_back(Factor::missing);
  if (spec.normalisations.size() > 1) factors.push_back(Factor::normalisation);
  if (spec.weightings.size() > 1) factors.push_back(Factor::weighting);
  if (spec.aggregations.size() > 1) factors.push_back(Factor::aggregation);
  if (spec.weight_perturbation > 0) factors.push_back(Factor::weights);
  if (factors.empty()) {
    throw Error(Error::Kind::usage,
                "the [uncertainty] section leaves nothing uncertain: give at least two "
                "alternatives for a method, or a weight_perturbation above 0");
  }
  for (const Factor f : factors) {
    constexpr std::string_view kNames[] = {"missing", "normalisation", "weighting", "aggregation",
                                           "weights"};
    result.factors.emplace_back(kNames[static_cast<int>(f)]);
  }

  const IndexResult base = compute_index(data, config);
  const auto units = static_cast<Index>(base.units.size());
  result.units = base.units;
  const auto pick = [](double u, std::size_t count) {
    return std::min(count - 1, static_cast<std::size_t>(u * static_cast<double>(count)));
  };
  const std::size_t indicator_count = config.indicators.size();
  const std::size_t dimension_count = config.dimensions.size();
  const Model model = [&](std::span<const double> u, std::span<double> out) {
    std::size_t missing_index = 0;
    Choices choices = configured_choices(config);
    choices.normalisation = spec.normalisations.front();
    choices.weighting = spec.weightings.front();
    choices.aggregation = spec.aggregations.front();
    Perturbation perturbation{VectorXd::Ones(static_cast<Index>(indicator_count)),
                              VectorXd::Ones(static_cast<Index>(dimension_count))};
    for (std::size_t f = 0; f < factors.size(); ++f) {
      switch (factors[f]) {
        case Factor::missing:
          missing_index = pick(u[f], missing.size());
          break;
        case Factor::normalisation:
          choices.normalisation = spec.normalisations[pick(u[f], spec.normalisations.size())];
          break;
        case Factor::weighting:
          choices.weighting = spec.weightings[pick(u[f], spec.weightings.size())];
          break;
        case Factor::aggregation:
          choices.aggregation = spec.aggregations[pick(u[f], spec.aggregations.size())];
          break;
        case Factor::weights: {
          // splitmix64 (Steele, Lea & Flood 2014) from the coordinate's
          // bits: every point of the weight factor is one reproducible
          // vector of multipliers in [1 - p, 1 + p].
          std::uint64_t state = static_cast<std::uint64_t>(u[f] * 9007199254740992.0);
          const auto next = [&state] {
            std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
            z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
            z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
            return static_cast<double>((z ^ (z >> 31U)) >> 11U) * 0x1.0p-53;
          };
          const double p = spec.weight_perturbation;
          for (Index j = 0; j < perturbation.indicators.size(); ++j) {
            perturbation.indicators(j) = 1.0 - p + 2.0 * p * next();
          }
          for (Index d = 0; d < perturbation.dimensions.size(); ++d) {
            perturbation.dimensions(d) = 1.0 - p + 2.0 * p * next();
          }
          break;
        }
      }
    }
    choices.dimension_aggregation = choices.aggregation;
    const Scored scored =
        score_units(prepared[missing_index], data, config, choices, &perturbation, false);
    const std::vector<int> ranks = descending_ranks(scored.score);
    double shift = 0;
    for (Index i = 0; i < units; ++i) {
      out[static_cast<std::size_t>(i)] = ranks[static_cast<std::size_t>(i)];
      shift +=
          std::abs(ranks[static_cast<std::size_t>(i)] - base.rank[static_cast<std::size_t>(i)]);
    }
    out[static_cast<std::size_t>(units)] = shift / static_cast<double>(units);
  };

  SobolOptions sobol;
  sobol.base_samples = options.replications;
  sobol.seed = options.seed;
  sobol.threads = options.threads;
  sobol.progress = options.progress;
  const SobolIndices indices =
      sobol_indices(factors.size(), static_cast<std::size_t>(units) + 1, model, sobol);
  result.evaluations = indices.evaluations;
  result.first_order = indices.first_order.topRows(units);
  result.total = indices.total.topRows(units);
  result.shift_first_order = indices.first_order.row(units).transpose();
  result.shift_total = indices.total.row(units).transpose();
  result.mean_shift = indices.base_outputs.col(units).mean();
  result.rank_median.resize(units);
  result.rank_p05.resize(units);
  result.rank_p95.resize(units);
  std::vector<double> sorted(static_cast<std::size_t>(indices.base_outputs.rows()));
  for (Index i = 0; i < units; ++i) {
    for (Index r = 0; r < indices.base_outputs.rows(); ++r) {
      sorted[static_cast<std::size_t>(r)] = indices.base_outputs(r, i);
    }
    std::sort(sorted.begin(), sorted.end());
    result.rank_median(i) = quantile7(sorted, 0.5);
    result.rank_p05(i) = quantile7(sorted, 0.05);
    result.rank_p95(i) = quantile7(sorted, 0.95);
  }
  for (const auto& p : prepared) {
    for (const auto& w : p.warnings) result.warnings.push_back(w);
  }
  return result;
}

}  // namespace vigil::index
