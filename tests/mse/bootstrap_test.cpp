#include "mse/mse.hpp"
#include <gtest/gtest.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
namespace vigil::mse {
TEST(BootScratch, Time) {
  const char* name = std::getenv("DS") ? std::getenv("DS") : "UKdat";
  std::ifstream in(std::string(VIGIL_FIXTURES_DIR) + "/mse/" + name + ".csv");
  const auto table = read_capture_histories(in, name);
  BootstrapOptions o;
  o.replicates = std::getenv("R") ? std::atoi(std::getenv("R")) : 100;
  o.threads = std::getenv("T") ? std::atoi(std::getenv("T")) : 1;
  o.seed = std::getenv("S") ? std::strtoull(std::getenv("S"), nullptr, 10) : 1234;
  const auto start = std::chrono::steady_clock::now();
  const auto r = bootstrap_stepwise(table, o);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("%s R=%d T=%d seed=%llu: %.3f s  pct [%.2f, %.2f] bca [%.2f, %.2f] z0 %.4f a %.5f ne %d\n", name, o.replicates, o.threads, (unsigned long long)o.seed, secs, r.percentile_lower, r.percentile_upper, r.bca_lower, r.bca_upper, r.bias_correction, r.acceleration, r.not_estimable);
}
}
