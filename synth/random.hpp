// Deterministic random numbers for the generator.
//
// The standard distributions (std::normal_distribution, ...) may differ between
// library versions, which would break "same seed -> byte-identical files", so
// the generator and the distributions are written out here.
#pragma once

#include <cmath>
#include <cstdint>

namespace qp::synth {

/// SplitMix64 step: turns any 64-bit value into a well-mixed one. Used to
/// derive independent stream seeds from (seed, purpose, index...).
inline std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/// Seed of an independent stream named by a few integers, so that adding a
/// station or an event never shifts the random numbers of another one.
inline std::uint64_t stream_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b = 0,
                                 std::uint64_t c = 0, std::uint64_t d = 0) {
  std::uint64_t s = seed;
  std::uint64_t h = splitmix64(s);
  for (std::uint64_t v : {a, b, c, d}) {
    s = h ^ (v * 0xD1B54A32D192ED03ULL);
    h = splitmix64(s);
  }
  return h;
}

/// xoshiro256++ (Blackman & Vigna): fast, small state, good statistics.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = splitmix64(seed);
  }

  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[0] + s_[3], 23) + s_[0];
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [lo, hi] (inclusive).
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    const auto span = static_cast<std::uint64_t>(hi - lo) + 1;
    return lo + static_cast<std::int64_t>(span == 0 ? next() : next() % span);
  }

  /// Standard normal (Box-Muller; exact, for the few numbers of the layout).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }

  /// Approximately normal, unit variance, from one 64-bit draw (sum of four
  /// 16-bit uniforms). For sample-rate noise: about 10x cheaper than
  /// Box-Muller, and the colouring filters make the output Gaussian anyway.
  double fast_normal() {
    const std::uint64_t r = next();
    const double sum = static_cast<double>((r & 0xFFFF) + ((r >> 16) & 0xFFFF) +
                                           ((r >> 32) & 0xFFFF) + (r >> 48));
    // Mean 4 * 32767.5, variance 4 * (65536^2 - 1) / 12.
    return (sum - 131070.0) * (1.0 / 37837.23);
  }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace qp::synth
