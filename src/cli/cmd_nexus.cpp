// `vigil nexus`: the CLI binding of nexus/nexus.hpp.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/country.hpp"
#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "io/csv.hpp"
#include "nexus/nexus.hpp"
#include "store/store.hpp"

namespace vigil::cli {
namespace {

nlohmann::ordered_json json_number(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

nlohmann::ordered_json correlation_json(const nexus::Correlation& c) {
  return {{"estimate", json_number(c.estimate)},  {"statistic", json_number(c.statistic)},
          {"statistic_name", c.statistic_name},   {"p_value", json_number(c.p_value)},
          {"ci_lower", json_number(c.ci_lower)},  {"ci_upper", json_number(c.ci_upper)},
          {"interval_method", c.interval_method}, {"n", c.n}};
}

std::string format_p(double p) {
  if (std::isnan(p)) return "NA";
  if (p < 2.2e-16) return "< 2e-16";
  return fmt::format("{:.3g}", p);
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

nexus::CaseCounts read_case_counts(const NexusCliOptions& options) {
  if (!options.cases.empty()) {
    std::ifstream in(options.cases, std::ios::binary);
    if (!in) throw Error(Error::Kind::io, options.cases + ": cannot open the file for reading");
    io::CaseCsvReader reader(in, options.cases);
    ProgressLine progress("reading " + options.cases);
    std::error_code ec;
    const auto size = std::filesystem::file_size(options.cases, ec);
    return nexus::count_cases([&](const std::function<void(const CaseRecord&)>& visit) {
      CaseRecord record;
      std::uint64_t rows = 0;
      while (reader.next(record)) {
        visit(record);
        if (++rows % 4096 == 0) progress.update(reader.bytes_read(), ec ? 0 : size);
      }
    });
  }
  if (!std::filesystem::exists(options.db)) {
    throw Error(Error::Kind::io,
                fmt::format("{}: no such store; import case records first (vigil import FILE.csv "
                            "--db {}), or give --cases FILE.csv or --counts FILE.csv",
                            options.db, options.db));
  }
  const auto store = store::open_sqlite_store(options.db);
  return nexus::count_cases(
      [&](const std::function<void(const CaseRecord&)>& visit) { store->for_each_case(visit); });
}

void write_panel(const nexus::NexusResult& result, const std::vector<std::string>& controls,
                 const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(Error::Kind::io, path + ": cannot write the file");
  std::vector<std::string> header = {"year", "origin", "destination", "migrants", "victims"};
  header.insert(header.end(), controls.begin(), controls.end());
  io::write_csv_record(out, header);
  for (const auto& row : result.panel) {
    std::vector<std::string> fields = {std::to_string(row.year), row.origin, row.destination,
                                       fmt::format("{}", row.migrants),
                                       fmt::format("{}", row.victims)};
    for (const double c : row.controls) fields.push_back(fmt::format("{}", c));
    io::write_csv_record(out, fields);
  }
  if (!out) throw Error(Error::Kind::io, path + ": cannot write the file");
}

}  // namespace

void setup_nexus(CLI::App& app, NexusCliOptions& options) {
  app.description(
      "Join identified victims with a migration table per corridor-year and measure how\n"
      "strongly victims follow migration: the elasticity of victims with respect to\n"
      "migrants from a gravity model (Poisson pseudo-maximum likelihood with corridor and year\n"
      "fixed effects, standard errors clustered by corridor), and Pearson, Spearman and\n"
      "Kendall correlations with confidence intervals, overall and per corridor.\n"
      "Victims come from the store (--db), a CTDC-layout case file (--cases: counted by year\n"
      "of registration, citizenship and country of exploitation) or a table of counts\n"
      "(--counts: year, origin, destination, victims).");
  app.add_option("--migration", options.migration,
                 "Migration table: CSV with year, origin, destination, flow [, stock] (the file\n"
                 "`vigil simulate` writes as migration.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  auto* db = app.add_option("--db", options.db, "SQLite store with the case records")
                 ->capture_default_str();
  auto* cases =
      app.add_option("--cases", options.cases, "Case records in a CSV file (CTDC layouts)")
          ->check(CLI::ExistingFile);
  auto* counts = app.add_option("--counts", options.counts,
                                "Victim counts: CSV with year, origin, destination, victims")
                     ->check(CLI::ExistingFile);
  cases->excludes(counts);
  counts->excludes(cases);
  db->excludes(cases)->excludes(counts);
  app.add_option("--measure", options.measure, "Migration measure: flow or stock")
      ->check(CLI::IsMember({"flow", "stock"}))
      ->capture_default_str();
  app.add_option("--fixed-effects", options.fixed_effects,
                 "Comma-separated fixed effects among corridor, origin, destination, year,\n"
                 "origin-year, destination-year")
      ->capture_default_str();
  app.add_option("--cluster", options.cluster,
                 "Cluster the standard errors by corridor, origin, destination, or none")
      ->check(CLI::IsMember({"corridor", "origin", "destination", "none"}))
      ->capture_default_str();
  app.add_option("--control", options.controls,
                 "A numeric column of the migration table to enter the model as it is\n"
                 "(repeatable)");
  app.add_option(
      "--regions-in", options.regions_in,
      "Destinations and origins that are not ISO codes are regions of this country\n"
      "(alpha-3) and are summed into it: needed to join a regional migration table with\n"
      "case records, which know only the country");
  app.add_option("--level", options.level, "Confidence level")
      ->check(CLI::Range(0.5, 0.9999))
      ->capture_default_str();
  app.add_option("--top", options.top, "Corridors in the per-corridor table (0: all)")
      ->capture_default_str();
  app.add_option("--panel-out", options.panel_out,
                 "Also write the joined corridor-year panel as CSV (for R, Python, a spreadsheet)");
  app.add_option("--format", options.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("-o,--output", options.output, "Write to this file instead of standard output");
  app.footer(
      "Examples:\n"
      "  vigil simulate --out world\n"
      "  vigil nexus --migration world/migration.csv --cases world/cases.csv --regions-in KAZ\n"
      "  vigil nexus --migration migration.csv --counts victims_by_corridor.csv \\\n"
      "      --fixed-effects origin,destination,year --cluster origin --format json\n"
      "\n"
      "The elasticity beta means: 10% more migrants in a corridor go with about beta x 10%\n"
      "more identified victims there, other things (the fixed effects) equal. Identified\n"
      "victims are not all victims: read the caveats printed with the results.");
}

int run_nexus(const NexusCliOptions& options) {
  nexus::NexusOptions nexus_options;
  nexus_options.use_stock = options.measure == "stock";
  nexus_options.fixed_effects.clear();
  for (const auto& name : split_list(options.fixed_effects)) {
    nexus_options.fixed_effects.push_back(nexus::parse_fixed_effect(name));
  }
  nexus_options.cluster = options.cluster == "none"          ? nexus::ClusterBy::none
                          : options.cluster == "origin"      ? nexus::ClusterBy::origin
                          : options.cluster == "destination" ? nexus::ClusterBy::destination
                                                             : nexus::ClusterBy::corridor;
  nexus_options.controls = options.controls;
  if (!options.regions_in.empty()) {
    const auto country = find_country(options.regions_in);
    if (!country) {
      throw Error(Error::Kind::usage,
                  fmt::format("--regions-in: expected an ISO 3166-1 code such as KAZ or KZ, got "
                              "\"{}\"",
                              options.regions_in));
    }
    nexus_options.regions_in = std::string(country->alpha3());
  }
  nexus_options.confidence_level = options.level;

  const auto migration = nexus::read_migration_table(options.migration, options.controls);
  std::vector<nexus::VictimCount> victims;
  std::string victims_source;
  std::int64_t unplaced = 0, records = 0;
  if (!options.counts.empty()) {
    victims = nexus::read_victim_counts(options.counts);
    victims_source = options.counts;
  } else {
    nexus::CaseCounts counted = read_case_counts(options);
    victims = std::move(counted.counts);
    unplaced = counted.unplaced;
    records = counted.records;
    victims_source = options.cases.empty() ? options.db : options.cases;
  }
  nexus::NexusResult result = nexus::analyse_nexus(migration, victims, nexus_options);
  if (unplaced > 0) {
    result.warnings.push_back(fmt::format(
        "{} of {} case records lack the year, the citizenship or the country of exploitation and "
        "cannot be placed on a corridor",
        unplaced, records));
  }
  if (!options.panel_out.empty()) {
    write_panel(result, options.controls, options.panel_out);
    fmt::print(stderr, "vigil: panel written to {}\n", options.panel_out);
  }
  const std::size_t shown = options.top == 0
                                ? result.corridors_correlations.size()
                                : std::min(options.top, result.corridors_correlations.size());

  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["migration"] = options.migration;
    out["victims"] = victims_source;
    out["measure"] = options.measure;
    out["fixed_effects"] = result.fixed_effects;
    out["fixed_effect_levels"] = result.fixed_effect_levels;
    const auto& e = result.elasticity;
    out["elasticity"] = {{"estimate", json_number(e.estimate)},
                         {"std_error", json_number(e.std_error)},
                         {"std_error_kind", e.std_error_kind},
                         {"model_std_error", json_number(e.model_std_error)},
                         {"statistic", json_number(e.statistic)},
                         {"statistic_name", e.statistic_name},
                         {"p_value", json_number(e.p_value)},
                         {"ci_lower", json_number(e.ci_lower)},
                         {"ci_upper", json_number(e.ci_upper)},
                         {"level", options.level}};
    nlohmann::ordered_json controls = nlohmann::ordered_json::array();
    for (const auto& c : result.controls) {
      controls.push_back({{"name", c.name},
                          {"estimate", json_number(c.estimate)},
                          {"std_error", json_number(c.std_error)},
                          {"p_value", json_number(c.p_value)},
                          {"ci_lower", json_number(c.ci_lower)},
                          {"ci_upper", json_number(c.ci_upper)}});
    }
    out["controls"] = controls;
    out["model"] = {{"observations", result.observations},
                    {"observations_dropped", result.observations_dropped},
                    {"corridors", result.corridors},
                    {"years", result.years},
                    {"clusters", result.clusters},
                    {"deviance", json_number(result.deviance)},
                    {"loglik", json_number(result.log_likelihood)},
                    {"iterations", result.iterations},
                    {"converged", result.converged}};
    out["join"] = {{"corridor_years", result.panel.size()},
                   {"victim_rows_unmatched", result.victim_rows_unmatched},
                   {"victims_unmatched", result.victims_unmatched},
                   {"rows_without_migrants", result.rows_without_migrants}};
    out["correlations"] = {{"pearson", correlation_json(result.pearson)},
                           {"spearman", correlation_json(result.spearman)},
                           {"kendall", correlation_json(result.kendall)}};
    nlohmann::ordered_json corridors = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& c = result.corridors_correlations[i];
      corridors.push_back({{"origin", c.origin},
                           {"destination", c.destination},
                           {"years", c.years},
                           {"migrants", c.migrants},
                           {"victims", c.victims},
                           {"pearson", correlation_json(c.pearson)},
                           {"spearman", correlation_json(c.spearman)},
                           {"kendall", correlation_json(c.kendall)}});
    }
    out["corridors"] = corridors;
    out["warnings"] = result.warnings;
    out["caveats"] = result.caveats;
    emit(out.dump(2), options.output, "nexus report");
    return 0;
  }

  std::ostringstream text;
  const auto& e = result.elasticity;
  text << fmt::format(
      "Migration and identified victims: {} corridor-years, {} corridors, {} years\n",
      result.panel.size(), result.corridors, result.years);
  text << fmt::format("Migration: {} ({})   Victims: {}\n\n", options.migration, options.measure,
                      victims_source);
  std::string fe;
  for (std::size_t i = 0; i < result.fixed_effects.size(); ++i) {
    fe += (i ? " + " : "") + result.fixed_effects[i] +
          fmt::format(" ({})", result.fixed_effect_levels[i]);
  }
  text << fmt::format("Gravity model (Poisson PML): victims ~ log(migrants){} | {}\n",
                      options.controls.empty() ? "" : " + controls", fe);
  text << fmt::format(
      "  elasticity  {:.4f}   {:g}% CI [{:.4f}, {:.4f}]   SE {:.4f}   {} {:.2f}   p {}\n",
      e.estimate, 100 * options.level, e.ci_lower, e.ci_upper, e.std_error, e.statistic_name,
      e.statistic, format_p(e.p_value));
  text << fmt::format("  standard errors: {}; model-based SE {:.4f}\n", e.std_error_kind,
                      e.model_std_error);
  for (const auto& c : result.controls) {
    text << fmt::format("  {:<10}  {:.4g}   CI [{:.4g}, {:.4g}]   SE {:.4g}   p {}\n", c.name,
                        c.estimate, c.ci_lower, c.ci_upper, c.std_error, format_p(c.p_value));
  }
  text << fmt::format(
      "  {} observations used, {} in groups with no victim dropped; deviance {:.6g}{}\n\n",
      result.observations, result.observations_dropped, result.deviance,
      result.converged ? "" : "; NOT CONVERGED");
  text << fmt::format("Correlation of migrants and victims over all corridor-years (n = {}):\n",
                      result.panel.size());
  for (const auto* c : {&result.pearson, &result.spearman, &result.kendall}) {
    const char* name = c == &result.pearson    ? "Pearson r"
                       : c == &result.spearman ? "Spearman rho"
                                               : "Kendall tau-b";
    text << fmt::format("  {:<13} {:>7.4f}   CI [{:.4f}, {:.4f}]   p {}\n", name, c->estimate,
                        c->ci_lower, c->ci_upper, format_p(c->p_value));
  }
  if (shown > 0) {
    text << fmt::format("\nPer corridor, over years ({} of {} corridors, most victims first):\n",
                        shown, result.corridors_correlations.size());
    text << fmt::format("  {:<28} {:>5} {:>10} {:>8} {:>9} {:>9} {:>9}\n", "corridor", "years",
                        "migrants", "victims", "Pearson", "Spearman", "Kendall");
    for (std::size_t i = 0; i < shown; ++i) {
      const auto& c = result.corridors_correlations[i];
      text << fmt::format("  {:<28} {:>5} {:>10.0f} {:>8.0f} {:>9.3f} {:>9.3f} {:>9.3f}\n",
                          c.origin + " -> " + c.destination, c.years, c.migrants, c.victims,
                          c.pearson.estimate, c.spearman.estimate, c.kendall.estimate);
    }
  }
  for (const auto& w : result.warnings) text << "\nWarning: " << w << "\n";
  text << "\nCaveats:\n";
  for (const auto& c : result.caveats) text << "  - " << c << "\n";
  emit(text.str(), options.output, "nexus report");
  return 0;
}

}  // namespace vigil::cli
