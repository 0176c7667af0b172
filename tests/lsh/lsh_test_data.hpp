// Shared helpers of the lsh tests: the FAST reference files and small
// synthetic fingerprint sets with controlled overlaps.
#pragma once

#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "lsh/fingerprint_words.hpp"
#include "pipeline/time.hpp"
#include "tests/support/test_support.hpp"

namespace qp::lsh::testdata {

inline std::string iceland_dir() {
  return (qp::test::shared_dir() / "reference" / "fast-iceland").string();
}

inline FingerprintWords reference_fp(const std::string& channel) {
  return read_fast_fp_file(iceland_dir() + "/fingerprints/LIND." + channel + ".fp", 4096);
}

inline std::vector<std::uint32_t> read_u32_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::uint32_t> out(b.size() / 4);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto* p = reinterpret_cast<const unsigned char*>(b.data() + 4 * i);
    out[i] = std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 |
             std::uint32_t(p[3]) << 24;
  }
  return out;
}

/// Times on a uniform grid: with these the time-based near-repeat rule equals
/// FAST's local-index rule (d - q >= near_repeats).
inline std::vector<TimeNs> grid_times(std::size_t n, TimeNs t0, TimeNs dt) {
  std::vector<TimeNs> t(n);
  for (std::size_t i = 0; i < n; ++i) t[i] = t0 + static_cast<TimeNs>(i) * dt;
  return t;
}

/// Fingerprints of `nbits` bits with `k` set bits drawn from a slowly drifting
/// pool plus repeated "events", so that pairs span all Jaccard values.
inline FingerprintWords correlated_fingerprints(std::size_t n, std::size_t nbits, std::size_t k,
                                                std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  FingerprintWords fw;
  fw.n = n;
  fw.nbits = nbits;
  const std::size_t words = fw.words();
  fw.bits.assign(n * words, 0);
  std::vector<std::uint32_t> current(k);
  std::uniform_int_distribution<std::uint32_t> pick(0, static_cast<std::uint32_t>(nbits - 1));
  for (auto& b : current) b = pick(rng);
  std::vector<std::vector<std::uint32_t>> events;
  for (int e = 0; e < 8; ++e) {
    std::vector<std::uint32_t> ev(k);
    for (auto& b : ev) b = pick(rng);
    events.push_back(ev);
  }
  std::uniform_real_distribution<double> u(0, 1);
  for (std::size_t i = 0; i < n; ++i) {
    // Replace a few bits per step: neighbours overlap strongly, far ones not.
    for (std::size_t r = 0; r < k / 12; ++r) current[rng() % k] = pick(rng);
    std::vector<std::uint32_t> bits = current;
    if (u(rng) < 0.15) {
      const auto& ev = events[rng() % events.size()];
      const double share = u(rng);  // how much of the event shows through
      for (std::size_t j = 0; j < k; ++j)
        if (u(rng) < share) bits[j] = ev[j];
    }
    for (auto b : bits) fw.bits[i * words + b / 64] |= std::uint64_t{1} << (b % 64);
  }
  return fw;
}

}  // namespace qp::lsh::testdata
