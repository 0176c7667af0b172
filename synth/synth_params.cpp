#include "synth/synth_params.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

namespace qp::synth {
namespace {

[[noreturn]] void bad(const std::string& key, const std::string& cause) {
  throw ConfigError("synth." + key, cause);
}

bool valid_code(const std::string& s, size_t max_len, bool allow_empty) {
  if (s.empty()) return allow_empty;
  if (s.size() > max_len) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

}  // namespace

std::int64_t SynthParams::n_samples() const {
  return static_cast<std::int64_t>(std::llround(duration_s * sampling_rate));
}

TimeNs SynthParams::end() const {
  return start + static_cast<TimeNs>(std::llround(static_cast<double>(n_samples()) * 1e9 /
                                                  sampling_rate));
}

SynthParams SynthParams::from_config(qp::ConfigSection& s) {
  SynthParams p;
  p.seed = static_cast<std::uint64_t>(s.get_int("seed", 1, 0));
  const std::string start_text = s.get_string("start", format_iso8601(p.start, 0));
  try {
    p.start = parse_iso8601(start_text);
  } catch (const std::invalid_argument&) {
    s.fail("start", "'" + start_text + "' is not an ISO 8601 time (YYYY-MM-DDTHH:MM:SSZ)");
  }
  // Ranges here only reject what has no meaning; validate() checks combinations.
  p.duration_s = s.get_double("duration_s", p.duration_s);
  p.sampling_rate = s.get_double("sampling_rate", p.sampling_rate);
  p.block_s = s.get_double("block_s", p.block_s);
  p.network = s.get_string("network", p.network);
  p.location = s.get_string("location", p.location);
  p.n_stations = static_cast<int>(s.get_int("n_stations", p.n_stations, INT32_MIN, INT32_MAX));
  p.center_lat = s.get_double("center_lat", p.center_lat, -89.0, 89.0);
  p.center_lon = s.get_double("center_lon", p.center_lon, -180.0, 180.0);
  p.station_min_distance_km = s.get_double("station_min_distance_km", p.station_min_distance_km);
  p.station_max_distance_km = s.get_double("station_max_distance_km", p.station_max_distance_km);
  p.components = s.get_strings("components", p.components);
  p.vp = s.get_double("vp", p.vp);
  p.vs = s.get_double("vs", p.vs);
  p.layer_tops_km = s.get_doubles("layer_tops_km", {});
  p.layer_vp = s.get_doubles("layer_vp", {});
  p.layer_vs = s.get_doubles("layer_vs", {});
  p.n_families = static_cast<int>(s.get_int("n_families", p.n_families, INT32_MIN, INT32_MAX));
  const auto epf = s.get_doubles("events_per_family",
                                 {double(p.events_per_family_min), double(p.events_per_family_max)});
  if (epf.size() != 2 || epf[0] != std::floor(epf[0]) || epf[1] != std::floor(epf[1]))
    s.fail("events_per_family", "expected two integers [min, max]");
  p.events_per_family_min = static_cast<int>(epf[0]);
  p.events_per_family_max = static_cast<int>(epf[1]);
  p.n_swarm_families = static_cast<int>(s.get_int("n_swarm_families", p.n_swarm_families, INT32_MIN, INT32_MAX));
  p.min_interevent_s = s.get_double("min_interevent_s", p.min_interevent_s);
  p.n_singletons = static_cast<int>(s.get_int("n_singletons", p.n_singletons, INT32_MIN, INT32_MAX));
  p.source_radius_km = s.get_double("source_radius_km", p.source_radius_km);
  p.depth_min_km = s.get_double("depth_min_km", p.depth_min_km);
  p.depth_max_km = s.get_double("depth_max_km", p.depth_max_km);
  p.b_value = s.get_double("b_value", p.b_value);
  p.mag_min = s.get_double("mag_min", p.mag_min);
  p.mag_max = s.get_double("mag_max", p.mag_max);
  p.family_mag_spread = s.get_double("family_mag_spread", p.family_mag_spread);
  p.amplitude_scale = s.get_double("amplitude_scale", p.amplitude_scale);
  p.stress_drop_mpa = s.get_double("stress_drop_mpa", p.stress_drop_mpa);
  p.attenuation_q = s.get_double("attenuation_q", p.attenuation_q);
  p.signal_fmin_hz = s.get_double("signal_fmin_hz", p.signal_fmin_hz);
  if (auto f = s.get_optional_double("signal_fmax_hz")) {
    p.signal_fmax_hz = *f;
    p.signal_fmax_given = true;
  } else {
    p.signal_fmax_hz = std::min(20.0, 0.4 * p.sampling_rate);
  }
  p.family_cc_min = s.get_double("family_cc_min", p.family_cc_min);
  p.family_cc_max = s.get_double("family_cc_max", p.family_cc_max);
  p.weak_events_per_family =
      static_cast<int>(s.get_int("weak_events_per_family", p.weak_events_per_family, INT32_MIN, INT32_MAX));
  const auto wsnr = s.get_doubles("weak_event_snr", {p.weak_event_snr_min, p.weak_event_snr_max});
  if (wsnr.size() != 2) s.fail("weak_event_snr", "expected two numbers [min, max]");
  p.weak_event_snr_min = wsnr[0];
  p.weak_event_snr_max = wsnr[1];
  const auto band = s.get_doubles("snr_band_hz", {});
  if (!band.empty()) {
    if (band.size() != 2) s.fail("snr_band_hz", "expected two numbers [min, max] (Hz)");
    p.snr_band_min_hz = band[0];
    p.snr_band_max_hz = band[1];
    p.snr_band_given = true;
  }
  p.repeater_file = s.get_optional_string("repeater_file");
  p.noise_amplitude = s.get_double("noise_amplitude", p.noise_amplitude);
  p.noise_file = s.get_optional_string("noise_file");
  p.gaps = static_cast<int>(s.get_int("gaps", p.gaps, INT32_MIN, INT32_MAX));
  p.gap_length_s = s.get_double("gap_length_s", p.gap_length_s);
  p.spikes = static_cast<int>(s.get_int("spikes", p.spikes, INT32_MIN, INT32_MAX));
  p.spike_amplitude = s.get_double("spike_amplitude", p.spike_amplitude);
  p.dead_channel = s.get_bool("dead_channel", p.dead_channel);
  try {
    p.validate();
  } catch (const ConfigError& e) {
    // Same error, now with the line of the key in the file.
    const std::string prefix = s.name() + ".";
    const std::string& key = e.key();
    const std::string bare = key.rfind(prefix, 0) == 0 ? key.substr(prefix.size()) : key;
    const std::string what = e.what();
    const auto colon = what.find(": ");
    throw ConfigError(key, colon == std::string::npos ? what : what.substr(colon + 2),
                      s.line_of(bare));
  }
  return p;
}

void SynthParams::validate() const {
  if (!(duration_s > 0)) bad("duration_s", fmt::format("must be positive, got {}", duration_s));
  if (!(sampling_rate > 0) || sampling_rate > 10000)
    bad("sampling_rate", fmt::format("must lie in (0, 10000] Hz, got {}", sampling_rate));
  if (n_samples() < 1) bad("duration_s", "shorter than one sample");
  if (duration_s > 10.0 * 366 * 86400) bad("duration_s", "longer than ten years");
  if (!(block_s >= 1.0) || block_s > 86400) bad("block_s", "must lie in [1, 86400] s");
  if (!valid_code(network, 2, false)) bad("network", "must be 1-2 characters A-Z, 0-9");
  if (!valid_code(location, 2, true)) bad("location", "must be empty or 1-2 characters A-Z, 0-9");
  if (n_stations < 1) bad("n_stations", fmt::format("must be at least 1, got {}", n_stations));
  if (n_stations > 9999) bad("n_stations", "at most 9999 stations (5-character codes)");
  if (!(station_min_distance_km >= 0))
    bad("station_min_distance_km", "must not be negative");
  if (!(station_max_distance_km >= station_min_distance_km) || station_max_distance_km > 1000)
    bad("station_max_distance_km", "must lie in [station_min_distance_km, 1000] km");
  if (components.empty()) bad("components", "needs at least one channel code");
  for (size_t i = 0; i < components.size(); ++i) {
    if (!valid_code(components[i], 3, false) || components[i].size() != 3)
      bad("components", "'" + components[i] + "' is not a 3-character SEED channel code");
    for (size_t j = 0; j < i; ++j)
      if (components[i] == components[j]) bad("components", "'" + components[i] + "' appears twice");
  }
  if (layer_tops_km.empty()) {
    if (!layer_vp.empty() || !layer_vs.empty())
      bad("layer_tops_km", "layer_vp / layer_vs need layer_tops_km");
    if (!(vp > 0)) bad("vp", "must be positive");
    if (!(vs > 0) || vs >= vp) bad("vs", "must be positive and below vp");
  } else {
    if (layer_vp.size() != layer_tops_km.size())
      bad("layer_vp", "needs one velocity per entry of layer_tops_km");
    if (layer_vs.size() != layer_tops_km.size())
      bad("layer_vs", "needs one velocity per entry of layer_tops_km");
    if (layer_tops_km[0] > 0) bad("layer_tops_km", "the first layer must start at or above 0 km");
    for (size_t i = 0; i < layer_tops_km.size(); ++i) {
      if (i > 0 && !(layer_tops_km[i] > layer_tops_km[i - 1]))
        bad("layer_tops_km", "layer tops must increase with depth");
      if (!(layer_vp[i] > 0)) bad("layer_vp", "velocities must be positive");
      if (!(layer_vs[i] > 0) || layer_vs[i] >= layer_vp[i])
        bad("layer_vs", "each vs must be positive and below that layer's vp");
    }
  }
  if (n_families < 0) bad("n_families", "must not be negative");
  if (events_per_family_min < 2)
    bad("events_per_family", "a family needs at least 2 events (a repeat)");
  if (events_per_family_max < events_per_family_min || events_per_family_max > 100000)
    bad("events_per_family", "max must lie in [min, 100000]");
  if (n_swarm_families < 0 || n_swarm_families > n_families)
    bad("n_swarm_families", "must lie in [0, n_families]");
  if (!(min_interevent_s > 0)) bad("min_interevent_s", "must be positive");
  if (n_singletons < 0) bad("n_singletons", "must not be negative");
  if (!(source_radius_km >= 0) || source_radius_km > 500)
    bad("source_radius_km", "must lie in [0, 500] km");
  if (!(depth_min_km >= 0)) bad("depth_min_km", "must not be negative");
  if (!(depth_max_km >= depth_min_km) || depth_max_km > 700)
    bad("depth_max_km", "must lie in [depth_min_km, 700] km");
  if (!(b_value > 0) || b_value > 5) bad("b_value", "must lie in (0, 5]");
  if (!(mag_min >= -3) || mag_min > 9) bad("mag_min", "must lie in [-3, 9]");
  if (!(mag_max >= mag_min) || mag_max > 9) bad("mag_max", "must lie in [mag_min, 9]");
  if (!(family_mag_spread >= 0)) bad("family_mag_spread", "must not be negative");
  if (!(amplitude_scale > 0)) bad("amplitude_scale", "must be positive");
  if (!(stress_drop_mpa > 0)) bad("stress_drop_mpa", "must be positive");
  if (!(attenuation_q > 0)) bad("attenuation_q", "must be positive");
  if (!(signal_fmin_hz > 0)) bad("signal_fmin_hz", "must be positive");
  if (!(signal_fmax_hz > signal_fmin_hz))
    bad("signal_fmax_hz", "must be above signal_fmin_hz");
  // The band asked for must be representable: Nyquist at or above its top.
  if (sampling_rate < 2.0 * signal_fmax_hz)
    bad("sampling_rate", fmt::format("{} Hz is below twice the highest signal frequency "
                                     "asked for (signal_fmax_hz = {} Hz)",
                                     sampling_rate, signal_fmax_hz));
  if (!(family_cc_min > 0) || family_cc_min > 1) bad("family_cc_min", "must lie in (0, 1]");
  if (!(family_cc_max >= family_cc_min) || family_cc_max > 1)
    bad("family_cc_max", "must lie in [family_cc_min, 1]");
  if (weak_events_per_family < 0 || weak_events_per_family > 100000)
    bad("weak_events_per_family", "must lie in [0, 100000]");
  if (!(weak_event_snr_min > 0) || !(weak_event_snr_max >= weak_event_snr_min) || weak_event_snr_max > 1e6)
    bad("weak_event_snr", "needs 0 < min <= max <= 1e6");
  const auto [band_min, band_max] = snr_band();
  if (!(band_min > 0) || !(band_max > band_min) || !(band_max < 0.5 * sampling_rate))
    bad("snr_band_hz", fmt::format("needs 0 < min < max < half the sampling rate ({} Hz)", 0.5 * sampling_rate));
  if (repeater_file && repeater_file->empty()) bad("repeater_file", "is empty");
  if (repeater_file && n_families < 1) bad("repeater_file", "needs n_families >= 1");
  if (!(noise_amplitude >= 0)) bad("noise_amplitude", "must not be negative");
  if (noise_file && noise_file->empty()) bad("noise_file", "is empty");
  if (gaps < 0) bad("gaps", "must not be negative");
  if (!(gap_length_s > 0)) bad("gap_length_s", "must be positive");
  if (spikes < 0) bad("spikes", "must not be negative");
  if (!(spike_amplitude > 0) || spike_amplitude > 1e8) bad("spike_amplitude", "must lie in (0, 1e8]");
  if (dead_channel && n_channels() < 2)
    bad("dead_channel", "needs at least two channels (one must stay alive)");
}

std::pair<double, double> SynthParams::snr_band() const {
  if (snr_band_given) return {snr_band_min_hz, snr_band_max_hz};
  return {std::min(snr_band_min_hz, 0.1 * sampling_rate), std::min(snr_band_max_hz, 0.4 * sampling_rate)};
}

}  // namespace qp::synth
