// R model formulas: parsing, expansion into terms, and the design matrix;
// see formula.hpp for the contract.
//
// The formula is parsed with R's grammar and operator precedence (R
// Language Definition, section 10.4.2), so that one syntax tree serves both
// readings of an operator: on the right of `~` `+ - * / ^ :` combine terms
// (Wilkinson & Rogers 1973, "Symbolic description of factorial models for
// analysis of variance", Applied Statistics 22:392-399), inside a function
// call or I() they are arithmetic. Terms are sets of variables, expanded by
// the rules of Chambers & Hastie (1992, section 2.3.1); a variable's coding
// within an interaction follows their marginality rule (section 2.4.1).
#include "glm/formula.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <optional>
#include <set>
#include <system_error>
#include <utility>

namespace vigil::glm {
namespace {

// A node of the syntax tree. `offset` is the byte offset in the formula of
// the token that makes the node: a name, a number, a function's name, an
// operator, an opening parenthesis.
struct Node {
  enum class Kind { number, name, call, unary, binary, paren };
  Kind kind = Kind::number;
  std::string text;  // the name, the function's name or the operator
  double value = 0;  // a number's value
  std::vector<Node> args;
  std::size_t offset = 0;
  int depth = 1;  // of the subtree, for the limit below
};

}  // namespace

struct Formula::Parts {
  std::string text;
  std::optional<Node> response;
  std::string response_label;
  // The variables of the terms, in order of first appearance: R orders the
  // variables within an interaction's label by this order.
  std::vector<Node> variables;
  std::vector<std::string> variable_labels;
  // Each term a sorted list of indices into `variables`, ordered as R's
  // terms(): by the number of variables, then by appearance.
  std::vector<std::vector<int>> terms;
  std::vector<std::string> term_labels;
  std::vector<Node> offsets;  // the offset() calls
  std::vector<std::string> offset_labels;
  bool intercept = true;
};

namespace {

constexpr std::string_view kFormulaSource = "formula";

// Every pass over a formula recurses over its syntax tree; a limit on the
// tree's depth keeps a pathological formula (ten thousand parentheses, or
// terms) from overflowing the stack, and one on the number of terms keeps
// (a + b + ...)^30 from exhausting memory. An interaction of factors has the
// product of their levels as columns, so a limit on the design's columns
// keeps factor(a):factor(b):... from exhausting it too: the fit needs a
// matrix of columns x columns, 3.2 GB for 20000. Real formulas stay far below
// all three.
constexpr int kMaxDepth = 1000;
// The parser itself recurses through seven functions per parenthesis, call
// or sign, each with a frame far larger than a tree node's; 1000 such levels
// overflowed the stack under AddressSanitizer (scripts/test --sanitize), so
// they have a lower limit of their own. R's parser stops at 50.
constexpr int kMaxNesting = 200;
constexpr std::size_t kMaxTerms = 10000;
constexpr std::size_t kMaxColumns = 20000;

// ---------------------------------------------------------------------------
// Numbers as R prints them
// ---------------------------------------------------------------------------

// R's formatReal at 15 significant digits, which is what deparse() and
// as.character() use, and hence what appears in R's term labels
// ("I(x/1e+05)") and factor levels ("factor(x)0.5"): the fewest significant
// digits that keep the value at 15-digit precision, in fixed notation unless
// scientific notation is shorter.
std::string format_r_number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  if (value == 0) return "0";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.14e", value);
  const double rounded = std::strtod(buffer, nullptr);
  int digits = 1;
  for (; digits < 15; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
    if (std::strtod(buffer, nullptr) == rounded) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
  std::string scientific = buffer;
  const int exponent = std::atoi(scientific.c_str() + scientific.find('e') + 1);
  const int negative = value < 0 ? 1 : 0;
  const int right_digits = std::max(0, digits - exponent - 1);
  const int fixed_width =
      negative + (exponent >= 0 ? exponent + 1 : 1) + (right_digits > 0 ? right_digits + 1 : 0);
  const int scientific_width =
      negative + (digits > 1 ? digits + 1 : 1) + (std::abs(exponent) >= 100 ? 5 : 4);
  if (fixed_width <= scientific_width) {
    std::snprintf(buffer, sizeof buffer, "%.*f", right_digits, value);
    return buffer;
  }
  return scientific;
}

// ---------------------------------------------------------------------------
// Positions and errors
// ---------------------------------------------------------------------------

// Line and character column (counting UTF-8 characters, not bytes, since that
// is what an editor shows) of a byte offset in the formula.
SourcePosition formula_position(std::string_view text, std::size_t offset) {
  SourcePosition where{std::string(kFormulaSource), 1, 1};
  offset = std::min(offset, text.size());
  for (std::size_t pos = 0; pos < offset; ++pos) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if (byte == '\n') {
      ++where.line;
      where.column = 1;
    } else if ((byte & 0xC0U) != 0x80U) {
      ++where.column;
    }
  }
  return where;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

bool is_name_start(unsigned char byte) {
  return (byte >= 'a' && byte <= 'z') || (byte >= 'A' && byte <= 'Z') || byte == '.' ||
         byte >= 0x80;  // R accepts letters of any script in a UTF-8 locale
}

bool is_name_char(unsigned char byte) {
  return is_name_start(byte) || (byte >= '0' && byte <= '9') || byte == '_';
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

bool is_reserved(std::string_view name) {
  static constexpr std::string_view kReserved[] = {
      "if",          "else",     "repeat",        "while",       "function", "for", "next",
      "break",       "TRUE",     "FALSE",         "NULL",        "Inf",      "NaN", "NA",
      "NA_integer_", "NA_real_", "NA_character_", "NA_complex_", "in"};
  return std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved);
}

// Whether R would print `name` without backquotes.
bool is_syntactic(std::string_view name) {
  if (name.empty() || is_reserved(name)) return false;
  if (!is_name_start(static_cast<unsigned char>(name[0]))) return false;
  if (name[0] == '.' && name.size() > 1 && is_digit(name[1])) return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return is_name_char(static_cast<unsigned char>(c)); });
}

// ---------------------------------------------------------------------------
// Deparsing: the text R shows for an expression
// ---------------------------------------------------------------------------

std::string deparse(const Node& node) {
  switch (node.kind) {
    case Node::Kind::number:
      return format_r_number(node.value);
    case Node::Kind::name:
      return is_syntactic(node.text) ? node.text : "`" + node.text + "`";
    case Node::Kind::call: {
      std::string out = node.text + "(";
      for (std::size_t arg_idx = 0; arg_idx < node.args.size(); ++arg_idx) {
        if (arg_idx > 0) out += ", ";
        out += deparse(node.args[arg_idx]);
      }
      return out + ")";
    }
    case Node::Kind::unary:
      return node.text + deparse(node.args[0]);
    case Node::Kind::binary: {
      // R's deparse spaces the low-precedence operators only.
      const bool spaced = node.text == "+" || node.text == "-" || node.text == "*";
      return deparse(node.args[0]) + (spaced ? " " + node.text + " " : node.text) +
             deparse(node.args[1]);
    }
    case Node::Kind::paren:
      return "(" + deparse(node.args[0]) + ")";
  }
  return {};
}

// ---------------------------------------------------------------------------
// Tokens and the parser
// ---------------------------------------------------------------------------

struct Token {
  enum class Kind { end, number, name, op };
  Kind kind = Kind::end;
  std::string text;  // a name unquoted; an operator; a number as written
  double value = 0;
  std::size_t offset = 0;
  bool quoted = false;  // a `backquoted` name
};

struct FunctionInfo {
  std::string_view name;
  std::size_t arity;
};

constexpr FunctionInfo kFunctions[] = {{"log", 1},    {"log1p", 1}, {"sqrt", 1},   {"exp", 1},
                                       {"factor", 1}, {"I", 1},     {"offset", 1}, {"cbind", 2}};

const FunctionInfo* find_function(std::string_view name) {
  for (const FunctionInfo& function : kFunctions) {
    if (function.name == name) return &function;
  }
  return nullptr;
}

// A recursive-descent parser for the subset of R's expression grammar that
// formulas use, with R's precedence, loosest first:
//   ~   + - (binary)   * /   %any%   :   + - (unary)   ^ (right to left)
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) { advance(); }

  // formula := [sum] "~" sum
  std::pair<std::optional<Node>, Node> parse_formula() {
    std::optional<Node> lhs;
    if (!is_op("~")) {
      in_response_ = true;
      lhs = parse_sum("");
      in_response_ = false;
      if (!is_op("~")) fail("\"~\" after the response");
    }
    const std::string tilde = token_.text;
    advance();
    Node rhs = parse_sum(tilde);
    if (token_.kind != Token::Kind::end) fail("an operator or the end of the formula");
    return {std::move(lhs), std::move(rhs)};
  }

 private:
  bool is_op(std::string_view op) const {
    return token_.kind == Token::Kind::op && token_.text == op;
  }

  std::string_view noun() const { return (call_depth_ > 0 || in_response_) ? "a value" : "a term"; }

  [[noreturn]] void fail_at(std::size_t offset, std::string_view message) const {
    throw input_error(formula_position(text_, offset), message);
  }

  // "expected EXPECTED, got TOKEN" at the current token.
  [[noreturn]] void fail(std::string_view expected) const {
    if (token_.kind == Token::Kind::end) {
      fail_at(token_.offset, fmt::format("expected {}, got the end of the formula", expected));
    }
    throw input_error(formula_position(text_, token_.offset), expected,
                      text_.substr(token_.offset, token_end_ - token_.offset));
  }

  void advance() {
    std::size_t pos = token_end_;
    while (pos < text_.size() &&
           (text_[pos] == ' ' || text_[pos] == '\t' || text_[pos] == '\n' || text_[pos] == '\r')) {
      ++pos;
    }
    token_ = Token{};
    token_.offset = pos;
    if (pos == text_.size()) {
      token_end_ = pos;
      return;
    }
    const char c = text_[pos];
    const auto byte = static_cast<unsigned char>(c);
    if (is_digit(c) || (c == '.' && pos + 1 < text_.size() && is_digit(text_[pos + 1]))) {
      lex_number(pos);
    } else if (is_name_start(byte)) {
      std::size_t end = pos;
      while (end < text_.size() && is_name_char(static_cast<unsigned char>(text_[end]))) ++end;
      token_.kind = Token::Kind::name;
      token_.text = std::string(text_.substr(pos, end - pos));
      token_end_ = end;
    } else if (c == '`') {
      const std::size_t close = text_.find('`', pos + 1);
      if (close == std::string_view::npos) {
        fail_at(pos, "expected a closing \"`\" for the name that starts here");
      }
      if (close == pos + 1) fail_at(pos, "expected a name between the backquotes, got ``");
      token_.kind = Token::Kind::name;
      token_.text = std::string(text_.substr(pos + 1, close - pos - 1));
      token_.quoted = true;
      token_end_ = close + 1;
    } else if (c == '%') {
      const std::size_t close = text_.find('%', pos + 1);
      token_end_ = close == std::string_view::npos ? pos + 1 : close + 1;
      token_.kind = Token::Kind::op;
      token_.text = std::string(text_.substr(pos, token_end_ - pos));
    } else if (std::string_view("~+-*/^:(),").find(c) != std::string_view::npos) {
      token_.kind = Token::Kind::op;
      token_.text = std::string(1, c);
      token_end_ = pos + 1;
    } else {
      std::size_t end = pos + 1;  // the whole UTF-8 character
      while (end < text_.size() && (static_cast<unsigned char>(text_[end]) & 0xC0U) == 0x80U) {
        ++end;
      }
      throw input_error(formula_position(text_, pos), "a variable, a number or an operator",
                        text_.substr(pos, end - pos));
    }
  }

  void lex_number(std::size_t pos) {
    std::size_t end = pos;
    while (end < text_.size() && is_digit(text_[end])) ++end;
    if (end < text_.size() && text_[end] == '.') {
      ++end;
      while (end < text_.size() && is_digit(text_[end])) ++end;
    }
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      std::size_t exponent = end + 1;
      if (exponent < text_.size() && (text_[exponent] == '+' || text_[exponent] == '-')) {
        ++exponent;
      }
      if (exponent < text_.size() && is_digit(text_[exponent])) {
        end = exponent;
        while (end < text_.size() && is_digit(text_[end])) ++end;
      }
    }
    token_.kind = Token::Kind::number;
    token_.text = std::string(text_.substr(pos, end - pos));
    const auto [ptr, ec] =
        std::from_chars(token_.text.data(), token_.text.data() + token_.text.size(), token_.value);
    if (ec == std::errc::result_out_of_range) {
      token_.value = std::numeric_limits<double>::infinity();
    }
    (void)ptr;
    token_end_ = end;
    // "2x" or "1L": R's integer and complex suffixes, or a missing operator.
    if (end < text_.size() && is_name_char(static_cast<unsigned char>(text_[end]))) {
      fail_after_number(end);
    }
  }

  [[noreturn]] void fail_after_number(std::size_t pos) const {
    std::size_t end = pos;
    while (end < text_.size() && is_name_char(static_cast<unsigned char>(text_[end]))) ++end;
    throw input_error(formula_position(text_, pos), "an operator after a number",
                      text_.substr(pos, end - pos));
  }

  Node make(Node::Kind kind, std::string text, std::size_t offset) {
    Node node;
    node.kind = kind;
    node.text = std::move(text);
    node.offset = offset;
    return node;
  }

  void adopt(Node& parent, Node child) {
    parent.depth = std::max(parent.depth, child.depth + 1);
    if (parent.depth > kMaxDepth) {
      fail_at(parent.offset, fmt::format("the formula nests deeper than {} levels", kMaxDepth));
    }
    parent.args.push_back(std::move(child));
  }

  Node binary(std::string op, std::size_t offset, Node left, Node right) {
    Node node = make(Node::Kind::binary, std::move(op), offset);
    adopt(node, std::move(left));
    adopt(node, std::move(right));
    return node;
  }

  // sum := product (("+" | "-") product)*
  Node parse_sum(std::string_view after) {
    Node left = parse_product(after);
    while (is_op("+") || is_op("-")) {
      const Token op = token_;
      advance();
      left = binary(op.text, op.offset, std::move(left), parse_product(op.text));
    }
    return left;
  }

  // product := special (("*" | "/") special)*
  Node parse_product(std::string_view after) {
    Node left = parse_special(after);
    while (is_op("*") || is_op("/")) {
      const Token op = token_;
      advance();
      left = binary(op.text, op.offset, std::move(left), parse_special(op.text));
    }
    return left;
  }

  // special := colon ("%op%" colon)*; R's %in% and friends are not
  // supported, and saying so beats a puzzling "unexpected character".
  Node parse_special(std::string_view after) {
    Node left = parse_colon(after);
    if (token_.kind == Token::Kind::op && token_.text[0] == '%') {
      fail_at(token_.offset, fmt::format("the operator {} is not supported", token_.text));
    }
    return left;
  }

  // colon := unary (":" unary)*
  Node parse_colon(std::string_view after) {
    Node left = parse_unary(after);
    while (is_op(":")) {
      const Token op = token_;
      advance();
      left = binary(op.text, op.offset, std::move(left), parse_unary(op.text));
    }
    return left;
  }

  // unary := ("-" | "+") unary | power
  // Every recursion of the parser passes here, so the nesting limit is
  // enforced here too, before the stack grows.
  Node parse_unary(std::string_view after) {
    if (++nesting_ > kMaxNesting) {
      fail_at(token_.offset,
              fmt::format("the formula nests parentheses, calls or signs deeper than {} levels",
                          kMaxNesting));
    }
    Node node;
    if (is_op("-") || is_op("+")) {
      const Token op = token_;
      advance();
      node = make(Node::Kind::unary, op.text, op.offset);
      adopt(node, parse_unary(op.text));
    } else {
      node = parse_power(after);
    }
    --nesting_;
    return node;
  }

  // power := primary ["^" unary]
  Node parse_power(std::string_view after) {
    Node base = parse_primary(after);
    if (is_op("^")) {
      const Token op = token_;
      advance();
      return binary(op.text, op.offset, std::move(base), parse_unary(op.text));
    }
    return base;
  }

  // primary := number | name | name "(" [sum ("," sum)*] ")" | "(" sum ")"
  Node parse_primary(std::string_view after) {
    const std::string expected =
        after.empty() ? std::string(noun()) : fmt::format("{} after \"{}\"", noun(), after);
    if (token_.kind == Token::Kind::number) {
      Node node = make(Node::Kind::number, token_.text, token_.offset);
      node.value = token_.value;
      advance();
      return node;
    }
    if (is_op("(")) {
      const std::size_t open = token_.offset;
      advance();
      Node node = make(Node::Kind::paren, "(", open);
      adopt(node, parse_sum("("));
      if (!is_op(")")) {
        fail(fmt::format("\")\" to close the \"(\" at column {}",
                         formula_position(text_, open).column));
      }
      advance();
      return node;
    }
    if (token_.kind != Token::Kind::name) fail(expected);

    const Token name = token_;
    if (!name.quoted && name.text == ".") {
      fail_at(name.offset, "\".\" (all other columns) is not supported; name the columns");
    }
    if (!name.quoted && is_reserved(name.text)) {
      fail_at(name.offset, fmt::format("\"{}\" is a reserved word in R; write `{}` for a column "
                                       "of that name",
                                       name.text, name.text));
    }
    advance();
    if (!is_op("(")) return make(Node::Kind::name, name.text, name.offset);

    const FunctionInfo* function = find_function(name.text);
    if (function == nullptr) {
      fail_at(name.offset, fmt::format("unknown function \"{}\"; the functions understood are "
                                       "log, log1p, sqrt, exp, factor, I, offset and cbind",
                                       truncate_utf8(name.text, 40)));
    }
    Node call = make(Node::Kind::call, name.text, name.offset);
    ++call_depth_;
    advance();
    if (!is_op(")")) {
      adopt(call, parse_sum(fmt::format("{}(", name.text)));
      while (is_op(",")) {
        advance();
        adopt(call, parse_sum(","));
      }
      if (!is_op(")")) fail(fmt::format("\",\" or \")\" in the arguments of {}()", name.text));
    }
    advance();
    --call_depth_;
    if (call.args.size() != function->arity) {
      fail_at(name.offset,
              fmt::format("{}() takes {} argument{}, got {}", name.text, function->arity,
                          function->arity == 1 ? "" : "s", call.args.size()));
    }
    return call;
  }

  std::string_view text_;
  Token token_;
  std::size_t token_end_ = 0;  // byte offset just past the current token
  int call_depth_ = 0;
  int nesting_ = 0;
  bool in_response_ = false;
};

// ---------------------------------------------------------------------------
// Expansion into terms
// ---------------------------------------------------------------------------

using Term = std::vector<int>;  // sorted variable indices
using Terms = std::vector<Term>;

Term term_union(const Term& a, const Term& b) {
  Term out;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}

// Terms in order of first appearance, without repeats (R drops a term
// written twice), bounded by kMaxTerms.
class UniqueTerms {
 public:
  // Returns false once the limit is passed.
  bool add(Term term) {
    if (seen_.insert(term).second) terms_.push_back(std::move(term));
    return terms_.size() <= kMaxTerms;
  }
  Terms take() { return std::move(terms_); }

 private:
  Terms terms_;
  std::set<Term> seen_;
};

// Expands the right side of a formula into terms, as R's terms.formula does.
class TermEncoder {
 public:
  explicit TermEncoder(Formula::Parts& parts) : parts_(parts) {}

  Terms encode(const Node& node, bool removing, bool in_interaction) {
    switch (node.kind) {
      case Node::Kind::paren:
        return encode(node.args[0], removing, in_interaction);
      case Node::Kind::number:
        return encode_number(node, removing, in_interaction);
      case Node::Kind::name:
        return {{variable(node)}};
      case Node::Kind::call:
        return encode_call(node, removing, in_interaction);
      case Node::Kind::unary:
        if (node.text == "+") return encode(node.args[0], removing, in_interaction);
        // "-a" deletes a from nothing, which matters only for "-1".
        encode(node.args[0], !removing, in_interaction);
        return {};
      case Node::Kind::binary:
        return encode_binary(node, removing, in_interaction);
    }
    return {};
  }

  // Validates an expression that R evaluates rather than expands: a
  // function's argument, the inside of I(), the response.
  void check_arithmetic(const Node& node) const {
    switch (node.kind) {
      case Node::Kind::number:
      case Node::Kind::name:
        return;
      case Node::Kind::paren:
      case Node::Kind::unary:
        check_arithmetic(node.args[0]);
        return;
      case Node::Kind::binary:
        if (node.text == ":") {
          fail(node.offset,
               "\":\" in arithmetic is R's sequence operator, which a model cannot use; write the "
               "interaction outside the function call");
        }
        check_arithmetic(node.args[0]);
        check_arithmetic(node.args[1]);
        return;
      case Node::Kind::call:
        if (node.text == "factor" || node.text == "offset" || node.text == "cbind") {
          fail(node.offset, fmt::format("{}() cannot be used inside an expression", node.text));
        }
        check_arithmetic(node.args[0]);
        return;
    }
  }

  [[noreturn]] void fail(std::size_t offset, std::string_view message) const {
    throw input_error(formula_position(parts_.text, offset), message);
  }

 private:
  Terms encode_number(const Node& node, bool removing, bool in_interaction) {
    if (node.value != 0 && node.value != 1) {
      throw input_error(formula_position(parts_.text, node.offset),
                        "a variable, 1 (the intercept) or 0 (no intercept)", node.text);
    }
    if (in_interaction) {
      fail(node.offset,
           fmt::format("the intercept term \"{}\" cannot be part of an interaction", node.text));
    }
    // R's rule: "+ 1" and "- 0" keep the intercept, "+ 0" and "- 1" drop
    // it; the last one written wins.
    parts_.intercept = (node.value == 1) != removing;
    return {};
  }

  Terms encode_call(const Node& node, bool removing, bool in_interaction) {
    if (node.text == "cbind") {
      fail(node.offset, "cbind() can only be the response, on the left of \"~\"");
    }
    if (node.text == "offset") {
      if (removing || in_interaction) {
        fail(node.offset, "offset() can only be added to a model, not removed or interacted");
      }
      check_arithmetic(node.args[0]);
      parts_.offsets.push_back(node);
      parts_.offset_labels.push_back(deparse(node));
      return {};
    }
    check_arithmetic(node.args[0]);
    return {{variable(node)}};
  }

  Terms encode_binary(const Node& node, bool removing, bool in_interaction) {
    const std::string& op = node.text;
    if (op == "-") {
      const Terms left = encode(node.args[0], removing, in_interaction);
      const Terms right = encode(node.args[1], !removing, in_interaction);
      const std::set<Term> removed(right.begin(), right.end());
      Terms out;
      for (const Term& term : left) {
        if (removed.count(term) == 0) out.push_back(term);
      }
      return out;
    }
    if (op == "^") return encode_power(node, removing);

    UniqueTerms out;
    const auto add = [&](Term term) {
      if (!out.add(std::move(term))) {
        fail(node.offset, fmt::format("the formula expands to more than {} terms", kMaxTerms));
      }
    };
    if (op == "+") {
      for (Term& term : encode(node.args[0], removing, in_interaction)) add(std::move(term));
      for (Term& term : encode(node.args[1], removing, in_interaction)) add(std::move(term));
      return out.take();
    }
    const Terms left = encode(node.args[0], removing, true);
    const Terms right = encode(node.args[1], removing, true);
    if (op == ":") {
      for (const Term& left_term : left) {
        for (const Term& right_term : right) add(term_union(left_term, right_term));
      }
    } else if (op == "*") {
      for (const Term& term : left) add(term);
      for (const Term& term : right) add(term);
      for (const Term& left_term : left) {
        for (const Term& right_term : right) add(term_union(left_term, right_term));
      }
    } else if (op == "/") {
      // a / b: b within each level of all of a, i.e. a + a:b.
      Term all_left;
      for (const Term& term : left) all_left = term_union(all_left, term);
      for (const Term& term : left) add(term);
      for (const Term& term : right) add(term_union(term, all_left));
    }
    return out.take();
  }

  // (a + b + c)^k: every combination of up to k of the terms.
  Terms encode_power(const Node& node, bool removing) {
    const Node* exponent = &node.args[1];
    while (exponent->kind == Node::Kind::paren) exponent = &exponent->args[0];
    if (exponent->kind != Node::Kind::number || exponent->value < 1 ||
        exponent->value != std::floor(exponent->value) || exponent->value > 1000) {
      fail(exponent->offset,
           "expected a positive whole number after \"^\"; for a numeric power write I(x^2)");
    }
    const Terms base = encode(node.args[0], removing, true);
    Terms power = base;
    for (int step = 1; step < static_cast<int>(exponent->value); ++step) {
      UniqueTerms next;
      for (const Term& base_term : base) {
        for (const Term& power_term : power) {
          if (!next.add(term_union(base_term, power_term))) {
            fail(node.offset, fmt::format("the formula expands to more than {} terms", kMaxTerms));
          }
        }
      }
      power = next.take();
    }
    return power;
  }

  int variable(const Node& node) {
    const std::string label = deparse(node);
    for (std::size_t var_idx = 0; var_idx < parts_.variables.size(); ++var_idx) {
      if (parts_.variable_labels[var_idx] == label) return static_cast<int>(var_idx);
    }
    parts_.variables.push_back(node);
    parts_.variable_labels.push_back(label);
    return static_cast<int>(parts_.variables.size() - 1);
  }

  Formula::Parts& parts_;
};

}  // namespace

Formula::Formula(std::shared_ptr<const Parts> parts) : parts_(std::move(parts)) {}

const std::string& Formula::text() const noexcept {
  return parts_->text;
}
bool Formula::has_response() const noexcept {
  return parts_->response.has_value();
}
const std::string& Formula::response_label() const noexcept {
  return parts_->response_label;
}
const std::vector<std::string>& Formula::term_labels() const noexcept {
  return parts_->term_labels;
}
bool Formula::has_intercept() const noexcept {
  return parts_->intercept;
}
const std::vector<std::string>& Formula::offset_labels() const noexcept {
  return parts_->offset_labels;
}

Formula parse_formula(std::string_view text) {
  auto parts = std::make_shared<Formula::Parts>();
  parts->text = std::string(text);
  Parser parser(parts->text);
  auto [lhs, rhs] = parser.parse_formula();

  TermEncoder encoder(*parts);
  if (lhs) {
    const Node& response = *lhs;
    if (response.kind == Node::Kind::call && response.text == "cbind") {
      encoder.check_arithmetic(response.args[0]);
      encoder.check_arithmetic(response.args[1]);
    } else {
      encoder.check_arithmetic(response);
    }
    parts->response_label = deparse(response);
    parts->response = std::move(lhs);
  }

  Terms terms = encoder.encode(rhs, false, false);
  // R lists main effects first, then two-way interactions, and so on.
  std::stable_sort(terms.begin(), terms.end(),
                   [](const Term& a, const Term& b) { return a.size() < b.size(); });
  for (Term& term : terms) {
    std::string label;
    for (const int var_idx : term) {
      if (!label.empty()) label += ":";
      label += parts->variable_labels[static_cast<std::size_t>(var_idx)];
      if (parts->response &&
          parts->variable_labels[static_cast<std::size_t>(var_idx)] == parts->response_label) {
        encoder.fail(parts->variables[static_cast<std::size_t>(var_idx)].offset,
                     fmt::format("the response {} also appears on the right of \"~\"",
                                 parts->response_label));
      }
    }
    parts->term_labels.push_back(std::move(label));
    parts->terms.push_back(std::move(term));
  }
  return Formula(std::move(parts));
}

// ---------------------------------------------------------------------------
// The design matrix
// ---------------------------------------------------------------------------

namespace {

using Eigen::ArrayXd;
using Eigen::Index;

// A factor over the rows used: each row's level, and the levels in order.
struct Factor {
  std::vector<int> codes;
  std::vector<std::string> levels;
};

Factor string_factor(const std::vector<std::string>& values, const std::vector<std::size_t>& rows) {
  Factor factor;
  std::vector<std::string> sorted;
  sorted.reserve(rows.size());
  for (const std::size_t row : rows) sorted.push_back(values[row]);
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  factor.codes.reserve(rows.size());
  for (const std::size_t row : rows) {
    factor.codes.push_back(static_cast<int>(
        std::lower_bound(sorted.begin(), sorted.end(), values[row]) - sorted.begin()));
  }
  factor.levels = std::move(sorted);
  return factor;
}

Factor numeric_factor(const ArrayXd& values) {
  Factor factor;
  std::vector<double> sorted(values.begin(), values.end());
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  factor.codes.reserve(static_cast<std::size_t>(values.size()));
  for (const double value : values) {
    factor.codes.push_back(
        static_cast<int>(std::lower_bound(sorted.begin(), sorted.end(), value) - sorted.begin()));
  }
  for (const double level : sorted) factor.levels.push_back(format_r_number(level));
  return factor;
}

void collect_columns(const Node& node, std::vector<const Node*>& names) {
  if (node.kind == Node::Kind::name) {
    names.push_back(&node);
    return;
  }
  for (const Node& arg : node.args) collect_columns(arg, names);
}

// " (from columns a, b)" for the columns in `node`, empty for none.
std::string from_columns(const Node& node) {
  std::vector<const Node*> names;
  collect_columns(node, names);
  std::vector<std::string> distinct;
  for (const Node* name : names) {
    if (std::find(distinct.begin(), distinct.end(), name->text) == distinct.end()) {
      distinct.push_back(name->text);
    }
  }
  if (distinct.empty()) return {};
  return fmt::format(" (from column{} {})", distinct.size() == 1 ? "" : "s",
                     fmt::join(distinct, ", "));
}

// Evaluates the expressions of a formula over the rows of a frame that the
// model uses.
class Evaluator {
 public:
  Evaluator(const Formula::Parts& parts, const DataFrame& frame,
            const std::vector<std::size_t>& rows)
      : parts_(parts), frame_(frame), rows_(rows) {}

  ArrayXd numeric(const Node& node) const {
    const Index n = static_cast<Index>(rows_.size());
    switch (node.kind) {
      case Node::Kind::number:
        return ArrayXd::Constant(n, node.value);
      case Node::Kind::name:
        return column(node);
      case Node::Kind::paren:
        return numeric(node.args[0]);
      case Node::Kind::unary:
        return node.text == "-" ? ArrayXd(-numeric(node.args[0])) : numeric(node.args[0]);
      case Node::Kind::binary:
        return binary(node);
      case Node::Kind::call:
        return call(node);
    }
    return {};
  }

  // A variable that is a factor: a string column, or factor(x).
  std::optional<Factor> factor(const Node& node) const {
    const Node* inner = &node;
    const bool explicit_factor = node.kind == Node::Kind::call && node.text == "factor";
    if (explicit_factor) inner = &node.args[0];
    while (inner->kind == Node::Kind::paren) inner = &inner->args[0];
    if (inner->kind == Node::Kind::name &&
        frame_.column_type(inner->text) == DataFrame::ColumnType::string) {
      return string_factor(frame_.string_column(inner->text), rows_);
    }
    if (!explicit_factor) return std::nullopt;
    return numeric_factor(numeric(node.args[0]));
  }

  [[noreturn]] void fail_in_formula(const Node& node, std::string_view message) const {
    throw input_error(formula_position(parts_.text, node.offset), message);
  }

 private:
  ArrayXd column(const Node& node) const {
    if (frame_.column_type(node.text) != DataFrame::ColumnType::numeric) {
      fail_in_formula(node, fmt::format("column \"{}\" holds text, so it can be a factor but not "
                                        "part of an expression",
                                        node.text));
    }
    const std::vector<double>& values = frame_.numeric_column(node.text);
    ArrayXd out(static_cast<Index>(rows_.size()));
    for (std::size_t row_idx = 0; row_idx < rows_.size(); ++row_idx) {
      out[static_cast<Index>(row_idx)] = values[rows_[row_idx]];
    }
    // Missing cells were dropped before; what is left non-finite is Inf.
    for (Index row_idx = 0; row_idx < out.size(); ++row_idx) {
      if (!std::isfinite(out[row_idx])) {
        fail_at_row(node, row_idx,
                    fmt::format("{} is {}; a model needs finite numbers", deparse(node),
                                format_r_number(out[row_idx])));
      }
    }
    return out;
  }

  ArrayXd binary(const Node& node) const {
    const ArrayXd left = numeric(node.args[0]);
    const ArrayXd right = numeric(node.args[1]);
    ArrayXd out;
    if (node.text == "+") {
      out = left + right;
    } else if (node.text == "-") {
      out = left - right;
    } else if (node.text == "*") {
      out = left * right;
    } else if (node.text == "/") {
      for (Index row_idx = 0; row_idx < right.size(); ++row_idx) {
        if (right[row_idx] == 0) {
          fail_at_row(
              node.args[1], row_idx,
              fmt::format("{} divides by 0: {} is 0 here", deparse(node), deparse(node.args[1])));
        }
      }
      out = left / right;
    } else {  // "^"
      out = left.pow(right);
    }
    check_finite(node, out);
    return out;
  }

  ArrayXd call(const Node& node) const {
    const Node& arg = node.args[0];
    const ArrayXd x = numeric(arg);
    // The domain of each function, and how to say it.
    const auto check = [&](auto in_domain, std::string_view needs) {
      for (Index row_idx = 0; row_idx < x.size(); ++row_idx) {
        if (!in_domain(x[row_idx])) {
          fail_at_row(arg, row_idx,
                      fmt::format("{} needs {}, but {} is {} here", deparse(node), needs,
                                  deparse(arg), format_r_number(x[row_idx])));
        }
      }
    };
    ArrayXd out;
    if (node.text == "log") {
      check([](double v) { return v > 0; }, "a positive argument");
      out = x.log();
    } else if (node.text == "log1p") {
      check([](double v) { return v > -1; }, "an argument above -1");
      out = x.log1p();
    } else if (node.text == "sqrt") {
      check([](double v) { return v >= 0; }, "a non-negative argument");
      out = x.sqrt();
    } else if (node.text == "exp") {
      out = x.exp();
    } else {  // I()
      out = x;
    }
    check_finite(node, out);
    return out;
  }

  void check_finite(const Node& node, const ArrayXd& values) const {
    for (Index row_idx = 0; row_idx < values.size(); ++row_idx) {
      if (!std::isfinite(values[row_idx])) {
        fail_at_row(node, row_idx,
                    fmt::format("{} is {} here{}; a model needs finite numbers", deparse(node),
                                format_r_number(values[row_idx]), from_columns(node)));
      }
    }
  }

  // Reports a value at the source of the first column in `node`, or at the
  // expression in the formula when it uses no column.
  [[noreturn]] void fail_at_row(const Node& node, Index row_idx, std::string_view message) const {
    std::vector<const Node*> names;
    collect_columns(node, names);
    if (names.empty()) fail_in_formula(node, message);
    const std::size_t row = rows_[static_cast<std::size_t>(row_idx)];
    throw input_error(frame_.cell_position(names.front()->text, row), message);
  }

  const Formula::Parts& parts_;
  const DataFrame& frame_;
  const std::vector<std::size_t>& rows_;
};

// A variable over the rows used: numbers, or a factor.
struct Variable {
  ArrayXd values;
  std::optional<Factor> factor;
};

}  // namespace

ModelMatrix build_model_matrix(const Formula& formula, const DataFrame& frame) {
  const Formula::Parts& parts = *formula.parts_;

  // Every column the model reads, checked before anything is evaluated, so
  // that a typo is reported at its place in the formula.
  std::vector<const Node*> names;
  if (parts.response) collect_columns(*parts.response, names);
  for (const Node& variable : parts.variables) collect_columns(variable, names);
  for (const Node& offset : parts.offsets) collect_columns(offset, names);
  std::vector<std::string> columns;
  for (const Node* name : names) {
    if (!frame.has_column(name->text)) {
      throw input_error(formula_position(parts.text, name->offset),
                        detail::unknown_column_message(frame, name->text));
    }
    if (std::find(columns.begin(), columns.end(), name->text) == columns.end()) {
      columns.push_back(name->text);
    }
  }

  // R's na.omit: a row missing any of these is left out.
  ModelMatrix mm;
  std::vector<bool> incomplete(frame.row_count());
  for (const std::string& name : columns) {
    const std::vector<bool> missing = frame.missing_cells(name);
    for (std::size_t row = 0; row < missing.size(); ++row) {
      if (missing[row]) incomplete[row] = true;
    }
  }
  for (std::size_t row = 0; row < frame.row_count(); ++row) {
    if (!incomplete[row]) mm.rows_used.push_back(row);
  }
  mm.rows_dropped = frame.row_count() - mm.rows_used.size();
  if (mm.rows_used.empty()) {
    throw Error(Error::Kind::input,
                fmt::format("{}: no row has a value in every column the model uses ({})",
                            frame.source_name(), fmt::join(columns, ", ")));
  }
  const Index n = static_cast<Index>(mm.rows_used.size());
  const Evaluator evaluator(parts, frame, mm.rows_used);

  if (parts.response) {
    const Node& response = *parts.response;
    mm.response_name = parts.response_label;
    if (response.kind == Node::Kind::call && response.text == "cbind") {
      const ArrayXd successes = evaluator.numeric(response.args[0]);
      const ArrayXd failures = evaluator.numeric(response.args[1]);
      for (const Node* count : {&response.args[0], &response.args[1]}) {
        const ArrayXd& values = count == &response.args[0] ? successes : failures;
        for (Index row_idx = 0; row_idx < n; ++row_idx) {
          if (values[row_idx] < 0) {
            std::vector<const Node*> count_names;
            collect_columns(*count, count_names);
            const std::string message = fmt::format(
                "{} counts successes and failures, but {} is {} here", parts.response_label,
                deparse(*count), format_r_number(values[row_idx]));
            if (count_names.empty()) evaluator.fail_in_formula(*count, message);
            throw input_error(frame.cell_position(count_names.front()->text,
                                                  mm.rows_used[static_cast<std::size_t>(row_idx)]),
                              message);
          }
        }
      }
      const ArrayXd trials = successes + failures;
      // As R's binomial()$initialize: no trials, proportion 0 at weight 0.
      mm.response = (trials > 0).select(successes / trials, 0.0).matrix();
      mm.weights = trials.matrix();
    } else {
      if (response.kind == Node::Kind::name &&
          frame.column_type(response.text) == DataFrame::ColumnType::string) {
        evaluator.fail_in_formula(response, fmt::format("the response \"{}\" holds text; it must "
                                                        "be numeric",
                                                        response.text));
      }
      mm.response = evaluator.numeric(response).matrix();
    }
  }

  mm.has_offset = !parts.offsets.empty();
  mm.offset = Eigen::VectorXd::Zero(n);
  for (const Node& offset : parts.offsets) mm.offset += evaluator.numeric(offset.args[0]).matrix();

  // Variables used in terms, evaluated once each. ("y ~ a - a" names a
  // variable that is in no term: R's model frame, and so the rows used,
  // still count it, but it has no column.)
  std::vector<bool> in_terms(parts.variables.size());
  for (const Term& term : parts.terms) {
    for (const int var : term) in_terms[static_cast<std::size_t>(var)] = true;
  }
  std::vector<Variable> variables(parts.variables.size());
  for (std::size_t var_idx = 0; var_idx < parts.variables.size(); ++var_idx) {
    if (!in_terms[var_idx]) continue;
    const Node& node = parts.variables[var_idx];
    variables[var_idx].factor = evaluator.factor(node);
    if (variables[var_idx].factor) {
      mm.factor_levels.emplace_back(parts.variable_labels[var_idx],
                                    variables[var_idx].factor->levels);
    } else {
      variables[var_idx].values = evaluator.numeric(node);
    }
  }

  // Coding of each factor in each term (Chambers & Hastie 1992, 2.4.1): by
  // contrasts when the term without that factor is a part of an earlier term
  // (or nothing), since then the earlier terms already span what the
  // dropped level would add; otherwise by one indicator per level.
  const std::size_t term_count = parts.terms.size();
  std::vector<std::vector<bool>> contrasts(term_count);
  for (std::size_t term_idx = 0; term_idx < term_count; ++term_idx) {
    const Term& term = parts.terms[term_idx];
    for (const int var : term) {
      Term rest;
      std::copy_if(term.begin(), term.end(), std::back_inserter(rest),
                   [var](int other) { return other != var; });
      bool marginal_present = rest.empty();
      for (std::size_t earlier = 0; earlier < term_idx && !marginal_present; ++earlier) {
        const Term& before = parts.terms[earlier];
        marginal_present = std::includes(before.begin(), before.end(), rest.begin(), rest.end());
      }
      contrasts[term_idx].push_back(marginal_present);
    }
  }
  // Without an intercept the first factor with levels to spare takes its
  // place, coded by indicators (as R's model.matrix does).
  if (!parts.intercept) {
    bool done = false;
    for (std::size_t term_idx = 0; term_idx < term_count && !done; ++term_idx) {
      const Term& term = parts.terms[term_idx];
      for (std::size_t pos = 0; pos < term.size() && !done; ++pos) {
        const Variable& variable = variables[static_cast<std::size_t>(term[pos])];
        if (variable.factor && variable.factor->levels.size() > 1) {
          contrasts[term_idx][pos] = false;
          done = true;
        }
      }
    }
  }

  std::vector<Eigen::VectorXd> columns_x;
  if (parts.intercept) {
    columns_x.push_back(Eigen::VectorXd::Ones(n));
    mm.column_names.emplace_back("(Intercept)");
    mm.assign.push_back(0);
  }
  for (std::size_t term_idx = 0; term_idx < term_count; ++term_idx) {
    const Term& term = parts.terms[term_idx];
    // The term's columns, counted before they are made.
    std::size_t term_columns = 1;
    for (std::size_t pos = 0; pos < term.size() && term_columns <= kMaxColumns; ++pos) {
      const Variable& variable = variables[static_cast<std::size_t>(term[pos])];
      if (variable.factor) {
        const std::size_t first = contrasts[term_idx][pos] ? 1 : 0;
        const std::size_t levels = variable.factor->levels.size();
        term_columns *= levels > first ? levels - first : 0;
      }
    }
    if (term_columns > kMaxColumns - std::min(kMaxColumns, columns_x.size())) {
      evaluator.fail_in_formula(
          parts.variables[static_cast<std::size_t>(term.front())],
          fmt::format("the model has more than {} columns with the term {}; a model that large "
                      "cannot be fitted",
                      kMaxColumns, truncate_utf8(parts.term_labels[term_idx], 80)));
    }
    // The term's columns, the first variable varying fastest, as R's.
    std::vector<ArrayXd> values{ArrayXd::Ones(n)};
    std::vector<std::string> labels{""};
    for (std::size_t pos = 0; pos < term.size(); ++pos) {
      const std::size_t var_idx = static_cast<std::size_t>(term[pos]);
      const Variable& variable = variables[var_idx];
      const std::string& label = parts.variable_labels[var_idx];
      std::vector<ArrayXd> var_values;
      std::vector<std::string> var_labels;
      if (!variable.factor) {
        var_values.push_back(variable.values);
        var_labels.push_back(label);
      } else {
        const Factor& factor = *variable.factor;
        const std::size_t first = contrasts[term_idx][pos] ? 1 : 0;
        if (first == 1 && factor.levels.size() < 2) {
          evaluator.fail_in_formula(
              parts.variables[var_idx],
              fmt::format("{} has a single level (\"{}\") in the rows used, so it has nothing to "
                          "contrast with",
                          label, truncate_utf8(factor.levels.front(), 40)));
        }
        for (std::size_t level = first; level < factor.levels.size(); ++level) {
          ArrayXd indicator(n);
          for (Index row_idx = 0; row_idx < n; ++row_idx) {
            indicator[row_idx] =
                factor.codes[static_cast<std::size_t>(row_idx)] == static_cast<int>(level) ? 1 : 0;
          }
          var_values.push_back(std::move(indicator));
          var_labels.push_back(label + factor.levels[level]);
        }
      }
      std::vector<ArrayXd> next_values;
      std::vector<std::string> next_labels;
      for (std::size_t var_col = 0; var_col < var_values.size(); ++var_col) {
        for (std::size_t prev_col = 0; prev_col < values.size(); ++prev_col) {
          next_values.push_back(values[prev_col] * var_values[var_col]);
          next_labels.push_back(labels[prev_col].empty()
                                    ? var_labels[var_col]
                                    : labels[prev_col] + ":" + var_labels[var_col]);
        }
      }
      values = std::move(next_values);
      labels = std::move(next_labels);
    }
    for (std::size_t col = 0; col < values.size(); ++col) {
      columns_x.push_back(values[col].matrix());
      mm.column_names.push_back(std::move(labels[col]));
      mm.assign.push_back(static_cast<int>(term_idx) + 1);
    }
  }

  mm.x.resize(n, static_cast<Index>(columns_x.size()));
  for (std::size_t col = 0; col < columns_x.size(); ++col) {
    mm.x.col(static_cast<Index>(col)) = columns_x[col];
  }
  mm.term_labels = parts.term_labels;
  mm.has_intercept = parts.intercept;
  return mm;
}

std::vector<int> factor_codes(const DataFrame& frame, std::string_view column,
                              const std::vector<std::size_t>& rows,
                              std::vector<std::string>* levels) {
  for (const std::size_t row : rows) {
    if (frame.is_missing(column, row)) {
      throw input_error(frame.cell_position(column, row),
                        fmt::format("column \"{}\" has no value here", column));
    }
  }
  Factor factor;
  if (frame.column_type(column) == DataFrame::ColumnType::string) {
    factor = string_factor(frame.string_column(column), rows);
  } else {
    const std::vector<double>& values = frame.numeric_column(column);
    ArrayXd selected(static_cast<Index>(rows.size()));
    for (std::size_t row_idx = 0; row_idx < rows.size(); ++row_idx) {
      selected[static_cast<Index>(row_idx)] = values[rows[row_idx]];
    }
    factor = numeric_factor(selected);
  }
  if (levels != nullptr) *levels = std::move(factor.levels);
  return factor.codes;
}

}  // namespace vigil::glm
