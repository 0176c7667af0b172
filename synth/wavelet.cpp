#include "synth/wavelet.hpp"

#include <algorithm>
#include <cmath>

namespace qp::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

double sinc(double x) {
  if (std::fabs(x) < 1e-12) return 1.0;
  return std::sin(kPi * x) / (kPi * x);
}

double clamp_freq(double f, double fs) { return std::min(f, 0.45 * fs); }

/// Gaussian noise through the source, attenuation and band filters, scaled
/// to unit RMS. Filters start from rest, so a pre-roll is dropped.
std::vector<double> shaped_noise(std::size_t n, double fs, double corner, double tstar,
                                 double fmin, double fmax, Rng& rng) {
  const auto preroll = static_cast<std::size_t>(std::ceil(4.0 * fs / fmin));
  std::vector<double> x(n + preroll);
  double prev = 0;
  for (double& v : x) {
    const double w = rng.normal();
    v = w - prev;  // first difference: velocity of a flat displacement spectrum
    prev = w;
  }
  Biquad::lowpass(clamp_freq(corner, fs), 0.5, fs).run(x);  // omega-square fall-off
  Biquad::lowpass(clamp_freq(1.0 / (kPi * std::max(tstar, 1e-6)), fs), 0.5, fs).run(x);
  const Biquad hp = Biquad::highpass(fmin, std::sqrt(0.5), fs);
  const Biquad lp = Biquad::lowpass(clamp_freq(fmax, fs), std::sqrt(0.5), fs);
  hp.run(x);
  hp.run(x);
  lp.run(x);
  lp.run(x);
  x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(preroll));
  double e = 0;
  for (double v : x) e += v * v;
  const double scale = e > 0 ? 1.0 / std::sqrt(e / static_cast<double>(n)) : 0.0;
  for (double& v : x) v *= scale;
  return x;
}

double envelope(double t, double rise, double coda) {
  if (t < 0) return 0;
  const double onset = t < rise ? std::pow(std::sin(0.5 * kPi * t / rise), 2) : 1.0;
  return onset * std::exp(-std::max(0.0, t - rise) / coda);
}

void taper_end(std::vector<double>& w, double fraction) {
  const auto m = static_cast<std::size_t>(fraction * static_cast<double>(w.size()));
  for (std::size_t i = 0; i < m; ++i) {
    const double c = 0.5 * (1 - std::cos(kPi * static_cast<double>(i) / static_cast<double>(m)));
    w[w.size() - 1 - i] *= c;
  }
}

}  // namespace

double brune_corner_hz(double magnitude, double stress_drop_mpa, double vs_km_s) {
  const double m0 = std::pow(10.0, 1.5 * magnitude + 9.1);  // N m (Hanks & Kanamori)
  const double beta = vs_km_s * 1000.0;                    // m/s
  return 0.37 * beta * std::cbrt(16.0 * stress_drop_mpa * 1e6 / (7.0 * m0));
}

Biquad Biquad::lowpass(double f, double q, double fs) {
  const double w0 = 2 * kPi * f / fs, alpha = std::sin(w0) / (2 * q), c = std::cos(w0);
  const double a0 = 1 + alpha;
  return {(1 - c) / 2 / a0, (1 - c) / a0, (1 - c) / 2 / a0, -2 * c / a0, (1 - alpha) / a0};
}

Biquad Biquad::highpass(double f, double q, double fs) {
  const double w0 = 2 * kPi * f / fs, alpha = std::sin(w0) / (2 * q), c = std::cos(w0);
  const double a0 = 1 + alpha;
  return {(1 + c) / 2 / a0, -(1 + c) / a0, (1 + c) / 2 / a0, -2 * c / a0, (1 - alpha) / a0};
}

void Biquad::run(std::vector<double>& x) const {
  double x1 = 0, x2 = 0, y1 = 0, y2 = 0;
  for (double& v : x) {
    const double y = b0 * v + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
    x2 = x1;
    x1 = v;
    y2 = y1;
    y1 = y;
    v = y;
  }
}

std::size_t wavelet_length(const WaveletShape& s) {
  const double seconds = s.s_minus_p_s + s.rise_s + 6.0 * s.coda_s_s;
  return static_cast<std::size_t>(std::ceil(seconds * s.sampling_rate)) + 1;
}

std::vector<double> synthetic_wavelet(const WaveletShape& s, Rng& rng) {
  const std::size_t n = wavelet_length(s);
  const double fs = s.sampling_rate;
  const std::vector<double> np =
      shaped_noise(n, fs, s.corner_hz, s.tstar_p, s.fmin_hz, s.fmax_hz, rng);
  // S: lower corner (slower rupture seen by S) and stronger attenuation.
  const std::vector<double> ns =
      shaped_noise(n, fs, s.corner_hz / 1.5, s.tstar_s, s.fmin_hz, s.fmax_hz, rng);
  std::vector<double> w(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) / fs;
    w[i] = s.p_weight * envelope(t, s.rise_s, s.coda_p_s) * np[i] +
           s.s_weight * envelope(t - s.s_minus_p_s, s.rise_s * 1.5, s.coda_s_s) * ns[i];
  }
  taper_end(w, 0.1);
  return w;
}

std::vector<double> perturbation_like(const std::vector<double>& like, const WaveletShape& s,
                                      Rng& rng) {
  const std::size_t n = like.size();
  const std::vector<double> x =
      shaped_noise(n, s.sampling_rate, s.corner_hz, s.tstar_p, s.fmin_hz, s.fmax_hz, rng);
  // Envelope of the recording: moving RMS over a quarter second.
  const auto half = static_cast<std::ptrdiff_t>(std::max(1.0, 0.125 * s.sampling_rate));
  std::vector<double> csum(n + 1, 0.0);
  for (std::size_t i = 0; i < n; ++i) csum[i + 1] = csum[i] + like[i] * like[i];
  std::vector<double> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto a = static_cast<std::size_t>(std::max<std::ptrdiff_t>(0, static_cast<std::ptrdiff_t>(i) - half));
    const auto b = std::min(n, i + static_cast<std::size_t>(half) + 1);
    out[i] = std::sqrt((csum[b] - csum[a]) / static_cast<double>(b - a)) * x[i];
  }
  return out;
}

bool orthogonalise(std::vector<double>& v, const std::vector<std::vector<double>>& basis) {
  auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
    double s = 0;
    for (std::size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
    return s;
  };
  const double v0 = dot(v, v);
  for (int pass = 0; pass < 2; ++pass)  // twice: Gram-Schmidt loses orthogonality once
    for (const auto& b : basis) {
      const double bb = dot(b, b);
      if (bb <= 0) continue;
      const double c = dot(v, b) / bb;
      for (std::size_t i = 0; i < v.size(); ++i) v[i] -= c * b[i];
    }
  const double vv = dot(v, v);
  if (!(vv > 1e-12 * v0)) return false;
  const double scale = std::sqrt(dot(basis[0], basis[0]) / vv);
  for (double& x : v) x *= scale;
  return true;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa > 0 && bb > 0 ? ab / std::sqrt(aa * bb) : 0.0;
}

std::vector<float> fractional_delay(const std::vector<double>& w, double frac, double gain) {
  const int a = kShiftPad;
  double kernel[2 * kShiftPad];
  // out[m] = w(m - frac) = sum_d w[m + d] * L(-frac - d), d in [-a, a).
  for (int d = -a; d < a; ++d) {
    const double x = -frac - d;
    kernel[d + a] = std::fabs(x) < a ? sinc(x) * sinc(x / a) : 0.0;
  }
  const auto n = static_cast<std::ptrdiff_t>(w.size());
  std::vector<float> out(w.size() + 2 * kShiftPad);
  for (std::ptrdiff_t m = -a; m < n + a; ++m) {
    double s = 0;
    for (int d = -a; d < a; ++d) {
      const std::ptrdiff_t k = m + d;
      if (k >= 0 && k < n) s += w[static_cast<std::size_t>(k)] * kernel[d + a];
    }
    out[static_cast<std::size_t>(m + a)] = static_cast<float>(gain * s);
  }
  return out;
}

}  // namespace qp::synth
