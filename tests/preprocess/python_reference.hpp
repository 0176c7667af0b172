// Running /usr/bin/python3 with scipy to produce reference results for the
// preprocess tests. Data travel as raw little-endian float64 files.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace qp::test {

inline bool scipy_available() {
  static const int rc = std::system("/usr/bin/python3 -c 'import numpy, scipy.signal' >/dev/null 2>&1");
  return rc == 0;
}

#define QP_REQUIRE_SCIPY()                                                                    \
  do {                                                                                        \
    if (!::qp::test::scipy_available())                                                       \
      GTEST_SKIP() << "/usr/bin/python3 with numpy and scipy is not available; no reference"; \
  } while (0)

inline void write_doubles(const std::filesystem::path& p, const std::vector<double>& v) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
}

inline std::vector<double> read_doubles(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary | std::ios::ate);
  const auto size = static_cast<std::size_t>(in.tellg());
  std::vector<double> v(size / sizeof(double));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
  return v;
}

/// Writes `script` into `dir`/ref.py and runs it with `dir` as working folder.
/// Returns true when it exited 0; its output goes to `dir`/ref.log.
inline bool run_python(const std::filesystem::path& dir, const std::string& script) {
  {
    std::ofstream out(dir / "ref.py");
    out << script;
  }
  const std::string cmd = "cd '" + dir.string() + "' && /usr/bin/python3 ref.py > ref.log 2>&1";
  return std::system(cmd.c_str()) == 0;
}

/// Pearson correlation of a[i] and b[i] over [lo, hi).
inline double correlation(const std::vector<double>& a, const std::vector<double>& b, std::size_t lo,
                          std::size_t hi) {
  double ma = 0, mb = 0;
  for (std::size_t i = lo; i < hi; ++i) ma += a[i], mb += b[i];
  ma /= static_cast<double>(hi - lo);
  mb /= static_cast<double>(hi - lo);
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = lo; i < hi; ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

/// Lag (in samples, within +-max_lag) maximising sum a[i] * b[i + lag] over [lo, hi).
inline long best_lag(const std::vector<double>& a, const std::vector<double>& b, std::size_t lo, std::size_t hi,
                     long max_lag) {
  long best = 0;
  double best_v = -1e300;
  for (long lag = -max_lag; lag <= max_lag; ++lag) {
    double s = 0;
    for (std::size_t i = lo; i < hi; ++i) {
      const long j = static_cast<long>(i) + lag;
      if (j >= 0 && j < static_cast<long>(b.size())) s += a[i] * b[static_cast<std::size_t>(j)];
    }
    if (s > best_v) best_v = s, best = lag;
  }
  return best;
}

}  // namespace qp::test
