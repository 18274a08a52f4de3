// k-anonymisation by global recoding: the quasi-identifiers (QIs) of a table
// are generalised along hierarchies (hierarchy.hpp), every record of a
// column to the same level, and the records that still sit in too small (or
// too uniform) classes are removed, within a budget. Of all the ways to do
// this (the generalisation lattice: one level per QI) the one that loses
// least information, by a chosen utility measure, is returned. This is the
// job ARX does ("global transformation with record suppression"; Prasser &
// Kohlmayer 2015, "Putting statistical disclosure control into practice:
// the ARX data anonymization tool", in Medical Data Privacy Handbook).
//
// Privacy models, on the released table, every class being the records that
// agree on every generalised QI (missing values count as a value, as
// MissingValues::category in check.hpp):
//   - k-anonymity (Sweeney 2002): every class holds at least k records;
//   - distinct l-diversity (Machanavajjhala et al. 2007), when l is given:
//     every class shows at least l distinct non-missing values of every
//     sensitive column.
// A class that violates either is suppressed: its records are removed from
// the release. A lattice node is a solution when the records suppressed are
// at most max_suppression of all records.
//
// Utility measures, lower is better:
//   - loss: the loss metric of Iyengar (2002, "Transforming data to satisfy
//     privacy constraints", KDD, 279-288), ARX's "Loss". For a record and a
//     QI generalised to value g: (leaves under g - 1) / (leaves - 1), where
//     the leaves are the column's distinct values in the table (a missing
//     value is one leaf more, which only the top level merges); 0 for a
//     column of one leaf. A suppressed record loses 1 on every QI. The
//     measure is the mean over records and QIs, in [0, 1].
//   - discernibility: Bayardo & Agrawal (2005, "Data privacy through optimal
//     k-anonymization", ICDE, 217-228): the sum over released classes of
//     the class size squared, plus n for every suppressed record (n = the
//     number of records).
//
// The search is exact (not greedy) and deterministic. It rests on two facts
// of global recoding (Kohlmayer et al. 2012, "Flash: efficient, stable and
// optimal k-anonymity", PASSAT; El Emam et al. 2009, "A globally optimal
// k-anonymity method for the de-identification of health data", JAMIA
// 16(5):670-682):
//   - monotonicity: generalising a QI merges whole classes, so a class that
//     violates k or l after the merge was made of classes that all violated
//     before it; the records a node must suppress are a subset of those of
//     any less general node. So the most general node suppresses the fewest
//     records: when it is no solution, no node is (one evaluation tells).
//     And the sum of squared class sizes only grows up the lattice.
//   - bounds: the loss of the generalisation alone, with no record
//     suppressed, is a sum over QIs of per-level terms computed once from
//     value frequencies, never above the node's loss (a suppressed record
//     loses 1, the most it can lose) and equal to it when nothing is
//     suppressed. Nodes are evaluated in increasing order of this bound and
//     the search stops when the bound exceeds the best loss found: every
//     node left has a larger loss. For discernibility, nodes are evaluated
//     from the bottom up; the sum of squared class sizes with nothing
//     suppressed never exceeds the measure (a suppressed record costs n, its
//     class size at most) and, by monotonicity, bounds every node above, so
//     a node is skipped when a node below it already reaches the best
//     measure found.
// In both orders a node comes after every node below it, so "a solution's
// successors are solutions" and "a non-solution's predecessors are not"
// would never save an evaluation and are not used beyond the first test.
// Ties (equal measures) go to the node with the lower total level, then the
// lexicographically smaller levels (in quasi_identifiers order).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "publish/check.hpp"
#include "publish/hierarchy.hpp"

namespace vigil::publish {

enum class UtilityMeasure { loss, discernibility };

struct AnonymiseOptions {
  std::vector<std::string> quasi_identifiers;  // at least one
  // Per QI (by column name); a QI without an entry gets
  // default_hierarchy(table, column).
  std::map<std::string, Hierarchy> hierarchies;
  std::vector<std::string> sensitive;  // needed by l; released unchanged
  std::size_t k = 5;                   // >= 1
  std::optional<std::size_t> l;        // >= 1 when set; distinct l-diversity
  // The largest share of records that may be removed, in [0, 1]. CTDC's
  // codebook notes that k-anonymising its 2018 data would have suppressed
  // about 40% of the records; the budget makes that choice explicit.
  double max_suppression = 0.05;
  UtilityMeasure measure = UtilityMeasure::loss;
  int threads = 0;  // 0: every core; the result does not depend on it
  // Called on the calling thread after each batch of lattice nodes with the
  // nodes settled so far (evaluated or ruled out) and the lattice size, and
  // once with done == total at the end. The library prints nothing.
  std::function<void(std::size_t done, std::size_t total)> progress;
};

// What happened to one quasi-identifier.
struct QuasiIdentifierSummary {
  std::string column;
  std::string hierarchy;  // Hierarchy::name()
  std::size_t level = 0;  // chosen, 0..height
  std::size_t height = 0;
  std::string level_name;
  std::size_t values_before = 0;  // distinct non-missing values in the input
  std::size_t values_after = 0;   // in the released table
  // The loss metric of this QI alone (mean over every input record,
  // suppressed records losing 1).
  double loss = 0.0;
};

struct AnonymiseResult {
  // Whether some lattice node is a solution. When not, `reason` says why and
  // `table` has the input's columns and no rows.
  bool found = false;
  std::string reason;
  // The release: QIs generalised to `levels`, the other columns unchanged,
  // suppressed records removed, rows in input order. Every column is
  // re-encoded (codes in order of first appearance).
  CategoricalTable table;
  std::vector<std::size_t> levels;  // per QI, in quasi_identifiers order
  std::vector<QuasiIdentifierSummary> quasi_identifiers;
  std::size_t records = 0;     // in the input
  std::size_t suppressed = 0;  // removed
  double suppressed_share = 0.0;
  std::size_t max_suppressed = 0;  // the budget in records
  UtilityMeasure measure = UtilityMeasure::loss;
  double measure_value = 0.0;  // loss or discernibility, as chosen
  double loss = 0.0;
  std::uint64_t discernibility = 0;
  std::size_t classes = 0;  // equivalence classes in the release
  double average_class_size = 0.0;
  std::size_t lattice_size = 0;
  std::size_t nodes_evaluated = 0;  // nodes whose classes were computed
};

// Throws vigil::Error (usage) for k < 1, l < 1, l without sensitive columns,
// max_suppression outside [0, 1], negative threads, no QI, a column named
// twice, a column both QI and sensitive, a hierarchy for a column that is
// not a QI, a hierarchy above 255 levels, a lattice of more than 2^24
// nodes; (input) for a column the
// table does not have or a QI value its hierarchy does not cover.
AnonymiseResult anonymise(const CategoricalTable& table, const AnonymiseOptions& options);

// The released table's anonymity as check_anonymity (category mode) measures
// it, with the options' QIs, sensitive columns, k and l.
CheckResult check_release(const AnonymiseResult& result, const AnonymiseOptions& options);

}  // namespace vigil::publish
