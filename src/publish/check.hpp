// Is this file safe to publish? k-anonymity, distinct l-diversity and
// re-identification risk of a table of records.
//
// A record's quasi-identifiers (QIs) are the columns an attacker can learn
// elsewhere (age band, sex, citizenship, year, place): records that agree on
// all of them form an equivalence class, and a victim in a class of size n is
// re-identified with probability 1/n by an attacker who knows the victim is in
// the file (the prosecutor model; El Emam & Dankar 2008, "Protecting privacy
// using k-anonymity", JAMIA 15(5):627-637). k-anonymity (Sweeney 2002,
// "k-anonymity: a model for protecting privacy", IJUFKS 10(5):557-570) asks
// every class to hold at least k records; distinct l-diversity
// (Machanavajjhala et al. 2007, "l-diversity: privacy beyond k-anonymity",
// ACM TKDD 1(1)) asks every class to show at least l distinct values of each
// sensitive column, so that membership does not reveal, say, the type of
// exploitation.
//
// Missing values (an empty cell) are handled one of two ways, chosen by the
// caller:
//   - `category`: missing is a value like any other (two records with the
//     sex missing agree on sex). Classes partition the records.
//   - `wildcard`: missing could be any value, so a record with a missing QI
//     is indistinguishable from every record that agrees on its other QIs
//     (as a suppressed cell in ARX or sdcMicro). A record's class is the set
//     of records compatible with it on every QI (equal, or missing in either):
//     classes overlap and a record's class size is the number of records it
//     cannot be told apart from (itself included). This is the conservative
//     reading for k when missingness is an attacker's uncertainty, but it
//     counts a record as compatible with everyone when all its QIs are
//     missing. For l-diversity in wildcard mode a sensitive value counts in a
//     record's class when some compatible record has it; a missing sensitive
//     value counts as no value.
//
// Everything is exact (no sampling) and deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace vigil::publish {

// A table of categorical columns, dictionary-encoded: codes[c][r] is row r's
// code in column c; code 0 is the missing value (an empty cell), codes 1..
// index values[c][code - 1]. Cells are compared as exact strings after
// trimming surrounding spaces.
struct CategoricalTable {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> values;   // per column, distinct values
  std::vector<std::vector<std::uint32_t>> codes;  // per column, per row
  std::string source;                             // file name for messages
  std::size_t rows() const { return codes.empty() ? 0 : codes.front().size(); }
  // The cell of row `row` in column `column` as written; empty when missing.
  std::string cell(std::size_t column, std::size_t row) const {
    const std::uint32_t code = codes[column][row];
    return code == 0 ? std::string() : values[column][code - 1];
  }
  // Index of a column by name; throws vigil::Error (input) naming the file
  // and listing the columns when there is none.
  std::size_t column(const std::string& name) const;
};

// Reads a CSV file (io/csv.hpp rules: BOM, separators, quotes) with a header
// row. Throws vigil::Error (io) when unreadable, (input) with file:line:column
// on a row whose field count differs from the header's. Never quotes a cell
// in a message.
CategoricalTable read_categorical_csv(const std::string& path);
// The same from a stream; `path` names it in messages.
CategoricalTable read_categorical_csv(std::istream& in, const std::string& path);

// Builds a table from rows of strings (for tests and callers that hold data
// in memory); rows must have as many cells as `columns` (usage error
// otherwise). "" is missing.
CategoricalTable make_table(std::vector<std::string> columns,
                            const std::vector<std::vector<std::string>>& rows);

enum class MissingValues { category, wildcard };

struct CheckOptions {
  std::vector<std::string> quasi_identifiers;  // at least one
  std::vector<std::string> sensitive;          // may be empty
  std::size_t k = 5;                           // >= 1
  std::optional<std::size_t> l;                // >= 1 when set; needs sensitive columns
  MissingValues missing = MissingValues::category;
  std::size_t smallest_classes = 10;  // how many of the smallest classes to report
  int threads = 0;                    // 0: every core; the result does not depend on it
};

struct EquivalenceClassSummary {
  // The QI values of the class, in CheckOptions::quasi_identifiers order;
  // "" for missing. In wildcard mode, the values of one record of the
  // class (records with the same values have the same class).
  std::vector<std::string> key;
  std::size_t size = 0;  // records in the class
  // Fewest distinct values over the sensitive columns; 0 without them.
  std::size_t distinct_sensitive = 0;
};

struct CheckResult {
  std::size_t records = 0;
  // Distinct QI combinations (category mode: the classes; wildcard mode:
  // distinct combinations, missing included).
  std::size_t classes = 0;
  // The size of the smallest class (wildcard: the smallest class size of
  // any record); 0 for an empty table.
  std::size_t k = 0;
  bool k_satisfied = false;  // k >= the requested k (vacuously true when empty)
  // Fewest distinct sensitive values in any class and column; nullopt
  // without sensitive columns.
  std::optional<std::size_t> l;
  bool l_satisfied = true;  // true when no l was requested
  bool satisfies = false;   // k_satisfied && l_satisfied
  // Records whose class violates k or l, and the classes that do
  // (wildcard mode: distinct QI combinations whose records violate).
  std::size_t violating_records = 0;
  std::size_t violating_classes = 0;
  double violating_share = 0.0;  // violating_records / records (0 when empty)
  // Prosecutor risk: 1 / (class size) per record; the maximum and the mean
  // over records (0 for an empty table).
  double max_risk = 0.0;
  double average_risk = 0.0;
  // The smallest classes, smallest first, ties by key (codes order).
  std::vector<EquivalenceClassSummary> smallest;
};

// Throws vigil::Error (usage) on options out of range, a column named
// twice, a column both quasi-identifier and sensitive, or l without
// sensitive columns; (input) for a column the table does not have.
CheckResult check_anonymity(const CategoricalTable& table, const CheckOptions& options);

}  // namespace vigil::publish
