// Fingerprint units (fingerprint/<SEED id>/<day>.h5) and the channel's
// median/MAD statistics (fingerprint/<SEED id>/mad.h5), see docs/run-store.md.
//
// Bit order: a unit stores each fingerprint as `words` uint64 words, bit b
// being bit (63 - b % 64) of word b / 64 (MSB first, as numpy's packbits and
// FAST's files; what fp::binarize gives). The LSH search reads them LSB first
// (bit b is bit b % 64 of word b / 64); the reader converts.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/hdf5_file.hpp"
#include "pipeline/time.hpp"

namespace qp::runstore {

enum class BitOrder {
  kMsbFirst,  // as stored (np.packbits, FAST)
  kLsbFirst,  // as lsh:: expects
};

struct FingerprintUnit {
  std::string seed_id;
  std::string parameters;  // the [fingerprint] section that made them (text)
  std::size_t nbits = 0, words = 0;
  TimeNs dt_fp = 0;
  std::vector<std::uint64_t> bits;  // `words` per fingerprint, in the order asked for
  std::vector<TimeNs> times;        // each fingerprint's start time
};

/// `u.bits` must be MSB first.
void write_fingerprint_unit(h5::Group& root, const FingerprintUnit& u);
FingerprintUnit read_fingerprint_unit(const std::filesystem::path& file, BitOrder order);

/// Reverses the bits of each word (MSB first <-> LSB first).
void reverse_bit_order(std::vector<std::uint64_t>& words);

struct MadUnit {
  std::string seed_id;
  std::string source;  // where the statistics came from
  std::vector<double> median, mad;
};
void write_mad_unit(h5::Group& root, const MadUnit& u);
MadUnit read_mad_unit(const std::filesystem::path& file);

}  // namespace qp::runstore
