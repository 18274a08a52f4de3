#include "simulate/random.hpp"

#include <cmath>
#include <numbers>

#include "core/error.hpp"
#include "core/numeric.hpp"

namespace vigil::simulate {
namespace {

std::uint64_t splitmix64(std::uint64_t& x) {
  x += 0x9E3779B97F4A7C15ULL;
  std::uint64_t z = x;
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

std::uint64_t rotl(std::uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

}  // namespace

Rng::Rng(std::uint64_t seed) : seed_(seed) {
  std::uint64_t x = seed;
  for (auto& word : state_) word = splitmix64(x);
}

Rng Rng::substream(std::uint64_t stream) const {
  std::uint64_t x = seed_ ^ (0xD1B54A32D192ED03ULL * (stream + 1));
  return Rng(splitmix64(x));
}

std::uint64_t Rng::next_u64() {
  const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const std::uint64_t t = state_[1] << 17U;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

double Rng::uniform() {
  return static_cast<double>(next_u64() >> 11U) * 0x1.0p-53;
}

bool Rng::bernoulli(double probability) {
  return uniform() < probability;
}

std::uint64_t Rng::below(std::uint64_t bound) {
  // Lemire (2019), "Fast random integer generation in an interval".
  __uint128_t product = static_cast<__uint128_t>(next_u64()) * bound;
  auto low = static_cast<std::uint64_t>(product);
  if (low < bound) {
    const std::uint64_t threshold = (0 - bound) % bound;
    while (low < threshold) {
      product = static_cast<__uint128_t>(next_u64()) * bound;
      low = static_cast<std::uint64_t>(product);
    }
  }
  return static_cast<std::uint64_t>(product >> 64U);
}

double Rng::normal() {
  double u1 = uniform();
  while (u1 <= 0.0) u1 = uniform();
  const double u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

std::int64_t Rng::poisson(double mean) {
  if (!(mean >= 0.0) || !std::isfinite(mean)) {
    throw Error(Error::Kind::internal, "poisson: the mean must be finite and >= 0");
  }
  if (mean == 0.0) return 0;
  if (mean < 10.0) {
    // Inversion by sequential search.
    const double limit = std::exp(-mean);
    std::int64_t count = 0;
    double product = uniform();
    while (product > limit) {
      ++count;
      product *= uniform();
    }
    return count;
  }
  // Hormann, W. (1993). The transformed rejection method for generating
  // Poisson random variables. Insurance: Mathematics and Economics 12, 39-45.
  const double slam = std::sqrt(mean);
  const double loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam;
  const double a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4);
  const double v_r = 0.9277 - 3.6224 / (b - 2.0);
  while (true) {
    const double u = uniform() - 0.5;
    const double v = uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<std::int64_t>(k);
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * loglam - log_gamma(k + 1.0)) {
      return static_cast<std::int64_t>(k);
    }
  }
}

std::size_t Rng::categorical(std::span<const double> weights) {
  double total = 0.0;
  for (const double weight : weights) total += weight;
  if (!(total > 0.0)) throw Error(Error::Kind::internal, "categorical: all weights are zero");
  double target = uniform() * total;
  for (std::size_t index = 0; index < weights.size(); ++index) {
    if (target < weights[index]) return index;
    target -= weights[index];
  }
  // Rounding left `target` at the end: the last positive weight.
  for (std::size_t index = weights.size(); index-- > 0;) {
    if (weights[index] > 0.0) return index;
  }
  return 0;
}

}  // namespace vigil::simulate
