// glm::read_data_frame (`vigil glm DATA.csv`): column types, missing cells,
// then a model of the first column on all the others, as a user would write
// it, so that what the reader decided (numeric or text, missing or not) is
// what build_model_matrix relies on.
//
// Input: the file's bytes.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "glm/formula.hpp"

VIGIL_FUZZ_TARGET(data_frame) {
  using vigil::fuzz::check;
  using vigil::glm::DataFrame;
  vigil::fuzz::expect_clean([&] {
    std::istringstream in{std::string(vigil::fuzz::as_text(data, size))};
    const DataFrame frame = vigil::glm::read_data_frame(in, "fuzz.csv");
    const std::vector<std::string> names = frame.column_names();
    check(names.size() == frame.column_count(), "a name per column");
    for (const std::string& name : names) {
      const std::vector<bool> missing = frame.missing_cells(name);
      check(missing.size() == frame.row_count(), "a missing flag per row");
      if (frame.column_type(name) == DataFrame::ColumnType::numeric) {
        check(frame.numeric_column(name).size() == frame.row_count(), "a number per row");
      } else {
        check(frame.string_column(name).size() == frame.row_count(), "a string per row");
      }
      for (std::size_t row = 0; row < frame.row_count(); ++row) {
        check(frame.is_missing(name, row) == missing[row], "is_missing agrees with missing_cells");
        check(frame.cell_position(name, row).line > 1, "cells come after the header");
      }
    }
    // `first` ~ `second` + ...: names with a backquote cannot be written in
    // a formula at all.
    if (names.size() < 2) return;
    std::string text;
    for (std::size_t index = 0; index < names.size(); ++index) {
      if (names[index].find('`') != std::string::npos) return;
      text += (index == 0 ? "" : index == 1 ? " ~ " : " + ") + ("`" + names[index] + "`");
    }
    const vigil::glm::ModelMatrix mm =
        vigil::glm::build_model_matrix(vigil::glm::parse_formula(text), frame);
    check(mm.x.allFinite(), "the design matrix is finite");
  });
  return 0;
}
