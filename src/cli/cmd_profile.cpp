// `vigil profile`: the CLI binding of profile/profile.hpp.
#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "profile/profile.hpp"
#include "store/store.hpp"

namespace vigil::cli {

void setup_profile(CLI::App& app, ProfileOptions& options) {
  app.description(
      "Describe identified victims: victims per year, domestic and foreign victims, the\n"
      "corridors (citizenships of victims exploited in a country, destinations of its\n"
      "citizens exploited abroad), the share trafficked internationally, and shares by type\n"
      "of exploitation, labour sector, means of control, gender, age band and recruiter\n"
      "relation. Every share is printed with its denominator and the number of records where\n"
      "the variable is missing. Percentages of flag groups follow the CTDC codebook\n"
      "(section 6): the denominator is the records with information on the group.");
  auto* db = app.add_option("--db", options.db, "SQLite store to read")->capture_default_str();
  auto* cases = app.add_option("--cases", options.cases,
                               "Read case records straight from a CSV file instead of a store")
                    ->check(CLI::ExistingFile);
  db->excludes(cases);
  cases->excludes(db);
  app.add_option("--country", options.country,
                 "Country to profile, ISO 3166-1 alpha-2 or alpha-3 (KZ or KAZ); default: all");
  app.add_option("--perspective", options.perspective,
                 "With --country: describe victims exploited in the country (exploitation) or "
                 "the country's citizens wherever exploited (citizenship)")
      ->check(CLI::IsMember({"exploitation", "citizenship"}))
      ->capture_default_str();
  app.add_option("--from", options.from_year,
                 "First year of registration to include (records of unknown year are then left "
                 "out, and counted)");
  app.add_option("--to", options.to_year, "Last year of registration to include");
  app.add_option("--top", options.top, "Rows in the citizenship and destination tables (0: all)")
      ->capture_default_str();
  app.add_option("--format", options.format,
                 "table (for people), csv (long format, one number per row) or json")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();
  app.add_option("-o,--output", options.output, "Write to this file instead of standard output");
  app.footer(
      "Examples:\n"
      "  vigil profile --country KZ\n"
      "  vigil profile --db vigil.db --country KAZ --from 2015 --to 2020 --format json\n"
      "  vigil profile --cases examples/ctdc_synthetic_kz.csv --country KZ --perspective "
      "citizenship");
}

int run_profile(const ProfileOptions& options) {
  profile::ProfileOptions profile_options;
  if (!options.country.empty()) {
    profile_options.country = find_country(options.country);
    if (!profile_options.country) {
      throw Error(Error::Kind::usage,
                  fmt::format("--country: expected an ISO 3166-1 alpha-2 or alpha-3 code such as "
                              "KZ or KAZ, got \"{}\"",
                              options.country));
    }
  }
  if (options.from_year && options.to_year && *options.from_year > *options.to_year) {
    throw Error(Error::Kind::usage,
                fmt::format("--from {} is after --to {}", *options.from_year, *options.to_year));
  }
  profile_options.perspective = options.perspective == "citizenship"
                                    ? profile::Perspective::citizenship
                                    : profile::Perspective::exploitation;
  profile_options.from_year = options.from_year;
  profile_options.to_year = options.to_year;
  profile_options.top = options.top;

  profile::ProfileBuilder builder(profile_options);
  if (!options.cases.empty()) {
    std::ifstream in(options.cases, std::ios::binary);
    if (!in) throw Error(Error::Kind::io, options.cases + ": cannot open the file for reading");
    std::error_code ec;
    const auto size = std::filesystem::file_size(options.cases, ec);
    io::CaseCsvReader reader(in, options.cases);
    ProgressLine progress("reading " + options.cases);
    CaseRecord record;
    std::uint64_t rows = 0;
    while (reader.next(record)) {
      builder.add(record);
      if (++rows % 4096 == 0) progress.update(reader.bytes_read(), ec ? 0 : size);
    }
  } else {
    if (!std::filesystem::exists(options.db)) {
      throw Error(Error::Kind::io,
                  fmt::format("{}: no such store; import records first (vigil import FILE.csv "
                              "--db {}) or read a CSV file with --cases",
                              options.db, options.db));
    }
    const auto store = store::open_sqlite_store(options.db);
    store->for_each_case([&builder](const CaseRecord& record) { builder.add(record); });
  }
  const profile::Profile result = builder.finish();

  std::string text;
  if (options.format == "json") {
    text = profile::render_json(result);
  } else if (options.format == "csv") {
    text = profile::render_csv(result);
  } else {
    text = profile::render_table(result);
  }
  if (!text.empty() && text.back() != '\n') text += '\n';
  if (options.output.empty()) {
    fmt::print("{}", text);
  } else {
    std::ofstream out(options.output, std::ios::binary);
    out << text;
    if (!out) throw Error(Error::Kind::io, options.output + ": cannot write the file");
    fmt::print(stderr, "vigil: profile written to {}\n", options.output);
  }
  return 0;
}

}  // namespace vigil::cli
