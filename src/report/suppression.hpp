// Small-cell suppression for published tables: which counts of victims may
// be shown.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace vigil::report {

// Suppresses counts from 1 to min_cell - 1 and records where. Zero is
// shown: it describes no one, and suppressing it would force secondary
// suppression of large cells beside every empty category.
class Suppressor {
 public:
  explicit Suppressor(std::int64_t min_cell) : min_cell_(min_cell) {}

  // A count from 1 to min_cell - 1.
  bool small(double count) const {
    return std::isfinite(count) && count > 0.0 && count < static_cast<double>(min_cell_);
  }

  // The count, or NaN (recorded) when it is below the threshold.
  double cell(double count, const std::string& where) {
    if (!small(count)) return count;
    suppressed_.push_back({where, fmt::format("count from 1 to {}", min_cell_ - 1)});
    return NAN;
  }

  // cell() for each count, with no secondary suppression: for cells that
  // share no shown total (a multiple-response group).
  std::vector<double> cells(const std::vector<double>& counts,
                            const std::vector<std::string>& where) {
    std::vector<double> out(counts.size());
    for (std::size_t i = 0; i < counts.size(); ++i) out[i] = cell(counts[i], where[i]);
    return out;
  }

  // Cells of one group whose total is shown: small ones are suppressed, and
  // when exactly one is, the smallest remaining one goes too, so that the
  // small one cannot be recovered from the total.
  std::vector<double> group(const std::vector<double>& counts,
                            const std::vector<std::string>& where) {
    std::vector<double> out = cells(counts, where);
    const auto suppressed = static_cast<std::size_t>(
        std::count_if(out.begin(), out.end(), [](double v) { return std::isnan(v); }));
    if (suppressed == 1 && counts.size() > 1) {
      std::size_t smallest = counts.size();
      for (std::size_t i = 0; i < counts.size(); ++i) {
        if (std::isnan(out[i])) continue;
        if (smallest == counts.size() || counts[i] < counts[smallest]) smallest = i;
      }
      if (smallest < counts.size()) {
        out[smallest] = NAN;
        suppressed_.push_back(
            {where[smallest], "secondary: it would reveal a suppressed cell of the same total"});
      }
    }
    return out;
  }

  std::int64_t min_cell() const { return min_cell_; }
  const std::vector<Suppression>& suppressed() const { return suppressed_; }

 private:
  std::int64_t min_cell_;
  std::vector<Suppression> suppressed_;
};

}  // namespace vigil::report
