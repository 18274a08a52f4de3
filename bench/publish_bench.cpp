// Speed of the publication checks and of k-anonymisation at national scale.
//
// What is measured, on one table of N records (default 1,000,000) with eight
// quasi-identifiers:
//   check      check_anonymity (k = 5), missing values as a category and as
//              a wildcard (publish/check.hpp);
//   anonymise  the optimal global recoding (publish/anonymise.hpp), 5%
//              suppression budget: loss metric for k = 5, k = 11 and k = 5
//              with distinct 2-diversity of the recruiter relation;
//              discernibility for k = 5. Each release is then checked with
//              check_anonymity (not timed).
// Each line gives the wall time of one call; building the table is not
// timed.
//
// The data: detected victims of simulated worlds (vigil::simulate on the
// built-in kazakhstan scenario, 2002-2022), seeds 1, 2, 3, ... until N
// records are gathered (about 33,000 per world), in the CTDC 2024 layout as
// case records report it (with its gaps: missing age, sex, duration). The
// quasi-identifiers are the CTDC ones, yearOfRegistration, gender, ageBroad,
// citizenship, CountryOfExploitation, traffickMonths, and two more that an
// agency's file also holds: the labour sector or exploitation type
// (construction, agriculture, domestic work, hospitality, other labour,
// sexual, other exploitation) and the agency that found the victim first in
// the scenario's order (the data source). Hierarchies are the defaults:
// years by 5-year period and decade, age bands, UN M49 regions for both
// countries, suppression for the rest: 4 x 2 x 4 x 4 x 4 x 2 x 2 x 2 = 4,096
// lattice nodes. The sensitive column is the recruiter relation.
//
// Build and run (Release):
//   cmake -S . -B build-release -DVIGIL_BUILD_BENCH=ON -DCMAKE_BUILD_TYPE=Release -G Ninja
//   ninja -C build-release publish_bench
//   ./build-release/bench/publish_bench [--rows N] [--threads T]
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/case_record.hpp"
#include "publish/anonymise.hpp"
#include "publish/check.hpp"
#include "simulate/scenario.hpp"
#include "simulate/simulate.hpp"

namespace {

using Clock = std::chrono::steady_clock;
namespace publish = vigil::publish;
namespace sim = vigil::simulate;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Appends cells to a table column by column, dictionary-encoding them.
class TableBuilder {
 public:
  explicit TableBuilder(std::vector<std::string> columns) : encoders_(columns.size()) {
    table_.columns = std::move(columns);
    table_.values.resize(table_.columns.size());
    table_.codes.resize(table_.columns.size());
    table_.source = "simulated cases";
  }
  void add(std::size_t column, std::string_view cell) {
    if (cell.empty()) {
      table_.codes[column].push_back(0);
      return;
    }
    auto& codes = encoders_[column];
    const auto found = codes.find(std::string(cell));
    if (found != codes.end()) {
      table_.codes[column].push_back(found->second);
      return;
    }
    table_.values[column].emplace_back(cell);
    const auto code = static_cast<std::uint32_t>(table_.values[column].size());
    codes.emplace(std::string(cell), code);
    table_.codes[column].push_back(code);
  }
  std::size_t rows() const { return table_.rows(); }
  publish::CategoricalTable take() { return std::move(table_); }

 private:
  publish::CategoricalTable table_;
  std::vector<std::unordered_map<std::string, std::uint32_t>> encoders_;
};

std::string_view label(const vigil::CaseRecord& record, vigil::Field field) {
  const auto code = record.code(field);
  if (!code) return {};
  return vigil::code_label(vigil::field_info(field).kind, *code);
}

// The labour sector, or the type of exploitation when it is not labour.
std::string_view sector(const vigil::CaseRecord& record) {
  for (const vigil::Field field : vigil::group_fields(vigil::FlagGroup::labour_sector)) {
    if (record.flag(field)) return vigil::field_info(field).label;
  }
  if (record.flag(vigil::Field::sexual_exploitation)) return "Sexual exploitation";
  if (record.flag(vigil::Field::other_exploitation)) return "Other exploitation";
  return {};
}

std::string_view recruiter(const vigil::CaseRecord& record) {
  for (const vigil::Field field : vigil::group_fields(vigil::FlagGroup::recruiter_relation)) {
    if (record.flag(field)) return vigil::field_info(field).label;
  }
  return {};
}

publish::CategoricalTable simulated_cases(std::size_t rows, std::size_t& worlds) {
  const sim::Scenario scenario = sim::load_scenario("kazakhstan");
  TableBuilder builder({"yearOfRegistration", "gender", "ageBroad", "citizenship",
                        "CountryOfExploitation", "traffickMonths", "sector", "dataSource",
                        "recruiterRelation"});
  using vigil::Field;
  worlds = 0;
  while (builder.rows() < rows) {
    sim::SimulateOptions options;
    options.seed = ++worlds;
    const sim::World world = sim::simulate_world(scenario, options);
    for (const sim::Victim& victim : world.victims) {
      if (victim.detected_by == 0 || builder.rows() >= rows) continue;
      const vigil::CaseRecord& record = victim.reported;
      builder.add(0, label(record, Field::year_of_registration));
      builder.add(1, label(record, Field::gender));
      builder.add(2, label(record, Field::age_band));
      builder.add(3, label(record, Field::citizenship));
      builder.add(4, label(record, Field::country_of_exploitation));
      builder.add(5, label(record, Field::trafficking_duration));
      builder.add(6, sector(record));
      std::size_t first = 0;
      while ((victim.detected_by & (1U << first)) == 0) ++first;
      builder.add(7, scenario.agencies[first].id);
      builder.add(8, recruiter(record));
    }
  }
  return builder.take();
}

std::optional<std::size_t> parse_size(std::string_view text) {
  std::size_t value = 0;
  if (text.empty()) return std::nullopt;
  for (const char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(ch - '0');
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 1'000'000;
  int threads = 0;
  for (int arg = 1; arg < argc; ++arg) {
    const std::string_view name = argv[arg];
    const bool has_value = arg + 1 < argc;
    const auto value = has_value ? parse_size(argv[arg + 1]) : std::nullopt;
    if ((name == "--rows" || name == "--threads") && value) {
      if (name == "--rows") rows = *value;
      if (name == "--threads") threads = static_cast<int>(*value);
      ++arg;
      continue;
    }
    std::fprintf(stderr, "usage: publish_bench [--rows N] [--threads T]\n");
    return 2;
  }
  try {
    const auto build_start = Clock::now();
    std::size_t worlds = 0;
    const publish::CategoricalTable table = simulated_cases(rows, worlds);
    const std::vector<std::string> qis = {
        "yearOfRegistration",    "gender",         "ageBroad", "citizenship",
        "CountryOfExploitation", "traffickMonths", "sector",   "dataSource"};
    const unsigned cores = std::thread::hardware_concurrency();
    fmt::print("table: {} records, {} quasi-identifiers, from {} simulated worlds ({:.1f} s)\n",
               table.rows(), qis.size(), worlds, seconds_since(build_start));
    fmt::print("threads: {} ({} cores)\n\n", threads == 0 ? cores : threads, cores);

    fmt::print("{:<34} {:>9} {:>4} {:>8} {:>9} {:>8} {:>10} {:>7}\n", "run", "rows", "QIs",
               "lattice", "evaluated", "seconds", "suppressed", "loss");
    for (const auto missing :
         {publish::MissingValues::category, publish::MissingValues::wildcard}) {
      publish::CheckOptions options;
      options.quasi_identifiers = qis;
      options.k = 5;
      options.missing = missing;
      options.threads = threads;
      const auto start = Clock::now();
      const publish::CheckResult check = publish::check_anonymity(table, options);
      const double seconds = seconds_since(start);
      fmt::print("{:<34} {:>9} {:>4} {:>8} {:>9} {:>8.2f} {:>9.2f}% {:>7}\n",
                 fmt::format("check k=5 {} ({} classes)",
                             missing == publish::MissingValues::category ? "category" : "wildcard",
                             check.classes),
                 table.rows(), qis.size(), "-", "-", seconds, 100.0 * check.violating_share, "-");
    }
    struct Run {
      std::size_t k;
      std::optional<std::size_t> l;
      publish::UtilityMeasure measure;
    };
    constexpr auto kLoss = publish::UtilityMeasure::loss;
    constexpr auto kDiscernibility = publish::UtilityMeasure::discernibility;
    for (const Run run : {Run{5, std::nullopt, kLoss}, Run{11, std::nullopt, kLoss},
                          Run{5, 2, kLoss}, Run{5, std::nullopt, kDiscernibility}}) {
      publish::AnonymiseOptions options;
      options.quasi_identifiers = qis;
      options.k = run.k;
      options.l = run.l;
      options.measure = run.measure;
      if (run.l) options.sensitive = {"recruiterRelation"};
      options.max_suppression = 0.05;
      options.threads = threads;
      const auto start = Clock::now();
      const publish::AnonymiseResult result = publish::anonymise(table, options);
      const double seconds = seconds_since(start);
      std::string levels;
      for (const auto& qi : result.quasi_identifiers) {
        if (!levels.empty()) levels += ", ";
        levels += qi.column + "=" + qi.level_name;
      }
      std::string name = fmt::format("anonymise k={}", run.k);
      if (run.l) name += fmt::format(" l={}", *run.l);
      name += run.measure == kLoss ? " loss" : " discern.";
      fmt::print("{:<34} {:>9} {:>4} {:>8} {:>9} {:>8.2f} {:>9.2f}% {:>7.4f}\n", name, table.rows(),
                 qis.size(), result.lattice_size, result.nodes_evaluated, seconds,
                 100.0 * result.suppressed_share, result.loss);
      // Not timed: the release, checked independently.
      const bool verified = result.found && publish::check_release(result, options).satisfies;
      fmt::print("    {}{}: {} classes, {}\n", result.found ? "found" : "not found",
                 verified ? " (check_anonymity: satisfied)" : "", result.classes,
                 result.found ? levels : result.reason);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "publish_bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
