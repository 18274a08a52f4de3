#include "publish/aggregate.hpp"

#include <fmt/format.h>
#include <glpk.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <memory>
#include <thread>

#include "core/error.hpp"
#include "io/csv.hpp"
#include "publish/internal.hpp"

namespace vigil::publish {

namespace {

constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();
// Counts are integers: a range no wider than this holds one count at most,
// and an entry whose bounds are this close is as good as published.
constexpr double kPoint = 0.5;
// Dimensions are bits of a table's mask; past this many the tables of a
// cube (2^dimensions) are more than anyone publishes.
constexpr std::size_t kMaxDimensions = 16;
// Cells and published entries: beyond these the audit's programs would not
// fit in memory or time anyway.
constexpr std::size_t kMaxCells = std::size_t{1} << 24;
constexpr std::size_t kMaxEntries = std::size_t{1} << 24;
// The fewest entries to audit that make another thread worth starting.
constexpr std::size_t kEntriesPerThread = 32;

Error usage(const std::string& message) {
  return Error(Error::Kind::usage, message);
}

bool hidden(CellStatus s) {
  return s != CellStatus::shown;
}

void validate_cube(const CountCube& cube, const char* who) {
  const std::size_t dims = cube.labels.size();
  if (dims == 0) throw usage(fmt::format("{}: a table needs at least one dimension", who));
  if (dims > kMaxDimensions) {
    throw usage(
        fmt::format("{}: {} dimensions; at most {} are supported", who, dims, kMaxDimensions));
  }
  if (cube.dimensions.size() != dims) {
    throw usage(
        fmt::format("{}: {} dimension names for {} dimensions", who, cube.dimensions.size(), dims));
  }
  std::size_t cells = 1;
  for (std::size_t d = 0; d < dims; ++d) {
    const auto& labels = cube.labels[d];
    if (labels.empty()) {
      throw usage(fmt::format("{}: dimension \"{}\" has no labels", who, cube.dimensions[d]));
    }
    std::vector<std::string> sorted = labels;
    std::sort(sorted.begin(), sorted.end());
    if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
      throw usage(fmt::format("{}: dimension \"{}\" has a label twice", who, cube.dimensions[d]));
    }
    if (labels.size() > kMaxCells / cells) {
      throw usage(fmt::format("{}: more than {} cells", who, kMaxCells));
    }
    cells *= labels.size();
  }
  if (cube.counts.size() != cells) {
    throw usage(fmt::format("{}: {} counts for {} cells", who, cube.counts.size(), cells));
  }
  for (const std::int64_t n : cube.counts) {
    if (n < 0) throw usage(fmt::format("{}: counts cannot be negative", who));
  }
}

// ---------------------------------------------------------------------------
// The published entries of a cube and the lines that link them.
//
// An entry is a point of the extended cube, where each dimension has its
// labels and one more coordinate for "Total"; its key is its row-major
// index there, so sorting by key sorts by coordinates with totals last. A
// table is the set of dimensions it keeps, as a bit mask.

struct Line {
  std::size_t total = 0;  // the entry the members sum to
  std::size_t begin = 0;  // members: Lattice::line_members[begin, end)
  std::size_t end = 0;
};

struct Lattice {
  std::size_t dims = 0;
  std::vector<std::size_t> sizes;     // labels per dimension
  std::vector<std::uint64_t> stride;  // of the extended cube
  std::size_t cells = 0;
  std::uint32_t full = 0;            // the mask of the cells
  std::vector<std::uint32_t> masks;  // published tables, ascending
  bool cells_published = false;

  // Per entry, in key order.
  std::vector<std::uint64_t> key;
  std::vector<std::uint32_t> mask;
  std::vector<std::int64_t> value;
  std::vector<std::size_t> cell;         // its cell when it is one, else npos
  std::vector<std::size_t> margin;       // its rank among the margins, npos for a cell
  std::vector<std::size_t> lines_start;  // its lines: lines_list[start[e], start[e + 1])
  std::vector<std::size_t> lines_list;

  std::vector<std::size_t> margins;  // the entries that are margins, ascending
  // Per margin rank, the cells it sums: sum_cells[sum_start[m], sum_start[m + 1]).
  std::vector<std::size_t> sum_start;
  std::vector<std::size_t> sum_cells;

  std::vector<Line> lines;
  std::vector<std::size_t> line_members;

  std::size_t size() const { return key.size(); }

  std::size_t find(std::uint64_t k) const {
    const auto it = std::lower_bound(key.begin(), key.end(), k);
    return it != key.end() && *it == k ? static_cast<std::size_t>(it - key.begin()) : npos;
  }

  // The key of coordinates (kTotal for a summed dimension); npos when a
  // coordinate is out of range.
  std::uint64_t key_of(const std::vector<std::size_t>& coordinates) const {
    if (coordinates.size() != dims) return npos;
    std::uint64_t k = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      if (coordinates[d] != kTotal && coordinates[d] >= sizes[d]) return npos;
      k += (coordinates[d] == kTotal ? sizes[d] : coordinates[d]) * stride[d];
    }
    return k;
  }

  std::size_t coordinate(std::size_t entry, std::size_t d) const {
    return static_cast<std::size_t>(key[entry] / stride[d] % (sizes[d] + 1));
  }

  std::vector<std::size_t> coordinates(std::size_t entry) const {
    std::vector<std::size_t> out(dims);
    for (std::size_t d = 0; d < dims; ++d) {
      const std::size_t c = coordinate(entry, d);
      out[d] = c == sizes[d] ? kTotal : c;
    }
    return out;
  }

  // The members and the total of a line, in that order.
  template <typename Visit>
  void for_each_in_line(const Line& line, Visit&& visit) const {
    for (std::size_t i = line.begin; i < line.end; ++i) visit(line_members[i]);
    visit(line.total);
  }
};

std::uint32_t mask_of(const std::vector<std::size_t>& table, std::size_t dims) {
  std::uint32_t m = 0;
  for (const std::size_t d : table) {
    if (d >= dims) {
      throw usage(
          fmt::format("suppress_cube: a published table names dimension {} of {}", d, dims));
    }
    if ((m >> d & 1U) != 0) throw usage("suppress_cube: a published table names a dimension twice");
    m |= 1U << d;
  }
  return m;
}

Lattice build_lattice(const CountCube& cube, const std::vector<std::vector<std::size_t>>& tables) {
  Lattice L;
  L.dims = cube.labels.size();
  L.full = static_cast<std::uint32_t>((std::uint64_t{1} << L.dims) - 1);
  L.cells = 1;
  for (const auto& labels : cube.labels) {
    L.sizes.push_back(labels.size());
    L.cells *= labels.size();
  }
  L.stride.assign(L.dims, 1);
  for (std::size_t d = L.dims; d-- > 1;) {
    if (L.stride[d] > std::numeric_limits<std::uint64_t>::max() / 2 / (L.sizes[d] + 1)) {
      throw usage("suppress_cube: the table is too large");
    }
    L.stride[d - 1] = L.stride[d] * (L.sizes[d] + 1);
  }
  if (tables.empty()) {
    for (std::uint32_t m = 0; m <= L.full; ++m) L.masks.push_back(m);
  } else {
    for (const auto& table : tables) L.masks.push_back(mask_of(table, L.dims));
    std::sort(L.masks.begin(), L.masks.end());
    L.masks.erase(std::unique(L.masks.begin(), L.masks.end()), L.masks.end());
  }
  L.cells_published = std::binary_search(L.masks.begin(), L.masks.end(), L.full);

  // The entries of each table: kept dimensions run over their labels, the
  // others are totals.
  const auto table_size = [&](std::uint32_t m) {
    std::size_t n = 1;
    for (std::size_t d = 0; d < L.dims; ++d) {
      if ((m >> d & 1U) != 0) n *= L.sizes[d];
    }
    return n;
  };
  std::size_t total_entries = 0;
  for (const std::uint32_t m : L.masks) {
    total_entries += table_size(m);
    if (total_entries > kMaxEntries) {
      throw usage(fmt::format("suppress_cube: more than {} published entries", kMaxEntries));
    }
  }
  std::vector<std::pair<std::uint64_t, std::uint32_t>> listed;
  listed.reserve(total_entries);
  for (const std::uint32_t m : L.masks) {
    std::vector<std::size_t> c(L.dims, 0);
    for (std::size_t d = 0; d < L.dims; ++d) {
      if ((m >> d & 1U) == 0) c[d] = L.sizes[d];
    }
    for (std::size_t i = 0, n = table_size(m); i < n; ++i) {
      std::uint64_t k = 0;
      for (std::size_t d = 0; d < L.dims; ++d) k += c[d] * L.stride[d];
      listed.emplace_back(k, m);
      // Odometer over the kept dimensions, last fastest.
      for (std::size_t d = L.dims; d-- > 0;) {
        if ((m >> d & 1U) == 0) continue;
        if (++c[d] < L.sizes[d]) break;
        c[d] = 0;
      }
    }
  }
  std::sort(listed.begin(), listed.end());
  const std::size_t n = listed.size();
  L.key.resize(n);
  L.mask.resize(n);
  L.cell.assign(n, npos);
  L.margin.assign(n, npos);
  L.value.assign(n, 0);
  for (std::size_t e = 0; e < n; ++e) {
    L.key[e] = listed[e].first;
    L.mask[e] = listed[e].second;
    if (L.mask[e] == L.full) {
      std::size_t c = 0;
      for (std::size_t d = 0; d < L.dims; ++d) c = c * L.sizes[d] + L.coordinate(e, d);
      L.cell[e] = c;
      L.value[e] = cube.counts[c];
    } else {
      L.margin[e] = L.margins.size();
      L.margins.push_back(e);
    }
  }

  // Each margin's cells and count: one pass over the cells per margin
  // table, locating the margin by the key of the cell's projection.
  L.sum_start.assign(L.margins.size() + 1, 0);
  for (std::size_t r = 0; r < L.margins.size(); ++r) {
    L.sum_start[r + 1] = L.sum_start[r] + L.cells / table_size(L.mask[L.margins[r]]);
  }
  L.sum_cells.resize(L.sum_start.back());
  std::vector<std::size_t> fill(L.sum_start.begin(), L.sum_start.end() - 1);
  for (const std::uint32_t m : L.masks) {
    if (m == L.full) continue;
    std::vector<std::size_t> c(L.dims, 0);
    for (std::size_t cell = 0; cell < L.cells; ++cell) {
      std::uint64_t k = 0;
      for (std::size_t d = 0; d < L.dims; ++d) {
        k += ((m >> d & 1U) != 0 ? c[d] : L.sizes[d]) * L.stride[d];
      }
      const std::size_t e = L.find(k);
      L.value[e] += cube.counts[cell];
      L.sum_cells[fill[L.margin[e]]++] = cell;
      for (std::size_t d = L.dims; d-- > 0;) {
        if (++c[d] < L.sizes[d]) break;
        c[d] = 0;
      }
    }
  }

  // Lines: in a published table, the entries that differ in dimension d
  // alone, when the table without d (their sum) is published too.
  std::map<std::uint32_t, std::vector<std::size_t>> by_mask;
  for (std::size_t e = 0; e < n; ++e) by_mask[L.mask[e]].push_back(e);
  for (const std::uint32_t m : L.masks) {
    for (std::size_t d = 0; d < L.dims; ++d) {
      if ((m >> d & 1U) == 0) continue;
      const std::uint32_t parent = m & ~(1U << d);
      if (!std::binary_search(L.masks.begin(), L.masks.end(), parent)) continue;
      for (const std::size_t t : by_mask[parent]) {
        Line line{t, L.line_members.size(), 0};
        const std::uint64_t base = L.key[t] - L.sizes[d] * L.stride[d];
        for (std::size_t j = 0; j < L.sizes[d]; ++j) {
          L.line_members.push_back(L.find(base + j * L.stride[d]));
        }
        line.end = L.line_members.size();
        L.lines.push_back(line);
      }
    }
  }
  L.lines_start.assign(n + 1, 0);
  for (const Line& line : L.lines) {
    L.for_each_in_line(line, [&](std::size_t e) { ++L.lines_start[e + 1]; });
  }
  for (std::size_t e = 0; e < n; ++e) L.lines_start[e + 1] += L.lines_start[e];
  L.lines_list.resize(L.lines_start.back());
  std::vector<std::size_t> next(L.lines_start.begin(), L.lines_start.end() - 1);
  for (std::size_t l = 0; l < L.lines.size(); ++l) {
    L.for_each_in_line(L.lines[l], [&](std::size_t e) { L.lines_list[next[e]++] = l; });
  }
  return L;
}

// ---------------------------------------------------------------------------
// The auditor's linear program (Cox 1980), one GLPK problem reused for
// every audit: a column per cell and per published margin, a row per
// margin saying it is the sum of its cells. A known entry (shown, or a
// structural zero) is a column fixed at its count; an unknown one is a
// column >= 0. An audit maximises or minimises one column.

struct LpDeleter {
  void operator()(glp_prob* lp) const { glp_delete_prob(lp); }
};

class AuditLp {
 public:
  AuditLp(const Lattice& L, const std::vector<CellStatus>& status,
          const std::vector<char>& structural)
      : L_(L), lp_(glp_create_prob()) {
    const int cells = static_cast<int>(L.cells);
    const int margins = static_cast<int>(L.margins.size());
    glp_add_cols(lp_.get(), cells + margins);
    if (margins > 0) glp_add_rows(lp_.get(), margins);
    std::vector<char> known_cell(L.cells, 0);
    for (std::size_t c = 0; c < L.cells; ++c) known_cell[c] = structural[c];
    for (std::size_t e = 0; e < L.size(); ++e) {
      if (L.cell[e] != npos && !hidden(status[e])) known_cell[L.cell[e]] = 1;
    }
    std::vector<std::int64_t> cell_value(L.cells, 0);
    for (std::size_t e = 0; e < L.size(); ++e) {
      if (L.cell[e] != npos) cell_value[L.cell[e]] = L.value[e];
    }
    for (std::size_t c = 0; c < L.cells; ++c) {
      const int j = static_cast<int>(c) + 1;
      if (structural[c] != 0) {
        glp_set_col_bnds(lp_.get(), j, GLP_FX, 0.0, 0.0);
      } else if (known_cell[c] != 0) {
        const auto v = static_cast<double>(cell_value[c]);
        glp_set_col_bnds(lp_.get(), j, GLP_FX, v, v);
      } else {
        glp_set_col_bnds(lp_.get(), j, GLP_LO, 0.0, 0.0);
      }
    }
    std::vector<int> ia(1, 0);
    std::vector<int> ja(1, 0);
    std::vector<double> ar(1, 0.0);
    ia.reserve(L.sum_cells.size() + L.margins.size() + 1);
    ja.reserve(ia.capacity());
    ar.reserve(ia.capacity());
    for (std::size_t r = 0; r < L.margins.size(); ++r) {
      const std::size_t e = L.margins[r];
      const int row = static_cast<int>(r) + 1;
      glp_set_row_bnds(lp_.get(), row, GLP_FX, 0.0, 0.0);
      for (std::size_t i = L.sum_start[r]; i < L.sum_start[r + 1]; ++i) {
        ia.push_back(row);
        ja.push_back(static_cast<int>(L.sum_cells[i]) + 1);
        ar.push_back(1.0);
      }
      ia.push_back(row);
      ja.push_back(column(e));
      ar.push_back(-1.0);
      const auto v = static_cast<double>(L.value[e]);
      if (hidden(status[e])) {
        glp_set_col_bnds(lp_.get(), column(e), GLP_LO, 0.0, 0.0);
      } else {
        glp_set_col_bnds(lp_.get(), column(e), GLP_FX, v, v);
      }
    }
    glp_load_matrix(lp_.get(), static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
    glp_init_smcp(&params_);
    params_.msg_lev = GLP_MSG_OFF;
    params_.presolve = GLP_OFF;  // presolve would discard the basis between audits
  }

  // An entry newly hidden becomes an unknown: the program only relaxes.
  void hide(std::size_t entry) { glp_set_col_bnds(lp_.get(), column(entry), GLP_LO, 0.0, 0.0); }

  // The largest (or smallest) value of `entry`; +infinity when unbounded.
  double optimise(std::size_t entry, bool maximise) {
    const int j = column(entry);
    glp_set_obj_coef(lp_.get(), j, 1.0);
    glp_set_obj_dir(lp_.get(), maximise ? GLP_MAX : GLP_MIN);
    int rc = glp_simplex(lp_.get(), &params_);
    if (rc != 0 || !settled()) {
      // A numerically troubled basis: start again from a fresh one.
      glp_adv_basis(lp_.get(), 0);
      rc = glp_simplex(lp_.get(), &params_);
    }
    glp_set_obj_coef(lp_.get(), j, 0.0);
    if (rc != 0 || !settled()) {
      throw Error(Error::Kind::internal, "suppress_cube: the audit's linear program failed");
    }
    if (glp_get_status(lp_.get()) == GLP_UNBND) {
      return maximise ? std::numeric_limits<double>::infinity()
                      : -std::numeric_limits<double>::infinity();
    }
    return glp_get_obj_val(lp_.get());
  }

  // The entry's value in the last solution.
  double value(std::size_t entry) const { return glp_get_col_prim(lp_.get(), column(entry)); }

 private:
  bool settled() const {
    const int s = glp_get_status(lp_.get());
    return s == GLP_OPT || s == GLP_UNBND;
  }
  int column(std::size_t entry) const {
    return L_.cell[entry] != npos ? static_cast<int>(L_.cell[entry]) + 1
                                  : static_cast<int>(L_.cells + L_.margin[entry]) + 1;
  }

  const Lattice& L_;
  std::unique_ptr<glp_prob, LpDeleter> lp_;
  glp_smcp params_;
};

// Audits `pending` (hidden entries) and returns those whose range is a
// point. Every solution is a feasible point: the values it gives all hidden
// entries widen their known ranges, and an entry already seen at two values
// more than kPoint apart needs no program.
std::vector<std::size_t> audit(AuditLp& lp, const Lattice& L, const std::vector<std::size_t>& all,
                               const std::vector<std::size_t>& pending, std::size_t& programs) {
  std::vector<double> low(L.size());
  std::vector<double> high(L.size());
  for (const std::size_t h : all) low[h] = high[h] = static_cast<double>(L.value[h]);
  const auto absorb = [&] {
    for (const std::size_t h : all) {
      const double v = lp.value(h);
      low[h] = std::min(low[h], v);
      high[h] = std::max(high[h], v);
    }
  };
  std::vector<std::size_t> exposed;
  for (const std::size_t e : pending) {
    if (high[e] - low[e] > kPoint) continue;
    ++programs;
    if (std::isinf(lp.optimise(e, true))) continue;
    absorb();
    if (high[e] - low[e] > kPoint) continue;
    ++programs;
    lp.optimise(e, false);
    absorb();
    if (high[e] - low[e] > kPoint) continue;
    exposed.push_back(e);
  }
  return exposed;
}

// ---------------------------------------------------------------------------
// The suppression pattern and how it grows.

class Protector {
 public:
  Protector(const Lattice& L, std::vector<char> fixed_shown, std::vector<char> structural)
      : L_(L),
        status_(L.size(), CellStatus::shown),
        fixed_shown_(std::move(fixed_shown)),
        structural_(std::move(structural)),
        hidden_in_line_(L.lines.size(), 0),
        fresh_(L.size(), 0),
        stamp_(L.size(), 0) {}

  const std::vector<CellStatus>& status() const { return status_; }

  void hide(std::size_t e, CellStatus why) {
    status_[e] = why;
    for (std::size_t i = L_.lines_start[e]; i < L_.lines_start[e + 1]; ++i) {
      const std::size_t l = L_.lines_list[i];
      if (++hidden_in_line_[l] == 1) work_.push_back(l);
    }
    newly_.push_back(e);
    fresh_[e] = 1;
  }

  // Secondary suppression: until no line holds exactly one hidden entry,
  // hide the cheapest available partner in such a line.
  void complete_lines() {
    while (!work_.empty()) {
      const std::size_t l = work_.back();
      work_.pop_back();
      if (hidden_in_line_[l] != 1) continue;
      std::size_t best = npos;
      L_.for_each_in_line(L_.lines[l], [&](std::size_t e) {
        if (hideable(e) && (best == npos || cheaper(e, best))) best = e;
      });
      // None: the line's other entries are known anyway; the audit decides.
      if (best != npos) hide(best, CellStatus::secondary);
    }
  }

  // Hides one more entry to free the exposed entry `e`: the cheapest
  // available in its lines, else in the lines of the nearest entries that
  // cannot be hidden (hidden already, or known). False when none is left.
  bool relieve(std::size_t e) {
    ++visit_;
    std::vector<std::size_t> frontier{e};
    std::vector<std::size_t> next;
    stamp_[e] = visit_;
    while (!frontier.empty()) {
      std::size_t best = npos;
      next.clear();
      for (const std::size_t f : frontier) {
        for (std::size_t i = L_.lines_start[f]; i < L_.lines_start[f + 1]; ++i) {
          L_.for_each_in_line(L_.lines[L_.lines_list[i]], [&](std::size_t g) {
            if (stamp_[g] == visit_) return;
            stamp_[g] = visit_;
            if (hideable(g)) {
              if (best == npos || cheaper(g, best)) best = g;
            } else {
              next.push_back(g);
            }
          });
        }
      }
      if (best != npos) {
        hide(best, CellStatus::secondary);
        return true;
      }
      frontier.swap(next);
    }
    return false;
  }

  // Whether a line through `e` holds an entry hidden since start_round().
  bool touched(std::size_t e) const {
    bool found = false;
    for (std::size_t i = L_.lines_start[e]; i < L_.lines_start[e + 1] && !found; ++i) {
      L_.for_each_in_line(L_.lines[L_.lines_list[i]],
                          [&](std::size_t g) { found = found || fresh_[g] != 0; });
    }
    return found;
  }

  // The entries hidden since start_round().
  const std::vector<std::size_t>& newly() const { return newly_; }
  void start_round() {
    for (const std::size_t e : newly_) fresh_[e] = 0;
    newly_.clear();
  }

 private:
  bool hideable(std::size_t e) const {
    if (hidden(status_[e]) || fixed_shown_[e] != 0) return false;
    if (L_.cell[e] != npos && structural_[L_.cell[e]] != 0) return false;
    return !known_zero(e);
  }

  // A zero that a shown zero margin containing it (or structural zeros)
  // already gives away: hiding it would protect nothing.
  bool known_zero(std::size_t e) const {
    if (L_.value[e] != 0) return false;
    std::vector<std::size_t> kept;
    for (std::size_t d = 0; d < L_.dims; ++d) {
      if ((L_.mask[e] >> d & 1U) != 0) kept.push_back(d);
    }
    for (std::uint32_t subset = 1; subset < (1U << kept.size()); ++subset) {
      std::uint64_t k = L_.key[e];
      for (std::size_t i = 0; i < kept.size(); ++i) {
        if ((subset >> i & 1U) == 0) continue;
        k += (L_.sizes[kept[i]] - L_.coordinate(e, kept[i])) * L_.stride[kept[i]];
      }
      const std::size_t a = L_.find(k);
      if (a != npos && !hidden(status_[a]) && L_.value[a] == 0) return true;
    }
    if (L_.margin[e] != npos) {
      const std::size_t r = L_.margin[e];
      for (std::size_t i = L_.sum_start[r]; i < L_.sum_start[r + 1]; ++i) {
        if (structural_[L_.sum_cells[i]] == 0) return false;
      }
      return true;
    }
    return false;
  }

  // An entry of a finer table first (a cell before a margin, a line's
  // members before its total): hiding a margin loses more, and its own
  // lines then need partners. Then the smallest non-zero count, then zeros,
  // then the first.
  bool cheaper(std::size_t a, std::size_t b) const {
    const int size_a = std::popcount(L_.mask[a]);
    const int size_b = std::popcount(L_.mask[b]);
    if (size_a != size_b) return size_a > size_b;
    const bool zero_a = L_.value[a] == 0;
    const bool zero_b = L_.value[b] == 0;
    if (zero_a != zero_b) return !zero_a;
    if (L_.value[a] != L_.value[b]) return L_.value[a] < L_.value[b];
    return a < b;
  }

  const Lattice& L_;
  std::vector<CellStatus> status_;
  std::vector<char> fixed_shown_;
  std::vector<char> structural_;
  std::vector<std::size_t> hidden_in_line_;
  std::vector<std::size_t> work_;
  std::vector<std::size_t> newly_;
  std::vector<char> fresh_;  // hidden since start_round()
  std::vector<std::size_t> stamp_;
  std::size_t visit_ = 0;
};

std::vector<std::size_t> hidden_entries(const std::vector<CellStatus>& status) {
  std::vector<std::size_t> out;
  for (std::size_t e = 0; e < status.size(); ++e) {
    if (hidden(status[e])) out.push_back(e);
  }
  return out;
}

// The audit of `pending`, split across threads. Each thread builds its own
// program (GLPK keeps a separate environment per thread) and frees its
// environment when done. The entries found exposed do not depend on the
// split: each is exposed or not by its exact range.
std::vector<std::size_t> audit_parallel(const Lattice& L, const std::vector<CellStatus>& status,
                                        const std::vector<char>& structural,
                                        const std::vector<std::size_t>& pending,
                                        std::size_t threads, std::size_t& programs) {
  const std::vector<std::size_t> all = hidden_entries(status);
  std::vector<std::vector<std::size_t>> slices(threads);
  for (std::size_t i = 0; i < pending.size(); ++i) {
    slices[i * threads / pending.size()].push_back(pending[i]);
  }
  std::vector<std::vector<std::size_t>> found(threads);
  std::vector<std::size_t> counted(threads, 0);
  std::vector<std::exception_ptr> failed(threads);
  std::vector<std::thread> pool;
  for (std::size_t t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      try {
        {
          AuditLp lp(L, status, structural);
          found[t] = audit(lp, L, all, slices[t], counted[t]);
        }
      } catch (...) {
        failed[t] = std::current_exception();
      }
      glp_free_env();
    });
  }
  for (auto& thread : pool) thread.join();
  for (const auto& f : failed) {
    if (f) std::rethrow_exception(f);
  }
  std::vector<std::size_t> exposed;
  for (std::size_t t = 0; t < threads; ++t) {
    programs += counted[t];
    exposed.insert(exposed.end(), found[t].begin(), found[t].end());
  }
  std::sort(exposed.begin(), exposed.end());
  return exposed;
}

std::vector<std::size_t> entries_of(const Lattice& L,
                                    const std::vector<std::vector<std::size_t>>& list,
                                    const char* what) {
  std::vector<std::size_t> out;
  for (const auto& coordinates : list) {
    const std::uint64_t k = L.key_of(coordinates);
    const std::size_t e = k == npos ? npos : L.find(k);
    if (e == npos) {
      throw usage(
          fmt::format("suppress_cube: an entry to {} is not a published cell or margin", what));
    }
    out.push_back(e);
  }
  return out;
}

bool is_integer(const std::string& s) {
  if (s.empty()) return false;
  long long v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace

// ---------------------------------------------------------------------------
// Cubes

std::size_t CountCube::cell_count() const {
  std::size_t n = 1;
  for (const auto& l : labels) n *= l.size();
  return n;
}

std::size_t CountCube::cell_index(const std::vector<std::size_t>& coordinates) const {
  if (coordinates.size() != labels.size()) {
    throw usage(fmt::format("cell_index: {} coordinates for {} dimensions", coordinates.size(),
                            labels.size()));
  }
  std::size_t index = 0;
  for (std::size_t d = 0; d < labels.size(); ++d) {
    if (coordinates[d] >= labels[d].size()) {
      throw usage(
          fmt::format("cell_index: coordinate {} out of range in dimension {}", coordinates[d], d));
    }
    index = index * labels[d].size() + coordinates[d];
  }
  return index;
}

CountCube count_cube(const CategoricalTable& table, const std::vector<std::string>& columns,
                     const CountCubeOptions& options) {
  if (columns.empty()) throw usage("count_cube: name at least one column");
  CountCube cube;
  std::vector<std::size_t> source;
  // Per dimension, the label index of each code (code 0: missing).
  std::vector<std::vector<std::size_t>> label_of;
  for (const auto& name : columns) {
    if (std::find(cube.dimensions.begin(), cube.dimensions.end(), name) != cube.dimensions.end()) {
      throw usage(fmt::format("count_cube: column \"{}\" named twice", name));
    }
    const std::size_t c = table.column(name);
    source.push_back(c);
    cube.dimensions.push_back(name);
    const auto& values = table.values[c];
    std::vector<std::size_t> order(values.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    const bool numeric = std::all_of(values.begin(), values.end(), is_integer);
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      if (numeric) return std::stoll(values[a]) < std::stoll(values[b]);
      return values[a] < values[b];
    });
    std::vector<std::string> labels;
    std::vector<std::size_t> map(values.size() + 1, npos);
    for (const std::size_t i : order) {
      if (values[i] == options.missing_label && options.missing == MissingCategory::label) {
        throw usage(fmt::format(
            "count_cube: column \"{}\" has a value equal to the missing label; choose another",
            name));
      }
      map[i + 1] = labels.size();
      labels.push_back(values[i]);
    }
    const auto& codes = table.codes[c];
    if (options.missing == MissingCategory::label &&
        std::find(codes.begin(), codes.end(), 0U) != codes.end()) {
      map[0] = labels.size();
      labels.push_back(options.missing_label);
    }
    cube.labels.push_back(std::move(labels));
    label_of.push_back(std::move(map));
  }
  std::size_t cells = 1;
  for (const auto& labels : cube.labels) {
    if (labels.empty() || labels.size() > kMaxCells / cells) {
      throw usage(labels.empty() ? "count_cube: a column has no value to count"
                                 : "count_cube: too many combinations of values");
    }
    cells *= labels.size();
  }
  cube.counts.assign(cells, 0);
  for (std::size_t r = 0; r < table.rows(); ++r) {
    std::size_t index = 0;
    bool counted = true;
    for (std::size_t d = 0; d < source.size() && counted; ++d) {
      const std::size_t label = label_of[d][table.codes[source[d]][r]];
      counted = label != npos;  // missing, and dropped
      index = index * cube.labels[d].size() + label;
    }
    if (counted) ++cube.counts[index];
  }
  return cube;
}

std::size_t SafeCube::find(const std::vector<std::size_t>& coordinates) const {
  const auto it = std::lower_bound(
      entries.begin(), entries.end(), coordinates,
      [](const CubeEntry& e, const std::vector<std::size_t>& c) { return e.coordinates < c; });
  return it != entries.end() && it->coordinates == coordinates
             ? static_cast<std::size_t>(it - entries.begin())
             : entries.size();
}

const CubeEntry& SafeCube::entry(const std::vector<std::size_t>& coordinates) const {
  const std::size_t e = find(coordinates);
  if (e == entries.size()) throw usage("SafeCube::entry: not a published cell or margin");
  return entries[e];
}

SafeCube suppress_cube(const CountCube& cube, std::int64_t min_cell, const CubeOptions& options) {
  if (min_cell < 1) throw usage("suppress_cube: min_cell must be 1 or more");
  validate_cube(cube, "suppress_cube");
  const Lattice L = build_lattice(cube, options.tables);

  std::vector<char> structural(L.cells, 0);
  for (const std::size_t c : options.structural_zeros) {
    if (c >= L.cells) throw usage("suppress_cube: a structural zero is not a cell");
    if (cube.counts[c] != 0) throw usage("suppress_cube: a structural zero has a count");
    structural[c] = 1;
  }
  std::vector<char> fixed_shown(L.size(), 0);
  for (const std::size_t e : entries_of(L, options.show, "show")) fixed_shown[e] = 1;
  const std::vector<std::size_t> to_hide = entries_of(L, options.hide, "hide");
  for (const std::size_t e : to_hide) {
    if (fixed_shown[e] != 0) throw usage("suppress_cube: an entry both to hide and to show");
  }

  Protector p(L, fixed_shown, structural);
  for (std::size_t e = 0; e < L.size(); ++e) {
    if (fixed_shown[e] == 0 && L.value[e] > 0 && L.value[e] < min_cell) {
      p.hide(e, CellStatus::primary);
    }
  }
  for (const std::size_t e : to_hide) {
    if (!hidden(p.status()[e])) p.hide(e, CellStatus::secondary);
  }
  p.complete_lines();

  SafeCube safe;
  const std::size_t threads = detail::worker_count(options.threads);
  std::unique_ptr<AuditLp> lp;  // one program, kept across rounds, when on one thread
  std::vector<std::size_t> pending = hidden_entries(p.status());
  p.start_round();
  for (;;) {
    ++safe.audit_rounds;
    std::vector<std::size_t> exposed;
    // A thread builds its own program: worth it for a share of many audits.
    const std::size_t share = std::min(threads, pending.size() / kEntriesPerThread);
    if (share > 1) {
      exposed = audit_parallel(L, p.status(), structural, pending, share, safe.linear_programs);
    } else {
      if (!lp) lp = std::make_unique<AuditLp>(L, p.status(), structural);
      exposed = audit(*lp, L, hidden_entries(p.status()), pending, safe.linear_programs);
    }
    if (exposed.empty()) break;
    // Free the exposed entries one by one; an entry whose lines changed in
    // this round may be free already and waits for the next audit, so that
    // one new hidden entry is not matched by several.
    for (const std::size_t e : exposed) {
      if (p.touched(e)) continue;
      if (!p.relieve(e)) {
        if (!options.show.empty()) {
          throw usage(
              "suppress_cube: the entries given to show determine a hidden entry; it cannot be "
              "protected");
        }
        throw Error(Error::Kind::internal, "suppress_cube: a hidden entry cannot be protected");
      }
      p.complete_lines();
    }
    pending = exposed;
    pending.insert(pending.end(), p.newly().begin(), p.newly().end());
    std::sort(pending.begin(), pending.end());
    pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
    if (lp) {
      for (const std::size_t e : p.newly()) lp->hide(e);
    }
    p.start_round();
  }

  safe.cube = cube;
  safe.min_cell = min_cell;
  for (const std::uint32_t m : L.masks) {
    std::vector<std::size_t> dims;
    for (std::size_t d = 0; d < L.dims; ++d) {
      if ((m >> d & 1U) != 0) dims.push_back(d);
    }
    safe.tables.push_back(std::move(dims));
  }
  for (std::size_t c = 0; c < L.cells; ++c) {
    if (structural[c] != 0) safe.structural_zeros.push_back(c);
  }
  safe.entries.resize(L.size());
  for (std::size_t e = 0; e < L.size(); ++e) {
    CubeEntry& out = safe.entries[e];
    out.coordinates = L.coordinates(e);
    out.count = L.value[e];
    out.status = p.status()[e];
    if (out.status == CellStatus::primary) ++safe.primary;
    if (out.status == CellStatus::secondary) {
      ++safe.secondary;
      safe.secondary_mass += out.count;
    }
  }
  return safe;
}

CellRange feasible_range(const SafeCube& safe, std::size_t entry) {
  if (entry >= safe.entries.size() || !safe.entries[entry].hidden()) {
    throw usage("feasible_range: the entry is not suppressed");
  }
  validate_cube(safe.cube, "feasible_range");
  const Lattice L = build_lattice(safe.cube, safe.tables);
  if (L.size() != safe.entries.size()) {
    throw usage("feasible_range: the entries do not match the published tables");
  }
  std::vector<CellStatus> status(L.size());
  for (std::size_t e = 0; e < L.size(); ++e) status[e] = safe.entries[e].status;
  std::vector<char> structural(L.cells, 0);
  for (const std::size_t c : safe.structural_zeros) {
    if (c < L.cells) structural[c] = 1;
  }
  AuditLp lp(L, status, structural);
  CellRange range;
  range.high = lp.optimise(entry, true);
  range.low = lp.optimise(entry, false);
  return range;
}

std::string to_long_csv(const SafeCube& safe, const std::string& total_label) {
  const CountCube& cube = safe.cube;
  for (std::size_t d = 0; d < cube.labels.size(); ++d) {
    for (const auto& label : cube.labels[d]) {
      if (label == total_label) {
        throw usage(fmt::format(
            "to_long_csv: dimension \"{}\" has a label \"{}\", the text of a total; choose "
            "another total label",
            cube.dimensions[d], total_label));
      }
    }
  }
  std::string out;
  for (const auto& name : cube.dimensions) out += io::csv_escape(name) + ",";
  out += "count,status\n";
  for (const CubeEntry& e : safe.entries) {
    for (std::size_t d = 0; d < e.coordinates.size(); ++d) {
      const std::size_t c = e.coordinates[d];
      out += io::csv_escape(c == kTotal ? total_label : cube.labels[d][c]) + ",";
    }
    out += e.hidden() ? std::string("suppressed") : std::to_string(e.count);
    out += e.status == CellStatus::shown     ? ",shown\n"
           : e.status == CellStatus::primary ? ",primary\n"
                                             : ",secondary\n";
  }
  return out;
}

// ---------------------------------------------------------------------------
// Two-way tables

namespace {

// The table as a cube whose labels are the row and column numbers (a two-
// way table's labels need not be distinct).
CountCube cube_of(const CountTable& table) {
  CountCube cube;
  cube.dimensions = {"row", "column"};
  cube.labels.resize(2);
  for (std::size_t r = 0; r < table.row_labels.size(); ++r) {
    cube.labels[0].push_back(std::to_string(r));
  }
  for (std::size_t c = 0; c < table.column_labels.size(); ++c) {
    cube.labels[1].push_back(std::to_string(c));
  }
  for (const auto& row : table.counts)
    cube.counts.insert(cube.counts.end(), row.begin(), row.end());
  return cube;
}

void validate_table(const CountTable& table, const char* who) {
  const std::size_t rows = table.row_labels.size();
  const std::size_t columns = table.column_labels.size();
  if (table.counts.size() != rows) {
    throw usage(fmt::format("{}: one row of counts per row label is needed", who));
  }
  for (std::size_t r = 0; r < rows; ++r) {
    if (table.counts[r].size() != columns) {
      throw usage(fmt::format("{}: row {} has {} counts for {} columns", who, r + 1,
                              table.counts[r].size(), columns));
    }
    for (const std::int64_t n : table.counts[r]) {
      if (n < 0) throw usage(fmt::format("{}: counts cannot be negative", who));
    }
  }
}

}  // namespace

SafeTable suppress_table(const CountTable& table, std::int64_t min_cell) {
  if (min_cell < 1) throw usage("suppress_table: min_cell must be 1 or more");
  validate_table(table, "suppress_table");
  const std::size_t rows = table.row_labels.size();
  const std::size_t columns = table.column_labels.size();
  SafeTable safe;
  safe.table = table;
  safe.status.assign(rows, std::vector<CellStatus>(columns, CellStatus::shown));
  safe.row_totals.assign(rows, 0);
  safe.column_totals.assign(columns, 0);
  safe.row_total_suppressed.assign(rows, false);
  safe.column_total_suppressed.assign(columns, false);
  if (rows == 0 || columns == 0) return safe;  // nothing to publish but zeros

  const SafeCube cube = suppress_cube(cube_of(table), min_cell);
  for (const CubeEntry& e : cube.entries) {
    const std::size_t r = e.coordinates[0];
    const std::size_t c = e.coordinates[1];
    if (r != kTotal && c != kTotal) {
      safe.status[r][c] = e.status;
      if (e.status == CellStatus::primary) ++safe.primary;
      if (e.status == CellStatus::secondary) {
        ++safe.secondary;
        safe.secondary_mass += e.count;
      }
      continue;
    }
    if (e.status == CellStatus::secondary) ++safe.margins_withheld;
    if (r != kTotal) {
      safe.row_totals[r] = e.count;
      safe.row_total_suppressed[r] = e.hidden();
    } else if (c != kTotal) {
      safe.column_totals[c] = e.count;
      safe.column_total_suppressed[c] = e.hidden();
    } else {
      safe.total = e.count;
      safe.total_suppressed = e.hidden();
    }
  }
  return safe;
}

CellRange feasible_range(const SafeTable& safe, std::size_t row, std::size_t column) {
  const std::size_t rows = safe.table.row_labels.size();
  const std::size_t columns = safe.table.column_labels.size();
  if (row >= rows || column >= columns || safe.status.size() != rows ||
      safe.status[row].size() != columns || !hidden(safe.status[row][column])) {
    throw usage("feasible_range: the cell is not suppressed");
  }
  validate_table(safe.table, "feasible_range");
  // The statuses of `safe` on the cube's entries (hidden margins are
  // hidden; which reason does not matter to the auditor).
  SafeCube cube;
  cube.cube = cube_of(safe.table);
  cube.min_cell = 1;
  cube.tables = {{}, {0}, {1}, {0, 1}};
  for (std::size_t r = 0; r <= rows; ++r) {
    for (std::size_t c = 0; c <= columns; ++c) {
      CubeEntry e;
      e.coordinates = {r == rows ? kTotal : r, c == columns ? kTotal : c};
      bool is_hidden = false;
      if (r < rows && c < columns) {
        is_hidden = hidden(safe.status[r][c]);
        e.count = safe.table.counts[r][c];
      } else if (r < rows) {
        is_hidden = r < safe.row_total_suppressed.size() && safe.row_total_suppressed[r];
      } else if (c < columns) {
        is_hidden = c < safe.column_total_suppressed.size() && safe.column_total_suppressed[c];
      } else {
        is_hidden = safe.total_suppressed;
      }
      e.status = is_hidden ? CellStatus::secondary : CellStatus::shown;
      cube.entries.push_back(std::move(e));
    }
  }
  return feasible_range(cube, cube.find({row, column}));
}

std::string to_csv(const SafeTable& safe, const std::string& row_name) {
  const auto quote = [](const std::string& s) { return io::csv_escape(s); };
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
