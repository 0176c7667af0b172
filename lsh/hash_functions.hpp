// The two small hash primitives FAST's signatures are built from, written out
// so that keys can be reproduced bit for bit without FAST or Boost.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qp::lsh {

/// Austin Appleby's MurmurHash3_x86_32 (public domain algorithm), little-endian reads.
std::uint32_t murmur3_x86_32(const void* key, std::size_t len, std::uint32_t seed);

/// MurmurHash3_x86_32 of a 4-byte little-endian integer: FAST's hash of bit position b.
inline std::uint32_t murmur3_x86_32_u32(std::uint32_t k, std::uint32_t seed) {
  auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  std::uint32_t k1 = k * 0xcc9e2d51U;
  k1 = rotl(k1, 15) * 0x1b873593U;
  std::uint32_t h = seed ^ k1;
  h = rotl(h, 13) * 5U + 0xe6546b64U;
  h ^= 4U;
  h ^= h >> 16;
  h *= 0x85ebca6bU;
  h ^= h >> 13;
  h *= 0xc2b2ae35U;
  h ^= h >> 16;
  return h;
}

/// One fold of Boost 1.74's 64-bit hash_combine(seed, v) for an integer v
/// (boost::hash of an integer is the integer itself). Boost >= 1.81 differs.
inline std::uint64_t hash_combine64(std::uint64_t h, std::uint64_t v) {
  constexpr std::uint64_t m = 0xc6a4a7935bd1e995ULL;
  std::uint64_t k = v * m;
  k ^= k >> 47;
  k *= m;
  h ^= k;
  h *= m;
  h += 0xe6546b64ULL;
  return h;
}

}  // namespace qp::lsh
