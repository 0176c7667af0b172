// The batched fingerprint pipeline for the stage driver: samples ->
// spectrogram columns -> spectral images -> Pillow resize -> Haar ->
// L2-normalised coefficient vectors; then binarize() with MAD statistics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fingerprint/binarize.hpp"
#include "fingerprint/coefficients.hpp"
#include "fingerprint/params.hpp"
#include "fingerprint/resize.hpp"
#include "fingerprint/spectrogram.hpp"

namespace qp::fp {

class Fingerprinter {
 public:
  explicit Fingerprinter(const FingerprintParams& p);

  const FingerprintParams& params() const { return p_; }
  const Spectrogram& spectrogram() const { return spec_; }

  /// Coefficient vectors (L2-normalised Haar, M floats each) of every image
  /// whose IMAGE START time (first sample of its first frame) lies in
  /// [t_begin, t_end) and whose whole span covers only valid samples.
  ///
  /// x: n float32 samples at params().sampling_rate, the first at `start`.
  /// mask: n bytes, nonzero = valid sample; null = all valid.
  ///
  /// Frames: "fast" mode restarts frames at the first sample of every run of
  /// valid samples (FAST's per-segment processing; a run is skipped unless it
  /// lasts more than min_fp_length seconds, (n-1)/fs > min_fp_length, as
  /// FAST's finger_print.py); "quakeprint" mode puts frame starts on multiples
  /// of spec_lag since the epoch and image starts on multiples of dt_fp.
  /// Rows come out in time order. OpenMP inside; identical for any thread count.
  CoefficientBlock coefficients(const float* x, const std::uint8_t* mask, std::size_t n,
                                TimeNs start, TimeNs t_begin, TimeNs t_end) const;

  /// The fingerprints of the same images: binarize(coefficients(...), ...)
  /// bit for bit, but each image is binarised as soon as its coefficients
  /// exist, while they are still in the cache (no n x M block is built).
  /// `bin` holds the statistics for M() coefficients.
  FingerprintBlock fingerprints(const float* x, const std::uint8_t* mask, std::size_t n, TimeNs start,
                                TimeNs t_begin, TimeNs t_end, const Binarizer& bin) const;

 private:
  struct Plan;
  Plan plan(const std::uint8_t* mask, std::size_t n, TimeNs start, TimeNs t_begin, TimeNs t_end) const;
  std::size_t column_height() const;
  std::vector<float> columns(const Plan& plan, const float* x) const;
  template <class MakeSink>
  void for_each_image(const Plan& plan, const std::vector<float>& cols, MakeSink&& make_sink) const;

  /// One image (nfreq x ntimes doubles, row-major) from its first column's
  /// data: columns already resized (time axis kept), or the Pillow resize.
  void image_from_columns(const float* c0, std::size_t col_height, std::vector<float>& tmp_raw,
                          std::vector<float>& tmp_h, double* img) const;

  FingerprintParams p_;
  Spectrogram spec_;
  ResampleAxis ax_;  // time axis: fp_length -> ntimes
  ResampleAxis ay_;  // frequency axis: spectrogram rows -> nfreq
};

}  // namespace qp::fp
