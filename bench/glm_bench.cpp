// Times vigil's Poisson GLM on a large synthetic regression: n rows, k
// covariates plus an intercept, y ~ Poisson(exp(X beta)) with known beta.
//
//   glm_bench [--rows N] [--covariates K] [--seed S] [--write-csv PATH]
//
// Prints the fit time (the design is built before the clock starts, as the
// peers' timings start from a data frame already in memory), the number of
// IRLS iterations, and the largest difference between the estimate and the
// true beta. --write-csv writes y and the covariates so that R's glm() and
// statsmodels can fit the same numbers (bench/glm_bench.sh).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>

#include "glm/glm.hpp"

int main(int argc, char** argv) {
  long rows = 1000000;
  int covariates = 20;
  unsigned seed = 1;
  std::string csv;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rows")
      rows = std::atol(argv[i + 1]);
    else if (flag == "--covariates")
      covariates = std::atoi(argv[i + 1]);
    else if (flag == "--seed")
      seed = static_cast<unsigned>(std::atoi(argv[i + 1]));
    else if (flag == "--write-csv")
      csv = argv[i + 1];
    else {
      std::fprintf(stderr, "glm_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::VectorXd beta(covariates + 1);
  beta(0) = 0.5;
  for (int j = 1; j <= covariates; ++j) beta(j) = 0.3 * std::sin(j) / std::sqrt(covariates);
  Eigen::MatrixXd x(rows, covariates + 1);
  Eigen::VectorXd y(rows);
  for (long i = 0; i < rows; ++i) {
    x(i, 0) = 1.0;
    for (int j = 1; j <= covariates; ++j) x(i, j) = normal(rng);
    std::poisson_distribution<int> count(std::exp(x.row(i).dot(beta)));
    y(i) = count(rng);
  }
  if (!csv.empty()) {
    std::ofstream out(csv);
    out << "y";
    for (int j = 1; j <= covariates; ++j) out << ",x" << j;
    out << "\n";
    out.precision(17);
    for (long i = 0; i < rows; ++i) {
      out << y(i);
      for (int j = 1; j <= covariates; ++j) out << ',' << x(i, j);
      out << '\n';
    }
  }
  const auto start = std::chrono::steady_clock::now();
  const vigil::glm::GlmFit fit = vigil::glm::fit_glm(x, y);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "rows %ld covariates %d seconds %.3f iterations %d max_abs_error %.2g deviance %.10g\n", rows,
      covariates, seconds, fit.iterations, (fit.coefficients - beta).cwiseAbs().maxCoeff(),
      fit.deviance);
  return fit.converged ? 0 : 1;
}
