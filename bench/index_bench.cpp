// Times the Monte Carlo uncertainty and sensitivity analysis of `vigil
// index`: U units, K indicators in 6 dimensions, N base samples (the index
// is computed N x (factors + 2) times), once on one thread and once on
// every core, and prints the speed-up.
//
//   index_bench [--units U] [--indicators K] [--replications N]
//
// Data: a seeded std::mt19937_64; indicators share a latent risk so that
// dimensions are coherent, with a few protective ones.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <thread>

#include "index/index.hpp"

int main(int argc, char** argv) {
  int units = 200;
  int indicators = 30;
  std::size_t replications = 10000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--units") {
      units = std::atoi(argv[i + 1]);
    } else if (flag == "--indicators") {
      indicators = std::atoi(argv[i + 1]);
    } else if (flag == "--replications") {
      replications = static_cast<std::size_t>(std::atol(argv[i + 1]));
    } else {
      std::fprintf(stderr, "index_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  std::mt19937_64 rng(7);
  const auto uniform = [&rng] { return static_cast<double>(rng() >> 11U) * 0x1.0p-53; };
  vigil::index::IndexConfig config;
  vigil::index::IndexData data;
  data.values.resize(units, indicators);
  std::vector<double> latent(static_cast<std::size_t>(units));
  for (auto& l : latent) l = uniform();
  for (int j = 0; j < indicators; ++j) {
    vigil::index::IndicatorSpec spec;
    spec.name = "x" + std::to_string(j + 1);
    spec.dimension = "d" + std::to_string(j % 6 + 1);
    spec.protective = j % 5 == 4;
    config.indicators.push_back(spec);
    data.indicators.push_back(spec.name);
    for (int i = 0; i < units; ++i) {
      const double signal = spec.protective ? 1.0 - latent[static_cast<std::size_t>(i)]
                                            : latent[static_cast<std::size_t>(i)];
      data.values(i, j) = 1.0 + 10.0 * signal + 3.0 * uniform();
    }
  }
  for (int d = 0; d < std::min(6, indicators); ++d) {
    config.dimensions.push_back({"d" + std::to_string(d + 1), 1.0});
  }
  for (int i = 0; i < units; ++i) data.units.push_back("unit" + std::to_string(i + 1));

  const auto run = [&](int threads) {
    vigil::index::UncertaintyOptions options;
    options.replications = replications;
    options.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    const auto result = vigil::index::analyse_uncertainty(data, config, options);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("threads %d: %.2f s for %zu index computations (mean rank shift %.3f)\n", threads,
                seconds, result.evaluations, result.mean_shift);
    return seconds;
  };
  const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  std::printf("%d units, %d indicators in 6 dimensions, %zu base samples, %d cores\n", units,
              indicators, replications, cores);
  const double one = run(1);
  const double all = run(cores);
  std::printf("speed-up on %d cores: %.2f\n", cores, one / all);
  return 0;
}
