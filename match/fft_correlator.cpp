#include "match/fft_correlator.hpp"

#include <fftw3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <complex>
#include <limits>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

namespace qp::match {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// FFTW's planner is not thread-safe, executing a plan is: plans are made
// under one lock, once per size, and live for the whole process.
struct PlanPair {
  fftwf_plan forward = nullptr;
  fftwf_plan inverse = nullptr;
};

PlanPair plans_for(std::size_t n) {
  static std::mutex lock;
  static std::map<std::size_t, PlanPair> cache;
  std::lock_guard<std::mutex> guard(lock);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  float* real = fftwf_alloc_real(n);
  fftwf_complex* spec = fftwf_alloc_complex(n / 2 + 1);
  PlanPair p;
  // ESTIMATE: the plan depends only on the size, so every rank computes the
  // same bytes (MEASURE may pick a different algorithm per run).
  p.forward = fftwf_plan_dft_r2c_1d(static_cast<int>(n), real, spec, FFTW_ESTIMATE);
  p.inverse = fftwf_plan_dft_c2r_1d(static_cast<int>(n), spec, real, FFTW_ESTIMATE);
  fftwf_free(real);
  fftwf_free(spec);
  if (!p.forward || !p.inverse) throw std::runtime_error("FFTW could not plan size " + std::to_string(n));
  cache.emplace(n, p);
  return p;
}

std::size_t next_pow2(std::size_t n) {
  std::size_t p = 1;
  while (p < n) p <<= 1;
  return p;
}

template <class T>
struct FftwBuffer {
  explicit FftwBuffer(std::size_t n) : data(static_cast<T*>(fftwf_malloc(sizeof(T) * std::max<std::size_t>(n, 1)))) {
    if (!data) throw std::bad_alloc();
  }
  ~FftwBuffer() { fftwf_free(data); }
  FftwBuffer(const FftwBuffer&) = delete;
  FftwBuffer& operator=(const FftwBuffer&) = delete;
  T* data;
};

// Per-call scratch: one data block, its spectrum, a product spectrum, the
// inverse transform, block prefix sums, and one normalisation row per
// distinct template length.
struct Workspace {
  Workspace(std::size_t n, std::size_t lengths)
      : block(n), spectrum(n / 2 + 1), product(n / 2 + 1), inverse(n),
        sum(n + 1), sum_sq(n + 1), bad(n + 1), inv_std(lengths, std::vector<float>(n)), cc(n) {}
  FftwBuffer<float> block;
  FftwBuffer<fftwf_complex> spectrum, product;
  FftwBuffer<float> inverse;
  std::vector<double> sum, sum_sq;
  std::vector<std::uint32_t> bad;
  std::vector<std::vector<float>> inv_std;
  std::vector<float> cc;
};

// Flat windows (constant to about 1 part in 3e4 of their level) give NaN:
// their correlation would be rounding noise.
constexpr double kFlatVarianceRatio = 1e-9;

}  // namespace

FftCorrelator::FftCorrelator(std::vector<TemplateChannel> templates, std::size_t fft_size)
    : templates_(std::move(templates)) {
  if (templates_.empty()) throw std::invalid_argument("FftCorrelator needs at least one template");
  for (const auto& t : templates_) {
    if (t.size() < 2) throw std::invalid_argument("template channel shorter than 2 samples");
    max_length_ = std::max(max_length_, t.size());
  }
  fft_size_ = fft_size ? fft_size : std::max<std::size_t>(1024, next_pow2(8 * max_length_));
  if (fft_size_ <= max_length_ || fft_size_ % 2)
    throw std::invalid_argument("FFT size " + std::to_string(fft_size_) +
                                " must be even and exceed the longest template (" +
                                std::to_string(max_length_) + " samples)");
  for (const auto& t : templates_) {
    auto it = std::find(distinct_lengths_.begin(), distinct_lengths_.end(), t.size());
    length_slot_.push_back(static_cast<std::size_t>(it - distinct_lengths_.begin()));
    if (it == distinct_lengths_.end()) distinct_lengths_.push_back(t.size());
  }
  const PlanPair plans = plans_for(fft_size_);
  forward_ = plans.forward;
  inverse_ = plans.inverse;

  // Template spectra, conjugated (correlation, not convolution) and with the
  // inverse transform's factor 1/N folded in.
  const std::size_t nc = fft_size_ / 2 + 1;
  spectrum_stride_ = (nc + 7) / 8 * 8;  // each spectrum as aligned as the plan's arrays
  spectra_ = static_cast<float*>(fftwf_malloc(sizeof(fftwf_complex) * spectrum_stride_ * templates_.size()));
  if (!spectra_) throw std::bad_alloc();
  FftwBuffer<float> padded(fft_size_);
  const float scale = 1.0f / static_cast<float>(fft_size_);
  for (std::size_t j = 0; j < templates_.size(); ++j) {
    std::fill(padded.data, padded.data + fft_size_, 0.0f);
    std::copy(templates_[j].weights.begin(), templates_[j].weights.end(), padded.data);
    auto* out = reinterpret_cast<fftwf_complex*>(spectra_) + j * spectrum_stride_;
    fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_), padded.data, out);
    for (std::size_t b = 0; b < nc; ++b) {
      out[b][0] *= scale;
      out[b][1] *= -scale;
    }
  }
}

FftCorrelator::~FftCorrelator() { fftwf_free(spectra_); }

void FftCorrelator::correlate(const float* data, const std::uint8_t* mask, std::size_t n,
                              const Sink& sink, CorrelationTiming* timing) const {
  const auto t_start = Clock::now();
  double fftw_seconds = 0;
  const std::size_t N = fft_size_, nc = N / 2 + 1;
  const std::size_t step = N - max_length_ + 1;  // lags per block valid for every template
  std::size_t min_length = max_length_;
  for (auto m : distinct_lengths_) min_length = std::min(min_length, m);
  if (n < min_length) return;
  const std::size_t last_lag = n - min_length;  // largest lag any template has
  Workspace ws(N, distinct_lengths_.size());
  const float nan = std::numeric_limits<float>::quiet_NaN();

  for (std::size_t s = 0; s <= last_lag; s += step) {
    // The block, masked samples and samples past the end zeroed; prefix sums
    // of what the transform sees, and of the samples that are not valid.
    ws.sum[0] = ws.sum_sq[0] = 0;
    ws.bad[0] = 0;
    for (std::size_t i = 0; i < N; ++i) {
      const std::size_t k = s + i;
      const bool valid = k < n && (!mask || mask[k]) && std::isfinite(data[k]);
      const float x = valid ? data[k] : 0.0f;
      ws.block.data[i] = x;
      ws.sum[i + 1] = ws.sum[i] + x;
      ws.sum_sq[i + 1] = ws.sum_sq[i] + static_cast<double>(x) * x;
      ws.bad[i + 1] = ws.bad[i] + (valid ? 0u : 1u);
    }
    auto t0 = Clock::now();
    fftwf_execute_dft_r2c(static_cast<fftwf_plan>(forward_), ws.block.data, ws.spectrum.data);
    fftw_seconds += seconds_since(t0);

    // 1 / window std per lag, once per template length.
    const std::size_t lags_here = std::min(step, last_lag + 1 - s);
    for (std::size_t slot = 0; slot < distinct_lengths_.size(); ++slot) {
      const std::size_t m = distinct_lengths_[slot];
      float* inv = ws.inv_std[slot].data();
      for (std::size_t k = 0; k < lags_here; ++k) {
        const double s1 = ws.sum[k + m] - ws.sum[k];
        const double s2 = ws.sum_sq[k + m] - ws.sum_sq[k];
        const double var = s2 - s1 * s1 / static_cast<double>(m);
        const bool ok = ws.bad[k + m] == ws.bad[k] && var > kFlatVarianceRatio * s2 && var > 0;
        inv[k] = ok ? static_cast<float>(1.0 / std::sqrt(var)) : nan;
      }
    }

    for (std::size_t j = 0; j < templates_.size(); ++j) {
      const std::size_t m = templates_[j].size();
      if (n < m || s > n - m) continue;
      const std::size_t count = std::min(step, n - m + 1 - s);
      const auto* tspec = reinterpret_cast<const fftwf_complex*>(spectra_) + j * spectrum_stride_;
      for (std::size_t b = 0; b < nc; ++b) {
        const float xr = ws.spectrum.data[b][0], xi = ws.spectrum.data[b][1];
        const float tr = tspec[b][0], ti = tspec[b][1];
        ws.product.data[b][0] = xr * tr - xi * ti;
        ws.product.data[b][1] = xr * ti + xi * tr;
      }
      t0 = Clock::now();
      fftwf_execute_dft_c2r(static_cast<fftwf_plan>(inverse_), ws.product.data, ws.inverse.data);
      fftw_seconds += seconds_since(t0);
      const float* inv = ws.inv_std[length_slot_[j]].data();
      for (std::size_t k = 0; k < count; ++k)
        ws.cc[k] = std::clamp(ws.inverse.data[k] * inv[k], -1.0f, 1.0f);  // NaN stays NaN
      sink(j, s, ws.cc.data(), count);
    }
  }
  if (timing) {
    timing->fftw_seconds += fftw_seconds;
    timing->total_seconds += seconds_since(t_start);
  }
}

std::vector<float> FftCorrelator::correlate_one(std::size_t j, const float* data,
                                                const std::uint8_t* mask, std::size_t n) const {
  const std::size_t m = templates_.at(j).size();
  std::vector<float> out(n >= m ? n - m + 1 : 0);
  correlate(data, mask, n, [&](std::size_t t, std::size_t first, const float* cc, std::size_t count) {
    if (t == j) std::copy(cc, cc + count, out.begin() + static_cast<std::ptrdiff_t>(first));
  });
  return out;
}

}  // namespace qp::match
