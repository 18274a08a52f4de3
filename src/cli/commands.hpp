// The verbs of the `vigil` command line. Each verb has an options struct, a
// setup function that binds its flags, and a run function that calls the
// library; main() only dispatches.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::cli {

struct ImportOptions {
  std::string file;
  std::string db = "vigil.db";
  std::string source;
  std::string format = "text";
  bool encrypt = false;  // create the store encrypted (the key: VIGIL_STORE_KEY or a prompt)
};
void setup_import(CLI::App& app, ImportOptions& options);
int run_import(const ImportOptions& options);

struct ProfileOptions {
  std::string db = "vigil.db";
  std::string cases;
  std::string country;
  std::string perspective = "exploitation";
  std::optional<int> from_year;
  std::optional<int> to_year;
  std::size_t top = 10;
  std::string format = "table";
  std::string output;
};
void setup_profile(CLI::App& app, ProfileOptions& options);
int run_profile(const ProfileOptions& options);

struct SimulateOptions {
  std::string scenario = "kazakhstan";
  std::optional<std::uint64_t> seed;
  std::string years;
  std::string out;
  std::string format = "text";
};
void setup_simulate(CLI::App& app, SimulateOptions& options);
int run_simulate(const SimulateOptions& options);

struct MseOptions {
  std::string file;
  std::string method = "stepwise";
  double p_threshold = 0.02;
  std::size_t top = 5;
  std::string ci = "model";
  std::string strata;
  int replicates = 1000;
  std::uint64_t seed = 1234;
  std::string terms;
  std::string format = "table";
};
void setup_mse(CLI::App& app, MseOptions& options);
int run_mse(const MseOptions& options);

struct GlmCliOptions {
  std::string data;
  std::string db;
  std::string formula;
  std::string family = "poisson";
  std::string weights;
  std::string robust;
  std::string ci = "wald";
  double level = 0.95;
  std::string compare;
  bool ratios = false;
  std::string format = "table";
  std::string output;
};
void setup_glm(CLI::App& app, GlmCliOptions& options);
int run_glm(const GlmCliOptions& options);

struct NexusCliOptions {
  std::string migration;
  std::string db = "vigil.db";
  std::string cases;
  std::string counts;
  std::string measure = "flow";
  std::string fixed_effects = "corridor,year";
  std::string cluster = "corridor";
  std::vector<std::string> controls;
  std::string regions_in;
  double level = 0.95;
  std::size_t top = 10;
  std::string panel_out;
  std::string format = "table";
  std::string output;
};
void setup_nexus(CLI::App& app, NexusCliOptions& options);
int run_nexus(const NexusCliOptions& options);

struct IndexCliOptions {
  std::string config;
  std::string data;
  std::optional<int> year;
  std::size_t replications = 0;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string format = "table";
  std::string output;
};
void setup_index(CLI::App& app, IndexCliOptions& options);
int run_index(const IndexCliOptions& options);

struct LinkCliOptions {
  // vigil link LISTS... / vigil link match ENCODED...
  std::vector<std::string> lists;
  std::string out;
  std::string config;
  std::optional<double> min_probability;
  std::optional<double> precision;
  bool month_first = false;
  std::string truth;
  int threads = 0;
  // vigil link encode LIST
  std::string list;
  std::string secret_file;
  std::string encoded_out;
};
void setup_link(CLI::App& app, LinkCliOptions& options, CLI::App*& encode, CLI::App*& match);
int run_link(const LinkCliOptions& options, bool encode, bool match);

struct ReportCliOptions {
  std::string world;
  std::string db;
  std::string cases;
  std::string histories;
  std::string migration;
  std::string regions_in;
  std::string index_config;
  std::string index_data;
  std::string country;
  std::int64_t min_cell = 10;
  std::string title;
  std::uint64_t seed = 1;
  int threads = 0;
  std::string output;
};
void setup_report(CLI::App& app, ReportCliOptions& options);
// `invocation` is the command line, recorded in the report's provenance.
int run_report(const ReportCliOptions& options, const std::string& invocation);

struct PublishCliOptions {
  // The input: a CSV file or a vigil store (exactly one).
  std::string file;
  std::string db;
  // Where the release goes (anonymise, table, synthesize).
  std::string out;
  bool replace = false;
  std::string format = "table";
  int threads = 0;
  // check and anonymise
  std::string quasi;
  std::string sensitive;
  std::size_t k = 5;
  std::optional<std::size_t> l;
  std::string missing = "category";
  std::size_t top = 10;
  // anonymise
  std::string keep;
  double max_suppression = 0.05;
  std::vector<std::string> hierarchies;  // COLUMN=FILE
  std::string measure = "loss";
  // table
  std::string by;
  std::int64_t min_cell = 10;
  std::string table_missing = "label";
  // synthesize
  std::string columns;
  double epsilon = 1.0;
  double delta = 1e-6;
  std::size_t length = 3;
  std::optional<std::size_t> records;
  std::vector<std::string> domains;  // COLUMN=FILE
  double reporting_threshold = 0.0;
  std::string evaluation;
  std::optional<std::uint64_t> seed;
};
enum class PublishVerb { none, check, anonymise, table, synthesize };
struct PublishCommands {
  CLI::App* check = nullptr;
  CLI::App* anonymise = nullptr;
  CLI::App* table = nullptr;
  CLI::App* synthesize = nullptr;
  PublishVerb parsed() const;
};
void setup_publish(CLI::App& app, PublishCliOptions& options, PublishCommands& commands);
// check: 0 when the file satisfies the criteria, 5 when it does not.
// anonymise: 0 with a release written, 5 when no release meets the
// criteria within the suppression budget (nothing written).
int run_publish(const PublishCliOptions& options, PublishVerb verb);

// Writes `text` to `path`, or to standard output when `path` is empty, and
// says where on standard error; shared by the verbs that print reports.
void emit(const std::string& text, const std::string& path, const std::string& what);

}  // namespace vigil::cli
