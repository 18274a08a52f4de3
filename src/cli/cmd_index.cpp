// `vigil index`: the CLI binding of index/index.hpp.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "index/index.hpp"
#include "io/csv.hpp"

namespace vigil::cli {
namespace {

nlohmann::ordered_json json_number(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

std::string number(double v) {
  return std::isfinite(v) ? fmt::format("{:.4g}", v) : "NA";
}

}  // namespace

void setup_index(CLI::App& app, IndexCliOptions& options) {
  app.description(
      "Build a composite vulnerability index from a table of units (regions, groups,\n"
      "corridors, countries) by indicators, as the OECD/JRC Handbook on Constructing\n"
      "Composite Indicators sets out: missing data treated, indicators normalised so that\n"
      "higher means more risk, weighted and aggregated within dimensions, then across them.\n"
      "Every method is chosen in a TOML configuration (README, \"vigil index\"). With --mc N\n"
      "the method choices and the weights are sampled N x (factors + 2) times: each unit gets\n"
      "its median rank with a 5-95% interval, and each choice its Sobol' first-order and\n"
      "total-effect indices on the ranks (which choice moves which unit).");
  app.add_option("--config", options.config, "TOML configuration: methods and indicators")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--data", options.data,
                 "CSV: the first column names the unit, then one column per indicator (a column\n"
                 "`year` makes it a panel, of which --year is taken)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--year", options.year, "Year of a panel to index (default: the latest)");
  app.add_option("--mc", options.replications,
                 "Monte Carlo uncertainty and sensitivity analysis with N base samples (0: none)")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Seed of the Monte Carlo sample")->capture_default_str();
  app.add_option("--threads", options.threads, "Threads for --mc (0: every core)")
      ->capture_default_str();
  app.add_option("--format", options.format, "table, csv (one row per unit) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  app.add_option("-o,--output", options.output, "Write to this file instead of standard output");
  app.footer(
      "Examples:\n"
      "  vigil index --config examples/index/lifecycle.toml --data examples/index/lifecycle.csv\n"
      "  vigil index --config regions.toml --data regions.csv --mc 2000 --format json\n"
      "\n"
      "A minimal configuration:\n"
      "  [method]\n"
      "  normalisation = \"minmax\"      # zscore | rank | distance (with reference = UNIT)\n"
      "  weighting = \"equal\"           # expert (indicator weights) | pca | factor\n"
      "  aggregation = \"arithmetic\"    # geometric | mazziotta-pareto\n"
      "  [[indicator]]\n"
      "  name = \"irregular_share\"      # a column of the data\n"
      "  dimension = \"migration\"\n"
      "  direction = \"risk\"            # or \"protective\": higher = less risk");
}

int run_index(const IndexCliOptions& options) {
  const index::IndexConfig config = index::load_index_config(options.config);
  const index::IndexData data = index::read_index_data(options.data, config, options.year);
  const index::IndexResult result = index::compute_index(data, config);
  std::optional<index::UncertaintyResult> mc;
  if (options.replications > 0) {
    index::UncertaintyOptions mc_options;
    mc_options.replications = options.replications;
    mc_options.seed = options.seed;
    mc_options.threads = options.threads;
    ProgressLine progress("index: Monte Carlo");
    mc_options.progress = [&progress](std::size_t done, std::size_t total) {
      progress.update(done, total);
    };
    mc = index::analyse_uncertainty(data, config, mc_options);
  }
  const auto units = result.units.size();
  // Units in rank order for the table.
  std::vector<std::size_t> order(units);
  for (std::size_t i = 0; i < units; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return result.rank[a] < result.rank[b]; });

  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["config"] = options.config;
    out["data"] = options.data;
    if (data.year) out["year"] = *data.year;
    out["method"] = {
        {"missing", index::method_name(config.method.missing)},
        {"normalisation", index::method_name(config.method.normalisation)},
        {"weighting", index::method_name(config.method.weighting)},
        {"aggregation", index::method_name(config.method.aggregation)},
        {"dimension_aggregation", index::method_name(config.method.dimension_aggregation)}};
    nlohmann::ordered_json unit_rows = nlohmann::ordered_json::array();
    for (std::size_t i = 0; i < units; ++i) {
      nlohmann::ordered_json row;
      const auto k = static_cast<Eigen::Index>(i);
      row["unit"] = result.units[i];
      row["score"] = json_number(result.score(k));
      row["rank"] = result.rank[i];
      if (mc) {
        row["rank_median"] = json_number(mc->rank_median(k));
        row["rank_p05"] = json_number(mc->rank_p05(k));
        row["rank_p95"] = json_number(mc->rank_p95(k));
      }
      unit_rows.push_back(row);
    }
    out["units"] = unit_rows;
    nlohmann::ordered_json dimensions = nlohmann::ordered_json::array();
    for (std::size_t d = 0; d < result.dimensions.size(); ++d) {
      const auto& dim = result.dimensions[d];
      nlohmann::ordered_json scores = nlohmann::ordered_json::object();
      for (std::size_t i = 0; i < units; ++i) {
        scores[result.units[i]] = json_number(
            result.dimension_scores(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(d)));
      }
      nlohmann::ordered_json weights = nlohmann::ordered_json::object();
      for (std::size_t m = 0; m < dim.indicators.size(); ++m) {
        weights[dim.indicators[m]] = json_number(dim.weights(static_cast<Eigen::Index>(m)));
      }
      nlohmann::ordered_json diag;
      if (dim.indicators.size() > 1) {
        diag["cronbach_alpha"] = json_number(dim.diagnostics.cronbach_alpha);
        diag["standardised_alpha"] = json_number(dim.diagnostics.standardised_alpha);
        diag["eigenvalues"] = std::vector<double>(
            dim.diagnostics.eigenvalues.data(),
            dim.diagnostics.eigenvalues.data() + dim.diagnostics.eigenvalues.size());
        diag["explained"] = std::vector<double>(
            dim.diagnostics.explained.data(),
            dim.diagnostics.explained.data() + dim.diagnostics.explained.size());
        std::vector<std::string> flagged;
        for (std::size_t m = 0; m < dim.indicators.size(); ++m) {
          if (dim.diagnostics.negatively_correlated[m]) flagged.push_back(dim.indicators[m]);
        }
        diag["negatively_correlated"] = flagged;
      }
      dimensions.push_back({{"name", dim.name},
                            {"weight", json_number(dim.weight)},
                            {"indicator_weights", weights},
                            {"scores", scores},
                            {"diagnostics", diag}});
    }
    out["dimensions"] = dimensions;
    if (mc) {
      nlohmann::ordered_json sensitivity;
      sensitivity["replications"] = options.replications;
      sensitivity["evaluations"] = mc->evaluations;
      sensitivity["seed"] = options.seed;
      sensitivity["factors"] = mc->factors;
      sensitivity["mean_rank_shift"] = json_number(mc->mean_shift);
      nlohmann::ordered_json shift_first = nlohmann::ordered_json::object();
      nlohmann::ordered_json shift_total = nlohmann::ordered_json::object();
      for (std::size_t f = 0; f < mc->factors.size(); ++f) {
        shift_first[mc->factors[f]] =
            json_number(mc->shift_first_order(static_cast<Eigen::Index>(f)));
        shift_total[mc->factors[f]] = json_number(mc->shift_total(static_cast<Eigen::Index>(f)));
      }
      sensitivity["rank_shift_first_order"] = shift_first;
      sensitivity["rank_shift_total"] = shift_total;
      nlohmann::ordered_json per_unit = nlohmann::ordered_json::array();
      for (std::size_t i = 0; i < units; ++i) {
        nlohmann::ordered_json first = nlohmann::ordered_json::object();
        nlohmann::ordered_json total = nlohmann::ordered_json::object();
        for (std::size_t f = 0; f < mc->factors.size(); ++f) {
          const auto r = static_cast<Eigen::Index>(i);
          const auto c = static_cast<Eigen::Index>(f);
          first[mc->factors[f]] = json_number(mc->first_order(r, c));
          total[mc->factors[f]] = json_number(mc->total(r, c));
        }
        per_unit.push_back({{"unit", result.units[i]}, {"first_order", first}, {"total", total}});
      }
      sensitivity["units"] = per_unit;
      out["sensitivity"] = sensitivity;
    }
    std::vector<std::string> warnings = result.warnings;
    if (mc) warnings.insert(warnings.end(), mc->warnings.begin(), mc->warnings.end());
    out["warnings"] = warnings;
    emit(out.dump(2), options.output, "index");
    return 0;
  }

  if (options.format == "csv") {
    std::ostringstream text;
    std::vector<std::string> header = {"unit", "score", "rank"};
    for (const auto& dim : result.dimensions) header.push_back("dimension_" + dim.name);
    if (mc) {
      header.insert(header.end(), {"rank_median", "rank_p05", "rank_p95"});
      for (const auto& f : mc->factors) header.push_back("first_order_" + f);
      for (const auto& f : mc->factors) header.push_back("total_" + f);
    }
    io::write_csv_record(text, header);
    for (const std::size_t i : order) {
      const auto k = static_cast<Eigen::Index>(i);
      std::vector<std::string> row = {result.units[i], fmt::format("{}", result.score(k)),
                                      std::to_string(result.rank[i])};
      for (Eigen::Index d = 0; d < result.dimension_scores.cols(); ++d) {
        row.push_back(fmt::format("{}", result.dimension_scores(k, d)));
      }
      if (mc) {
        row.push_back(fmt::format("{}", mc->rank_median(k)));
        row.push_back(fmt::format("{}", mc->rank_p05(k)));
        row.push_back(fmt::format("{}", mc->rank_p95(k)));
        for (Eigen::Index f = 0; f < mc->first_order.cols(); ++f) {
          row.push_back(fmt::format("{}", mc->first_order(k, f)));
        }
        for (Eigen::Index f = 0; f < mc->total.cols(); ++f) {
          row.push_back(fmt::format("{}", mc->total(k, f)));
        }
      }
      io::write_csv_record(text, row);
    }
    emit(text.str(), options.output, "index");
    return 0;
  }

  std::ostringstream text;
  text << fmt::format("Composite index: {} units, {} indicators in {} dimensions{}\n", units,
                      config.indicators.size(), config.dimensions.size(),
                      data.year ? fmt::format(", year {}", *data.year) : "");
  text << fmt::format(
      "Method: missing {}, normalisation {}, weighting {}, aggregation {} (within) / "
      "{} (across)\n\n",
      index::method_name(config.method.missing), index::method_name(config.method.normalisation),
      index::method_name(config.method.weighting), index::method_name(config.method.aggregation),
      index::method_name(config.method.dimension_aggregation));
  std::size_t width = 4;
  for (const auto& u : result.units) width = std::max(width, u.size());
  text << fmt::format("{:>4}  {:<{}} {:>9}", "rank", "unit", width, "score");
  for (const auto& dim : result.dimensions) text << fmt::format(" {:>12.12}", dim.name);
  if (mc) text << fmt::format(" {:>8} {:>12}", "median", "5-95%");
  text << "\n";
  for (const std::size_t i : order) {
    const auto k = static_cast<Eigen::Index>(i);
    text << fmt::format("{:>4}  {:<{}} {:>9}", result.rank[i], result.units[i], width,
                        number(result.score(k)));
    for (Eigen::Index d = 0; d < result.dimension_scores.cols(); ++d) {
      text << fmt::format(" {:>12}", number(result.dimension_scores(k, d)));
    }
    if (mc) {
      text << fmt::format(" {:>8g} {:>12}", mc->rank_median(k),
                          fmt::format("{:g}-{:g}", mc->rank_p05(k), mc->rank_p95(k)));
    }
    text << "\n";
  }
  text << "\nDimensions (weight; Cronbach's alpha; first eigenvalue's share):\n";
  for (const auto& dim : result.dimensions) {
    text << fmt::format("  {:<20} {:.3f}", dim.name, dim.weight);
    if (dim.indicators.size() > 1) {
      text << fmt::format("   alpha {:.3f}   first component {:.0f}%",
                          dim.diagnostics.cronbach_alpha, 100 * dim.diagnostics.explained(0));
    }
    text << "\n";
  }
  if (mc) {
    text << fmt::format(
        "\nUncertainty ({} base samples, {} evaluations, seed {}): the ranks move by {:.2f} on "
        "average.\nSobol' indices of each choice on that shift (first order / total effect):\n",
        options.replications, mc->evaluations, options.seed, mc->mean_shift);
    for (std::size_t f = 0; f < mc->factors.size(); ++f) {
      text << fmt::format("  {:<14} {:>6.3f} / {:.3f}\n", mc->factors[f],
                          mc->shift_first_order(static_cast<Eigen::Index>(f)),
                          mc->shift_total(static_cast<Eigen::Index>(f)));
    }
  }
  for (const auto& w : result.warnings) text << "\nWarning: " << w << "\n";
  if (mc) {
    for (const auto& w : mc->warnings) text << "\nWarning: " << w << "\n";
  }
  emit(text.str(), options.output, "index");
  return 0;
}

}  // namespace vigil::cli
