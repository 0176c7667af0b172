// Background noise for one channel, produced block by block.
//
// ColouredNoise: FFT-free. One white Gaussian stream through a small bank of
// recursive filters: a resonator at the secondary microseism (0.2 Hz), a
// 1/f ("pink") filter and a white floor, scaled to a requested RMS.
// RealNoise: a real recording, resampled once, read with a per-channel
// offset, polarity and forward/backward tiling, so channels are uncorrelated.
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

/// A real noise recording prepared once and shared by all channels.
class RealNoiseRecord {
 public:
  /// Reads the longest trace of a miniSEED file, removes its mean, resamples
  /// it to `sampling_rate` and scales it to unit RMS. Throws InputError.
  static std::shared_ptr<const RealNoiseRecord> load(const std::string& file,
                                                     double sampling_rate);
  const std::vector<float>& samples() const { return x_; }
  const std::string& source_id() const { return id_; }

 private:
  std::vector<float> x_;
  std::string id_;
};

class RealNoise final : public NoiseSource {
 public:
  RealNoise(std::shared_ptr<const RealNoiseRecord> record, double rms, std::uint64_t offset,
            bool flip_polarity);
  void fill(double* out, std::size_t n) override;
  double rms() const override { return rms_; }

 private:
  std::shared_ptr<const RealNoiseRecord> rec_;
  double rms_, scale_;
  std::uint64_t pos_;  // position in the forward-backward tiling (period 2N-2)
};

/// Resamples with a Lanczos (windowed-sinc) kernel, low-passing first when
/// the rate goes down. Output sample j sits at input time j * fs_in / fs_out.
std::vector<double> resample(const std::vector<double>& x, double fs_in, double fs_out);

}  // namespace qp::synth
