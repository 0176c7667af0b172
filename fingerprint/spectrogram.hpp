// Power spectral density columns with scipy.signal.spectrogram semantics
// (the FAST reference's call): periodic Hann window, per-frame mean removal,
// nfft = nperseg, one-sided "density" scaling, rows cropped by FAST's rules.
//
// Single-precision inputs are handled as NumPy does for float32 data (window
// rounded to float32, float32 pairwise mean, float32 products and scaling).
// The FFT: FftPrecision::kReference runs SciPy's own float32 pocketfft (the
// header Debian ships with python3-pythran), so every column is bit-identical
// to scipy.signal.spectrogram's ("fast" mode: near-ties at the top-k boundary
// then fall as in FAST); FftPrecision::kDouble runs FFTW in double precision,
// closer to the exact transform (the default "quakeprint" mode).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "fingerprint/params.hpp"

namespace qp::fp {

/// Which FFT computes the columns (see the file comment).
enum class FftPrecision { kDouble, kReference };

class Spectrogram {
 public:
  /// Per-thread scratch (FFTW buffers); make one per thread with workspace().
  class Workspace;
  struct WorkspaceDeleter {
    void operator()(Workspace* w) const;
  };
  using WorkspacePtr = std::unique_ptr<Workspace, WorkspaceDeleter>;

  /// Makes the FFTW plan once (FFTW_ESTIMATE: deterministic plan choice, so
  /// every process gives the same rounding).
  Spectrogram(double sampling_rate, int nperseg, int hop, double min_freq, double max_freq,
              FftPrecision precision = FftPrecision::kDouble);
  /// kReference in "fast" mode, kDouble otherwise.
  explicit Spectrogram(const FingerprintParams& p);
  ~Spectrogram();
  Spectrogram(const Spectrogram&) = delete;
  Spectrogram& operator=(const Spectrogram&) = delete;

  int nperseg() const { return nperseg_; }
  int hop() const { return hop_; }
  /// First kept row (index into the full one-sided spectrum) and row count.
  int row_begin() const { return row_begin_; }
  int rows() const { return rows_; }
  /// Frequencies of the kept rows, Hz (j*fs/nperseg as numpy.fft.rfftfreq).
  std::vector<double> frequencies() const;
  /// Columns scipy makes from n samples: floor((n - nperseg)/hop) + 1, or 0.
  std::size_t num_frames(std::size_t n) const;
  /// Centre of frame k, seconds after the first sample: (nperseg/2 + k*hop)/fs.
  double frame_time(std::size_t k) const;

  WorkspacePtr workspace() const;

  /// One column: the kept rows (lowest frequency first) of the frame that
  /// starts at x[0] (nperseg samples are read).
  void frame(const float* x, float* rows_out, Workspace& ws) const;

  /// Whole segment: column-major result, column k at out[k*rows()].
  std::vector<float> compute(const float* x, std::size_t n) const;

 private:
  double fs_;
  int nperseg_, hop_;
  int row_begin_ = 0, rows_ = 0;
  std::vector<float> window_;  // periodic Hann rounded to float32
  float scale_ = 0;            // 1/(fs*sum(w^2)) in float32, as NumPy computes it
  FftPrecision precision_;
  void* plan_ = nullptr;       // fftw_plan (kDouble)
  struct ReferencePlan;        // pocketfft_r<float> (kReference)
  std::unique_ptr<ReferencePlan> reference_plan_;
};

/// NumPy's pairwise float32 summation (np.add.reduce on a contiguous float32
/// axis), reproduced exactly so per-frame means round as in the reference.
float numpy_pairwise_sum(const float* a, std::size_t n);

/// Periodic Hann window as scipy.signal.get_window('hann', n) (double).
std::vector<double> periodic_hann(int n);

}  // namespace qp::fp
