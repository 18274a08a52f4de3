// `vigil import FILE.csv`: the CLI binding of store/import.hpp.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/store_key.hpp"
#include "cli/terminal.hpp"
#include "core/error.hpp"
#include "store/import.hpp"

namespace vigil::cli {

void setup_import(CLI::App& app, ImportOptions& options) {
  app.description(
      "Import victim case records from a CSV file into the store.\n\n"
      "The layout is recognised from the header: CTDC 2018 Global Dataset and k-anonymised\n"
      "files (63 columns, alpha-2 countries, -99 missing; ';' separators and names cut at 32\n"
      "characters accepted), CTDC 2024 Global Synthetic Dataset (27 columns, alpha-3), and\n"
      "HTCDS field names. Every value is validated; the first bad value stops the import with\n"
      "file:line:column and nothing is written (one transaction).\n\n"
      "Duplicates: a record is recognised by its source, its content and its occurrence\n"
      "(the k-th identical record of a source), so importing the same file twice stores\n"
      "nothing new, and a longer export of the same source adds only the new records.\n"
      "Identifying columns (names, birth dates, contacts) are dropped unread.\n\n"
      "Encryption: --encrypt creates a new store encrypted (SQLCipher), and so does creating\n"
      "one while VIGIL_STORE_KEY is set. The key is read from VIGIL_STORE_KEY or, when that is\n"
      "not set, asked for on the terminal (twice for a new store); it is never an argument.\n"
      "Every verb opens an encrypted store the same way.");
  app.add_option("file", options.file, "CSV file to import (UTF-8; BOM and CRLF accepted)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--db", options.db, "SQLite store to write (created if missing)")
      ->capture_default_str();
  app.add_option("--source", options.source,
                 "Name the records are filed under (default: the file's name); re-imports are "
                 "recognised per source");
  app.add_option("--format", options.format, "Summary format: text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  app.add_flag("--encrypt", options.encrypt,
               "Create the store encrypted; the key comes from VIGIL_STORE_KEY or a prompt "
               "(refused when a plain store already exists at --db)");
  app.footer(
      "Examples:\n"
      "  vigil import examples/ctdc_synthetic_kz.csv --db vigil.db --source ngo-shelter\n"
      "  read -rs VIGIL_STORE_KEY && export VIGIL_STORE_KEY\n"
      "  vigil import examples/ctdc_synthetic_kz.csv --db secret.db --encrypt");
}

int run_import(const ImportOptions& options) {
  // A new store is created encrypted when --encrypt asks for it, and also
  // when VIGIL_STORE_KEY is set: whoever set a key meant the records to be
  // encrypted, and records written in the clear cannot be taken back.
  const bool key_in_environment = store_key_in_environment();
  store::OpenOptions open_options;
  open_options.create_encrypted = options.encrypt || key_in_environment;
  auto store = store::open_sqlite_store(options.db, open_options);
  if (options.encrypt && !store->encrypted()) {
    throw Error(Error::Kind::usage,
                fmt::format("--encrypt: {} is an existing store that is not encrypted, and "
                            "--encrypt applies only when a store is created (README \"Encrypted "
                            "stores\" shows how to make an encrypted copy); nothing was imported",
                            options.db));
  }
  if (key_in_environment && !store->encrypted()) {
    fmt::print(stderr,
               "vigil: {} is set, but {} is a store created without encryption: the key is not "
               "used and the records are stored unencrypted\n",
               kStoreKeyVariable, options.db);
  }
  ProgressLine progress("importing " + options.file);
  store::ImportOptions import_options;
  import_options.source = options.source;
  import_options.progress = [&progress](std::uint64_t done, std::uint64_t total) {
    progress.update(done, total);
  };
  const auto summary = store::import_case_file(*store, options.file, import_options);
  progress.finish();

  const auto& info = summary.info;
  if (options.format == "json") {
    nlohmann::ordered_json out;
    out["file"] = options.file;
    out["db"] = options.db;
    out["source"] = info.source;
    out["layout"] = info.layout;
    out["rows_read"] = info.rows_read;
    out["rows_stored"] = info.rows_stored;
    out["rows_duplicate"] = info.rows_duplicate;
    out["ignored_columns"] = summary.ignored_columns;
    out["identifying_columns_dropped"] = summary.identifying_columns;
    out["encrypted"] = store->encrypted();
    fmt::print("{}\n", out.dump(2));
    return 0;
  }
  if (!summary.identifying_columns.empty()) {
    fmt::print(stderr, "vigil: dropped identifying columns unread: {}\n",
               fmt::join(summary.identifying_columns, ", "));
  }
  if (!summary.ignored_columns.empty()) {
    fmt::print(stderr, "vigil: ignored columns vigil does not know: {}\n",
               fmt::join(summary.ignored_columns, ", "));
  }
  fmt::print(
      "{}: layout {}, source \"{}\": {} rows read, {} stored, {} skipped as duplicates "
      "(store {}{})\n",
      options.file, info.layout, info.source, info.rows_read, info.rows_stored, info.rows_duplicate,
      options.db, store->encrypted() ? ", encrypted" : "");
  return 0;
}

}  // namespace vigil::cli
