#include "lsh/hash_functions.hpp"

namespace qp::lsh {

std::uint32_t murmur3_x86_32(const void* key, std::size_t len, std::uint32_t seed) {
  auto rotl = [](std::uint32_t x, int r) { return (x << r) | (x >> (32 - r)); };
  const auto* data = static_cast<const std::uint8_t*>(key);
  const std::size_t nblocks = len / 4;
  constexpr std::uint32_t c1 = 0xcc9e2d51U, c2 = 0x1b873593U;
  std::uint32_t h1 = seed;
  for (std::size_t i = 0; i < nblocks; ++i) {
    const std::uint8_t* p = data + 4 * i;
    std::uint32_t k1 = std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 |
                       std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
    k1 *= c1;
    k1 = rotl(k1, 15);
    k1 *= c2;
    h1 ^= k1;
    h1 = rotl(h1, 13);
    h1 = h1 * 5U + 0xe6546b64U;
  }
  const std::uint8_t* tail = data + nblocks * 4;
  std::uint32_t k1 = 0;
  switch (len & 3U) {
    case 3: k1 ^= std::uint32_t(tail[2]) << 16; [[fallthrough]];
    case 2: k1 ^= std::uint32_t(tail[1]) << 8; [[fallthrough]];
    case 1:
      k1 ^= tail[0];
      k1 *= c1;
      k1 = rotl(k1, 15);
      k1 *= c2;
      h1 ^= k1;
  }
  h1 ^= static_cast<std::uint32_t>(len);
  h1 ^= h1 >> 16;
  h1 *= 0x85ebca6bU;
  h1 ^= h1 >> 13;
  h1 *= 0xc2b2ae35U;
  h1 ^= h1 >> 16;
  return h1;
}

}  // namespace qp::lsh
