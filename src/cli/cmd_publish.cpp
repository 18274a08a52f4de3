// `vigil publish check`: the CLI binding of publish/check.hpp.
#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "core/error.hpp"
#include "publish/check.hpp"

namespace vigil::cli {
namespace {

std::vector<std::string> split_columns(const std::string& text) {
  std::vector<std::string> columns;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    const auto first = item.find_first_not_of(' ');
    const auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) columns.push_back(item.substr(first, last - first + 1));
  }
  return columns;
}

std::string render_table(const publish::CheckResult& r, const publish::CheckOptions& o,
                         const std::string& file) {
  std::string out;
  out += fmt::format("{}: {}\n\n", file,
                     r.satisfies ? "SAFE to publish under the requested criteria"
                                 : "NOT safe to publish under the requested criteria");
  out += fmt::format("  records                   {}\n", r.records);
  out += fmt::format("  equivalence classes       {}\n", r.classes);
  out += fmt::format("  k (smallest class)        {}   requested {}: {}\n", r.k, o.k,
                     r.k_satisfied ? "met" : "NOT met");
  if (o.l || r.l) {
    out += fmt::format("  l (fewest distinct)       {}", r.l ? std::to_string(*r.l) : "-");
    if (o.l) out += fmt::format("   requested {}: {}", *o.l, r.l_satisfied ? "met" : "NOT met");
    out += "\n";
  }
  out += fmt::format("  violating records         {} ({:.2f}% of records)\n", r.violating_records,
                     100.0 * r.violating_share);
  out += fmt::format("  violating classes         {}\n", r.violating_classes);
  out += fmt::format("  re-identification risk    max {:.4f}, average {:.4f} (prosecutor model)\n",
                     r.max_risk, r.average_risk);
  if (!r.smallest.empty()) {
    out += "\nSmallest equivalence classes (quasi-identifier values; \"\" = missing):\n";
    std::string header = "  size";
    for (const auto& q : o.quasi_identifiers) header += "  " + q;
    out += header + "\n";
    for (const auto& c : r.smallest) {
      std::string row = fmt::format("  {:>4}", c.size);
      for (const auto& v : c.key) row += "  " + (v.empty() ? std::string("\"\"") : v);
      out += row + "\n";
    }
  }
  return out;
}

}  // namespace

void setup_publish(CLI::App& app, PublishCliOptions& options, CLI::App*& check) {
  app.description(
      "Check, before publishing a table of records, whether anyone in it can be singled out.");
  app.require_subcommand(1);
  check =
      app.add_subcommand("check", "Is this file safe to publish? k-anonymity, l-diversity, risk");
  check->description(
      "Group the records by their quasi-identifiers (the columns an outsider can learn:\n"
      "age band, sex, citizenship, year, place) and report the smallest group (k), how\n"
      "many records sit in groups smaller than --k, the fewest distinct values of each\n"
      "sensitive column within a group (distinct l-diversity), and the re-identification\n"
      "risk 1/(group size) of the prosecutor model (an attacker who knows the person is\n"
      "in the file). Exit code 0 when the file meets --k (and --l), 5 when it does not.");
  check->add_option("file", options.file, "The CSV file to check (with a header row)")
      ->required()
      ->check(CLI::ExistingFile);
  check->add_option("--quasi", options.quasi, "Quasi-identifier columns, comma-separated")
      ->required();
  check->add_option("--sensitive", options.sensitive, "Sensitive columns, comma-separated");
  check->add_option("--k", options.k, "Smallest group size to require")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  check->add_option("--l", options.l, "Distinct sensitive values to require in every group")
      ->check(CLI::Range(1, 1000000));
  check
      ->add_option("--missing", options.missing,
                   "An empty cell is a value of its own (category) or could be any value "
                   "(wildcard)")
      ->check(CLI::IsMember({"category", "wildcard"}))
      ->capture_default_str();
  check->add_option("--top", options.top, "Smallest groups to list")->capture_default_str();
  check->add_option("--format", options.format, "table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
  check->add_option("--threads", options.threads, "Threads (0: every core)")->capture_default_str();
  check->footer(
      "Examples:\n"
      "  vigil publish check cases.csv --quasi gender,ageBroad,citizenship,yearOfRegistration --k "
      "11\n"
      "  vigil publish check cases.csv --quasi gender,ageBroad,citizenship \\\n"
      "      --sensitive typeOfExploitConcatenated --k 5 --l 2 --format json\n"
      "\n"
      "JSON keys: k, satisfies, violating_records, violating_classes, max_risk, average_risk,\n"
      "records, classes, l, violating_share, smallest.");
}

int run_publish(const PublishCliOptions& options, bool check) {
  if (!check) throw Error(Error::Kind::usage, "publish: name a subcommand (check)");
  publish::CheckOptions o;
  o.quasi_identifiers = split_columns(options.quasi);
  o.sensitive = split_columns(options.sensitive);
  o.k = options.k;
  if (options.l) o.l = *options.l;
  o.missing = options.missing == "wildcard" ? publish::MissingValues::wildcard
                                            : publish::MissingValues::category;
  o.smallest_classes = options.top;
  o.threads = options.threads;
  const publish::CategoricalTable table = publish::read_categorical_csv(options.file);
  const publish::CheckResult r = publish::check_anonymity(table, o);
  if (options.format == "json") {
    nlohmann::ordered_json j;
    j["file"] = options.file;
    j["k"] = r.k;
    j["satisfies"] = r.satisfies;
    j["violating_records"] = r.violating_records;
    j["violating_classes"] = r.violating_classes;
    j["max_risk"] = r.max_risk;
    j["average_risk"] = r.average_risk;
    j["records"] = r.records;
    j["classes"] = r.classes;
    j["requested_k"] = o.k;
    j["l"] = r.l ? nlohmann::ordered_json(*r.l) : nlohmann::ordered_json(nullptr);
    j["requested_l"] = o.l ? nlohmann::ordered_json(*o.l) : nlohmann::ordered_json(nullptr);
    j["violating_share"] = r.violating_share;
    j["missing_values"] = options.missing;
    j["quasi_identifiers"] = o.quasi_identifiers;
    j["sensitive"] = o.sensitive;
    nlohmann::ordered_json smallest = nlohmann::ordered_json::array();
    for (const auto& c : r.smallest) {
      nlohmann::ordered_json item;
      item["size"] = c.size;
      item["key"] = c.key;
      item["distinct_sensitive"] = c.distinct_sensitive;
      smallest.push_back(item);
    }
    j["smallest"] = smallest;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", render_table(r, o, options.file));
  }
  return r.satisfies ? 0 : 5;
}

}  // namespace vigil::cli
