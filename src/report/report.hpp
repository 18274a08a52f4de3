// `vigil report`: one self-contained HTML file from data to evidence.
//
// The readers are ministries, donors and journalists who will never run a
// command: the report must open offline on any laptop, print well, and be
// safe to pass on. So it is one HTML file with everything inline: charts as
// SVG drawn by charts.hpp, styles in one <style> element, no script, no
// font, image or link that would make the browser fetch anything (a
// Content-Security-Policy meta element forbids it as well).
//
// Sections, each present when its data are given:
//   - key figures and victims identified per year (domestic and foreign);
//   - corridors: citizenship -> country of exploitation, and the country's
//     citizens exploited abroad;
//   - labour sectors, types of exploitation and means of control;
//   - the hidden population (MSE): observed and estimated totals with the
//     interval, and the overlap of the agencies' lists;
//   - migration and victims (nexus): the elasticity as a rate ratio, with
//     its interval, in a forest plot;
//   - the vulnerability index: units ranked with their 5-95% rank intervals;
//   - methods and provenance: every input file with its size and SHA-256,
//     record counts, missingness, model choices, software version, seed.
//
// Safety: every count of victims shown (in a table, a chart or a sentence)
// from 1 to `min_cell` - 1 is suppressed, and the report lists where and why
// (zero describes no one and is shown). Counts that share a shown total are
// published as one table through publish::suppress_cube (publish/
// aggregate.hpp): secondary suppression, and an audit that solves for every
// hidden count given everything shown, so that no hidden count can be
// recovered by subtraction anywhere in the report (the year table, the key
// figures and the corridors are linked through their totals; list sizes and
// overlaps are the margins of the list-membership table). Counts are
// persons; estimates from models (MSE totals, elasticities, index scores)
// are not cells and are shown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::report {

struct ReportOptions {
  // Case records: a vigil store, or a CTDC/HTCDS CSV file (a simulated
  // world's cases.csv). At most one of the two.
  std::string db;
  std::string cases_csv;
  // A capture-history table for MSE (vigil simulate or vigil link output).
  std::string capture_histories;
  // A migration table for nexus (year, origin, destination, flow, stock).
  std::string migration;
  // When set, migration destinations that are regions of this country
  // (alpha-3) are summed into it (NexusOptions::regions_in).
  std::string regions_in;
  // An index configuration (TOML) and its data, for the ranking.
  std::string index_config;
  std::string index_data;
  std::size_t index_replications = 500;
  std::uint64_t seed = 1;
  // Profile victims exploited in, or citizens of, this country (ISO alpha-2
  // or alpha-3); all records when empty.
  std::string country;
  // Counts below this are suppressed; at least 1 (1 suppresses nothing).
  std::int64_t min_cell = 10;
  std::string title = "Trafficking in persons: evidence report";
  // Shown in the provenance section, e.g. the command line that ran.
  std::string invocation;
  int threads = 0;
};

// ReportOptions for the directory of a simulated world (vigil simulate
// --out DIR): its cases.csv, capture_histories.csv, migration.csv (with
// regions_in "KAZ": the simulated destinations are Kazakh regions) and
// regions.csv as index data, each left empty when the file is missing. The
// index configuration is the caller's to give.
ReportOptions options_for_world(const std::string& directory);

struct Suppression {
  std::string where;   // "Victims per year, foreign, 2003"
  std::string reason;  // "count below 10" or "secondary: the other part of the total"
};

struct Report {
  std::string html;
  std::vector<Suppression> suppressed;
  std::vector<std::string> sections;  // titles of the sections written
  int charts = 0;
  std::vector<std::string> warnings;  // sections left out, and why
};

// Builds the report. Throws vigil::Error: usage on contradictory options,
// io on unreadable files, input on malformed ones (with file, line, column).
Report build_report(const ReportOptions& options);

}  // namespace vigil::report
