#include "fingerprint/spectrogram.hpp"

#include <fftw3.h>

// SciPy's FFT (scipy.fft is pocketfft), as Debian ships it with pythran.
#define POCKETFFT_NO_MULTITHREADING
#include <pocketfft.hpp>

#include <cassert>
#include <cmath>
#include <mutex>

namespace qp::fp {

namespace {

// FFTW's planner is not thread-safe; plans are made under this lock.
std::mutex& planner_mutex() {
  static std::mutex m;
  return m;
}

}  // namespace

struct Spectrogram::ReferencePlan {
  explicit ReferencePlan(std::size_t n) : plan(n) {}
  pocketfft::detail::pocketfft_r<float> plan;
};

class Spectrogram::Workspace {
 public:
  explicit Workspace(int n)
      : in(fftw_alloc_real(static_cast<std::size_t>(n))),
        out(fftw_alloc_complex(static_cast<std::size_t>(n / 2 + 1))),
        demeaned(static_cast<std::size_t>(n)) {}
  ~Workspace() {
    fftw_free(in);
    fftw_free(out);
  }
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;
  double* in;
  fftw_complex* out;
  std::vector<float> demeaned;
};

float numpy_pairwise_sum(const float* a, std::size_t n) {
  if (n < 8) {
    float res = 0.f;
    for (std::size_t i = 0; i < n; ++i) res += a[i];
    return res;
  }
  if (n <= 128) {  // NumPy's PW_BLOCKSIZE
    float r[8];
    for (int j = 0; j < 8; ++j) r[j] = a[j];
    std::size_t i = 8;
    for (; i < n - (n % 8); i += 8)
      for (int j = 0; j < 8; ++j) r[j] += a[i + j];
    float res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
    for (; i < n; ++i) res += a[i];
    return res;
  }
  std::size_t n2 = n / 2;
  n2 -= n2 % 8;
  return numpy_pairwise_sum(a, n2) + numpy_pairwise_sum(a + n2, n - n2);
}

std::vector<double> periodic_hann(int n) {
  // scipy: general_cosine(n+1, [0.5, 0.5]) truncated to n points, with
  // fac = linspace(-pi, pi, n+1) computed as i*step + (-pi).
  std::vector<double> w(static_cast<std::size_t>(n));
  const double step = (M_PI - (-M_PI)) / n;
  for (int i = 0; i < n; ++i) {
    const double fac = static_cast<double>(i) * step + (-M_PI);
    w[static_cast<std::size_t>(i)] = 0.5 + 0.5 * std::cos(fac);
  }
  return w;
}

Spectrogram::Spectrogram(const FingerprintParams& p)
    : Spectrogram(p.sampling_rate, p.nperseg(), p.hop(), p.min_freq, p.max_freq,
                  p.mode == FrameMode::kFast ? FftPrecision::kReference : FftPrecision::kDouble) {}

Spectrogram::Spectrogram(double sampling_rate, int nperseg, int hop, double min_freq,
                         double max_freq, FftPrecision precision)
    : fs_(sampling_rate), nperseg_(nperseg), hop_(hop), precision_(precision) {
  assert(nperseg >= 2 && hop >= 1);
  const auto n = static_cast<std::size_t>(nperseg);
  const std::vector<double> w = periodic_hann(nperseg);
  window_.resize(n);
  std::vector<float> w2(n);
  for (std::size_t i = 0; i < n; ++i) {
    window_[i] = static_cast<float>(w[i]);
    w2[i] = window_[i] * window_[i];
  }
  // scale = 1.0/(fs*(win*win).sum()) with win complex64: float32 throughout.
  const float fs32 = static_cast<float>(fs_);
  scale_ = 1.0f / (fs32 * numpy_pairwise_sum(w2.data(), n));

  // Crop (FeatureExtractor.data_to_spectrogram): f = j*(1/(nfft*(1/fs))).
  const int nbins = nperseg / 2 + 1;
  const double val = 1.0 / (nperseg * (1.0 / fs_));
  int lo = 0, hi = nbins;  // [lo, hi)
  if (min_freq > 0) {
    while (lo < nbins && static_cast<double>(lo) * val < min_freq) ++lo;
  }
  if (lo < nbins && max_freq < static_cast<double>(nbins - 1) * val) {
    hi = lo;
    while (hi < nbins && static_cast<double>(hi) * val <= max_freq) ++hi;
  }
  row_begin_ = lo;
  rows_ = std::max(0, hi - lo);

  if (precision_ == FftPrecision::kReference) {
    reference_plan_ = std::make_unique<ReferencePlan>(n);
    return;
  }
  Workspace ws(nperseg);
  std::lock_guard<std::mutex> lock(planner_mutex());
  plan_ = fftw_plan_dft_r2c_1d(nperseg, ws.in, ws.out, FFTW_ESTIMATE);
  assert(plan_ != nullptr);
}

Spectrogram::~Spectrogram() {
  std::lock_guard<std::mutex> lock(planner_mutex());
  if (plan_) fftw_destroy_plan(static_cast<fftw_plan>(plan_));
}

std::vector<double> Spectrogram::frequencies() const {
  const double val = 1.0 / (nperseg_ * (1.0 / fs_));
  std::vector<double> f(static_cast<std::size_t>(rows_));
  for (int r = 0; r < rows_; ++r) f[static_cast<std::size_t>(r)] = (row_begin_ + r) * val;
  return f;
}

std::size_t Spectrogram::num_frames(std::size_t n) const {
  const auto np = static_cast<std::size_t>(nperseg_);
  if (n < np) return 0;
  return (n - np) / static_cast<std::size_t>(hop_) + 1;
}

double Spectrogram::frame_time(std::size_t k) const {
  return (nperseg_ / 2.0 + static_cast<double>(k) * hop_) / fs_;
}

void Spectrogram::WorkspaceDeleter::operator()(Workspace* w) const { delete w; }

Spectrogram::WorkspacePtr Spectrogram::workspace() const {
  return WorkspacePtr(new Workspace(nperseg_));
}

void Spectrogram::frame(const float* x, float* rows_out, Workspace& ws) const {
  const auto n = static_cast<std::size_t>(nperseg_);
  // detrend('constant'): x - mean(x), all in float32 as NumPy does.
  const float mean = numpy_pairwise_sum(x, n) / static_cast<float>(n);
  float* buf = ws.demeaned.data();
  for (std::size_t i = 0; i < n; ++i) buf[i] = window_[i] * (x[i] - mean);
  // Bin j as (re, im); pocketfft leaves FFTPACK's order r0, r1, i1, r2, i2, ...
  auto bin = [&](int j) -> std::pair<float, float> {
    if (precision_ == FftPrecision::kReference) {
      if (j == 0) return {buf[0], 0.0f};
      const std::size_t k = 2 * static_cast<std::size_t>(j) - 1;
      return {buf[k], k + 1 < n ? buf[k + 1] : 0.0f};
    }
    return {static_cast<float>(ws.out[j][0]), static_cast<float>(ws.out[j][1])};
  };
  if (precision_ == FftPrecision::kReference) {
    reference_plan_->plan.exec(buf, 1.0f, true);
  } else {
    for (std::size_t i = 0; i < n; ++i) ws.in[i] = static_cast<double>(buf[i]);
    fftw_execute_dft_r2c(static_cast<fftw_plan>(plan_), ws.in, ws.out);
  }
  const int last = nperseg_ / 2;  // Nyquist bin when nperseg is even
  for (int r = 0; r < rows_; ++r) {
    const int j = row_begin_ + r;
    const auto [re, im] = bin(j);
    float p = re * re + im * im;  // conj(X)*X in complex64
    p *= scale_;
    // One-sided: double all bins but DC and (for even nfft) Nyquist.
    if (j != 0 && !(nperseg_ % 2 == 0 && j == last)) p *= 2.0f;
    rows_out[r] = p;
  }
}

std::vector<float> Spectrogram::compute(const float* x, std::size_t n) const {
  const std::size_t ncol = num_frames(n);
  std::vector<float> out(ncol * static_cast<std::size_t>(rows_));
  auto ws = workspace();
  for (std::size_t k = 0; k < ncol; ++k)
    frame(x + k * static_cast<std::size_t>(hop_), out.data() + k * static_cast<std::size_t>(rows_),
          *ws);
  return out;
}

}  // namespace qp::fp
