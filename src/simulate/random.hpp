// Random numbers for the simulator, identical on every machine.
//
// `vigil simulate` promises byte-identical worlds for a seed. The standard
// library's distributions are not specified bit for bit (libstdc++ and libc++
// draw normals and Poissons differently), so vigil implements its own on top
// of xoshiro256** (Blackman & Vigna 2018), seeded through splitmix64.
#pragma once

#include <cstdint>
#include <span>

namespace vigil::simulate {

class Rng {
 public:
  explicit Rng(std::uint64_t seed);

  // An independent stream derived from this generator's seed and `stream`
  // (e.g. one per agency), so that adding draws to one part of the world
  // does not shift every other part.
  Rng substream(std::uint64_t stream) const;

  std::uint64_t next_u64();
  // Uniform on [0, 1), 53 random bits.
  double uniform();
  bool bernoulli(double probability);
  // Uniform integer in [0, bound); bound > 0 (Lemire's multiply-shift method).
  std::uint64_t below(std::uint64_t bound);
  // Standard normal (Box-Muller, one value per call).
  double normal();
  // Poisson with the given mean >= 0: inversion below 10, the PTRS
  // transformed-rejection method of Hormann (1993) above.
  std::int64_t poisson(double mean);
  // An index drawn with probability proportional to `weights` (not all 0).
  std::size_t categorical(std::span<const double> weights);

 private:
  std::uint64_t seed_;
  std::uint64_t state_[4] = {};
};

}  // namespace vigil::simulate
