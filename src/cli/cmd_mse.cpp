// `vigil mse`: the CLI binding of mse/mse.hpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "mse/mse.hpp"

namespace vigil::cli {
namespace {

nlohmann::ordered_json model_json(const mse::CaptureHistories& table,
                                  const mse::MseResult& result) {
  nlohmann::ordered_json terms = nlohmann::ordered_json::array();
  for (const auto& name : table.list_names()) {
    terms.push_back({{"term", name}, {"infinite", false}});
  }
  for (const auto& interaction : result.model.interactions) {
    const bool infinite =
        std::find(result.infinite_interactions.begin(), result.infinite_interactions.end(),
                  interaction) != result.infinite_interactions.end();
    terms.push_back({{"term", mse::term_name(table, interaction)}, {"infinite", infinite}});
  }
  return terms;
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
      "Rcapture's Mt), --method fixed with --terms naming the interactions to add. An\n"
      "interaction between lists with no case in common has its parameter at minus\n"
      "infinity (its joint cells are fitted as zero), as in SparseMSE. Before fitting,\n"
      "vigil checks that the estimate exists (finite, by a linear program; identifiable,\n"
      "by the rank of the design): when it does not, vigil says so and why, and prints\n"
      "no number. The 95% interval is SparseMSE's, normal on the log scale of the\n"
      "unobserved count and conditional on the model.");
  app.add_option("file", options.file, "Capture-history CSV file")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--method", options.method, "stepwise, main or fixed")
      ->check(CLI::IsMember({"stepwise", "main", "fixed"}))
      ->capture_default_str();
  app.add_option("--p-threshold", options.p_threshold,
                 "With --method stepwise: add interactions while their p-value is below this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--terms", options.terms,
                 "With --method fixed: two-list interactions, e.g. \"LA:NG,NG:GP\"");
  app.add_option("--format", options.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.footer(
      "Examples:\n"
      "  vigil mse world/capture_histories.csv\n"
      "  vigil mse UKdat.csv --method main\n"
      "  vigil mse UKdat.csv --method fixed --terms \"PF:NCA,LA:NG,NG:GP\" --format json");
}

int run_mse(const MseOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, options.file + ": cannot open the file for reading");
  const mse::CaptureHistories table = mse::read_capture_histories(in, options.file);
  if (options.method != "fixed" && !options.terms.empty()) {
    throw Error(Error::Kind::usage, "--terms goes with --method fixed");
  }
  const mse::MseResult result =
      options.method == "stepwise"
          ? mse::select_stepwise(table, options.p_threshold)
          : mse::fit_log_linear(table, mse::parse_terms(table, options.terms));

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
    out["model"] = model_json(table, result);
    out["aic"] = result.exists ? nlohmann::ordered_json(result.aic) : nullptr;
    out["bic"] = result.exists ? nlohmann::ordered_json(result.bic) : nullptr;
    out["deviance"] = result.exists ? nlohmann::ordered_json(result.deviance) : nullptr;
    out["df"] = result.df;
    out["warnings"] = result.warnings;
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("Multiple Systems Estimation: {} ({} lists: {})\n", options.file, table.list_count(),
             fmt::join(table.list_names(), ", "));
  std::string terms;
  for (const auto& name : table.list_names()) terms += (terms.empty() ? "" : " + ") + name;
  for (const auto& interaction : result.model.interactions) {
    const bool infinite =
        std::find(result.infinite_interactions.begin(), result.infinite_interactions.end(),
                  interaction) != result.infinite_interactions.end();
    terms += " + " + mse::term_name(table, interaction) + (infinite ? " (-inf)" : "");
  }
  fmt::print("Model: {}\n", terms);
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
  fmt::print("Deviance {:.4f} on {} df, AIC {:.4f}, BIC {:.4f}\n", result.deviance, result.df,
             result.aic, result.bic);
  return 0;
}

}  // namespace vigil::cli
