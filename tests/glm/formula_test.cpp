// Formulas, data frames and design matrices against R's terms() and
// model.matrix().
//
// Every expected name, assign vector and matrix entry below was printed by
// R 4.2.2 (2022-11-10 r83330), MASS 7.3-58.2, in the C.UTF-8 locale, from
// data read back from the same CSV the test reads:
//   d <- read.csv(FILE, stringsAsFactors = FALSE)
//   mf <- model.frame(FORMULA, d); m <- model.matrix(FORMULA, mf)
//   colnames(m); attr(m, "assign"); attr(terms(FORMULA), "term.labels")
//   as.integer(rownames(m)) - 1         # rows used, 0-based
//   print(m, digits = 17); colSums(m); model.offset(mf)
// For kSmallCsv below, FILE is that text saved as small.csv. The fixtures
// under tests/fixtures/glm are described in the README there.
#include "glm/formula.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace vigil::glm {
namespace {

using Eigen::Index;
using Strings = std::vector<std::string>;
using Rows = std::vector<std::vector<double>>;

constexpr double kTolerance = 1e-14;

// A small made-up table: a count, a covariate, a year to be a factor, two
// string factors, a population with one missing value, and binomial counts.
constexpr const char* kSmallCsv =
    "y,x,year,a,b,pop,s,f\n"
    "3,1.5,2010,u,p,1200,2,5\n"
    "5,2,2011,v,q,800,4,1\n"
    "0,0.5,2012,u,q,1500,0,3\n"
    "7,3.25,2010,v,p,NA,6,0\n"
    "2,1,2011,u,q,950,1,1\n"
    "4,2.5,2012,v,p,1100,3,2\n"
    "6,4,2010,u,q,700,5,4\n"
    "1,0.75,2011,v,q,1300,1,6\n";

DataFrame frame_from(const std::string& csv, const std::string& name = "small.csv") {
  std::istringstream in(csv);
  return read_data_frame(in, name);
}

DataFrame fixture(const std::string& name) {
  return read_data_frame(std::string(VIGIL_FIXTURES_DIR) + "/glm/" + name);
}

ModelMatrix small_model(const std::string& formula) {
  return build_model_matrix(parse_formula(formula), frame_from(kSmallCsv));
}

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::input);
    return error.what();
  }
  return "no error";
}

void expect_matrix(const Eigen::MatrixXd& actual, const Rows& expected) {
  ASSERT_EQ(actual.rows(), static_cast<Index>(expected.size()));
  for (std::size_t row = 0; row < expected.size(); ++row) {
    ASSERT_EQ(actual.cols(), static_cast<Index>(expected[row].size()));
    for (std::size_t col = 0; col < expected[row].size(); ++col) {
      EXPECT_NEAR(actual(static_cast<Index>(row), static_cast<Index>(col)), expected[row][col],
                  kTolerance * (1 + std::abs(expected[row][col])))
          << "row " << row << ", column " << col;
    }
  }
}

void expect_vector(const Eigen::VectorXd& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), static_cast<Index>(expected.size()));
  for (std::size_t idx = 0; idx < expected.size(); ++idx) {
    EXPECT_NEAR(actual(static_cast<Index>(idx)), expected[idx],
                kTolerance * (1 + std::abs(expected[idx])))
        << "index " << idx;
  }
}

void expect_column_sums(const Eigen::MatrixXd& x, const std::vector<double>& expected) {
  expect_vector(x.colwise().sum().transpose(), expected);
}

// --- DataFrame -------------------------------------------------------------

TEST(DataFrame, ReadsTypesAndMissingValues) {
  const DataFrame frame = frame_from(
      "n,label,mixed,blank\n"
      "1,a,1,\n"
      "NA,NA,x,NA\n"
      " 2.5 ,\"b, c\",,\n"
      "+1e3,,3,\n");
  EXPECT_EQ(frame.row_count(), 4U);
  EXPECT_EQ(frame.column_names(), (Strings{"n", "label", "mixed", "blank"}));
  EXPECT_EQ(frame.column_type("n"), DataFrame::ColumnType::numeric);
  EXPECT_EQ(frame.column_type("label"), DataFrame::ColumnType::string);
  EXPECT_EQ(frame.column_type("mixed"), DataFrame::ColumnType::string);
  // A column with no value at all counts as numeric, as R's logical NA.
  EXPECT_EQ(frame.column_type("blank"), DataFrame::ColumnType::numeric);

  const std::vector<double>& n = frame.numeric_column("n");
  EXPECT_EQ(n[0], 1);
  EXPECT_TRUE(std::isnan(n[1]));
  EXPECT_EQ(n[2], 2.5);
  EXPECT_EQ(n[3], 1000);
  EXPECT_EQ(frame.string_column("label")[2], "b, c");
  EXPECT_FALSE(frame.is_missing("label", 0));
  EXPECT_TRUE(frame.is_missing("label", 1));
  EXPECT_TRUE(frame.is_missing("label", 3));
  EXPECT_FALSE(frame.is_missing("mixed", 1));
  EXPECT_TRUE(frame.is_missing("mixed", 2));
}

TEST(DataFrame, RemembersSourceLines) {
  // The second record spans two lines, so the third starts on line 5.
  const DataFrame frame = frame_from("a,b\n1,x\n2,\"two\nlines\"\n3,y\n", "lines.csv");
  const SourcePosition where = frame.cell_position("b", 2);
  EXPECT_EQ(where.file, "lines.csv");
  EXPECT_EQ(where.line, 5U);
  EXPECT_EQ(where.column, 2U);
}

TEST(DataFrame, BuiltInCode) {
  DataFrame frame("nexus join");
  frame.add_numeric_column("flow", {10, std::nan(""), 30});
  frame.add_string_column("corridor", {"KZ-RU", "", "UZ-KZ"}, {false, true, false});
  EXPECT_EQ(frame.row_count(), 3U);
  EXPECT_TRUE(frame.is_missing("flow", 1));
  EXPECT_TRUE(frame.is_missing("corridor", 1));
  const SourcePosition where = frame.cell_position("corridor", 2);
  EXPECT_EQ(where.file, "nexus join");
  EXPECT_EQ(where.line, 3U);
  EXPECT_EQ(where.column, 2U);

  EXPECT_THROW(frame.add_numeric_column("short", {1, 2}), Error);
  EXPECT_THROW(frame.add_numeric_column("flow", {1, 2, 3}), Error);
}

TEST(DataFrame, UnknownColumnListsColumns) {
  const DataFrame frame = frame_from(kSmallCsv);
  EXPECT_EQ(error_of([&] { frame.numeric_column("zz"); }),
            "no column \"zz\" in small.csv; its columns are: y, x, year, a, b, pop, s, f");
  EXPECT_EQ(error_of([&] { frame.numeric_column("Pop"); }),
            "no column \"Pop\" in small.csv (did you mean \"pop\"?); its columns are: y, x, year, "
            "a, b, pop, s, f");
  EXPECT_EQ(error_of([&] { frame.numeric_column("a"); }),
            "column \"a\" of small.csv holds text, not numbers");
}

TEST(DataFrame, MalformedFiles) {
  EXPECT_EQ(error_of([] { frame_from("a,b\n1,2\n3,4,5\n", "bad.csv"); }),
            "bad.csv:3: expected 2 fields as in the header, got 3");
  EXPECT_EQ(error_of([] { frame_from("a,a\n1,2\n", "bad.csv"); }),
            "bad.csv:1:2: column \"a\" is named twice in the header");
  EXPECT_EQ(error_of([] { frame_from("a,,c\n1,2,3\n", "bad.csv"); }),
            "bad.csv:1:2: the header names no column here");
  EXPECT_EQ(error_of([] { frame_from("", "bad.csv"); }),
            "bad.csv:1: the file is empty; expected a header row naming the columns");
  try {
    read_data_frame("/nonexistent/flows.csv");
    ADD_FAILURE() << "no error";
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), Error::Kind::io);
  }
}

TEST(DataFrame, FactorCodes) {
  const DataFrame frame = frame_from(kSmallCsv);
  std::vector<std::string> levels;
  // R: f <- factor(d$year[c(1, 2, 3, 5)]); levels(f); as.integer(f) - 1
  EXPECT_EQ(factor_codes(frame, "year", {0, 1, 2, 4}, &levels), (std::vector<int>{0, 1, 2, 1}));
  EXPECT_EQ(levels, (Strings{"2010", "2011", "2012"}));
  EXPECT_EQ(factor_codes(frame, "b", {1, 0, 3}, &levels), (std::vector<int>{1, 0, 0}));
  EXPECT_EQ(levels, (Strings{"p", "q"}));
  EXPECT_EQ(factor_codes(frame, "a", {1}, nullptr), (std::vector<int>{0}));
  EXPECT_EQ(error_of([&] {
              factor_codes(frame, "pop", {0, 3}, nullptr);
            }),
            "small.csv:5:6: column \"pop\" has no value here");
}

// --- Formula ---------------------------------------------------------------

// R: attr(terms(FORMULA), "term.labels"), attr(terms(FORMULA), "intercept")
TEST(Formula, TermLabelsInROrder) {
  const auto labels = [](std::string_view text) { return parse_formula(text).term_labels(); };
  EXPECT_EQ(labels("y ~ b + a:b"), (Strings{"b", "b:a"}));
  EXPECT_EQ(labels("y ~ b:a"), (Strings{"b:a"}));
  EXPECT_EQ(labels("y ~ (a+b)*(x+z)"), (Strings{"a", "b", "x", "z", "a:x", "a:z", "b:x", "b:z"}));
  EXPECT_EQ(labels("y ~ (a+b+x)^2"), (Strings{"a", "b", "x", "a:b", "a:x", "b:x"}));
  EXPECT_EQ(labels("y ~ a/b"), (Strings{"a", "a:b"}));
  EXPECT_EQ(labels("y ~ (a+b)/x"), (Strings{"a", "b", "a:b:x"}));
  EXPECT_EQ(labels("y ~ a*b - a"), (Strings{"b", "a:b"}));
  EXPECT_EQ(labels("y ~ a + a + a:a"), (Strings{"a"}));
  EXPECT_EQ(labels("y ~ x^2"), (Strings{"x"}));  // a formula power, not arithmetic
  EXPECT_EQ(labels("y ~ a + `b c`:a + `if`"), (Strings{"a", "`if`", "a:`b c`"}));
  // Deparsed as R does: spaces around + - *, none around / ^, numbers at 15
  // significant digits in the shorter of fixed and scientific notation.
  EXPECT_EQ(labels("y ~ `a b` + I(x+1) + log(pop/1000) + I(x*0.5) + I(x/100000) + I(-x^2) + "
                   "I(x^-1) + log( x )"),
            (Strings{"`a b`", "I(x + 1)", "log(pop/1000)", "I(x * 0.5)", "I(x/1e+05)", "I(-x^2)",
                     "I(x^-1)", "log(x)"}));
  // R: deparse(quote(I(x*1e-3 + 1e5 + 123456 + 0.0001 + 1e-5 + 1/3 + 1e15 + 1e16)))
  EXPECT_EQ(labels("y ~ I(x*1e-3 + 1e5 + 123456 + 0.0001 + 1e-5 + 1/3 + 1e15 + 1e16)"),
            (Strings{"I(x * 0.001 + 1e+05 + 123456 + 1e-04 + 1e-05 + 1/3 + 1e+15 + 1e+16)"}));
}

TEST(Formula, Intercept) {
  const auto intercept = [](std::string_view text) { return parse_formula(text).has_intercept(); };
  EXPECT_TRUE(intercept("y ~ x"));
  EXPECT_FALSE(intercept("y ~ x - 1"));
  EXPECT_FALSE(intercept("y ~ -1 + x"));
  EXPECT_FALSE(intercept("y ~ 0 + x"));
  EXPECT_FALSE(intercept("y ~ x + 0"));
  EXPECT_FALSE(intercept("y ~ (x - 1)"));
  EXPECT_TRUE(intercept("y ~ 0 + x + 1"));
  EXPECT_TRUE(intercept("y ~ x - 0"));
  const Formula removed = parse_formula("y ~ x - (0 + a)");
  EXPECT_TRUE(removed.has_intercept());
  EXPECT_EQ(removed.term_labels(), (Strings{"x"}));
  EXPECT_TRUE(parse_formula("y ~ 1").term_labels().empty());
}

TEST(Formula, ResponseAndOffsets) {
  // R: deparse(terms(cbind(s, n - s) ~ x)[[2]])
  const Formula binomial = parse_formula("cbind(s, n - s) ~ x");
  EXPECT_EQ(binomial.response_label(), "cbind(s, n - s)");
  const Formula offsets = parse_formula("y ~ x + offset(log(p)) + offset(q) + z");
  EXPECT_EQ(offsets.term_labels(), (Strings{"x", "z"}));
  EXPECT_EQ(offsets.offset_labels(), (Strings{"offset(log(p))", "offset(q)"}));
  const Formula one_sided = parse_formula("~ region");
  EXPECT_FALSE(one_sided.has_response());
  EXPECT_EQ(one_sided.term_labels(), (Strings{"region"}));
}

TEST(Formula, SyntaxErrorsSayWhereAndWhat) {
  const auto error = [](std::string_view text) {
    return error_of([text] { parse_formula(text); });
  };
  EXPECT_EQ(error("y ~ x + )"), "formula:1:9: expected a term after \"+\", got \")\"");
  EXPECT_EQ(error("y ~ x +"),
            "formula:1:8: expected a term after \"+\", got the end of the formula");
  EXPECT_EQ(error("y ~ log(x"),
            "formula:1:10: expected \",\" or \")\" in the arguments of log(), got the end of the "
            "formula");
  EXPECT_EQ(error("y ~ log(x * )"), "formula:1:13: expected a value after \"*\", got \")\"");
  EXPECT_EQ(error("y x"), "formula:1:3: expected \"~\" after the response, got \"x\"");
  EXPECT_EQ(error("y ~ (a + b"),
            "formula:1:11: expected \")\" to close the \"(\" at column 5, got the end of the "
            "formula");
  EXPECT_EQ(error("y ~ x z"),
            "formula:1:7: expected an operator or the end of the formula, got \"z\"");
  EXPECT_EQ(error("y ~ x $ z"),
            "formula:1:7: expected a variable, a number or an operator, got \"$\"");
  EXPECT_EQ(error("y ~ 2x"), "formula:1:6: expected an operator after a number, got \"x\"");
  // Columns count characters, not bytes.
  EXPECT_EQ(error("y ~ `größe` + )"), "formula:1:15: expected a term after \"+\", got \")\"");
  EXPECT_EQ(error("y ~ `x"), "formula:1:5: expected a closing \"`\" for the name that starts here");
}

TEST(Formula, UnsupportedOrMisplacedParts) {
  const auto error = [](std::string_view text) {
    return error_of([text] { parse_formula(text); });
  };
  EXPECT_EQ(error("y ~ lg(x)"),
            "formula:1:5: unknown function \"lg\"; the functions understood are log, log1p, sqrt, "
            "exp, factor, I, offset and cbind");
  EXPECT_EQ(error("y ~ log(x, 2)"), "formula:1:5: log() takes 1 argument, got 2");
  EXPECT_EQ(error("y ~ x + 2"),
            "formula:1:9: expected a variable, 1 (the intercept) or 0 (no intercept), got \"2\"");
  EXPECT_EQ(error("y ~ a:1"),
            "formula:1:7: the intercept term \"1\" cannot be part of an interaction");
  EXPECT_EQ(error("y ~ a %in% b"), "formula:1:7: the operator %in% is not supported");
  EXPECT_EQ(error("y ~ log(a:b)"),
            "formula:1:10: \":\" in arithmetic is R's sequence operator, which a model cannot use; "
            "write the interaction outside the function call");
  EXPECT_EQ(error("y ~ cbind(a, b)"),
            "formula:1:5: cbind() can only be the response, on the left of \"~\"");
  EXPECT_EQ(error("y ~ offset(z):a"),
            "formula:1:5: offset() can only be added to a model, not removed or interacted");
  EXPECT_EQ(error("y ~ log(factor(a))"),
            "formula:1:9: factor() cannot be used inside an expression");
  EXPECT_EQ(error("y ~ (a + b)^x"),
            "formula:1:13: expected a positive whole number after \"^\"; for a numeric power "
            "write I(x^2)");
  EXPECT_EQ(error("y ~ ."),
            "formula:1:5: \".\" (all other columns) is not supported; name the columns");
  EXPECT_EQ(error("y ~ y + x"), "formula:1:5: the response y also appears on the right of \"~\"");
}

TEST(Formula, LimitsKeepPathologicalInputsBounded) {
  const std::string deep = "y ~ " + std::string(5000, '(') + "x" + std::string(5000, ')');
  EXPECT_EQ(error_of([&] { parse_formula(deep); }),
            "formula:1:205: the formula nests parentheses, calls or signs deeper than 200 "
            "levels");
  EXPECT_EQ(error_of([&] { parse_formula("y ~ " + std::string(300, '-') + "x"); }),
            "formula:1:205: the formula nests parentheses, calls or signs deeper than 200 "
            "levels");
  // Just below both limits a formula parses: 200 levels of parentheses, and a
  // chain of 900 terms (a tree 900 deep that every later pass recurses over).
  EXPECT_EQ(parse_formula("y ~ " + std::string(199, '(') + "x" + std::string(199, ')'))
                .term_labels()
                .size(),
            1U);
  std::string chain = "y ~ x0";
  for (int term = 1; term < 900; ++term) chain += " + x" + std::to_string(term);
  EXPECT_EQ(parse_formula(chain).term_labels().size(), 900U);
  std::string long_sum = "y ~ x0";
  for (int term = 1; term < 3000; ++term) long_sum += " + x" + std::to_string(term);
  EXPECT_NE(error_of([&] { parse_formula(long_sum); }).find("nests deeper than 1000 levels"),
            std::string::npos);
  std::string many = "y ~ (x0";
  for (int term = 1; term < 30; ++term) many += " + x" + std::to_string(term);
  EXPECT_NE(error_of([&] {
              parse_formula(many + ")^30");
            }).find("the formula expands to more than 10000 terms"),
            std::string::npos);
}

// An interaction of factors has the product of their levels as columns:
// twelve factors of five levels asked for 5^12 columns and exhausted memory
// (found by fuzz/formula, fuzz/regressions/formula/interaction_of_factors_oom).
TEST(Formula, ColumnLimitKeepsInteractionsOfFactorsBounded) {
  const DataFrame frame = frame_from("y,a,b\n1,1,10\n2,2,20\n3,3,30\n4,4,40\n5,5,50\n");
  std::string text = "y ~ factor(a)";
  for (int shift = 1; shift < 6; ++shift) {
    text += fmt::format(":factor(a+{}):factor(b+{})", shift, shift);
  }
  EXPECT_EQ(error_of([&] { build_model_matrix(parse_formula(text), frame); }),
            "formula:1:5: the model has more than 20000 columns with the term factor(a):factor(a "
            "+ 1):factor(b + 1):factor(a + 2):factor(b + 2):factor(a + 3):...; a model that large "
            "cannot be fitted");
  // Below the limit the columns are all there: 5 * 5 * 5 * 5 * 5 indicators.
  const ModelMatrix mm = build_model_matrix(
      parse_formula("y ~ 0 + factor(a):factor(a+1):factor(b):factor(b+1):factor(a+2)"), frame);
  EXPECT_EQ(mm.x.cols(), 3125);
}

// --- ModelFrame: design matrices against R's model.matrix() ----------------

// R: FORMULA <- y ~ log(x) + factor(year) + a:b + offset(log(pop)) on small.csv
TEST(ModelFrame, TransformsFactorsInteractionAndOffset) {
  const ModelMatrix mm = small_model("y ~ log(x) + factor(year) + a:b + offset(log(pop))");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "log(x)", "factor(year)2011",
                                      "factor(year)2012", "au:bp", "av:bp", "au:bq", "av:bq"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 2, 2, 3, 3, 3, 3}));
  EXPECT_EQ(mm.term_labels, (Strings{"log(x)", "factor(year)", "a:b"}));
  EXPECT_TRUE(mm.has_intercept);
  // Row 3 has no population.
  EXPECT_EQ(mm.rows_used, (std::vector<std::size_t>{0, 1, 2, 4, 5, 6, 7}));
  EXPECT_EQ(mm.rows_dropped, 1U);
  expect_matrix(mm.x, {{1, 0.40546510810816438, 0, 0, 1, 0, 0, 0},
                       {1, 0.69314718055994529, 1, 0, 0, 0, 0, 1},
                       {1, -0.69314718055994529, 0, 1, 0, 0, 1, 0},
                       {1, 0, 1, 0, 0, 0, 1, 0},
                       {1, 0.91629073187415511, 0, 1, 0, 1, 0, 0},
                       {1, 1.3862943611198906, 0, 0, 0, 0, 1, 0},
                       {1, -0.2876820724517809, 1, 0, 0, 0, 0, 1}});
  EXPECT_TRUE(mm.has_offset);
  expect_vector(mm.offset,
                {7.0900768357760917, 6.6846117276679271, 7.3132203870903014, 6.8564619845945867,
                 7.0030654587864616, 6.5510803350434044, 7.1701195434496281});
  EXPECT_EQ(mm.response_name, "y");
  expect_vector(mm.response, {3, 5, 0, 2, 4, 6, 1});
  EXPECT_EQ(mm.weights.size(), 0);
  ASSERT_EQ(mm.factor_levels.size(), 3U);
  EXPECT_EQ(mm.factor_levels[0].first, "factor(year)");
  EXPECT_EQ(mm.factor_levels[0].second, (Strings{"2010", "2011", "2012"}));
  EXPECT_EQ(mm.factor_levels[1].first, "a");
  EXPECT_EQ(mm.factor_levels[2].second, (Strings{"p", "q"}));
}

// R: y ~ log1p(x) + sqrt(pop/1000) + exp(-x) + offset(log(pop)) + offset(x)
TEST(ModelFrame, FunctionsAndSummedOffsets) {
  const ModelMatrix mm =
      small_model("y ~ log1p(x) + sqrt(pop/1000) + exp(-x) + offset(log(pop)) + offset(x)");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "log1p(x)", "sqrt(pop/1000)", "exp(-x)"}));
  expect_matrix(mm.x, {{1, 0.91629073187415511, 1.09544511501033215, 0.22313016014842982},
                       {1, 1.09861228866810956, 0.89442719099991586, 0.13533528323661270},
                       {1, 0.40546510810816438, 1.22474487139158894, 0.60653065971263342},
                       {1, 0.69314718055994529, 0.97467943448089633, 0.36787944117144233},
                       {1, 1.2527629684953681, 1.0488088481701516, 0.0820849986238988},
                       {1, 1.609437912434100282, 0.836660026534075563, 0.018315638888734179},
                       {1, 0.55961578793542266, 1.14017542509913805, 0.47236655274101469}});
  expect_vector(mm.offset,
                {8.5900768357760917, 8.6846117276679280, 7.8132203870903014, 7.8564619845945867,
                 9.5030654587864625, 10.5510803350434053, 7.9201195434496281});
}

// R: y ~ x + I(x^2) - 1
TEST(ModelFrame, PowerWithoutIntercept) {
  const ModelMatrix mm = small_model("y ~ x + I(x^2) - 1");
  EXPECT_EQ(mm.column_names, (Strings{"x", "I(x^2)"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{1, 2}));
  EXPECT_FALSE(mm.has_intercept);
  EXPECT_FALSE(mm.has_offset);
  expect_vector(mm.offset, std::vector<double>(8, 0.0));
  expect_matrix(mm.x, {{1.5, 2.25},
                       {2, 4},
                       {0.5, 0.25},
                       {3.25, 10.5625},
                       {1, 1},
                       {2.5, 6.25},
                       {4, 16},
                       {0.75, 0.5625}});
}

// R: y ~ a + b - 1: without an intercept the first factor keeps all levels.
TEST(ModelFrame, FirstFactorTakesTheInterceptsPlace) {
  const ModelMatrix mm = small_model("y ~ a + b - 1");
  EXPECT_EQ(mm.column_names, (Strings{"au", "av", "bq"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{1, 1, 2}));
  expect_matrix(
      mm.x,
      {{1, 0, 0}, {0, 1, 1}, {1, 0, 1}, {0, 1, 0}, {1, 0, 1}, {0, 1, 0}, {1, 0, 1}, {0, 1, 1}});
}

// R: y ~ x + x:a (a by contrasts: x, the term without a, is in the model)
TEST(ModelFrame, SlopeByFactor) {
  const ModelMatrix mm = small_model("y ~ x + x:a");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "x", "x:av"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 2}));
  expect_matrix(mm.x, {{1, 1.5, 0},
                       {1, 2, 2},
                       {1, 0.5, 0},
                       {1, 3.25, 3.25},
                       {1, 1, 0},
                       {1, 2.5, 2.5},
                       {1, 4, 0},
                       {1, 0.75, 0.75}});
}

// R: y ~ a:b (no main effects: both factors by indicators, rank deficient)
TEST(ModelFrame, InteractionWithoutMainEffects) {
  const ModelMatrix mm = small_model("y ~ a:b");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "au:bp", "av:bp", "au:bq", "av:bq"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 1, 1, 1}));
  expect_matrix(mm.x, {{1, 1, 0, 0, 0},
                       {1, 0, 0, 0, 1},
                       {1, 0, 0, 1, 0},
                       {1, 0, 1, 0, 0},
                       {1, 0, 0, 1, 0},
                       {1, 0, 1, 0, 0},
                       {1, 0, 0, 1, 0},
                       {1, 0, 0, 0, 1}});
}

// R: y ~ a*b - a (a by contrasts, b by indicators in a:b)
TEST(ModelFrame, MarginalityAfterRemovingAMainEffect) {
  const ModelMatrix mm = small_model("y ~ a*b - a");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "bq", "av:bp", "av:bq"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 2, 2}));
  expect_matrix(mm.x, {{1, 0, 0, 0},
                       {1, 1, 0, 1},
                       {1, 1, 0, 0},
                       {1, 0, 1, 0},
                       {1, 1, 0, 0},
                       {1, 0, 1, 0},
                       {1, 1, 0, 0},
                       {1, 1, 0, 1}});
}

// R: y ~ (a + b + x)^2 and y ~ a/x
TEST(ModelFrame, PowersAndNesting) {
  const ModelMatrix power = small_model("y ~ (a + b + x)^2");
  EXPECT_EQ(power.column_names, (Strings{"(Intercept)", "av", "bq", "x", "av:bq", "av:x", "bq:x"}));
  EXPECT_EQ(power.assign, (std::vector<int>{0, 1, 2, 3, 4, 5, 6}));
  expect_column_sums(power.x, {8, 4, 5, 15.5, 2, 8.5, 8.25});
  const ModelMatrix nested = small_model("y ~ a/x");
  EXPECT_EQ(nested.column_names, (Strings{"(Intercept)", "av", "au:x", "av:x"}));
  EXPECT_EQ(nested.assign, (std::vector<int>{0, 1, 2, 2}));
  expect_matrix(nested.x, {{1, 0, 1.5, 0},
                           {1, 1, 0, 2},
                           {1, 0, 0.5, 0},
                           {1, 1, 0, 3.25},
                           {1, 0, 1, 0},
                           {1, 1, 0, 2.5},
                           {1, 0, 4, 0},
                           {1, 1, 0, 0.75}});
}

// R: y ~ factor(x/4) + 0 (numeric levels in numeric order, printed as R)
TEST(ModelFrame, FactorOfAnExpression) {
  const ModelMatrix mm = small_model("y ~ factor(x/4) + 0");
  EXPECT_EQ(mm.column_names,
            (Strings{"factor(x/4)0.125", "factor(x/4)0.1875", "factor(x/4)0.25", "factor(x/4)0.375",
                     "factor(x/4)0.5", "factor(x/4)0.625", "factor(x/4)0.8125", "factor(x/4)1"}));
  EXPECT_EQ(mm.x(2, 0), 1);
  EXPECT_EQ(mm.x(7, 1), 1);
  expect_column_sums(mm.x, std::vector<double>(8, 1.0));
  // R: levels(factor(c(100000, 2.5, 1/3)))
  DataFrame frame("levels");
  frame.add_numeric_column("y", {1, 2, 3});
  frame.add_numeric_column("v", {100000, 2.5, 1.0 / 3});
  const ModelMatrix levels = build_model_matrix(parse_formula("y ~ factor(v)"), frame);
  EXPECT_EQ(levels.column_names, (Strings{"(Intercept)", "factor(v)2.5", "factor(v)1e+05"}));
  EXPECT_EQ(levels.factor_levels[0].second, (Strings{"0.333333333333333", "2.5", "1e+05"}));
}

// R: cbind(s, f) ~ x; y and w as binomial()$initialize sets them:
//   n <- s + f; ifelse(n == 0, 0, s / n); n
TEST(ModelFrame, BinomialResponse) {
  const ModelMatrix mm = small_model("cbind(s, f) ~ x");
  EXPECT_EQ(mm.response_name, "cbind(s, f)");
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "x"}));
  expect_vector(mm.response, {0.28571428571428570, 0.80000000000000004, 0, 1, 0.5,
                              0.59999999999999998, 0.55555555555555558, 0.14285714285714285});
  expect_vector(mm.weights, {7, 5, 3, 6, 2, 5, 9, 7});
  // No trials: proportion 0 at weight 0.
  const ModelMatrix empty =
      build_model_matrix(parse_formula("cbind(s, f) ~ 1"), frame_from("s,f\n0,0\n1,2\n"));
  expect_vector(empty.response, {0, 1.0 / 3});
  expect_vector(empty.weights, {0, 3});
}

// R, with w <- read.csv("tests/fixtures/glm/warpbreaks.csv", stringsAsFactors
// = FALSE): tension's levels sort as H, L, M, unlike datasets::warpbreaks.
//   model.matrix(breaks ~ wool * tension, w)[c(1, 10, 19, 28, 37, 54), ]
TEST(ModelFrame, WarpbreaksCrossed) {
  const ModelMatrix mm =
      build_model_matrix(parse_formula("breaks ~ wool * tension"), fixture("warpbreaks.csv"));
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "woolB", "tensionL", "tensionM",
                                      "woolB:tensionL", "woolB:tensionM"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 2, 2, 3, 3}));
  EXPECT_EQ(mm.term_labels, (Strings{"wool", "tension", "wool:tension"}));
  ASSERT_EQ(mm.x.rows(), 54);
  EXPECT_EQ(mm.rows_dropped, 0U);
  expect_column_sums(mm.x, {54, 27, 18, 18, 9, 9});
  const Rows expected = {{1, 0, 1, 0, 0, 0}, {1, 0, 0, 1, 0, 0}, {1, 0, 0, 0, 0, 0},
                         {1, 1, 1, 0, 1, 0}, {1, 1, 0, 1, 0, 1}, {1, 1, 0, 0, 0, 0}};
  const Index rows[] = {0, 9, 18, 27, 36, 53};
  Eigen::MatrixXd picked(6, 6);
  for (Index row_idx = 0; row_idx < 6; ++row_idx) picked.row(row_idx) = mm.x.row(rows[row_idx]);
  expect_matrix(picked, expected);
  EXPECT_EQ(mm.response(0), 26);
}

// R: model.matrix(breaks ~ wool:tension, w)
TEST(ModelFrame, WarpbreaksInteractionOnly) {
  const ModelMatrix mm =
      build_model_matrix(parse_formula("breaks ~ wool:tension"), fixture("warpbreaks.csv"));
  EXPECT_EQ(mm.column_names,
            (Strings{"(Intercept)", "woolA:tensionH", "woolB:tensionH", "woolA:tensionL",
                     "woolB:tensionL", "woolA:tensionM", "woolB:tensionM"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 1, 1, 1, 1, 1}));
  expect_column_sums(mm.x, {54, 9, 9, 9, 9, 9, 9});
  EXPECT_EQ(mm.x(0, 3), 1);   // A, L
  EXPECT_EQ(mm.x(27, 4), 1);  // B, L
}

// R, q <- read.csv("tests/fixtures/glm/quine.csv", stringsAsFactors = FALSE):
//   model.matrix(Days ~ Eth + Sex + Age + Lrn, q)[c(1, 50, 100, 146), ]
TEST(ModelFrame, Quine) {
  const ModelMatrix mm =
      build_model_matrix(parse_formula("Days ~ Eth + Sex + Age + Lrn"), fixture("quine.csv"));
  EXPECT_EQ(mm.column_names,
            (Strings{"(Intercept)", "EthN", "SexM", "AgeF1", "AgeF2", "AgeF3", "LrnSL"}));
  EXPECT_EQ(mm.assign, (std::vector<int>{0, 1, 2, 3, 3, 3, 4}));
  ASSERT_EQ(mm.x.rows(), 146);
  expect_column_sums(mm.x, {146, 77, 66, 46, 40, 33, 63});
  Eigen::MatrixXd picked(4, 7);
  const Index rows[] = {0, 49, 99, 145};
  for (Index row_idx = 0; row_idx < 4; ++row_idx) picked.row(row_idx) = mm.x.row(rows[row_idx]);
  expect_matrix(
      picked,
      {{1, 0, 1, 0, 0, 0, 1}, {1, 0, 0, 1, 0, 0, 0}, {1, 1, 1, 0, 0, 1, 0}, {1, 1, 0, 0, 0, 1, 0}});
}

// R, e <- read.csv("tests/fixtures/glm/epil.csv", stringsAsFactors = FALSE):
//   colSums(model.matrix(y ~ lbase * trt + lage + V4, e))
// and, with i <- read.csv(".../insectsprays.csv"), model.matrix(count ~ spray, i)
TEST(ModelFrame, EpilAndInsectSprays) {
  const ModelMatrix epil =
      build_model_matrix(parse_formula("y ~ lbase * trt + lage + V4"), fixture("epil.csv"));
  EXPECT_EQ(epil.column_names,
            (Strings{"(Intercept)", "lbase", "trtprogabide", "lage", "V4", "lbase:trtprogabide"}));
  EXPECT_EQ(epil.assign, (std::vector<int>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(epil.term_labels, (Strings{"lbase", "trt", "lage", "V4", "lbase:trt"}));
  const Eigen::VectorXd sums = epil.x.colwise().sum();
  EXPECT_EQ(sums(0), 236);
  EXPECT_NEAR(sums(1), 4.7184478546569153e-15, 1e-12);
  EXPECT_EQ(sums(2), 124);
  EXPECT_NEAR(sums(3), 2.8775593019503276e-14, 1e-12);
  EXPECT_EQ(sums(4), 59);
  EXPECT_NEAR(sums(5), 4.5907662840826768, 1e-12);

  const ModelMatrix sprays =
      build_model_matrix(parse_formula("count ~ spray"), fixture("insectsprays.csv"));
  EXPECT_EQ(sprays.column_names,
            (Strings{"(Intercept)", "sprayB", "sprayC", "sprayD", "sprayE", "sprayF"}));
  expect_column_sums(sprays.x, {72, 12, 12, 12, 12, 12});
}

TEST(ModelFrame, MissingValuesAndLevelsOfDroppedRows) {
  // The level "z" appears only on the row dropped for its missing response.
  const DataFrame frame = frame_from("y,g\n1,p\n2,q\nNA,z\n4,q\n", "g.csv");
  const ModelMatrix mm = build_model_matrix(parse_formula("y ~ g"), frame);
  EXPECT_EQ(mm.column_names, (Strings{"(Intercept)", "gq"}));
  EXPECT_EQ(mm.rows_used, (std::vector<std::size_t>{0, 1, 3}));
  EXPECT_EQ(mm.rows_dropped, 1U);
  // A one-sided formula: no response, every row.
  const ModelMatrix one_sided = build_model_matrix(parse_formula("~ g"), frame);
  EXPECT_EQ(one_sided.response.size(), 0);
  EXPECT_EQ(one_sided.x.rows(), 4);
}

TEST(ModelFrame, DataErrorsNameTheCell) {
  const DataFrame frame = frame_from("y,x,g\n3,1,u\n5,2,u\n1,0,u\n", "zero.csv");
  const auto error = [&](std::string_view text) {
    return error_of([&] { build_model_matrix(parse_formula(text), frame); });
  };
  EXPECT_EQ(error("y ~ log(x)"), "zero.csv:4:2: log(x) needs a positive argument, but x is 0 here");
  EXPECT_EQ(error("y ~ log(x - 1 + y/10)"),
            "zero.csv:4:2: log(x - 1 + y/10) needs a positive argument, but x - 1 + y/10 is -0.9 "
            "here");
  EXPECT_EQ(error("y ~ sqrt(x - 1)"),
            "zero.csv:4:2: sqrt(x - 1) needs a non-negative argument, but x - 1 is -1 here");
  EXPECT_EQ(error("y ~ I(y/x)"), "zero.csv:4:2: y/x divides by 0: x is 0 here");
  EXPECT_EQ(error("y ~ exp(1000 * x)"),
            "zero.csv:2:2: exp(1000 * x) is Inf here (from column x); a model needs finite "
            "numbers");
  EXPECT_EQ(error("y ~ popp"),
            "formula:1:5: no column \"popp\" in zero.csv; its columns are: y, x, g");
  EXPECT_EQ(error("y ~ log(g)"),
            "formula:1:9: column \"g\" holds text, so it can be a factor but not part of an "
            "expression");
  EXPECT_EQ(error("g ~ x"), "formula:1:1: the response \"g\" holds text; it must be numeric");
  EXPECT_EQ(error("y ~ x + g"),
            "formula:1:9: g has a single level (\"u\") in the rows used, so it has nothing to "
            "contrast with");
  EXPECT_EQ(error("cbind(y, x - 2) ~ 1"),
            "zero.csv:2:2: cbind(y, x - 2) counts successes and failures, but x - 2 is -1 here");
  EXPECT_EQ(error_of([] {
              build_model_matrix(parse_formula("y ~ x"), frame_from("y,x\nNA,1\n2,NA\n", "na.csv"));
            }),
            "na.csv: no row has a value in every column the model uses (y, x)");
}

}  // namespace
}  // namespace vigil::glm
