// `vigil link`, `vigil link encode`, `vigil link match`: the CLI binding of
// link/link.hpp.
#include <fmt/format.h>

#include <memory>

#include "cli/commands.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "link/link.hpp"

namespace vigil::cli {
namespace {

std::string with_commas(std::size_t n) {
  std::string digits = std::to_string(n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(i, ",");
  return digits;
}

// List names for encoded files: "police.enc.csv" is the police list.
std::string encoded_list_name(const std::string& path) {
  std::string name = link::list_name_from_path(path);
  for (const std::string suffix : {".enc", "_encoded", ".encoded"}) {
    if (name.size() > suffix.size() && name.ends_with(suffix)) {
      name.resize(name.size() - suffix.size());
      break;
    }
  }
  return name;
}

link::LinkConfig config_for(const LinkCliOptions& options) {
  link::LinkConfig config;
  if (!options.config.empty()) config = link::load_link_config(options.config);
  if (options.month_first) config.date_order = link::DateOrder::month_first;
  if (options.min_probability) config.options.min_probability = *options.min_probability;
  if (options.precision) config.options.precision = options.precision;
  config.options.threads = options.threads;
  return config;
}

// Draws one progress line per stage.
class StageProgress {
 public:
  void operator()(std::string_view stage, std::size_t done, std::size_t total) {
    if (stage != stage_) {
      if (line_) line_->finish();
      stage_ = std::string(stage);
      line_ = std::make_unique<ProgressLine>(stage_);
    }
    line_->update(done, total);
  }
  ~StageProgress() {
    if (line_) line_->finish();
  }
  StageProgress() = default;
  StageProgress(const StageProgress&) = delete;
  StageProgress& operator=(const StageProgress&) = delete;

 private:
  std::string stage_;
  std::unique_ptr<ProgressLine> line_;
};

std::string summary(const link::LinkResult& result, const std::vector<std::string>& written,
                    const std::optional<link::LinkageQuality>& quality) {
  std::string out;
  std::size_t records = 0;
  for (const std::size_t n : result.list_sizes) records += n;
  out += fmt::format("Linked {} lists ({} records) into {} persons.\n\n", result.list_names.size(),
                     with_commas(records), with_commas(result.persons));
  out += fmt::format("  {:<28} {:>10}\n", "list", "records");
  for (std::size_t j = 0; j < result.list_names.size(); ++j) {
    out +=
        fmt::format("  {:<28} {:>10}\n", result.list_names[j], with_commas(result.list_sizes[j]));
  }
  out += fmt::format(
      "\nBlocking: {} candidate pairs of {} across the lists (reduction ratio {:.6f})\n",
      with_commas(result.blocking.union_size), with_commas(result.blocking.comparable_pairs),
      result.blocking.reduction_ratio);
  out += fmt::format("  {:<28} {:>12} {:>14}\n", "rule", "pairs", "largest block");
  for (std::size_t r = 0; r < result.rule_names.size(); ++r) {
    out += fmt::format("  {:<28} {:>12} {:>14}\n", result.rule_names[r],
                       with_commas(result.blocking.pairs_per_rule[r]),
                       with_commas(result.blocking.largest_block_per_rule[r]));
  }
  out += fmt::format(
      "\nFellegi-Sunter model: m by EM on each rule's pairs, u from {} random pairs;\n"
      "P(match) for a random pair across lists {:.3g}\n",
      with_commas(result.random_pairs_compared), result.model.match_proportion);
  out += fmt::format("  {:<16} {:<24} {:>9} {:>9} {:>8}\n", "field", "level", "m", "u", "weight");
  for (const auto& field : result.fields) {
    for (std::size_t l = field.m.size(); l-- > 0;) {
      out += fmt::format("  {:<16} {:<24} {:>9.4f} {:>9.5f} {:>8.2f}\n",
                         l + 1 == field.m.size() ? field.name : "", field.level_names[l],
                         field.m[l], field.u[l], field.weight[l]);
    }
  }
  out += fmt::format(
      "\nLinked pairs with posterior >= {:.3g}: {}; the model expects precision {:.3f} and "
      "recall {:.3f}\n",
      result.threshold.probability, with_commas(result.pairs_accepted),
      result.threshold.expected_precision, result.threshold.expected_recall);
  out += fmt::format(
      "Clustering: {} links joined records, {} refused (a person holds one record per list)\n",
      with_commas(result.links_kept), with_commas(result.links_refused));
  if (quality) {
    out += fmt::format(
        "\nAgainst the truth file: pairwise precision {:.4f}, recall {:.4f}, F1 {:.4f}\n"
        "  ({} true pairs, {} linked pairs, {} both)\n",
        quality->precision, quality->recall, quality->f1, with_commas(quality->true_pairs),
        with_commas(quality->predicted_pairs), with_commas(quality->true_positives));
  }
  if (!result.warnings.empty()) {
    out += "\nWarnings:\n";
    for (const auto& w : result.warnings) out += "  - " + w + "\n";
  }
  out += "\nWritten:\n";
  for (const auto& path : written) out += "  " + path + "\n";
  out += fmt::format(
      "\nThe model's expectations hold only if its assumptions do: review a sample of\n"
      "review_pairs.csv near the cut before trusting the links. Next:\n"
      "  vigil mse {}\n",
      written.front());
  return out;
}

}  // namespace

void setup_link(CLI::App& app, LinkCliOptions& options, CLI::App*& encode, CLI::App*& match) {
  app.description(
      "Link agencies' lists of victims (police, labour inspectorate, NGO shelters, IOM...) into\n"
      "persons, and write the capture histories that `vigil mse` reads. Names are compared\n"
      "across Kazakh and Russian Cyrillic and their Latin romanisations; birth dates tolerate\n"
      "swapped day and month. Candidate pairs come from blocking rules; a Fellegi-Sunter model\n"
      "(m by EM, u from random pairs, weights adjusted for how common a name is) gives each\n"
      "pair a match probability; pairs at or above the cut (0.5 by default: a missed link\n"
      "inflates an MSE estimate as much as a false one deflates it) are joined into persons,\n"
      "never two records of one list in one person.\n"
      "\n"
      "When agencies may not share names, each runs `vigil link encode` on its own list with a\n"
      "secret they share, and whoever links runs `vigil link match` on the encoded files.");
  app.require_subcommand(0, 1);
  app.add_option("lists", options.lists,
                 "Two to 16 lists (CSV), one per agency; a list's name is its file name")
      ->check(CLI::ExistingFile);
  // --out is checked by run_link rather than marked required on `link`
  // itself, which would demand it of `link encode` too.
  const auto add_linking_options = [&options](CLI::App& command) {
    command.add_option("-o,--out", options.out, "Directory for the results (created if needed)");
    command
        .add_option("--config", options.config,
                    "TOML: column names, date order, blocking rules, model (README)")
        ->check(CLI::ExistingFile);
    command
        .add_option("--cut", options.min_probability,
                    "Link pairs whose match probability is at least this (default 0.5)")
        ->check(CLI::Range(1e-9, 1.0));
    command
        .add_option("--precision", options.precision,
                    "Instead of --cut: the lowest cut whose expected precision reaches this")
        ->check(CLI::Range(1e-9, 1.0));
    command
        .add_option("--truth", options.truth,
                    "A truth file (list,record_id,person_id; a simulated world's "
                    "truth_links.csv): report pairwise precision, recall and F1")
        ->check(CLI::ExistingFile);
    command.add_option("--threads", options.threads, "Threads (0: every core)")
        ->capture_default_str();
  };
  add_linking_options(app);
  app.add_flag("--month-first", options.month_first,
               "Birth dates written with / are MM/DD/YYYY (default DD/MM/YYYY)");
  app.footer(
      "Examples:\n"
      "  vigil link world/lists/*.csv --out linked\n"
      "  vigil mse linked/capture_histories.csv\n"
      "  vigil link police.csv ngo.csv iom.csv --config link.toml --out linked\n"
      "\n"
      "Lists need a record_id column and names (surname and given_name, or one full-name\n"
      "column); sex, birth_date, document_number and citizenship are used when present. Other\n"
      "column names are mapped in the configuration's [columns] table.\n"
      "\n"
      "Outputs: capture_histories.csv (for vigil mse), persons.csv (list, record_id,\n"
      "person_id), review_pairs.csv (pairs with probability >= 0.01 and their agreement on each\n"
      "field, for clerical review), linkage.json (blocking, model, cut, warnings).\n"
      "Nothing vigil prints or writes besides persons.csv quotes a name, date or document.");

  encode = app.add_subcommand(
      "encode", "Encode one list's identifying fields with a shared secret (run by each agency)");
  encode->description(
      "Turn one agency's list into keyed encodings that can be linked without revealing names:\n"
      "names become Bloom filters of their letter pairs (after folding Cyrillic and Latin\n"
      "spellings to one form), birth-date parts, sex, document number and citizenship become\n"
      "keyed hashes, and blocking keys are hashed too. Only record ids stay in clear. The\n"
      "secret file must be the same for every agency and must never reach whoever runs\n"
      "`vigil link match`: with it, the encodings can be attacked by guessing names.");
  encode->add_option("list", options.list, "The agency's list (CSV)")
      ->required()
      ->check(CLI::ExistingFile);
  encode
      ->add_option("--secret-file", options.secret_file,
                   "File holding the shared secret (at least 16 bytes; make one with\n"
                   "`head -c 32 /dev/urandom | base64 > link.secret`)")
      ->required()
      ->check(CLI::ExistingFile);
  encode
      ->add_option("-o,--out", options.encoded_out,
                   "The encoded file to write (name it AGENCY.enc.csv: match takes the list's "
                   "name from it)")
      ->required();
  encode->add_option("--config", options.config, "TOML: [columns], [dates] and [encoding]")
      ->check(CLI::ExistingFile);
  encode->add_flag("--month-first", options.month_first,
                   "Birth dates written with / are MM/DD/YYYY (default DD/MM/YYYY)");
  encode->footer(
      "Example (each agency, on its own machine):\n"
      "  vigil link encode police.csv --secret-file link.secret --out police.enc.csv");

  match = app.add_subcommand("match", "Link encoded lists (written by vigil link encode)");
  match->description(
      "Link the files written by `vigil link encode` as `vigil link` links clear lists: names\n"
      "are compared by the Dice coefficient of their Bloom filters, the other fields by\n"
      "equality of their keyed hashes (a swapped day and month is still recognised). The\n"
      "files must have been encoded with the same secret; a mismatch is refused.");
  match->add_option("lists", options.lists, "Two to 16 encoded lists (AGENCY.enc.csv)")
      ->required()
      ->check(CLI::ExistingFile);
  add_linking_options(*match);
  match->footer(
      "Example:\n"
      "  vigil link match police.enc.csv ngo.enc.csv iom.enc.csv --out linked\n"
      "  vigil mse linked/capture_histories.csv");
}

int run_link(const LinkCliOptions& options, bool encode, bool match) {
  link::LinkConfig config = config_for(options);
  if (encode) {
    const link::LinkageSecret secret = link::LinkageSecret::read_file(options.secret_file);
    const link::AgencyList list = link::read_agency_list(
        options.list, link::list_name_from_path(options.list), config.columns, config.date_order);
    const link::EncodedList encoded = link::encode_list(list, secret, config.encoding);
    link::write_encoded_list(encoded, options.encoded_out);
    fmt::print(stderr,
               "vigil: encoded {} records of {} into {} ({}-bit filters); the file holds no "
               "name, birth date or document number in clear. Keep the secret file away from "
               "whoever runs `vigil link match`.\n",
               with_commas(encoded.records.size()), options.list, options.encoded_out,
               encoded.parameters.bits);
    return 0;
  }
  if (options.lists.size() < 2) {
    throw Error(Error::Kind::usage,
                fmt::format("link: give at least two lists, got {}; see vigil link --help",
                            options.lists.size()));
  }
  if (options.out.empty()) throw Error(Error::Kind::usage, "link: --out DIR is required");
  StageProgress progress;
  config.options.progress = [&progress](std::string_view stage, std::size_t done,
                                        std::size_t total) { progress(stage, done, total); };
  link::LinkResult result;
  if (match) {
    std::vector<link::EncodedList> lists;
    for (const auto& path : options.lists) {
      lists.push_back(link::read_encoded_list(path, encoded_list_name(path)));
    }
    result = link::match_encoded_lists(lists, config.options);
  } else {
    std::vector<link::AgencyList> lists;
    for (const auto& path : options.lists) {
      lists.push_back(link::read_agency_list(path, link::list_name_from_path(path), config.columns,
                                             config.date_order));
    }
    result = link::link_lists(lists, config.options);
  }
  std::optional<link::LinkageQuality> quality;
  if (!options.truth.empty()) {
    quality = link::pairwise_quality(result, link::read_truth_persons(options.truth, result));
  }
  const std::vector<std::string> written = link::write_link_result(result, options.out);
  fmt::print("{}", summary(result, written, quality));
  return 0;
}

}  // namespace vigil::cli
