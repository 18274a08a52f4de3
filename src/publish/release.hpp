// Releases: what a publication is made of, where its data come from, and how
// it is written.
//
// A release is a folder a data holder can hand to whoever puts it online:
// the data, `parameters.json` (every choice that shaped the data, for the
// record and for a rerun), `PRIVACY.md` (a plain-language statement of what
// protects the people in the data, and what does not), and `SHA256SUMS`
// (so a recipient can check that the files are the ones released). The
// folder is written whole or not at all: a failed or interrupted release
// leaves no half-written folder that someone might publish.
//
// Material that describes the original data beyond what is released (an
// evaluation of synthetic data against the original, say) never goes into
// the release folder: the caller writes it elsewhere and marks it internal.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "publish/check.hpp"

namespace vigil::store {
class CaseStore;
}

namespace vigil::publish {

// Every case held by a vigil store, as a table in the CTDC 2024 Global
// Synthetic Dataset layout (the columns, labels and missing values that
// `vigil import` reads and io::write_ctdc_2024_record writes), so that a
// release from the store and one from a CTDC file behave alike. `name`
// names the table in messages. The store holds no identifying field, so
// neither does the table.
CategoricalTable cases_table(const store::CaseStore& store, const std::string& name);

// Where the released data came from, for the statement and the parameters:
// a file (its name and SHA-256) or a store (its path and case count).
struct ReleaseSource {
  std::string kind;         // "csv" or "store"
  std::string path;         // as given by the user
  std::string sha256;       // of the file; empty for a store
  std::size_t records = 0;  // records read
};

// Describes a CSV file: its path, SHA-256 and the number of records read.
ReleaseSource csv_source(const std::string& path, std::size_t records);

struct ReleaseFile {
  std::string name;     // a plain file name, or "sub/name" for one level of folder
  std::string content;  // bytes written as they are
};

// Writes `files` and a `SHA256SUMS` listing them (the `sha256sum -c`
// format) into `directory`. Everything is written into a temporary sibling
// folder first, flushed, and renamed into place only when complete. An
// existing `directory` is refused (vigil::Error, usage) unless `replace` is
// true; then the old folder is moved aside, the new one renamed into place
// and the old one removed. Throws vigil::Error (usage) for a file name that
// is empty, absolute, has "..", or is given twice; (io) when a file cannot
// be written, after removing the temporary folder.
void write_release(const std::string& directory, const std::vector<ReleaseFile>& files,
                   bool replace);

// The plain-language privacy statement of a release (`PRIVACY.md`).
// Written for a reader who is not a statistician: a ministry's press
// office, a journalist, a survivor's advocate.
struct PrivacyStatement {
  std::string title;                    // "Privacy statement: k-anonymised case records"
  std::string released;                 // one paragraph: what the folder holds
  std::string method;                   // one paragraph: how the people in it are protected
  std::vector<std::string> guarantees;  // what the protection ensures, a line each
  std::vector<std::string> limits;      // what it does not ensure, a line each
  std::vector<std::pair<std::string, std::string>> parameters;  // name, value
  ReleaseSource source;
  std::string created_by;  // "vigil 0.9.0, vigil publish anonymise"
};

// The statement as Markdown.
std::string render_privacy_statement(const PrivacyStatement& statement);

}  // namespace vigil::publish
