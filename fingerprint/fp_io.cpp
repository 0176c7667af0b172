#include "fingerprint/fp_io.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "fingerprint/binarize.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

FingerprintBlock read_fast_fp(const std::filesystem::path& path, std::size_t nbits) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot open fingerprint file");
  const std::vector<char> raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::size_t nbytes = (nbits + 7) / 8;
  if (nbits == 0 || raw.size() % nbytes != 0)
    throw InputError(path.string(), "size " + std::to_string(raw.size()) +
                                        " B is not a multiple of " + std::to_string(nbytes) +
                                        " B per fingerprint");
  FingerprintBlock b;
  b.words = (nbits + 63) / 64;
  const std::size_t n = raw.size() / nbytes;
  b.bits.assign(n * b.words, 0);
  b.times.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    packbits_to_words(reinterpret_cast<const std::uint8_t*>(raw.data()) + i * nbytes, nbits,
                      b.bits.data() + i * b.words);
  return b;
}

void write_fast_fp(const std::filesystem::path& path, const FingerprintBlock& block,
                   std::size_t nbits) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) throw StoreError(path.string() + ": cannot write fingerprint file");
  std::vector<std::uint8_t> row((nbits + 7) / 8);
  for (std::size_t i = 0; i < block.size(); ++i) {
    words_to_packbits(block.row(i), nbits, row.data());
    out.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size()));
  }
  if (!out) throw StoreError(path.string() + ": error writing fingerprint file");
}

TimeNs parse_fast_timestamp(const std::string& text) {
  int yy, mo, d, h, mi, s;
  char frac[16] = {0};
  if (std::sscanf(text.c_str(), "%2d-%2d-%2dT%2d:%2d:%2d.%9[0-9]", &yy, &mo, &d, &h, &mi, &s,
                  frac) < 6)
    throw std::invalid_argument("not a FAST timestamp: '" + text + "'");
  std::int64_t nanos = 0;
  int digits = 0;
  for (const char* p = frac; *p && digits < 9; ++p, ++digits) nanos = nanos * 10 + (*p - '0');
  for (; digits < 9; ++digits) nanos *= 10;
  const int year = yy >= 69 ? 1900 + yy : 2000 + yy;
  return civil_to_ns(year, mo, d, h, mi, s, nanos);
}

std::string format_fast_timestamp(TimeNs t) {
  // Round to microseconds, then print from the ISO form (YYYY-MM-DDTHH:MM:SS.ffffffZ).
  const TimeNs us = 1000;
  const TimeNs r = floor_to(t + us / 2, us);
  const std::string iso = format_iso8601(r, 6);
  return iso.substr(2, iso.size() - 3);  // drop century and trailing Z
}

std::vector<TimeNs> read_fast_ts(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw InputError(path.string(), "cannot open timestamp file");
  std::vector<TimeNs> out;
  std::string line;
  std::size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    try {
      out.push_back(parse_fast_timestamp(line));
    } catch (const std::exception& e) {
      throw InputError(path.string(), e.what(), "line " + std::to_string(lineno));
    }
  }
  return out;
}

void write_fast_ts(const std::filesystem::path& path, const std::vector<TimeNs>& times) {
  std::ofstream out(path, std::ios::trunc);
  if (!out) throw StoreError(path.string() + ": cannot write timestamp file");
  for (TimeNs t : times) out << format_fast_timestamp(t) << '\n';
  if (!out) throw StoreError(path.string() + ": error writing timestamp file");
}

}  // namespace qp::fp
