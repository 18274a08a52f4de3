// R model formulas over a table of data: `y ~ log(x) + factor(year) + a:b`.
//
// Analysts state regressions the way R does, and vigil's results are checked
// against R's, so a formula here means what it means in R (Chambers & Hastie,
// "Statistical Models in S", 1992, chapter 2; R's ?formula) and the design
// matrix built from it has the columns, column names and column order of R's
// model.matrix(). Three steps, each usable on its own:
//
//   DataFrame frame = read_data_frame("flows.csv");
//   Formula formula = parse_formula("victims ~ log(migrants) + factor(year)");
//   ModelMatrix mm = build_model_matrix(formula, frame);
//   GlmFit fit = fit_glm(mm.x, mm.response, {.offset = mm.offset});
//
// What is understood, on the right of `~`:
//   a + b        both terms
//   a:b          the interaction of a and b
//   a * b        a + b + a:b
//   (a + b + c)^2  all terms of up to two of a, b, c
//   a / b        a + a:b (b nested in a)
//   a - b        every term but b
//   0, -1        no intercept; 1 keeps it (the last of these wins)
//   (...)        grouping: (a + b):c is a:c + b:c
//   log(x), log1p(x), sqrt(x), exp(x)   transformed numeric variables
//   factor(x)    x as a factor, whatever its type
//   I(expr)      arithmetic: + - * / ^ and numbers, e.g. I(x^2), I(pop / 1000)
//   offset(expr) a known term of the linear predictor; several are summed
//   `odd name`   a column whose name is not an R name
// Function arguments are arithmetic too: log(pop / 1000). On the left, an
// arithmetic expression, or cbind(successes, failures) for a binomial
// response. The left side may be absent (`~ region`).
//
// Factors: a string column used as a variable, and any factor(x), is a factor.
// Its levels are the distinct values in the rows used (so, unlike R, a level
// seen only on a row dropped for a missing value gives no empty column),
// strings sorted by byte value (R's order in the C locale; R in another locale may
// sort "a" before "B"), numbers in numeric order. Factors are coded by
// treatment contrasts against their first level, and within interactions by
// R's marginality rule, so that `y ~ a:b` and `y ~ x + x:g` give R's columns.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::glm {

// A table of named columns, each numeric or string, with missing values.
//
// Read from a CSV file, or built in code (the nexus join, tests). Every cell
// remembers where it came from, so that a bad value found while building a
// model is reported by file, line and column.
class DataFrame {
 public:
  enum class ColumnType { numeric, string };

  // `source_name` names the frame in error messages: the file name for a
  // frame read from CSV, a description ("nexus join") for one built in code.
  explicit DataFrame(std::string source_name = "data");

  const std::string& source_name() const noexcept { return source_name_; }
  std::size_t row_count() const noexcept { return row_lines_.size(); }
  std::size_t column_count() const noexcept { return columns_.size(); }
  std::vector<std::string> column_names() const;
  bool has_column(std::string_view name) const noexcept;

  // The accessors below throw vigil::Error (kind input) for a name that is
  // not a column, listing the columns there are; and for the wrong type.
  ColumnType column_type(std::string_view name) const;
  // Missing cells are NaN.
  const std::vector<double>& numeric_column(std::string_view name) const;
  // Missing cells are empty strings; tell them apart with is_missing().
  const std::vector<std::string>& string_column(std::string_view name) const;
  bool is_missing(std::string_view name, std::size_t row) const;
  // Which cells of the column are missing.
  std::vector<bool> missing_cells(std::string_view name) const;

  // Where a cell came from: for a frame read from CSV, its file, line and
  // field number; for a column added in code, the source name, the row
  // number counting from 1 and the column's position counting from 1.
  SourcePosition cell_position(std::string_view name, std::size_t row) const;

  // The first column added fixes the number of rows; later ones must match
  // it, and names must be new (vigil::Error, kind usage, otherwise).
  // A numeric cell is missing when NaN; a string cell when `missing` says so
  // (empty `missing`: none is).
  void add_numeric_column(std::string name, std::vector<double> values);
  void add_string_column(std::string name, std::vector<std::string> values,
                         std::vector<bool> missing = {});

 private:
  struct Column {
    std::string name;
    ColumnType type = ColumnType::numeric;
    std::vector<double> numbers;       // numeric: NaN where missing
    std::vector<std::string> strings;  // string
    std::vector<bool> missing;         // string: empty when nothing is missing
    std::size_t field = 0;             // 1-based position in the source
  };
  const Column& column(std::string_view name) const;
  void add_column(Column column);
  friend DataFrame read_data_frame(std::istream& in, const std::string& source_name);

  std::string source_name_;
  std::vector<Column> columns_;
  // The source line of each row; for a frame built in code, row + 1.
  std::vector<std::size_t> row_lines_;
};

// Reads a CSV file with a header row (separator, quoting and encoding as
// io::CsvReader accepts). A cell is missing when empty, blank or `NA`; a
// column is numeric when every other cell in it reads completely as a number
// (`Inf`, `NaN` and exponents included), string otherwise. Throws vigil::Error:
// kind io when the file cannot be read; kind input for a malformed record, a
// record with more or fewer fields than the header, or a header with an
// empty or repeated name.
DataFrame read_data_frame(const std::string& path);
DataFrame read_data_frame(std::istream& in, const std::string& source_name);

struct ModelMatrix;

// A parsed formula. Cheap to copy; independent of any data.
class Formula {
 public:
  // The text as given.
  const std::string& text() const noexcept;
  bool has_response() const noexcept;
  // The left side as R deparses it ("y", "log(y)", "cbind(s, n - s)"); empty
  // when there is none.
  const std::string& response_label() const noexcept;
  // The terms as R's attr(terms(f), "term.labels"): main effects first, then
  // two-way interactions and so on, in formula order within each order; the
  // variables of an interaction in order of first appearance in the formula.
  const std::vector<std::string>& term_labels() const noexcept;
  bool has_intercept() const noexcept;
  // The offsets as R deparses them ("offset(log(pop))").
  const std::vector<std::string>& offset_labels() const noexcept;

  struct Parts;  // the syntax tree and the expanded terms (formula.cpp)

 private:
  explicit Formula(std::shared_ptr<const Parts> parts);
  friend Formula parse_formula(std::string_view text);
  friend ModelMatrix build_model_matrix(const Formula& formula, const DataFrame& frame);

  std::shared_ptr<const Parts> parts_;
};

// Parses `text`. Throws vigil::Error (kind input) on a syntax error, with the
// position in the formula (source "formula", line 1, column counting
// characters from 1) and what was expected there:
//   formula:1:12: expected a term after "+", got ")"
Formula parse_formula(std::string_view text);

struct ModelMatrix {
  // One row per row used, one column per coefficient, named as R's
  // model.matrix names them: "(Intercept)", "log(migrants)",
  // "factor(year)2011", "sprayB", "lbase:trtprogabide", "I(x^2)".
  Eigen::MatrixXd x;
  std::vector<std::string> column_names;
  // For each column, the term it belongs to: 0 the intercept, k the k-th
  // entry of term_labels (R's attr(x, "assign")).
  std::vector<int> assign;
  std::vector<std::string> term_labels;
  bool has_intercept = true;

  std::string response_name;  // empty when the formula has no left side
  // Empty when the formula has no left side. For cbind(s, f): the proportion
  // s / (s + f) (0 where s + f = 0), and `weights` the trials s + f.
  Eigen::VectorXd response;
  Eigen::VectorXd weights;  // empty unless the response is cbind(s, f)
  Eigen::VectorXd offset;   // the sum of the offsets; zeros when there is none
  bool has_offset = false;

  // The levels of each factor variable, as R's fit$xlevels:
  // {"factor(year)", {"2010", "2011"}}.
  std::vector<std::pair<std::string, std::vector<std::string>>> factor_levels;

  // Rows of the frame the matrix holds, in frame order, and how many were
  // left out because a variable of the model is missing there (R's
  // na.omit).
  std::vector<std::size_t> rows_used;
  std::size_t rows_dropped = 0;
};

// Evaluates `formula` over `frame`. Throws vigil::Error (kind input) when the
// formula names a column the frame lacks (at the name's position in the
// formula, listing the frame's columns), uses a string column in arithmetic
// or as the response, when no row is complete, when a factor coded by
// contrasts has a single level, or when a value is outside a function's
// domain or not finite (log or sqrt of a negative number, log of 0, a
// division by 0, an Inf in the data); the last at the source position of the
// cell behind it:
//   flows.csv:14:3: log(migrants) needs a positive argument, but migrants is 0 here
ModelMatrix build_model_matrix(const Formula& formula, const DataFrame& frame);

// 0-based codes of `column` over `rows`, with its levels (ordered as factor
// levels above, over those rows only) stored in `*levels` when not null. For
// cluster variables and fixed effects. Throws vigil::Error (kind input) for
// an unknown column or a missing cell among `rows`.
std::vector<int> factor_codes(const DataFrame& frame, std::string_view column,
                              const std::vector<std::size_t>& rows,
                              std::vector<std::string>* levels);

namespace detail {
// The message for a column name the frame lacks, naming the frame, the
// nearest name and the columns there are; shared by the frame's accessors and
// the formula's errors.
std::string unknown_column_message(const DataFrame& frame, std::string_view name);
}  // namespace detail

}  // namespace vigil::glm
