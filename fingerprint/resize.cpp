#include "fingerprint/resize.hpp"

#include <cassert>
#include <cmath>

namespace qp::fp {

namespace {

double bilinear_filter(double x) {
  if (x < 0.0) x = -x;
  if (x < 1.0) return 1.0 - x;
  return 0.0;
}

}  // namespace

ResampleAxis pillow_bilinear_axis(int in_size, int out_size) {
  assert(in_size > 0 && out_size > 0);
  ResampleAxis a;
  a.in_size = in_size;
  a.out_size = out_size;
  // Pillow passes the box as float; in1 - in0 is computed in float.
  const float in0 = 0.0f, in1 = static_cast<float>(in_size);
  const double scale = static_cast<double>(in1 - in0) / out_size;
  double filterscale = scale;
  if (filterscale < 1.0) filterscale = 1.0;
  const double support = 1.0 * filterscale;  // BILINEAR support is 1
  a.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  a.first.resize(static_cast<std::size_t>(out_size));
  a.count.resize(static_cast<std::size_t>(out_size));
  a.weights.assign(static_cast<std::size_t>(out_size) * a.ksize, 0.0);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    double ww = 0.0;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // C truncation, as Pillow
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double* k = &a.weights[static_cast<std::size_t>(xx) * a.ksize];
    for (int x = 0; x < xmax; ++x) {
      const double w = bilinear_filter((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x)
      if (ww != 0.0) k[x] /= ww;
    a.first[static_cast<std::size_t>(xx)] = xmin;
    a.count[static_cast<std::size_t>(xx)] = xmax;
  }
  return a;
}

std::vector<float> pillow_resize_bilinear(const float* img, int w, int h, int new_w, int new_h) {
  const ResampleAxis ax = pillow_bilinear_axis(w, new_w);
  const ResampleAxis ay = pillow_bilinear_axis(h, new_h);
  std::vector<float> cur(img, img + static_cast<std::size_t>(w) * h);
  int cw = w;
  if (!ax.identity()) {
    // Pillow only filters the rows the vertical pass will read; the values
    // are the same, so filter all rows.
    std::vector<float> tmp(static_cast<std::size_t>(new_w) * h);
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < new_w; ++x)
        tmp[static_cast<std::size_t>(y) * new_w + x] =
            resample_one(ax, x, cur.data() + static_cast<std::size_t>(y) * cw, 1);
    cur.swap(tmp);
    cw = new_w;
  }
  if (!ay.identity()) {
    std::vector<float> tmp(static_cast<std::size_t>(cw) * new_h);
    for (int y = 0; y < new_h; ++y)
      for (int x = 0; x < cw; ++x)
        tmp[static_cast<std::size_t>(y) * cw + x] = resample_one(ay, y, cur.data() + x, cw);
    cur.swap(tmp);
  }
  return cur;
}

}  // namespace qp::fp
