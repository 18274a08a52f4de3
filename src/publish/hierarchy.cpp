// Generalisation hierarchies (see hierarchy.hpp).
//
// Every hierarchy with listed values, whether read from a file, built in
// memory or compiled in, goes through one builder that checks the same
// things: rows as wide as the header, no empty cell, no value listed twice,
// and one parent per group. A group is a (level, label) pair: two rows that
// write the same label at a level are in the same group there.
#include "publish/hierarchy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <utility>

#include "core/country.hpp"
#include "core/error.hpp"
#include "core/utf8.hpp"
#include "io/csv.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace detail {
// The data files, compiled in by the build (src/CMakeLists.txt, from
// data/hierarchies/).
extern const char* const kUnM49Csv;
extern const char* const kCtdcAgeBandCsv;
}  // namespace detail

namespace {

// Hierarchy values are quasi-identifier values (a country, an age band), not
// identifying fields, but a message quotes at most this many characters.
constexpr std::size_t kQuoted = 40;
constexpr std::size_t kQuotedExample = 12;

bool is_dash(char32_t code) {
  // Hyphen-minus, hyphen, non-breaking hyphen, figure dash, en dash, em
  // dash, horizontal bar, minus sign.
  return code == U'-' || (code >= 0x2010 && code <= 0x2015) || code == 0x2212;
}

// "27—29", "27--29", "27 – 29" -> "27-29": runs of dashes become one '-',
// spaces go. Bytes that are not UTF-8 are kept as they are.
std::string normalise_dashes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const auto sequence = decode_utf8_at(text, pos);
    const std::size_t length = sequence ? sequence->length : 1;
    if (sequence && is_dash(sequence->code)) {
      if (out.empty() || out.back() != '-') out += '-';
    } else if (text[pos] != ' ') {
      out.append(text.substr(pos, length));
    }
    pos += length;
  }
  return out;
}

bool is_year(std::string_view text) {
  return text.size() == 4 &&
         std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
}

// A CSV text (a file's or a compiled-in one's) as header + rows, each row
// with the line it starts on.
struct CsvRows {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::vector<std::size_t> lines;
};

CsvRows read_rows(std::istream& in, const std::string& source) {
  io::CsvReader reader(in, source);
  CsvRows csv;
  if (!reader.next(csv.header)) {
    throw input_error(SourcePosition{source, 1, 0},
                      "the file is empty; expected a header row naming the levels");
  }
  for (std::size_t column = 0; column < csv.header.size(); ++column) {
    detail::trim_spaces(csv.header[column]);
    if (csv.header[column].empty()) {
      throw input_error(SourcePosition{source, reader.record_line(), column + 1},
                        "the header names no level here");
    }
  }
  std::vector<std::string> fields;
  while (reader.next(fields)) {
    if (fields.size() != csv.header.size()) {
      // Point at the first missing field of a short row, the first extra
      // field of a long one (as read_categorical_csv does).
      throw input_error(SourcePosition{source, reader.record_line(),
                                       std::min(fields.size(), csv.header.size()) + 1},
                        fmt::format("expected {} fields as in the header, got {}",
                                    csv.header.size(), fields.size()));
    }
    for (std::string& field : fields) detail::trim_spaces(field);
    csv.rows.push_back(fields);
    csv.lines.push_back(reader.record_line());
  }
  if (in.bad()) throw Error(Error::Kind::io, source + ": cannot read the file");
  return csv;
}

}  // namespace

namespace detail {

// Builds hierarchies and reports what is wrong with their rows through
// `fail(row, column, message)` (which throws) and `where(row)` ("line 7").
class HierarchyBuilder {
 public:
  using Matching = Hierarchy::Matching;
  using Fail = std::function<void(std::size_t row, std::size_t column, const std::string&)>;
  using Where = std::function<std::string(std::size_t row)>;

  // Whether a "*" level is added above the last column always, or only when
  // that column does not already merge every value.
  enum class Top { when_needed, always };

  // `rows[r][0]` is a value, `rows[r][i]` its label at level i; every row has
  // level_names.size() cells (the caller checked).
  static Hierarchy listed(std::string name, std::vector<std::string> level_names,
                          const std::vector<std::vector<std::string>>& rows, Matching matching,
                          const Fail& fail, const Where& where, Top top = Top::when_needed) {
    const std::size_t width = level_names.size();
    if (rows.empty() && top == Top::when_needed) {
      fail(0, 0, "the hierarchy lists no values; expected a row per value below the header");
    }
    Hierarchy hierarchy;
    hierarchy.name_ = std::move(name);
    hierarchy.matching_ = matching;
    for (std::size_t row = 0; row < rows.size(); ++row) {
      for (std::size_t column = 0; column < width; ++column) {
        if (rows[row][column].empty()) {
          fail(row, column, "the cell is empty; every level needs a value");
        }
      }
    }
    // The last column is the top when it already merges everything (and is
    // not the values themselves).
    bool last_is_top = width >= 2 && top == Top::when_needed;
    for (std::size_t row = 1; row < rows.size() && last_is_top; ++row) {
      last_is_top = rows[row][width - 1] == rows[0][width - 1];
    }
    const std::size_t listed_levels = last_is_top ? width - 1 : width;  // levels 0..below top
    hierarchy.level_names_ = std::move(level_names);
    if (last_is_top) {
      hierarchy.top_ = rows[0][width - 1];
    } else {
      hierarchy.level_names_.emplace_back("*");
    }

    // One parent per group: parent[level][label] = (label above, first row).
    std::vector<std::map<std::string, std::pair<std::string, std::size_t>, std::less<>>> parent(
        width);
    for (std::size_t row = 0; row < rows.size(); ++row) {
      const std::vector<std::string>& cells = rows[row];
      const std::string key = match_key(cells[0], matching);
      if (key.empty()) {
        fail(row, 0,
             fmt::format("expected {}, got \"{}\"", describe(matching),
                         truncate_utf8(cells[0], kQuoted)));
      }
      const auto [slot, inserted] =
          hierarchy.index_.try_emplace(key, static_cast<std::uint32_t>(row));
      if (!inserted) {
        fail(row, 0,
             fmt::format("value \"{}\" is listed twice (first on {})",
                         truncate_utf8(cells[0], kQuoted), where(slot->second)));
      }
      // Level 0 to 1 is settled by the value being listed once.
      for (std::size_t level = 1; level + 1 < width; ++level) {
        const auto [first, fresh] = parent[level].try_emplace(
            cells[level], std::pair<std::string, std::size_t>{cells[level + 1], row});
        if (!fresh && first->second.first != cells[level + 1]) {
          fail(row, level + 1,
               fmt::format("\"{}\" at level \"{}\" generalises to \"{}\" on {} but to \"{}\" "
                           "here; each group needs one group above it",
                           truncate_utf8(cells[level], kQuoted), hierarchy.level_names_[level],
                           truncate_utf8(first->second.first, kQuoted), where(first->second.second),
                           truncate_utf8(cells[level + 1], kQuoted)));
        }
      }
    }

    const std::size_t groups_levels = listed_levels - 1;  // levels 1..listed_levels - 1
    hierarchy.labels_.resize(groups_levels);
    hierarchy.paths_.resize(rows.size() * groups_levels);
    std::vector<std::map<std::string, std::uint32_t, std::less<>>> group_of(groups_levels);
    for (std::size_t row = 0; row < rows.size(); ++row) {
      hierarchy.leaves_.push_back(rows[row][0]);
      for (std::size_t level = 1; level <= groups_levels; ++level) {
        auto& labels = hierarchy.labels_[level - 1];
        const auto [slot, inserted] = group_of[level - 1].try_emplace(
            rows[row][level], static_cast<std::uint32_t>(labels.size()));
        if (inserted) labels.push_back(rows[row][level]);
        hierarchy.paths_[row * groups_levels + level - 1] = slot->second;
      }
    }
    return hierarchy;
  }

  // The key under which a value is listed and looked up; "" when the value
  // cannot be listed (not a country code, for Matching::country).
  static std::string match_key(std::string_view value, Matching matching) {
    switch (matching) {
      case Matching::exact:
      case Matching::any:
        return std::string(value);
      case Matching::dashes:
        return normalise_dashes(value);
      case Matching::country: {
        const auto country = find_country(value);
        return country ? std::string(country->alpha3()) : std::string();
      }
    }
    return std::string(value);
  }

  static const char* describe(Matching matching) {
    return matching == Matching::country ? "an ISO 3166-1 alpha-2 or alpha-3 code" : "a value";
  }
};

}  // namespace detail

using detail::HierarchyBuilder;

std::optional<std::size_t> Hierarchy::find(std::string_view value) const {
  if (matching_ == Matching::any) return std::nullopt;
  const std::string key = HierarchyBuilder::match_key(value, matching_);
  if (key.empty()) return std::nullopt;
  const auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  return found->second;
}

bool Hierarchy::covers(std::string_view value) const {
  return value.empty() || matching_ == Matching::any || find(value).has_value();
}

std::optional<std::string> Hierarchy::generalise(std::string_view value, std::size_t level) const {
  if (level > height() || !covers(value)) return std::nullopt;
  if (level == height()) return top_;
  if (value.empty() || level == 0) return std::string(value);
  // 0 < level < height(): only listed hierarchies have such levels.
  const std::size_t leaf = *find(value);
  const std::size_t inner = height() - 1;
  return labels_[level - 1][paths_[leaf * inner + level - 1]];
}

Hierarchy read_hierarchy_csv(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, path + ": cannot open the file for reading");
  const CsvRows csv = read_rows(in, path);
  return HierarchyBuilder::listed(
      path, csv.header, csv.rows, HierarchyBuilder::Matching::exact,
      [&](std::size_t row, std::size_t column, const std::string& message) {
        // A file without value rows is reported at its header.
        if (csv.lines.empty()) throw input_error(SourcePosition{path, 1, 0}, message);
        throw input_error(SourcePosition{path, csv.lines[row], column + 1}, message);
      },
      [&](std::size_t row) { return fmt::format("line {}", csv.lines[row]); });
}

Hierarchy make_hierarchy(std::string name, std::vector<std::string> level_names,
                         const std::vector<std::vector<std::string>>& rows) {
  if (level_names.empty()) {
    throw Error(Error::Kind::usage, fmt::format("hierarchy \"{}\" names no level", name));
  }
  std::vector<std::vector<std::string>> trimmed = rows;
  for (std::size_t row = 0; row < rows.size(); ++row) {
    if (rows[row].size() != level_names.size()) {
      throw Error(Error::Kind::usage,
                  fmt::format("hierarchy \"{}\": row {} has {} cells; expected {} (one per level)",
                              name, row + 1, rows[row].size(), level_names.size()));
    }
    for (std::string& cell : trimmed[row]) detail::trim_spaces(cell);
  }
  const std::string label = name;
  return HierarchyBuilder::listed(
      std::move(name), std::move(level_names), trimmed, HierarchyBuilder::Matching::exact,
      [&](std::size_t row, std::size_t column, const std::string& message) {
        throw Error(Error::Kind::usage, rows.empty()
                                            ? fmt::format("hierarchy \"{}\": {}", label, message)
                                            : fmt::format("hierarchy \"{}\", row {}, column {}: {}",
                                                          label, row + 1, column + 1, message));
      },
      [](std::size_t row) { return fmt::format("row {}", row + 1); });
}

namespace {

// A compiled-in data file, parsed as if read from data/hierarchies/<file>.
Hierarchy builtin(const char* text, const std::string& file, std::string name,
                  std::vector<std::string> level_names,
                  const std::function<std::vector<std::string>(std::vector<std::string>)>& row_of,
                  HierarchyBuilder::Matching matching) {
  const std::string source = "data/hierarchies/" + file;
  std::istringstream in{std::string(text)};
  CsvRows csv = read_rows(in, source);
  for (auto& row : csv.rows) row = row_of(std::move(row));
  return HierarchyBuilder::listed(
      std::move(name), std::move(level_names), csv.rows, matching,
      [&](std::size_t row, std::size_t column, const std::string& message) {
        throw Error(Error::Kind::internal,
                    fmt::format("{}:{}:{}: {} (the compiled-in data file is wrong)", source,
                                csv.lines.empty() ? 2 : csv.lines[row], column + 1, message));
      },
      [&](std::size_t row) { return fmt::format("line {}", csv.lines[row]); });
}

}  // namespace

Hierarchy country_hierarchy() {
  static const Hierarchy hierarchy = builtin(
      detail::kUnM49Csv, "un_m49.csv", "UN M49 regions", {"country", "sub_region", "region"},
      [](std::vector<std::string> row) {
        // alpha3, m49, sub_region, region -> alpha3, sub_region, region. An
        // area without an M49 region (Antarctica) is "*" above the country.
        std::vector<std::string> path{std::move(row[0]), std::move(row[2]), std::move(row[3])};
        // (push_back rather than = "*": GCC 12 warns, wrongly, of an
        // overlapping memcpy in the inlined assignment.)
        if (path[1].empty()) path[1].push_back('*');
        if (path[2].empty()) path[2].push_back('*');
        return path;
      },
      HierarchyBuilder::Matching::country);
  return hierarchy;
}

Hierarchy age_band_hierarchy() {
  static const Hierarchy hierarchy = builtin(
      detail::kCtdcAgeBandCsv, "ctdc_age_band.csv", "CTDC age bands",
      {"age_band", "age_group", "majority"}, [](std::vector<std::string> row) { return row; },
      HierarchyBuilder::Matching::dashes);
  return hierarchy;
}

Hierarchy year_hierarchy(const std::vector<std::string>& values) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> seen;
  for (const std::string& value : values) {
    if (!is_year(value) || std::find(seen.begin(), seen.end(), value) != seen.end()) continue;
    seen.push_back(value);
    const int year = std::stoi(value);
    auto period = [year](int length) {
      const int first = year / length * length;
      return fmt::format("{}-{}", first, first + length - 1);
    };
    rows.push_back({value, period(5), period(10)});
  }
  // The "*" level is always added, so that years of a single decade still
  // have the decade as a level of its own.
  return HierarchyBuilder::listed(
      "years", {"year", "5-year period", "decade"}, rows, HierarchyBuilder::Matching::exact,
      [](std::size_t, std::size_t, const std::string& message) {
        throw Error(Error::Kind::internal, "year hierarchy: " + message);
      },
      [](std::size_t row) { return fmt::format("row {}", row + 1); },
      HierarchyBuilder::Top::always);
}

Hierarchy suppression_hierarchy() {
  return Hierarchy();
}

Hierarchy default_hierarchy(const CategoricalTable& table, std::size_t column) {
  const std::vector<std::string>& values = table.values.at(column);
  if (values.empty()) return suppression_hierarchy();
  auto every = [&values](const auto& test) {
    return std::all_of(values.begin(), values.end(), test);
  };
  if (every([](const std::string& value) { return find_country(value).has_value(); })) {
    return country_hierarchy();
  }
  const Hierarchy bands = age_band_hierarchy();
  if (every([&bands](const std::string& value) { return bands.covers(value); })) return bands;
  if (every([](const std::string& value) { return is_year(value); })) {
    return year_hierarchy(values);
  }
  return suppression_hierarchy();
}

ColumnGeneralisation generalise_column(const Hierarchy& hierarchy, const CategoricalTable& table,
                                       std::size_t column) {
  const std::vector<std::string>& values = table.values.at(column);
  const std::size_t height = hierarchy.height();
  ColumnGeneralisation result;
  result.labels.resize(height + 1);
  result.codes.assign(height + 1, std::vector<std::uint32_t>(values.size() + 1, 0));

  std::size_t uncovered = 0;
  const std::string* example = nullptr;
  for (const std::string& value : values) {
    if (hierarchy.covers(value)) continue;
    if (uncovered++ == 0) example = &value;
  }
  if (uncovered > 0) {
    throw Error(Error::Kind::input,
                fmt::format("{}: column \"{}\": {} of its {} values {} not in the hierarchy "
                            "\"{}\" (for example \"{}\")",
                            table.source.empty() ? std::string("the table") : table.source,
                            table.columns.at(column), uncovered, values.size(),
                            uncovered == 1 ? "is" : "are", hierarchy.name(),
                            truncate_utf8(*example, kQuotedExample)));
  }

  result.labels[0] = values;
  for (std::size_t code = 0; code <= values.size(); ++code) {
    result.codes[0][code] = static_cast<std::uint32_t>(code);
  }
  for (std::size_t level = 1; level <= height; ++level) {
    std::map<std::string, std::uint32_t, std::less<>> code_of;
    auto& labels = result.labels[level];
    auto& codes = result.codes[level];
    if (level == height) {
      labels.push_back(hierarchy.top());
      std::fill(codes.begin(), codes.end(), 1U);  // missing too
      continue;
    }
    for (std::size_t code = 1; code <= values.size(); ++code) {
      std::string label = *hierarchy.generalise(values[code - 1], level);
      const auto [slot, inserted] =
          code_of.try_emplace(std::move(label), static_cast<std::uint32_t>(labels.size() + 1));
      if (inserted) labels.push_back(slot->first);
      codes[code] = slot->second;
    }
  }
  return result;
}

}  // namespace vigil::publish
