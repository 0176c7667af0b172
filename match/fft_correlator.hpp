// Normalised cross-correlation of template channels with one channel of
// continuous data, by FFT (FFTW single precision, overlap-save blocks).
//
// cc[k] = sum_i w[i] x[k+i] / sqrt(sum_i (x[k+i] - mean_k)^2) for the window
// x[k, k+m) of lag k, with w the template channel (demeaned, unit norm): the
// Pearson correlation of the template with that window, in [-1, 1].
// Masked samples (mask 0) are zeroed before the transform, and every lag
// whose window touches one, or whose window is flat, gives NaN: masked data
// never produce a correlation value. The window sums are taken in float64
// from prefix sums restarted in every block, so a day-long record loses no
// precision.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "match/template_channel.hpp"

namespace qp::match {

/// Where the time of a correlation goes (accumulated over calls).
struct CorrelationTiming {
  double total_seconds = 0;
  double fftw_seconds = 0;  ///< inside fftwf_execute_* (forward and inverse transforms)
};

class FftCorrelator {
 public:
  /// Correlates with all `templates` (any lengths) in one pass over the data:
  /// each data block is transformed once. `fft_size` 0 chooses the next power
  /// of two >= 8 x the longest template (at least 1024); otherwise it must
  /// exceed the longest template. FFTW plans are made once per size (FFTW_ESTIMATE,
  /// so the same size always gives the same plan and the same bytes) and reused.
  explicit FftCorrelator(std::vector<TemplateChannel> templates, std::size_t fft_size = 0);
  ~FftCorrelator();
  FftCorrelator(const FftCorrelator&) = delete;
  FftCorrelator& operator=(const FftCorrelator&) = delete;

  std::size_t fft_size() const { return fft_size_; }
  std::size_t template_count() const { return templates_.size(); }
  const TemplateChannel& template_channel(std::size_t j) const { return templates_[j]; }

  /// Receives consecutive runs of lags of template j: cc[0, count) are the
  /// lags first_lag, first_lag + 1, ... (NaN where undefined). Runs of one
  /// template arrive in increasing lag order and cover lags [0, n - m_j].
  using Sink = std::function<void(std::size_t template_index, std::size_t first_lag,
                                  const float* cc, std::size_t count)>;

  /// Correlates every template with data[0, n); mask (may be null: all
  /// valid) has n entries. Thread-safe: concurrent calls share only the
  /// read-only template spectra and plans. Adds its time to `timing`.
  void correlate(const float* data, const std::uint8_t* mask, std::size_t n, const Sink& sink,
                 CorrelationTiming* timing = nullptr) const;

  /// All lags [0, n - m_j] of template j (empty when n < m_j); for tests and
  /// small inputs.
  std::vector<float> correlate_one(std::size_t j, const float* data, const std::uint8_t* mask,
                                   std::size_t n) const;

 private:
  std::vector<TemplateChannel> templates_;
  std::size_t fft_size_ = 0;
  std::size_t max_length_ = 0;
  std::vector<std::size_t> distinct_lengths_;
  std::vector<std::size_t> length_slot_;  ///< template j -> index into distinct_lengths_
  float* spectra_ = nullptr;              ///< conj(FFT(w_j)) / N, (N/2+1) complex per template
  std::size_t spectrum_stride_ = 0;       ///< complex values from one template's spectrum to the next
  void* forward_ = nullptr;               ///< fftwf_plan r2c of size N
  void* inverse_ = nullptr;               ///< fftwf_plan c2r of size N
};

}  // namespace qp::match
