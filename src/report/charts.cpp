// Charts as inline SVG; charts.hpp is the contract. Layout is computed from
// estimated text widths (no font is available to measure with), so every
// margin that holds text is sized from the longest label it holds, and labels
// longer than their room are cut with an ellipsis, their full text kept in a
// <title> child of the <text> (a browser shows it on hover).
//
// Points charts.hpp leaves open, settled here:
//  - Text width is estimated as 0.6 x font size per character (UTF-8 code
//    point): 7.2 px at 12 px, a little more than system-ui's average, so that
//    estimates err on the side of room.
//  - Non-finite values: NaN is a suppressed value (a gap, the text
//    "suppressed"). An infinite value in a line, bar, flow or matrix chart is
//    drawn as NaN; an infinite interval bound runs to the edge of the plot,
//    which leaves room for it, ends in an arrow and reads "∞".
//  - vigil::Error of kind usage: mismatched sizes (x and y of a series,
//    categories and values, a matrix's names and values), a negative flow, a
//    value or reference <= 0 on a log-scale interval chart, and nice_ticks
//    with a bound that is not finite.
//  - nice_ticks widens a degenerate range [v, v] to [v - |v|/10, v + |v|/10]
//    ([-1, 1] for 0). Among steps of 1, 2 or 5 times a power of ten it takes
//    the one whose ticks, from the largest multiple <= low to the smallest
//    >= high, number closest to `target`, penalising axis left empty.
//  - format_number prints NaN as "NA", infinities as "Inf" and "-Inf", never
//    "-0".
//  - Values written on a chart (bar ends, flows, cells, intervals) share one
//    fixed precision per chart, so that a column aligns: none when all are
//    whole numbers, else 0 decimals from 100, 1 from 10, 2 below; on a log
//    scale each has at least two significant digits.
//  - Tick labels are never closer than 12 px: a narrow axis gets fewer ticks.
//  - Line charts: x values that are all whole numbers from 1000 to 2999 are
//    years, printed without separator, every one ticked when there is room.
//    Points are joined in the order given. At the x of a NaN the series'
//    marker, hollow, sits above the x axis with the text "suppressed".
//  - The values written on bar ends, flows and matrix cells have the class
//    "value"; an interval chart's "estimate (lower to upper)", printed right
//    of the plot, has the class "interval-text" (a ratio or a rank is no
//    count).
//  - Interval charts: a linear axis starts at 0 when all values are positive
//    and the smallest is at most half the largest (the MSE panel shows the
//    observed count against the estimate to scale). `reverse` flips the value axis: values decrease
//    from left to right, which puts rank 1 at the right end; rank 1 is at the
//    left with `reverse` false. (charts.hpp says "reversed so that rank 1 is
//    left", which no axis direction other than the plain one gives.)
//  - Flow charts: each flow has a slot of at least 18 px at both ends so that
//    its value fits beside it, at the origin; the thickest band is at most
//    120 px.
//  - Size: rows of bar and interval charts are 22 to 48 px high, matrix cells
//    28 to 44 px high and at least 64 px wide (so that "suppressed" fits), and
//    a plot area at least 100 px wide: the chart's height (bar, flow,
//    interval, matrix) and width (bar, interval, matrix) shrink or grow from
//    `size` to fit. The size is at least 240 x 160.
//  - The id of a chart's <title> is "chart-" + a slug of the title + "-" + 4
//    hex digits of a hash (FNV-1a) of the title: two charts on one page need
//    two titles. A matrix's hatch pattern is "<id>-hatch".
#include "report/charts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace vigil::report {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

constexpr double kPad = 12.0;          // space around the chart
constexpr double kTitleSize = 15.0;    // the visible heading
constexpr double kLabelSize = 12.0;    // axis labels, categories, row labels
constexpr double kTickSize = 11.0;     // tick labels and values
constexpr double kNoteSize = 10.0;     // "suppressed" in tight spots
constexpr double kCharWidth = 0.6;     // estimated advance per character / font size
constexpr double kHeadingBottom = 32;  // first free y below the heading
constexpr double kBottomMargin = 50;   // x tick labels and the x axis label
constexpr double kMinRow = 22;         // smallest band of a bar or interval row
constexpr double kMaxRow = 48;         // and the largest
constexpr double kMinPlot = 100;       // narrowest plot area of a bar or interval chart

constexpr const char* kInk = "#222222";
constexpr const char* kMuted = "#595959";
constexpr const char* kGrid = "#e0e0e0";
constexpr const char* kAxis = "#444444";
constexpr const char* kBlue = "#0072B2";  // Okabe-Ito blue: bars, intervals, matrix

Error usage_error(const std::string& message) {
  return Error(Error::Kind::usage, "chart: " + message);
}

// A coordinate with one decimal, never "-0.0".
std::string num(double value) {
  if (!std::isfinite(value)) throw Error(Error::Kind::internal, "chart: non-finite coordinate");
  double rounded = std::round(value * 10.0) / 10.0;
  if (rounded == 0.0) rounded = 0.0;
  return fmt::format("{:.1f}", rounded);
}

std::size_t code_points(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) ++count;
  }
  return count;
}

double text_width(std::string_view text, double size) {
  return static_cast<double>(code_points(text)) * size * kCharWidth;
}

// `text` if it fits in `max_width`, else its first characters and "…".
std::string fit_text(std::string_view text, double max_width, double size) {
  if (text_width(text, size) <= max_width) return std::string(text);
  const auto fit =
      static_cast<std::size_t>(std::max(0.0, std::floor(max_width / (size * kCharWidth))));
  const std::size_t keep = std::max<std::size_t>(fit, 2) - 1;
  std::size_t chars = 0;
  std::size_t cut = text.size();
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    if ((static_cast<unsigned char>(text[pos]) & 0xC0U) != 0x80U) {
      if (chars == keep) {
        cut = pos;
        break;
      }
      ++chars;
    }
  }
  std::string out(text.substr(0, cut));
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "\u2026";
}

struct TextStyle {
  double size = kLabelSize;
  const char* anchor = nullptr;  // "middle" or "end"; start when null
  const char* fill = kInk;
  const char* cls = nullptr;
  bool bold = false;
  bool italic = false;
  bool halo = false;  // a white outline under the glyphs, to read over lines
};

void open_text(std::string& out, double x, double y, const TextStyle& style) {
  out += "<text";
  if (style.cls != nullptr) out += fmt::format(" class=\"{}\"", style.cls);
  out += fmt::format(" x=\"{}\" y=\"{}\"", num(x), num(y));
  if (style.anchor != nullptr) out += fmt::format(" text-anchor=\"{}\"", style.anchor);
  if (style.size != kLabelSize) out += fmt::format(" font-size=\"{}\"", style.size);
  out += fmt::format(" fill=\"{}\"", style.fill);
  if (style.bold) out += " font-weight=\"bold\"";
  if (style.italic) out += " font-style=\"italic\"";
  if (style.halo) {
    out +=
        " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"";
  }
  out += '>';
}

// A <text> at baseline y showing `shown`; when `full` differs (a cut label),
// it is kept in a <title> child.
void put_text(std::string& out, double x, double y, std::string_view shown, const TextStyle& style,
              std::string_view full = {}) {
  open_text(out, x, y, style);
  out += xml_escape(shown);
  if (!full.empty() && full != shown) {
    out += "<title>";
    out += xml_escape(full);
    out += "</title>";
  }
  out += "</text>\n";
}

// A label cut to `max_width`.
void put_label(std::string& out, double x, double y, std::string_view label, double max_width,
               const TextStyle& style) {
  put_text(out, x, y, fit_text(label, max_width, style.size), style, label);
}

void put_line(std::string& out, double x1, double y1, double x2, double y2, const char* stroke,
              const char* extra = "") {
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\"{}/>\n", num(x1),
                     num(y1), num(x2), num(y2), stroke, extra);
}

// The baseline that centres text of `size` on y.
double middle(double y, double size) {
  return y + 0.35 * size;
}

std::string chart_id(std::string_view title) {
  std::string slug;
  for (const char c : title) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      slug += c;
    } else if (c >= 'A' && c <= 'Z') {
      slug += static_cast<char>(c - 'A' + 'a');
    } else if (!slug.empty() && slug.back() != '-') {
      slug += '-';
    }
  }
  if (slug.size() > 40) {  // at most 40 characters, cut between words
    const std::size_t cut = slug[40] == '-' ? 40 : slug.rfind('-', 40);
    slug.resize(cut == std::string::npos ? 40 : cut);
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  std::uint32_t hash = 2166136261U;  // FNV-1a
  for (const char c : title) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 16777619U;
  }
  const std::uint32_t short_hash = (hash >> 16U) ^ (hash & 0xFFFFU);
  if (slug.empty()) return fmt::format("chart-{:04x}", short_hash);
  return fmt::format("chart-{}-{:04x}", slug, short_hash);
}

// The root element, its <title>, a white background, the visible heading,
// then `body`.
std::string document(const std::string& id, std::string_view title, double width, double height,
                     std::string_view body) {
  const int w = static_cast<int>(std::ceil(width));
  const int h = static_cast<int>(std::ceil(height));
  std::string out = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      "aria-labelledby=\"{}\" width=\"{}\" height=\"{}\" viewBox=\"0 0 {} {}\" "
      "font-family=\"system-ui, sans-serif\" font-size=\"12\">\n",
      id, w, h, w, h);
  out += fmt::format("<title id=\"{}\">{}</title>\n", id, xml_escape(title));
  out += fmt::format("<rect class=\"background\" width=\"{}\" height=\"{}\" fill=\"#ffffff\"/>\n",
                     w, h);
  if (!title.empty()) {
    TextStyle style;
    style.size = kTitleSize;
    style.cls = "chart-title";
    style.bold = true;
    style.fill = "#111111";
    put_label(out, kPad, 22, title, w - 2 * kPad, style);
  }
  out += body;
  out += "</svg>\n";
  return out;
}

// The size asked for, at least 240 x 160 so that a plot area remains.
double chart_width(const ChartSize& size) {
  return std::max(size.width, 240);
}
double chart_height(const ChartSize& size) {
  return std::max(size.height, 160);
}

// m x 10^e, the double nearest the decimal.
double decimal(double m, int e) {
  return e >= 0 ? m * std::pow(10.0, e) : m / std::pow(10.0, -e);
}

// Groups the digits of a number printed by fmt ("-1234.50" -> "-1,234.50"),
// dropping the sign of a zero.
std::string group_thousands(const std::string& text) {
  const bool negative = !text.empty() && text.front() == '-';
  const std::string digits = negative ? text.substr(1) : text;
  const std::size_t point = std::min(digits.find('.'), digits.size());
  std::string out = negative && digits.find_first_not_of("0.") != std::string::npos ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && i < point && (point - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// A value with exactly `decimals` decimals, so that a column of them aligns
// ("2.30", not "2.3"). Infinite values are not drawn as numbers.
std::string format_fixed(double value, int decimals) {
  if (std::isinf(value)) return value > 0 ? "\u221E" : "-\u221E";
  return group_thousands(fmt::format("{:.{}f}", value, decimals));
}

// One precision for the values of a chart: none when all are whole numbers
// (counts, ranks), else by the largest magnitude: 0 decimals from 100, 1
// from 10, 2 below.
int value_decimals(const std::vector<double>& values) {
  double largest = 0;
  bool whole = true;
  for (const double v : values) {
    if (!std::isfinite(v)) continue;
    largest = std::max(largest, std::fabs(v));
    whole = whole && v == std::round(v);
  }
  if (whole || largest >= 100) return 0;
  if (largest >= 10) return 1;
  return 2;
}

// Decimals that tell apart ticks `step` apart.
int tick_decimals(const std::vector<double>& ticks) {
  if (ticks.size() < 2) return 2;
  const double step = std::fabs(ticks[1] - ticks[0]);
  if (!(step > 0)) return 2;
  return std::clamp(static_cast<int>(std::ceil(-std::log10(step) - 1e-9)), 0, 10);
}

std::vector<std::string> tick_labels(const std::vector<double>& ticks, bool each_own_precision) {
  std::vector<std::string> labels;
  const int decimals = tick_decimals(ticks);
  for (const double tick : ticks) {
    labels.push_back(format_number(tick, each_own_precision ? 6 : decimals));
  }
  return labels;
}

double widest(const std::vector<std::string>& texts, double size) {
  double width = 0;
  for (const auto& text : texts) width = std::max(width, text_width(text, size));
  return width;
}

// The ticks of a horizontal linear axis from plot_left to the right edge
// less the room its right needs: about `target` of them, fewer when their
// labels would be closer than 12 px.
struct HorizontalAxis {
  std::vector<double> ticks;
  std::vector<std::string> labels;
  double plot_right = 0;
};
HorizontalAxis fit_horizontal_axis(double low, double high, double plot_left, double right_edge,
                                   double right_room, int target) {
  HorizontalAxis axis;
  for (int t = target; t >= 2; --t) {
    axis.ticks = nice_ticks(low, high, t);
    axis.labels = tick_labels(axis.ticks, false);
    const double edge_half = std::max(text_width(axis.labels.front(), kTickSize),
                                      text_width(axis.labels.back(), kTickSize)) /
                             2;
    axis.plot_right = right_edge - std::max(right_room, edge_half);
    const double spacing =
        (axis.plot_right - plot_left) / static_cast<double>(axis.ticks.size() - 1);
    if (spacing >= widest(axis.labels, kTickSize) + 12) break;
  }
  return axis;
}

// A linear or logarithmic map from the domain [d0, d1] to pixels [r0, r1].
struct Scale {
  double d0 = 0;
  double d1 = 1;
  double r0 = 0;
  double r1 = 1;
  bool log = false;
  double operator()(double v) const {
    const double a = log ? std::log10(d0) : d0;
    const double b = log ? std::log10(d1) : d1;
    // cppcheck-suppress invalidFunctionArg ; v > 0 whenever log is set (checked by callers)
    const double t = ((log ? std::log10(v) : v) - a) / (b - a);
    return r0 + t * (r1 - r0);
  }
};

// Ticks of a log axis: powers of ten and, when that is too few, their 2 and 5
// (then 2, 3 and 5) multiples, from the largest tick <= low to the smallest
// >= high; linear ticks for a range of less than about a factor of 3.
std::vector<double> log_ticks(double low, double high) {
  if (low == high) {
    low /= 2;
    high *= 2;
  }
  const int e_low = static_cast<int>(std::floor(std::log10(low) + 1e-12));
  const int e_high = static_cast<int>(std::ceil(std::log10(high) - 1e-12));
  if (e_high - e_low > 8) {  // many decades: every k-th power of ten
    const int k = (e_high - e_low + 7) / 8;
    std::vector<double> ticks;
    for (int e = e_low;; e += k) {
      ticks.push_back(decimal(1, e));
      if (e >= e_high) break;
    }
    return ticks;
  }
  const std::vector<std::vector<int>> mantissa_sets = {{1}, {1, 2, 5}, {1, 2, 3, 5}};
  for (const auto& set : mantissa_sets) {
    std::vector<double> ticks;
    for (int e = e_low - 1; e <= e_high + 1; ++e) {
      for (const int m : set) {
        const double tick = decimal(m, e);
        if (tick <= low * (1 + 1e-12)) ticks.clear();  // the last one <= low starts the axis
        ticks.push_back(tick);
        if (tick >= high * (1 - 1e-12)) break;
      }
      if (!ticks.empty() && ticks.back() >= high * (1 - 1e-12)) break;
    }
    if (ticks.size() >= 4) return ticks;
  }
  std::vector<double> ticks = nice_ticks(low, high, 4);
  if (ticks.front() <= 0) return {low, high};
  return ticks;
}

// The heading of the y axis: horizontal, above the plot, left-aligned.
void put_y_label(std::string& out, std::string_view label, double x, double baseline,
                 double max_width) {
  TextStyle style;
  style.cls = "axis-label y";
  style.bold = true;
  put_label(out, x, baseline, label, max_width, style);
}

void put_x_label(std::string& out, std::string_view label, double centre, double baseline,
                 double width) {
  TextStyle style;
  style.cls = "axis-label x";
  style.anchor = "middle";
  style.bold = true;
  const std::string shown = fit_text(label, width - 2 * kPad, kLabelSize);
  const double half = text_width(shown, kLabelSize) / 2;
  const double x = std::clamp(centre, kPad + half, width - kPad - half);
  put_text(out, x, baseline, shown, style, label);
}

void put_no_data(std::string& out, double x, double y, std::string_view text = "No data") {
  TextStyle style;
  style.cls = "no-data";
  style.anchor = "middle";
  style.size = 14;
  style.fill = kMuted;
  put_text(out, x, middle(y, 14), text, style);
}

// Vertical gridlines and tick labels of a horizontal value axis at the bottom
// of the plot.
void put_x_axis(std::string& out, const Scale& sx, const std::vector<double>& ticks,
                const std::vector<std::string>& labels, double top, double bottom) {
  out += fmt::format("<g class=\"grid x\" stroke=\"{}\" stroke-width=\"1\">\n", kGrid);
  for (const double tick : ticks) {
    out += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\"/>\n", num(sx(tick)),
                       num(top), num(bottom));
  }
  out += "</g>\n";
  put_line(out, std::min(sx.r0, sx.r1), bottom, std::max(sx.r0, sx.r1), bottom, kAxis,
           " class=\"axis x\"");
  TextStyle style;
  style.cls = "tick x";
  style.anchor = "middle";
  style.size = kTickSize;
  style.fill = kMuted;
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    put_line(out, sx(ticks[i]), bottom, sx(ticks[i]), bottom + 4, kAxis);
    put_text(out, sx(ticks[i]), bottom + 16, labels[i], style);
  }
}

// The height of the rows of a bar or interval chart: the room the chart's
// height leaves, at least kMinRow and at most kMaxRow a row; `height` grows
// or shrinks to fit. No rows keep the height, for the "No data" text.
double row_space(std::size_t rows, double plot_top, double* height) {
  const double available = *height - kBottomMargin - plot_top;
  if (rows == 0) return available;
  const double row = std::clamp(available / static_cast<double>(rows), kMinRow, kMaxRow);
  const double space = row * static_cast<double>(rows);
  *height = plot_top + space + kBottomMargin;
  return space;
}

// Markers: circle, square, triangle, diamond.
void put_marker(std::string& out, int shape, double x, double y, const std::string& colour,
                bool hollow) {
  const std::string paint =
      hollow ? fmt::format("fill=\"#ffffff\" stroke=\"{}\" stroke-width=\"1.5\"", colour)
             : fmt::format("fill=\"{}\" stroke=\"#ffffff\" stroke-width=\"1\"", colour);
  switch (shape % 4) {
    case 0:
      out += fmt::format("<circle cx=\"{}\" cy=\"{}\" r=\"4.5\" {}/>\n", num(x), num(y), paint);
      break;
    case 1:
      out += fmt::format("<rect x=\"{}\" y=\"{}\" width=\"8.0\" height=\"8.0\" {}/>\n", num(x - 4),
                         num(y - 4), paint);
      break;
    case 2:
      out += fmt::format("<path d=\"M{} {}L{} {}L{} {}Z\" {}/>\n", num(x), num(y - 5.5), num(x + 5),
                         num(y + 3.5), num(x - 5), num(y + 3.5), paint);
      break;
    default:
      out += fmt::format("<path d=\"M{} {}L{} {}L{} {}L{} {}Z\" {}/>\n", num(x), num(y - 5.5),
                         num(x + 5), num(y), num(x), num(y + 5.5), num(x - 5), num(y), paint);
      break;
  }
}

const char* dash_pattern(std::size_t series) {
  switch ((series / 4) % 3) {
    case 1:
      return "6 3";
    case 2:
      return "2 3";
    default:
      return nullptr;
  }
}

std::string suppressed_group_open() {
  return "<g class=\"suppressed\">\n";
}

}  // namespace

const std::vector<std::string>& okabe_ito_palette() {
  static const std::vector<std::string> palette = {"#E69F00", "#56B4E9", "#009E73", "#F0E442",
                                                   "#0072B2", "#D55E00", "#CC79A7", "#000000"};
  return palette;
}

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default: {
        // Control characters other than tab and newlines are not allowed in
        // XML at all: U+FFFD stands in for them.
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20U && c != '\t' && c != '\n' && c != '\r') {
          out += "\uFFFD";
        } else {
          out += c;
        }
      }
    }
  }
  return out;
}

std::vector<double> nice_ticks(double low, double high, int target) {
  if (!std::isfinite(low) || !std::isfinite(high)) {
    throw usage_error("nice_ticks needs a finite range");
  }
  if (low > high) std::swap(low, high);
  if (low == high) {
    const double widen = low == 0 ? 1.0 : std::fabs(low) / 10;
    low -= widen;
    high += widen;
  }
  target = std::clamp(target, 2, 50);
  const int base = static_cast<int>(std::floor(std::log10((high - low) / target)));
  double best_score = std::numeric_limits<double>::infinity();
  std::vector<double> best;
  for (int e = base - 1; e <= base + 1; ++e) {
    for (const int m : {1, 2, 5}) {
      const double step = decimal(m, e);
      const double first_index = std::floor(low / step + 1e-9);
      const double last_index = std::ceil(high / step - 1e-9);
      if (std::fabs(first_index) > 1e15 || std::fabs(last_index) > 1e15) continue;
      const double count = last_index - first_index + 1;
      if (count > 200) continue;
      const double waste = 1 - (high - low) / ((last_index - first_index) * step);
      const double score = std::fabs(count - target) + 2 * waste;
      if (score < best_score) {
        best_score = score;
        best.clear();
        for (double i = first_index; i <= last_index; ++i) {
          best.push_back(decimal(i * m, e));
        }
      }
    }
  }
  if (best.empty()) return {low, high};  // a range too narrow for its magnitude
  return best;
}

std::string format_number(double value, int decimals) {
  if (std::isnan(value)) return "NA";
  if (std::isinf(value)) return value > 0 ? "Inf" : "-Inf";
  decimals = std::clamp(decimals, 0, 17);
  std::string text = fmt::format("{:.{}f}", value, decimals);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  return group_thousands(text);
}

// ---------------------------------------------------------------------------
// Line chart

std::string render_line_chart(const LineChart& chart) {
  const std::string id = chart_id(chart.title);
  const double width = chart_width(chart.size);
  double height = chart_height(chart.size);
  const auto& palette = okabe_ito_palette();

  bool any_x = false;
  bool any_y = false;
  bool years = true;
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
  for (const auto& series : chart.series) {
    if (series.x.size() != series.y.size()) {
      throw usage_error(fmt::format("line chart \"{}\": series \"{}\" has {} x and {} y values",
                                    chart.title, series.name, series.x.size(), series.y.size()));
    }
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      const double x = series.x[i];
      if (!std::isfinite(x)) continue;
      x_min = any_x ? std::min(x_min, x) : x;
      x_max = any_x ? std::max(x_max, x) : x;
      any_x = true;
      if (x != std::round(x) || x < 1000 || x > 2999) years = false;
      const double y = series.y[i];
      if (!std::isfinite(y)) continue;
      y_min = any_y ? std::min(y_min, y) : y;
      y_max = any_y ? std::max(y_max, y) : y;
      any_y = true;
    }
  }
  years = years && any_x;

  // Value axis.
  double low = any_y ? y_min : 0.0;
  double high = any_y ? y_max : 1.0;
  if (chart.y_from_zero) {
    low = std::min(low, 0.0);
    high = std::max(high, 0.0);
  }
  if (low == 0 && high == 0) high = 1;
  const std::vector<double> y_ticks = nice_ticks(low, high, 5);
  const std::vector<std::string> y_tick_text = tick_labels(y_ticks, false);
  const double plot_left = kPad + widest(y_tick_text, kTickSize) + 8;
  // About one x tick per 80 px (before the right margin is known).
  const double x_length = width - kPad - 12 - plot_left - 24;
  const int x_target = std::clamp(static_cast<int>(x_length / 80), 2, 8);

  // x axis: years keep their exact range, other values are extended to ticks.
  std::vector<double> x_ticks;
  double x_from = 0, x_to = 1;
  if (!any_x) {
    x_ticks = nice_ticks(0, 1, 5);
  } else if (x_min == x_max) {
    x_from = x_min - 1;
    x_to = x_max + 1;
    x_ticks = {x_min};
  } else if (years) {
    x_from = x_min;
    x_to = x_max;
    if (x_max - x_min <= 12 && x_length / (x_max - x_min) >= 40) {
      for (double year = x_min; year <= x_max; ++year) x_ticks.push_back(year);
    } else {
      for (const double tick : nice_ticks(x_min, x_max, x_target + 1)) {
        if (tick >= x_min && tick <= x_max && tick == std::round(tick)) x_ticks.push_back(tick);
      }
      if (x_ticks.empty()) x_ticks = {x_min, x_max};
    }
  } else {
    x_ticks = nice_ticks(x_min, x_max, x_target);
  }
  if (!any_x || (!years && x_min != x_max)) {
    x_from = x_ticks.front();
    x_to = x_ticks.back();
  }
  std::vector<std::string> x_tick_text;
  if (years) {
    for (const double tick : x_ticks) x_tick_text.push_back(fmt::format("{:.0f}", tick));
  } else {
    x_tick_text = tick_labels(x_ticks, false);
  }

  // Layout, top down: heading, legend rows, y axis label, plot.
  std::string body;
  double cursor = kHeadingBottom;
  if (!chart.series.empty()) {
    body += "<g class=\"legend\">\n";
    double x = kPad;
    double row_y = cursor + 9;
    for (std::size_t s = 0; s < chart.series.size(); ++s) {
      const std::string name = fit_text(chart.series[s].name, 220, kLabelSize);
      const double item = 34 + text_width(name, kLabelSize) + 18;
      if (x > kPad && x + item - 18 > width - kPad) {
        x = kPad;
        row_y += 20;
      }
      const std::string& colour = palette[s % palette.size()];
      const char* dash = dash_pattern(s);
      body += fmt::format(
          "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{}\" stroke-width=\"2\"{}/>\n",
          num(x), num(row_y), num(x + 28), num(row_y), colour,
          dash != nullptr ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
      put_marker(body, static_cast<int>(s), x + 14, row_y, colour, false);
      TextStyle style;
      put_text(body, x + 34, middle(row_y, kLabelSize), name, style, chart.series[s].name);
      x += item;
    }
    body += "</g>\n";
    cursor = row_y + 11;
  }
  const double y_label_baseline = cursor + 16;
  const double plot_top = y_label_baseline + 14;
  double plot_bottom = height - kBottomMargin;
  if (plot_bottom - plot_top < 100) {
    plot_bottom = plot_top + 100;
    height = plot_bottom + kBottomMargin;
  }
  const double last_half = text_width(x_tick_text.back(), kTickSize) / 2;
  const double plot_right = width - kPad - std::max(0.0, last_half - 12);
  put_y_label(body, chart.y_label, kPad, y_label_baseline, width - 2 * kPad);

  const Scale sy{y_ticks.front(), y_ticks.back(), plot_bottom, plot_top};
  const Scale sx{x_from, x_to, plot_left + 12, plot_right - 12};

  // Gridlines and tick labels.
  body += fmt::format("<g class=\"grid y\" stroke=\"{}\" stroke-width=\"1\">\n", kGrid);
  for (const double tick : y_ticks) {
    body += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\"/>\n", num(plot_left),
                        num(sy(tick)), num(plot_right));
  }
  body += "</g>\n";
  TextStyle tick_style;
  tick_style.cls = "tick y";
  tick_style.anchor = "end";
  tick_style.size = kTickSize;
  tick_style.fill = kMuted;
  for (std::size_t i = 0; i < y_ticks.size(); ++i) {
    put_text(body, plot_left - 6, middle(sy(y_ticks[i]), kTickSize), y_tick_text[i], tick_style);
  }
  put_line(body, plot_left, plot_bottom, plot_right, plot_bottom, kAxis, " class=\"axis x\"");
  tick_style.cls = "tick x";
  tick_style.anchor = "middle";
  for (std::size_t i = 0; i < x_ticks.size(); ++i) {
    const double x = sx(x_ticks[i]);
    put_line(body, x, plot_bottom, x, plot_bottom + 4, kAxis);
    put_text(body, x, plot_bottom + 16, x_tick_text[i], tick_style);
  }
  put_x_label(body, chart.x_label, (plot_left + plot_right) / 2, height - 12, width);

  if (!any_x) put_no_data(body, (plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2);

  // Series: a path broken at every gap, and a marker on every point.
  std::vector<double> suppressed_at;  // the x of every "suppressed" drawn so far
  // Per stacking level, where the last "suppressed" written ends.
  std::vector<double> last_text_end(8, -1e300);
  for (std::size_t s = 0; s < chart.series.size(); ++s) {
    const auto& series = chart.series[s];
    const std::string& colour = palette[s % palette.size()];
    std::string path;
    bool pen_down = false;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || !std::isfinite(series.y[i])) {
        pen_down = false;
        continue;
      }
      path +=
          fmt::format("{}{} {}", pen_down ? "L" : "M", num(sx(series.x[i])), num(sy(series.y[i])));
      pen_down = true;
    }
    body += "<g class=\"series\">\n";
    if (!path.empty()) {
      const char* dash = dash_pattern(s);
      body += fmt::format(
          "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\" "
          "stroke-linejoin=\"round\"{}/>\n",
          path, colour, dash != nullptr ? fmt::format(" stroke-dasharray=\"{}\"", dash) : "");
    }
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (std::isfinite(series.x[i]) && std::isfinite(series.y[i])) {
        put_marker(body, static_cast<int>(s), sx(series.x[i]), sy(series.y[i]), colour, false);
      }
    }
    body += "</g>\n";
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      if (!std::isfinite(series.x[i]) || std::isfinite(series.y[i])) continue;
      // Several series suppressed at one x: one above the other.
      int level = 0;
      for (const double at : suppressed_at) level += at == series.x[i] ? 1 : 0;
      suppressed_at.push_back(series.x[i]);
      const double y = std::max(plot_bottom - 10 - 16 * level, plot_top + 8);
      const double half = (12 + text_width("suppressed", kNoteSize)) / 2;
      const double x = std::clamp(sx(series.x[i]), plot_left + half + 2, plot_right - half - 2);
      body += suppressed_group_open();
      // Consecutive gaps are closer than the word is long: the word is
      // written where it fits and the other gaps keep their hollow marker
      // with the word as its tooltip.
      const double text_from = x - half + 12;
      const bool fits = text_from >= last_text_end[static_cast<std::size_t>(std::min(level, 7))];
      put_marker(body, static_cast<int>(s), fits ? x - half + 5 : sx(series.x[i]), y, colour, true);
      if (fits) {
        TextStyle style;
        style.size = kNoteSize;
        style.fill = kMuted;
        style.italic = true;
        style.halo = true;
        put_text(body, text_from, middle(y, kNoteSize), "suppressed", style);
        last_text_end[static_cast<std::size_t>(std::min(level, 7))] =
            text_from + text_width("suppressed", kNoteSize) + 4;
      } else {
        body += "<title>suppressed</title>\n";
      }
      body += "</g>\n";
    }
  }
  return document(id, chart.title, width, height, body);
}

// ---------------------------------------------------------------------------
// Bar chart

std::string render_bar_chart(const BarChart& chart) {
  const std::string id = chart_id(chart.title);
  double width = chart_width(chart.size);
  double height = chart_height(chart.size);
  if (chart.categories.size() != chart.values.size()) {
    throw usage_error(fmt::format("bar chart \"{}\": {} categories and {} values", chart.title,
                                  chart.categories.size(), chart.values.size()));
  }
  const std::size_t n = chart.categories.size();

  double low = 0;  // bars start at 0
  double high = 0;
  for (const double v : chart.values) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  if (low == 0 && high == 0) high = 1;
  const int decimals = value_decimals(chart.values);

  std::vector<std::string> value_text(n);
  double negative_room = 0;
  double positive_room = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double v = chart.values[i];
    value_text[i] = std::isfinite(v) ? format_fixed(v, decimals) : "suppressed";
    const double room = text_width(value_text[i], kTickSize) + 6;
    if (std::isfinite(v) && v < 0) {
      negative_room = std::max(negative_room, room);
    } else {
      positive_room = std::max(positive_room, room);
    }
  }

  double label_width = 0;
  for (const auto& category : chart.categories) {
    label_width = std::max(label_width, text_width(category, kLabelSize));
  }
  label_width = std::min(label_width, std::max(80.0, 0.38 * width));
  const double labels_right = kPad + label_width;
  const double plot_left = labels_right + 10 + negative_room;
  HorizontalAxis axis = fit_horizontal_axis(low, high, plot_left, width - kPad, positive_room, 6);
  if (axis.plot_right - plot_left < kMinPlot) {  // a narrow chart: wider than asked
    width += kMinPlot - (axis.plot_right - plot_left);
    axis = fit_horizontal_axis(low, high, plot_left, width - kPad, positive_room, 6);
  }
  const std::vector<double>& ticks = axis.ticks;
  const double plot_right = axis.plot_right;

  std::string body;
  const double y_label_baseline = kHeadingBottom + 14;
  put_y_label(body, chart.category_label, kPad, y_label_baseline, width - 2 * kPad);
  const double plot_top = y_label_baseline + 12;
  const double plot_bottom = plot_top + row_space(n, plot_top, &height);
  const Scale sx{ticks.front(), ticks.back(), plot_left, plot_right};
  put_x_axis(body, sx, ticks, axis.labels, plot_top, plot_bottom);
  put_x_label(body, chart.value_label, (plot_left + plot_right) / 2, height - 12, width);
  if (n == 0) {
    put_no_data(body, (plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2);
    return document(id, chart.title, width, height, body);
  }

  const double band = (plot_bottom - plot_top) / static_cast<double>(n);
  const double thickness = std::min(band * 0.68, 30.0);
  const double zero = sx(0);
  for (std::size_t i = 0; i < n; ++i) {
    const double centre = plot_top + band * (static_cast<double>(i) + 0.5);
    TextStyle label_style;
    label_style.cls = "category";
    label_style.anchor = "end";
    put_label(body, labels_right, middle(centre, kLabelSize), chart.categories[i], label_width,
              label_style);
    const double v = chart.values[i];
    TextStyle value_style;
    value_style.size = kTickSize;
    if (!std::isfinite(v)) {
      body += suppressed_group_open();
      value_style.fill = kMuted;
      value_style.italic = true;
      put_text(body, zero + 4, middle(centre, kTickSize), value_text[i], value_style);
      body += "</g>\n";
      continue;
    }
    const double end = sx(v);
    body += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
        num(std::min(zero, end)), num(centre - thickness / 2), num(std::fabs(end - zero)),
        num(thickness), kBlue);
    value_style.cls = "value";
    if (v < 0) {
      value_style.anchor = "end";
      put_text(body, end - 4, middle(centre, kTickSize), value_text[i], value_style);
    } else {
      put_text(body, end + 4, middle(centre, kTickSize), value_text[i], value_style);
    }
  }
  put_line(body, zero, plot_top, zero, plot_bottom, kAxis, " class=\"axis zero\"");
  return document(id, chart.title, width, height, body);
}

// ---------------------------------------------------------------------------
// Flow chart

std::string render_flow_chart(const FlowChart& chart) {
  const std::string id = chart_id(chart.title);
  const double width = chart_width(chart.size);
  double height = chart_height(chart.size);
  const auto& palette = okabe_ito_palette();
  const std::size_t n = chart.flows.size();

  // A flow's value for ordering: NaN (suppressed) below every number.
  auto value_of = [&](std::size_t f) {
    const double v = chart.flows[f].value;
    return std::isfinite(v) ? v : -1.0;
  };
  double largest = 0;
  for (std::size_t f = 0; f < n; ++f) {
    const double v = chart.flows[f].value;
    if (std::isfinite(v) && v < 0) {
      throw usage_error(fmt::format("flow chart \"{}\": negative flow {} from {} to {}",
                                    chart.title, v, chart.flows[f].origin,
                                    chart.flows[f].destination));
    }
    if (std::isfinite(v)) largest = std::max(largest, v);
  }
  std::vector<double> values;
  for (const Flow& flow : chart.flows) values.push_back(flow.value);
  const int decimals = value_decimals(values);

  // Nodes in the order of their largest flow (ties: first seen).
  auto order_nodes = [&](auto key) {
    std::vector<std::string> names;
    std::vector<double> best;
    for (std::size_t f = 0; f < n; ++f) {
      const std::string& name = key(chart.flows[f]);
      auto it = std::find(names.begin(), names.end(), name);
      if (it == names.end()) {
        names.push_back(name);
        best.push_back(value_of(f));
      } else {
        auto& b = best[static_cast<std::size_t>(it - names.begin())];
        b = std::max(b, value_of(f));
      }
    }
    std::vector<std::size_t> order(names.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return best[a] > best[b]; });
    std::vector<std::string> sorted;
    for (const std::size_t i : order) sorted.push_back(names[i]);
    return sorted;
  };
  const std::vector<std::string> origins =
      order_nodes([](const Flow& flow) -> const std::string& { return flow.origin; });
  const std::vector<std::string> destinations =
      order_nodes([](const Flow& flow) -> const std::string& { return flow.destination; });
  auto rank_in = [](const std::vector<std::string>& names, const std::string& name) {
    return static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
  };
  std::vector<std::size_t> origin_of(n), destination_of(n);
  for (std::size_t f = 0; f < n; ++f) {
    origin_of[f] = rank_in(origins, chart.flows[f].origin);
    destination_of[f] = rank_in(destinations, chart.flows[f].destination);
  }

  // Labels and their columns.
  const double label_cap = std::max(60.0, 0.22 * width);
  double origin_width = 0;
  for (const auto& name : origins)
    origin_width = std::max(origin_width, text_width(name, kLabelSize));
  double destination_width = 0;
  for (const auto& name : destinations) {
    destination_width = std::max(destination_width, text_width(name, kLabelSize));
  }
  origin_width = std::min(origin_width, label_cap);
  destination_width = std::min(destination_width, label_cap);
  const double node_width = 10;
  const double origin_x = kPad + origin_width + 8;  // left edge of the origin nodes
  const double destination_x = width - kPad - destination_width - 8 - node_width;
  const double band_from = origin_x + node_width;
  const double band_to = destination_x;

  std::string body;
  const double header_baseline = kHeadingBottom + 14;
  {
    TextStyle style;
    style.cls = "axis-label y";
    style.bold = true;
    put_label(body, kPad, header_baseline, chart.origin_label, (width - 2 * kPad) / 2 - 8, style);
    style.anchor = "end";
    put_label(body, width - kPad, header_baseline, chart.destination_label,
              (width - 2 * kPad) / 2 - 8, style);
  }
  const double plot_top = header_baseline + 14;
  double plot_bottom = height - 34;
  if (n == 0) {
    put_x_label(body, chart.value_label, width / 2, height - 12, width);
    put_no_data(body, width / 2, (plot_top + plot_bottom) / 2);
    return document(id, chart.title, width, height, body);
  }

  // Each flow has a slot at both ends: its thickness, at least kMinSlot so
  // that its label fits. The scale is the largest that fits the height.
  constexpr double kMinSlot = 18;
  constexpr double kMaxBand = 120;
  constexpr double kGap = 10;
  const double gaps = kGap * static_cast<double>(std::max(origins.size(), destinations.size()) - 1);
  auto column_height = [&](double scale) {
    double total = gaps;
    for (std::size_t f = 0; f < n; ++f) {
      total += std::max(kMinSlot,
                        std::isfinite(chart.flows[f].value) ? scale * chart.flows[f].value : 0);
    }
    return total;
  };
  const double available = plot_bottom - plot_top;
  double scale = 0;
  if (largest > 0) {
    if (column_height(0) >= available) {
      scale = 2 * kMinSlot / largest;  // too many flows: grow the chart
    } else {
      double lo = 0, hi = available / largest;
      for (int iteration = 0; iteration < 60; ++iteration) {
        const double mid = (lo + hi) / 2;
        (column_height(mid) <= available ? lo : hi) = mid;
      }
      // A band thicker than kMaxBand says no more and wastes the page.
      scale = std::min(lo, kMaxBand / largest);
    }
  }
  // The chart takes the height its columns need.
  plot_bottom = plot_top + column_height(scale);
  height = plot_bottom + 34;
  auto slot_of = [&](std::size_t f) {
    const double v = chart.flows[f].value;
    return std::max(kMinSlot, std::isfinite(v) ? scale * v : 0);
  };

  // Slot centres: at the origin, flows in the order of their destination; at
  // the destination, in the order of their origin.
  auto place = [&](const std::vector<std::string>& nodes, const std::vector<std::size_t>& node_of,
                   const std::vector<std::size_t>& other_of, std::vector<double>& centre,
                   std::vector<std::pair<double, double>>& extent) {
    double column = kGap * static_cast<double>(nodes.size() - 1);
    for (std::size_t f = 0; f < n; ++f) column += slot_of(f);
    double y = plot_top + (plot_bottom - plot_top - column) / 2;
    centre.assign(n, 0);
    extent.assign(nodes.size(), {0, 0});
    for (std::size_t node = 0; node < nodes.size(); ++node) {
      std::vector<std::size_t> members;
      for (std::size_t f = 0; f < n; ++f) {
        if (node_of[f] == node) members.push_back(f);
      }
      std::stable_sort(members.begin(), members.end(),
                       [&](std::size_t a, std::size_t b) { return other_of[a] < other_of[b]; });
      extent[node].first = y;
      for (const std::size_t f : members) {
        centre[f] = y + slot_of(f) / 2;
        y += slot_of(f);
      }
      extent[node].second = y;
      y += kGap;
    }
  };
  std::vector<double> origin_centre, destination_centre;
  std::vector<std::pair<double, double>> origin_extent, destination_extent;
  place(origins, origin_of, destination_of, origin_centre, origin_extent);
  place(destinations, destination_of, origin_of, destination_centre, destination_extent);

  // Bands, largest first underneath.
  std::vector<std::size_t> drawing(n);
  for (std::size_t f = 0; f < n; ++f) drawing[f] = f;
  std::stable_sort(drawing.begin(), drawing.end(),
                   [&](std::size_t a, std::size_t b) { return value_of(a) > value_of(b); });
  const double mid_x = (band_from + band_to) / 2;
  for (const std::size_t f : drawing) {
    const double y0 = origin_centre[f];
    const double y1 = destination_centre[f];
    const double v = chart.flows[f].value;
    if (!std::isfinite(v)) {
      body += fmt::format(
          "<path class=\"band suppressed-band\" d=\"M{} {}C{} {} {} {} {} {}\" fill=\"none\" "
          "stroke=\"{}\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n",
          num(band_from), num(y0), num(mid_x), num(y0), num(mid_x), num(y1), num(band_to), num(y1),
          kMuted);
      continue;
    }
    const std::string& colour = palette[origin_of[f] % palette.size()];
    const double half = std::max(scale * v, v > 0 ? 1.0 : 0.0) / 2;
    if (half == 0) {
      body += fmt::format(
          "<path class=\"band\" d=\"M{} {}C{} {} {} {} {} {}\" fill=\"none\" stroke=\"{}\" "
          "stroke-width=\"1\"/>\n",
          num(band_from), num(y0), num(mid_x), num(y0), num(mid_x), num(y1), num(band_to), num(y1),
          colour);
      continue;
    }
    body += fmt::format(
        "<path class=\"band\" d=\"M{} {}C{} {} {} {} {} {}L{} {}C{} {} {} {} {} {}Z\" fill=\"{}\" "
        "fill-opacity=\"0.45\"/>\n",
        num(band_from), num(y0 - half), num(mid_x), num(y0 - half), num(mid_x), num(y1 - half),
        num(band_to), num(y1 - half), num(band_to), num(y1 + half), num(mid_x), num(y1 + half),
        num(mid_x), num(y0 + half), num(band_from), num(y0 + half), colour);
  }

  // Nodes and their names.
  for (std::size_t o = 0; o < origins.size(); ++o) {
    const auto [top, bottom] = origin_extent[o];
    body += fmt::format(
        "<rect class=\"node origin\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\"/>\n",
        num(origin_x), num(top), num(node_width), num(bottom - top), palette[o % palette.size()]);
    TextStyle style;
    style.cls = "node-label origin";
    style.anchor = "end";
    put_label(body, origin_x - 6, middle((top + bottom) / 2, kLabelSize), origins[o], origin_width,
              style);
  }
  for (std::size_t d = 0; d < destinations.size(); ++d) {
    const auto [top, bottom] = destination_extent[d];
    body += fmt::format(
        "<rect class=\"node destination\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" "
        "fill=\"#7f7f7f\"/>\n",
        num(destination_x), num(top), num(node_width), num(bottom - top));
    TextStyle style;
    style.cls = "node-label destination";
    put_label(body, destination_x + node_width + 6, middle((top + bottom) / 2, kLabelSize),
              destinations[d], destination_width, style);
  }

  // Values, where each band leaves its origin.
  for (std::size_t f = 0; f < n; ++f) {
    const double v = chart.flows[f].value;
    TextStyle style;
    style.size = kTickSize;
    style.halo = true;
    const double baseline = middle(origin_centre[f], kTickSize);
    if (!std::isfinite(v)) {
      body += suppressed_group_open();
      style.fill = kMuted;
      style.italic = true;
      put_text(body, band_from + 6, baseline, "suppressed", style);
      body += "</g>\n";
    } else {
      style.cls = "value";
      put_text(body, band_from + 6, baseline, format_fixed(v, decimals), style);
    }
  }
  put_x_label(body, chart.value_label, (band_from + band_to) / 2, height - 12, width);
  return document(id, chart.title, width, height, body);
}

// ---------------------------------------------------------------------------
// Interval chart

std::string render_interval_chart(const IntervalChart& chart) {
  const std::string id = chart_id(chart.title);
  double width = chart_width(chart.size);
  double height = chart_height(chart.size);
  const std::size_t n = chart.rows.size();

  if (chart.log_scale) {
    auto check = [&](double v, const std::string& what) {
      if (!std::isnan(v) && !(v > 0)) {
        throw usage_error(fmt::format("interval chart \"{}\" is on a log scale, but {} is {}",
                                      chart.title, what, format_number(v, 6)));
      }
    };
    for (const auto& row : chart.rows) {
      check(row.estimate, "the estimate of \"" + row.label + "\"");
      check(row.lower, "the lower bound of \"" + row.label + "\"");
      check(row.upper, "the upper bound of \"" + row.label + "\"");
    }
    if (chart.reference) check(*chart.reference, "the reference");
  }

  bool any = false;
  double low = 0, high = 0;
  std::vector<double> shown;  // the values drawn
  auto include = [&](double v) {
    if (!std::isfinite(v)) return;
    low = any ? std::min(low, v) : v;
    high = any ? std::max(high, v) : v;
    any = true;
  };
  for (const auto& row : chart.rows) {
    if (std::isnan(row.estimate)) continue;
    shown.push_back(row.estimate);
    if (!std::isnan(row.lower) && !std::isnan(row.upper)) {
      shown.push_back(row.lower);
      shown.push_back(row.upper);
    }
  }
  for (const double v : shown) include(v);
  const int decimals = value_decimals(shown);
  if (chart.reference && std::isfinite(*chart.reference)) include(*chart.reference);
  const bool open_low = std::find(shown.begin(), shown.end(), -kInfinity) != shown.end();
  const bool open_high = std::find(shown.begin(), shown.end(), kInfinity) != shown.end();
  if (chart.log_scale) {
    // Room for the arrow of an open interval: a sixth of the axis.
    const double stretch = any && high > low ? std::pow(high / low, 0.2) : 2.0;
    if (any && open_high) high *= stretch;
    if (any && open_low) low /= stretch;
  } else {
    const double stretch = any && high > low ? (high - low) * 0.2 : std::fabs(high) * 0.2 + 1;
    if (any && open_high) high += stretch;
    if (any && open_low) low -= stretch;
    if (!any) {
      low = 0;
      high = 1;
    } else if (low > 0 && low <= high / 2) {
      low = 0;
    } else if (high < 0 && high >= low / 2) {
      high = 0;
    }
  }

  // "estimate (lower to upper)" for every row; on a log scale with at least
  // two significant digits (a lower bound of 0.004 is not "0").
  auto bound_text = [&](double v) {
    if (!chart.log_scale || !(v > 0) || std::isinf(v)) return format_fixed(v, decimals);
    const int significant = 1 - static_cast<int>(std::floor(std::log10(v)));
    return format_fixed(v, std::clamp(significant, decimals, 12));
  };
  std::vector<std::string> value_text(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto& row = chart.rows[i];
    if (std::isnan(row.estimate)) {
      value_text[i] = "";
    } else if (std::isnan(row.lower) || std::isnan(row.upper)) {
      value_text[i] = bound_text(row.estimate);
    } else {
      value_text[i] = fmt::format("{} ({} to {})", bound_text(row.estimate), bound_text(row.lower),
                                  bound_text(row.upper));
    }
  }

  double label_width = 0;
  for (const auto& row : chart.rows)
    label_width = std::max(label_width, text_width(row.label, kLabelSize));
  label_width = std::min(label_width, std::max(80.0, 0.32 * width));
  const double labels_right = kPad + label_width;
  const double plot_left = labels_right + 14;
  const double text_column = widest(value_text, kTickSize);
  const double right_room = text_column > 0 ? text_column + 14 : 0.0;
  auto make_axis = [&]() {
    if (!chart.log_scale)
      return fit_horizontal_axis(low, high, plot_left, width - kPad, right_room, 6);
    HorizontalAxis axis;
    axis.ticks = any ? log_ticks(low, high) : std::vector<double>{0.1, 1, 10};
    axis.labels = tick_labels(axis.ticks, true);
    const double edge_half = std::max(text_width(axis.labels.front(), kTickSize),
                                      text_width(axis.labels.back(), kTickSize)) /
                             2;
    axis.plot_right = width - kPad - std::max(right_room, edge_half);
    return axis;
  };
  HorizontalAxis axis = make_axis();
  if (axis.plot_right - plot_left < kMinPlot) {  // a narrow chart: wider than asked
    width += kMinPlot - (axis.plot_right - plot_left);
    axis = make_axis();
  }
  const std::vector<double>& ticks = axis.ticks;
  const double plot_right = axis.plot_right;

  std::string body;
  const double y_label_baseline = kHeadingBottom + 14;
  put_y_label(body, chart.row_label, kPad, y_label_baseline, width - 2 * kPad);
  const double plot_top = y_label_baseline + 12;
  const double plot_bottom = plot_top + row_space(n, plot_top, &height);
  Scale sx{ticks.front(), ticks.back(), plot_left, plot_right, chart.log_scale};
  if (chart.reverse) std::swap(sx.r0, sx.r1);
  put_x_axis(body, sx, ticks, axis.labels, plot_top, plot_bottom);
  put_x_label(body, chart.value_label, (plot_left + plot_right) / 2, height - 12, width);
  if (chart.reference && std::isfinite(*chart.reference)) {
    const double x = sx(*chart.reference);
    put_line(body, x, plot_top, x, plot_bottom, "#666666",
             " class=\"reference\" stroke-width=\"1.2\" stroke-dasharray=\"5 4\"");
  }
  if (n == 0) {
    put_no_data(body, (plot_left + plot_right) / 2, (plot_top + plot_bottom) / 2);
    return document(id, chart.title, width, height, body);
  }

  const double band = (plot_bottom - plot_top) / static_cast<double>(n);
  const double left_edge = std::min(sx.r0, sx.r1);
  const double right_edge = std::max(sx.r0, sx.r1);
  auto position = [&](double v) {
    if (std::isinf(v)) return (v > 0) == (sx.r1 > sx.r0) ? right_edge : left_edge;
    return sx(v);
  };
  for (std::size_t i = 0; i < n; ++i) {
    const auto& row = chart.rows[i];
    const double centre = plot_top + band * (static_cast<double>(i) + 0.5);
    TextStyle label_style;
    label_style.cls = "row-label";
    label_style.anchor = "end";
    put_label(body, labels_right, middle(centre, kLabelSize), row.label, label_width, label_style);
    if (std::isnan(row.estimate)) {
      TextStyle style;
      style.cls = "not-estimable";
      style.size = kTickSize;
      style.fill = kMuted;
      style.italic = true;
      put_text(body, left_edge + 6, middle(centre, kTickSize), "not estimable", style);
      continue;
    }
    body += "<g class=\"interval\">\n";
    if (!std::isnan(row.lower) && !std::isnan(row.upper)) {
      const double a = position(row.lower);
      const double b = position(row.upper);
      put_line(body, a, centre, b, centre, kBlue, " stroke-width=\"2\"");
      for (const double bound : {row.lower, row.upper}) {
        const double x = position(bound);
        if (std::isinf(bound)) {  // an open end: an arrowhead at the edge
          const double dir = x == right_edge ? 1 : -1;
          body += fmt::format("<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{}\"/>\n", num(x),
                              num(centre), num(x - dir * 7), num(centre - 4), num(x - dir * 7),
                              num(centre + 4), kBlue);
        } else {
          put_line(body, x, centre - 5, x, centre + 5, kBlue, " stroke-width=\"2\"");
        }
      }
    }
    const double x = position(row.estimate);
    body += fmt::format(
        "<circle class=\"estimate\" cx=\"{}\" cy=\"{}\" r=\"4.5\" fill=\"{}\" stroke=\"#ffffff\" "
        "stroke-width=\"1\"/>\n",
        num(x), num(centre), kBlue);
    body += "</g>\n";
    TextStyle value_style;
    value_style.cls = "interval-text";
    value_style.size = kTickSize;
    put_text(body, plot_right + 14, middle(centre, kTickSize), value_text[i], value_style);
  }
  return document(id, chart.title, width, height, body);
}

// ---------------------------------------------------------------------------
// Matrix chart

namespace {

// Up to two lines of at most `max_width`, the second cut when needed.
std::vector<std::string> wrap_two_lines(const std::string& text, double max_width, double size) {
  if (text_width(text, size) <= max_width) return {text};
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t space = std::min(text.find(' ', start), text.size());
    if (space > start) words.push_back(text.substr(start, space - start));
    start = space + 1;
  }
  std::string first;
  std::size_t used = 0;
  while (used < words.size()) {
    const std::string candidate = first.empty() ? words[used] : first + " " + words[used];
    if (text_width(candidate, size) > max_width) break;
    first = candidate;
    ++used;
  }
  if (first.empty()) return {fit_text(text, max_width, size)};
  std::string rest;
  for (std::size_t i = used; i < words.size(); ++i) rest += (rest.empty() ? "" : " ") + words[i];
  return {first, fit_text(rest, max_width, size)};
}

// White to the palette's blue; t in [0, 1].
std::string blend(double t, double* luminance) {
  const double r = 255 + t * (0x00 - 255);
  const double g = 255 + t * (0x72 - 255);
  const double b = 255 + t * (0xB2 - 255);
  auto linear = [](double c) {
    c /= 255;
    return c <= 0.04045 ? c / 12.92 : std::pow((c + 0.055) / 1.055, 2.4);
  };
  *luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  return fmt::format("#{:02x}{:02x}{:02x}", static_cast<int>(std::lround(r)),
                     static_cast<int>(std::lround(g)), static_cast<int>(std::lround(b)));
}

}  // namespace

std::string render_matrix_chart(const MatrixChart& chart) {
  const std::string id = chart_id(chart.title);
  double width = chart_width(chart.size);
  double height = chart_height(chart.size);
  const std::size_t rows = chart.rows.size();
  const std::size_t columns = chart.columns.size();
  if (chart.values.size() != rows) {
    throw usage_error(fmt::format("matrix chart \"{}\": {} row names and {} rows of values",
                                  chart.title, rows, chart.values.size()));
  }
  double top_value = 0;
  std::vector<double> all_values;
  for (std::size_t r = 0; r < rows; ++r) {
    if (chart.values[r].size() != columns) {
      throw usage_error(fmt::format("matrix chart \"{}\": row \"{}\" has {} values for {} columns",
                                    chart.title, chart.rows[r], chart.values[r].size(), columns));
    }
    for (const double v : chart.values[r]) {
      if (!std::isfinite(v)) continue;
      all_values.push_back(v);
      top_value = std::max(top_value, v);
    }
  }
  const int decimals = value_decimals(all_values);

  double label_width = text_width(chart.row_label, kLabelSize);
  for (const auto& name : chart.rows)
    label_width = std::max(label_width, text_width(name, kLabelSize));
  label_width = std::min(label_width, std::max(80.0, 0.35 * width));
  const double labels_right = kPad + label_width;
  const double grid_left = labels_right + 10;
  constexpr double kMinCell = 64;
  double cell_width = 120;
  if (columns > 0) {
    cell_width = std::min(120.0, (width - kPad - grid_left) / static_cast<double>(columns));
    if (cell_width < kMinCell) {
      cell_width = kMinCell;
      width = grid_left + kMinCell * static_cast<double>(columns) + kPad;
    }
  }
  const double grid_right = grid_left + cell_width * static_cast<double>(columns);

  std::vector<std::vector<std::string>> headers;
  std::size_t header_lines = 1;
  for (const auto& name : chart.columns) {
    headers.push_back(wrap_two_lines(name, cell_width - 6, kLabelSize));
    header_lines = std::max(header_lines, headers.back().size());
  }

  std::string body;
  const double x_label_baseline = kHeadingBottom + 14;
  const double headers_top = x_label_baseline + 8;
  const double last_header_baseline = headers_top + 14 * static_cast<double>(header_lines);
  const double grid_top = last_header_baseline + 8;
  {
    TextStyle style;
    style.cls = "axis-label x";
    style.anchor = "middle";
    style.bold = true;
    const double centre = columns > 0 ? (grid_left + grid_right) / 2 : width / 2;
    const std::string shown = fit_text(chart.column_label, width - 2 * kPad, kLabelSize);
    const double half = text_width(shown, kLabelSize) / 2;
    put_text(body, std::clamp(centre, kPad + half, width - kPad - half), x_label_baseline, shown,
             style, chart.column_label);
  }
  put_y_label(body, chart.row_label, kPad, last_header_baseline, label_width);

  if (rows == 0 || columns == 0) {
    put_no_data(body, width / 2, (grid_top + height - kPad) / 2);
    return document(id, chart.title, width, height, body);
  }

  const double cell_height =
      std::clamp((height - kPad - grid_top) / static_cast<double>(rows), 28.0, 44.0);
  height = grid_top + cell_height * static_cast<double>(rows) + kPad;

  body += fmt::format(
      "<defs><pattern id=\"{}-hatch\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
      "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#f4f4f4\"/>"
      "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"#c8c8c8\" stroke-width=\"2\"/>"
      "</pattern></defs>\n",
      id);
  for (std::size_t c = 0; c < columns; ++c) {
    const double centre = grid_left + cell_width * (static_cast<double>(c) + 0.5);
    const auto& lines = headers[c];
    TextStyle style;
    style.cls = "column-label";
    style.anchor = "middle";
    open_text(body, centre, last_header_baseline, style);
    double baseline = last_header_baseline - 14 * static_cast<double>(lines.size() - 1);
    for (const auto& line : lines) {
      body += fmt::format("<tspan x=\"{}\" y=\"{}\">{}</tspan>", num(centre), num(baseline),
                          xml_escape(line));
      baseline += 14;
    }
    const bool cut = lines.size() > 1 ? lines[0] + " " + lines[1] != chart.columns[c]
                                      : lines[0] != chart.columns[c];
    if (cut) body += "<title>" + xml_escape(chart.columns[c]) + "</title>";
    body += "</text>\n";
  }
  for (std::size_t r = 0; r < rows; ++r) {
    const double top = grid_top + cell_height * static_cast<double>(r);
    const double centre_y = top + cell_height / 2;
    TextStyle label_style;
    label_style.cls = "row-label";
    label_style.anchor = "end";
    put_label(body, labels_right, middle(centre_y, kLabelSize), chart.rows[r], label_width,
              label_style);
    for (std::size_t c = 0; c < columns; ++c) {
      const double left = grid_left + cell_width * static_cast<double>(c);
      const double centre_x = left + cell_width / 2;
      const double v = chart.values[r][c];
      TextStyle style;
      style.anchor = "middle";
      if (!std::isfinite(v)) {
        body += suppressed_group_open();
        body += fmt::format(
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"url(#{}-hatch)\" "
            "stroke=\"#ffffff\" stroke-width=\"2\"/>\n",
            num(left), num(top), num(cell_width), num(cell_height), id);
        style.size = kTickSize;
        style.fill = kInk;
        style.italic = true;
        style.halo = true;
        put_text(body, centre_x, middle(centre_y, kTickSize), "suppressed", style);
        body += "</g>\n";
        continue;
      }
      const double t = top_value > 0 ? std::clamp(v / top_value, 0.0, 1.0) : 0.0;
      double luminance = 1;
      const std::string fill = blend(t, &luminance);
      body += fmt::format(
          "<rect class=\"cell\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" "
          "stroke=\"#ffffff\" stroke-width=\"2\"/>\n",
          num(left), num(top), num(cell_width), num(cell_height), fill);
      // White text where it contrasts more than black (WCAG relative luminance).
      style.cls = "value";
      style.fill = luminance < 0.179 ? "#ffffff" : "#000000";
      put_text(body, centre_x, middle(centre_y, kLabelSize), format_fixed(v, decimals), style);
    }
  }
  // A thin frame so that white (zero) cells read as cells.
  body += fmt::format(
      "<rect class=\"frame\" x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"none\" "
      "stroke=\"#bdbdbd\" stroke-width=\"1\"/>\n",
      num(grid_left), num(grid_top), num(grid_right - grid_left),
      num(cell_height * static_cast<double>(rows)));
  return document(id, chart.title, width, height, body);
}

}  // namespace vigil::report
