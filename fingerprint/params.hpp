// Fingerprint parameters (config section [fingerprint]), with FAST's names
// and defaults (FAST fingerprint/sample_fp_params.json), and the values
// derived from them (image size, bits, spacing in time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "pipeline/time.hpp"

namespace qp {
class ConfigSection;
template <class P>
class ParamTable;
}

namespace qp::fp {

/// Where frames and images start.
enum class FrameMode {
  /// Frames start at each contiguous segment's first sample, as FAST does,
  /// and every step rounds as FAST's Python does (SciPy's float32 FFT,
  /// NumPy's norm and argsort orders, float64 coefficients): bit-identical
  /// fingerprints (docs/fingerprints.md).
  kFast,
  /// Frames start on multiples of spec_lag since the epoch and images on
  /// multiples of dt_fp, so fingerprints of chunks, days and stations line up.
  kQuakeprint,
};

struct FingerprintParams {
  double sampling_rate = 100.0;  ///< Hz; must equal the preprocess output rate
  double min_freq = 2.0;         ///< Hz; lowest spectrogram row kept (0: keep DC)
  double max_freq = 20.0;        ///< Hz; highest spectrogram row kept
  double spec_length = 6.0;      ///< s; STFT window
  double spec_lag = 0.2;         ///< s; STFT hop
  int fp_length = 128;           ///< spectral-image width in STFT columns
  int fp_lag = 10;               ///< image hop in STFT columns
  int nfreq = 32;                ///< image height after resize (power of two)
  int k_coef = 1600;             ///< top wavelet coefficients kept
  double mad_sampling_rate = 0.1;       ///< fraction of data sampled for median/MAD
  double mad_sample_interval = 14400;   ///< s; one sample window per interval
  FrameMode mode = FrameMode::kQuakeprint;
  std::optional<std::string> mad_file;  ///< FAST MAD text file to use instead of sampling

  /// Reads every key with its default and validates; errors name the key.
  static FingerprintParams from_config(qp::ConfigSection& s);

  /// Throws qp::ConfigError naming "fingerprint.<key>" when inconsistent.
  void validate() const;

  // ---- derived (FAST config.py / scipy.signal.spectrogram semantics) ----
  /// STFT window in samples, int(fs*spec_length) (truncation, as FAST).
  int nperseg() const;
  /// int(fs*(spec_length - spec_lag)).
  int noverlap() const;
  /// Hop in samples, nperseg - noverlap.
  int hop() const { return nperseg() - noverlap(); }
  /// Image width after resize: 2^floor(log2(fp_length)).
  int ntimes() const;
  /// Coefficients per fingerprint.
  std::size_t M() const { return static_cast<std::size_t>(nfreq) * ntimes(); }
  std::size_t bits() const { return 2 * M(); }
  /// 64-bit words per fingerprint (bits rounded up).
  std::size_t words64() const { return (bits() + 63) / 64; }
  /// Bytes per fingerprint in FAST's packed file.
  std::size_t bytes() const { return (bits() + 7) / 8; }
  /// Sample period, ns (rounded).
  TimeNs sample_ns() const { return seconds_to_ns(1.0 / sampling_rate); }
  /// STFT hop in ns.
  TimeNs hop_ns() const;
  /// Fingerprint spacing dt_fp = fp_lag*spec_lag, ns.
  TimeNs dt_fp_ns() const { return hop_ns() * fp_lag; }
  /// Samples one image spans: nperseg + (fp_length - 1)*hop.
  std::size_t window_samples() const;
  /// Time one image spans (window_samples / fs), ns.
  TimeNs window_span_ns() const;
  /// Offset of the reported (centre) time from the image start, ns: the
  /// centre of the frame at column fp_length/2, as FAST stamps fingerprints.
  TimeNs centre_offset_ns() const;
  /// FAST's min_fp_length = fp_length*spec_lag + spec_length, s.
  double min_fp_length() const { return fp_length * spec_lag + spec_length; }
  /// Haar levels: log2(min(nfreq, ntimes)).
  int haar_levels() const;
};

/// The [fingerprint] keys (pipeline/param_table.hpp).
const ParamTable<FingerprintParams>& fingerprint_param_table();

const char* to_string(FrameMode m);

}  // namespace qp::fp
