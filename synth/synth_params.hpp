// Parameters of the synthetic data generator: section [synth] of the config.
//
// Every key has a default, so an empty section gives 6 h of 4 three-component
// 100 Hz stations with 4 repeating families and 3 one-off events in coloured
// noise. docs/synth.md lists the keys and the realism choices.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "pipeline/config_section.hpp"
#include "pipeline/time.hpp"

namespace qp::synth {

struct SynthParams {
  // --- time and sampling
  std::uint64_t seed = 1;
  TimeNs start = civil_to_ns(2024, 1, 1);
  double duration_s = 21600.0;
  double sampling_rate = 100.0;
  double block_s = 3600.0;  ///< generation block: memory is bounded by one block

  // --- network
  std::string network = "SY";
  std::string location = "";
  int n_stations = 4;
  double center_lat = 36.0;
  double center_lon = -120.0;
  double station_min_distance_km = 5.0;
  double station_max_distance_km = 30.0;
  std::vector<std::string> components = {"HHZ", "HHN", "HHE"};

  // --- velocity model: homogeneous (vp, vs) unless layer_tops_km is given
  double vp = 6.0;
  double vs = 3.46;
  std::vector<double> layer_tops_km;  ///< depth of each layer's top, km below sea level
  std::vector<double> layer_vp;
  std::vector<double> layer_vs;

  // --- sources
  int n_families = 4;
  int events_per_family_min = 3;
  int events_per_family_max = 6;
  int n_swarm_families = 1;         ///< families whose events come in one burst
  double min_interevent_s = 5.0;    ///< closest spacing of two events of one family
  int n_singletons = 3;
  double source_radius_km = 3.0;    ///< epicentres lie within this of the centre
  double depth_min_km = 3.0;
  double depth_max_km = 12.0;

  // --- magnitudes and amplitudes
  double b_value = 1.0;
  double mag_min = 0.5;
  double mag_max = 2.5;
  double family_mag_spread = 0.2;   ///< std. dev. of event magnitudes around their family's
  double amplitude_scale = 3000.0;  ///< peak counts = scale * 10^M / hypocentral km
  double stress_drop_mpa = 3.0;     ///< Brune corner frequency from magnitude
  double attenuation_q = 300.0;     ///< whole-path Q: high frequencies fade with distance
  double signal_fmin_hz = 1.0;
  double signal_fmax_hz = 20.0;     ///< default min(20, 0.4 * sampling_rate)
  bool signal_fmax_given = false;   ///< set by the user (checked against Nyquist)

  // --- repeating-waveform similarity
  double family_cc_min = 0.5;
  double family_cc_max = 0.95;
  /// Extra members per family, each scaled so that its pick SNR at its
  /// min(3, n_stations)-th best station is drawn in weak_event_snr: the
  /// weak repeats that matched filtering should find (0: none, the default).
  int weak_events_per_family = 0;
  double weak_event_snr_min = 1.5;
  double weak_event_snr_max = 3.0;
  std::optional<std::string> repeater_file;  ///< real event (miniSEED) as template of family 0
  /// Band (Hz) in which pick SNRs (truth_picks.csv, weak_event_snr) are
  /// measured: signal peak over noise RMS after a zero-phase Butterworth
  /// band-pass of order 4. Set it to the processing's [preprocess]
  /// freqmin/freqmax (the demo's 3-12 Hz): a broadband ratio is dominated
  /// by the microseism, which the detector never sees.
  double snr_band_min_hz = 3.0;
  double snr_band_max_hz = 12.0;
  bool snr_band_given = false;  ///< set by the user; else the band stays below 0.1 and 0.4 x the rate
  /// The band used: as given, or 3-12 Hz below 0.1 and 0.4 x sampling_rate.
  std::pair<double, double> snr_band() const;

  // --- background noise
  double noise_amplitude = 100.0;           ///< RMS counts of the background
  std::optional<std::string> noise_file;    ///< real noise (miniSEED) instead of coloured noise

  // --- defects for preprocessing
  int gaps = 0;
  double gap_length_s = 60.0;
  int spikes = 0;
  double spike_amplitude = 100000.0;
  bool dead_channel = false;

  /// Reads [synth]; every key optional. Throws ConfigError naming the key.
  static SynthParams from_config(qp::ConfigSection& s);

  /// Checks the combination; throws ConfigError naming "synth.<key>".
  void validate() const;

  int n_channels() const { return n_stations * static_cast<int>(components.size()); }
  std::int64_t n_samples() const;
  TimeNs end() const;  ///< time just after the last sample
};

}  // namespace qp::synth
