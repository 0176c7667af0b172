// FingerprintParams::from_config lives apart from params.cpp so that code
// that never reads a config (tests, benchmarks) need not link the config reader.
#include "fingerprint/params.hpp"

#include "pipeline/config_section.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

FingerprintParams FingerprintParams::from_config(qp::ConfigSection& s) {
  FingerprintParams p;
  p.sampling_rate = s.get_double("sampling_rate", p.sampling_rate, 1e-6, 1e6);
  p.min_freq = s.get_double("min_freq", p.min_freq, 0.0, 1e6);
  p.max_freq = s.get_double("max_freq", p.max_freq, 0.0, 1e6);
  p.spec_length = s.get_double("spec_length", p.spec_length, 1e-6, 1e6);
  p.spec_lag = s.get_double("spec_lag", p.spec_lag, 1e-6, 1e6);
  p.fp_length = static_cast<int>(s.get_int("fp_length", p.fp_length, 2, 1 << 16));
  p.fp_lag = static_cast<int>(s.get_int("fp_lag", p.fp_lag, 1, 1 << 16));
  p.nfreq = static_cast<int>(s.get_int("nfreq", p.nfreq, 2, 1 << 16));
  p.k_coef = static_cast<int>(s.get_int("k_coef", p.k_coef, 1, 1 << 30));
  p.mad_sampling_rate = s.get_double("mad_sampling_rate", p.mad_sampling_rate, 1e-9, 1.0);
  p.mad_sample_interval = s.get_double("mad_sample_interval", p.mad_sample_interval, 1e-6, 1e12);
  const std::string mode = s.get_string("mode", "quakeprint", {"quakeprint", "fast"});
  p.mode = mode == "fast" ? FrameMode::kFast : FrameMode::kQuakeprint;
  p.mad_file = s.get_optional_string("mad_file");
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
