// Internal to src/mse: does a log-linear model's maximum-likelihood estimate
// exist? Shared by the log-linear and the closed-population models.
#pragma once

#include <Eigen/Dense>

namespace vigil::mse::detail {

// Is there a table with every cell strictly positive and the data's
// sufficient statistics X'y? Then, and only then, is the maximum-likelihood
// estimate finite (Haberman 1974, Thm 2.2; Fienberg & Rinaldo 2012). A
// linear program (GLPK) maximises t subject to X'z = X'y, z_i >= t, z >= 0,
// as SparseMSE's checkident does with lpSolve.
bool has_positive_table(const Eigen::MatrixXd& design, const Eigen::VectorXd& response);

// Frees the calling thread's GLPK environment (GLPK keeps one per thread);
// worker threads call it before they end.
void release_thread_lp_environment();

}  // namespace vigil::mse::detail
