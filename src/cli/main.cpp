// `vigil`: evidence from anti-trafficking data. main() only dispatches.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.hpp"
#include "cli/store_key.hpp"
#include "core/error.hpp"

namespace {

// Exit codes, one per error kind, so that scripts can tell bad data from a
// broken installation.
int exit_code(vigil::Error::Kind kind) {
  switch (kind) {
    case vigil::Error::Kind::input:
      return 1;
    case vigil::Error::Kind::usage:
      return 2;
    case vigil::Error::Kind::io:
      return 3;
    case vigil::Error::Kind::store:
      return 4;
    case vigil::Error::Kind::internal:
      return 70;
  }
  return 70;
}

int run_cli(int argc, char** argv) {
  CLI::App app{
      "vigil: evidence from anti-trafficking data.\n"
      "Imports victim case records (CTDC and HTCDS layouts) into a local SQLite store,\n"
      "describes them, links agencies' lists into persons (link), estimates the undetected\n"
      "(mse), measures the link with migration (nexus, glm), ranks vulnerability (index), writes\n"
      "a self-contained HTML report (report) and releases data without exposing anyone (publish).\n"
      "Run `vigil VERB --help` for each verb."};
  app.set_version_flag("--version", std::string("vigil ") + VIGIL_VERSION);
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 success, 1 bad input data, 2 bad options, 3 file error, 4 store error,\n"
      "5 `publish check`: the file is not safe to publish; `publish anonymise`: no safe release\n"
      "within the suppression budget.\n"
      "Documentation: README.md in the vigil source tree.");

  vigil::cli::ImportOptions import_options;
  vigil::cli::ProfileOptions profile_options;
  vigil::cli::SimulateOptions simulate_options;
  vigil::cli::MseOptions mse_options;
  auto* import_cmd = app.add_subcommand("import", "Import case records from a CSV file");
  vigil::cli::setup_import(*import_cmd, import_options);
  auto* profile_cmd = app.add_subcommand("profile", "Describe victims: counts, corridors, shares");
  vigil::cli::setup_profile(*profile_cmd, profile_options);
  auto* simulate_cmd =
      app.add_subcommand("simulate", "Simulate a world with a known truth (synthetic data)");
  vigil::cli::setup_simulate(*simulate_cmd, simulate_options);
  auto* mse_cmd = app.add_subcommand(
      "mse", "Estimate the total number of victims by Multiple Systems Estimation");
  vigil::cli::setup_mse(*mse_cmd, mse_options);
  vigil::cli::GlmCliOptions glm_options;
  auto* glm_cmd = app.add_subcommand(
      "glm", "Fit a generalised linear model (Poisson, negative binomial, logit) from a CSV file");
  vigil::cli::setup_glm(*glm_cmd, glm_options);
  vigil::cli::NexusCliOptions nexus_options;
  auto* nexus_cmd = app.add_subcommand(
      "nexus", "Measure the link between migration and identified victims, per corridor");
  vigil::cli::setup_nexus(*nexus_cmd, nexus_options);
  vigil::cli::IndexCliOptions index_options;
  auto* index_cmd = app.add_subcommand(
      "index", "Build a composite vulnerability index, with the uncertainty of its ranks");
  vigil::cli::setup_index(*index_cmd, index_options);

  vigil::cli::LinkCliOptions link_options;
  auto* link_cmd =
      app.add_subcommand("link", "Link agencies' lists into persons (in clear or encoded) for MSE");
  CLI::App* link_encode_cmd = nullptr;
  CLI::App* link_match_cmd = nullptr;
  vigil::cli::setup_link(*link_cmd, link_options, link_encode_cmd, link_match_cmd);

  vigil::cli::ReportCliOptions report_options;
  auto* report_cmd = app.add_subcommand(
      "report", "Write one self-contained HTML report: charts, tables, methods, provenance");
  vigil::cli::setup_report(*report_cmd, report_options);

  vigil::cli::PublishCliOptions publish_options;
  auto* publish_cmd = app.add_subcommand(
      "publish", "Release data safely: check, anonymise, safe tables, private synthetic data");
  vigil::cli::PublishCommands publish_commands;
  vigil::cli::setup_publish(*publish_cmd, publish_options, publish_commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // --help and --version end here with 0; every other parse error is a bad
    // option, exit code 2 as documented (CLI11's own codes are not).
    const int code = app.exit(error);
    return code == 0 ? 0 : 2;
  }

  try {
    if (import_cmd->parsed()) return vigil::cli::run_import(import_options);
    if (profile_cmd->parsed()) return vigil::cli::run_profile(profile_options);
    if (simulate_cmd->parsed()) return vigil::cli::run_simulate(simulate_options);
    if (mse_cmd->parsed()) return vigil::cli::run_mse(mse_options);
    if (glm_cmd->parsed()) return vigil::cli::run_glm(glm_options);
    if (nexus_cmd->parsed()) return vigil::cli::run_nexus(nexus_options);
    if (index_cmd->parsed()) return vigil::cli::run_index(index_options);
    if (publish_cmd->parsed()) {
      return vigil::cli::run_publish(publish_options, publish_commands.parsed());
    }
    if (report_cmd->parsed()) {
      std::string invocation = "vigil";
      for (int i = 1; i < argc; ++i) invocation += std::string(" ") + argv[i];
      return vigil::cli::run_report(report_options, invocation);
    }
    if (link_cmd->parsed()) {
      return vigil::cli::run_link(link_options, link_encode_cmd->parsed(),
                                  link_match_cmd->parsed());
    }
  } catch (const vigil::Error& error) {
    fmt::print(stderr, "vigil: {}\n", error.what());
    return exit_code(error.kind());
  } catch (const std::exception& error) {
    fmt::print(stderr, "vigil: internal error: {}\n", error.what());
    return 70;
  }
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    // Any verb may open an encrypted store: its key comes from
    // VIGIL_STORE_KEY or a prompt, never from an argument.
    vigil::cli::install_store_key_provider();
    return run_cli(argc, argv);
  } catch (...) {  // even printing an error failed
    return 70;
  }
}
