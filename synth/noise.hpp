// Background noise for one channel, produced block by block.
//
// ColouredNoise: FFT-free. One white Gaussian stream through a small bank of
// recursive filters: a resonator at the secondary microseism (0.2 Hz), a
// 1/f ("pink") filter and a white floor, scaled to a requested RMS.
// RealNoise: the spectra of a real recording with random phases. The record
// is cut into overlapping segments whose amplitude spectra are kept; each
// channel builds its noise from segments drawn at random, each with its own
// random phases, overlap-added with a smooth window. The noise has the
// record's spectrum and its segment-to-segment level changes, but none of its
// waveforms: a transient of the record (a car, a small quake) becomes a
// little extra stationary noise, never a signal that repeats in time or
// across channels.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "synth/random.hpp"

namespace qp::synth {

/// Interface: fills the next `n` samples of the channel's noise.
class NoiseSource {
 public:
  virtual ~NoiseSource() = default;
  virtual void fill(double* out, std::size_t n) = 0;
  /// RMS the source was built to have (counts).
  virtual double rms() const = 0;
};

class ColouredNoise final : public NoiseSource {
 public:
  ColouredNoise(double sampling_rate, double rms, std::uint64_t seed);
  void fill(double* out, std::size_t n) override;
  double rms() const override { return rms_; }

 private:
  double step(double white);

  Rng rng_;
  double rms_;
  double gain_ = 1.0;  // unit-variance white -> output of the requested RMS
  double wm_ = 0, wp_ = 0, ww_ = 0;  // part weights for unit-RMS parts
  // Microseism resonator (biquad, direct form I) and 1/f filter (Kellet's
  // seven-pole approximation of -3 dB/octave).
  double b0_ = 0, b2_ = 0, a1_ = 0, a2_ = 0;
  double x1_ = 0, x2_ = 0, y1_ = 0, y2_ = 0;
  double pink_[7] = {0, 0, 0, 0, 0, 0, 0};
};

/// FFT of real sequences of a power-of-two length L = 2M (M >= 2), through
/// one complex radix-2 FFT of length M. Written out (no library) so results
/// are the same wherever the generator runs; tables are built once.
class RealFft {
 public:
  explicit RealFft(std::size_t length);
  std::size_t length() const { return 2 * m_; }
  /// X_k = sum_n x_n exp(-2 pi i k n / L) for k = 0..L/2: `re`, `im` get L/2 + 1
  /// values. `x` has L samples.
  void forward(const double* x, double* re, double* im) const;
  /// y_n = sum_{k=0}^{L-1} Y_k exp(+2 pi i k n / L) for the Hermitian Y given
  /// by its bins 0..L/2 (the imaginary parts of bins 0 and L/2 are ignored);
  /// no 1/L factor. `y` gets L samples; `re`, `im` are overwritten.
  void inverse(double* re, double* im, double* y) const;

 private:
  void complex_fft(double* re, double* im, bool inverse) const;

  std::size_t m_;
  std::vector<double> tw_re_, tw_im_;      // exp(-2 pi i j / M), j <= M/2
  std::vector<double> st_re_, st_im_;      // the same, stage by stage
  std::vector<double> half_re_, half_im_;  // exp(-2 pi i k / L), k <= M
  std::vector<std::uint32_t> bitrev_;
  mutable std::vector<double> zr_, zi_;    // work space (one RealFft per thread)
};

/// A real noise recording prepared once and shared (read-only) by all
/// channels: the amplitude spectra of its overlapping segments.
class RealNoiseRecord {
 public:
  /// Reads the longest trace of a miniSEED file, removes its mean, resamples
  /// it to `sampling_rate` and prepares it (from_samples). Throws InputError.
  static std::shared_ptr<const RealNoiseRecord> load(const std::string& file,
                                                     double sampling_rate);
  /// Keeps the amplitude spectra of the segments of `x` (already at
  /// `sampling_rate`, at least 16 samples, not constant), each detrended,
  /// scaled so the generated noise has unit RMS on average.
  static std::shared_ptr<const RealNoiseRecord> from_samples(std::vector<double> x,
                                                             double sampling_rate,
                                                             std::string id);
  const std::string& source_id() const { return id_; }
  std::size_t record_length() const { return n_; }
  /// Segment length L (a power of two: the smallest >= 120 s, or the largest
  /// that fits the record) and the number of spectra kept.
  std::size_t segment_length() const { return l_; }
  std::size_t n_spectra() const { return n_spec_; }
  /// Amplitude spectrum j (bins 0..L/2, bin 0 zero): with random phases,
  /// RealFft::inverse gives a segment of the source segment's (detrended)
  /// RMS, relative to the record's mean, which is 1.
  const float* spectrum(std::size_t j) const { return &amp_[j * (l_ / 2 + 1)]; }

 private:
  std::size_t n_ = 0, l_ = 0, n_spec_ = 0;
  std::vector<float> amp_;
  std::string id_;
};

class RealNoise final : public NoiseSource {
 public:
  /// Noise of RMS `rms` (the record's RMS is 1) from the record's spectra;
  /// `seed` alone decides which segments and phases are used.
  RealNoise(std::shared_ptr<const RealNoiseRecord> record, double rms, std::uint64_t seed);
  void fill(double* out, std::size_t n) override;
  double rms() const override { return rms_; }

 private:
  void next_segment();  // draws a segment, windowed, into seg_

  std::shared_ptr<const RealNoiseRecord> rec_;
  double rms_;
  Rng rng_;
  RealFft fft_;
  std::vector<double> window_;       // sin(pi (n + 1/2) / L): squares of halves sum to 1
  std::vector<double> re_, im_, seg_;
  std::vector<double> ready_, tail_;  // finished output / second half of the last segment
  std::size_t pos_;                   // next sample of ready_ to hand out
};

/// Resamples with a Lanczos (windowed-sinc) kernel, low-passing first when
/// the rate goes down. Output sample j sits at input time j * fs_in / fs_out.
std::vector<double> resample(const std::vector<double>& x, double fs_in, double fs_out);

}  // namespace qp::synth
