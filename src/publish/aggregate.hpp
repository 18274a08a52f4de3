// Safe aggregate tables: counts of victims with small counts suppressed so
// that no suppressed count can be recomputed from what is published.
//
// A table of counts has any number of dimensions (citizenship x country of
// exploitation x year of registration, say): a cube of cells. Publishing it
// means publishing its cells and its marginal totals: every sum over a subset
// of the dimensions, down to the grand total. A three-way table comes with
// its three two-way tables, its three one-way tables and the total. A
// margin is written here as an entry of the cube whose coordinate is kTotal
// in each summed dimension, so cells and margins are all "entries".
//
// Protection follows the classic scheme for tabular data (Cox 1980,
// "Suppression methodology and statistical disclosure control", JASA
// 75:377-385; Hundepool et al. 2012, "Statistical Disclosure Control",
// Wiley, chapters 4 and 5 on tabular data):
//
//   1. Primary suppression. Every entry (cell or margin) from 1 to
//      min_cell - 1 is hidden. Zero describes no one and is shown: hiding
//      zeros would force secondary suppression of large cells beside every
//      empty category.
//
//   2. Secondary (complementary) suppression. A line of the cube is the
//      entries that differ only in one dimension together with their sum,
//      e.g. the cells of one row and the row total, or the entries of a row
//      of a two-way marginal table and its one-way margin. Each line is a
//      published equation: when it holds one hidden entry only, subtraction
//      gives that entry back. So every line holding a hidden entry must hold
//      at least two. The partner hidden is the cheapest available: an
//      entry of the finer table first (the line's members before its
//      total: hiding a margin loses more, and its own lines then need
//      partners too), then the smallest non-zero count, zeros last (hiding
//      a zero protects little). A zero that a shown zero margin already
//      gives away is never chosen: it would protect nothing.
//
//   3. The audit. Two hidden entries per line is necessary, not sufficient:
//      equations of several lines combined, with non-negativity, can still
//      pin a hidden count. So for every hidden entry the auditor's linear
//      programs are solved (GLPK): the smallest and largest value the entry
//      can take given every shown cell and margin, the equations linking
//      margins to cells, and non-negativity. Hidden margins are unknowns of
//      these programs like hidden cells. An entry whose range is a point
//      (the two bounds 0.5 or less apart: counts are integers) is exposed,
//      and another entry in one of its lines is hidden; then the lines and
//      the audit are redone, until no hidden entry is exposed. The audit is
//      stricter than the textbook one, which asks only the primary cells to
//      have a range: secondary entries must not be recomputable either, so
//      that "suppressed" never means "left for the reader to compute".
//
// Adding a hidden entry only relaxes the auditor's programs, so an entry
// whose range was found wide stays wide: each round audits only the entries
// hidden or exposed since the last. The programs share one GLPK problem:
// what changes from an audit to the next is the objective, and from a round
// to the next the bounds of the newly hidden entries (with several threads,
// each thread builds its own problem per round and audits a share of the
// entries). Any feasible point met along the way widens the known range of
// every hidden entry, so most entries need no program of their own. A
// 20 x 20 x 15 table (6,000 cells, 7,056 entries) takes about a second or
// two of one core.
//
// The two-way API (CountTable, suppress_table) predates the cube and is now
// a thin layer over it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "publish/check.hpp"

namespace vigil::publish {

// ---------------------------------------------------------------------------
// Tables of counts of any number of dimensions

// A table of counts: `labels[d]` are the categories of dimension d (distinct
// within the dimension) and `counts` holds one count per combination, in
// row-major order (the last dimension varies fastest), each >= 0.
struct CountCube {
  std::vector<std::string> dimensions;           // names, e.g. "citizenship"
  std::vector<std::vector<std::string>> labels;  // per dimension
  std::vector<std::int64_t> counts;

  // The number of cells: the product of the label counts.
  std::size_t cell_count() const;
  // The row-major index of the cell with one label index per dimension.
  // Throws vigil::Error (usage) on a coordinate out of range.
  std::size_t cell_index(const std::vector<std::size_t>& coordinates) const;
};

// How count_cube treats a row with a missing value (CategoricalTable code
// 0) in one of the columns counted.
enum class MissingCategory {
  label,  // a category of its own, labelled CountCubeOptions::missing_label
  drop,   // the row is not counted at all
};

struct CountCubeOptions {
  MissingCategory missing = MissingCategory::label;
  // Added as the last label of a dimension that has missing values (and
  // only then). A column value equal to it is a usage error.
  std::string missing_label = "(missing)";
};

// Cross-tabulates columns of a table: one dimension per column, named after
// it, whose labels are the column's distinct values in ascending order
// (numerically when every value is an integer, as years are; else by
// bytes), the missing label last. Throws vigil::Error (input) for a column
// the table lacks, (usage) for no column, a column named twice or a value
// equal to the missing label.
CountCube count_cube(const CategoricalTable& table, const std::vector<std::string>& columns,
                     const CountCubeOptions& options = {});

// ---------------------------------------------------------------------------
// Suppression

// The coordinate of a dimension summed over: an entry with kTotal in
// dimension d is a margin over d.
inline constexpr std::size_t kTotal = std::numeric_limits<std::size_t>::max();

enum class CellStatus {
  shown,
  primary,    // hidden: a count from 1 to min_cell - 1
  secondary,  // hidden to protect other hidden entries (or asked to be hidden)
};

// A published cell or margin.
struct CubeEntry {
  // A label index per dimension, or kTotal where the dimension is summed;
  // all label indexes: a cell; all kTotal: the grand total.
  std::vector<std::size_t> coordinates;
  std::int64_t count = 0;  // the true count
  CellStatus status = CellStatus::shown;
  bool hidden() const { return status != CellStatus::shown; }
};

struct CubeOptions {
  // The tables published, each given as the dimensions it keeps: {0, 2} is
  // the two-way marginal table of dimensions 0 and 2, {} the grand total,
  // every dimension the cells. Empty: every table (the cells and all their
  // margins). An unpublished table is not protected, yet its entries take
  // part in the audit as unknowns; e.g. the overlap of agencies' lists
  // publishes the one- and two-way tables of a cube of list memberships
  // but not the cells (the capture histories).
  std::vector<std::vector<std::size_t>> tables;
  // Cells known to be zero by construction, published or not (in a cube of
  // list memberships, nobody is observed on no list): the auditor knows
  // them, so the audit does too. Their counts must be 0; row-major indexes.
  std::vector<std::size_t> structural_zeros;
  // Entries (coordinates as in CubeEntry) to hide whatever their count, as
  // secondary: entries a linked table hides (Hundepool et al. 2012 on
  // linked tables: a count hidden in one table must be hidden in every
  // table that publishes it).
  std::vector<std::vector<std::size_t>> hide;
  // Entries published whatever their count because they are published
  // elsewhere anyway (e.g. a denominator shown as a record count): never
  // hidden, and the other entries are protected with them known. When they
  // alone pin a hidden entry, suppress_cube throws vigil::Error (usage).
  std::vector<std::vector<std::size_t>> show;
  // Threads for the audit; 0: every core. The result does not depend on it.
  int threads = 1;
};

struct SafeCube {
  CountCube cube;
  std::int64_t min_cell = 1;
  // The published tables (CubeOptions::tables, or all of them), each as the
  // sorted dimensions it keeps.
  std::vector<std::vector<std::size_t>> tables;
  std::vector<std::size_t> structural_zeros;  // sorted
  // Every entry of the published tables, sorted by coordinates with kTotal
  // after every label (so in each dimension a total follows its labels).
  std::vector<CubeEntry> entries;
  // Hidden entries (cells and margins), by reason.
  std::size_t primary = 0;
  std::size_t secondary = 0;
  // The counts hidden by secondary suppression (cells and margins): the
  // information lost beyond what the threshold demands.
  std::int64_t secondary_mass = 0;
  // The audit's work: linear programs solved, and rounds of audit and
  // further suppression.
  std::size_t linear_programs = 0;
  std::size_t audit_rounds = 0;

  // The index in `entries` of the entry with these coordinates, or
  // entries.size() when it is not published.
  std::size_t find(const std::vector<std::size_t>& coordinates) const;
  // The entry; throws vigil::Error (usage) when it is not published.
  const CubeEntry& entry(const std::vector<std::size_t>& coordinates) const;
};

// Suppresses entries of `cube` as described at the top of this file.
// Throws vigil::Error (usage) on a malformed cube (no dimension, a
// dimension without labels or with a label twice, counts of the wrong
// number or negative), min_cell < 1, options naming a dimension, cell or
// entry that does not exist, a structural zero that is not zero, or an
// entry both to hide and to show.
SafeCube suppress_cube(const CountCube& cube, std::int64_t min_cell,
                       const CubeOptions& options = {});

// The interval [low, high] a hidden entry can take given the shown entries
// of `safe`, the structural zeros and non-negativity (the continuous
// relaxation, solved with GLPK): the auditor's view. `high` is +infinity
// when nothing bounds the entry. Throws vigil::Error (usage) when the
// entry is not hidden or out of range.
struct CellRange {
  double low = 0.0;
  double high = 0.0;
};
CellRange feasible_range(const SafeCube& safe, std::size_t entry);

// Writes the published entries as long-format CSV (RFC 4180, ready for R's
// read.csv, pandas.read_csv or a spreadsheet): a header with the dimension
// names, "count" and "status"; then one row per entry with its labels
// (`total_label` where a dimension is summed), its count or the text
// "suppressed", and shown, primary or secondary. Throws vigil::Error
// (usage) when a label equals `total_label`, which would be ambiguous.
std::string to_long_csv(const SafeCube& safe, const std::string& total_label = "Total");

// ---------------------------------------------------------------------------
// Two-way tables (rows x columns with row, column and grand totals)

struct CountTable {
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  std::vector<std::vector<std::int64_t>> counts;  // rows x columns, >= 0
};

struct SafeTable {
  CountTable table;  // the input, margins computed from it
  std::vector<std::vector<CellStatus>> status;
  std::vector<std::int64_t> row_totals;
  std::vector<std::int64_t> column_totals;
  std::int64_t total = 0;
  // Hidden margins: small counts themselves, or hidden by the audit.
  std::vector<bool> row_total_suppressed;
  std::vector<bool> column_total_suppressed;
  bool total_suppressed = false;
  // Margins hidden although not small (secondary): when every cell of a
  // hidden cell's lines is hidden and still pinned (to zero, by zero
  // margins), only withholding a margin protects it.
  std::size_t margins_withheld = 0;
  std::size_t primary = 0;          // cells
  std::size_t secondary = 0;        // cells
  std::int64_t secondary_mass = 0;  // counts of the secondary cells
};

// suppress_cube on the table as a two-dimensional cube. Throws
// vigil::Error (usage) on a ragged table, a negative count or min_cell < 1.
SafeTable suppress_table(const CountTable& table, std::int64_t min_cell);

// feasible_range for a cell of a two-way table, with the table's statuses
// as they are in `safe` (a caller may change them to audit another
// pattern). Throws vigil::Error (usage) when the cell is not suppressed.
CellRange feasible_range(const SafeTable& safe, std::size_t row, std::size_t column);

// Writes the table as CSV: a header with the row label's name and the
// column labels and "Total"; a row per row label and a "Total" row; a
// suppressed cell is the text "suppressed". Returns the text.
std::string to_csv(const SafeTable& safe, const std::string& row_name);

}  // namespace vigil::publish
