// `vigil publish`: the CLI binding of src/publish/. Four subcommands:
// check (is this file safe?), anonymise (k-anonymity by generalisation and
// suppression), table (counts with small cells suppressed and audited) and
// synthesize (differentially private marginals and synthetic records).
// Every release is written as a folder by publish::write_release: the data,
// parameters.json, PRIVACY.md and SHA256SUMS, whole or not at all.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "io/csv.hpp"
#include "publish/aggregate.hpp"
#include "publish/anonymise.hpp"
#include "publish/check.hpp"
#include "publish/dp.hpp"
#include "publish/hierarchy.hpp"
#include "publish/release.hpp"
#include "publish/synthesize.hpp"
#include "store/store.hpp"

namespace vigil::cli {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

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

// The records to release, from a CSV file or from the store.
struct Input {
  publish::CategoricalTable table;
  publish::ReleaseSource source;
};

Input load_input(const PublishCliOptions& o) {
  if (o.file.empty() == o.db.empty()) {
    throw Error(Error::Kind::usage,
                "publish: name the records to release: a CSV file or --db STORE (one of them)");
  }
  Input in;
  if (!o.db.empty()) {
    // open_sqlite_store creates a missing store; a typo must not release
    // an empty one.
    if (!fs::exists(o.db)) {
      throw Error(Error::Kind::usage,
                  fmt::format("{}: no such store (vigil import makes one)", o.db));
    }
    const auto store = store::open_sqlite_store(o.db);
    in.table = publish::cases_table(*store, o.db);
    in.source = publish::ReleaseSource{"store", o.db, "", in.table.rows()};
  } else {
    in.table = publish::read_categorical_csv(o.file);
    in.source = publish::csv_source(o.file, in.table.rows());
  }
  return in;
}

// A release carries only the columns named for it, and never one that
// identifies a person, generalised or not.
void refuse_identifying(const std::vector<std::string>& columns, const char* option) {
  for (const auto& column : columns) {
    if (io::is_identifying_column(column)) {
      throw Error(Error::Kind::usage,
                  fmt::format("column \"{}\" holds an identifying field (a name, a birth date, a "
                              "contact or a document number): vigil publish never releases one, "
                              "not even generalised; leave it out of {}",
                              column, option));
    }
  }
}

publish::CategoricalTable select_columns(const publish::CategoricalTable& table,
                                         const std::vector<std::string>& names) {
  publish::CategoricalTable out;
  out.source = table.source;
  for (const auto& name : names) {
    if (std::find(out.columns.begin(), out.columns.end(), name) != out.columns.end()) {
      throw Error(Error::Kind::usage, fmt::format("column \"{}\" is named twice", name));
    }
    const std::size_t c = table.column(name);
    out.columns.push_back(name);
    out.values.push_back(table.values[c]);
    out.codes.push_back(table.codes[c]);
  }
  return out;
}

std::string csv_of(const publish::CategoricalTable& table) {
  std::ostringstream out;
  io::write_csv_record(out, table.columns);
  std::vector<std::string> row(table.columns.size());
  for (std::size_t r = 0; r < table.rows(); ++r) {
    for (std::size_t c = 0; c < table.columns.size(); ++c) row[c] = table.cell(c, r);
    io::write_csv_record(out, row);
  }
  return out.str();
}

// COLUMN=FILE pairs of --hierarchy and --domain.
std::map<std::string, std::string> column_files(const std::vector<std::string>& specs,
                                                const char* option) {
  std::map<std::string, std::string> out;
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      throw Error(Error::Kind::usage,
                  fmt::format("{} expects COLUMN=FILE, got \"{}\"", option, spec));
    }
    if (!out.emplace(spec.substr(0, eq), spec.substr(eq + 1)).second) {
      throw Error(Error::Kind::usage,
                  fmt::format("{} names column \"{}\" twice", option, spec.substr(0, eq)));
    }
  }
  return out;
}

std::vector<std::string> read_domain_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(Error::Kind::io, fmt::format("{}: cannot open the file for reading", path));
  std::vector<std::string> values;
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    const auto first = line.find_first_not_of(' ');
    if (first != std::string::npos) values.push_back(line.substr(first));
  }
  return values;
}

json source_json(const publish::ReleaseSource& s) {
  json j;
  j["kind"] = s.kind;
  j["name"] = s.kind == "store" ? s.path : fs::path(s.path).filename().string();
  if (!s.sha256.empty()) j["sha256"] = s.sha256;
  j["records"] = s.records;
  return j;
}

std::string created_by(const char* verb) {
  return fmt::format("vigil {}, `vigil publish {}`", VIGIL_VERSION, verb);
}

void check_out(const PublishCliOptions& o) {
  if (o.out.empty()) throw Error(Error::Kind::usage, "publish: --out DIR is required");
}

std::string percent(double share) {
  return fmt::format("{:.2f}%", 100.0 * share);
}

// --- anonymise ------------------------------------------------------------

int run_anonymise(const PublishCliOptions& o) {
  check_out(o);
  const auto quasi = split_columns(o.quasi);
  const auto sensitive = split_columns(o.sensitive);
  const auto keep = split_columns(o.keep);
  refuse_identifying(quasi, "--quasi");
  refuse_identifying(sensitive, "--sensitive");
  refuse_identifying(keep, "--keep");
  Input input = load_input(o);
  std::vector<std::string> released = quasi;
  released.insert(released.end(), sensitive.begin(), sensitive.end());
  released.insert(released.end(), keep.begin(), keep.end());
  const publish::CategoricalTable table = select_columns(input.table, released);

  publish::AnonymiseOptions a;
  a.quasi_identifiers = quasi;
  a.sensitive = sensitive;
  a.k = o.k;
  if (o.l) a.l = *o.l;
  a.max_suppression = o.max_suppression;
  a.measure = o.measure == "discernibility" ? publish::UtilityMeasure::discernibility
                                            : publish::UtilityMeasure::loss;
  a.threads = o.threads;
  for (const auto& [column, path] : column_files(o.hierarchies, "--hierarchy")) {
    if (std::find(quasi.begin(), quasi.end(), column) == quasi.end()) {
      throw Error(Error::Kind::usage,
                  fmt::format("--hierarchy names column \"{}\", which is not in --quasi", column));
    }
    a.hierarchies.emplace(column, publish::read_hierarchy_csv(path));
  }
  ProgressLine progress("anonymise: searching the generalisation lattice");
  a.progress = [&](std::size_t done, std::size_t total) { progress.update(done, total); };
  const publish::AnonymiseResult r = publish::anonymise(table, a);
  progress.finish();

  if (!r.found) {
    fmt::print(stderr, "vigil: nothing was written: {}\n", r.reason);
    return 5;
  }
  // The checker is independent of the search: nothing is written unless
  // the release passes it.
  const publish::CheckResult check = publish::check_release(r, a);
  if (!check.satisfies) {
    throw Error(
        Error::Kind::internal,
        fmt::format("the anonymised table fails the check (k = {}): nothing was written", check.k));
  }

  json params;
  params["method"] = "k-anonymity by global recoding and record suppression";
  params["created_by"] = created_by("anonymise");
  params["source"] = source_json(input.source);
  params["k"] = o.k;
  params["l"] = o.l ? json(*o.l) : json(nullptr);
  params["max_suppression"] = o.max_suppression;
  params["measure"] = o.measure;
  json qis = json::array();
  for (const auto& q : r.quasi_identifiers) {
    json j;
    j["column"] = q.column;
    j["hierarchy"] = q.hierarchy;
    j["level"] = q.level;
    j["height"] = q.height;
    j["level_name"] = q.level_name;
    j["values_before"] = q.values_before;
    j["values_after"] = q.values_after;
    j["loss"] = q.loss;
    qis.push_back(j);
  }
  params["quasi_identifiers"] = qis;
  params["sensitive"] = sensitive;
  params["kept_unchanged"] = keep;
  json result;
  result["records_in"] = r.records;
  result["records_released"] = r.records - r.suppressed;
  result["records_suppressed"] = r.suppressed;
  result["suppressed_share"] = r.suppressed_share;
  result["loss"] = r.loss;
  result["discernibility"] = r.discernibility;
  result["classes"] = r.classes;
  result["average_class_size"] = r.average_class_size;
  result["smallest_class"] = check.k;
  result["max_risk"] = check.max_risk;
  result["average_risk"] = check.average_risk;
  result["lattice_size"] = r.lattice_size;
  result["nodes_evaluated"] = r.nodes_evaluated;
  params["result"] = result;

  std::string generalised;
  for (const auto& q : r.quasi_identifiers) {
    if (!generalised.empty()) generalised += "; ";
    generalised += fmt::format("{}: {} ({} values before, {} after)", q.column,
                               q.level == 0 ? std::string("as recorded") : q.level_name,
                               q.values_before, q.values_after);
  }
  publish::PrivacyStatement s;
  s.title = "Privacy statement: k-anonymised records";
  s.released = fmt::format(
      "`data.csv` holds {} of the {} records of the source ({} were withheld, {}), with the "
      "columns {}.",
      r.records - r.suppressed, r.records, r.suppressed, percent(r.suppressed_share),
      fmt::join(released, ", "));
  s.method = fmt::format(
      "The columns an outsider could know about a person ({}) are the quasi-identifiers. "
      "Every combination of their values that appears in the file is shared by at least {} "
      "records, so someone looking for a particular person finds at least {} candidates and "
      "picks the right one with a chance of at most 1 in {}. To get there, values were made "
      "coarser in the same way for every record ({}) and the records that would still have "
      "stood out were withheld, within a stated budget of {} of the records. The coarsening "
      "was chosen as the one that loses the least information by the {} measure among all "
      "the combinations of coarsening levels that meet the requirement.",
      fmt::join(quasi, ", "), o.k, o.k, o.k, generalised, percent(o.max_suppression),
      o.measure == "loss" ? "loss (Iyengar 2002)" : "discernibility (Bayardo and Agrawal 2005)");
  if (o.l) {
    s.method += fmt::format(
        " In addition, every such group shows at least {} different values of {}, so that "
        "knowing someone is in a group does not reveal these (distinct l-diversity).",
        *o.l, fmt::join(sensitive, ", "));
  }
  s.guarantees = {
      fmt::format("The smallest group of records sharing their quasi-identifiers has {} "
                  "records (required: {}); checked on the written file's content by the same "
                  "check as `vigil publish check`.",
                  check.k, o.k),
      fmt::format("The highest chance of picking out one person's record is {:.3f} (1 in {}); "
                  "the average over records is {:.3f}.",
                  check.max_risk, check.k, check.average_risk),
      "No column that identifies a person (names, dates of birth, contacts, document numbers) "
      "is in the release."};
  s.limits = {
      "The protection covers the quasi-identifiers named above. Someone who also knows "
      "another released column about a person (a sensitive or kept column) may narrow the "
      "group further.",
      o.l ? std::string("Distinct values are not equally likely: a group with 9 records of one "
                        "type of exploitation and 1 of another still makes the first likely.")
          : std::string("Without l-diversity, everyone in a group may share a sensitive value, "
                        "which is then revealed by membership alone."),
      "Releasing other versions of the same records (other columns, another k) can undo the "
      "protection when they are combined: publish one version.",
      "k-anonymity is not differential privacy; it protects against singling out, not "
      "against every inference."};
  s.parameters = {
      {"k (smallest group size)", std::to_string(o.k)},
      {"l (distinct sensitive values)", o.l ? std::to_string(*o.l) : "not required"},
      {"Quasi-identifiers", fmt::format("{}", fmt::join(quasi, ", "))},
      {"Coarsening", generalised},
      {"Suppression budget", percent(o.max_suppression)},
      {"Records withheld", fmt::format("{} ({})", r.suppressed, percent(r.suppressed_share))},
      {"Information loss (0 = none, 1 = all)", fmt::format("{:.4f}", r.loss)}};
  s.source = input.source;
  s.created_by = created_by("anonymise");

  publish::write_release(o.out,
                         {{"data.csv", csv_of(r.table)},
                          {"parameters.json", params.dump(2) + "\n"},
                          {"PRIVACY.md", publish::render_privacy_statement(s)}},
                         o.replace);
  if (o.format == "json") {
    fmt::print("{}\n", params.dump(2));
  } else {
    fmt::print("Released {} of {} records ({} withheld, {}) to {}\n", r.records - r.suppressed,
               r.records, r.suppressed, percent(r.suppressed_share), o.out);
    fmt::print("  k = {} (smallest group {}), max risk {:.4f}, information loss {:.4f}\n", o.k,
               check.k, check.max_risk, r.loss);
    for (const auto& q : r.quasi_identifiers) {
      fmt::print("  {:<24} level {}/{} {:<16} {} -> {} values\n", q.column, q.level, q.height,
                 q.level_name, q.values_before, q.values_after);
    }
    fmt::print("  lattice: {} nodes, {} evaluated\n", r.lattice_size, r.nodes_evaluated);
  }
  return 0;
}

// --- table ----------------------------------------------------------------

int run_table(const PublishCliOptions& o) {
  check_out(o);
  const auto by = split_columns(o.by);
  if (by.empty()) throw Error(Error::Kind::usage, "publish table: --by needs at least one column");
  refuse_identifying(by, "--by");
  const Input input = load_input(o);
  publish::CountCubeOptions cube_options;
  cube_options.missing =
      o.table_missing == "drop" ? publish::MissingCategory::drop : publish::MissingCategory::label;
  const publish::CountCube cube = publish::count_cube(input.table, by, cube_options);
  publish::CubeOptions suppress_options;
  suppress_options.threads = o.threads;
  const publish::SafeCube safe = publish::suppress_cube(cube, o.min_cell, suppress_options);

  std::size_t hidden = 0;
  std::size_t hidden_cells = 0;
  for (const auto& e : safe.entries) {
    if (!e.hidden()) continue;
    ++hidden;
    if (std::find(e.coordinates.begin(), e.coordinates.end(), publish::kTotal) ==
        e.coordinates.end()) {
      ++hidden_cells;
    }
  }
  json params;
  params["method"] =
      "counts with small-cell and secondary suppression, audited by linear programming";
  params["created_by"] = created_by("table");
  params["source"] = source_json(input.source);
  params["by"] = by;
  params["min_cell"] = o.min_cell;
  params["missing"] = o.table_missing;
  json result;
  result["cells"] = cube.cell_count();
  result["entries_published"] = safe.entries.size();
  result["hidden"] = hidden;
  result["hidden_cells"] = hidden_cells;
  result["primary"] = safe.primary;
  result["secondary"] = safe.secondary;
  result["secondary_mass"] = safe.secondary_mass;
  result["audit_linear_programs"] = safe.linear_programs;
  params["result"] = result;

  publish::PrivacyStatement s;
  s.title = "Privacy statement: a table of counts";
  s.released = fmt::format(
      "`table.csv` holds the number of records for every combination of {} ({} cells), and "
      "every total over any of these columns, one row each; the column `count` says "
      "`suppressed` where a count is withheld and `status` says why.",
      fmt::join(by, ", "), cube.cell_count());
  s.method = fmt::format(
      "A count from 1 to {} could point to a handful of people, so none is shown (primary "
      "suppression). Because totals are shown, a withheld count could be worked out by "
      "subtraction; further counts were therefore withheld (secondary suppression: the "
      "smallest available first) until no withheld count can be worked out from everything "
      "shown. This was checked rather than assumed: for every withheld count, a linear "
      "program found the smallest and the largest value it can take given every shown count "
      "and total, and these differ ({} programs solved).",
      o.min_cell - 1, safe.linear_programs);
  s.guarantees = {fmt::format("No shown count is between 1 and {}.", o.min_cell - 1),
                  "No withheld count can be recomputed exactly from the shown counts and totals.",
                  "No column that identifies a person is counted or shown."};
  s.limits = {
      "Zeros are shown: they say that no record has that combination.",
      "A withheld count can still be bounded (for example, between 0 and 12).",
      "Tables made separately from the same records with other breakdowns are not protected "
      "jointly: publish related breakdowns as one table.",
      "Counts are of records: a person recorded twice is counted twice."};
  s.parameters = {
      {"Columns", fmt::format("{}", fmt::join(by, ", "))},
      {"Smallest count shown", std::to_string(o.min_cell)},
      {"Missing values", o.table_missing == "drop" ? "not counted" : "counted as (missing)"},
      {"Counts withheld",
       fmt::format("{} (of which {} to protect others)", hidden, safe.secondary)}};
  s.source = input.source;
  s.created_by = created_by("table");
  publish::write_release(o.out,
                         {{"table.csv", publish::to_long_csv(safe)},
                          {"parameters.json", params.dump(2) + "\n"},
                          {"PRIVACY.md", publish::render_privacy_statement(s)}},
                         o.replace);
  if (o.format == "json") {
    fmt::print("{}\n", params.dump(2));
  } else {
    fmt::print("Wrote a table of {} cells and their totals to {}\n", cube.cell_count(), o.out);
    fmt::print("  withheld: {} ({} below {}, {} to protect them); {} linear programs audited\n",
               hidden, safe.primary, o.min_cell, safe.secondary, safe.linear_programs);
  }
  return 0;
}

// --- synthesize -----------------------------------------------------------

std::string evaluation_csv(const publish::SynthesisEvaluation& e) {
  std::string out =
      "data,length,original_combinations,compared_combinations,mean_absolute_error,"
      "mean_relative_error,preserved_share,fabricated_share\n";
  const auto rows = [&](const char* what, const std::vector<publish::CountComparison>& v) {
    for (const auto& c : v) {
      out += fmt::format("{},{},{},{},{:.6g},{:.6g},{:.6g},{:.6g}\n", what, c.length,
                         c.original_combinations, c.compared_combinations, c.mean_absolute_error,
                         c.mean_relative_error, c.preserved_share, c.fabricated_share);
    }
  };
  rows("marginals", e.release);
  rows("synthetic", e.synthetic);
  return out;
}

int run_synthesize(const PublishCliOptions& o) {
  check_out(o);
  const auto columns = split_columns(o.columns);
  if (columns.empty()) {
    throw Error(Error::Kind::usage, "publish synthesize: --columns needs at least one column");
  }
  refuse_identifying(columns, "--columns");
  if (!o.evaluation.empty()) {
    const auto release = fs::weakly_canonical(fs::absolute(o.out));
    const auto evaluation = fs::weakly_canonical(fs::absolute(o.evaluation));
    const auto [r, e] =
        std::mismatch(release.begin(), release.end(), evaluation.begin(), evaluation.end());
    if (r == release.end()) {
      throw Error(Error::Kind::usage,
                  "--evaluation must not be inside the release folder: it describes the "
                  "original records and is not for publication");
    }
  }
  const Input input = load_input(o);
  const publish::CategoricalTable table = select_columns(input.table, columns);

  publish::DpOptions d;
  d.columns = columns;
  d.reporting_length = o.length;
  d.epsilon = o.epsilon;
  d.delta = o.delta;
  d.threads = o.threads;
  for (const auto& [column, path] : column_files(o.domains, "--domain")) {
    d.declared_domains.emplace(column, read_domain_file(path));
  }
  if (o.seed) {
    fmt::print(stderr,
               "vigil: warning: --seed makes the noise reproducible; anyone who knows the seed "
               "can remove it. Use --seed for tests only, never for a release.\n");
    d.seed = *o.seed;
  }
  const publish::DpRelease release = publish::release_marginals(table, d);
  publish::SynthesisOptions so;
  so.records = o.records;
  so.threads = o.threads;
  // Synthesis is post-processing: its seed costs no privacy, but is kept
  // as unpublished as the noise's.
  so.seed = o.seed ? publish::detail::mix64(*o.seed) : std::random_device{}();
  const publish::CategoricalTable synthetic = publish::synthesize(release, so);

  std::ostringstream marginals;
  publish::MarginalsCsvOptions mo;
  mo.reporting_threshold = o.reporting_threshold;
  publish::write_marginals_csv(release, marginals, mo);

  json params;
  params["method"] =
      "differentially private marginals (Gaussian mechanism, zCDP accounting) and "
      "synthetic records generated from them";
  params["created_by"] = created_by("synthesize");
  params["source"] = source_json(input.source);
  params["columns"] = columns;
  params["reporting_length"] = o.length;
  params["epsilon"] = release.account.epsilon();
  params["delta"] = release.account.delta();
  params["rho"] = release.account.total_rho();
  params["sigma_per_length"] = release.sigma;
  params["rho_per_length"] = release.rho;
  params["threshold"] = release.threshold;
  params["threshold_delta"] = release.threshold_delta;
  json declared = json::array();
  for (std::size_t a = 0; a < release.attributes.size(); ++a) {
    if (release.declared[a]) declared.push_back(release.attributes[a]);
  }
  params["declared_domains"] = declared;
  params["reporting_threshold"] = o.reporting_threshold;
  params["synthetic_records"] = synthetic.rows();
  params["seed"] = "not recorded: the noise is secret";
  params["accounting"] = release.account.statement();

  publish::PrivacyStatement s;
  s.title = "Privacy statement: differentially private synthetic records";
  s.released = fmt::format(
      "`synthetic.csv` holds {} synthetic records with the columns {}. No row is a real "
      "person's record: the rows were generated only from the noisy counts in "
      "`marginals.csv`, which holds the number of records for every combination of up to {} "
      "of these columns, each with random noise added.",
      synthetic.rows(), fmt::join(columns, ", "), o.length);
  s.method = fmt::format(
      "Differential privacy (Dwork et al. 2006): every released count had random noise added, "
      "calibrated so that the release is almost as likely whether or not any one record was "
      "in the data. How much is \"almost\" is the budget: epsilon = {:g} and delta = {:g}. "
      "The noise is Gaussian; its size per count is {}. Values of a column that occur in few "
      "records are released only when their noisy count passes {:.1f}, so that a value held "
      "by one person is revealed with a probability of at most {:.2g}. The budget was "
      "accounted for with zero-concentrated differential privacy (Bun and Steinke 2016): "
      "rho = {:.4g} in total, converted to epsilon and delta. The synthetic records are "
      "computed from the noisy counts alone, which costs no further privacy.",
      release.account.epsilon(), release.account.delta(),
      [&] {
        std::string text;
        for (std::size_t i = 0; i < release.sigma.size(); ++i) {
          if (!text.empty()) text += ", ";
          text += fmt::format("{:.2f} for {}-way counts", release.sigma[i], i + 1);
        }
        return text;
      }(),
      release.threshold, release.threshold_delta, release.account.total_rho());
  s.guarantees = {
      fmt::format("({:g}, {:g})-differential privacy for every record: whatever else an "
                  "outsider knows, the release changes what can be learnt about one record "
                  "by a factor of at most e^{:g}, except with probability {:g}.",
                  release.account.epsilon(), release.account.delta(), release.account.epsilon(),
                  release.account.delta()),
      "No column that identifies a person is in the release."};
  s.limits = {
      "The guarantee is per record. A person recorded k times (by several agencies, or in "
      "several years) is protected k times less.",
      "The noise was drawn from a secret random seed that is not recorded anywhere; a release "
      "made with `--seed` has no privacy guarantee.",
      "Counts were computed in floating point and rounded; rounding narrows, but does not "
      "formally close, the known gap between floating-point noise and the mathematics "
      "(Mironov 2012).",
      "Synthetic data keep the broad patterns of up to " + std::to_string(o.length) +
          " columns at a time. Rare combinations may be missing and some combinations that "
          "never occurred may appear: do not use them to count small groups or to look for "
          "individuals."};
  s.parameters = {{"epsilon", fmt::format("{:g}", release.account.epsilon())},
                  {"delta", fmt::format("{:g}", release.account.delta())},
                  {"Columns", fmt::format("{}", fmt::join(columns, ", "))},
                  {"Combinations of up to", std::to_string(o.length) + " columns"},
                  {"Synthetic records", std::to_string(synthetic.rows())}};
  s.source = input.source;
  s.created_by = created_by("synthesize");
  publish::write_release(o.out,
                         {{"synthetic.csv", csv_of(synthetic)},
                          {"marginals.csv", marginals.str()},
                          {"parameters.json", params.dump(2) + "\n"},
                          {"PRIVACY.md", publish::render_privacy_statement(s)}},
                         o.replace);

  // The evaluation reads the original records: it is for the data holder.
  const publish::SynthesisEvaluation evaluation =
      publish::evaluate_synthesis(table, synthetic, release, o.reporting_threshold);
  if (!o.evaluation.empty()) {
    std::ofstream out(o.evaluation, std::ios::binary);
    out << evaluation_csv(evaluation);
    if (!out) throw Error(Error::Kind::io, fmt::format("{}: cannot write", o.evaluation));
  }
  if (o.format == "json") {
    json j = params;
    json ev = json::array();
    for (const auto* which : {&evaluation.release, &evaluation.synthetic}) {
      for (const auto& c : *which) {
        json row;
        row["data"] = which == &evaluation.release ? "marginals" : "synthetic";
        row["length"] = c.length;
        row["mean_absolute_error"] = c.mean_absolute_error;
        row["mean_relative_error"] = c.mean_relative_error;
        row["preserved_share"] = c.preserved_share;
        row["fabricated_share"] = c.fabricated_share;
        ev.push_back(row);
      }
    }
    j["evaluation_not_for_publication"] = ev;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("Released {} synthetic records and the noisy marginals to {}\n", synthetic.rows(),
               o.out);
    fmt::print("  epsilon {:g}, delta {:g} (rho {:.4g}); noise sd per length: {}\n",
               release.account.epsilon(), release.account.delta(), release.account.total_rho(),
               [&] {
                 std::string text;
                 for (const double sigma : release.sigma) {
                   text += fmt::format("{}{:.1f}", text.empty() ? "" : ", ", sigma);
                 }
                 return text;
               }());
    fmt::print(
        "\nEvaluation against the original records (for you, not for publication):\n"
        "  data       length  mean abs error  preserved  fabricated\n");
    for (const auto* which : {&evaluation.release, &evaluation.synthetic}) {
      for (const auto& c : *which) {
        fmt::print("  {:<10} {:>6}  {:>14.2f}  {:>9}  {:>10}\n",
                   which == &evaluation.release ? "marginals" : "synthetic", c.length,
                   c.mean_absolute_error, percent(c.preserved_share), percent(c.fabricated_share));
      }
    }
  }
  return 0;
}

// --- check ----------------------------------------------------------------

int run_check(const PublishCliOptions& options) {
  publish::CheckOptions o;
  o.quasi_identifiers = split_columns(options.quasi);
  o.sensitive = split_columns(options.sensitive);
  o.k = options.k;
  if (options.l) o.l = *options.l;
  o.missing = options.missing == "wildcard" ? publish::MissingValues::wildcard
                                            : publish::MissingValues::category;
  o.smallest_classes = options.top;
  o.threads = options.threads;
  const Input input = load_input(options);
  const publish::CategoricalTable& table = input.table;
  const std::string name = options.file.empty() ? options.db : options.file;
  const publish::CheckResult r = publish::check_anonymity(table, o);
  if (options.format == "json") {
    nlohmann::ordered_json j;
    j["file"] = name;
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
    fmt::print("{}", render_table(r, o, name));
  }
  return r.satisfies ? 0 : 5;
}

// Options every release subcommand shares.
void add_input_options(CLI::App& app, PublishCliOptions& options) {
  app.add_option("file", options.file, "The records (CSV with a header row)")
      ->check(CLI::ExistingFile);
  app.add_option("--db", options.db, "Or: every case record of a vigil store");
  app.add_option("--threads", options.threads, "Threads (0: every core)")->capture_default_str();
  app.add_option("--format", options.format, "What to print: table or json")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

void add_release_options(CLI::App& app, PublishCliOptions& options) {
  app.add_option("-o,--out", options.out,
                 "The release folder to write: the data, parameters.json, PRIVACY.md, SHA256SUMS")
      ->required();
  app.add_flag("--replace", options.replace, "Replace the release folder if it exists");
}

}  // namespace

PublishVerb PublishCommands::parsed() const {
  if (check != nullptr && check->parsed()) return PublishVerb::check;
  if (anonymise != nullptr && anonymise->parsed()) return PublishVerb::anonymise;
  if (table != nullptr && table->parsed()) return PublishVerb::table;
  if (synthesize != nullptr && synthesize->parsed()) return PublishVerb::synthesize;
  return PublishVerb::none;
}

void setup_publish(CLI::App& app, PublishCliOptions& options, PublishCommands& commands) {
  app.description(
      "Release data about victims without exposing any of them. Four subcommands:\n"
      "  check       is this file safe to publish? (k-anonymity, l-diversity, risk)\n"
      "  anonymise   make it safe: coarsen values and withhold the few records that stand out\n"
      "  table       counts with small counts withheld so that none can be worked out\n"
      "  synthesize  differentially private counts and synthetic records made from them\n"
      "Each of the last three writes a release folder: the data, parameters.json, a\n"
      "plain-language PRIVACY.md and SHA256SUMS, whole or not at all. Records come from a\n"
      "CSV file or, with --db, from the store; identifying columns are never released.");
  app.require_subcommand(1);

  auto* check =
      app.add_subcommand("check", "Is this file safe to publish? k-anonymity, l-diversity, risk");
  commands.check = check;
  check->description(
      "Group the records by their quasi-identifiers (the columns an outsider can learn:\n"
      "age band, sex, citizenship, year, place) and report the smallest group (k), how\n"
      "many records sit in groups smaller than --k, the fewest distinct values of each\n"
      "sensitive column within a group (distinct l-diversity), and the re-identification\n"
      "risk 1/(group size) of the prosecutor model (an attacker who knows the person is\n"
      "in the file). Exit code 0 when the file meets --k (and --l), 5 when it does not.");
  add_input_options(*check, options);
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
  check->footer(
      "Examples:\n"
      "  vigil publish check cases.csv --quasi gender,ageBroad,citizenship,yearOfRegistration --k "
      "11\n"
      "  vigil publish check cases.csv --quasi gender,ageBroad,citizenship \\\n"
      "      --sensitive typeOfExploitConcatenated --k 5 --l 2 --format json\n"
      "  vigil publish check --db vigil.db --quasi gender,ageBroad,citizenship --k 11\n"
      "\n"
      "JSON keys: k, satisfies, violating_records, violating_classes, max_risk, average_risk,\n"
      "records, classes, l, violating_share, smallest.");

  auto* anonymise = app.add_subcommand(
      "anonymise", "Make records k-anonymous: coarsen values, withhold the few that stand out");
  commands.anonymise = anonymise;
  anonymise->alias("anonymize");
  anonymise->description(
      "Release records so that every combination of the quasi-identifiers is shared by at\n"
      "least --k of them (k-anonymity; with --l, every group also shows --l distinct values\n"
      "of each sensitive column). Values are coarsened the same way for every record, along\n"
      "a hierarchy per column: countries to UN M49 sub-regions and regions, CTDC age bands to\n"
      "wider bands and to minor/adult, years to 2-year, 5-year and 10-year periods, any other\n"
      "column straight to '*' (or a hierarchy of your own: --hierarchy COLUMN=FILE, one row per\n"
      "value with its coarser values to the right, a header naming the levels). Records that\n"
      "still stand out are withheld, at most --max-suppression of them. Every combination of\n"
      "coarsening levels is considered and the one losing least information is chosen\n"
      "(an optimal search of the generalisation lattice, as ARX does, not a greedy one).\n"
      "Only the --quasi, --sensitive and --keep columns are released. Exit code 5 when no\n"
      "release meets the criteria within the budget (nothing is written).");
  add_input_options(*anonymise, options);
  add_release_options(*anonymise, options);
  anonymise->add_option("--quasi", options.quasi, "Quasi-identifier columns, comma-separated")
      ->required();
  anonymise->add_option("--sensitive", options.sensitive,
                        "Sensitive columns (released as they are; --l applies to them)");
  anonymise->add_option("--keep", options.keep,
                        "Other columns to release unchanged (they are not protected: an outsider "
                        "who knows them can use them)");
  anonymise->add_option("--k", options.k, "Smallest group size")
      ->check(CLI::Range(1, 1000000))
      ->capture_default_str();
  anonymise->add_option("--l", options.l, "Distinct sensitive values in every group")
      ->check(CLI::Range(1, 1000000));
  anonymise
      ->add_option("--max-suppression", options.max_suppression,
                   "Largest share of records that may be withheld (0 to 1)")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  anonymise->add_option("--hierarchy", options.hierarchies,
                        "COLUMN=FILE: a generalisation hierarchy for a column (repeatable)");
  anonymise
      ->add_option("--measure", options.measure,
                   "Information loss to minimise: loss (Iyengar) or discernibility")
      ->check(CLI::IsMember({"loss", "discernibility"}))
      ->capture_default_str();
  anonymise->footer(
      "Examples:\n"
      "  vigil publish anonymise cases.csv --quasi gender,ageBroad,citizenship,yearOfRegistration "
      "\\\n"
      "      --sensitive isForcedLabour,isSexualExploit --k 11 --out release-k11\n"
      "  vigil publish anonymise --db vigil.db --quasi gender,ageBroad,citizenship \\\n"
      "      --k 5 --l 2 --sensitive isSexualExploit --max-suppression 0.02 --out release\n"
      "Check the result independently: vigil publish check release/data.csv --quasi ... --k 11");

  auto* table = app.add_subcommand(
      "table", "Counts by up to several columns with small counts withheld and audited");
  commands.table = table;
  table->description(
      "Count records by the --by columns (e.g. citizenship, country of exploitation, year)\n"
      "and publish every cell and every total over any of the columns. Counts from 1 to\n"
      "--min-cell - 1 are withheld (zeros are shown), and further counts are withheld until\n"
      "none can be worked out from the others and the totals; this is checked by solving,\n"
      "for every withheld count, the linear programs of the smallest and largest value it\n"
      "can take (GLPK). Output: table.csv, one row per cell and per total, a column per\n"
      "--by column ('Total' where summed), count ('suppressed' when withheld) and status.");
  add_input_options(*table, options);
  add_release_options(*table, options);
  table->add_option("--by", options.by, "Columns to count by, comma-separated")->required();
  table->add_option("--min-cell", options.min_cell, "Smallest count shown")
      ->check(CLI::Range(static_cast<std::int64_t>(1), static_cast<std::int64_t>(1000000)))
      ->capture_default_str();
  table
      ->add_option("--missing", options.table_missing,
                   "Records with an empty cell: counted as '(missing)' (label) or not (drop)")
      ->check(CLI::IsMember({"label", "drop"}))
      ->capture_default_str();
  table->footer(
      "Example:\n"
      "  vigil publish table --db vigil.db --by "
      "citizenship,CountryOfExploitation,yearOfRegistration \\\n"
      "      --min-cell 10 --out corridors-by-year");

  auto* synthesize = app.add_subcommand(
      "synthesize", "Differentially private counts and synthetic records made from them");
  commands.synthesize = synthesize;
  synthesize->alias("synthesise");
  synthesize->description(
      "Count every combination of up to --length of the --columns, add Gaussian noise for\n"
      "(--epsilon, --delta)-differential privacy (accounted with zero-concentrated DP), and\n"
      "generate synthetic records that follow the noisy counts. Values seen in few records\n"
      "are released only when their noisy count passes a threshold, unless the column's\n"
      "values are declared public with --domain COLUMN=FILE (one value per line). Writes\n"
      "synthetic.csv, marginals.csv (the noisy counts), parameters.json and PRIVACY.md, and\n"
      "prints how well the release and the synthetic records keep the original counts: that\n"
      "evaluation reads the original records and is not part of the release (--evaluation\n"
      "FILE writes it elsewhere). The noise's seed is secret and never recorded.");
  add_input_options(*synthesize, options);
  add_release_options(*synthesize, options);
  synthesize->add_option("--columns", options.columns, "Columns to release, comma-separated")
      ->required();
  synthesize->add_option("--epsilon", options.epsilon, "Privacy budget epsilon (> 0)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  synthesize->add_option("--delta", options.delta, "Privacy budget delta (0 to 1)")
      ->check(CLI::Range(1e-300, 0.5))
      ->capture_default_str();
  synthesize->add_option("--length", options.length, "Largest combination of columns counted")
      ->check(CLI::Range(1, 8))
      ->capture_default_str();
  synthesize->add_option("--records", options.records,
                         "Synthetic records to generate (default: the noisy total)");
  synthesize->add_option("--domain", options.domains,
                         "COLUMN=FILE: the column's public list of values (repeatable)");
  synthesize
      ->add_option("--reporting-threshold", options.reporting_threshold,
                   "Leave noisy counts below this out of marginals.csv")
      ->capture_default_str();
  synthesize->add_option("--evaluation", options.evaluation,
                         "Also write the evaluation (CSV) to this file, outside the release");
  synthesize->add_option("--seed", options.seed,
                         "Seed the noise (tests only: a known seed voids the privacy)");
  synthesize->footer(
      "Example:\n"
      "  vigil publish synthesize --db vigil.db --epsilon 1 --delta 1e-6 \\\n"
      "      --columns yearOfRegistration,gender,ageBroad,citizenship,CountryOfExploitation \\\n"
      "      --out synthetic-e1 --evaluation synthetic-e1-evaluation.csv");
}

int run_publish(const PublishCliOptions& options, PublishVerb verb) {
  switch (verb) {
    case PublishVerb::check:
      return run_check(options);
    case PublishVerb::anonymise:
      return run_anonymise(options);
    case PublishVerb::table:
      return run_table(options);
    case PublishVerb::synthesize:
      return run_synthesize(options);
    case PublishVerb::none:
      break;
  }
  throw Error(Error::Kind::usage,
              "publish: name a subcommand (check, anonymise, table or synthesize)");
}

}  // namespace vigil::cli
