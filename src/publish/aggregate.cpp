#include "publish/aggregate.hpp"

#include <fmt/format.h>
#include <glpk.h>

#include <algorithm>
#include <limits>
#include <memory>

#include "core/error.hpp"

namespace vigil::publish {

namespace {

bool small(std::int64_t count, std::int64_t min_cell) {
  return count > 0 && count < min_cell;
}

bool hidden(CellStatus s) {
  return s != CellStatus::shown;
}

// In a line of cells (a row or a column) holding exactly one hidden cell,
// hides the smallest shown cell, non-zero ones first. Returns whether it
// changed anything.
bool protect_line(std::vector<CellStatus*>& status, const std::vector<std::int64_t>& counts,
                  SafeTable& safe) {
  std::size_t hidden_cells = 0;
  for (const CellStatus* s : status) hidden_cells += hidden(*s) ? 1 : 0;
  if (hidden_cells != 1) return false;
  std::size_t best = status.size();
  for (std::size_t i = 0; i < status.size(); ++i) {
    if (hidden(*status[i])) continue;
    if (best == status.size()) {
      best = i;
      continue;
    }
    // Non-zero before zero, then smaller before larger.
    const bool zero_i = counts[i] == 0;
    const bool zero_best = counts[best] == 0;
    if (zero_i != zero_best ? !zero_i : counts[i] < counts[best]) best = i;
  }
  if (best == status.size()) return false;  // a line of one cell: its margin is what protects
  *status[best] = CellStatus::secondary;
  ++safe.secondary;
  safe.secondary_mass += counts[best];
  return true;
}

void secondary_pass(SafeTable& safe) {
  const std::size_t rows = safe.table.counts.size();
  const std::size_t columns = safe.table.column_labels.size();
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t r = 0; r < rows; ++r) {
      if (safe.row_total_suppressed[r]) continue;  // no published equation to protect against
      std::vector<CellStatus*> line;
      for (std::size_t c = 0; c < columns; ++c) line.push_back(&safe.status[r][c]);
      changed |= protect_line(line, safe.table.counts[r], safe);
    }
    for (std::size_t c = 0; c < columns; ++c) {
      if (safe.column_total_suppressed[c]) continue;
      std::vector<CellStatus*> line;
      std::vector<std::int64_t> counts;
      for (std::size_t r = 0; r < rows; ++r) {
        line.push_back(&safe.status[r][c]);
        counts.push_back(safe.table.counts[r][c]);
      }
      changed |= protect_line(line, counts, safe);
    }
  }
}

struct LpDeleter {
  void operator()(glp_prob* lp) const { glp_delete_prob(lp); }
};

}  // namespace

CellRange feasible_range(const SafeTable& safe, std::size_t row, std::size_t column) {
  const std::size_t rows = safe.table.counts.size();
  const std::size_t columns = safe.table.column_labels.size();
  if (row >= rows || column >= columns || !hidden(safe.status[row][column])) {
    throw Error(Error::Kind::usage, "feasible_range: the cell is not suppressed");
  }
  // One variable per hidden cell, >= 0; one equation per published margin:
  // the hidden cells of the line sum to the margin minus its shown cells.
  std::vector<std::vector<int>> variable(rows, std::vector<int>(columns, 0));
  int variables = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    for (std::size_t c = 0; c < columns; ++c) {
      if (hidden(safe.status[r][c])) variable[r][c] = ++variables;
    }
  }
  std::unique_ptr<glp_prob, LpDeleter> lp(glp_create_prob());
  glp_add_cols(lp.get(), variables);
  for (int v = 1; v <= variables; ++v) glp_set_col_bnds(lp.get(), v, GLP_LO, 0.0, 0.0);
  std::vector<int> ia(1, 0);
  std::vector<int> ja(1, 0);
  std::vector<double> ar(1, 0.0);
  int equations = 0;
  const auto add_equation = [&](const std::vector<int>& vars, double rhs) {
    if (vars.empty()) return;
    const int e = ++equations;
    glp_add_rows(lp.get(), 1);
    glp_set_row_bnds(lp.get(), e, GLP_FX, rhs, rhs);
    for (const int v : vars) {
      ia.push_back(e);
      ja.push_back(v);
      ar.push_back(1.0);
    }
  };
  std::int64_t hidden_total = 0;
  std::vector<int> all;
  for (std::size_t r = 0; r < rows; ++r) {
    std::vector<int> vars;
    std::int64_t rest = safe.row_totals[r];
    for (std::size_t c = 0; c < columns; ++c) {
      if (variable[r][c] != 0) {
        vars.push_back(variable[r][c]);
        all.push_back(variable[r][c]);
        hidden_total += safe.table.counts[r][c];
      } else {
        rest -= safe.table.counts[r][c];
      }
    }
    if (!safe.row_total_suppressed[r]) add_equation(vars, static_cast<double>(rest));
  }
  for (std::size_t c = 0; c < columns; ++c) {
    std::vector<int> vars;
    std::int64_t rest = safe.column_totals[c];
    for (std::size_t r = 0; r < rows; ++r) {
      if (variable[r][c] != 0) {
        vars.push_back(variable[r][c]);
      } else {
        rest -= safe.table.counts[r][c];
      }
    }
    if (!safe.column_total_suppressed[c]) add_equation(vars, static_cast<double>(rest));
  }
  if (!safe.total_suppressed) add_equation(all, static_cast<double>(hidden_total));
  glp_load_matrix(lp.get(), static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp params;
  glp_init_smcp(&params);
  params.msg_lev = GLP_MSG_OFF;
  const int target = variable[row][column];
  CellRange range;
  for (const int direction : {GLP_MIN, GLP_MAX}) {
    for (int v = 1; v <= variables; ++v) glp_set_obj_coef(lp.get(), v, v == target ? 1.0 : 0.0);
    glp_set_obj_dir(lp.get(), direction);
    const int status = glp_simplex(lp.get(), &params);
    double value = std::numeric_limits<double>::infinity();
    if (status == 0 && glp_get_status(lp.get()) == GLP_OPT) {
      value = glp_get_obj_val(lp.get());
    } else if (glp_get_status(lp.get()) != GLP_UNBND) {
      throw Error(Error::Kind::internal, "feasible_range: the audit's linear program failed");
    }
    (direction == GLP_MIN ? range.low : range.high) = value;
  }
  return range;
}

SafeTable suppress_table(const CountTable& table, std::int64_t min_cell) {
  if (min_cell < 1) throw Error(Error::Kind::usage, "suppress_table: min_cell must be 1 or more");
  const std::size_t rows = table.row_labels.size();
  const std::size_t columns = table.column_labels.size();
  if (table.counts.size() != rows) {
    throw Error(Error::Kind::usage, "suppress_table: one row of counts per row label is needed");
  }
  SafeTable safe;
  safe.table = table;
  safe.row_totals.assign(rows, 0);
  safe.column_totals.assign(columns, 0);
  safe.status.assign(rows, std::vector<CellStatus>(columns, CellStatus::shown));
  for (std::size_t r = 0; r < rows; ++r) {
    if (table.counts[r].size() != columns) {
      throw Error(Error::Kind::usage,
                  fmt::format("suppress_table: row {} has {} counts for {} columns", r + 1,
                              table.counts[r].size(), columns));
    }
    for (std::size_t c = 0; c < columns; ++c) {
      const std::int64_t n = table.counts[r][c];
      if (n < 0) throw Error(Error::Kind::usage, "suppress_table: counts cannot be negative");
      safe.row_totals[r] += n;
      safe.column_totals[c] += n;
      safe.total += n;
      if (small(n, min_cell)) {
        safe.status[r][c] = CellStatus::primary;
        ++safe.primary;
      }
    }
  }
  safe.row_total_suppressed.resize(rows);
  safe.column_total_suppressed.resize(columns);
  for (std::size_t r = 0; r < rows; ++r)
    safe.row_total_suppressed[r] = small(safe.row_totals[r], min_cell);
  for (std::size_t c = 0; c < columns; ++c) {
    safe.column_total_suppressed[c] = small(safe.column_totals[c], min_cell);
  }
  safe.total_suppressed = small(safe.total, min_cell);

  // Secondary suppression, then the audit: a hidden cell whose range is a
  // point is exposed; hide one more cell in its row (or column) and retry.
  for (std::size_t round = 0; round <= rows * columns; ++round) {
    secondary_pass(safe);
    bool exposed = false;
    for (std::size_t r = 0; r < rows && !exposed; ++r) {
      for (std::size_t c = 0; c < columns && !exposed; ++c) {
        if (!hidden(safe.status[r][c])) continue;
        const CellRange range = feasible_range(safe, r, c);
        if (range.high - range.low > 1e-9) continue;
        exposed = true;
        // The smallest shown cell of the row, else of the column.
        std::size_t best_c = columns;
        for (std::size_t k = 0; k < columns; ++k) {
          if (hidden(safe.status[r][k])) continue;
          if (best_c == columns || table.counts[r][k] < table.counts[r][best_c]) best_c = k;
        }
        if (best_c < columns) {
          safe.status[r][best_c] = CellStatus::secondary;
          ++safe.secondary;
          safe.secondary_mass += table.counts[r][best_c];
          continue;
        }
        std::size_t best_r = rows;
        for (std::size_t k = 0; k < rows; ++k) {
          if (hidden(safe.status[k][c])) continue;
          if (best_r == rows || table.counts[k][c] < table.counts[best_r][c]) best_r = k;
        }
        if (best_r == rows) {
          // Every cell of its row and column is hidden and the margins still
          // pin it (its partners are forced to zero): withhold a margin.
          if (!safe.row_total_suppressed[r]) {
            safe.row_total_suppressed[r] = true;
          } else if (!safe.column_total_suppressed[c]) {
            safe.column_total_suppressed[c] = true;
          } else if (!safe.total_suppressed) {
            safe.total_suppressed = true;
          } else {
            throw Error(Error::Kind::internal, "suppress_table: a cell cannot be protected");
          }
          ++safe.margins_withheld;
          continue;
        }
        safe.status[best_r][c] = CellStatus::secondary;
        ++safe.secondary;
        safe.secondary_mass += table.counts[best_r][c];
      }
    }
    if (!exposed) return safe;
  }
  throw Error(Error::Kind::internal, "suppress_table: the audit did not settle");
}

std::string to_csv(const SafeTable& safe, const std::string& row_name) {
  const auto quote = [](const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (const char ch : s) {
      if (ch == '"') out += '"';
      out += ch;
    }
    return out + "\"";
  };
  const auto cell = [](std::int64_t n, bool suppressed) {
    return suppressed ? std::string("suppressed") : std::to_string(n);
  };
  std::string out = quote(row_name);
  for (const auto& c : safe.table.column_labels) out += "," + quote(c);
  out += ",Total\n";
  for (std::size_t r = 0; r < safe.table.row_labels.size(); ++r) {
    out += quote(safe.table.row_labels[r]);
    for (std::size_t c = 0; c < safe.table.column_labels.size(); ++c) {
      out += "," + cell(safe.table.counts[r][c], hidden(safe.status[r][c]));
    }
    out += "," + cell(safe.row_totals[r], safe.row_total_suppressed[r]) + "\n";
  }
  out += "Total";
  for (std::size_t c = 0; c < safe.table.column_labels.size(); ++c) {
    out += "," + cell(safe.column_totals[c], safe.column_total_suppressed[c]);
  }
  out += "," + cell(safe.total, safe.total_suppressed) + "\n";
  return out;
}

}  // namespace vigil::publish
