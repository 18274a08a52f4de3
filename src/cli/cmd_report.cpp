// `vigil report`: the CLI binding of report/report.hpp.
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "report/report.hpp"

namespace vigil::cli {

void setup_report(CLI::App& app, ReportCliOptions& options) {
  app.description(
      "Write one self-contained HTML report for readers who will never run a command:\n"
      "victims per year, corridors, sectors and means of control, the estimated hidden\n"
      "population (MSE) with its interval and the lists' overlap, the migration elasticity,\n"
      "and the vulnerability ranking with rank intervals, each as an SVG chart with a table,\n"
      "then the methods and provenance (inputs with SHA-256, choices, version, seed).\n"
      "The file has no script and fetches nothing: it opens offline and prints. Counts of\n"
      "victims below --min-cell are suppressed everywhere, and the report says where.");
  app.add_option("--world", options.world,
                 "A simulated world (vigil simulate --out DIR): its cases, capture histories,\n"
                 "migration and regions; other options override its files")
      ->check(CLI::ExistingDirectory);
  app.add_option("--db", options.db, "Case records from a vigil store")->check(CLI::ExistingFile);
  app.add_option("--cases", options.cases, "Case records from a CTDC/HTCDS CSV file")
      ->check(CLI::ExistingFile);
  app.add_option("--histories", options.histories,
                 "Capture histories for MSE (e.g. vigil link's capture_histories.csv)")
      ->check(CLI::ExistingFile);
  app.add_option("--migration", options.migration, "Migration table for the nexus section")
      ->check(CLI::ExistingFile);
  app.add_option("--regions-in", options.regions_in,
                 "Migration destinations are regions of this country (alpha-3)");
  app.add_option("--index-config", options.index_config, "Index configuration (TOML)")
      ->check(CLI::ExistingFile);
  app.add_option("--index-data", options.index_data, "Index data (CSV)")->check(CLI::ExistingFile);
  app.add_option("--country", options.country,
                 "Describe victims exploited in this country (ISO code); default all records");
  app.add_option("--min-cell", options.min_cell, "Suppress counts below this")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  app.add_option("--title", options.title, "The report's title");
  app.add_option("--seed", options.seed, "Seed of the index's Monte Carlo")->capture_default_str();
  app.add_option("--threads", options.threads, "Threads (0: every core)")->capture_default_str();
  app.add_option("-o,--output", options.output, "The HTML file to write")->required();
  app.footer(
      "Examples:\n"
      "  vigil report --world out/demo/world --histories out/demo/linked/capture_histories.csv \\\n"
      "      --index-config examples/index/kazakhstan_regions.toml -o report.html\n"
      "  vigil report --db vigil.db --country KZ --min-cell 5 -o kz.html");
}

int run_report(const ReportCliOptions& options, const std::string& invocation) {
  const auto start = std::chrono::steady_clock::now();
  report::ReportOptions r;
  if (!options.world.empty()) r = report::options_for_world(options.world);
  if (!options.db.empty()) {
    r.db = options.db;
    r.cases_csv.clear();
  }
  if (!options.cases.empty()) r.cases_csv = options.cases;
  if (!options.histories.empty()) r.capture_histories = options.histories;
  if (!options.migration.empty()) r.migration = options.migration;
  if (!options.regions_in.empty()) r.regions_in = options.regions_in;
  if (!options.index_data.empty()) r.index_data = options.index_data;
  r.index_config = options.index_config;
  if (r.index_config.empty()) r.index_data.clear();  // a world's regions need a configuration
  r.country = options.country;
  r.min_cell = options.min_cell;
  if (!options.title.empty()) r.title = options.title;
  r.seed = options.seed;
  r.threads = options.threads;
  r.invocation = invocation;
  const report::Report report = report::build_report(r);

  const std::string temporary = options.output + ".partial";
  {
    std::ofstream out(temporary, std::ios::binary);
    out << report.html;
    out.flush();
    if (!out) throw Error(Error::Kind::io, fmt::format("cannot write {}", options.output));
  }
  std::error_code ec;
  std::filesystem::rename(temporary, options.output, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    throw Error(Error::Kind::io, fmt::format("cannot write {}", options.output));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print(stderr,
             "vigil: wrote {} ({:.0f} KB, {} sections, {} charts, {} cells suppressed) in "
             "{:.2f} s\n",
             options.output, static_cast<double>(report.html.size()) / 1024.0,
             report.sections.size(), report.charts, report.suppressed.size(), seconds);
  for (const auto& w : report.warnings) fmt::print(stderr, "vigil: note: {}\n", w);
  return 0;
}

}  // namespace vigil::cli
