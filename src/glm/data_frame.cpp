// The data table that formulas are evaluated over, and its CSV reader; see
// formula.hpp for the contract.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <system_error>
#include <utility>

#include "glm/formula.hpp"
#include "io/csv.hpp"

namespace vigil::glm {

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();

// A wrong column name is most often a typo or a change of case; naming the
// nearest column saves the analyst a look at the header.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  for (std::size_t b_idx = 0; b_idx <= b.size(); ++b_idx) previous[b_idx] = b_idx;
  for (std::size_t a_idx = 1; a_idx <= a.size(); ++a_idx) {
    current[0] = a_idx;
    for (std::size_t b_idx = 1; b_idx <= b.size(); ++b_idx) {
      const auto lower = [](char c) {
        return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
      };
      // A change of case costs nothing: "Pop" for "pop" is the same intent.
      const std::size_t substitution = lower(a[a_idx - 1]) == lower(b[b_idx - 1]) ? 0 : 1;
      current[b_idx] = std::min(
          {previous[b_idx] + 1, current[b_idx - 1] + 1, previous[b_idx - 1] + substitution});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

bool is_blank(std::string_view text) {
  return text.find_first_not_of(" \t") == std::string_view::npos;
}

bool is_missing_text(std::string_view text) {
  return is_blank(text) || text == "NA";
}

// Whether `text` reads completely as a number, as R's type.convert decides
// that a column is numeric: surrounding blanks allowed, a leading '+'
// allowed, "Inf" and "NaN" accepted.
bool parse_number(std::string_view text, double& value) {
  const std::size_t first = text.find_first_not_of(" \t");
  const std::size_t last = text.find_last_not_of(" \t");
  if (first == std::string_view::npos) return false;
  text = text.substr(first, last - first + 1);
  if (text.size() > 1 && text[0] == '+' && text[1] != '-' && text[1] != '+') text.remove_prefix(1);
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  // An out-of-range literal ("1e999") is still a number: R reads it as Inf.
  if (ec == std::errc::result_out_of_range && ptr == end) {
    value = text[0] == '-' ? -std::numeric_limits<double>::infinity()
                           : std::numeric_limits<double>::infinity();
    return true;
  }
  return ec == std::errc() && ptr == end;
}

}  // namespace

namespace detail {

std::string unknown_column_message(const DataFrame& frame, std::string_view name) {
  const std::vector<std::string> names = frame.column_names();
  std::string suggestion;
  std::size_t best = 3;  // suggest only names within two edits...
  for (const std::string& candidate : names) {
    const std::size_t distance = edit_distance(name, candidate);
    // ...that share more than they differ in: "zz" is no typo for "y".
    if (distance < best && distance < std::min(name.size(), candidate.size())) {
      best = distance;
      suggestion = candidate;
    }
  }
  // A file with hundreds of columns would bury the message; the first ones
  // tell the user which file was read.
  constexpr std::size_t kListed = 30;
  std::string listed;
  for (std::size_t name_idx = 0; name_idx < names.size() && name_idx < kListed; ++name_idx) {
    if (name_idx > 0) listed += ", ";
    listed += names[name_idx];
  }
  if (names.size() > kListed) listed += fmt::format(" and {} more", names.size() - kListed);
  if (names.empty()) listed = "(none)";
  return fmt::format(
      "no column \"{}\" in {}{}; its columns are: {}", truncate_utf8(name, 40), frame.source_name(),
      suggestion.empty() ? "" : fmt::format(" (did you mean \"{}\"?)", suggestion), listed);
}

}  // namespace detail

DataFrame::DataFrame(std::string source_name) : source_name_(std::move(source_name)) {}

std::vector<std::string> DataFrame::column_names() const {
  std::vector<std::string> names;
  names.reserve(columns_.size());
  for (const Column& column : columns_) names.push_back(column.name);
  return names;
}

bool DataFrame::has_column(std::string_view name) const noexcept {
  return std::any_of(columns_.begin(), columns_.end(),
                     [name](const Column& column) { return column.name == name; });
}

const DataFrame::Column& DataFrame::column(std::string_view name) const {
  for (const Column& column : columns_) {
    if (column.name == name) return column;
  }
  throw Error(Error::Kind::input, detail::unknown_column_message(*this, name));
}

DataFrame::ColumnType DataFrame::column_type(std::string_view name) const {
  return column(name).type;
}

const std::vector<double>& DataFrame::numeric_column(std::string_view name) const {
  const Column& found = column(name);
  if (found.type != ColumnType::numeric) {
    throw Error(Error::Kind::input, fmt::format("column \"{}\" of {} holds text, not numbers",
                                                found.name, source_name_));
  }
  return found.numbers;
}

const std::vector<std::string>& DataFrame::string_column(std::string_view name) const {
  const Column& found = column(name);
  if (found.type != ColumnType::string) {
    throw Error(Error::Kind::input, fmt::format("column \"{}\" of {} holds numbers, not text",
                                                found.name, source_name_));
  }
  return found.strings;
}

std::vector<bool> DataFrame::missing_cells(std::string_view name) const {
  const Column& found = column(name);
  if (found.type == ColumnType::string) {
    return found.missing.empty() ? std::vector<bool>(found.strings.size()) : found.missing;
  }
  std::vector<bool> missing(found.numbers.size());
  for (std::size_t row = 0; row < missing.size(); ++row)
    missing[row] = std::isnan(found.numbers[row]);
  return missing;
}

bool DataFrame::is_missing(std::string_view name, std::size_t row) const {
  const Column& found = column(name);
  if (found.type == ColumnType::numeric) return std::isnan(found.numbers.at(row));
  return !found.missing.empty() && found.missing.at(row);
}

SourcePosition DataFrame::cell_position(std::string_view name, std::size_t row) const {
  return SourcePosition{source_name_, row_lines_.at(row), column(name).field};
}

void DataFrame::add_column(Column column) {
  const std::size_t rows =
      column.type == ColumnType::numeric ? column.numbers.size() : column.strings.size();
  if (has_column(column.name)) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: a column \"{}\" exists already", source_name_, column.name));
  }
  if (columns_.empty()) {
    row_lines_.resize(rows);
    for (std::size_t row = 0; row < rows; ++row) row_lines_[row] = row + 1;
  } else if (rows != row_lines_.size()) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: column \"{}\" has {} rows, the frame {}", source_name_,
                            column.name, rows, row_lines_.size()));
  }
  column.field = columns_.size() + 1;
  columns_.push_back(std::move(column));
}

void DataFrame::add_numeric_column(std::string name, std::vector<double> values) {
  Column column;
  column.name = std::move(name);
  column.type = ColumnType::numeric;
  column.numbers = std::move(values);
  add_column(std::move(column));
}

void DataFrame::add_string_column(std::string name, std::vector<std::string> values,
                                  std::vector<bool> missing) {
  if (!missing.empty() && missing.size() != values.size()) {
    throw Error(Error::Kind::usage,
                fmt::format("{}: column \"{}\" has {} values but {} missing flags", source_name_,
                            name, values.size(), missing.size()));
  }
  Column column;
  column.name = std::move(name);
  column.type = ColumnType::string;
  column.strings = std::move(values);
  column.missing = std::move(missing);
  add_column(std::move(column));
}

DataFrame read_data_frame(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  DataFrame frame = read_data_frame(in, path);
  if (in.bad()) throw Error(Error::Kind::io, path + ": cannot read the file");
  return frame;
}

DataFrame read_data_frame(std::istream& in, const std::string& source_name) {
  io::CsvReader reader(in, source_name);
  std::vector<std::string> header;
  if (!reader.next(header)) {
    throw input_error(SourcePosition{source_name, 1, 0},
                      "the file is empty; expected a header row naming the columns");
  }
  for (std::size_t field_idx = 0; field_idx < header.size(); ++field_idx) {
    const SourcePosition where{source_name, reader.record_line(), field_idx + 1};
    if (is_blank(header[field_idx])) throw input_error(where, "the header names no column here");
    for (std::size_t earlier = 0; earlier < field_idx; ++earlier) {
      if (header[earlier] == header[field_idx]) {
        throw input_error(where, fmt::format("column \"{}\" is named twice in the header",
                                             truncate_utf8(header[field_idx], 40)));
      }
    }
  }

  std::vector<std::vector<std::string>> cells(header.size());
  std::vector<std::size_t> lines;
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    if (fields.size() != header.size()) {
      throw input_error(
          SourcePosition{source_name, reader.record_line(), 0},
          fmt::format("expected {} fields as in the header, got {}", header.size(), fields.size()));
    }
    for (std::size_t field_idx = 0; field_idx < fields.size(); ++field_idx) {
      cells[field_idx].push_back(std::move(fields[field_idx]));
    }
    lines.push_back(reader.record_line());
  }

  DataFrame frame(source_name);
  for (std::size_t field_idx = 0; field_idx < header.size(); ++field_idx) {
    std::vector<std::string>& column = cells[field_idx];
    std::vector<double> numbers(column.size(), kNan);
    bool numeric = true;
    for (std::size_t row = 0; row < column.size() && numeric; ++row) {
      if (!is_missing_text(column[row])) numeric = parse_number(column[row], numbers[row]);
    }
    if (numeric) {
      frame.add_numeric_column(header[field_idx], std::move(numbers));
    } else {
      std::vector<bool> missing(column.size());
      for (std::size_t row = 0; row < column.size(); ++row) {
        missing[row] = is_missing_text(column[row]);
        if (missing[row]) column[row].clear();
      }
      frame.add_string_column(header[field_idx], std::move(column), std::move(missing));
    }
  }
  frame.row_lines_ = std::move(lines);
  return frame;
}

}  // namespace vigil::glm
