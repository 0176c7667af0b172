// Pillow's anti-aliased BILINEAR resize of a mode "F" (float32) image, as
// Image.resize((w, h), Image.BILINEAR) does it (Pillow's ImagingResample,
// libImaging/Resample.c): a triangle filter whose support widens by the
// shrink factor, weights normalised to sum 1, accumulated in double and
// stored as float32. Two separable passes, horizontal first, then vertical;
// a pass whose size does not change is skipped (so an unchanged axis is
// copied exactly, not filtered).
#pragma once

#include <cstddef>
#include <vector>

namespace qp::fp {

/// Weights of one axis (Pillow's precompute_coeffs for BILINEAR, box = the
/// whole axis): output i reads inputs [first[i], first[i] + count[i]) with
/// weights weights[i*ksize + j].
struct ResampleAxis {
  int in_size = 0;
  int out_size = 0;
  int ksize = 0;
  std::vector<int> first;
  std::vector<int> count;
  std::vector<double> weights;
  /// True when Pillow would skip this pass (same size).
  bool identity() const { return in_size == out_size; }
};

ResampleAxis pillow_bilinear_axis(int in_size, int out_size);

/// One output value of a pass: double accumulation in input order, as Pillow.
inline float resample_one(const ResampleAxis& a, int out_index, const float* in,
                          std::ptrdiff_t stride) {
  const double* k = &a.weights[static_cast<std::size_t>(out_index) * a.ksize];
  const float* p = in + static_cast<std::ptrdiff_t>(a.first[out_index]) * stride;
  double ss = 0.0;
  for (int j = 0; j < a.count[out_index]; ++j) ss += static_cast<double>(p[j * stride]) * k[j];
  return static_cast<float>(ss);
}

/// Resizes a row-major h x w float32 image to new_h x new_w.
std::vector<float> pillow_resize_bilinear(const float* img, int w, int h, int new_w, int new_h);

}  // namespace qp::fp
