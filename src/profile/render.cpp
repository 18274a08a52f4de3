// Renderings of a Profile. The JSON and CSV layouts are a public contract
// (scripts and dashboards read them): keys, order and sections change only
// with vigil_profile_version.
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace vigil::profile {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kProfileVersion = 1;

std::string_view perspective_name(Perspective perspective) {
  return perspective == Perspective::citizenship ? "citizenship" : "exploitation";
}

template <typename T>
Json or_null(const std::optional<T>& value) {
  return value ? Json(*value) : Json(nullptr);
}

// ---------------------------------------------------------------- JSON

Json country_rows_json(const CountryTable& table) {
  Json rows = Json::array();
  for (const auto& row : table.rows) {
    rows.push_back(Json{{"code", row.country.alpha3()},
                        {"alpha2", row.country.alpha2()},
                        {"name", row.country.name()},
                        {"count", row.count},
                        {"percent", row.percent}});
  }
  return rows;
}

Json country_summary_json(const CountryTable& table) {
  return Json{{"known", table.known},
              {"missing", table.missing},
              {"other", table.other},
              {"distinct", table.distinct}};
}

Json distribution_json(const Distribution& distribution) {
  Json counts = Json::object();
  Json percent = Json::object();
  Json labels = Json::object();
  for (const auto& category : distribution.counts) {
    counts[category.key] = category.count;
    percent[category.key] = category.percent;
    labels[category.key] = category.label;
  }
  return Json{
      {"label", distribution.label},    {"multiple_response", distribution.multiple_response},
      {"counts", std::move(counts)},    {"percent", std::move(percent)},
      {"labels", std::move(labels)},    {"denominator", distribution.denominator},
      {"missing", distribution.missing}};
}

// ---------------------------------------------------------------- CSV

// The quoting rule of vigil::io::csv_escape, repeated here because
// vigil_profile depends on vigil_core only.
std::string csv_field(std::string_view field) {
  const bool needs_quotes = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                            (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!needs_quotes) return std::string(field);
  std::string out = "\"";
  for (const char ch : field) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

struct CsvRow {
  std::string_view section;
  std::string_view key;
  std::string_view label;
  std::optional<std::int64_t> count;
  std::optional<double> percent;
  std::optional<std::int64_t> denominator;
  std::optional<std::int64_t> missing;
};

template <typename T>
std::string csv_number(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : std::string();
}

void append_csv(std::string& out, const CsvRow& row) {
  out += csv_field(row.section);
  out += ',';
  out += csv_field(row.key);
  out += ',';
  out += csv_field(row.label);
  out += ',';
  out += csv_number(row.count);
  out += ',';
  out += csv_number(row.percent);
  out += ',';
  out += csv_number(row.denominator);
  out += ',';
  out += csv_number(row.missing);
  out += '\n';
}

void append_country_csv(std::string& out, std::string_view section, const CountryTable& table) {
  for (const auto& row : table.rows) {
    append_csv(out, {section, row.country.alpha3(), row.country.name(), row.count, row.percent,
                     table.known, table.missing});
  }
  // Without this row a truncated table would not add up to its denominator.
  if (table.other != 0) {
    const double percent =
        100.0 * static_cast<double>(table.other) / static_cast<double>(table.known);
    append_csv(out, {section, "other", "Other countries", table.other, percent, table.known,
                     table.missing});
  }
}

// ---------------------------------------------------------------- table

// Terminal columns taken by UTF-8 text: one per code point, which holds for
// the Latin, Cyrillic and accented names of the country table.
std::size_t display_width(std::string_view text) {
  std::size_t width = 0;
  for (const char ch : text) {
    if ((static_cast<unsigned char>(ch) & 0xC0U) != 0x80U) ++width;
  }
  return width;
}

enum class Align { left, right };

struct Column {
  std::string header;
  Align align;
};

// Columns sized to their widest cell, two spaces apart, indented by two.
void append_text_table(std::string& out, const std::vector<Column>& columns,
                       const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths(columns.size(), 0);
  for (std::size_t c = 0; c < columns.size(); ++c) widths[c] = display_width(columns[c].header);
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < columns.size(); ++c) {
      widths[c] = std::max(widths[c], display_width(row[c]));
    }
  }
  const auto append_line = [&](const std::vector<std::string>& cells) {
    std::string line = " ";
    for (std::size_t c = 0; c < columns.size(); ++c) {
      const std::string_view cell = c < cells.size() ? std::string_view(cells[c]) : "";
      const std::string padding(widths[c] - display_width(cell), ' ');
      line += ' ';
      if (c != 0) line += ' ';
      if (columns[c].align == Align::right) {
        line += padding;
        line += cell;
      } else {
        line += cell;
        line += padding;
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  std::vector<std::string> headers;
  bool any_header = false;
  for (const auto& column : columns) {
    headers.push_back(column.header);
    any_header = any_header || !column.header.empty();
  }
  if (any_header) append_line(headers);
  for (const auto& row : rows) append_line(row);
}

std::string format_percent(double percent) {
  return fmt::format("{:.1f}%", percent);
}

std::string year_window(const ProfileOptions& options) {
  if (options.from_year && options.to_year) {
    return *options.from_year == *options.to_year
               ? fmt::format("{}", *options.from_year)
               : fmt::format("{}-{}", *options.from_year, *options.to_year);
  }
  if (options.from_year) return fmt::format("from {}", *options.from_year);
  if (options.to_year) return fmt::format("up to {}", *options.to_year);
  return "all years";
}

void append_country_table(std::string& out, std::string_view title, const CountryTable& table,
                          std::size_t top) {
  out += title;
  if (top != 0 && table.distinct > top) out += fmt::format(" (top {})", top);
  out += '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : table.rows) {
    rows.push_back({std::string(row.country.name()), std::string(row.country.alpha3()),
                    fmt::format("{}", row.count), format_percent(row.percent)});
  }
  if (table.other != 0) {
    rows.push_back({"Other countries", "", fmt::format("{}", table.other),
                    format_percent(100.0 * static_cast<double>(table.other) /
                                   static_cast<double>(table.known))});
  }
  append_text_table(out,
                    {{"Country", Align::left},
                     {"Code", Align::left},
                     {"Count", Align::right},
                     {"Percent", Align::right}},
                    rows);
  out += fmt::format("  n = {} with information, missing = {}, countries = {}\n", table.known,
                     table.missing, table.distinct);
}

void append_distribution(std::string& out, const Distribution& distribution) {
  out += distribution.label;
  if (distribution.multiple_response) out += " (several per victim: may sum past 100%)";
  out += '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& category : distribution.counts) {
    rows.push_back(
        {category.label, fmt::format("{}", category.count), format_percent(category.percent)});
  }
  append_text_table(
      out, {{"Category", Align::left}, {"Count", Align::right}, {"Percent", Align::right}}, rows);
  out += fmt::format("  n = {} with information, missing = {}\n", distribution.denominator,
                     distribution.missing);
}

}  // namespace

std::string render_json(const Profile& profile) {
  const auto& options = profile.options;
  Json json;
  json["vigil_profile_version"] = kProfileVersion;
  if (options.country) {
    json["country"] = Json{{"alpha2", options.country->alpha2()},
                           {"alpha3", options.country->alpha3()},
                           {"name", options.country->name()}};
  } else {
    json["country"] = nullptr;
  }
  json["perspective"] = perspective_name(options.perspective);
  json["from_year"] = or_null(options.from_year);
  json["to_year"] = or_null(options.to_year);
  json["records_read"] = profile.records_read;
  json["excluded_unknown_year"] = profile.excluded_unknown_year;
  json["excluded_outside_years"] = profile.excluded_outside_years;
  json["total"] = profile.total;
  json["domestic"] = profile.domestic;
  json["foreign"] = profile.foreign;
  json["origin_unknown"] = profile.origin_unknown;
  json["domestic_foreign_ratio"] = or_null(profile.domestic_foreign_ratio);
  json["international_percent"] = or_null(profile.international_percent);

  // Keys are years as text, inserted in numeric order (std::map), so that a
  // reader can index by year: profile.by_year["2019"].
  Json by_year = Json::object();
  Json by_year_detail = Json::object();
  for (const auto& [year, counts] : profile.by_year) {
    const auto key = std::to_string(year);
    by_year[key] = counts.total;
    by_year_detail[key] =
        Json{{"total", counts.total}, {"domestic", counts.domestic}, {"foreign", counts.foreign}};
  }
  json["by_year"] = std::move(by_year);
  json["by_year_detail"] = std::move(by_year_detail);
  json["year_missing"] = profile.year_missing;

  json["citizenship"] = country_rows_json(profile.citizenship);
  json["citizenship_summary"] = country_summary_json(profile.citizenship);
  json["destinations_abroad"] = country_rows_json(profile.destinations_abroad);
  json["destinations_abroad_summary"] = country_summary_json(profile.destinations_abroad);
  json["exploitation_countries"] = country_rows_json(profile.exploitation_countries);
  json["exploitation_countries_summary"] = country_summary_json(profile.exploitation_countries);

  for (const auto& distribution : profile.variables) {
    json[distribution.name] = distribution_json(distribution);
  }
  return json.dump(2) + "\n";
}

std::string render_csv(const Profile& profile) {
  std::string out = "section,key,label,count,percent,denominator,missing\n";

  // Domestic and foreign are shares of the victims whose origin is known, as
  // in international_percent; the other summary counts carry no percentage.
  const std::int64_t origin_known = profile.domestic + profile.foreign;
  const auto origin_percent = [&](std::int64_t count) -> std::optional<double> {
    if (origin_known == 0) return std::nullopt;
    return 100.0 * static_cast<double>(count) / static_cast<double>(origin_known);
  };
  append_csv(out, {"summary", "total", "Victims described", profile.total, {}, {}, {}});
  append_csv(out, {"summary", "domestic", "Domestic", profile.domestic,
                   origin_percent(profile.domestic), origin_known, profile.origin_unknown});
  append_csv(out, {"summary", "foreign", "Foreign", profile.foreign,
                   origin_percent(profile.foreign), origin_known, profile.origin_unknown});
  append_csv(out,
             {"summary", "origin_unknown", "Origin unknown", profile.origin_unknown, {}, {}, {}});
  append_csv(out, {"summary", "records_read", "Records read", profile.records_read, {}, {}, {}});
  append_csv(out, {"summary",
                   "excluded_unknown_year",
                   "Excluded: year unknown",
                   profile.excluded_unknown_year,
                   {},
                   {},
                   {}});
  append_csv(out, {"summary",
                   "excluded_outside_years",
                   "Excluded: outside the years",
                   profile.excluded_outside_years,
                   {},
                   {},
                   {}});

  const std::int64_t year_known = profile.total - profile.year_missing;
  for (const auto& [year, counts] : profile.by_year) {
    const auto key = std::to_string(year);
    append_csv(out, {"by_year", key, key, counts.total,
                     100.0 * static_cast<double>(counts.total) / static_cast<double>(year_known),
                     year_known, profile.year_missing});
  }

  append_country_csv(out, "citizenship", profile.citizenship);
  append_country_csv(out, "destinations_abroad", profile.destinations_abroad);
  append_country_csv(out, "exploitation_countries", profile.exploitation_countries);

  for (const auto& distribution : profile.variables) {
    for (const auto& category : distribution.counts) {
      append_csv(out, {distribution.name, category.key, category.label, category.count,
                       category.percent, distribution.denominator, distribution.missing});
    }
  }
  return out;
}

std::string render_table(const Profile& profile) {
  const auto& options = profile.options;
  std::string out;

  const std::string country =
      options.country ? fmt::format("{} ({})", options.country->name(), options.country->alpha3())
                      : std::string("all countries");
  const std::string title =
      fmt::format("Victim profile: {}, {} perspective, {}", country,
                  perspective_name(options.perspective), year_window(options));
  out += title + '\n';
  out += std::string(display_width(title), '=') + "\n\n";

  const std::string ratio = profile.domestic_foreign_ratio
                                ? fmt::format("{:.2f}", *profile.domestic_foreign_ratio)
                                : std::string("n/a");
  const std::string international = profile.international_percent
                                        ? format_percent(*profile.international_percent)
                                        : std::string("n/a");
  out += "Totals\n";
  append_text_table(
      out, {{"", Align::left}, {"", Align::right}},
      {
          {"Records read", fmt::format("{}", profile.records_read)},
          {"Excluded, year unknown", fmt::format("{}", profile.excluded_unknown_year)},
          {"Excluded, outside years", fmt::format("{}", profile.excluded_outside_years)},
          {"Victims described", fmt::format("{}", profile.total)},
          {"Domestic", fmt::format("{}", profile.domestic)},
          {"Foreign", fmt::format("{}", profile.foreign)},
          {"Origin unknown", fmt::format("{}", profile.origin_unknown)},
          {"Domestic/foreign ratio", ratio},
          {"International share", international},
      });

  out += "\nVictims per year\n";
  std::vector<std::vector<std::string>> years;
  for (const auto& [year, counts] : profile.by_year) {
    years.push_back({fmt::format("{}", year), fmt::format("{}", counts.total),
                     fmt::format("{}", counts.domestic), fmt::format("{}", counts.foreign)});
  }
  append_text_table(out,
                    {{"Year", Align::left},
                     {"Total", Align::right},
                     {"Domestic", Align::right},
                     {"Foreign", Align::right}},
                    years);
  out += fmt::format("  year unknown: {}\n", profile.year_missing);

  out += '\n';
  append_country_table(out, "Citizenship", profile.citizenship, options.top);
  if (options.country) {
    out += '\n';
    append_country_table(
        out, fmt::format("Destinations abroad of citizens of {}", options.country->name()),
        profile.destinations_abroad, options.top);
  }
  // In the exploitation perspective every described victim was exploited in
  // the country itself, so the table would hold one row.
  if (!options.country || options.perspective == Perspective::citizenship) {
    out += '\n';
    append_country_table(out, "Countries of exploitation", profile.exploitation_countries,
                         options.top);
  }

  for (const auto& distribution : profile.variables) {
    out += '\n';
    append_distribution(out, distribution);
  }
  return out;
}

}  // namespace vigil::profile
