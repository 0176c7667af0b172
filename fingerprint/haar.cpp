#include "fingerprint/haar.hpp"

#include <cmath>
#include <cstring>

namespace qp::fp {

namespace {
constexpr double kC = 0.70710678118654752440;  // pywt db1 filter tap, as a double
}

int haar_max_level(int rows, int cols) {
  const int m = rows < cols ? rows : cols;
  int levels = 0;
  while ((2 << levels) <= m) ++levels;
  return levels;
}

// AVX2 clones (picked at load time for this CPU): the same IEEE operations
// four at a time, no FMA (not enabled, and -ffp-contract=off), so the same
// bits; the divisions of the normalisation were half its time in SSE2.
__attribute__((target_clones("avx2", "default"))) void haar2d_pyramid(double* img, int rows, int cols, double* scratch) {
  const int levels = haar_max_level(rows, cols);
  int r = rows, c = cols;
  const std::size_t stride = static_cast<std::size_t>(cols);
  for (int lev = 0; lev < levels; ++lev) {
    const int hr = r / 2, hc = c / 2;
    // Work on the top-left r x c block; write the four sub-bands into scratch
    // laid out as the same block, then copy back.
    for (int i = 0; i < hr; ++i) {
      const double* x0 = img + static_cast<std::size_t>(2 * i) * stride;
      const double* x1 = x0 + stride;
      double* top = scratch + static_cast<std::size_t>(i) * stride;         // cA | cV
      double* bottom = scratch + static_cast<std::size_t>(hr + i) * stride;  // cH | cD
      for (int j = 0; j < hc; ++j) {
        // Axis 0 (rows): approximation and detail of columns 2j and 2j+1.
        const double a0 = kC * x0[2 * j] + kC * x1[2 * j];
        const double d0 = kC * x0[2 * j] - kC * x1[2 * j];
        const double a1 = kC * x0[2 * j + 1] + kC * x1[2 * j + 1];
        const double d1 = kC * x0[2 * j + 1] - kC * x1[2 * j + 1];
        // Axis 1 (columns).
        top[j] = kC * a0 + kC * a1;          // cA ('aa')
        top[hc + j] = kC * a0 - kC * a1;     // cV ('ad')
        bottom[j] = kC * d0 + kC * d1;       // cH ('da')
        bottom[hc + j] = kC * d0 - kC * d1;  // cD ('dd')
      }
    }
    for (int i = 0; i < r; ++i)
      std::memcpy(img + static_cast<std::size_t>(i) * stride,
                  scratch + static_cast<std::size_t>(i) * stride,
                  static_cast<std::size_t>(c) * sizeof(double));
    r = hr;
    c = hc;
  }
}

// Each level reads the current approximation (src for the first, then the
// compact block in scratch), writes its three detail bands straight to their
// places in dst and its approximation compactly (stride hc) into scratch, in
// place: row i of the new block lies before rows 2i and 2i+1 of the old one,
// and within row 0 element j before elements 2j and 2j+1, so nothing unread is
// overwritten. No copy back per level, as haar2d_pyramid needs.
__attribute__((target_clones("avx2", "default"))) void haar2d_pyramid_to(const double* src, int rows, int cols,
                                                                        double* dst, double* scratch) {
  const int levels = haar_max_level(rows, cols);
  const std::size_t stride = static_cast<std::size_t>(cols);
  int r = rows, c = cols;
  const double* in = src;
  std::size_t in_stride = stride;
  for (int lev = 0; lev < levels; ++lev) {
    const int hr = r / 2, hc = c / 2;
    for (int i = 0; i < hr; ++i) {
      const double* x0 = in + static_cast<std::size_t>(2 * i) * in_stride;
      const double* x1 = x0 + in_stride;
      double* approx = scratch + static_cast<std::size_t>(i) * static_cast<std::size_t>(hc);
      double* top = dst + static_cast<std::size_t>(i) * stride;         // cV at [hc, c)
      double* bottom = dst + static_cast<std::size_t>(hr + i) * stride;  // cH | cD
      for (int j = 0; j < hc; ++j) {
        const double a0 = kC * x0[2 * j] + kC * x1[2 * j];
        const double d0 = kC * x0[2 * j] - kC * x1[2 * j];
        const double a1 = kC * x0[2 * j + 1] + kC * x1[2 * j + 1];
        const double d1 = kC * x0[2 * j + 1] - kC * x1[2 * j + 1];
        approx[j] = kC * a0 + kC * a1;       // cA ('aa')
        top[hc + j] = kC * a0 - kC * a1;     // cV ('ad')
        bottom[j] = kC * d0 + kC * d1;       // cH ('da')
        bottom[hc + j] = kC * d0 - kC * d1;  // cD ('dd')
      }
    }
    in = scratch;
    in_stride = static_cast<std::size_t>(hc);
    r = hr;
    c = hc;
  }
  for (int i = 0; i < r; ++i)
    for (int j = 0; j < c; ++j)
      dst[static_cast<std::size_t>(i) * stride + static_cast<std::size_t>(j)] =
          in[static_cast<std::size_t>(i) * in_stride + static_cast<std::size_t>(j)];
}

__attribute__((target_clones("avx2", "default"))) void l2_normalize(double* v, std::size_t n) {
  // Eight partial sums (the reference's einsum has its own order anyway; the
  // norm only scales the vector, which the top-k ranking barely feels).
  double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) part[j] += v[i + j] * v[i + j];
  double ss = ((part[0] + part[1]) + (part[2] + part[3])) + ((part[4] + part[5]) + (part[6] + part[7]));
  for (; i < n; ++i) ss += v[i] * v[i];
  const double norm = std::sqrt(ss);
  if (norm == 0.0) return;  // sklearn leaves zero rows as they are
  for (std::size_t k = 0; k < n; ++k) v[k] /= norm;  // divide, as sklearn does
}

__attribute__((target_clones("avx2", "default"))) void l2_normalize_numpy(double* v, std::size_t n) {
  double lane[2] = {0.0, 0.0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 2; ++l) {
      double a = lane[l];
      for (int k = 6; k >= 0; k -= 2) a = v[i + k + l] * v[i + k + l] + a;
      lane[l] = a;
    }
  for (; i < n; i += 2)
    for (std::size_t l = 0; l < 2; ++l) {
      const double x = i + l < n ? v[i + l] : 0.0;
      lane[l] = x * x + lane[l];
    }
  const double norm = std::sqrt(0.0 + (lane[0] + lane[1]));
  if (norm == 0.0) return;
  for (std::size_t k = 0; k < n; ++k) v[k] /= norm;
}

}  // namespace qp::fp
