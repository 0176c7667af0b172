// Event waveforms: band-limited P and S wavelets with decaying coda.
//
// A template is what one source (a family) looks like at one channel. It is
// built from Gaussian noise shaped by a Brune omega-square source spectrum
// (velocity: rising as f below the corner, falling as 1/f above), attenuated
// with t* = travel time / Q, band-limited, and multiplied by a P and an S
// envelope (quick rise, exponential coda). Events of a family are
//   w = a * T + sqrt(1 - a^2) * Q,
// where Q is a perturbation of the same spectrum and envelope, made
// orthogonal to T and to the family's other perturbations: the zero-lag
// correlation of two events is then exactly a_i * a_j.
#pragma once

#include <cstdint>
#include <vector>

#include "synth/random.hpp"

namespace qp::synth {

/// Brune (1970) corner frequency (Hz) from moment magnitude, stress drop and
/// shear velocity: fc = 0.37 * beta * (16 dsigma / (7 M0))^(1/3).
double brune_corner_hz(double magnitude, double stress_drop_mpa, double vs_km_s);

/// Second-order IIR section (RBJ cookbook designs), direct form I.
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
  static Biquad lowpass(double f, double q, double fs);
  static Biquad highpass(double f, double q, double fs);
  void run(std::vector<double>& x) const;
};

/// Everything that fixes the look of a source at one channel.
struct WaveletShape {
  double sampling_rate = 100;
  double s_minus_p_s = 1;      ///< S arrival after P, seconds
  double corner_hz = 10;       ///< P corner; S uses corner / 1.5
  double tstar_p = 0.01;       ///< attenuation t* for P (S: travel time ratio larger)
  double tstar_s = 0.017;
  double fmin_hz = 1, fmax_hz = 20;
  double rise_s = 0.05;        ///< onset rise time
  double coda_p_s = 0.6;       ///< exponential decay times
  double coda_s_s = 1.0;
  double p_weight = 1, s_weight = 1;  ///< component and radiation factors
};

/// Samples of a template: sample 0 is the P arrival.
std::size_t wavelet_length(const WaveletShape& s);

/// One random realisation of the shape (unit-less, arbitrary scale).
std::vector<double> synthetic_wavelet(const WaveletShape& s, Rng& rng);

/// A realisation with the same band as `s` but the envelope of `like`
/// (moving RMS): perturbations of a real recorded template.
std::vector<double> perturbation_like(const std::vector<double>& like, const WaveletShape& s,
                                      Rng& rng);

/// Makes `v` orthogonal to every vector of `basis` (assumed orthogonal) and
/// rescales it to the norm of `basis[0]`. Returns false if v lay in the span.
bool orthogonalise(std::vector<double>& v, const std::vector<std::vector<double>>& basis);

/// Zero-lag normalised correlation sum(a b) / sqrt(sum a^2 sum b^2).
double correlation(const std::vector<double>& a, const std::vector<double>& b);

/// `w` delayed by `frac` in [0, 1) samples (Lanczos kernel, 8 lobes), times `gain`; the result starts `kShiftPad`
/// samples before w's sample 0 and is 2 * kShiftPad longer.
constexpr int kShiftPad = 8;
std::vector<float> fractional_delay(const std::vector<double>& w, double frac, double gain);

}  // namespace qp::synth
