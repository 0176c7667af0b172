#include "synth/noise.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "pipeline/error.hpp"
#include "preprocess/waveform_reader.hpp"

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

RealFft::RealFft(std::size_t length) : m_(length / 2) {
  if (length < 4 || (length & (length - 1)) != 0)
    throw std::invalid_argument("RealFft: length must be a power of two >= 4");
  tw_re_.resize(m_ / 2 + 1);
  tw_im_.resize(m_ / 2 + 1);
  for (std::size_t j = 0; j <= m_ / 2; ++j) {
    const double a = -2 * kPi * static_cast<double>(j) / static_cast<double>(m_);
    tw_re_[j] = std::cos(a);
    tw_im_[j] = std::sin(a);
  }
  half_re_.resize(m_ + 1);
  half_im_.resize(m_ + 1);
  for (std::size_t k = 0; k <= m_; ++k) {
    const double a = -kPi * static_cast<double>(k) / static_cast<double>(m_);
    half_re_[k] = std::cos(a);
    half_im_[k] = std::sin(a);
  }
  st_re_.resize(m_);
  st_im_.resize(m_);
  for (std::size_t half = 1; half < m_; half <<= 1)
    for (std::size_t j = 0; j < half; ++j) {
      st_re_[half - 1 + j] = tw_re_[j * (m_ / (2 * half))];
      st_im_[half - 1 + j] = tw_im_[j * (m_ / (2 * half))];
    }
  int bits = 0;
  while ((std::size_t{1} << bits) < m_) ++bits;
  bitrev_.resize(m_);
  for (std::size_t i = 0; i < m_; ++i) {
    std::uint32_t r = 0;
    for (int b = 0; b < bits; ++b)
      if (i & (std::size_t{1} << b)) r |= std::uint32_t{1} << (bits - 1 - b);
    bitrev_[i] = r;
  }
  zr_.resize(m_);
  zi_.resize(m_);
}

void RealFft::complex_fft(double* re, double* im, bool inverse) const {
  const std::size_t m = m_;
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t j = bitrev_[i];
    if (j > i) {
      std::swap(re[i], re[j]);
      std::swap(im[i], im[j]);
    }
  }
  // Length-2 butterflies need no twiddles.
  for (std::size_t i = 0; i < m; i += 2) {
    const double tr = re[i + 1], ti = im[i + 1];
    re[i + 1] = re[i] - tr;
    im[i + 1] = im[i] - ti;
    re[i] += tr;
    im[i] += ti;
  }
  const double sgn = inverse ? -1.0 : 1.0;
  // Twiddles of the stage of length `len` are stored together from len/2 - 1.
  for (std::size_t len = 4; len <= m; len <<= 1) {
    const std::size_t half = len / 2;
    const double* wr = &st_re_[half - 1];
    const double* wi = &st_im_[half - 1];
    for (std::size_t i = 0; i < m; i += len) {
      double* ar = re + i;
      double* ai = im + i;
      double* br = ar + half;
      double* bi = ai + half;
      for (std::size_t j = 0; j < half; ++j) {
        const double w_i = sgn * wi[j];
        const double tr = br[j] * wr[j] - bi[j] * w_i;
        const double ti = br[j] * w_i + bi[j] * wr[j];
        br[j] = ar[j] - tr;
        bi[j] = ai[j] - ti;
        ar[j] += tr;
        ai[j] += ti;
      }
    }
  }
}

void RealFft::forward(const double* x, double* re, double* im) const {
  const std::size_t m = m_;
  for (std::size_t n = 0; n < m; ++n) zr_[n] = x[2 * n], zi_[n] = x[2 * n + 1];
  complex_fft(zr_.data(), zi_.data(), false);
  // Even part E_k = (Z_k + conj Z_{M-k}) / 2, odd part O_k = (Z_k - conj Z_{M-k}) / 2i,
  // X_k = E_k + exp(-2 pi i k / L) O_k.
  for (std::size_t k = 0; k <= m; ++k) {
    const std::size_t a = k % m, b = (m - k) % m;
    const double er = 0.5 * (zr_[a] + zr_[b]), ei = 0.5 * (zi_[a] - zi_[b]);
    const double orr = 0.5 * (zi_[a] + zi_[b]), oi = -0.5 * (zr_[a] - zr_[b]);
    re[k] = er + half_re_[k] * orr - half_im_[k] * oi;
    im[k] = ei + half_re_[k] * oi + half_im_[k] * orr;
  }
}

void RealFft::inverse(double* re, double* im, double* y) const {
  const std::size_t m = m_;
  im[0] = 0;
  im[m] = 0;
  // 2 E_k = Y_k + conj Y_{M-k}, 2 O_k = (Y_k - conj Y_{M-k}) exp(+2 pi i k / L);
  // z_n = y_2n + i y_2n+1 is the inverse length-M transform of 2 E + 2i O.
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t c = m - k;
    const double er = re[k] + re[c], ei = im[k] - im[c];
    const double dr = re[k] - re[c], di = im[k] + im[c];
    const double orr = dr * half_re_[k] + di * half_im_[k];  // times conj(exp(-i..))
    const double oi = di * half_re_[k] - dr * half_im_[k];
    zr_[k] = er - oi;
    zi_[k] = ei + orr;
  }
  complex_fft(zr_.data(), zi_.data(), true);
  for (std::size_t n = 0; n < m; ++n) y[2 * n] = zr_[n], y[2 * n + 1] = zi_[n];
}

std::shared_ptr<const RealNoiseRecord> RealNoiseRecord::load(const std::string& file,
                                                             double sampling_rate) {
  const std::vector<pre::Trace> traces = pre::read_waveform_file(file);
  const pre::Trace* best = nullptr;
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
  if (!(e > 0)) throw InputError(file, "noise trace " + best->seed_id + " is constant");
  if (x.size() < 16)
    throw InputError(file, "noise trace " + best->seed_id + " is shorter than 16 samples at the output rate");
  try {
    return from_samples(std::move(x), sampling_rate, best->seed_id);
  } catch (const std::invalid_argument&) {
    throw InputError(file, "noise trace " + best->seed_id + " is a straight line (no noise)");
  }
}

std::shared_ptr<const RealNoiseRecord> RealNoiseRecord::from_samples(std::vector<double> x,
                                                                     double sampling_rate,
                                                                     std::string id) {
  if (x.size() < 16) throw std::invalid_argument("RealNoiseRecord: needs at least 16 samples");
  double mean = 0;
  for (double v : x) mean += v;
  mean /= static_cast<double>(x.size());
  double e = 0;
  for (double& v : x) v -= mean, e += v * v;
  const double rms = std::sqrt(e / static_cast<double>(x.size()));
  if (!(rms > 0)) throw std::invalid_argument("RealNoiseRecord: constant record");
  for (double& v : x) v /= rms;

  auto rec = std::shared_ptr<RealNoiseRecord>(new RealNoiseRecord());
  rec->id_ = std::move(id);
  rec->n_ = x.size();
  // Segments of >= 120 s: longer than any fingerprint or correlation window,
  // so whatever happens inside one is spread evenly over it.
  std::size_t l = 16;
  while (static_cast<double>(l) < 120.0 * sampling_rate && 2 * l <= x.size()) l *= 2;
  while (l > x.size()) l /= 2;
  rec->l_ = l;
  const std::size_t m = l / 2;
  // Spectra of segments at half-overlapping positions, at most 4 Mi values
  // (16 MB) in all: a longer record gets more widely spaced segments.
  const std::size_t fit = (x.size() - l) / m + 1;
  const std::size_t cap = std::max<std::size_t>(8, (std::size_t{1} << 22) / (m + 1));
  const std::size_t n_spec = std::min(fit, cap);
  rec->n_spec_ = n_spec;
  rec->amp_.resize(n_spec * (m + 1));
  // Each segment loses its straight-line trend (drift longer than a segment
  // cannot be reproduced, and through the window it would leak into the
  // lowest bins), then gets a Hann window. 1 / (L sqrt(mean(hann^2))) gives
  // amplitudes whose inverse transform (no 1/L) with any phases has the
  // segment's energy: mean(hann^2) = 3/8.
  std::vector<double> hann(l), seg(l), re(m + 1), im(m + 1);
  for (std::size_t n = 0; n < l; ++n)
    hann[n] = 0.5 - 0.5 * std::cos(2 * kPi * static_cast<double>(n) / static_cast<double>(l));
  const double norm = 1.0 / (static_cast<double>(l) * std::sqrt(3.0 / 8.0));
  const double tc = 0.5 * static_cast<double>(l - 1);
  double tt = 0;
  for (std::size_t n = 0; n < l; ++n) tt += (static_cast<double>(n) - tc) * (static_cast<double>(n) - tc);
  const RealFft fft(l);
  double power = 0;  // mean square of a generated segment, summed over spectra
  for (std::size_t j = 0; j < n_spec; ++j) {
    const std::size_t from = n_spec == 1 ? 0 : j * (x.size() - l) / (n_spec - 1);
    double mean = 0, slope = 0;
    for (std::size_t n = 0; n < l; ++n) {
      mean += x[from + n];
      slope += x[from + n] * (static_cast<double>(n) - tc);
    }
    mean /= static_cast<double>(l);
    slope /= tt;
    for (std::size_t n = 0; n < l; ++n)
      seg[n] = (x[from + n] - mean - slope * (static_cast<double>(n) - tc)) * hann[n];
    fft.forward(seg.data(), re.data(), im.data());
    float* a = &rec->amp_[j * (m + 1)];
    a[0] = 0.0f;  // no offset
    for (std::size_t k = 1; k <= m; ++k) {
      const double v = std::sqrt(re[k] * re[k] + im[k] * im[k]) * norm;
      a[k] = static_cast<float>(v);
      power += (k < m ? 2.0 : 1.0) * v * v;
    }
  }
  // Unit RMS of the generated noise (averaged over the segments), so the
  // channel gets the RMS asked for whatever drift the record had.
  power /= static_cast<double>(n_spec);
  if (!(power > 0)) throw std::invalid_argument("RealNoiseRecord: no power after detrending");
  const double g = 1.0 / std::sqrt(power);
  for (float& v : rec->amp_) v = static_cast<float>(v * g);
  return rec;
}

namespace {

// Unit phasors at 4096 phases: random phases without a sin/cos per bin.
constexpr int kPhaseBits = 12;
const std::vector<double>& phase_table() {
  static const std::vector<double> t = [] {
    std::vector<double> v(2 << kPhaseBits);
    for (int i = 0; i < (1 << kPhaseBits); ++i) {
      const double a = 2 * kPi * i / (1 << kPhaseBits);
      v[2 * i] = std::cos(a);
      v[2 * i + 1] = std::sin(a);
    }
    return v;
  }();
  return t;
}

}  // namespace

RealNoise::RealNoise(std::shared_ptr<const RealNoiseRecord> record, double rms, std::uint64_t seed)
    : rec_(std::move(record)), rms_(rms), rng_(seed), fft_(rec_->segment_length()) {
  const std::size_t l = rec_->segment_length(), h = l / 2;
  window_.resize(l);
  for (std::size_t n = 0; n < l; ++n)
    window_[n] = std::sin(kPi * (static_cast<double>(n) + 0.5) / static_cast<double>(l));
  re_.resize(h + 1);
  im_.resize(h + 1);
  seg_.resize(l);
  ready_.resize(h);
  tail_.resize(h);
  // Start with a full segment's second half, so the first samples already
  // have the full level.
  next_segment();
  for (std::size_t i = 0; i < h; ++i) tail_[i] = seg_[h + i];
  pos_ = h;
}

void RealNoise::next_segment() {
  const std::size_t l = rec_->segment_length(), h = l / 2;
  const float* a = rec_->spectrum(static_cast<std::size_t>(rng_.next() % rec_->n_spectra()));
  const double* ph = phase_table().data();
  constexpr std::uint64_t mask = (1u << kPhaseBits) - 1;
  std::uint64_t bits = 0;
  int left = 0;
  for (std::size_t k = 1; k < h; ++k) {
    if (left == 0) bits = rng_.next(), left = 64 / kPhaseBits;
    const std::size_t i = static_cast<std::size_t>(bits & mask);
    bits >>= kPhaseBits;
    --left;
    re_[k] = a[k] * ph[2 * i];
    im_[k] = a[k] * ph[2 * i + 1];
  }
  re_[0] = 0;
  re_[h] = (rng_.next() >> 63) ? a[h] : -a[h];  // Nyquist: real, random sign
  fft_.inverse(re_.data(), im_.data(), seg_.data());
  for (std::size_t n = 0; n < l; ++n) seg_[n] *= window_[n];
}

void RealNoise::fill(double* out, std::size_t n) {
  // Segments overlap by half: each output sample is the sum of two windowed,
  // independent segments whose squared windows add to 1 (constant variance).
  const std::size_t h = rec_->segment_length() / 2;
  for (std::size_t i = 0; i < n;) {
    if (pos_ == h) {
      next_segment();
      for (std::size_t k = 0; k < h; ++k) {
        ready_[k] = tail_[k] + seg_[k];
        tail_[k] = seg_[h + k];
      }
      pos_ = 0;
    }
    const std::size_t take = std::min(n - i, h - pos_);
    for (std::size_t k = 0; k < take; ++k) out[i + k] = rms_ * ready_[pos_ + k];
    i += take;
    pos_ += take;
  }
}

}  // namespace qp::synth
