// glm::parse_formula (`vigil glm --formula`, `vigil nexus`), and for every
// formula it accepts the design matrix over a small fixed data frame: the
// expansion into terms, factor coding, arithmetic and the domain checks.
//
// Input: the formula's text.
#include "glm/formula.hpp"

#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "fuzz_target.hpp"

namespace {

// Numbers with zeros, negatives, a missing value and huge values (for the
// domain and finiteness checks), factors with three levels and with one, and
// a name that needs backquotes.
constexpr const char* kFrame =
    "y,x,z,g,h,n,year,pop,s,f,odd name,big\n"
    "3,1.5,0,a,k,1,2010,1000,2,5,1,1e300\n"
    "0,2,-1,b,k,NA,2011,2000,0,3,2,1e300\n"
    "7,0.25,2,c,k,3,2012,1500,4,0,3,-1e300\n"
    "1,4,1,a,k,,2010,800,1,1,4,1\n"
    "5,8,-3,b,k,2,2011,1200,3,2,5,2\n";

const vigil::glm::DataFrame& frame() {
  static const vigil::glm::DataFrame instance = [] {
    std::istringstream in(kFrame);
    return vigil::glm::read_data_frame(in, "frame.csv");
  }();
  return instance;
}

}  // namespace

VIGIL_FUZZ_TARGET(formula) {
  using vigil::fuzz::check;
  const std::string_view text = vigil::fuzz::as_text(data, size);
  vigil::fuzz::expect_clean([&] {
    const vigil::glm::Formula formula = vigil::glm::parse_formula(text);
    check(formula.text() == text, "the formula keeps its text");
    const vigil::glm::ModelMatrix mm = vigil::glm::build_model_matrix(formula, frame());
    check(static_cast<std::size_t>(mm.x.cols()) == mm.column_names.size() &&
              mm.assign.size() == mm.column_names.size(),
          "one name and one term per column");
    check(static_cast<std::size_t>(mm.x.rows()) == mm.rows_used.size() &&
              mm.rows_used.size() + mm.rows_dropped == frame().row_count(),
          "every row used or dropped");
    check(mm.x.allFinite(), "the design matrix is finite");
  });
  return 0;
}
