// Safe aggregate tables: counts with small cells suppressed so that no
// suppressed cell can be recomputed from what is published.
//
// A two-way table of counts (rows x columns, e.g. citizenship x country of
// exploitation) is published with its row totals, column totals and grand
// total. Primary suppression hides every cell from 1 to min_cell - 1 (zero
// describes no one and is shown). That alone is not enough: a row total
// minus the row's other cells gives the hidden one back. Secondary
// (complementary) suppression hides more cells until no suppressed cell's
// value is determined by the published cells and margins: each row and each
// column holding a suppressed cell holds at least two, which is the classic
// necessary condition (Cox 1980, "Suppression methodology and statistical
// disclosure control", JASA 75:377-385), and the cells chosen are the
// smallest available (non-zero ones first: hiding a zero protects little),
// so that the information lost is small. A margin (row, column or grand
// total) from 1 to min_cell - 1 is itself a small count and is suppressed
// too; the other margins are published.
//
// The guarantee is checked, not assumed: for every suppressed cell, the
// smallest and largest values it can take, given the published cells, the
// published margins and non-negativity, must differ (the linear programs of
// Cox 1980, solved with GLPK). suppress_table audits its own result this way
// and suppresses further cells until the audit passes, so an attacker cannot
// recompute any suppressed cell from the table.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace vigil::publish {

struct CountTable {
  std::vector<std::string> row_labels;
  std::vector<std::string> column_labels;
  std::vector<std::vector<std::int64_t>> counts;  // rows x columns, >= 0
};

enum class CellStatus { shown, primary, secondary };

struct SafeTable {
  CountTable table;  // the input, margins computed from it
  std::vector<std::vector<CellStatus>> status;
  std::vector<std::int64_t> row_totals;
  std::vector<std::int64_t> column_totals;
  std::int64_t total = 0;
  // Margins suppressed because they are small counts themselves.
  std::vector<bool> row_total_suppressed;
  std::vector<bool> column_total_suppressed;
  bool total_suppressed = false;
  // Margins withheld by the audit although not small: when every cell of a
  // hidden cell's row and column is hidden and its partners are still pinned
  // (to zero, by zero margins), only withholding a margin protects it.
  std::size_t margins_withheld = 0;
  std::size_t primary = 0;
  std::size_t secondary = 0;
  // Counts hidden by secondary suppression: the information lost beyond
  // what the threshold demands.
  std::int64_t secondary_mass = 0;
};

// Suppresses the cells of `table` as described above. Throws vigil::Error
// (usage) on a ragged table, a negative count or min_cell < 1.
SafeTable suppress_table(const CountTable& table, std::int64_t min_cell);

// The interval [low, high] a suppressed cell can take given the published
// cells, margins and non-negativity (continuous relaxation, solved with
// GLPK): the auditor's view. Throws vigil::Error (usage) when the cell is
// not suppressed.
struct CellRange {
  double low = 0.0;
  double high = 0.0;
};
CellRange feasible_range(const SafeTable& safe, std::size_t row, std::size_t column);

// Writes the table as CSV: a header with the row label's name and the
// column labels and "Total"; a row per row label and a "Total" row; a
// suppressed cell is the text "suppressed". Returns the text.
std::string to_csv(const SafeTable& safe, const std::string& row_name);

}  // namespace vigil::publish
