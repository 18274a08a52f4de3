// Charts as inline SVG, drawn by vigil itself.
//
// The report (report.hpp) goes to ministries, donors and journalists who open
// it offline on any laptop and print it, so every chart is a self-contained
// <svg> element: no script, no external font or stylesheet, text as <text>
// (selectable, searchable, read by screen readers), and
//
//   - a <title> child first, holding the chart's title (what a screen reader
//     announces), and the same title drawn as a visible heading;
//   - axes labelled with what they measure and its unit (e.g. "Victims
//     identified (persons)"), as <text> elements of class "axis-label x" and
//     "axis-label y": every chart has at least one of each (a flow chart's
//     origin and destination labels are both "axis-label y", its value label
//     "axis-label x"; a matrix's column label is x, its row label y);
//   - the root element is <svg class="chart" role="img" viewBox="..."> with
//     width and height attributes, and aria-labelledby pointing at its title;
//   - colours from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal
//     Design"), which stays distinguishable under the common forms of colour
//     blindness, and never colour alone: series also differ by marker or dash,
//     and bars carry their value as text.
//
// Charts hold no data they do not show: the caller suppresses small cells
// before building a chart (a suppressed value is NaN and drawn as a gap or
// as the text "suppressed", never as a number).
//
// Output is deterministic: the same input gives the same bytes (numbers are
// printed with fixed precision), so golden files can pin it. All text is
// XML-escaped.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::report {

// The Okabe-Ito colours in the order series use them: orange, sky blue,
// bluish green, yellow, blue, vermillion, reddish purple, black.
const std::vector<std::string>& okabe_ito_palette();

// Escapes &, <, >, " and ' for XML text and attributes.
std::string xml_escape(std::string_view text);

// "Nice" axis ticks (1, 2 or 5 times a power of ten) covering [low, high],
// about `target` of them; low < high after widening a degenerate range.
std::vector<double> nice_ticks(double low, double high, int target = 5);

// Formats a tick or value: thousands separated by commas ("12,500"), at most
// `decimals` decimals, no trailing zeros; NaN is "NA", infinities "Inf" and
// "-Inf", and -0 prints as "0".
std::string format_number(double value, int decimals = 2);

struct ChartSize {
  int width = 720;
  int height = 360;
};

// Lines over a numeric x axis (years): one polyline per series, a marker
// (circle, square, triangle, diamond, in series order) on every point, a gap
// where a value is NaN, and a legend. The y axis starts at 0 unless
// `y_from_zero` is false.
struct LineSeries {
  std::string name;
  std::vector<double> x;
  std::vector<double> y;  // NaN: suppressed or missing, drawn as a gap
};
struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  bool y_from_zero = true;
  ChartSize size;
};
std::string render_line_chart(const LineChart& chart);

// Horizontal bars, one per category, in the order given, each with its
// value written at its end (a NaN value is drawn without a bar and with the
// text "suppressed"). `value_label` names the value axis and its unit.
struct BarChart {
  std::string title;
  std::string category_label;  // the axis of the categories (e.g. "Labour sector")
  std::string value_label;     // e.g. "Victims (persons)" or "Share of victims (%)"
  std::vector<std::string> categories;
  std::vector<double> values;
  ChartSize size;  // height grows with the number of categories when needed
};
std::string render_bar_chart(const BarChart& chart);

// Corridors as flow bars: origin on the left, destination on the right, and
// between them a band whose thickness is proportional to the flow, labelled
// with its value. Origins and destinations are stacked in the order of their
// largest flow. NaN flows are listed as "suppressed" and drawn as a dashed
// outline of no thickness.
struct Flow {
  std::string origin;
  std::string destination;
  double value = 0.0;
};
struct FlowChart {
  std::string title;
  std::string origin_label;       // e.g. "Citizenship"
  std::string destination_label;  // e.g. "Country of exploitation"
  std::string value_label;        // e.g. "Victims (persons)"
  std::vector<Flow> flows;
  ChartSize size;
};
std::string render_flow_chart(const FlowChart& chart);

// Point estimates with intervals, one row per label: a forest plot of rate
// ratios (log_scale, reference 1), the MSE panel (observed and estimated
// totals with their interval, reference none), or ranks with their
// 5-95% intervals (rank 1 is on the left; `reverse` flips the axis). A row
// with NaN lower/upper has a point only; a NaN estimate draws the row's
// label with "not estimable".
struct IntervalRow {
  std::string label;
  double estimate = 0.0;
  double lower = 0.0;
  double upper = 0.0;
};
struct IntervalChart {
  std::string title;
  std::string value_label;  // e.g. "Rate ratio (95% interval, log scale)"
  std::string row_label;    // e.g. "Term"
  std::vector<IntervalRow> rows;
  std::optional<double> reference;  // a vertical dashed line (1 for ratios)
  bool log_scale = false;           // all values must then be > 0
  bool reverse = false;
  ChartSize size;
};
std::string render_interval_chart(const IntervalChart& chart);

// A matrix of counts as a heat map with the count in every cell (a NaN cell
// reads "suppressed" and is hatched): the overlap of agencies' lists.
// Colour runs from white to the palette's blue by count, and text switches
// to white on dark cells.
struct MatrixChart {
  std::string title;
  std::string row_label;
  std::string column_label;
  std::vector<std::string> rows;
  std::vector<std::string> columns;
  std::vector<std::vector<double>> values;  // rows x columns
  ChartSize size;
};
std::string render_matrix_chart(const MatrixChart& chart);

}  // namespace vigil::report
