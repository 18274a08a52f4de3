// Tests of the SVG charts (src/report/charts.hpp).
//
// Golden files: each chart type is rendered from a fixed, realistic input and
// compared byte for byte with tests/fixtures/report/golden/<name>.svg. After
// an intended change of the drawing, regenerate them with
//
//   VIGIL_UPDATE_GOLDEN=1 ./build/tests/report_tests
//
// (the golden tests then write the files instead of comparing, and pass),
// look at every changed chart (e.g. rsvg-convert -o /tmp/x.png FILE.svg) and
// commit them with the change. The structural tests below do not depend on
// the golden files.
#include "report/charts.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::report {
namespace {

constexpr double kNa = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// --- Fixed inputs -----------------------------------------------------------

LineChart victims_per_year() {
  LineChart chart;
  chart.title = "Victims identified per year, 2015-2022";
  chart.x_label = "Year of identification";
  chart.y_label = "Victims identified (persons)";
  const std::vector<double> years = {2015, 2016, 2017, 2018, 2019, 2020, 2021, 2022};
  chart.series.push_back({"Domestic", years, {412, 455, 390, 501, kNa, 478, 530, 566}});
  chart.series.push_back({"Foreign", years, {610, 702, 688, 745, 801, 655, 720, 812}});
  return chart;
}

BarChart sectors() {
  BarChart chart;
  chart.title = "Victims by sector of exploitation, 2022";
  chart.category_label = "Sector of exploitation";
  chart.value_label = "Victims (persons)";
  chart.categories = {
      "Agriculture",         "Construction",
      "Sexual exploitation", "Domestic work",
      "Manufacturing",       "Hospitality and food services",
      "Forced begging",      "Other sectors and sectors not recorded by the identifying agency"};
  chart.values = {312, 254, 243, 198, 121, 87, kNa, 41};
  return chart;
}

FlowChart corridors() {
  FlowChart chart;
  chart.title = "Corridors: citizenship to region of exploitation, 2018-2022";
  chart.origin_label = "Citizenship";
  chart.destination_label = "Region of exploitation (Kazakhstan)";
  chart.value_label = "Victims (persons)";
  chart.flows = {{"UZB", "Almaty", 412},    {"UZB", "Astana", 168}, {"UZB", "Turkistan", 95},
                 {"KGZ", "Almaty", 203},    {"KGZ", "Astana", 41},  {"TJK", "Almaty", 77},
                 {"TJK", "Turkistan", kNa}, {"KGZ", "Shymkent", 12}};
  return chart;
}

IntervalChart rate_ratios() {
  IntervalChart chart;
  chart.title = "Rate ratios of victims identified (negative binomial regression)";
  chart.value_label = "Rate ratio (95% interval, log scale)";
  chart.row_label = "Term";
  chart.rows = {{"Sex: female (vs male)", 1.42, 1.18, 1.71},
                {"Age 18-24 (vs 25-39)", 2.05, 1.61, 2.61},
                {"Age 40 and over (vs 25-39)", 0.64, 0.49, 0.84},
                {"Foreign citizen", 1.87, 1.52, 2.30},
                {"Year (per year)", 1.06, 1.02, 1.10},
                {"Labour sector", 0.91, kNa, kNa},
                {"Region: Turkistan (vs Almaty)", kNa, kNa, kNa}};
  chart.reference = 1.0;
  chart.log_scale = true;
  return chart;
}

IntervalChart mse_panel() {
  IntervalChart chart;
  chart.title = "Victims observed and estimated, Kazakhstan 2015-2022";
  chart.value_label = "Victims (persons, 95% interval)";
  chart.row_label = "Total";
  chart.rows = {{"Observed on at least one list", 33205, kNa, kNa},
                {"Estimated total (MSE)", 110308, 105554, 115375}};
  return chart;
}

IntervalChart region_ranks() {
  IntervalChart chart;
  chart.title = "Vulnerability ranks of regions (1 = most vulnerable)";
  chart.value_label = "Rank (5-95% interval)";
  chart.row_label = "Region";
  chart.rows = {{"Turkistan region", 1, 1, 3},  {"Almaty region", 2, 1, 4},
                {"Shymkent", 3, 2, 6},          {"Zhambyl region", 4, 2, 7},
                {"Kyzylorda region", 5, 3, 8},  {"Mangystau region", 6, 4, 9},
                {"Almaty", 7, 4, 10},           {"Atyrau region", 8, 5, 11},
                {"Astana", 9, 6, 12},           {"Karaganda region", 10, 7, 12},
                {"Pavlodar region", 11, 8, 12}, {"North Kazakhstan region", 12, 10, 12}};
  chart.reverse = true;
  return chart;
}

MatrixChart list_overlap() {
  MatrixChart chart;
  chart.title = "Overlap of agencies' lists of victims, 2022";
  chart.row_label = "Listed by";
  chart.column_label = "Also listed by";
  chart.rows = {"Police", "Labour inspectorate", "NGO shelters", "IOM", "Hotline 111"};
  chart.columns = chart.rows;
  // Symmetric: the IOM x Hotline cell is suppressed on both sides.
  chart.values = {{1840, 212, 395, 148, 61},
                  {212, 655, 88, 41, 17},
                  {395, 88, 1210, 233, 96},
                  {148, 41, 233, 702, kNa},
                  {61, 17, 96, kNa, 284}};
  return chart;
}

// --- Small inputs for edge cases -------------------------------------------

LineChart line(std::string title, std::vector<LineSeries> series) {
  LineChart chart;
  chart.title = std::move(title);
  chart.x_label = "Year";
  chart.y_label = "Victims (persons)";
  chart.series = std::move(series);
  return chart;
}

BarChart bar(std::string title, std::vector<std::string> categories, std::vector<double> values) {
  BarChart chart;
  chart.title = std::move(title);
  chart.category_label = "Region";
  chart.value_label = "Victims (persons)";
  chart.categories = std::move(categories);
  chart.values = std::move(values);
  return chart;
}

FlowChart flow(std::string title, std::vector<Flow> flows) {
  FlowChart chart;
  chart.title = std::move(title);
  chart.origin_label = "Citizenship";
  chart.destination_label = "Country of exploitation";
  chart.value_label = "Victims (persons)";
  chart.flows = std::move(flows);
  return chart;
}

IntervalChart intervals(std::string title, std::vector<IntervalRow> rows) {
  IntervalChart chart;
  chart.title = std::move(title);
  chart.value_label = "Rate ratio (95% interval)";
  chart.row_label = "Term";
  chart.rows = std::move(rows);
  return chart;
}

MatrixChart matrix(std::string title, std::vector<std::string> rows,
                   std::vector<std::string> columns, std::vector<std::vector<double>> values) {
  MatrixChart chart;
  chart.title = std::move(title);
  chart.row_label = "Listed by";
  chart.column_label = "Also listed by";
  chart.rows = std::move(rows);
  chart.columns = std::move(columns);
  chart.values = std::move(values);
  return chart;
}

// --- Helpers ----------------------------------------------------------------

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_golden(const std::string& name, const std::string& svg) {
  const std::string path = std::string(VIGIL_FIXTURES_DIR) + "/report/golden/" + name + ".svg";
  const char* update = std::getenv("VIGIL_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(path, std::ios::binary);
    out << svg;
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    return;
  }
  const std::string expected = read_file(path);
  ASSERT_FALSE(expected.empty()) << path << " is missing: run with VIGIL_UPDATE_GOLDEN=1";
  if (svg == expected) return;
  // The first line that differs, rather than two whole documents.
  std::istringstream got_lines(svg), expected_lines(expected);
  std::string got_line, expected_line;
  int line = 1;
  while (std::getline(got_lines, got_line) && std::getline(expected_lines, expected_line) &&
         got_line == expected_line) {
    ++line;
  }
  ADD_FAILURE() << name << ".svg differs from the rendered chart at line " << line
                << "\n  golden:   " << expected_line << "\n  rendered: " << got_line
                << "\n(VIGIL_UPDATE_GOLDEN=1 rewrites the golden files)";
}

struct Tag {
  std::string name;
  std::string attributes;
  bool closing = false;
  bool self_closing = false;
  std::size_t begin = 0;  // offset of '<'
  std::size_t end = 0;    // offset after '>'
};

std::vector<Tag> tags_of(const std::string& svg) {
  std::vector<Tag> tags;
  std::size_t pos = 0;
  while ((pos = svg.find('<', pos)) != std::string::npos) {
    const std::size_t close = svg.find('>', pos);
    if (close == std::string::npos) break;
    Tag tag;
    tag.begin = pos;
    tag.end = close + 1;
    std::string inner = svg.substr(pos + 1, close - pos - 1);
    if (!inner.empty() && inner.front() == '/') {
      tag.closing = true;
      inner.erase(0, 1);
    }
    if (!inner.empty() && inner.back() == '/') {
      tag.self_closing = true;
      inner.pop_back();
    }
    const std::size_t space = std::min(inner.find_first_of(" \n\t"), inner.size());
    tag.name = inner.substr(0, space);
    tag.attributes = inner.substr(space);
    tags.push_back(tag);
    pos = close + 1;
  }
  return tags;
}

// Tags properly nested, attributes quoted, no bare '&' or '<' in text.
::testing::AssertionResult well_formed(const std::string& svg) {
  std::vector<std::string> open;
  std::size_t roots = 0;
  for (const Tag& tag : tags_of(svg)) {
    if (tag.name.empty() || tag.name.front() == '?' || tag.name.front() == '!') {
      return ::testing::AssertionFailure() << "unexpected markup at " << tag.begin;
    }
    if (std::count(tag.attributes.begin(), tag.attributes.end(), '"') % 2 != 0) {
      return ::testing::AssertionFailure() << "unbalanced quotes in <" << tag.name << ">";
    }
    if (tag.closing) {
      if (open.empty() || open.back() != tag.name) {
        return ::testing::AssertionFailure()
               << "</" << tag.name << "> closes <" << (open.empty() ? "nothing" : open.back())
               << "> at " << tag.begin;
      }
      open.pop_back();
    } else {
      if (open.empty()) ++roots;
      if (!tag.self_closing) open.push_back(tag.name);
    }
  }
  if (!open.empty()) return ::testing::AssertionFailure() << "<" << open.back() << "> not closed";
  if (roots != 1) return ::testing::AssertionFailure() << roots << " root elements";
  static const std::regex entity("&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
  for (std::size_t pos = svg.find('&'); pos != std::string::npos; pos = svg.find('&', pos + 1)) {
    if (!std::regex_search(svg.begin() + static_cast<std::ptrdiff_t>(pos), svg.end(), entity,
                           std::regex_constants::match_continuous)) {
      return ::testing::AssertionFailure() << "bare '&' at " << pos;
    }
  }
  return ::testing::AssertionSuccess();
}

double attribute(const std::string& attributes, const std::string& name, double otherwise) {
  const std::regex pattern("\\s" + name + "=\"(-?[0-9.]+)\"");
  std::smatch match;
  if (std::regex_search(attributes, match, pattern)) return std::stod(match[1]);
  return otherwise;
}

std::string string_attribute(const std::string& attributes, const std::string& name) {
  const std::regex pattern("\\s" + name + "=\"([^\"]*)\"");
  std::smatch match;
  if (std::regex_search(attributes, match, pattern)) return match[1];
  return {};
}

// A <text> element: where it is and what it shows (without its <title>).
struct TextItem {
  std::string cls;
  std::string anchor;
  double x = 0;
  double y = 0;
  double size = 12;
  std::string shown;
  std::string title;
};

std::size_t characters(const std::string& text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) ++count;
    // An entity is one character.
    if (text[i] == '&') i = text.find(';', i);
  }
  return count;
}

std::vector<TextItem> texts_of(const std::string& svg) {
  std::vector<TextItem> texts;
  const std::vector<Tag> tags = tags_of(svg);
  for (std::size_t i = 0; i < tags.size(); ++i) {
    if (tags[i].name != "text" || tags[i].closing) continue;
    TextItem item;
    item.cls = string_attribute(tags[i].attributes, "class");
    item.anchor = string_attribute(tags[i].attributes, "text-anchor");
    item.x = attribute(tags[i].attributes, "x", 0);
    item.y = attribute(tags[i].attributes, "y", 0);
    item.size = attribute(tags[i].attributes, "font-size", 12);
    // Content up to </text>: tspans' text counts as shown, <title> not.
    std::size_t j = i + 1;
    std::size_t from = tags[i].end;
    bool in_title = false;
    std::string* line = &item.shown;
    std::string longest;
    for (; j < tags.size(); ++j) {
      (in_title ? item.title : *line) += svg.substr(from, tags[j].begin - from);
      from = tags[j].end;
      if (tags[j].name == "title") in_title = !tags[j].closing;
      if (tags[j].name == "tspan" && tags[j].closing) {
        if (characters(*line) > characters(longest)) longest = *line;
        line->clear();
      }
      if (tags[j].name == "text" && tags[j].closing) break;
    }
    if (characters(longest) > characters(item.shown)) item.shown = longest;
    texts.push_back(item);
  }
  return texts;
}

double viewbox(const std::string& svg, int index) {
  std::smatch match;
  const std::regex pattern("viewBox=\"0 0 ([0-9]+) ([0-9]+)\"");
  if (!std::regex_search(svg, match, pattern)) return 0;
  return std::stod(match[static_cast<std::size_t>(index + 1)]);
}

std::size_t count(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t pos = haystack.find(needle); pos != std::string::npos;
       pos = haystack.find(needle, pos + needle.size())) {
    ++n;
  }
  return n;
}

// What every chart must satisfy (charts.hpp): the root, a first-child title,
// axis labels of both kinds, no script or external reference, balanced tags,
// and text inside the view box (by the same width estimate as the layout).
void expect_structure(const std::string& svg, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_EQ(svg.rfind("<svg", 0), 0U);
  EXPECT_TRUE(well_formed(svg));
  const std::vector<Tag> tags = tags_of(svg);
  ASSERT_GE(tags.size(), 2U);
  EXPECT_EQ(tags[0].name, "svg");
  EXPECT_EQ(string_attribute(tags[0].attributes, "class"), "chart");
  EXPECT_EQ(string_attribute(tags[0].attributes, "role"), "img");
  EXPECT_EQ(string_attribute(tags[0].attributes, "font-family"), "system-ui, sans-serif");
  EXPECT_FALSE(string_attribute(tags[0].attributes, "width").empty());
  EXPECT_FALSE(string_attribute(tags[0].attributes, "height").empty());
  // Exactly one <title> that is the first child of its parent: the root's.
  int first_child_titles = 0;
  for (std::size_t i = 1; i < tags.size(); ++i) {
    const bool first_child = !tags[i - 1].closing && !tags[i - 1].self_closing &&
                             svg.find_first_not_of(" \n", tags[i - 1].end) == tags[i].begin;
    if (tags[i].name == "title" && !tags[i].closing && first_child) ++first_child_titles;
  }
  EXPECT_EQ(first_child_titles, 1);
  EXPECT_EQ(tags[1].name, "title");
  const std::string id = string_attribute(tags[1].attributes, "id");
  EXPECT_TRUE(std::regex_match(id, std::regex("chart-[a-z0-9-]*[0-9a-f]{4}"))) << id;
  EXPECT_EQ(string_attribute(tags[0].attributes, "aria-labelledby"), id);
  EXPECT_GE(count(svg, "class=\"axis-label x\""), 1U);
  EXPECT_GE(count(svg, "class=\"axis-label y\""), 1U);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_EQ(svg.find("<foreignObject"), std::string::npos);
  EXPECT_EQ(svg.find("href"), std::string::npos);
  std::string without_namespace = svg;
  const std::string ns = "xmlns=\"http://www.w3.org/2000/svg\"";
  ASSERT_EQ(count(svg, ns), 1U);
  without_namespace.erase(without_namespace.find(ns), ns.size());
  EXPECT_EQ(without_namespace.find("http://"), std::string::npos);
  EXPECT_EQ(without_namespace.find("https://"), std::string::npos);
  EXPECT_EQ(without_namespace.find("url("), without_namespace.find("url(#"));  // local only

  // Every text fits the view box.
  const double width = viewbox(svg, 0);
  const double height = viewbox(svg, 1);
  for (const TextItem& text : texts_of(svg)) {
    const double w = static_cast<double>(characters(text.shown)) * text.size * 0.6;
    const double left = text.anchor == "end"      ? text.x - w
                        : text.anchor == "middle" ? text.x - w / 2
                                                  : text.x;
    EXPECT_GE(left, -0.05) << text.shown;
    EXPECT_LE(left + w, width + 0.05) << text.shown;
    EXPECT_GE(text.y - text.size * 0.8, 0) << text.shown;
    EXPECT_LE(text.y + text.size * 0.25, height) << text.shown;
  }
}

std::vector<TextItem> texts_with_class(const std::string& svg, const std::string& cls) {
  std::vector<TextItem> out;
  for (const TextItem& text : texts_of(svg)) {
    if (text.cls == cls) out.push_back(text);
  }
  return out;
}

// Texts inside the <g class="suppressed"> groups.
std::vector<std::string> suppressed_texts(const std::string& svg) {
  std::vector<std::string> out;
  const std::string open = "<g class=\"suppressed\">";
  for (std::size_t pos = svg.find(open); pos != std::string::npos; pos = svg.find(open, pos + 1)) {
    const std::size_t end = svg.find("</g>", pos);
    for (const TextItem& text : texts_of(svg.substr(pos, end - pos))) out.push_back(text.shown);
  }
  return out;
}

TEST(ChartTestHelpers, WellFormedCheckerCatchesBadNesting) {
  EXPECT_TRUE(well_formed("<svg><g/><text x=\"1\">a &amp; b<title>t</title></text></svg>"));
  EXPECT_FALSE(well_formed("<svg><g></svg>"));
  EXPECT_FALSE(well_formed("<svg><a></b></svg>"));
  EXPECT_FALSE(well_formed("<svg></svg><svg></svg>"));
  EXPECT_FALSE(well_formed("<svg>a & b</svg>"));
  EXPECT_FALSE(well_formed("<?xml version=\"1.0\"?><svg></svg>"));
}

// --- Golden tests -------------------------------------------------------------

TEST(ChartGolden, LineVictimsPerYear) {
  expect_golden("line_victims_per_year", render_line_chart(victims_per_year()));
}

TEST(ChartGolden, BarSectors) {
  expect_golden("bar_sectors", render_bar_chart(sectors()));
}

TEST(ChartGolden, FlowCorridors) {
  expect_golden("flow_corridors", render_flow_chart(corridors()));
}

TEST(ChartGolden, IntervalRateRatiosLogScale) {
  expect_golden("interval_rate_ratios", render_interval_chart(rate_ratios()));
}

TEST(ChartGolden, IntervalMsePanel) {
  expect_golden("interval_mse", render_interval_chart(mse_panel()));
}

TEST(ChartGolden, IntervalRanksReversed) {
  expect_golden("interval_ranks_reversed", render_interval_chart(region_ranks()));
}

TEST(ChartGolden, MatrixListOverlap) {
  expect_golden("matrix_overlap", render_matrix_chart(list_overlap()));
}

// --- Structure ----------------------------------------------------------------

std::vector<std::pair<std::string, std::string>> all_charts() {
  std::vector<std::pair<std::string, std::string>> charts = {
      {"line", render_line_chart(victims_per_year())},
      {"bar", render_bar_chart(sectors())},
      {"flow", render_flow_chart(corridors())},
      {"forest", render_interval_chart(rate_ratios())},
      {"mse", render_interval_chart(mse_panel())},
      {"ranks", render_interval_chart(region_ranks())},
      {"matrix", render_matrix_chart(list_overlap())},
  };
  // Edge cases.
  charts.emplace_back("line empty", render_line_chart(line("Empty", {})));
  charts.emplace_back("line empty series",
                      render_line_chart(line("Empty series", {{"A", {}, {}}})));
  charts.emplace_back("line all NaN",
                      render_line_chart(line("All suppressed", {{"A", {2020, 2021}, {kNa, kNa}},
                                                                {"B", {2020, 2021}, {kNa, 4}}})));
  charts.emplace_back("line single point",
                      render_line_chart(line("One point", {{"A", {2021}, {17}}})));
  LineChart flat = line("Flat", {{"A", {1, 2, 3}, {5, 5, 5}}});
  flat.y_from_zero = false;
  charts.emplace_back("line flat", render_line_chart(flat));
  LineChart many;
  many.title = "Nine series";
  many.x_label = "Year";
  many.y_label = "Victims";
  for (int s = 0; s < 9; ++s) {
    many.series.push_back({"Series number " + std::to_string(s + 1),
                           {2001, 2010, 2020},
                           {1.0 * s, 2.0 * s, s == 3 ? kNa : 3.0 * s}});
  }
  charts.emplace_back("line nine series", render_line_chart(many));
  charts.emplace_back("bar empty", render_bar_chart(bar("No sectors", {}, {})));
  charts.emplace_back("bar all NaN", render_bar_chart(bar("Suppressed", {"A", "B"}, {kNa, kNa})));
  charts.emplace_back("bar negative",
                      render_bar_chart(bar("Change", {"North", "South", "East"}, {-120, 45, kNa})));
  charts.emplace_back("bar all negative",
                      render_bar_chart(bar("Falls", {"North", "South"}, {-120, -45})));
  charts.emplace_back("bar zero", render_bar_chart(bar("Zero", {"A"}, {0})));
  BarChart tall = bar("Many regions", {}, {});
  for (int i = 0; i < 30; ++i) {
    tall.categories.push_back("Sector " + std::to_string(i));
    tall.values.push_back(1000.0 * i);
  }
  charts.emplace_back("bar tall", render_bar_chart(tall));
  charts.emplace_back("flow empty", render_flow_chart(flow("No corridors", {})));
  charts.emplace_back("flow all NaN",
                      render_flow_chart(flow("Suppressed", {{"A", "B", kNa}, {"C", "B", kNa}})));
  charts.emplace_back("flow zero", render_flow_chart(flow("Zero", {{"A", "B", 0}, {"A", "C", 5}})));
  IntervalChart empty_intervals;
  empty_intervals.title = "No terms";
  empty_intervals.value_label = "Rate ratio";
  empty_intervals.row_label = "Term";
  charts.emplace_back("interval empty", render_interval_chart(empty_intervals));
  empty_intervals.log_scale = true;
  empty_intervals.reference = 1;
  charts.emplace_back("interval empty log", render_interval_chart(empty_intervals));
  IntervalChart open = intervals("Open interval", {{"Saturated", 5200, 4100, kInf}});
  charts.emplace_back("interval open", render_interval_chart(open));
  IntervalChart narrow = intervals("Narrow", {{"A", 1.1, 1.05, 1.2}});
  narrow.log_scale = true;
  charts.emplace_back("interval narrow log", render_interval_chart(narrow));
  IntervalChart wide = intervals("Wide", {{"A", 1, 1e-6, 1e6}});
  wide.log_scale = true;
  charts.emplace_back("interval wide log", render_interval_chart(wide));
  charts.emplace_back("matrix empty", render_matrix_chart(matrix("No lists", {}, {}, {})));
  MatrixChart wide_matrix = matrix("Twelve lists", {}, {}, {});
  for (int i = 0; i < 12; ++i) {
    wide_matrix.rows.push_back("List " + std::to_string(i));
    wide_matrix.columns.push_back("A long list name " + std::to_string(i));
  }
  wide_matrix.values.assign(12, std::vector<double>(12, 7));
  wide_matrix.values[3][4] = kNa;
  charts.emplace_back("matrix wide", render_matrix_chart(wide_matrix));
  return charts;
}

TEST(ChartStructure, EveryChartIsWellFormedAndLabelled) {
  for (const auto& [what, svg] : all_charts()) expect_structure(svg, what);
}

TEST(ChartStructure, SmallOrInvalidSizesStillFit) {
  for (const ChartSize size : {ChartSize{240, 160}, ChartSize{0, 0}, ChartSize{-10, 300}}) {
    const std::string where = std::to_string(size.width) + "x" + std::to_string(size.height);
    LineChart line_chart = victims_per_year();
    line_chart.size = size;
    expect_structure(render_line_chart(line_chart), "line " + where);
    BarChart bar_chart = sectors();
    bar_chart.size = size;
    expect_structure(render_bar_chart(bar_chart), "bar " + where);
    FlowChart flow_chart = corridors();
    flow_chart.size = size;
    expect_structure(render_flow_chart(flow_chart), "flow " + where);
    for (IntervalChart interval_chart : {rate_ratios(), mse_panel(), region_ranks()}) {
      interval_chart.size = size;
      expect_structure(render_interval_chart(interval_chart), interval_chart.title + " " + where);
    }
    MatrixChart matrix_chart = list_overlap();
    matrix_chart.size = size;
    expect_structure(render_matrix_chart(matrix_chart), "matrix " + where);
  }
}

TEST(ChartStructure, OutputIsDeterministic) {
  const auto first = all_charts();
  const auto second = all_charts();
  ASSERT_EQ(first.size(), second.size());
  for (std::size_t i = 0; i < first.size(); ++i) EXPECT_EQ(first[i].second, second[i].second);
}

TEST(ChartStructure, EmptyChartsSayNoData) {
  for (const auto& [what, svg] : all_charts()) {
    if (what.find("empty") == std::string::npos) continue;
    EXPECT_EQ(texts_with_class(svg, "no-data").size(), 1U) << what;
    EXPECT_NE(svg.find(">No data<"), std::string::npos) << what;
  }
}

TEST(ChartStructure, TitlesAreEscapedAndIdsDifferByTitle) {
  BarChart chart = sectors();
  chart.title = "Victims & \"others\" <2021>";
  const std::string svg = render_bar_chart(chart);
  expect_structure(svg, "escaped title");
  EXPECT_NE(svg.find("Victims &amp; &quot;others&quot; &lt;2021&gt;"), std::string::npos);
  EXPECT_EQ(svg.find("<2021>"), std::string::npos);
  EXPECT_EQ(svg.find("\"others\""), std::string::npos);

  const std::string a = render_bar_chart(sectors());
  chart.title = sectors().title + " (revised)";
  const std::string b = render_bar_chart(chart);
  const std::string id_a = string_attribute(tags_of(a)[1].attributes, "id");
  const std::string id_b = string_attribute(tags_of(b)[1].attributes, "id");
  EXPECT_NE(id_a, id_b);
  EXPECT_EQ(id_a.rfind("chart-victims-by-sector-of-exploitation-2022-", 0), 0U) << id_a;
}

TEST(ChartStructure, SuppressedValuesShowNoNumber) {
  // Bars: two of four suppressed.
  const std::string bars = render_bar_chart(bar("Bars", {"A", "B", "C", "D"}, {10, kNa, 30, kNa}));
  EXPECT_EQ(suppressed_texts(bars), (std::vector<std::string>{"suppressed", "suppressed"}));
  EXPECT_EQ(texts_with_class(bars, "value").size(), 2U);
  EXPECT_EQ(count(bars, "class=\"bar\""), 2U);

  // Matrix: every finite cell has its number, the suppressed ones none.
  const std::string matrix = render_matrix_chart(list_overlap());
  EXPECT_EQ(suppressed_texts(matrix), (std::vector<std::string>{"suppressed", "suppressed"}));
  std::multiset<std::string> numbers;
  for (const TextItem& text : texts_with_class(matrix, "value")) numbers.insert(text.shown);
  EXPECT_EQ(numbers.size(), 23U);
  EXPECT_EQ(numbers.count("1,840"), 1U);
  EXPECT_EQ(numbers.count("41"), 2U);

  // Flows: the suppressed corridor is listed, its value never printed.
  const std::string flows = render_flow_chart(corridors());
  EXPECT_EQ(suppressed_texts(flows), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(texts_with_class(flows, "value").size(), 7U);
  EXPECT_EQ(count(flows, "stroke-dasharray"), 1U);  // the outline of no thickness

  // Lines: the gap is marked, and the polyline is broken there.
  const std::string line = render_line_chart(victims_per_year());
  EXPECT_EQ(suppressed_texts(line), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(count(line, "<g class=\"series\">"), 2U);

  for (const std::string& svg : {bars, matrix, flows, line}) {
    EXPECT_EQ(svg.find("NA<"), std::string::npos);
    EXPECT_EQ(svg.find("nan"), std::string::npos);
  }
}

TEST(ChartStructure, LongLabelsAreCutAndKeptInATitle) {
  const std::string svg = render_bar_chart(sectors());
  bool found = false;
  double labels_right = 0;
  for (const TextItem& text : texts_with_class(svg, "category")) {
    labels_right = std::max(labels_right, text.x);
    if (text.title == sectors().categories.back()) {
      found = true;
      EXPECT_NE(text.shown.find("\u2026"), std::string::npos);
      EXPECT_LT(characters(text.shown), characters(text.title));
    }
  }
  EXPECT_TRUE(found);
  // Labels end left of every bar.
  for (const Tag& tag : tags_of(svg)) {
    if (string_attribute(tag.attributes, "class") == "bar") {
      EXPECT_GT(attribute(tag.attributes, "x", 0), labels_right);
    }
  }
}

TEST(ChartStructure, NegativeBarsGoLeftOfZero) {
  const std::string svg =
      render_bar_chart(bar("Change since 2021", {"North", "South"}, {-120, 45}));
  std::vector<double> x, w;
  for (const Tag& tag : tags_of(svg)) {
    if (string_attribute(tag.attributes, "class") == "bar") {
      x.push_back(attribute(tag.attributes, "x", 0));
      w.push_back(attribute(tag.attributes, "width", 0));
    }
  }
  ASSERT_EQ(x.size(), 2U);
  EXPECT_NEAR(x[0] + w[0], x[1], 0.11);  // the negative bar ends where the positive one starts
  EXPECT_GT(w[0], w[1]);
  const auto values = texts_with_class(svg, "value");
  ASSERT_EQ(values.size(), 2U);
  EXPECT_EQ(values[0].shown, "-120");
  EXPECT_EQ(values[0].anchor, "end");
}

TEST(ChartStructure, BarChartGrowsWithItsCategories) {
  BarChart tall = bar("Many regions", {}, {});
  for (int i = 0; i < 30; ++i) {
    tall.categories.push_back("Sector " + std::to_string(i));
    tall.values.push_back(i);
  }
  const std::string svg = render_bar_chart(tall);
  EXPECT_GE(viewbox(svg, 1), 30 * 22.0);
}

std::vector<double> estimate_positions(const std::string& svg) {
  std::vector<double> cx;
  for (const Tag& tag : tags_of(svg)) {
    if (string_attribute(tag.attributes, "class") == "estimate") {
      cx.push_back(attribute(tag.attributes, "cx", 0));
    }
  }
  return cx;
}

TEST(ChartStructure, ReverseFlipsTheValueAxis) {
  IntervalChart ranks = region_ranks();
  const std::vector<double> reversed = estimate_positions(render_interval_chart(ranks));
  ranks.reverse = false;
  const std::vector<double> forward = estimate_positions(render_interval_chart(ranks));
  ASSERT_EQ(reversed.size(), 12U);
  ASSERT_EQ(forward.size(), 12U);
  EXPECT_LT(forward.front(), forward.back());    // rank 1 left
  EXPECT_GT(reversed.front(), reversed.back());  // rank 1 right
}

TEST(ChartStructure, LogScaleForestPlot) {
  const std::string svg = render_interval_chart(rate_ratios());
  EXPECT_EQ(count(svg, "class=\"reference\""), 1U);
  EXPECT_EQ(estimate_positions(svg).size(), 6U);
  const auto missing = texts_with_class(svg, "not-estimable");
  ASSERT_EQ(missing.size(), 1U);
  EXPECT_EQ(missing[0].shown, "not estimable");
  std::vector<std::string> ticks;
  for (const TextItem& text : texts_with_class(svg, "tick x")) ticks.push_back(text.shown);
  EXPECT_EQ(ticks, (std::vector<std::string>{"0.2", "0.5", "1", "2", "5"}));
  std::vector<std::string> values;
  for (const TextItem& text : texts_with_class(svg, "interval-text")) values.push_back(text.shown);
  EXPECT_EQ(values.front(), "1.42 (1.18 to 1.71)");
  EXPECT_EQ(values.back(), "0.91");
}

TEST(ChartStructure, MsePanelStartsAtZero) {
  const std::string svg = render_interval_chart(mse_panel());
  const auto ticks = texts_with_class(svg, "tick x");
  ASSERT_FALSE(ticks.empty());
  EXPECT_EQ(ticks.front().shown, "0");
  const auto values = texts_with_class(svg, "interval-text");
  ASSERT_EQ(values.size(), 2U);
  EXPECT_EQ(values[0].shown, "33,205");
  EXPECT_EQ(values[1].shown, "110,308 (105,554 to 115,375)");
}

TEST(ChartStructure, LineChartYearsAndLegend) {
  const std::string svg = render_line_chart(victims_per_year());
  std::vector<std::string> years;
  for (const TextItem& text : texts_with_class(svg, "tick x")) years.push_back(text.shown);
  EXPECT_EQ(years, (std::vector<std::string>{"2015", "2016", "2017", "2018", "2019", "2020", "2021",
                                             "2022"}));
  EXPECT_EQ(count(svg, "<g class=\"legend\">"), 1U);
  EXPECT_NE(svg.find(">Domestic<"), std::string::npos);
  EXPECT_NE(svg.find(">Foreign<"), std::string::npos);
  EXPECT_NE(svg.find("<circle"), std::string::npos);   // first series
  EXPECT_NE(svg.find("<rect x="), std::string::npos);  // second series: squares
}

TEST(ChartErrors, LogScaleRefusesValuesAtOrBelowZero) {
  auto expect_usage = [](const IntervalChart& chart) {
    try {
      render_interval_chart(chart);
      ADD_FAILURE() << "no error";
    } catch (const Error& error) {
      EXPECT_EQ(error.kind(), Error::Kind::usage);
    }
  };
  IntervalChart chart = rate_ratios();
  chart.rows[0].lower = 0;
  expect_usage(chart);
  chart = rate_ratios();
  chart.rows[2].estimate = -0.5;
  expect_usage(chart);
  chart = rate_ratios();
  chart.reference = 0.0;
  expect_usage(chart);
  chart = rate_ratios();
  chart.log_scale = false;
  chart.rows[0].lower = -1;  // fine on a linear scale
  EXPECT_NO_THROW(render_interval_chart(chart));
}

TEST(ChartErrors, MismatchedSizesAreUsageErrors) {
  EXPECT_THROW(render_bar_chart(bar("Bars", {"A", "B"}, {1})), Error);
  EXPECT_THROW(render_line_chart(line("Lines", {{"A", {2020, 2021}, {1}}})), Error);
  EXPECT_THROW(render_matrix_chart(matrix("Matrix", {"A"}, {"B", "C"}, {{1}})), Error);
  EXPECT_THROW(render_flow_chart(flow("Flows", {{"A", "B", -3}})), Error);
}

// --- Helpers of charts.hpp ------------------------------------------------------

TEST(NiceTicks, HandValues) {
  EXPECT_EQ(nice_ticks(0, 97), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(nice_ticks(0, 1), (std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1}));
  EXPECT_EQ(nice_ticks(0, 1000), (std::vector<double>{0, 200, 400, 600, 800, 1000}));
  EXPECT_EQ(nice_ticks(-120, 45), (std::vector<double>{-150, -100, -50, 0, 50}));
  EXPECT_EQ(nice_ticks(2015, 2022), (std::vector<double>{2014, 2016, 2018, 2020, 2022}));
  EXPECT_EQ(nice_ticks(97, 0), nice_ticks(0, 97));
}

TEST(NiceTicks, DegenerateRangesAreWidened) {
  for (const double v : {0.0, 5.0, -3.0, 110308.0, 1e-9}) {
    const std::vector<double> ticks = nice_ticks(v, v);
    ASSERT_GE(ticks.size(), 2U) << v;
    EXPECT_LT(ticks.front(), v) << v;
    EXPECT_GT(ticks.back(), v) << v;
  }
  EXPECT_EQ(nice_ticks(0, 0), (std::vector<double>{-1, -0.5, 0, 0.5, 1}));
}

TEST(NiceTicks, CoverTheRangeWithEvenSteps) {
  const std::vector<std::pair<double, double>> ranges = {
      {0, 3}, {0.001, 0.0042}, {33205, 115375}, {-7.5, -2.25}, {1, 1e9}};
  for (const auto& [low, high] : ranges) {
    const std::vector<double> ticks = nice_ticks(low, high);
    ASSERT_GE(ticks.size(), 3U);
    EXPECT_LE(ticks.size(), 9U);
    EXPECT_LE(ticks.front(), low);
    EXPECT_GE(ticks.back(), high);
    const double step = ticks[1] - ticks[0];
    for (std::size_t i = 1; i < ticks.size(); ++i) {
      EXPECT_NEAR(ticks[i] - ticks[i - 1], step, 1e-9 * std::fabs(step));
    }
    const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
    EXPECT_TRUE(std::fabs(mantissa - 1) < 1e-9 || std::fabs(mantissa - 2) < 1e-9 ||
                std::fabs(mantissa - 5) < 1e-9)
        << step;
  }
}

TEST(NiceTicks, NonFiniteRangeIsAUsageError) {
  EXPECT_THROW(nice_ticks(0, std::numeric_limits<double>::infinity()), Error);
  EXPECT_THROW(nice_ticks(kNa, 1), Error);
}

TEST(FormatNumber, HandValues) {
  EXPECT_EQ(format_number(12500), "12,500");
  EXPECT_EQ(format_number(1.5), "1.5");
  EXPECT_EQ(format_number(2), "2");
  EXPECT_EQ(format_number(2.0, 3), "2");
  EXPECT_EQ(format_number(-1234.5, 1), "-1,234.5");
  EXPECT_EQ(format_number(110308), "110,308");
  EXPECT_EQ(format_number(1234567.891, 2), "1,234,567.89");
  EXPECT_EQ(format_number(999), "999");
  EXPECT_EQ(format_number(1000), "1,000");
  EXPECT_EQ(format_number(0.126, 2), "0.13");
  EXPECT_EQ(format_number(0.5, 0), "0");  // half to even, as fmt rounds
  EXPECT_EQ(format_number(1.25, 1), "1.2");
  EXPECT_EQ(format_number(-0.001, 2), "0");  // never "-0"
  EXPECT_EQ(format_number(0), "0");
  EXPECT_EQ(format_number(-5), "-5");
  EXPECT_EQ(format_number(kNa), "NA");
  EXPECT_EQ(format_number(std::numeric_limits<double>::infinity()), "Inf");
  EXPECT_EQ(format_number(-std::numeric_limits<double>::infinity()), "-Inf");
}

TEST(XmlEscape, EscapesTheFiveCharacters) {
  EXPECT_EQ(xml_escape("a & b < c > d \"e\" 'f'"),
            "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;");
  EXPECT_EQ(xml_escape("Қазақстан"), "Қазақстан");
  EXPECT_EQ(xml_escape(std::string("a\x01"
                                   "b")),
            "a\uFFFDb");
}

TEST(Palette, OkabeIto) {
  const auto& palette = okabe_ito_palette();
  ASSERT_EQ(palette.size(), 8U);
  EXPECT_EQ(palette[0], "#E69F00");
  EXPECT_EQ(palette[4], "#0072B2");
  EXPECT_EQ(palette[7], "#000000");
}

}  // namespace
}  // namespace vigil::report
