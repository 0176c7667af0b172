// Minimal reader for little-endian SAC v6 float32 files (the FAST reference's
// preprocessed waveforms). Test-only: the real reader belongs to preprocess/.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::test {

struct SacTrace {
  double delta = 0;      // s
  TimeNs start = 0;      // reference time + b
  std::vector<float> data;
};

inline SacTrace read_sac_le(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (raw.size() < 632) throw std::runtime_error("short SAC header: " + path.string());
  float hf[70];
  std::int32_t hi[40];
  std::memcpy(hf, raw.data(), sizeof hf);
  std::memcpy(hi, raw.data() + 280, sizeof hi);
  if (hi[6] != 6) throw std::runtime_error("not SAC v6 little-endian: " + path.string());
  const auto npts = static_cast<std::size_t>(hi[9]);
  if (raw.size() < 632 + 4 * npts) throw std::runtime_error("short SAC data: " + path.string());
  SacTrace t;
  t.delta = hf[0];
  // nzyear, nzjday, nzhour, nzmin, nzsec, nzmsec; then + b (rounded to us, as ObsPy prints it).
  t.start = year_doy_to_ns(hi[0], hi[1], hi[2], hi[3], hi[4], std::int64_t{hi[5]} * 1000000) +
            seconds_to_ns(static_cast<double>(hf[5])) / 1000 * 1000;
  t.data.resize(npts);
  std::memcpy(t.data.data(), raw.data() + 632, 4 * npts);
  return t;
}

}  // namespace qp::test
