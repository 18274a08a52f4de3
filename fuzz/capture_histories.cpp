// mse::read_capture_histories and read_stratified_capture_histories (`vigil
// mse FILE [--strata COLUMN]`), then the main-effects log-linear model and
// Chao's lower bound fitted to every small table read, as `vigil mse` does
// with the file, so that extreme counts reach the estimators.
//
// Input: one control byte, then the file's bytes.
//   bit 0  stratified: the column named "s" holds the strata;
//   bit 1  fit the models (tables of at most 5 lists, to stay fast).
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "mse/mse.hpp"

namespace {

void fit(const vigil::mse::CaptureHistories& table) {
  using vigil::fuzz::check;
  if (table.list_count() > 5) return;
  const vigil::mse::MseResult main = vigil::mse::fit_log_linear(table, {});
  check(main.observed == table.observed(), "the fit counts the people observed");
  (void)vigil::mse::fit_closed_population_model(table, vigil::mse::ClosedPopulationModel::mh_chao);
}

}  // namespace

VIGIL_FUZZ_TARGET(capture_histories) {
  using vigil::fuzz::check;
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string text(vigil::fuzz::as_text(data + 1, size - 1));
  vigil::fuzz::expect_clean([&] {
    std::istringstream in(text);
    std::vector<vigil::mse::CaptureHistories> tables;
    if ((control & 1U) != 0) {
      for (auto& stratum : vigil::mse::read_stratified_capture_histories(in, "fuzz.csv", "s")) {
        tables.push_back(std::move(stratum.table));
      }
    } else {
      tables.push_back(vigil::mse::read_capture_histories(in, "fuzz.csv"));
    }
    for (const auto& table : tables) {
      check(table.list_count() >= 2 && table.list_count() <= 16, "2 to 16 lists");
      check(table.cell_count() == (1U << table.list_count()), "2^k cells");
      check(table.count(0) == 0, "nobody is observed on no list");
      if ((control & 2U) != 0) fit(table);
    }
  });
  return 0;
}
