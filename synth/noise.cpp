#include "synth/noise.hpp"

#include <algorithm>
#include <cmath>

#include "pipeline/error.hpp"
#include "synth/mseed_reader.hpp"

namespace qp::synth {
namespace {

constexpr double kPi = 3.14159265358979323846;

// Relative RMS of the three parts before the common scaling; the microseism
// dominates, as in most real broadband records.
constexpr double kMicroseismWeight = 1.0;
constexpr double kPinkWeight = 0.5;
constexpr double kWhiteWeight = 0.1;

double sinc(double x) {
  if (std::fabs(x) < 1e-12) return 1.0;
  return std::sin(kPi * x) / (kPi * x);
}

}  // namespace

ColouredNoise::ColouredNoise(double fs, double rms, std::uint64_t seed) : rng_(seed), rms_(rms) {
  // RBJ band-pass (constant peak gain) at 0.2 Hz, Q = 2: the secondary
  // microseism is a broad peak around 0.1-0.3 Hz.
  const double f0 = std::min(0.2, 0.45 * fs), q = 2.0;
  const double w0 = 2 * kPi * f0 / fs, alpha = std::sin(w0) / (2 * q);
  const double a0 = 1 + alpha;
  b0_ = alpha / a0;
  b2_ = -alpha / a0;
  a1_ = -2 * std::cos(w0) / a0;
  a2_ = (1 - alpha) / a0;

  // Part weights need each part's RMS for unit white input, and the total
  // (the parts share one white input, so they are correlated) needs the
  // energy of the combined impulse response: measured, deterministic.
  const std::size_t tau = static_cast<std::size_t>(std::max(900.0, q * fs / (kPi * f0)));
  const std::size_t n_probe = 30 * tau;
  std::vector<double> hm(n_probe), hp(n_probe);
  {
    double x1 = 0, x2 = 0, y1 = 0, y2 = 0, pk[7] = {0, 0, 0, 0, 0, 0, 0};
    for (std::size_t i = 0; i < n_probe; ++i) {
      const double x = i == 0 ? 1.0 : 0.0;
      const double y = b0_ * x + b2_ * x2 - a1_ * y1 - a2_ * y2;
      x2 = x1; x1 = x; y2 = y1; y1 = y;
      pk[0] = 0.99886 * pk[0] + x * 0.0555179;
      pk[1] = 0.99332 * pk[1] + x * 0.0750759;
      pk[2] = 0.96900 * pk[2] + x * 0.1538520;
      pk[3] = 0.86650 * pk[3] + x * 0.3104856;
      pk[4] = 0.55000 * pk[4] + x * 0.5329522;
      pk[5] = -0.7616 * pk[5] - x * 0.0168980;
      hp[i] = pk[0] + pk[1] + pk[2] + pk[3] + pk[4] + pk[5] + pk[6] + x * 0.5362;
      pk[6] = x * 0.115926;
      hm[i] = y;
    }
  }
  double e_m = 0, e_p = 0;
  for (std::size_t i = 0; i < n_probe; ++i) e_m += hm[i] * hm[i], e_p += hp[i] * hp[i];
  wm_ = kMicroseismWeight / std::sqrt(e_m);
  wp_ = kPinkWeight / std::sqrt(e_p);
  ww_ = kWhiteWeight;
  double e_total = 0;
  for (std::size_t i = 0; i < n_probe; ++i) {
    const double h = wm_ * hm[i] + wp_ * hp[i] + (i == 0 ? ww_ : 0.0);
    e_total += h * h;
  }
  gain_ = rms / std::sqrt(e_total);
  // Start in the steady state rather than from rest.
  for (std::size_t i = 0; i < 10 * tau; ++i) step(rng_.fast_normal());
}

inline double ColouredNoise::step(double x) {
  const double y = b0_ * x + b2_ * x2_ - a1_ * y1_ - a2_ * y2_;
  x2_ = x1_;
  x1_ = x;
  y2_ = y1_;
  y1_ = y;
  pink_[0] = 0.99886 * pink_[0] + x * 0.0555179;
  pink_[1] = 0.99332 * pink_[1] + x * 0.0750759;
  pink_[2] = 0.96900 * pink_[2] + x * 0.1538520;
  pink_[3] = 0.86650 * pink_[3] + x * 0.3104856;
  pink_[4] = 0.55000 * pink_[4] + x * 0.5329522;
  pink_[5] = -0.7616 * pink_[5] - x * 0.0168980;
  const double p = pink_[0] + pink_[1] + pink_[2] + pink_[3] + pink_[4] + pink_[5] + pink_[6] +
                   x * 0.5362;
  pink_[6] = x * 0.115926;
  return gain_ * (wm_ * y + wp_ * p + ww_ * x);
}

void ColouredNoise::fill(double* out, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i) out[i] = step(rng_.fast_normal());
}

std::vector<double> resample(const std::vector<double>& x, double fs_in, double fs_out) {
  if (fs_in == fs_out || x.empty()) return x;
  const double ratio = fs_in / fs_out;               // input samples per output sample
  const double cut = std::min(1.0, fs_out / fs_in);  // low-pass when decimating
  const int a = 8;                                   // Lanczos lobes
  const int half = static_cast<int>(std::ceil(a / cut));
  const int taps = 2 * half;
  // Kernels tabulated at 1/1024 sample steps of the fractional position:
  // sin() per tap would dominate the run time of day-long inputs.
  constexpr int kPhases = 1024;
  std::vector<double> table(static_cast<std::size_t>((kPhases + 1) * taps));
  for (int ph = 0; ph <= kPhases; ++ph) {
    const double frac = static_cast<double>(ph) / kPhases;
    double sum = 0;
    for (int j = 0; j < taps; ++j) {
      const double d = (frac + half - 1 - j) * cut;  // tap j is input k0 + j
      const double w = std::fabs(d) < a ? sinc(d) * sinc(d / a) : 0.0;
      table[static_cast<std::size_t>(ph * taps + j)] = w;
      sum += w;
    }
    for (int j = 0; j < taps; ++j) table[static_cast<std::size_t>(ph * taps + j)] /= sum;
  }
  const auto n_out = static_cast<std::size_t>(std::floor((x.size() - 1) / ratio)) + 1;
  std::vector<double> y(n_out);
  const auto n_in = static_cast<std::int64_t>(x.size());
  for (std::size_t j = 0; j < n_out; ++j) {
    const double t = static_cast<double>(j) * ratio;
    const double fl = std::floor(t);
    const auto ph = static_cast<int>(std::lround((t - fl) * kPhases));
    const double* w = &table[static_cast<std::size_t>(ph * taps)];
    const std::int64_t k0 = static_cast<std::int64_t>(fl) - half + 1;
    double s = 0;
    for (int i = 0; i < taps; ++i) {
      // Mirror at the ends so the edges are not pulled towards zero.
      std::int64_t k = k0 + i;
      if (k < 0) k = -k;
      if (k >= n_in) k = 2 * (n_in - 1) - k;
      k = std::clamp<std::int64_t>(k, 0, n_in - 1);
      s += w[i] * x[static_cast<std::size_t>(k)];
    }
    y[j] = s;
  }
  return y;
}

std::shared_ptr<const RealNoiseRecord> RealNoiseRecord::load(const std::string& file,
                                                             double sampling_rate) {
  const std::vector<MseedTrace> traces = read_mseed_traces(file);
  const MseedTrace* best = nullptr;
  for (const auto& t : traces)
    if (!best || t.samples.size() > best->samples.size()) best = &t;
  if (!best || best->samples.size() < 16 || !(best->sampling_rate > 0))
    throw InputError(file, "holds no usable trace of noise (need at least 16 samples)");
  std::vector<double> x = best->samples;
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  for (double& v : x) v -= mean;
  x = resample(x, best->sampling_rate, sampling_rate);
  double e = 0;
  for (double v : x) e += v * v;
  const double rms = std::sqrt(e / static_cast<double>(x.size()));
  if (!(rms > 0)) throw InputError(file, "noise trace " + best->id + " is constant");
  auto rec = std::shared_ptr<RealNoiseRecord>(new RealNoiseRecord());
  rec->x_.resize(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) rec->x_[i] = static_cast<float>(x[i] / rms);
  rec->id_ = best->id;
  return rec;
}

RealNoise::RealNoise(std::shared_ptr<const RealNoiseRecord> record, double rms,
                     std::uint64_t offset, bool flip_polarity)
    : rec_(std::move(record)), rms_(rms), scale_(flip_polarity ? -rms : rms) {
  const std::uint64_t period = 2 * rec_->samples().size() - 2;
  pos_ = offset % period;
}

void RealNoise::fill(double* out, std::size_t n) {
  // Forward then backward: continuous at both turning points, no seam.
  const auto& x = rec_->samples();
  const std::uint64_t len = x.size(), period = 2 * len - 2;
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint64_t k = pos_ < len ? pos_ : period - pos_;
    out[i] = scale_ * x[k];
    if (++pos_ == period) pos_ = 0;
  }
}

}  // namespace qp::synth
