// Internal to src/glm: small pieces the fitters (glm.cpp, fixed_effects.cpp)
// and the inference share, so that their covariances and messages are laid
// out one way.
#pragma once

#include <Eigen/Dense>
#include <limits>
#include <string>
#include <vector>

namespace vigil::glm::detail {

// Scatters a matrix over the kept (non-aliased) columns into the full
// column indexing, NaN in the rows and columns of the others: the layout of
// GlmFit::covariance and FixedEffectsPoissonFit::covariance.
inline Eigen::MatrixXd expand_covariance(const Eigen::MatrixXd& compact,
                                         const std::vector<Eigen::Index>& kept, Eigen::Index cols) {
  Eigen::MatrixXd full =
      Eigen::MatrixXd::Constant(cols, cols, std::numeric_limits<double>::quiet_NaN());
  for (std::size_t a = 0; a < kept.size(); ++a) {
    for (std::size_t b = 0; b < kept.size(); ++b) {
      full(kept[a], kept[b]) = compact(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b));
    }
  }
  return full;
}

// "2, 5": the aliased columns, counted from 1 as a user counts them.
inline std::string aliased_column_list(const std::vector<bool>& aliased) {
  std::string list;
  for (std::size_t j = 0; j < aliased.size(); ++j) {
    if (!aliased[j]) continue;
    if (!list.empty()) list += ", ";
    list += std::to_string(j + 1);
  }
  return list;
}

}  // namespace vigil::glm::detail
