// `vigil mse`: the CLI binding of mse/mse.hpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "core/numeric.hpp"
#include "mse/mse.hpp"

namespace vigil::cli {
namespace {

struct ClosedName {
  const char* option;
  mse::ClosedPopulationModel model;
};

constexpr ClosedName kClosedModels[] = {
    {"M0", mse::ClosedPopulationModel::m0},
    {"Mt", mse::ClosedPopulationModel::mt},
    {"Mh-chao", mse::ClosedPopulationModel::mh_chao},
    {"Mh-poisson2", mse::ClosedPopulationModel::mh_poisson2},
    {"Mh-darroch", mse::ClosedPopulationModel::mh_darroch},
    {"Mh-gamma3.5", mse::ClosedPopulationModel::mh_gamma35},
    {"Mth-chao", mse::ClosedPopulationModel::mth_chao},
    {"Mth-poisson2", mse::ClosedPopulationModel::mth_poisson2},
    {"Mth-darroch", mse::ClosedPopulationModel::mth_darroch},
    {"Mth-gamma3.5", mse::ClosedPopulationModel::mth_gamma35},
    {"Mb", mse::ClosedPopulationModel::mb},
    {"Mbh", mse::ClosedPopulationModel::mbh},
};

std::optional<mse::ClosedPopulationModel> closed_model(const std::string& option) {
  for (const auto& entry : kClosedModels) {
    if (option == entry.option) return entry.model;
  }
  return std::nullopt;
}

std::vector<std::string> method_names() {
  std::vector<std::string> names = {"stepwise", "main", "fixed", "aic", "bic", "average"};
  for (const auto& entry : kClosedModels) names.emplace_back(entry.option);
  return names;
}

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
  mse::MseResult result;
  result.observed = table.observed();
  result.total = ranking.averaged_total;
  result.unobserved = result.total - static_cast<double>(result.observed);
  result.std_error = ranking.averaged_std_error;
  result.ci_lower = std::max(static_cast<double>(result.observed),
                             result.total - kNormalQuantile975 * result.std_error);
  result.ci_upper = result.total + kNormalQuantile975 * result.std_error;
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
  app.add_option("--method", options.method,
                 "stepwise, main, fixed, aic, bic, average, or a closed-population model: M0, Mt, "
                 "Mh-chao, Mh-poisson2, Mh-darroch, Mh-gamma3.5, Mth-chao, Mth-poisson2, "
                 "Mth-darroch, Mth-gamma3.5, Mb, Mbh")
      ->check(CLI::IsMember(method_names()))
      ->capture_default_str();
  app.add_option("--p-threshold", options.p_threshold,
                 "With --method stepwise: add interactions while their p-value is below this")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  app.add_option("--terms", options.terms,
                 "With --method fixed: two-list interactions, e.g. \"LA:NG,NG:GP\"");
  app.add_option("--ci", options.ci,
                 "Interval: model (normal on the log scale, conditional on the model), profile "
                 "(profile likelihood, as Rcapture's closedpCI.t), bootstrap or bca (with "
                 "--method stepwise: resampled tables, stepwise rerun on each, as SparseMSE)")
      ->check(CLI::IsMember({"model", "profile", "bootstrap", "bca"}))
      ->capture_default_str();
  app.add_option("--bootstrap", options.replicates, "Bootstrap replicates")
      ->check(CLI::Range(10, 1000000))
      ->capture_default_str();
  app.add_option("--seed", options.seed, "Bootstrap seed")->capture_default_str();
  app.add_option("--strata", options.strata,
                 "Estimate separately in each stratum (a column of FILE, e.g. citizenship) and "
                 "sum the totals");
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
      "  vigil mse UKdat.csv --ci bca --bootstrap 1000 --seed 1\n"
      "  vigil mse UKdat.csv --method Mh-chao\n"
      "  vigil mse UKdat.csv --method fixed --terms \"PF:NCA,LA:NG,NG:GP\" --format json");
}

// What one table's estimation produced.
struct Estimation {
  mse::MseResult result;
  std::optional<mse::ModelSearchResult> ranking;
  std::optional<mse::ProfileInterval> profile;
  std::optional<mse::BootstrapResult> bootstrap;
  bool averaged = false;
  bool log_linear = false;
};

Estimation estimate(const mse::CaptureHistories& table, const MseOptions& options) {
  const bool search =
      options.method == "aic" || options.method == "bic" || options.method == "average";
  Estimation estimation;
  mse::MseResult& result = estimation.result;
  std::optional<mse::ModelSearchResult>& ranking = estimation.ranking;
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
  } else if (const auto closed = closed_model(options.method)) {
    result = mse::fit_closed_population_model(table, *closed);
  } else {
    result = mse::fit_log_linear(table, mse::parse_terms(table, options.terms));
  }
  estimation.averaged = options.method == "average" && result.exists;
  estimation.log_linear = result.model_name == "log-linear" && !estimation.averaged;

  std::optional<mse::ProfileInterval>& profile = estimation.profile;
  std::optional<mse::BootstrapResult>& bootstrap = estimation.bootstrap;
  if (options.ci == "profile") {
    if (!estimation.log_linear) {
      throw Error(Error::Kind::usage,
                  "--ci profile goes with the log-linear methods (stepwise, main, fixed, aic, "
                  "bic)");
    }
    if (result.exists) {
      profile = mse::profile_likelihood_interval(table, result.model);
      result.ci_lower = profile->lower;
      result.ci_upper = profile->upper;
      result.ci_method = "profile likelihood (Rcapture's closedpCI.t), conditional on the model";
    }
  } else if (options.ci == "bootstrap" || options.ci == "bca") {
    if (options.method != "stepwise") {
      throw Error(Error::Kind::usage, "--ci bootstrap and bca go with --method stepwise");
    }
    if (result.exists) {
      ProgressLine progress("bootstrap replicates");
      mse::BootstrapOptions bootstrap_options;
      bootstrap_options.replicates = options.replicates;
      bootstrap_options.seed = options.seed;
      bootstrap_options.p_threshold = options.p_threshold;
      bootstrap_options.progress = [&progress](int done, int total) {
        progress.update(static_cast<std::uint64_t>(done), static_cast<std::uint64_t>(total));
      };
      bootstrap = mse::bootstrap_stepwise(table, bootstrap_options);
      progress.finish();
      const bool bca = options.ci == "bca";
      result.ci_lower = bca ? bootstrap->bca_lower : bootstrap->percentile_lower;
      result.ci_upper = bca ? bootstrap->bca_upper : bootstrap->percentile_upper;
      result.ci_method = fmt::format(
          "{} bootstrap, {} replicates with stepwise reselection (SparseMSE's estimatepopulation)",
          bca ? "BCa" : "percentile", options.replicates);
      if (bootstrap->not_estimable > 0) {
        result.warnings.push_back(
            fmt::format("{} bootstrap replicates had no estimate", bootstrap->not_estimable));
      }
    }
  }

  return estimation;
}

nlohmann::ordered_json estimation_json(const mse::CaptureHistories& table,
                                       const Estimation& estimation, const MseOptions& options) {
  const mse::MseResult& result = estimation.result;
  const auto& ranking = estimation.ranking;
  const auto& profile = estimation.profile;
  const auto& bootstrap = estimation.bootstrap;
  const bool averaged = estimation.averaged;
  const bool log_linear = estimation.log_linear;
  nlohmann::ordered_json out;
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
  out["model"] = log_linear ? model_json(table, result) : nlohmann::ordered_json(nullptr);
  out["aic"] = single ? nlohmann::ordered_json(result.aic) : nullptr;
  out["bic"] = single ? nlohmann::ordered_json(result.bic) : nullptr;
  out["deviance"] = single ? nlohmann::ordered_json(result.deviance) : nullptr;
  out["df"] = single ? nlohmann::ordered_json(result.df) : nullptr;
  out["warnings"] = result.warnings;
  out["model_name"] = averaged ? "AIC-weighted average" : result.model_name;
  if (profile) out["profile_estimate"] = profile->estimate;
  if (bootstrap) {
    out["bootstrap"] = {{"replicates", options.replicates},
                        {"seed", options.seed},
                        {"not_estimable", bootstrap->not_estimable},
                        {"percentile", {bootstrap->percentile_lower, bootstrap->percentile_upper}},
                        {"bca", {bootstrap->bca_lower, bootstrap->bca_upper}},
                        {"bias_correction", bootstrap->bias_correction},
                        {"acceleration", bootstrap->acceleration}};
  }
  if (ranking) {
    out["models_fitted"] = ranking->models;
    out["models_without_estimate"] = ranking->not_estimable;
    out["ranking_aic"] = ranking_json(table, ranking->by_aic);
    out["ranking_bic"] = ranking_json(table, ranking->by_bic);
  }
  return out;
}

void print_estimation(const mse::CaptureHistories& table, const Estimation& estimation) {
  const mse::MseResult& result = estimation.result;
  const auto& ranking = estimation.ranking;
  const bool averaged = estimation.averaged;
  const bool log_linear = estimation.log_linear;
  if (averaged) {
    fmt::print("Model: the AIC-weighted average of {} models ({} without an estimate left out)\n",
               ranking->models - ranking->not_estimable, ranking->not_estimable);
  } else if (log_linear) {
    fmt::print("Model: {}\n", model_formula(table, result));
  } else {
    fmt::print("Model: {} (Rcapture's closedp.t)\n", result.model_name);
  }
  fmt::print("Observed: {}\n", result.observed);
  for (const auto& warning : result.warnings) fmt::print("Warning: {}\n", warning);
  if (!result.exists) {
    fmt::print("No estimate: {}\n", result.reason);
    return;
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
}

int run_mse(const MseOptions& options) {
  std::ifstream in(options.file, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, options.file + ": cannot open the file for reading");
  if (options.method != "fixed" && !options.terms.empty()) {
    throw Error(Error::Kind::usage, "--terms goes with --method fixed");
  }
  if (options.strata.empty()) {
    const mse::CaptureHistories table = mse::read_capture_histories(in, options.file);
    const Estimation estimation = estimate(table, options);
    if (options.format == "json") {
      nlohmann::ordered_json out;
      out["file"] = options.file;
      out.update(estimation_json(table, estimation, options));
      fmt::print("{}\n", out.dump(2));
      return 0;
    }
    fmt::print("Multiple Systems Estimation: {} ({} lists: {})\n", options.file, table.list_count(),
               fmt::join(table.list_names(), ", "));
    print_estimation(table, estimation);
    return 0;
  }

  // Stratified: each stratum estimated on its own, the totals summed. A
  // stratum without an estimate is reported, and only its observed people
  // enter the sum, which is then a lower bound.
  const auto strata = mse::read_stratified_capture_histories(in, options.file, options.strata);
  double total = 0;
  double variance = 0;
  std::int64_t observed = 0;
  std::vector<std::string> without;
  nlohmann::ordered_json strata_json = nlohmann::ordered_json::array();
  if (options.format != "json") {
    fmt::print("Multiple Systems Estimation by {}: {} ({} strata; lists: {})\n", options.strata,
               options.file, strata.size(), fmt::join(strata.front().table.list_names(), ", "));
  }
  for (const auto& stratum : strata) {
    const Estimation estimation = estimate(stratum.table, options);
    const auto& result = estimation.result;
    observed += stratum.table.observed();
    if (result.exists) {
      total += result.total;
      variance += result.std_error * result.std_error;
    } else {
      total += static_cast<double>(stratum.table.observed());
      without.push_back(stratum.name);
    }
    if (options.format == "json") {
      nlohmann::ordered_json entry;
      entry["stratum"] = stratum.name;
      entry.update(estimation_json(stratum.table, estimation, options));
      strata_json.push_back(entry);
    } else {
      fmt::print("\n== {} = {}\n", options.strata, stratum.name);
      print_estimation(stratum.table, estimation);
    }
  }
  const double std_error = std::sqrt(variance);
  const double lower =
      std::max(static_cast<double>(observed), total - kNormalQuantile975 * std_error);
  const double upper = total + kNormalQuantile975 * std_error;
  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["file"] = options.file;
    out["strata_column"] = options.strata;
    out["strata"] = strata_json;
    out["combined"] = {{"observed", observed},
                       {"estimate", total},
                       {"std_error", std_error},
                       {"ci", {lower, upper}},
                       {"ci_method", "normal, strata independent"},
                       {"complete", without.empty()},
                       {"strata_without_estimate", without}};
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  fmt::print("\n== All strata\nObserved: {}\n", observed);
  if (!without.empty()) {
    fmt::print(
        "Warning: no estimate for {} ({}): only their observed people are counted, so the "
        "total is a lower bound\n",
        without.size() == 1 ? "stratum" : "strata", fmt::join(without, ", "));
  }
  fmt::print("Estimated total: {:.1f} (standard error {:.1f})\n", total, std_error);
  fmt::print("95% interval: {:.1f} to {:.1f} (normal, strata independent)\n", lower, upper);
  return 0;
}

}  // namespace vigil::cli
