// `vigil glm`: the CLI binding of glm/formula.hpp, glm/glm.hpp and
// glm/inference.hpp. Prints a summary laid out as R's summary.glm, so that
// an analyst can hold the two side by side.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "core/case_record.hpp"
#include "core/error.hpp"
#include "glm/formula.hpp"
#include "glm/glm.hpp"
#include "glm/inference.hpp"
#include "store/store.hpp"

namespace vigil::cli {
namespace {

// R's format.pval with 3 significant digits, and its floor.
std::string format_p(double p) {
  if (std::isnan(p)) return "NA";
  if (p < 2.2e-16) return "< 2e-16";
  return fmt::format("{:.3g}", p);
}

std::string stars(double p) {
  if (std::isnan(p)) return "";
  if (p < 0.001) return "***";
  if (p < 0.01) return "**";
  if (p < 0.05) return "*";
  if (p < 0.1) return ".";
  return "";
}

std::string number(double v) {
  return std::isnan(v) ? "NA" : fmt::format("{:.6g}", v);
}

nlohmann::ordered_json json_number(double v) {
  if (std::isfinite(v)) return v;
  return nullptr;
}

struct RobustChoice {
  glm::RobustType type = glm::RobustType::hc1;
  std::string cluster;  // variable, for cluster
  std::string label;    // "HC1", "cluster(region)"
};

std::optional<RobustChoice> parse_robust(const std::string& text) {
  if (text.empty()) return std::nullopt;
  RobustChoice choice;
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "hc0") {
    choice.type = glm::RobustType::hc0;
  } else if (lower == "hc1") {
    choice.type = glm::RobustType::hc1;
  } else if (lower == "hc3") {
    choice.type = glm::RobustType::hc3;
  } else if (lower.starts_with("cluster:") && text.size() > 8) {
    choice.type = glm::RobustType::cluster;
    choice.cluster = text.substr(8);
  } else {
    throw Error(
        Error::Kind::usage,
        fmt::format("--robust: expected hc0, hc1, hc3 or cluster:VARIABLE, got \"{}\"", text));
  }
  choice.label = choice.type == glm::RobustType::cluster
                     ? "cluster(" + choice.cluster + ")"
                     : std::string(1, 'H') + "C" + lower.substr(2);
  return choice;
}

struct FittedModel {
  glm::ModelMatrix matrix;
  glm::GlmOptions options;
  glm::GlmFit fit;
};

FittedModel fit_formula(const glm::DataFrame& frame, const std::string& formula_text,
                        glm::Family family, const std::string& weights_column) {
  FittedModel model;
  const glm::Formula formula = glm::parse_formula(formula_text);
  if (!formula.has_response()) {
    throw Error(Error::Kind::usage,
                fmt::format("--formula \"{}\" has no response: write it as y ~ x", formula_text));
  }
  model.matrix = glm::build_model_matrix(formula, frame);
  model.options.family = family;
  if (model.matrix.has_offset) model.options.offset = model.matrix.offset;
  if (model.matrix.weights.size() > 0) model.options.weights = model.matrix.weights;
  if (!weights_column.empty()) {
    if (frame.column_type(weights_column) != glm::DataFrame::ColumnType::numeric) {
      throw Error(Error::Kind::usage,
                  fmt::format("--weights {}: the column is not numeric", weights_column));
    }
    const auto& column = frame.numeric_column(weights_column);
    Eigen::VectorXd prior(static_cast<Eigen::Index>(model.matrix.rows_used.size()));
    for (std::size_t i = 0; i < model.matrix.rows_used.size(); ++i) {
      const std::size_t row = model.matrix.rows_used[i];
      if (frame.is_missing(weights_column, row)) {
        throw input_error(frame.cell_position(weights_column, row),
                          "a prior weight (a number, 0 or more)", "");
      }
      prior(static_cast<Eigen::Index>(i)) = column[row];
    }
    if (model.options.weights.size() > 0) {
      model.options.weights = model.options.weights.cwiseProduct(prior);
    } else {
      model.options.weights = prior;
    }
  }
  model.fit = glm::fit_glm(model.matrix.x, model.matrix.response, model.options);
  return model;
}

// The store's case records as a data frame: one row per case, one column
// per variable under its store name (year_of_registration, gender,
// citizenship, sexual_exploitation, ...). Years and flags are numbers (flags
// 0/1, by the codebook's rule for groups of flags), the rest text, so a
// model of case characteristics reads as it would on an export of the
// cases table.
glm::DataFrame cases_frame(const std::string& db) {
  if (!std::filesystem::exists(db)) {
    throw Error(Error::Kind::io,
                fmt::format("{}: no such store; import case records first (vigil import "
                            "FILE.csv --db {}), or give a CSV file with --data",
                            db, db));
  }
  const auto store = store::open_sqlite_store(db);
  const auto fields = case_fields();
  std::vector<std::vector<double>> numbers(fields.size());
  std::vector<std::vector<std::string>> texts(fields.size());
  std::vector<std::vector<bool>> missing(fields.size());
  store->for_each_case([&](const CaseRecord& record) {
    for (std::size_t f = 0; f < fields.size(); ++f) {
      const auto code = record.code(fields[f].field);
      const bool numeric = fields[f].kind == FieldKind::year || fields[f].kind == FieldKind::flag;
      if (fields[f].kind == FieldKind::flag && fields[f].group != FlagGroup::none) {
        // CTDC codebook section 6: within a group of flags that the record
        // informs (some flag of it is 1), a flag that is not 1 is 0; when
        // the record informs nothing in the group, the flag is unknown.
        numbers[f].push_back(record.informs(fields[f].group)
                                 ? (record.flag(fields[f].field) ? 1.0 : 0.0)
                                 : std::numeric_limits<double>::quiet_NaN());
      } else if (numeric) {
        numbers[f].push_back(code ? static_cast<double>(*code)
                                  : std::numeric_limits<double>::quiet_NaN());
      } else {
        texts[f].emplace_back(code ? code_label(fields[f].kind, *code) : "");
        missing[f].push_back(!code);
      }
    }
  });
  if (store->case_count() == 0) {
    throw Error(Error::Kind::input, db + ": the store holds no case records to model");
  }
  glm::DataFrame frame(db);
  for (std::size_t f = 0; f < fields.size(); ++f) {
    const bool numeric = fields[f].kind == FieldKind::year || fields[f].kind == FieldKind::flag;
    if (numeric) {
      frame.add_numeric_column(std::string(fields[f].name), std::move(numbers[f]));
    } else {
      frame.add_string_column(std::string(fields[f].name), std::move(texts[f]),
                              std::move(missing[f]));
    }
  }
  return frame;
}

std::string family_title(const glm::GlmFit& fit) {
  if (fit.family == glm::Family::negative_binomial) {
    return fmt::format("Negative Binomial({:.4g})", fit.theta);
  }
  return std::string(glm::family_name(fit.family));
}

}  // namespace

void setup_glm(CLI::App& app, GlmCliOptions& options) {
  app.description(
      "Fit a generalised linear model to a CSV file, with R's formula syntax, and print a\n"
      "summary laid out as R's summary(glm(...)). Families: poisson (counts), quasipoisson\n"
      "(counts with the dispersion estimated), negbin (negative binomial NB2 with theta by\n"
      "maximum likelihood, as MASS::glm.nb) and binomial (logit; a 0/1 or proportion\n"
      "response, or cbind(successes, failures)). String columns are factors with treatment\n"
      "contrasts (first level, in byte order, as reference), as factor(x) is.");
  auto* data = app.add_option("--data", options.data,
                              "CSV file with a header row (empty cells and NA are missing)")
                   ->check(CLI::ExistingFile);
  auto* db = app.add_option("--db", options.db,
                            "Model the case records of this store instead: one row per case,\n"
                            "columns named as the store's (year_of_registration, gender,\n"
                            "age_band, citizenship, sexual_exploitation, ...; flags are 0/1)");
  data->excludes(db);
  db->excludes(data);
  app.add_option("--formula", options.formula,
                 "The model, as in R: \"y ~ log(x) + factor(year) + a:b + offset(log(pop))\"")
      ->required();
  app.add_option("--family", options.family, "poisson, quasipoisson, negbin or binomial")
      ->check(CLI::IsMember({"poisson", "quasipoisson", "negbin", "binomial"}))
      ->capture_default_str();
  app.add_option("--weights", options.weights, "Column of prior weights (R's weights = )");
  app.add_option("--robust", options.robust,
                 "Also compute sandwich standard errors: hc0, hc1, hc3 (sandwich::vcovHC) or\n"
                 "cluster:VARIABLE (sandwich::vcovCL, HC1 adjustment). The statistics, p-values\n"
                 "and intervals then use them (as lmtest::coeftest(fit, vcov = ...))");
  app.add_option("--ci", options.ci,
                 "Confidence intervals: wald (estimate +- z SE) or profile (the exact profile\n"
                 "likelihood, as confint(); model-based only)")
      ->check(CLI::IsMember({"wald", "profile"}))
      ->capture_default_str();
  app.add_option("--level", options.level, "Confidence level of the intervals")
      ->check(CLI::Range(0.5, 0.9999))
      ->capture_default_str();
  app.add_option(
      "--compare", options.compare,
      "A smaller model nested in --formula: print the likelihood-ratio test of the\n"
      "terms it leaves out (R's anova(small, big, test = \"Chisq\"), F for quasipoisson)");
  app.add_flag("--ratios", options.ratios,
               "Also print exp(estimate) with its interval: incidence-rate ratios (log link) or\n"
               "odds ratios (logit)");
  app.add_option("--format", options.format, "table (R-like summary) or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  app.add_option("-o,--output", options.output, "Write to this file instead of standard output");
  app.footer(
      "Examples:\n"
      "  vigil glm --data corridors.csv --formula \"victims ~ log(migrants) + factor(year)\"\n"
      "  vigil glm --data quine.csv --formula \"Days ~ Eth + Sex + Age + Lrn\" --family negbin\n"
      "  vigil glm --db vigil.db --family binomial \\\n"
      "      --formula \"sexual_exploitation ~ gender + factor(year_of_registration)\"\n"
      "  vigil glm --data regions.csv --family poisson --robust cluster:region \\\n"
      "      --formula \"cases ~ unemployment + offset(log(population))\" --ratios\n"
      "\n"
      "JSON output: coefficients (term, estimate, std_error, statistic, p_value, ci_lower,\n"
      "ci_upper; robust_std_error with --robust), deviance, null_deviance, df_residual, aic, bic,\n"
      "loglik, converged, iterations, theta (negbin), warnings. Aliased terms have null numbers.");
}

int run_glm(const GlmCliOptions& options) {
  const glm::Family family = glm::parse_family(options.family);
  const std::optional<RobustChoice> robust = parse_robust(options.robust);
  if (robust && options.ci == "profile") {
    throw Error(Error::Kind::usage,
                "--ci profile is the likelihood's own interval and cannot use robust standard "
                "errors; use --ci wald with --robust");
  }
  if (options.data.empty() && options.db.empty()) {
    throw Error(Error::Kind::usage,
                "give the data: --data FILE.csv, or --db vigil.db to model the stored cases");
  }
  const glm::DataFrame frame =
      options.data.empty() ? cases_frame(options.db) : glm::read_data_frame(options.data);
  const std::string data_name = options.data.empty() ? options.db : options.data;
  const FittedModel model = fit_formula(frame, options.formula, family, options.weights);
  const glm::GlmFit& fit = model.fit;
  const glm::GlmInput input{model.matrix.x, model.matrix.response, model.options};

  Eigen::MatrixXd robust_covariance;
  if (robust) {
    std::vector<int> cluster;
    if (robust->type == glm::RobustType::cluster) {
      if (!frame.has_column(robust->cluster)) {
        throw Error(Error::Kind::usage,
                    "--robust " + options.robust + ": " +
                        glm::detail::unknown_column_message(frame, robust->cluster));
      }
      cluster = glm::factor_codes(frame, robust->cluster, model.matrix.rows_used, nullptr);
    }
    robust_covariance = glm::robust_covariance(model.matrix.x, fit, robust->type, cluster);
  }
  const glm::IntervalMethod method =
      options.ci == "profile" ? glm::IntervalMethod::profile : glm::IntervalMethod::wald;
  const auto table =
      glm::coefficient_table(input, fit, model.matrix.column_names,
                             robust ? robust_covariance : fit.covariance, options.level, method);
  std::optional<glm::LikelihoodRatioTest> comparison;
  std::string compare_family;
  if (!options.compare.empty()) {
    const FittedModel small = fit_formula(frame, options.compare, family, options.weights);
    if (small.matrix.rows_used != model.matrix.rows_used) {
      throw Error(Error::Kind::usage,
                  "--compare: the two models use different rows (their variables have missing "
                  "values in different rows); the test needs the same data");
    }
    comparison = glm::likelihood_ratio_test(small.fit, fit);
  }

  const double lower_pct = 50.0 * (1.0 - options.level);
  const std::string lower_label = fmt::format("{:g} %", lower_pct);
  const std::string upper_label = fmt::format("{:g} %", 100.0 - lower_pct);
  const bool t_statistic = fit.dispersion_estimated;

  // The engine numbers aliased columns; a user knows them by their terms.
  std::vector<std::string> warnings = fit.warnings;
  std::string aliased_terms;
  for (std::size_t j = 0; j < fit.aliased.size(); ++j) {
    if (fit.aliased[j]) {
      aliased_terms += (aliased_terms.empty() ? "" : ", ") + model.matrix.column_names[j];
    }
  }
  if (!aliased_terms.empty()) {
    for (auto& warning : warnings) {
      if (warning.find("linearly dependent") != std::string::npos) {
        warning =
            "terms linearly dependent on earlier ones were dropped (aliased; R reports NA "
            "for them): " +
            aliased_terms;
      }
    }
  }
  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["formula"] = options.formula;
    out["family"] = glm::family_name(family);
    out["link"] = family == glm::Family::binomial ? "logit" : "log";
    out["data"] = data_name;
    out["rows_used"] = model.matrix.rows_used.size();
    out["rows_dropped"] = model.matrix.rows_dropped;
    out["interval"] = options.ci;
    out["level"] = options.level;
    if (robust) out["robust"] = robust->label;
    nlohmann::ordered_json rows = nlohmann::ordered_json::array();
    for (std::size_t j = 0; j < table.size(); ++j) {
      const auto& row = table[j];
      nlohmann::ordered_json r;
      r["term"] = row.term;
      r["estimate"] = json_number(row.estimate);
      r["std_error"] = json_number(fit.std_errors(static_cast<Eigen::Index>(j)));
      if (robust) r["robust_std_error"] = json_number(row.std_error);
      r["statistic"] = json_number(row.statistic);
      r["p_value"] = json_number(row.p_value);
      r["ci_lower"] = json_number(row.ci_lower);
      r["ci_upper"] = json_number(row.ci_upper);
      if (options.ratios) {
        r["ratio"] = json_number(std::exp(row.estimate));
        r["ratio_ci_lower"] = json_number(std::exp(row.ci_lower));
        r["ratio_ci_upper"] = json_number(std::exp(row.ci_upper));
      }
      rows.push_back(r);
    }
    out["coefficients"] = rows;
    out["statistic"] = t_statistic ? "t" : "z";
    out["dispersion"] = json_number(fit.dispersion);
    out["deviance"] = json_number(fit.deviance);
    out["null_deviance"] = json_number(fit.null_deviance);
    out["df_residual"] = fit.df_residual;
    out["df_null"] = fit.df_null;
    out["pearson_chi2"] = json_number(fit.pearson_chi2);
    out["aic"] = json_number(fit.aic);
    out["bic"] = json_number(fit.bic);
    out["loglik"] = json_number(fit.log_likelihood);
    out["converged"] = fit.converged;
    out["iterations"] = fit.iterations;
    if (family == glm::Family::negative_binomial) {
      out["theta"] = json_number(fit.theta);
      out["theta_std_error"] = json_number(fit.theta_std_error);
    }
    if (comparison) {
      out["comparison"] = {{"formula", options.compare},
                           {"method", comparison->method},
                           {"statistic", json_number(comparison->statistic)},
                           {"df", json_number(comparison->df)},
                           {"df_denominator", json_number(comparison->df_denominator)},
                           {"p_value", json_number(comparison->p_value)}};
    }
    out["warnings"] = warnings;
    emit(out.dump(2), options.output, "model");
    return 0;
  }

  std::ostringstream text;
  text << fmt::format("Call:  glm(formula = {}, family = {}, data = {})\n", options.formula,
                      glm::family_name(family), data_name);
  text << fmt::format("Rows used: {}   dropped (missing values): {}\n\n",
                      model.matrix.rows_used.size(), model.matrix.rows_dropped);
  const std::string se_label = robust ? "Robust SE" : "Std. Error";
  const std::string stat_label = t_statistic ? "t value" : "z value";
  const std::string p_label = t_statistic ? "Pr(>|t|)" : "Pr(>|z|)";
  std::size_t width = 11;
  for (const auto& row : table) width = std::max(width, row.term.size());
  text << "Coefficients:\n";
  text << fmt::format("{:<{}} {:>12} {:>12} {:>9} {:>10}     {:>11} {:>11}\n", "", width,
                      "Estimate", se_label, stat_label, p_label, lower_label, upper_label);
  for (const auto& row : table) {
    text << fmt::format("{:<{}} {:>12} {:>12} {:>9} {:>10} {:<3} {:>11} {:>11}\n", row.term, width,
                        number(row.estimate), number(row.std_error),
                        std::isnan(row.statistic) ? "NA" : fmt::format("{:.3f}", row.statistic),
                        format_p(row.p_value), stars(row.p_value), number(row.ci_lower),
                        number(row.ci_upper));
  }
  text << "---\nSignif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1\n";
  text << fmt::format("Intervals: {} at {:g}%{}\n",
                      options.ci == "profile" ? "profile likelihood" : "Wald", 100 * options.level,
                      robust ? fmt::format("; standard errors {} (sandwich)", robust->label) : "");
  if (options.ratios) {
    text << fmt::format("\n{}:\n", family == glm::Family::binomial ? "Odds ratios" : "Rate ratios");
    for (const auto& row : table) {
      text << fmt::format("{:<{}} {:>12} {:>11} {:>11}\n", row.term, width,
                          number(std::exp(row.estimate)), number(std::exp(row.ci_lower)),
                          number(std::exp(row.ci_upper)));
    }
  }
  text << "\n";
  if (fit.dispersion_estimated) {
    text << fmt::format("(Dispersion parameter for {} family taken to be {:.6g})\n\n",
                        family_title(fit), fit.dispersion);
  } else {
    text << fmt::format("(Dispersion parameter for {} family taken to be 1)\n\n",
                        family_title(fit));
  }
  text << fmt::format("    Null deviance: {:.6g}  on {}  degrees of freedom\n", fit.null_deviance,
                      fit.df_null);
  text << fmt::format("Residual deviance: {:.6g}  on {}  degrees of freedom\n", fit.deviance,
                      fit.df_residual);
  text << fmt::format("AIC: {}   BIC: {}   log-likelihood: {}\n", number(fit.aic), number(fit.bic),
                      number(fit.log_likelihood));
  if (family == glm::Family::negative_binomial) {
    text << fmt::format("\n              Theta:  {:.6g}\n          Std. Err.:  {:.6g}\n", fit.theta,
                        fit.theta_std_error);
  }
  text << fmt::format("\nNumber of Fisher Scoring iterations: {}{}\n", fit.iterations,
                      fit.converged ? "" : " (NOT CONVERGED)");
  if (comparison) {
    text << fmt::format(
        "\nLikelihood-ratio test against: {}\n  {}: statistic {:.6g} on {:g} df{}, p = {}\n",
        options.compare, comparison->method, comparison->statistic, comparison->df,
        std::isnan(comparison->df_denominator)
            ? ""
            : fmt::format(" and {:g}", comparison->df_denominator),
        format_p(comparison->p_value));
  }
  for (const auto& warning : warnings) text << "\nWarning: " << warning << "\n";
  emit(text.str(), options.output, "model");
  return 0;
}

}  // namespace vigil::cli
