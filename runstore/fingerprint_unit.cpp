#include "runstore/fingerprint_unit.hpp"

#include "pipeline/unit_format.hpp"

namespace qp::runstore {
namespace {

std::uint64_t reverse_bits(std::uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
  x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(x);
}

}  // namespace

void reverse_bit_order(std::vector<std::uint64_t>& words) {
  for (auto& w : words) w = reverse_bits(w);
}

void write_fingerprint_unit(h5::Group& f, const FingerprintUnit& u) {
  stamp_unit_format(f, UnitKind::kFingerprint);
  f.set_attr("seed_id", u.seed_id);
  f.set_attr("parameters", u.parameters);
  f.set_attr("nbits", static_cast<std::int64_t>(u.nbits));
  f.set_attr("words", static_cast<std::int64_t>(u.words));
  f.set_attr("dt_fp_ns", static_cast<std::int64_t>(u.dt_fp));
  f.set_attr("bit_order", std::string("bit b is bit (63 - b % 64) of word b / 64 (MSB first, as np.packbits)"));
  f.write<std::uint64_t>("bits", u.bits, u.words);
  f.write<std::int64_t>("times", u.times);
}

FingerprintUnit read_fingerprint_unit(const std::filesystem::path& file, BitOrder order) {
  const h5::File f = h5::File::open_read(file);
  check_unit_format(f, UnitKind::kFingerprint);
  FingerprintUnit u;
  u.seed_id = f.attr_string("seed_id");
  u.parameters = f.attr_string("parameters");
  u.nbits = static_cast<std::size_t>(f.attr_int("nbits"));
  u.words = static_cast<std::size_t>(f.attr_int("words"));
  u.dt_fp = f.attr_int("dt_fp_ns");
  u.bits = f.read<std::uint64_t>("bits");
  u.times = f.read<std::int64_t>("times");
  if (order == BitOrder::kLsbFirst) reverse_bit_order(u.bits);
  return u;
}

void write_mad_unit(h5::Group& f, const MadUnit& u) {
  stamp_unit_format(f, UnitKind::kMadStats);
  f.write<double>("median", u.median);
  f.write<double>("mad", u.mad);
  f.set_attr("seed_id", u.seed_id);
  f.set_attr("source", u.source);
}

MadUnit read_mad_unit(const std::filesystem::path& file) {
  const h5::File f = h5::File::open_read(file);
  check_unit_format(f, UnitKind::kMadStats);
  MadUnit u;
  u.seed_id = f.attr_string("seed_id");
  u.source = f.attr_string("source");
  u.median = f.read<double>("median");
  u.mad = f.read<double>("mad");
  return u;
}

}  // namespace qp::runstore
