// FingerprintParams::from_config lives apart from params.cpp so that code
// that never reads a config (tests, benchmarks) need not link the config reader.
#include "fingerprint/params.hpp"

#include "pipeline/param_table.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

const ParamTable<FingerprintParams>& fingerprint_param_table() {
  using P = FingerprintParams;
  static const auto table =
      ParamTable<P>("fingerprint",
                    "Spectrogram -> spectral images -> Haar wavelet -> top-k sign bits (FAST's names and "
                    "defaults; docs/fingerprints.md). The fingerprint grid step dt_fp = spec_lag x fp_lag.")
          .number("sampling_rate", &P::sampling_rate, {1e-6, 1e6}, "Hz",
                  "Rate of the waveforms read; must equal preprocess.target_rate.")
          .number("min_freq", &P::min_freq, {0.0, 1e6}, "Hz", "Lowest spectrogram row kept (0 keeps DC).")
          .number("max_freq", &P::max_freq, {0.0, 1e6}, "Hz", "Highest spectrogram row kept (<= Nyquist).")
          .number("spec_length", &P::spec_length, {1e-6, 1e6}, "s", "STFT window length.")
          .number("spec_lag", &P::spec_lag, {1e-6, 1e6}, "s", "STFT hop.")
          .integer("fp_length", &P::fp_length, {2, 1 << 16}, "STFT columns", "Spectral image width.")
          .integer("fp_lag", &P::fp_lag, {1, 1 << 16}, "STFT columns", "Spectral image hop.")
          .integer("nfreq", &P::nfreq, {2, 1 << 16}, "", "Image height after resize (a power of two).")
          .integer("k_coef", &P::k_coef, {1, 1 << 30}, "", "Top wavelet coefficients kept.")
          .number("mad_sampling_rate", &P::mad_sampling_rate, {1e-9, 1.0}, "",
                  "Fraction of the data sampled for the wavelet median and MAD.")
          .number("mad_sample_interval", &P::mad_sample_interval, {1e-6, 1e12}, "s",
                  "One MAD sample window per this interval.")
          .choice("mode", &P::mode, {{"quakeprint", FrameMode::kQuakeprint}, {"fast", FrameMode::kFast}},
                  "quakeprint: windows on the absolute dt_fp grid; fast: FAST's windows and arithmetic, "
                  "bit-identical fingerprints.")
          .optional_text("mad_file", &P::mad_file,
                         "FAST MAD file used instead of sampling; {station}, {channel}, {seed_id} are "
                         "substituted.");
  return table;
}

FingerprintParams FingerprintParams::from_config(qp::ConfigSection& s) {
  FingerprintParams p;
  fingerprint_param_table().read(s, p);
  try {
    p.validate();
  } catch (const ConfigError& e) {
    // Re-raise through the section so the message carries the key's line.
    std::string key = e.key();
    const std::string prefix = "fingerprint.";
    if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
    std::string cause = e.what();
    const auto colon = cause.find(": ");
    if (colon != std::string::npos) cause = cause.substr(colon + 2);
    s.fail(key, cause);
  }
  return p;
}

}  // namespace qp::fp
