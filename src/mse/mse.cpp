#include "mse/mse.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>

#include "core/error.hpp"
#include "core/numeric.hpp"
#include "glm/glm.hpp"
#include "io/csv.hpp"
#include "mse/existence.hpp"

namespace vigil::mse {
namespace {

constexpr std::size_t kMaxLists = 16;

// The most people a table may count: far above any real population, low
// enough that sums of counts cannot overflow and that the counts are exact in
// the doubles the models are fitted in.
constexpr std::int64_t kMaxPeople = std::int64_t{1} << 53;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_count_column(std::string_view name) {
  return iequals(name, "count") || iequals(name, "n") || iequals(name, "freq");
}

bool has_both(std::uint32_t pattern, const Interaction& interaction) {
  return (pattern >> interaction.first & 1U) != 0 && (pattern >> interaction.second & 1U) != 0;
}

}  // namespace

CaptureHistories::CaptureHistories(std::vector<std::string> list_names,
                                   std::vector<std::int64_t> counts)
    : names_(std::move(list_names)), counts_(std::move(counts)) {
  if (names_.size() < 2 || names_.size() > kMaxLists) {
    throw Error(Error::Kind::usage,
                fmt::format("a capture-history table needs 2 to {} lists, got {}", kMaxLists,
                            names_.size()));
  }
  if (counts_.size() != (std::size_t{1} << names_.size())) {
    throw Error(Error::Kind::internal, "capture-history counts of the wrong size");
  }
  if (counts_[0] != 0) {
    throw Error(Error::Kind::usage, "the all-zero capture history cannot be observed");
  }
  for (const auto count : counts_) {
    if (count < 0) throw Error(Error::Kind::usage, "capture-history counts must be >= 0");
    if (count > kMaxPeople - observed_) {
      throw Error(Error::Kind::usage,
                  fmt::format("capture-history counts must add up to at most {}", kMaxPeople));
    }
    observed_ += count;
  }
}

std::int64_t CaptureHistories::list_total(std::size_t list) const {
  std::int64_t total = 0;
  for (std::uint32_t pattern = 1; pattern < cell_count(); ++pattern) {
    if ((pattern >> list & 1U) != 0) total += counts_[pattern];
  }
  return total;
}

std::int64_t CaptureHistories::overlap(std::size_t first, std::size_t second) const {
  std::int64_t total = 0;
  for (std::uint32_t pattern = 1; pattern < cell_count(); ++pattern) {
    if (has_both(pattern, {first, second})) total += counts_[pattern];
  }
  return total;
}

namespace {

// Reads a capture-history file; with `stratum_column` set, one table per
// value of that column.
std::vector<Stratum> read_tables(std::istream& in, const std::string& source_name,
                                 const std::string* stratum_column) {
  io::CsvReader reader(in, source_name);
  std::vector<std::string> header;
  if (!reader.next(header)) {
    throw input_error({source_name, 1, 0},
                      "the file is empty; expected a header naming the lists and a count column");
  }
  std::optional<std::size_t> stratum_index;
  if (stratum_column != nullptr) {
    const auto found = std::find(header.begin(), header.end(), *stratum_column);
    if (found == header.end()) {
      throw input_error({source_name, 1, 0},
                        fmt::format("no column named \"{}\" for --strata; the columns are {}",
                                    *stratum_column, fmt::join(header, ", ")));
    }
    stratum_index = static_cast<std::size_t>(found - header.begin());
  }
  const bool has_count =
      !header.empty() && is_count_column(header.back()) && stratum_index != header.size() - 1;
  std::vector<std::size_t> list_columns;
  for (std::size_t column = 0; column < header.size() - (has_count ? 1 : 0); ++column) {
    if (column != stratum_index) list_columns.push_back(column);
  }
  const std::size_t lists = list_columns.size();
  if (lists < 2 || lists > kMaxLists) {
    throw input_error({source_name, 1, 0},
                      fmt::format("expected 2 to {} list columns (then an optional count column "
                                  "named count or n), got {}",
                                  kMaxLists, lists));
  }
  std::vector<std::string> names;
  for (const std::size_t column : list_columns) {
    const std::string& name = header[column];
    if (name.empty() || name.find_first_of(":, ") != std::string::npos) {
      throw input_error({source_name, 1, column + 1}, "a list name without ':', ',' or spaces",
                        name);
    }
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw input_error({source_name, 1, column + 1}, "list names that are all different", name);
    }
    names.push_back(name);
  }
  std::vector<std::string> stratum_names;
  std::vector<std::vector<std::int64_t>> counts;
  std::vector<std::int64_t> totals;  // people per stratum so far
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    const std::size_t line = reader.record_line();
    if (fields.size() != header.size()) {
      throw input_error(
          {source_name, line, 0},
          fmt::format("expected {} fields as in the header, got {}", header.size(), fields.size()));
    }
    std::uint32_t pattern = 0;
    for (std::size_t list = 0; list < lists; ++list) {
      const std::string& cell = fields[list_columns[list]];
      if (cell == "1") {
        pattern |= 1U << list;
      } else if (cell != "0") {
        throw input_error({source_name, line, list_columns[list] + 1}, "0 or 1", cell);
      }
    }
    std::int64_t count = 1;
    if (has_count) {
      const std::string& cell = fields.back();
      const auto [ptr, ec] = std::from_chars(cell.data(), cell.data() + cell.size(), count);
      if (ec != std::errc{} || ptr != cell.data() + cell.size() || count < 0) {
        throw input_error({source_name, line, header.size()}, "a count (a whole number >= 0)",
                          cell);
      }
    }
    if (pattern == 0) {
      if (count == 0) continue;  // an explicit zero for the unobservable cell says nothing
      throw input_error({source_name, line, 0},
                        "a history with no list marked 1 cannot be observed; expected at least "
                        "one 1 in the list columns");
    }
    const std::string stratum = stratum_index ? fields[*stratum_index] : std::string();
    auto found = std::find(stratum_names.begin(), stratum_names.end(), stratum);
    if (found == stratum_names.end()) {
      stratum_names.push_back(stratum);
      counts.emplace_back(std::size_t{1} << lists, 0);
      totals.push_back(0);
      found = stratum_names.end() - 1;
    }
    const auto index = static_cast<std::size_t>(found - stratum_names.begin());
    if (count > kMaxPeople - totals[index]) {
      throw input_error({source_name, line, header.size()},
                        fmt::format("counts that add up to at most {} people (2^53) in a table",
                                    kMaxPeople),
                        fields.back());
    }
    totals[index] += count;
    counts[index][pattern] += count;
  }
  if (stratum_names.empty()) {  // no rows: one empty table
    stratum_names.emplace_back();
    counts.emplace_back(std::size_t{1} << lists, 0);
  }
  std::vector<Stratum> out;
  for (std::size_t index = 0; index < stratum_names.size(); ++index) {
    out.push_back({stratum_names[index], CaptureHistories(names, std::move(counts[index]))});
  }
  return out;
}

}  // namespace

CaptureHistories read_capture_histories(std::istream& in, const std::string& source_name) {
  return std::move(read_tables(in, source_name, nullptr).front().table);
}

std::vector<Stratum> read_stratified_capture_histories(std::istream& in,
                                                       const std::string& source_name,
                                                       const std::string& stratum_column) {
  return read_tables(in, source_name, &stratum_column);
}

std::string term_name(const CaptureHistories& table, const Interaction& interaction) {
  return table.list_names().at(interaction.first) + ":" + table.list_names().at(interaction.second);
}

LogLinearModel parse_terms(const CaptureHistories& table, const std::string& terms) {
  LogLinearModel model;
  const auto& names = table.list_names();
  const auto index_of = [&](std::string_view name, std::string_view term) {
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end()) {
      throw Error(Error::Kind::usage, fmt::format("--terms: \"{}\" names no list; the lists are {}",
                                                  term, fmt::join(names, ", ")));
    }
    return static_cast<std::size_t>(found - names.begin());
  };
  std::string_view rest = terms;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view term = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!term.empty() && term.front() == ' ') term.remove_prefix(1);
    while (!term.empty() && term.back() == ' ') term.remove_suffix(1);
    if (term.empty()) continue;
    const auto colon = term.find(':');
    if (colon == std::string_view::npos || term.find(':', colon + 1) != std::string_view::npos) {
      throw Error(
          Error::Kind::usage,
          fmt::format("--terms: expected two-list interactions such as A:B, got \"{}\"", term));
    }
    Interaction interaction{index_of(term.substr(0, colon), term),
                            index_of(term.substr(colon + 1), term)};
    if (interaction.first == interaction.second) {
      throw Error(Error::Kind::usage,
                  fmt::format("--terms: \"{}\" pairs a list with itself", term));
    }
    if (interaction.first > interaction.second) std::swap(interaction.first, interaction.second);
    if (std::find(model.interactions.begin(), model.interactions.end(), interaction) ==
        model.interactions.end()) {
      model.interactions.push_back(interaction);
    }
  }
  return model;
}

namespace {

// The cells, design and fit of a model (SparseMSE's buildmodel): cells of
// interactions between lists with no case in common are left out, and those
// interactions dropped from the design.
struct CellModel {
  std::vector<std::uint32_t> cells;
  std::vector<Interaction> finite;
  std::vector<Interaction> infinite;
  Eigen::MatrixXd design;
  Eigen::VectorXd response;
};

CellModel build_cells(const CaptureHistories& table, const LogLinearModel& model) {
  CellModel out;
  for (const auto& interaction : model.interactions) {
    if (table.overlap(interaction.first, interaction.second) == 0) {
      out.infinite.push_back(interaction);
    } else {
      out.finite.push_back(interaction);
    }
  }
  for (std::uint32_t pattern = 1; pattern < table.cell_count(); ++pattern) {
    const bool excluded = std::any_of(
        out.infinite.begin(), out.infinite.end(),
        [pattern](const Interaction& interaction) { return has_both(pattern, interaction); });
    if (!excluded) out.cells.push_back(pattern);
  }
  const std::size_t lists = table.list_count();
  const auto rows = static_cast<Eigen::Index>(out.cells.size());
  const auto columns = static_cast<Eigen::Index>(1 + lists + out.finite.size());
  out.design = Eigen::MatrixXd::Zero(rows, columns);
  out.response.resize(rows);
  for (Eigen::Index row = 0; row < rows; ++row) {
    const std::uint32_t pattern = out.cells[static_cast<std::size_t>(row)];
    out.design(row, 0) = 1.0;
    for (std::size_t list = 0; list < lists; ++list) {
      out.design(row, static_cast<Eigen::Index>(1 + list)) = (pattern >> list & 1U) != 0 ? 1 : 0;
    }
    for (std::size_t term = 0; term < out.finite.size(); ++term) {
      out.design(row, static_cast<Eigen::Index>(1 + lists + term)) =
          has_both(pattern, out.finite[term]) ? 1.0 : 0.0;
    }
    out.response(row) = static_cast<double>(table.count(pattern));
  }
  return out;
}

int matrix_rank(const Eigen::MatrixXd& design) {
  Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(design);
  qr.setThreshold(1e-7);
  return static_cast<int>(qr.rank());
}

Estimability estimability_of(const CellModel& cells) {
  Estimability out;
  out.finite = detail::has_positive_table(cells.design, cells.response);
  out.identifiable = matrix_rank(cells.design) == cells.design.cols();
  return out;
}

MseResult result_from_fit(const CaptureHistories& table, const LogLinearModel& model,
                          const CellModel& cells, const glm::GlmFit& fit) {
  MseResult result;
  result.model = model;
  result.infinite_interactions = cells.infinite;
  result.observed = table.observed();
  for (std::size_t list = 0; list < table.list_count(); ++list) {
    if (table.list_total(list) == 0) {
      result.warnings.push_back(fmt::format("list {} observes nobody", table.list_names()[list]));
    }
  }
  // The existence check has found the estimate finite before this fit, so
  // the GLM's note that tiny fitted values suggest it is not would only
  // contradict the result: with many lists, a valid fit has cells of 1e-12
  // of the largest (New Orleans, 8 lists).
  for (const auto& warning : fit.warnings) {
    if (!warning.starts_with(glm::kZeroFitWarning)) result.warnings.push_back(warning);
  }
  const double intercept = fit.coefficients(0);
  const double intercept_variance = fit.covariance(0, 0);
  result.unobserved = std::exp(intercept);
  result.total = static_cast<double>(result.observed) + result.unobserved;
  // Var(N) = n0^2 Var(beta0) + n0: the delta method for exp(beta0) plus the
  // Poisson variation of the unobserved count itself.
  result.std_error =
      std::sqrt(result.unobserved * result.unobserved * intercept_variance + result.unobserved);
  // SparseMSE's interval conditional on the model: normal on the log scale of
  // the unobserved count, shifted by the observed (estimatepopulation.0).
  const double se_log = std::sqrt(intercept_variance);
  result.ci_lower =
      static_cast<double>(result.observed) + std::exp(intercept - kNormalQuantile975 * se_log);
  result.ci_upper =
      static_cast<double>(result.observed) + std::exp(intercept + kNormalQuantile975 * se_log);
  result.ci_method = "normal on the log scale, conditional on the model";
  result.deviance = fit.deviance;
  result.df = fit.df_residual;
  // An interaction at minus infinity is a parameter too: it counts in AIC
  // and BIC (SparseMSE adds 2 to the AIC per empty pair). BIC uses the
  // number of people observed, as Rcapture: AIC + (log n - 2) x parameters.
  const auto parameters = static_cast<double>(fit.rank + static_cast<int>(cells.infinite.size()));
  result.aic = -2.0 * fit.log_likelihood + 2.0 * parameters;
  result.bic =
      -2.0 * fit.log_likelihood +
      std::log(static_cast<double>(std::max<std::int64_t>(result.observed, 1))) * parameters;
  if (!fit.converged) {
    result.exists = false;
    result.reason = "the model's fit did not converge";
  }
  return result;
}

double poisson_log_pmf(double count, double mean) {
  return count * std::log(mean) - mean - log_gamma(count + 1.0);
}

// min(P(X <= observed), P(X >= observed)) for X ~ Poisson(mean): each tail
// summed directly, never as 1 - the other, so small p-values keep their
// precision. As SparseMSE's min(ppois(n, m), ppois(n - 1, m, FALSE)).
double poisson_two_sided_p(double observed, double mean) {
  if (mean <= 0) return 1.0;  // P(X >= 0) = 1
  double lower = 0;
  for (double count = 0; count <= observed; ++count)
    lower += std::exp(poisson_log_pmf(count, mean));
  double upper = 0;
  for (double count = observed;; ++count) {
    const double term = std::exp(poisson_log_pmf(count, mean));
    upper += term;
    if (count > mean && term < 1e-17 * upper) break;
  }
  return std::min({lower, upper, 1.0});
}

MseResult not_estimable(const CaptureHistories& table, const LogLinearModel& model,
                        const CellModel& cells, const Estimability& estimability) {
  MseResult result;
  result.model = model;
  result.infinite_interactions = cells.infinite;
  result.observed = table.observed();
  result.exists = false;
  constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
  result.unobserved = result.total = result.std_error = kNan;
  result.ci_lower = result.ci_upper = kNan;
  result.deviance = result.aic = result.bic = kNan;
  std::vector<std::string> empty_lists;
  for (std::size_t list = 0; list < table.list_count(); ++list) {
    if (table.list_total(list) == 0) {
      empty_lists.push_back("list " + table.list_names()[list] + " observes nobody");
    }
  }
  if (!estimability.finite && !empty_lists.empty()) {
    result.reason = fmt::format(
        "the maximum-likelihood estimate is not finite: {} (its main effect is at minus "
        "infinity). Leave the list out of the table.",
        fmt::join(empty_lists, "; "));
  } else if (!estimability.finite) {
    result.reason =
        "the maximum-likelihood estimate is not finite: no table with every cell positive has "
        "the margins of these data (zero counts force some parameter to infinity; Fienberg & "
        "Rinaldo 2012). Use fewer interactions or merge lists.";
  } else {
    result.reason =
        "the model is not identifiable: its parameters cannot all be told apart with these lists "
        "(the design is rank deficient). Use fewer interactions.";
  }
  return result;
}

}  // namespace

Estimability check_estimability(const CaptureHistories& table, const LogLinearModel& model) {
  return estimability_of(build_cells(table, model));
}

MseResult fit_log_linear(const CaptureHistories& table, const LogLinearModel& model) {
  const CellModel cells = build_cells(table, model);
  const Estimability estimability = estimability_of(cells);
  if (!estimability.finite || !estimability.identifiable) {
    return not_estimable(table, model, cells, estimability);
  }
  return result_from_fit(table, model, cells, glm::fit_glm(cells.design, cells.response));
}

MseResult select_stepwise(const CaptureHistories& table, double p_threshold) {
  const std::size_t lists = table.list_count();
  std::vector<Interaction> candidates;
  for (std::size_t first = 0; first + 1 < lists; ++first) {
    for (std::size_t second = first + 1; second < lists; ++second) {
      candidates.push_back({first, second});
    }
  }
  LogLinearModel model;
  CellModel cells = build_cells(table, model);
  // Unlike SparseMSE, the starting model is checked too: a list that
  // observes nobody makes every model's estimate infinite.
  const Estimability start = estimability_of(cells);
  if (!start.finite || !start.identifiable) return not_estimable(table, model, cells, start);
  glm::GlmFit fit = glm::fit_glm(cells.design, cells.response);
  std::vector<bool> included(candidates.size(), false);
  for (std::size_t step = 0; step < candidates.size(); ++step) {
    std::vector<double> p_values(candidates.size(), 1.0);
    for (std::size_t index = 0; index < candidates.size(); ++index) {
      if (included[index]) continue;
      const Interaction& candidate = candidates[index];
      // The fitted Poisson mean of the people on both lists, over the cells
      // of the current fit.
      double expected = 0;
      for (std::size_t row = 0; row < cells.cells.size(); ++row) {
        if (has_both(cells.cells[row], candidate)) {
          expected += fit.fitted(static_cast<Eigen::Index>(row));
        }
      }
      const auto observed = static_cast<double>(table.overlap(candidate.first, candidate.second));
      p_values[index] = poisson_two_sided_p(observed, expected);
      LogLinearModel trial = model;
      trial.interactions.push_back(candidate);
      const Estimability estimability = check_estimability(table, trial);
      if (!estimability.finite || !estimability.identifiable) p_values[index] = 1.0;
    }
    const auto best = std::min_element(p_values.begin(), p_values.end());
    if (*best >= p_threshold) break;
    const auto chosen = static_cast<std::size_t>(best - p_values.begin());
    included[chosen] = true;
    model.interactions.push_back(candidates[chosen]);
    cells = build_cells(table, model);
    fit = glm::fit_glm(cells.design, cells.response);
  }
  return result_from_fit(table, model, cells, fit);
}

}  // namespace vigil::mse
