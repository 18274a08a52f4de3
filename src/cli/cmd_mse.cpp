// `vigil mse`: the CLI binding of mse/mse.hpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "mse/mse.hpp"

namespace vigil::cli {
namespace {

bool is_infinite(const mse::MseResult& result, const mse::Interaction& interaction) {
  return std::find(result.infinite_interactions.begin(), result.infinite_interactions.end(),
                   interaction) != result.infinite_interactions.end();
}

nlohmann::ordered_json model_json(const mse::CaptureHistories& table,
                                  const mse::MseResult& result) {
  nlohmann::ordered_json terms = nlohmann::ordered_json::array();
  for (const auto& name : table.list_names()) {
    terms.push_back({{"term", name}, {"infinite", false}});
  }
  for (const auto& interaction : result.model.interactions) {
    terms.push_back({{"term", mse::term_name(table, interaction)},
                     {"infinite", is_infinite(result, interaction)}});
  }
  return terms;
}

std::string model_formula(const mse::CaptureHistories& table, const mse::MseResult& result) {
  std::string terms;
  for (const auto& name : table.list_names()) terms += (terms.empty() ? "" : " + ") + name;
  for (const auto& interaction : result.model.interactions) {
    terms += " + " + mse::term_name(table, interaction) +
             (is_infinite(result, interaction) ? " (-inf)" : "");
  }
  return terms;
}

// The AIC-weighted average as an MseResult: no single model, so no deviance;
// the interval is Buckland et al.'s normal one around the average.
mse::MseResult model_average(const mse::CaptureHistories& table,
                             const mse::ModelSearchResult& ranking) {
  constexpr double kZ975 = 1.959963984540054;
  mse::MseResult result;
  result.observed = table.observed();
  result.total = ranking.averaged_total;
  result.unobserved = result.total - static_cast<double>(result.observed);
  result.std_error = ranking.averaged_std_error;
  result.ci_lower =
      std::max(static_cast<double>(result.observed), result.total - kZ975 * result.std_error);
  result.ci_upper = result.total + kZ975 * result.std_error;
  result.ci_method =
      "normal around the AIC-weighted average (Buckland, Burnham & Augustin 1997), cut at the "
      "number observed";
  return result;
}

nlohmann::ordered_json ranking_json(const mse::CaptureHistories& table,
                                    const std::vector<mse::RankedModel>& models) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& ranked : models) {
    nlohmann::ordered_json terms = nlohmann::ordered_json::array();
    for (const auto& interaction : ranked.model.interactions) {
      terms.push_back(mse::term_name(table, interaction));
    }
    out.push_back({{"interactions", terms},
                   {"estimate", ranked.total},
                   {"std_error", ranked.std_error},
                   {"aic", ranked.aic},
                   {"bic", ranked.bic},
                   {"aic_weight", ranked.aic_weight}});
  }
  return out;
}

}  // namespace

void setup_mse(CLI::App& app, MseOptions& options) {
  app.description(
      "Estimate the total number of victims, including those no agency found, by Multiple\n"
      "Systems Estimation: a log-linear Poisson model of the capture-history table\n"
      "(which lists found how many people), extrapolated to the people on no list.\n\n"
      "Input: a CSV with one 0/1 column per list and a count column (count or n), as\n"
      "Rcapture and SparseMSE read (histories not listed count zero), or one row per\n"
      "person with no count column. `vigil simulate` writes one: capture_histories.csv.\n\n"
      "Models: --method stepwise (the default: SparseMSE's stepwise selection of two-list\n"
      "interactions, threshold --p-threshold 0.02), --method main (every list's main effect:\n"
      "Rcapture's Mt), --method fixed with --terms naming the interactions to add;\n"
      "--method aic, bic or average fit every model with any subset of the two-list\n"
      "interactions (up to 6 lists: 32,768 models, on every core) and take the best by\n"
      "AIC or BIC, or the AIC-weighted average of all (Buckland et al. 1997). An\n"
      "interaction between lists with no case in common has its parameter at minus\n"
      "infinity (its joint cells are fitted as zero), as in SparseMSE. Before fitting,\n"
      "vigil checks that the estimate exists (finite, by a linear program; identifiable,\n"
      "by the rank of the design): when it does not, vigil says so and why, and prints\n"
      "no number. The 95% interval is SparseMSE's, normal on the log scale of the\n"
      "unobserved count and conditional on the model.");
  app.add_option("file", options.file, "Capture-history CSV file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--method", options.method, "stepwise, main, fixed, aic, bic or average")
      ->check(CLI::IsMember({"stepwise", "main", "fixed", "aic", "bic", "average"}))
      ->capture_default_str();
  app.add_option("--p-threshold", options.p_threshold,
                 "With --method stepwise: add interactions while their p-value is below this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--terms", options.terms,
                 "With --method fixed: two-list interactions, e.g. \"LA:NG,NG:GP\"");
  app.add_option("--top", options.top,
                 "With --method aic, bic or average: models listed in the ranking")
      ->capture_default_str();
  app.add_option("--format", options.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.footer(
      "Examples:\n"
      "  vigil mse world/capture_histories.csv\n"
      "  vigil mse UKdat.csv --method main\n"
      "  vigil mse UKdat.csv --method average --top 5\n"
      "  vigil mse UKdat.csv --method fixed --terms \"PF:NCA,LA:NG,NG:GP\" --format json");
}

int run_mse(const MseOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, options.file + ": cannot open the file for reading");
  const mse::CaptureHistories table = mse::read_capture_histories(in, options.file);
  if (options.method != "fixed" && !options.terms.empty()) {
    throw Error(Error::Kind::usage, "--terms goes with --method fixed");
  }
  const bool search =
      options.method == "aic" || options.method == "bic" || options.method == "average";
  mse::MseResult result;
  std::optional<mse::ModelSearchResult> ranking;
  if (options.method == "stepwise") {
    result = mse::select_stepwise(table, options.p_threshold);
  } else if (search) {
    ProgressLine progress("fitting every model");
    mse::ModelSearchOptions search_options;
    search_options.keep = options.top;
    search_options.progress = [&progress](std::size_t done, std::size_t total) {
      progress.update(done, total);
    };
    ranking = mse::search_all_models(table, search_options);
    progress.finish();
    if (ranking->by_aic.empty()) {
      result.exists = false;
      result.observed = table.observed();
      result.reason = "no model with these lists has an estimate";
    } else if (options.method == "average") {
      result = model_average(table, *ranking);
    } else {
      const auto& best = options.method == "aic" ? ranking->by_aic : ranking->by_bic;
      result = mse::fit_log_linear(table, best.front().model);
    }
  } else {
    result = mse::fit_log_linear(table, mse::parse_terms(table, options.terms));
  }
  const bool averaged = options.method == "average" && result.exists;

  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["file"] = options.file;
    out["lists"] = table.list_names();
    out["method"] = options.method;
    out["exists"] = result.exists;
    out["reason"] =
        result.exists ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(result.reason);
    out["observed"] = result.observed;
    if (result.exists) {
      out["estimate"] = result.total;
      out["dark_figure"] = result.unobserved;
      out["std_error"] = result.std_error;
      out["ci"] = {result.ci_lower, result.ci_upper};
      out["ci_method"] = result.ci_method;
    } else {
      out["estimate"] = nullptr;
      out["dark_figure"] = nullptr;
      out["std_error"] = nullptr;
      out["ci"] = nullptr;
      out["ci_method"] = nullptr;
    }
    const bool single = result.exists && !averaged;
    out["model"] = averaged ? nlohmann::ordered_json(nullptr) : model_json(table, result);
    out["aic"] = single ? nlohmann::ordered_json(result.aic) : nullptr;
    out["bic"] = single ? nlohmann::ordered_json(result.bic) : nullptr;
    out["deviance"] = single ? nlohmann::ordered_json(result.deviance) : nullptr;
    out["df"] = single ? nlohmann::ordered_json(result.df) : nullptr;
    out["warnings"] = result.warnings;
    if (ranking) {
      out["models_fitted"] = ranking->models;
      out["models_without_estimate"] = ranking->not_estimable;
      out["ranking_aic"] = ranking_json(table, ranking->by_aic);
      out["ranking_bic"] = ranking_json(table, ranking->by_bic);
    }
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("Multiple Systems Estimation: {} ({} lists: {})\n", options.file, table.list_count(),
             fmt::join(table.list_names(), ", "));
  if (averaged) {
    fmt::print("Model: the AIC-weighted average of {} models ({} without an estimate left out)\n",
               ranking->models - ranking->not_estimable, ranking->not_estimable);
  } else {
    fmt::print("Model: {}\n", model_formula(table, result));
  }
  fmt::print("Observed: {}\n", result.observed);
  for (const auto& warning : result.warnings) fmt::print("Warning: {}\n", warning);
  if (!result.exists) {
    fmt::print("No estimate: {}\n", result.reason);
    return 0;
  }
  fmt::print("Estimated total: {:.1f} (standard error {:.1f})\n", result.total, result.std_error);
  fmt::print("Not found by any list: {:.1f}\n", result.unobserved);
  fmt::print("95% interval: {:.1f} to {:.1f} ({})\n", result.ci_lower, result.ci_upper,
             result.ci_method);
  if (!averaged) {
    fmt::print("Deviance {:.4f} on {} df, AIC {:.4f}, BIC {:.4f}\n", result.deviance, result.df,
               result.aic, result.bic);
  }
  if (ranking) {
    for (const auto* list : {&ranking->by_aic, &ranking->by_bic}) {
      fmt::print("\nBest models by {} ({} models fitted):\n",
                 list == &ranking->by_aic ? "AIC" : "BIC", ranking->models);
      fmt::print("  {:>10}  {:>10}  {:>10}  {:>7}  {}\n", "AIC", "BIC", "Total", "Weight",
                 "Interactions");
      for (const auto& ranked : *list) {
        std::string terms;
        for (const auto& interaction : ranked.model.interactions) {
          terms += (terms.empty() ? "" : " + ") + mse::term_name(table, interaction);
        }
        fmt::print("  {:>10.3f}  {:>10.3f}  {:>10.1f}  {:>7.4f}  {}\n", ranked.aic, ranked.bic,
                   ranked.total, ranked.aic_weight, terms.empty() ? "(main effects)" : terms);
      }
    }
  }
  return 0;
}

}  // namespace vigil::cli
