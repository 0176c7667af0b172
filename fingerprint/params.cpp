#include "fingerprint/params.hpp"

#include <cmath>

#include "pipeline/error.hpp"

namespace qp::fp {

namespace {

bool is_power_of_two(long v) { return v > 0 && (v & (v - 1)) == 0; }

[[noreturn]] void bad(const std::string& key, const std::string& why) {
  throw ConfigError("fingerprint." + key, why);
}

}  // namespace

const char* to_string(FrameMode m) { return m == FrameMode::kFast ? "fast" : "quakeprint"; }

int FingerprintParams::nperseg() const {
  return static_cast<int>(sampling_rate * spec_length);
}

int FingerprintParams::noverlap() const {
  return static_cast<int>(sampling_rate * (spec_length - spec_lag));
}

int FingerprintParams::ntimes() const {
  int n = 1;
  while (2 * n <= fp_length) n *= 2;
  return n;
}

int FingerprintParams::haar_levels() const {
  int m = std::min(nfreq, ntimes());
  int levels = 0;
  while ((1 << (levels + 1)) <= m) ++levels;
  return levels;
}

TimeNs FingerprintParams::hop_ns() const {
  return seconds_to_ns(static_cast<double>(hop()) / sampling_rate);
}

std::size_t FingerprintParams::window_samples() const {
  return static_cast<std::size_t>(nperseg()) +
         static_cast<std::size_t>(fp_length - 1) * static_cast<std::size_t>(hop());
}

TimeNs FingerprintParams::window_span_ns() const {
  return seconds_to_ns(static_cast<double>(window_samples()) / sampling_rate);
}

TimeNs FingerprintParams::centre_offset_ns() const {
  // scipy: t_k = (nperseg/2 + k*hop)/fs; FAST stamps t[int(mean(i1, i2))].
  const int centre_col = fp_length / 2;
  return seconds_to_ns((nperseg() / 2.0 + static_cast<double>(centre_col) * hop()) /
                       sampling_rate);
}

void FingerprintParams::validate() const {
  if (!(sampling_rate > 0) || !std::isfinite(sampling_rate))
    bad("sampling_rate", "must be a positive number of Hz");
  if (!(spec_length > 0)) bad("spec_length", "must be positive");
  if (!(spec_lag > 0)) bad("spec_lag", "must be positive");
  if (spec_lag >= spec_length) bad("spec_lag", "must be shorter than spec_length");
  if (nperseg() < 2) bad("spec_length", "gives fewer than 2 samples per STFT window");
  if (noverlap() < 0 || hop() < 1)
    bad("spec_lag", "gives an STFT hop of less than one sample");
  if (min_freq < 0) bad("min_freq", "must not be negative");
  if (max_freq <= min_freq) bad("max_freq", "must be above min_freq");
  if (max_freq > sampling_rate / 2.0)
    bad("max_freq", "is above the Nyquist frequency sampling_rate/2");
  if (fp_length < 2) bad("fp_length", "must be at least 2 STFT columns");
  if (fp_lag < 1) bad("fp_lag", "must be at least 1");
  if (fp_lag > fp_length) bad("fp_lag", "must not exceed fp_length");
  if (nfreq < 2 || !is_power_of_two(nfreq)) bad("nfreq", "must be a power of two >= 2");
  if (k_coef < 1) bad("k_coef", "must be at least 1");
  if (static_cast<std::size_t>(k_coef) > M())
    bad("k_coef", "exceeds the number of coefficients nfreq*ntimes = " + std::to_string(M()));
  if (!(mad_sampling_rate > 0) || mad_sampling_rate > 1)
    bad("mad_sampling_rate", "must lie in (0, 1]");
  if (!(mad_sample_interval > 0)) bad("mad_sample_interval", "must be positive");
  if (mad_sampling_rate < 1 && mad_sample_interval < min_fp_length())
    bad("mad_sample_interval", "is shorter than one fingerprint window");
  // At least one spectrogram row must survive the crop.
  const double df = sampling_rate / nperseg();
  if (std::floor(max_freq / df) < std::ceil(min_freq / df) - 1e-9)
    bad("max_freq", "leaves no spectrogram row between min_freq and max_freq");
  if (mode == FrameMode::kQuakeprint) {
    // Frames sit on an absolute grid: the hop must be a whole number of samples
    // and of nanoseconds, and the sample period must tile it.
    const double hop_samples = spec_lag * sampling_rate;
    if (std::fabs(hop_samples - std::round(hop_samples)) > 1e-9 ||
        static_cast<int>(std::lround(hop_samples)) != hop())
      bad("spec_lag", "times sampling_rate must be a whole number of samples in quakeprint mode");
    if (std::fabs(static_cast<double>(sample_ns()) * hop() - static_cast<double>(hop_ns())) > 0.5)
      bad("sampling_rate", "sample period must be a whole number of ns in quakeprint mode");
  }
}

}  // namespace qp::fp
