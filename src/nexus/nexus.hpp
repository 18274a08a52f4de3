// The migration-trafficking nexus: how strongly do identified victims follow
// migration, corridor by corridor and year by year?
//
// Victim counts (from case records, or a table of counts an agency keeps)
// are joined with a migration table per corridor-year, and two kinds of
// evidence are computed:
//
//   1. The elasticity of victims with respect to migration, from the
//      gravity model of trade economics applied to trafficking (as in
//      Cho 2015, "Modeling for determinants of human trafficking", Social
//      Inclusion 3(1)):
//
//        E[victims] = exp(beta log(migrants) + controls + fixed effects),
//
//      fitted by Poisson pseudo-maximum likelihood (Santos Silva & Tenreyro
//      2006, "The log of gravity", REStat 88(4)), which keeps the corridor-
//      years with no identified victim and is consistent under any
//      variance. With corridor and year fixed effects (the default) beta is
//      identified from the changes within each corridor over time: a 10%
//      rise in migration goes with a beta x 10% rise in identified victims.
//      Standard errors are clustered by corridor by default, because a
//      corridor's years are not independent.
//   2. Pearson, Spearman and Kendall correlations between migrants and
//      victims over all corridor-years and, over the years, per corridor.
//
// What this does not say: identified victims are not all victims. Detection
// that grows with migration (more inspections where more migrants are)
// inflates the elasticity; detection that falls behind deflates it. The
// caveats in NexusResult say so in words, and `vigil mse` estimates the
// undetected.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/case_record.hpp"
#include "nexus/correlation.hpp"

namespace vigil::nexus {

// One row of a migration table: `simulate` writes these (migration.csv),
// and users bring their own (IOM, national statistics offices). Origins and
// destinations are ISO 3166-1 alpha-3 codes or, within a country, region
// names.
struct MigrationRow {
  int year = 0;
  std::string origin;
  std::string destination;
  double flow = 0;               // migrants moving in the year
  double stock = 0;              // migrants present (NaN when the table has no stock)
  std::vector<double> controls;  // the columns named in NexusOptions::controls
};

// Reads a migration table: a CSV with a header holding at least the columns
// year, origin, destination and flow (stock, corridor_type and others are
// optional; `control_columns` name extra numeric columns to keep, in
// order). Throws vigil::Error (input) naming file, line and column of a
// value that is not what the column needs.
std::vector<MigrationRow> read_migration_table(
    const std::string& path, const std::vector<std::string>& control_columns = {});

// Identified victims in one corridor-year.
struct VictimCount {
  int year = 0;
  std::string origin;
  std::string destination;
  double victims = 0;
};

// Reads a table of counts: a CSV with columns year, origin, destination and
// victims (whole, non-negative). Rows of the same corridor-year are summed.
std::vector<VictimCount> read_victim_counts(const std::string& path);

// Counts case records per (year of registration, citizenship, country of
// exploitation). Records lacking any of the three cannot be placed on a
// corridor: they are counted in `unplaced`.
struct CaseCounts {
  std::vector<VictimCount> counts;
  std::int64_t records = 0;
  std::int64_t unplaced = 0;
};
CaseCounts count_cases(
    const std::function<void(const std::function<void(const CaseRecord&)>&)>& for_each_case);

enum class FixedEffect { corridor, origin, destination, year, origin_year, destination_year };
enum class ClusterBy { none, corridor, origin, destination };

struct NexusOptions {
  // Which migration measure explains victims: the year's flow or the stock.
  bool use_stock = false;
  // Absorbed fixed effects; the default identifies the elasticity from
  // changes within corridors over time, net of what every corridor shares
  // in a year (campaigns, laws, the pandemic).
  std::vector<FixedEffect> fixed_effects = {FixedEffect::corridor, FixedEffect::year};
  ClusterBy cluster = ClusterBy::corridor;
  // Names of extra numeric columns of the migration table to enter the
  // model as they are (log them beforehand if an elasticity is wanted).
  std::vector<std::string> controls;
  // When set (an alpha-3 code), destinations that are not country codes
  // (region names) are taken as parts of this country and summed into it,
  // so that a regional migration table joins with case records, which
  // know only the country of exploitation. The same applies to origins.
  std::optional<std::string> regions_in;
  double confidence_level = 0.95;
  // Corridors with fewer years than this get no correlation of their own.
  int min_years_per_corridor = 5;
};

// One corridor-year of the joined panel.
struct PanelRow {
  int year = 0;
  std::string origin;
  std::string destination;
  double migrants = 0;
  double victims = 0;
  std::vector<double> controls;
};

struct Elasticity {
  double estimate = 0;
  double std_error = 0;  // clustered when NexusOptions::cluster is not none
  double model_std_error = 0;
  double statistic = 0;  // estimate / std_error: t with G - 1 df when clustered, else z
  double p_value = 0;
  double ci_lower = 0;
  double ci_upper = 0;
  std::string std_error_kind;        // "cluster-robust by corridor (G/(G-1))" or "model-based"
  std::string statistic_name = "z";  // "t" with clustered errors
};

struct ControlCoefficient {
  std::string name;
  double estimate = 0, std_error = 0, p_value = 0, ci_lower = 0, ci_upper = 0;
};

struct CorridorCorrelation {
  std::string origin;
  std::string destination;
  int years = 0;
  double migrants = 0;  // summed over the years
  double victims = 0;
  Correlation pearson, spearman, kendall;
};

struct NexusResult {
  std::vector<PanelRow> panel;
  // The join's accounting: victims with no migration row for their
  // corridor-year (left out), and corridor-years with migrants 0 (left out:
  // log 0).
  std::int64_t victim_rows_unmatched = 0;
  double victims_unmatched = 0;
  std::vector<std::string> unmatched_examples;  // "YEAR ORIGIN->DESTINATION", at most 5
  std::int64_t rows_without_migrants = 0;
  // The gravity model.
  Elasticity elasticity;
  std::vector<ControlCoefficient> controls;
  std::vector<std::string> fixed_effects;  // as named in the output
  std::vector<int> fixed_effect_levels;
  int observations = 0;
  int observations_dropped = 0;  // in fixed-effect groups with no victim at all
  int clusters = 0;
  int corridors = 0;
  int years = 0;
  double deviance = 0;
  double log_likelihood = 0;
  int iterations = 0;
  bool converged = false;
  // Correlations between migrants and victims.
  Correlation pearson, spearman, kendall;
  std::vector<CorridorCorrelation> corridors_correlations;
  std::vector<std::string> warnings;
  std::vector<std::string> caveats;
};

// Joins, fits and correlates. Throws vigil::Error (usage) when the join
// leaves fewer than 3 corridor-years, or (input) when the tables cannot be
// joined at all (no corridor-year in common), naming examples from each.
NexusResult analyse_nexus(const std::vector<MigrationRow>& migration,
                          const std::vector<VictimCount>& victims, const NexusOptions& options);

// "corridor", "origin", ..., and back (throws vigil::Error usage).
std::string fixed_effect_name(FixedEffect effect);
FixedEffect parse_fixed_effect(const std::string& name);

}  // namespace vigil::nexus
