// Timing of fit_fixed_effects_poisson on simulated gravity data: victims per
// corridor (origin, destination) and year, three regressors, origin,
// destination and year fixed effects.
//
//   fepois_bench [--write-csv PATH] [--repeat N] [--threads N]
//
// Two data sets, each from a seeded std::mt19937_64 (same arguments, same
// data on one standard library):
//   small  20,000 rows: 1,000 corridors x 20 years; 150 origins, 130
//          destinations, 20 years (300 levels), small enough for R's glm()
//          with dummies: --write-csv writes it (y,x1,x2,x3,o,d,t) for
//          bench/fepois_peer.R, which times the same fit in R.
//   large  200,000 rows: 10,000 corridors x 20 years; 2,000 origins, 150
//          destinations, 20 years.
// For each it prints the median wall and CPU time of --repeat fits (default
// 3), the IRLS and demeaning iterations, and the estimates beside the true values
// (0.6, -0.3, 0.2).
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "glm/fixed_effects.hpp"

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

constexpr double kTrueBeta[3] = {0.6, -0.3, 0.2};

struct Gravity {
  MatrixXd x;
  VectorXd y;
  std::vector<std::vector<int>> effects;  // origin, destination, year
};

Gravity simulate(int corridors, int origins, int destinations, int years, std::uint64_t seed) {
  std::mt19937_64 generator(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_int_distribution<int> destination_of(0, destinations - 1);
  std::vector<double> origin_effect(static_cast<std::size_t>(origins));
  std::vector<double> destination_effect(static_cast<std::size_t>(destinations));
  for (double& e : origin_effect) e = 0.5 * normal(generator);
  for (double& e : destination_effect) e = 0.5 * normal(generator);

  const Index n = static_cast<Index>(corridors) * years;
  Gravity data;
  data.x.resize(n, 3);
  data.y.resize(n);
  data.effects.assign(3, std::vector<int>(static_cast<std::size_t>(n)));
  Index row = 0;
  for (int c = 0; c < corridors; ++c) {
    const int origin = c % origins;
    const int destination = destination_of(generator);
    // Migration stocks differ between corridors far more than between years,
    // and go with the origin's effect (a regressor correlated with a fixed
    // effect, as in real gravity data).
    const double corridor_migration =
        normal(generator) + origin_effect[static_cast<std::size_t>(origin)];
    for (int t = 0; t < years; ++t, ++row) {
      const double log_migrants = corridor_migration + 0.3 * normal(generator);
      const double control = normal(generator);
      const double share = std::uniform_real_distribution<double>(0.0, 1.0)(generator);
      const double eta = -0.5 + kTrueBeta[0] * log_migrants + kTrueBeta[1] * control +
                         kTrueBeta[2] * share + origin_effect[static_cast<std::size_t>(origin)] +
                         destination_effect[static_cast<std::size_t>(destination)] + 0.02 * t;
      data.x(row, 0) = log_migrants;
      data.x(row, 1) = control;
      data.x(row, 2) = share;
      data.y(row) = std::poisson_distribution<int>(std::exp(eta))(generator);
      data.effects[0][static_cast<std::size_t>(row)] = origin;
      data.effects[1][static_cast<std::size_t>(row)] = destination;
      data.effects[2][static_cast<std::size_t>(row)] = t;
    }
  }
  return data;
}

void write_csv(const Gravity& data, const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "w");
  if (file == nullptr) {
    fmt::print(stderr, "fepois_bench: cannot write {}\n", path);
    std::exit(1);
  }
  fmt::print(file, "y,x1,x2,x3,o,d,t\n");
  for (Index i = 0; i < data.y.size(); ++i) {
    const auto r = static_cast<std::size_t>(i);
    fmt::print(file, "{},{:.17g},{:.17g},{:.17g},{},{},{}\n", data.y(i), data.x(i, 0), data.x(i, 1),
               data.x(i, 2), data.effects[0][r], data.effects[1][r], data.effects[2][r]);
  }
  std::fclose(file);
}

void run(const char* name, const Gravity& data, int repeat, int threads) {
  vigil::glm::FixedEffectsOptions options;
  options.threads = threads;
  std::vector<double> seconds, cpu_seconds;
  vigil::glm::FixedEffectsPoissonFit fit;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    fit = vigil::glm::fit_fixed_effects_poisson(data.x, data.y, data.effects, options);
    cpu_seconds.push_back(static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC);
    seconds.push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(seconds.begin(), seconds.end());
  std::sort(cpu_seconds.begin(), cpu_seconds.end());
  fmt::print("{}: {} rows ({} used, {} dropped), levels {}/{}/{}\n", name, data.y.size(),
             fit.observations, fit.observations_dropped, fit.fixed_effect_levels[0],
             fit.fixed_effect_levels[1], fit.fixed_effect_levels[2]);
  // CPU time (all threads) beside wall time: on a shared machine the wall
  // time also counts the waits for a core.
  fmt::print("{}: vigil_seconds {:.4f} (wall, median of {}), cpu_seconds {:.4f}\n", name,
             seconds[seconds.size() / 2], repeat, cpu_seconds[cpu_seconds.size() / 2]);
  fmt::print("{}: {} IRLS iterations, {} demeaning sweeps, converged {}\n", name, fit.iterations,
             fit.demean_iterations, fit.converged);
  for (Index j = 0; j < 3; ++j) {
    fmt::print("{}: x{} {:.10f} (se {:.6f}, true {})\n", name, j + 1, fit.coefficients(j),
               fit.std_errors(j), kTrueBeta[j]);
  }
  fmt::print("{}: deviance {:.10f}\n", name, fit.deviance);
  for (const auto& warning : fit.warnings) fmt::print("{}: warning: {}\n", name, warning);
}

}  // namespace

int main(int argc, char** argv) {
  std::string csv;
  int repeat = 3;
  int threads = 0;
  for (int a = 1; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg == "--write-csv" && a + 1 < argc) {
      csv = argv[++a];
    } else if (arg == "--repeat" && a + 1 < argc) {
      repeat = std::max(1, std::atoi(argv[++a]));
    } else if (arg == "--threads" && a + 1 < argc) {
      threads = std::max(0, std::atoi(argv[++a]));
    } else {
      fmt::print(stderr, "usage: fepois_bench [--write-csv PATH] [--repeat N] [--threads N]\n");
      return 2;
    }
  }
  const Gravity small = simulate(1000, 150, 130, 20, 20240611);
  if (!csv.empty()) write_csv(small, csv);
  run("small", small, repeat, threads);
  const Gravity large = simulate(10000, 2000, 150, 20, 20240612);
  run("large", large, repeat, threads);
  return 0;
}
