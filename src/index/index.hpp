// `vigil index`: a composite vulnerability index, built reproducibly from a
// configuration file, with the uncertainty that the analyst's choices put
// on every unit's rank.
//
// Composite indices are how the field ranks where and for whom trafficking
// risk is highest (Walk Free's Global Slavery Index vulnerability model:
// governance, basic needs, inequality, disenfranchised groups, conflict).
// vigil builds them by the steps of the OECD/JRC Handbook on Constructing
// Composite Indicators (OECD 2008): indicators are transformed, missing
// values treated, each indicator normalised so that higher means more risk,
// weighted and aggregated within its dimension, and the dimensions
// aggregated into the index (methods.hpp has the building blocks).
//
// Every one of those choices is a judgement. The uncertainty analysis
// (Handbook, chapter 7; Saisana, Saltelli & Tarantola 2005, JRSS A 168)
// samples them, together with random perturbations of the weights, many
// times, and reports each unit's median rank with its 5-95% interval and
// the Sobol' first-order and total-effect indices of each choice on each
// unit's rank: which choice moves which unit.
#pragma once

#include <Eigen/Dense>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/methods.hpp"

namespace vigil::index {

struct IndicatorSpec {
  std::string name;       // a column of the data
  std::string dimension;  // dimensions are named by their indicators
  bool protective = false;  // direction = "protective": higher means less risk
  Transform transform = Transform::none;
  double winsorise_lower = 0.05;  // quantiles for transform = "winsorise"
  double winsorise_upper = 0.95;
  double weight = 1;  // the expert weight within its dimension
};

struct DimensionSpec {
  std::string name;
  double weight = 1;  // weight of the dimension in the index (rescaled to sum 1)
};

struct MethodSpec {
  MissingData missing = MissingData::mean;
  Normalisation normalisation = Normalisation::minmax;
  Weighting weighting = Weighting::equal;
  Aggregation aggregation = Aggregation::arithmetic;            // within dimensions
  Aggregation dimension_aggregation = Aggregation::arithmetic;  // across dimensions
  std::optional<std::string> reference_unit;                    // for "distance"
};

// The alternatives the uncertainty analysis samples between, each with equal
// probability, and the relative range of the weight perturbations (each
// weight multiplied by a uniform factor in [1 - p, 1 + p]).
struct UncertaintySpec {
  // Sampled only when some value is missing; empty: the configured method.
  std::vector<MissingData> missing = {MissingData::mean, MissingData::median, MissingData::em};
  std::vector<Normalisation> normalisations = {Normalisation::minmax, Normalisation::zscore,
                                               Normalisation::rank};
  std::vector<Weighting> weightings = {Weighting::equal, Weighting::pca};
  std::vector<Aggregation> aggregations = {Aggregation::arithmetic, Aggregation::geometric,
                                           Aggregation::mazziotta_pareto};
  double weight_perturbation = 0.25;
};

struct IndexConfig {
  MethodSpec method;
  std::vector<IndicatorSpec> indicators;
  std::vector<DimensionSpec> dimensions;  // in order of first appearance
  UncertaintySpec uncertainty;
};

// Reads the TOML configuration (README, "vigil index", has the format).
// Throws vigil::Error (input) naming the file, line and column of anything
// unknown or invalid; a minimal configuration ([method] with three keys and
// [[indicator]] tables with name, dimension, direction) is complete.
IndexConfig parse_index_config(std::string_view toml_text, const std::string& source_name);
IndexConfig load_index_config(const std::string& path);

// Units by indicators. The data's first column names the unit; a column
// `year` (when present) holds panels, of which one year is taken.
struct IndexData {
  std::vector<std::string> units;
  std::vector<std::string> indicators;  // the configuration's order
  Eigen::MatrixXd values;               // units x indicators, NaN for missing
  std::optional<int> year;
};
// Reads the indicators the configuration names from a CSV file. `year`
// picks a year of a panel (default: the latest). Throws vigil::Error
// (input) for a missing column, a unit listed twice in a year, or a value
// that is not a number.
IndexData read_index_data(const std::string& path, const IndexConfig& config,
                          std::optional<int> year = std::nullopt);

struct DimensionReport {
  std::string name;
  std::vector<std::string> indicators;
  Eigen::VectorXd weights;  // within the dimension, summing to 1
  double weight = 0;        // of the dimension in the index
  DimensionDiagnostics diagnostics;
};

struct IndexResult {
  std::vector<std::string> units;  // the units scored (after drop_unit)
  Eigen::VectorXd score;
  std::vector<int> rank;  // 1 = highest score = most vulnerable; ties share the best rank
  Eigen::MatrixXd dimension_scores;  // units x dimensions
  std::vector<DimensionReport> dimensions;
  std::vector<std::string> dropped_units;
  int cells_imputed = 0;
  std::vector<std::string> warnings;
};

IndexResult compute_index(const IndexData& data, const IndexConfig& config);

struct UncertaintyOptions {
  std::size_t replications = 1000;  // N: the index is computed N x (factors + 2) times
  std::uint64_t seed = 1;
  int threads = 0;  // 0: every core; results do not depend on it
  std::function<void(std::size_t, std::size_t)> progress;
};

struct UncertaintyResult {
  std::vector<std::string> units;
  std::vector<std::string> factors;  // "missing", "normalisation", "weighting", "aggregation", "weights"
  Eigen::VectorXd rank_median, rank_p05, rank_p95;  // per unit
  Eigen::MatrixXd first_order, total;               // units x factors (Sobol' indices of the rank)
  // The same for the average absolute shift of the ranks from the
  // configured index's (the Handbook's R_S), one row.
  Eigen::VectorXd shift_first_order, shift_total;
  double mean_shift = 0;
  std::size_t evaluations = 0;
  std::vector<std::string> warnings;
};

// Requires drop_unit not to be among the sampled missing-data methods
// unless no unit has a missing value (the units must be the same in every
// replication).
UncertaintyResult analyse_uncertainty(const IndexData& data, const IndexConfig& config,
                                      const UncertaintyOptions& options = {});

// Names as written in the configuration, and back (vigil::Error usage).
std::string_view method_name(MissingData method);
std::string_view method_name(Normalisation method);
std::string_view method_name(Weighting method);
std::string_view method_name(Aggregation method);

}  // namespace vigil::index
