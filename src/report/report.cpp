#include "report/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/country.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "index/index.hpp"
#include "io/case_csv.hpp"
#include "mse/mse.hpp"
#include "nexus/nexus.hpp"
#include "profile/profile.hpp"
#include "publish/aggregate.hpp"
#include "report/charts.hpp"
#include "report/suppression.hpp"
#include "store/store.hpp"

namespace vigil::report {

namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// HTML helpers

std::string esc(std::string_view text) {
  return xml_escape(text);
}

// Every count of victims in the HTML text is marked class="count", so that
// what is shown can be checked against the threshold mechanically.
std::string count_text(double value) {
  if (std::isnan(value)) return "<span class=\"count suppressed\">suppressed</span>";
  return "<span class=\"count\">" + format_number(value, 0) + "</span>";
}

struct Section {
  std::string id;
  std::string title;
  std::string body;
};

struct Builder {
  const ReportOptions& options;
  Suppressor suppressor;
  std::vector<Section> sections;
  std::vector<std::string> provenance;  // <li> items
  std::string missingness;              // <tr> rows
  std::vector<std::string> warnings;
  int charts = 0;

  void chart(std::string& body, const std::string& svg, const std::string& caption) {
    body += "<figure>" + svg + "<figcaption>" + esc(caption) + "</figcaption></figure>\n";
    ++charts;
  }

  void input_file(const std::string& role, const std::string& path) {
    std::error_code ec;
    const auto size = fs::file_size(path, ec);
    provenance.push_back(
        fmt::format("<li>{}: <code>{}</code> ({} bytes, SHA-256 <code>{}</code>)</li>", esc(role),
                    esc(path), ec ? 0 : size, sha256_file_hex(path)));
  }
};

// ---------------------------------------------------------------------------
// Sections

std::vector<CaseRecord> read_cases(const ReportOptions& options, Builder& b) {
  std::vector<CaseRecord> records;
  if (!options.db.empty()) {
    b.input_file("Case store", options.db);
    const auto store = store::open_sqlite_store(options.db);
    store->for_each_case([&](const CaseRecord& r) { records.push_back(r); });
  } else if (!options.cases_csv.empty()) {
    b.input_file("Case records", options.cases_csv);
    std::ifstream in(options.cases_csv, std::ios::binary);
    if (!in) throw Error(Error::Kind::io, fmt::format("cannot open {}", options.cases_csv));
    io::CaseCsvReader reader(in, options.cases_csv);
    CaseRecord record;
    while (reader.next(record)) records.push_back(record);
  }
  return records;
}

std::string country_label(CountryCode c) {
  return std::string(c.name());
}

void profile_sections(const std::vector<CaseRecord>& records, const ReportOptions& options,
                      Builder& b, std::string& key_figures) {
  profile::ProfileOptions popts;
  if (!options.country.empty()) {
    const auto country = find_country(options.country);
    if (!country) {
      throw Error(Error::Kind::usage,
                  fmt::format("report: unknown country \"{}\"; give an ISO alpha-2 or alpha-3 "
                              "code such as KZ or KAZ",
                              options.country));
    }
    popts.country = *country;
  }
  popts.top = 12;
  const profile::Profile p = profile::compute_profile(records, popts);
  const std::string scope =
      popts.country ? fmt::format("exploited in {}", popts.country->name()) : "all records";

  // Victims by year of registration and origin: one table whose margins
  // are the totals per year and the key figures, protected as one so that
  // a count hidden in one place cannot be recomputed from another. Records
  // without a year are a row of their own: its total is shown, and with
  // the key figures its cells could be computed, so they are protected too.
  using publish::kTotal;
  constexpr std::size_t kDomestic = 0;
  constexpr std::size_t kForeign = 1;
  constexpr std::size_t kUnknown = 2;
  const char* const origin_names[] = {"domestic", "foreign", "citizenship unknown"};
  publish::CountCube years;
  years.dimensions = {"Year of registration", "Origin"};
  years.labels = {{}, {"domestic", "foreign", "citizenship unknown"}};
  std::int64_t year_domestic = 0;
  std::int64_t year_foreign = 0;
  std::int64_t year_unknown = 0;
  for (const auto& [year, counts] : p.by_year) {
    years.labels[0].push_back(std::to_string(year));
    const std::int64_t unknown = counts.total - counts.domestic - counts.foreign;
    years.counts.insert(years.counts.end(), {counts.domestic, counts.foreign, unknown});
    year_domestic += counts.domestic;
    year_foreign += counts.foreign;
    year_unknown += unknown;
  }
  const std::size_t no_year = years.labels[0].size();
  if (p.year_missing > 0 || years.labels[0].empty()) {
    years.labels[0].push_back("not recorded");
    years.counts.insert(years.counts.end(), {p.domestic - year_domestic, p.foreign - year_foreign,
                                             p.origin_unknown - year_unknown});
  }

  // Corridors into the country (or every corridor, without a country): the
  // citizenships shown, and the rest, summing to the total of the key
  // figures. With a country, its own citizens are the domestic victims and
  // the records without a citizenship are those of unknown origin: both are
  // key figures too, linked to the year table.
  const bool by_country = popts.country.has_value();
  publish::CountCube into;
  into.dimensions = {"Citizenship"};
  into.labels.emplace_back();
  std::size_t domestic_row = kTotal;
  std::int64_t listed = 0;
  for (const auto& row : p.citizenship.rows) {
    if (by_country && row.country == *popts.country) domestic_row = into.labels[0].size();
    into.labels[0].emplace_back(row.country.alpha3());
    into.counts.push_back(row.count);
    listed += row.count;
  }
  const std::size_t shown_rows = into.labels[0].size();
  std::size_t unknown_row = kTotal;
  if (by_country) {
    if (domestic_row == kTotal) {
      domestic_row = into.labels[0].size();
      into.labels[0].emplace_back(popts.country->alpha3());
      into.counts.push_back(p.domestic);
      listed += p.domestic;
    }
    into.labels[0].push_back("other citizenships");
    into.counts.push_back(p.citizenship.known - listed);
    unknown_row = into.labels[0].size();
    into.labels[0].push_back("not recorded");
    into.counts.push_back(p.citizenship.missing);
  } else {
    into.labels[0].push_back("other or not recorded");
    into.counts.push_back(p.citizenship.known - listed + p.citizenship.missing);
  }
  std::vector<std::pair<std::vector<std::size_t>, std::vector<std::size_t>>> links = {
      {{kTotal, kTotal}, {kTotal}}};
  if (by_country && into.counts[domestic_row] == p.domestic &&
      p.citizenship.missing == p.origin_unknown) {
    links.push_back({{kTotal, kDomestic}, {domestic_row}});
    links.push_back({{kTotal, kUnknown}, {unknown_row}});
  }

  // Linked tables (Hundepool et al. 2012): protect each, carry what one
  // hides into the other, until neither hides more. Each table is audited
  // on its own: when a linked count is hidden in both, the equations of one
  // table do not take part in the other's audit (the linked counts are the
  // totals, hidden only in thin data).
  publish::CubeOptions year_options;
  publish::CubeOptions into_options;
  publish::SafeCube year_table;
  publish::SafeCube into_table;
  for (bool changed = true; changed;) {
    changed = false;
    year_table = b.suppressor.protect(years, year_options);
    for (const auto& [y, c] : links) {
      if (year_table.entry(y).hidden()) into_options.hide.push_back(c);
    }
    into_table = b.suppressor.protect(into, into_options);
    for (const auto& [y, c] : links) {
      if (into_table.entry(c).hidden() && !year_table.entry(y).hidden()) {
        year_options.hide.push_back(y);
        changed = true;
      }
    }
  }
  b.suppressor.record(year_table, [&](const std::vector<std::size_t>& c) -> std::string {
    const bool all_years = c[0] == kTotal;
    if (!all_years && c[0] == no_year) {
      return c[1] == kTotal && p.year_missing > 0 ? "Records without a year" : "";
    }
    if (all_years) {
      if (c[1] == kTotal) return "Key figures, victims";
      return c[1] == kUnknown ? "Key figures, citizenship unknown"
                              : fmt::format("Key figures, {} victims", origin_names[c[1]]);
    }
    return fmt::format("Victims per year, {}, {}", c[1] == kTotal ? "total" : origin_names[c[1]],
                       years.labels[0][c[0]]);
  });
  const auto year_value = [&](std::size_t row, std::size_t origin) {
    return Suppressor::value(year_table, {row, origin});
  };

  // Key figures.
  key_figures += fmt::format(
      "<li><strong>{}</strong> victims identified ({}), of whom <strong>{}</strong> domestic "
      "and <strong>{}</strong> foreign; citizenship unknown for {}.</li>\n",
      count_text(year_value(kTotal, kTotal)), esc(scope), count_text(year_value(kTotal, kDomestic)),
      count_text(year_value(kTotal, kForeign)), count_text(year_value(kTotal, kUnknown)));

  // Trends.
  {
    Section s{"trends", "Victims identified per year", ""};
    LineChart chart;
    chart.title = "Victims identified per year, domestic and foreign";
    chart.x_label = "Year of registration";
    chart.y_label = "Victims identified (persons)";
    LineSeries domestic{"Domestic", {}, {}};
    LineSeries foreign{"Foreign", {}, {}};
    std::string table =
        "<table id=\"victims-per-year\"><thead><tr><th>Year</th><th>Domestic</th>"
        "<th>Foreign</th><th>Citizenship unknown</th><th>Total</th></tr></thead><tbody>\n";
    std::size_t row = 0;
    for (const auto& [year, counts] : p.by_year) {
      domestic.x.push_back(year);
      domestic.y.push_back(year_value(row, kDomestic));
      foreign.x.push_back(year);
      foreign.y.push_back(year_value(row, kForeign));
      table +=
          fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n", year,
                      count_text(year_value(row, kDomestic)), count_text(year_value(row, kForeign)),
                      count_text(year_value(row, kUnknown)), count_text(year_value(row, kTotal)));
      ++row;
    }
    table += "</tbody></table>\n";
    chart.series = {domestic, foreign};
    b.chart(s.body, render_line_chart(chart),
            "Victims by year of registration; domestic victims are citizens of the country "
            "where they were exploited. Gaps are suppressed small counts.");
    s.body += table;
    if (p.year_missing > 0) {
      s.body += fmt::format(
          "<p id=\"without-year\">{} records have no year of registration and are not shown "
          "by year.</p>\n",
          count_text(year_value(no_year, kTotal)));
    }
    b.sections.push_back(std::move(s));
  }

  // Corridors.
  {
    Section s{"corridors", "Corridors", ""};
    FlowChart chart;
    chart.title = popts.country ? fmt::format("Corridors into and out of {}", popts.country->name())
                                : "Corridors: citizenship to country of exploitation";
    chart.origin_label = "Citizenship";
    chart.destination_label = "Country of exploitation";
    chart.value_label = "Victims (persons)";
    const std::string destination =
        popts.country ? country_label(*popts.country) : std::string("Countries of exploitation");
    b.suppressor.record(into_table, [&](const std::vector<std::size_t>& c) -> std::string {
      if (c[0] == kTotal || c[0] >= shown_rows) return "";  // not drawn
      return fmt::format("Corridor {} -> {}", into.labels[0][c[0]], destination);
    });
    for (std::size_t i = 0; i < shown_rows; ++i) {
      chart.flows.push_back({country_label(p.citizenship.rows[i].country), destination,
                             Suppressor::value(into_table, {i})});
    }
    if (popts.country && !p.destinations_abroad.rows.empty()) {
      // The country's citizens exploited abroad: no total of theirs is
      // published, so the counts stand alone (a table without margins).
      publish::CountCube out;
      out.dimensions = {"Country of exploitation"};
      out.labels.emplace_back();
      for (const auto& row : p.destinations_abroad.rows) {
        out.labels[0].emplace_back(row.country.alpha3());
        out.counts.push_back(row.count);
      }
      publish::CubeOptions cells_only;
      cells_only.tables = {{0}};
      const publish::SafeCube out_table = b.suppressor.protect(out, cells_only);
      b.suppressor.record(out_table, [&](const std::vector<std::size_t>& c) {
        return fmt::format("Corridor {} -> {}", popts.country->alpha3(), out.labels[0][c[0]]);
      });
      for (std::size_t i = 0; i < out.labels[0].size(); ++i) {
        chart.flows.push_back({country_label(*popts.country),
                               country_label(p.destinations_abroad.rows[i].country),
                               Suppressor::value(out_table, {i})});
      }
    }
    if (chart.flows.empty()) {
      b.warnings.push_back(
          "no record has both a citizenship and a country of exploitation: "
          "the corridor section is left out");
    } else {
      b.chart(s.body, render_flow_chart(chart),
              fmt::format("The {} largest citizenships among victims{}; band thickness is the "
                          "number of victims.",
                          p.citizenship.rows.size(),
                          popts.country ? ", and where the country's own citizens were exploited "
                                          "abroad"
                                        : ""));
      b.sections.push_back(std::move(s));
    }
  }

  // What the records lack, for the methods section. Counts of records, not
  // of victims in a category: they are not suppressed.
  for (const auto& d : p.variables) {
    b.missingness += fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td></tr>", esc(d.label),
                                 format_number(static_cast<double>(d.denominator), 0),
                                 format_number(static_cast<double>(d.missing), 0));
  }

  // Distributions.
  {
    Section s{"who", "Exploitation, sectors and means of control", ""};
    for (const char* name : {"exploitation_type", "labour_sector", "means_of_control"}) {
      const auto it = std::find_if(p.variables.begin(), p.variables.end(),
                                   [&](const profile::Distribution& d) { return d.name == name; });
      if (it == p.variables.end() || it->denominator == 0) continue;
      BarChart chart;
      chart.title = fmt::format("{} of identified victims", it->label);
      chart.category_label = it->label;
      chart.value_label = "Victims (persons)";
      std::vector<double> counts;
      std::vector<std::string> where;
      for (const auto& c : it->counts) {
        chart.categories.push_back(c.label);
        counts.push_back(static_cast<double>(c.count));
        where.push_back(fmt::format("{}, {}", it->label, c.label));
      }
      if (it->multiple_response || counts.size() < 2) {
        // A multiple-response group has no total to subtract from (a person
        // counts in several categories); one category is its own total.
        chart.values = b.suppressor.cells(counts, where);
      } else {
        // A one-way table whose total, the victims with the information, is
        // shown below the chart and in the methods whatever its size.
        chart.values = b.suppressor.group(counts, where);
      }
      b.chart(s.body, render_bar_chart(chart),
              fmt::format(
                  "{} victims with the information; {} without.{}",
                  format_number(static_cast<double>(it->denominator), 0),
                  format_number(static_cast<double>(it->missing), 0),
                  it->multiple_response ? " A victim may be counted in several categories." : ""));
    }
    if (!s.body.empty()) b.sections.push_back(std::move(s));
  }
}

void mse_section(const ReportOptions& options, Builder& b, std::string& key_figures) {
  b.input_file("Capture histories", options.capture_histories);
  std::ifstream in(options.capture_histories, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("cannot open {}", options.capture_histories));
  const mse::CaptureHistories table = mse::read_capture_histories(in, options.capture_histories);
  const mse::MseResult result = mse::select_stepwise(table);
  Section s{"mse", "The hidden population (Multiple Systems Estimation)", ""};
  if (!result.exists) {
    b.warnings.push_back("the MSE estimate does not exist for these lists: " + result.reason);
    return;
  }
  // The list sizes, their pairwise overlaps and the number observed are
  // the one- and two-way margins of the table of who is on which list (the
  // capture histories, not published), where nobody is on no list: e.g.
  // with two lists, the overlap is the two sizes minus the number observed.
  // So they are protected as that table's published margins. Past
  // kMaxProtectedLists the table is too large to audit and the overlaps are
  // left out.
  constexpr std::size_t kMaxProtectedLists = 12;
  const std::size_t k = table.list_count();
  const auto& names = table.list_names();
  publish::SafeCube lists_table;
  const bool overlaps = k <= kMaxProtectedLists;
  double observed = NAN;
  if (overlaps) {
    publish::CountCube lists;
    lists.dimensions = names;
    lists.labels.assign(k, {"on the list", "not on the list"});
    lists.counts.assign(std::size_t{1} << k, 0);
    for (std::uint32_t pattern = 0; pattern < table.cell_count(); ++pattern) {
      std::size_t cell = 0;
      for (std::size_t j = 0; j < k; ++j) cell = cell * 2 + ((pattern >> j & 1U) != 0 ? 0 : 1);
      lists.counts[cell] = table.count(pattern);
    }
    publish::CubeOptions options;
    options.tables.push_back({});
    for (std::size_t i = 0; i < k; ++i) {
      options.tables.push_back({i});
      for (std::size_t j = i + 1; j < k; ++j) options.tables.push_back({i, j});
    }
    options.structural_zeros = {(std::size_t{1} << k) - 1};  // on no list
    lists_table = b.suppressor.protect(lists, options);
    b.suppressor.record(lists_table, [&](const std::vector<std::size_t>& c) -> std::string {
      std::vector<std::size_t> on;
      for (std::size_t j = 0; j < k; ++j) {
        if (c[j] == 0) on.push_back(j);
        if (c[j] == 1) return "";  // "not on the list": not shown
      }
      if (on.empty()) return "MSE, victims on at least one list";
      if (on.size() == 1) return fmt::format("List size, {}", names[on[0]]);
      return fmt::format("Overlap, {} and {}", names[on[0]], names[on[1]]);
    });
    observed = Suppressor::value(lists_table, std::vector<std::size_t>(k, publish::kTotal));
  } else {
    observed = b.suppressor.cell(static_cast<double>(table.observed()),
                                 "MSE, victims on at least one list");
    b.warnings.push_back(fmt::format(
        "the overlap of the lists is left out: more than {} lists are too many to protect",
        kMaxProtectedLists));
  }
  IntervalChart chart;
  chart.title = "Victims identified and estimated in total";
  chart.value_label = "Victims (persons), with 95% interval";
  chart.row_label = "Quantity";
  chart.rows.push_back({"Identified by at least one list", observed, NAN, NAN});
  chart.rows.push_back({"Estimated total", result.total, result.ci_lower, result.ci_upper});
  b.chart(s.body, render_interval_chart(chart),
          "The estimated total includes the victims no list found; the interval is conditional "
          "on the selected model.");
  key_figures += fmt::format(
      "<li>An estimated <strong>{}</strong> victims in total (95% interval {} to {}), of whom "
      "{} were identified by at least one agency.</li>\n",
      format_number(result.total, 0), format_number(result.ci_lower, 0),
      format_number(result.ci_upper, 0), count_text(observed));

  if (overlaps) {
    MatrixChart overlap;
    overlap.title = "Overlap of the agencies' lists";
    overlap.row_label = "List";
    overlap.column_label = "List";
    overlap.rows = names;
    overlap.columns = names;
    for (std::size_t i = 0; i < k; ++i) {
      std::vector<double> row;
      for (std::size_t j = 0; j < k; ++j) {
        std::vector<std::size_t> c(k, publish::kTotal);
        c[i] = 0;
        c[j] = 0;
        row.push_back(Suppressor::value(lists_table, c));
      }
      overlap.values.push_back(row);
    }
    b.chart(s.body, render_matrix_chart(overlap),
            "Persons on each list (diagonal) and on both of two lists (off the diagonal).");
  }
  std::string model;
  for (const auto& interaction : result.model.interactions) {
    if (!model.empty()) model += ", ";
    model += mse::term_name(table, interaction);
  }
  s.body += fmt::format(
      "<p>Model: log-linear, main effects of the {} lists{}, chosen by SparseMSE's stepwise "
      "rule (Chan, Silverman &amp; Vincent 2021, p &lt; 0.02). Deviance {} on {} degrees of "
      "freedom. Interval: {}.</p>\n",
      table.list_count(), model.empty() ? "" : " and the interactions " + esc(model),
      format_number(result.deviance, 2), result.df, esc(result.ci_method));
  b.sections.push_back(std::move(s));
}

void nexus_section(const ReportOptions& options, const std::vector<CaseRecord>& records,
                   Builder& b) {
  b.input_file("Migration table", options.migration);
  const auto migration = nexus::read_migration_table(options.migration);
  const nexus::CaseCounts counts = nexus::count_cases([&](const auto& visit) {
    for (const auto& r : records) visit(r);
  });
  nexus::NexusOptions nopts;
  if (!options.regions_in.empty()) nopts.regions_in = options.regions_in;
  const nexus::NexusResult result = nexus::analyse_nexus(migration, counts.counts, nopts);
  Section s{"nexus", "Migration and identified victims", ""};
  IntervalChart chart;
  chart.title = "Rate ratio of identified victims for twice as many migrants";
  chart.value_label = "Rate ratio (95% interval, log scale)";
  chart.row_label = "Term";
  chart.log_scale = true;
  chart.reference = 1.0;
  const auto doubling = [](double beta) { return std::exp2(beta); };
  chart.rows.push_back({"Migrants (x2)", doubling(result.elasticity.estimate),
                        doubling(result.elasticity.ci_lower),
                        doubling(result.elasticity.ci_upper)});
  for (const auto& c : result.controls) {
    chart.rows.push_back(
        {c.name, std::exp(c.estimate), std::exp(c.ci_lower), std::exp(c.ci_upper)});
  }
  b.chart(s.body, render_interval_chart(chart),
          "Poisson pseudo-maximum likelihood with corridor and year fixed effects; a ratio of 1 "
          "means victims do not follow migration.");
  s.body += fmt::format(
      "<p>Elasticity of identified victims with respect to migrants: <strong>{}</strong> "
      "(95% interval {} to {}; standard error {}, {}), over {} corridor-years in {} "
      "corridors.</p>\n",
      format_number(result.elasticity.estimate, 3), format_number(result.elasticity.ci_lower, 3),
      format_number(result.elasticity.ci_upper, 3), format_number(result.elasticity.std_error, 3),
      esc(result.elasticity.std_error_kind), result.observations, result.corridors);
  if (!result.caveats.empty()) {
    s.body += "<ul class=\"caveats\">";
    for (const auto& c : result.caveats) s.body += "<li>" + esc(c) + "</li>";
    s.body += "</ul>\n";
  }
  b.sections.push_back(std::move(s));
}

void index_section(const ReportOptions& options, Builder& b) {
  b.input_file("Index configuration", options.index_config);
  b.input_file("Index data", options.index_data);
  const index::IndexConfig config = index::load_index_config(options.index_config);
  const index::IndexData data = index::read_index_data(options.index_data, config);
  const index::IndexResult result = index::compute_index(data, config);
  index::UncertaintyOptions uopts;
  uopts.replications = options.index_replications;
  uopts.seed = options.seed;
  uopts.threads = options.threads;
  const index::UncertaintyResult mc = index::analyse_uncertainty(data, config, uopts);
  Section s{"index", "Vulnerability index", ""};
  IntervalChart chart;
  chart.title = "Vulnerability ranking with rank intervals";
  chart.value_label = "Rank (1 = most vulnerable), median and 5-95% interval";
  chart.row_label = "Unit";
  std::vector<std::size_t> order(result.units.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t c) { return result.rank[a] < result.rank[c]; });
  for (const std::size_t i : order) {
    chart.rows.push_back({result.units[i], mc.rank_median[static_cast<Eigen::Index>(i)],
                          mc.rank_p05[static_cast<Eigen::Index>(i)],
                          mc.rank_p95[static_cast<Eigen::Index>(i)]});
  }
  b.chart(s.body, render_interval_chart(chart),
          fmt::format("Ranks under {} Monte Carlo samples of the method choices and weights "
                      "(seed {}); a wide interval means the rank depends on choices, not data.",
                      options.index_replications, options.seed));
  b.sections.push_back(std::move(s));
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.7rem}h2{font-size:1.3rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.2rem}
figure{margin:1.2rem 0;break-inside:avoid}figcaption{font-size:.85rem;color:#444}
svg.chart{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.85rem;margin:.8rem 0}td,th{border:1px solid #ccc;padding:.15rem .5rem;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}
.suppressed{color:#777;font-style:italic}.note{background:#fff8e1;border-left:4px solid #e69f00;padding:.5rem 1rem}
code{font-size:.8rem;word-break:break-all}
@media print{body{margin:0;max-width:none}h2{break-after:avoid}a{color:inherit}}
)";

}  // namespace

ReportOptions options_for_world(const std::string& directory) {
  ReportOptions options;
  const auto file = [&](const char* name) {
    const fs::path path = fs::path(directory) / name;
    return fs::exists(path) ? path.string() : std::string();
  };
  options.cases_csv = file("cases.csv");
  options.capture_histories = file("capture_histories.csv");
  options.migration = file("migration.csv");
  if (!options.migration.empty()) options.regions_in = "KAZ";
  options.index_data = file("regions.csv");
  return options;
}

Report build_report(const ReportOptions& options) {
  if (!options.db.empty() && !options.cases_csv.empty()) {
    throw Error(Error::Kind::usage,
                "report: give case records from a store or a CSV file, not both");
  }
  if (options.min_cell < 1)
    throw Error(Error::Kind::usage, "report: the minimum cell must be 1 or more");
  if (options.index_config.empty() != options.index_data.empty() && !options.index_config.empty()) {
    throw Error(Error::Kind::usage, "report: an index configuration needs its data (--index-data)");
  }
  Builder b{options, Suppressor(options.min_cell), {}, {}, {}, {}, 0};
  std::string key_figures;
  const std::vector<CaseRecord> records = read_cases(options, b);
  if (!records.empty()) profile_sections(records, options, b, key_figures);
  // An analysis the data cannot support (too few years for the fixed
  // effects, lists with no overlap) leaves its section out with the reason;
  // unreadable or malformed inputs still stop the report.
  const auto optional_section = [&](const char* name, const auto& build) {
    try {
      build();
    } catch (const Error& e) {
      if (e.kind() != Error::Kind::usage) throw;
      b.warnings.push_back(fmt::format("the {} section is left out: {}", name, e.what()));
    }
  };
  if (!options.capture_histories.empty()) {
    optional_section("MSE", [&] { mse_section(options, b, key_figures); });
  }
  if (!options.migration.empty()) {
    if (records.empty()) {
      b.warnings.push_back("a migration table needs case records: the nexus section is left out");
    } else {
      optional_section("migration", [&] { nexus_section(options, records, b); });
    }
  }
  if (!options.index_config.empty()) {
    optional_section("index", [&] { index_section(options, b); });
  }
  if (b.sections.empty()) {
    throw Error(Error::Kind::usage,
                "report: nothing to report; give case records (--db, --cases or --world), "
                "capture histories, or an index");
  }

  // Methods and provenance.
  Section methods{"methods", "Methods and provenance", ""};
  methods.body += "<h3>Inputs</h3><ul>";
  for (const auto& item : b.provenance) methods.body += item;
  methods.body += "</ul>\n";
  methods.body += fmt::format(
      "<h3>Software and choices</h3><ul><li>vigil {}{}</li><li>Counts of victims from 1 to {} "
      "are suppressed in every table, chart and sentence; further counts are suppressed where "
      "totals would reveal them, until solving for each suppressed count from every number "
      "published leaves it undetermined (Cox 1980); {} cells were suppressed.</li><li>Random "
      "seed {}.</li></ul>\n",
      esc(VIGIL_VERSION),
      options.invocation.empty() ? "" : ", run as <code>" + esc(options.invocation) + "</code>",
      options.min_cell - 1, b.suppressor.suppressed().size(), options.seed);
  if (!b.missingness.empty()) {
    methods.body +=
        "<h3>Missing information</h3><table><thead><tr><th>Variable</th><th>Records with "
        "it</th><th>Records without</th></tr></thead><tbody>" +
        b.missingness + "</tbody></table>\n";
  }
  if (!records.empty()) {
    methods.body += fmt::format("<p>{} case records read.</p>\n",
                                format_number(static_cast<double>(records.size()), 0));
  }
  if (!b.suppressor.suppressed().empty()) {
    methods.body += "<details><summary>Where cells were suppressed</summary><ul>";
    for (const auto& s : b.suppressor.suppressed()) {
      methods.body += "<li>" + esc(s.where) + ": " + esc(s.reason) + "</li>";
    }
    methods.body += "</ul></details>\n";
  }
  if (!b.warnings.empty()) {
    methods.body += "<h3>Left out</h3><ul>";
    for (const auto& w : b.warnings) methods.body += "<li>" + esc(w) + "</li>";
    methods.body += "</ul>\n";
  }
  b.sections.push_back(std::move(methods));

  Report report;
  std::string& html = report.html;
  html += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  // Nothing may be fetched: the report must open offline and leak nothing.
  html +=
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
      "style-src 'unsafe-inline'\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html +=
      "<title>" + esc(options.title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  html += "<h1>" + esc(options.title) + "</h1>\n";
  html += fmt::format(
      "<p class=\"note\">Counts below {} are suppressed to protect the people behind them. "
      "Estimates are model results with the intervals shown; see "
      "<a href=\"#methods\">Methods and provenance</a>.</p>\n",
      options.min_cell);
  if (!key_figures.empty())
    html += "<h2 id=\"key\">Key figures</h2>\n<ul>" + key_figures + "</ul>\n";
  html += "<nav><ul>";
  for (const auto& s : b.sections) {
    html += "<li><a href=\"#" + s.id + "\">" + esc(s.title) + "</a></li>";
  }
  html += "</ul></nav>\n";
  for (const auto& s : b.sections) {
    html +=
        "<section id=\"" + s.id + "\">\n<h2>" + esc(s.title) + "</h2>\n" + s.body + "</section>\n";
    report.sections.push_back(s.title);
  }
  html += "</body>\n</html>\n";
  report.suppressed = b.suppressor.suppressed();
  report.charts = b.charts;
  report.warnings = b.warnings;
  return report;
}

}  // namespace vigil::report
