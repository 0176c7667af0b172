#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>

#include <omp.h>

#include "lsh/hash_functions.hpp"
#include "lsh/signatures.hpp"
#include "tests/lsh/lsh_test_data.hpp"

namespace qp::lsh {
namespace {

// Straightforward reference: hash every set bit for every permutation, no
// precomputed table, no chunking, no batching.
std::vector<std::uint64_t> naive_signatures(const FingerprintView& fps, const SearchParams& p,
                                            const SignatureGenerator& gen) {
  const int P = p.permutations(), h2 = p.perms_per_table();
  std::vector<std::uint64_t> out;
  for (std::size_t i = 0; i < fps.n; ++i) {
    std::vector<std::uint32_t> mn(P, UINT32_MAX), mx(P, 0);
    for (std::size_t b = 0; b < fps.nbits; ++b) {
      if (!fps.bit(i, b)) continue;
      for (int j = 0; j < P; ++j) {
        const std::uint32_t h = gen.permutation_hash(b, j);
        mn[j] = std::min(mn[j], h);
        mx[j] = std::max(mx[j], h);
      }
    }
    for (int t = 0; t < p.ntbls; ++t) {
      std::uint64_t h = 0;
      for (int k = 0; k < h2; ++k) h = hash_combine64(h, mn[t * h2 + k]);
      for (int k = 0; k < p.nhash - h2; ++k) h = hash_combine64(h, mx[t * h2 + k]);
      out.push_back(h);
    }
  }
  return out;
}

TEST(Murmur3, KnownVectors) {
  // Published MurmurHash3_x86_32 test vectors.
  EXPECT_EQ(murmur3_x86_32("", 0, 0), 0u);
  EXPECT_EQ(murmur3_x86_32("", 0, 1), 0x514E28B7u);
  EXPECT_EQ(murmur3_x86_32("", 0, 0xffffffffu), 0x81F16F39u);
  const unsigned char ff[4] = {0xff, 0xff, 0xff, 0xff};
  EXPECT_EQ(murmur3_x86_32(ff, 4, 0), 0x76293B50u);
  const unsigned char k4[4] = {0x21, 0x43, 0x65, 0x87};
  EXPECT_EQ(murmur3_x86_32(k4, 4, 0), 0xF55B516Bu);
  EXPECT_EQ(murmur3_x86_32(k4, 4, 0x5082EDEEu), 0x2362F9DEu);
  EXPECT_EQ(murmur3_x86_32("Hello, world!", 13, 1234), 0xFAF6CDB3u);
  // The 4-byte fast path equals the general function.
  for (std::uint32_t k : {0u, 1u, 4095u, 0x87654321u})
    for (std::uint32_t seed : {0u, 280491303u, 0xffffffffu}) {
      unsigned char le[4] = {static_cast<unsigned char>(k), static_cast<unsigned char>(k >> 8),
                             static_cast<unsigned char>(k >> 16), static_cast<unsigned char>(k >> 24)};
      EXPECT_EQ(murmur3_x86_32_u32(k, seed), murmur3_x86_32(le, 4, seed));
    }
}

TEST(FingerprintWords, MsbBytesRoundTripAndBitOrder) {
  std::vector<std::uint8_t> bytes(2 * 16, 0);
  bytes[0] = 0x80;   // fingerprint 0, bit 0
  bytes[1] = 0x01;   // fingerprint 0, bit 15
  bytes[16 + 15] = 0x01;  // fingerprint 1, bit 127
  FingerprintWords w = words_from_msb_bytes(bytes.data(), 2, 128);
  ASSERT_EQ(w.words(), 2u);
  EXPECT_EQ(w.bits[0], (1ULL << 0) | (1ULL << 15));
  EXPECT_EQ(w.bits[1], 0u);
  EXPECT_EQ(w.bits[3], 1ULL << 63);
  EXPECT_TRUE(w.view().bit(1, 127));
  EXPECT_EQ(msb_bytes_from_words(w.view()), bytes);
}

TEST(FingerprintWords, RejectsPartialRows) {
  auto dir = qp::test::temp_dir("lsh_fp");
  const std::string path = (dir / "bad.fp").string();
  std::ofstream(path, std::ios::binary) << std::string(700, '\0');
  EXPECT_THROW(read_fast_fp_file(path, 4096), qp::InputError);
}

class SignatureModes : public ::testing::TestWithParam<std::tuple<HashMode, int, int>> {};

TEST_P(SignatureModes, EqualNaiveImplementation) {
  SearchParams p;
  p.hash_mode = std::get<0>(GetParam());
  p.nhash = std::get<1>(GetParam());
  p.ntbls = std::get<2>(GetParam());
  p.nvotes = 1;
  p.seed = 77;
  // 1000 bits (not a multiple of 64), varying densities, one empty fingerprint.
  FingerprintWords fw = testdata::correlated_fingerprints(150, 1000, 60, 5);
  std::fill(fw.bits.begin() + 3 * fw.words(), fw.bits.begin() + 4 * fw.words(), 0);
  SignatureGenerator gen(p, fw.nbits);
  Signatures s = gen.compute(fw.view());
  EXPECT_EQ(s.keys, naive_signatures(fw.view(), p, gen));
}

INSTANTIATE_TEST_SUITE_P(Lsh, SignatureModes,
                         ::testing::Values(std::make_tuple(HashMode::fast, 4, 100),
                                           std::make_tuple(HashMode::xxhash, 4, 100),
                                           std::make_tuple(HashMode::xxhash, 5, 7),
                                           std::make_tuple(HashMode::fast, 1, 33),
                                           std::make_tuple(HashMode::xxhash, 6, 20),
                                           // One table per chunk, chunks of one and two vectors.
                                           std::make_tuple(HashMode::fast, 64, 3),
                                           std::make_tuple(HashMode::xxhash, 40, 5),
                                           std::make_tuple(HashMode::xxhash, 2, 50)));

TEST(Signatures, ManyBatchesAndThreadsEqualNaive) {
  SearchParams p;  // 100 tables, nhash 4
  p.seed = 5;
  // More fingerprints than one batch, and a last batch that is not full.
  FingerprintWords fw = testdata::correlated_fingerprints(2600, 1000, 60, 9);
  SignatureGenerator gen(p, fw.nbits);
  const auto expected = naive_signatures(fw.view(), p, gen);
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    EXPECT_EQ(gen.compute(fw.view()).keys, expected) << threads << " threads";
  }
}

// The kernel takes min/max over each bit's place in its permutation's sorted
// hashes; equal hashes must give the same keys in either order. At 65536 bits a permutation's 32-bit hashes
// (XXH3 truncated; FAST's MurmurHash of a 4-byte key is a bijection, never
// equal) collide about once in two permutations: fingerprints holding such a pair
// (alone, as the minimum and maximum, and among other bits) still give the
// keys of the hashes.
TEST(Signatures, EqualHashesGiveTheKeysOfTheHashes) {
  SearchParams p;
  p.hash_mode = HashMode::xxhash;
  p.ntbls = 16;
  p.nhash = 4;
  p.nvotes = 1;
  p.seed = 3;
  const std::size_t nbits = 65536;
  SignatureGenerator gen(p, nbits);
  std::vector<std::pair<std::size_t, std::size_t>> equal;  // bits with one hash under some permutation
  for (int j = 0; j < p.permutations(); ++j) {
    std::vector<std::uint64_t> keyed(nbits);
    for (std::size_t b = 0; b < nbits; ++b)
      keyed[b] = static_cast<std::uint64_t>(gen.permutation_hash(b, j)) << 32 | b;
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 1; i < nbits; ++i)
      if (keyed[i] >> 32 == keyed[i - 1] >> 32) equal.push_back({keyed[i - 1] & 0xffffffffU, keyed[i] & 0xffffffffU});
  }
  ASSERT_GE(equal.size(), 3u) << "no equal hashes to test with";
  FingerprintWords fw = testdata::correlated_fingerprints(3 * equal.size(), nbits, 40, 13);
  auto set = [&](std::size_t i, std::size_t b) { fw.bits[i * fw.words() + b / 64] |= std::uint64_t{1} << (b % 64); };
  for (std::size_t e = 0; e < equal.size(); ++e) {
    std::fill(fw.bits.begin() + static_cast<std::ptrdiff_t>(3 * e * fw.words()),
              fw.bits.begin() + static_cast<std::ptrdiff_t>((3 * e + 2) * fw.words()), 0);
    for (std::size_t i : {3 * e, 3 * e + 1, 3 * e + 2}) set(i, equal[e].first);
    for (std::size_t i : {3 * e + 1, 3 * e + 2}) set(i, equal[e].second);
  }
  EXPECT_EQ(gen.compute(fw.view()).keys, naive_signatures(fw.view(), p, gen));
}

TEST(Signatures, SeedAndModeChangeKeys) {
  FingerprintWords fw = testdata::correlated_fingerprints(20, 512, 40, 1);
  SearchParams a, b = a, c = a;
  b.seed = 2;
  c.hash_mode = HashMode::fast;
  auto ka = compute_signatures(fw.view(), a).keys;
  EXPECT_NE(ka, compute_signatures(fw.view(), b).keys);
  EXPECT_NE(ka, compute_signatures(fw.view(), c).keys);
  EXPECT_EQ(ka, compute_signatures(fw.view(), a).keys);
}

TEST(Signatures, FastModeReproducesReferenceSignatureFile) {
  QP_REQUIRE_SHARED();
  FingerprintWords fw = testdata::reference_fp("HHZ");
  ASSERT_EQ(fw.n, 946u);
  SearchParams p;
  p.hash_mode = HashMode::fast;
  p.seed = 280491303u;
  p.ntbls = 100;
  p.nhash = 4;
  Signatures s = compute_signatures(fw.view(), p);
  const std::string ref = qp::test::read_file(
      testdata::iceland_dir() + "/pairs/minhash_signatures/mh_LIND_HHZ.bin");
  ASSERT_EQ(ref.size(), s.keys.size() * 8);
  std::vector<std::uint64_t> expected(s.keys.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    std::uint64_t v = 0;
    for (int k = 7; k >= 0; --k) v = v << 8 | static_cast<unsigned char>(ref[i * 8 + k]);
    expected[i] = v;
  }
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) mismatches += expected[i] != s.keys[i];
  EXPECT_EQ(mismatches, 0u);
}

}  // namespace
}  // namespace qp::lsh
