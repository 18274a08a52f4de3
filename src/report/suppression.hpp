// Small-cell suppression for the report: which counts of victims may be
// shown, and a record of where each was hidden and why.
//
// Every table of counts the report publishes goes through
// publish::suppress_cube (publish/aggregate.hpp): primary suppression of
// counts from 1 to min_cell - 1, secondary suppression in every line of the
// table and of its margins, and the linear-programming audit that solves for
// each hidden count from everything published (Cox 1980). This class is the
// adapter between those tables and the report's charts and sentences: it
// protects a table, gives the value to show for each entry (NaN when
// hidden), and records every suppression with the place it was shown and
// its reason (primary: a small count; secondary: hidden so that another
// cannot be recomputed). Zero is shown: it describes no one.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "publish/aggregate.hpp"
#include "report/report.hpp"

namespace vigil::report {

class Suppressor {
 public:
  explicit Suppressor(std::int64_t min_cell, int threads = 1)
      : min_cell_(min_cell), threads_(threads) {}

  // A count from 1 to min_cell - 1.
  bool small(double count) const {
    return std::isfinite(count) && count > 0.0 && count < static_cast<double>(min_cell_);
  }

  // A lone count, part of no published sum: the count, or NaN (recorded)
  // when it is small.
  double cell(double count, const std::string& where) {
    if (!small(count)) return count;
    suppressed_.push_back({where, primary_reason()});
    return NAN;
  }

  // cell() for each count: for counts that share no shown total (a
  // multiple-response group, where a person counts in several categories).
  std::vector<double> cells(const std::vector<double>& counts,
                            const std::vector<std::string>& where) {
    std::vector<double> out(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) out[i] = cell(counts[i], where[i]);
    return out;
  }

  // The categories of one group whose total is shown anyway: a one-way
  // table with its total forced shown, protected by suppress_cube. Throws
  // vigil::Error (usage) when the total alone gives a small count away (a
  // group of one category).
  std::vector<double> group(const std::vector<double>& counts,
                            const std::vector<std::string>& where) {
    publish::CountCube cube;
    cube.dimensions = {"category"};
    cube.labels.emplace_back();
    for (std::size_t i = 0; i < counts.size(); ++i) {
      cube.labels[0].push_back(std::to_string(i));
      cube.counts.push_back(static_cast<std::int64_t>(std::llround(counts[i])));
    }
    publish::CubeOptions options;
    options.show = {{publish::kTotal}};
    const publish::SafeCube safe = protect(cube, options);
    record(safe, [&](const std::vector<std::size_t>& c) {
      return c[0] == publish::kTotal ? std::string() : where[c[0]];
    });
    std::vector<double> out;
    for (std::size_t i = 0; i < counts.size(); ++i) out.push_back(value(safe, {i}));
    return out;
  }

  // Protects a table with the report's threshold, recording nothing: linked
  // tables are protected until they agree, then recorded.
  publish::SafeCube protect(const publish::CountCube& cube, publish::CubeOptions options) const {
    options.threads = threads_;
    return publish::suppress_cube(cube, min_cell_, options);
  }

  // Records every hidden entry of a protected table that the report shows;
  // `where` names an entry by its coordinates ("Victims per year, foreign,
  // 2019"), or returns "" for an entry the report does not show (it is
  // protected all the same, since the reader can compute it). Primary
  // suppressions first, then secondary ones.
  void record(const publish::SafeCube& safe,
              const std::function<std::string(const std::vector<std::size_t>&)>& where) {
    for (const publish::CellStatus pass :
         {publish::CellStatus::primary, publish::CellStatus::secondary}) {
      for (const publish::CubeEntry& e : safe.entries) {
        if (e.status != pass) continue;
        const std::string name = where(e.coordinates);
        if (name.empty()) continue;
        suppressed_.push_back({name, pass == publish::CellStatus::primary
                                         ? primary_reason()
                                         : std::string(kSecondaryReason)});
      }
    }
  }

  // What the report shows for an entry: its count, or NaN when hidden.
  static double value(const publish::SafeCube& safe, const std::vector<std::size_t>& coordinates) {
    const publish::CubeEntry& e = safe.entry(coordinates);
    return e.hidden() ? NAN : static_cast<double>(e.count);
  }

  std::int64_t min_cell() const { return min_cell_; }
  const std::vector<Suppression>& suppressed() const { return suppressed_; }

  static constexpr const char* kSecondaryReason =
      "secondary: hidden so that a suppressed count cannot be recomputed from the totals";

 private:
  std::string primary_reason() const { return fmt::format("count from 1 to {}", min_cell_ - 1); }

  std::int64_t min_cell_;
  int threads_;
  std::vector<Suppression> suppressed_;
};

}  // namespace vigil::report
