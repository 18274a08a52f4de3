#include "mse/existence.hpp"

#include <glpk.h>

#include <algorithm>
#include <vector>

#include "core/error.hpp"

namespace vigil::mse::detail {

bool has_positive_table(const Eigen::MatrixXd& design, const Eigen::VectorXd& response) {
  const auto rows = static_cast<int>(design.rows());
  const auto columns = static_cast<int>(design.cols());
  const Eigen::VectorXd margins = design.transpose() * response;
  glp_prob* lp = glp_create_prob();
  glp_set_obj_dir(lp, GLP_MAX);
  glp_add_rows(lp, columns + rows);
  glp_add_cols(lp, rows + 1);
  for (int column = 1; column <= rows; ++column) glp_set_col_bnds(lp, column, GLP_LO, 0, 0);
  glp_set_col_bnds(lp, rows + 1, GLP_LO, 0, 0);
  glp_set_obj_coef(lp, rows + 1, 1.0);
  std::vector<int> ia{0};
  std::vector<int> ja{0};
  std::vector<double> ar{0};
  for (int parameter = 0; parameter < columns; ++parameter) {
    glp_set_row_bnds(lp, parameter + 1, GLP_FX, margins(parameter), margins(parameter));
    for (int cell = 0; cell < rows; ++cell) {
      if (design(cell, parameter) != 0) {
        ia.push_back(parameter + 1);
        ja.push_back(cell + 1);
        ar.push_back(design(cell, parameter));
      }
    }
  }
  for (int cell = 0; cell < rows; ++cell) {
    const int row = columns + cell + 1;
    glp_set_row_bnds(lp, row, GLP_LO, 0, 0);  // z_cell - t >= 0
    ia.push_back(row);
    ja.push_back(cell + 1);
    ar.push_back(1.0);
    ia.push_back(row);
    ja.push_back(rows + 1);
    ar.push_back(-1.0);
  }
  glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  glp_smcp parameters;
  glp_init_smcp(&parameters);
  parameters.msg_lev = GLP_MSG_OFF;
  parameters.presolve = GLP_ON;
  const int status = glp_simplex(lp, &parameters);
  const bool optimal = status == 0 && glp_get_status(lp) == GLP_OPT;
  const double t = optimal ? glp_get_obj_val(lp) : 0.0;
  glp_delete_prob(lp);
  if (!optimal) throw Error(Error::Kind::internal, "the existence check's linear program failed");
  // t is at most the mean cell count; judge it against that scale.
  const double scale = std::max(1.0, response.sum() / std::max(1, rows));
  return t > 1e-9 * scale;
}

void release_thread_lp_environment() {
  glp_free_env();
}

}  // namespace vigil::mse::detail
