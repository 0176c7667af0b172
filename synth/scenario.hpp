// The layout of a synthetic data set, drawn once from the seed before any
// sample is made: stations and channels, sources, families, events and their
// times, magnitudes and similarities, and the defects (gaps, spikes, a dead
// channel). Everything the truth files say comes from here.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "synth/geometry.hpp"
#include "synth/synth_params.hpp"
#include "pipeline/velocity_model.hpp"

namespace qp::synth {

struct Station {
  std::string code;
  GeoPoint pos;
  double elevation_m = 0;
  double noise_gain = 1;  ///< station-to-station spread of the noise level
};

struct Channel {
  int station = 0;
  int component = 0;
  std::string code;     ///< "HHZ"
  std::string seed_id;  ///< "SY.S01..HHZ"
  double noise_rms = 0; ///< counts
  bool dead = false;
};

struct Source {
  GeoPoint pos;
  double depth_km = 0;
};

struct Family {
  std::string id;  ///< "F01"
  Source source;
  double magnitude = 0;  ///< sets the corner frequency and coda of the template
  bool swarm = false;
  bool real_template = false;  ///< waveform from repeater_file
  std::vector<int> events;     ///< indices into Scenario::events, in time order
};

struct Event {
  std::string id;    ///< "E000001", in origin-time order
  int family = -1;   ///< index into Scenario::families; -1 for a singleton
  int family_rank = 0;
  Source source;
  TimeNs origin = 0;
  double magnitude = 0;
  double similarity = 1;  ///< weight a of the family template (before per-channel jitter)
  /// A weak family member (weak_events_per_family): the generator sets its
  /// magnitude so that its pick SNR reaches weak_snr (see generate.cpp).
  bool weak = false;
  double weak_snr = 0;
};

struct Defect {
  enum class Kind { Gap, Spike, Dead };
  Kind kind = Kind::Gap;
  int channel = 0;
  std::int64_t first_index = 0;  ///< first affected sample
  std::int64_t end_index = 0;    ///< one past the last affected sample
  double value = 0;              ///< spike height (counts)
};

struct Scenario {
  std::vector<Station> stations;
  std::vector<Channel> channels;
  std::vector<Family> families;
  std::vector<Event> events;
  std::vector<Defect> defects;
  VelocityModel model = VelocityModel::homogeneous(6.0, 3.46);

  double hypocentral_km(const Source& s, int station) const;
  double epicentral_km(const Source& s, int station) const;
  /// Seconds from origin to the first P or S arrival at a station.
  double travel_time(Phase phase, const Source& s, int station) const;
};

/// Draws the layout. Throws ConfigError when the events cannot fit the
/// duration with the requested spacing.
Scenario make_scenario(const SynthParams& p);

/// Coda decay time (s) of S; P uses 0.6 of it. Grows with magnitude and distance.
double coda_decay_s(double magnitude, double hypocentral_km);

}  // namespace qp::synth
