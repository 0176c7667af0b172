// The [match] section: which detected events become templates, their
// windows, and the network detection threshold (docs/config.md).
#pragma once

#include <cstdint>

namespace qp {
class ConfigSection;
template <class P>
class ParamTable;
}

namespace qp::match {

struct MatchParams {
  bool enabled = false;              ///< `quakeprint run` runs the stage only when true
  int min_clear_onsets = 3;          ///< stations with a clear onset (pick uncertainty < 1 s)
  int min_two_phase_stations = 2;    ///< or this many with clear P and S that agree with one source (0: off)
  double min_score = 0;              ///< association score an event needs to be a template
  int max_per_family = 0;            ///< templates per family (best first); 0 = all
  bool located_only = true;          ///< only located events: a location says their picks fit one source
  double seconds_before_pick = 0.5;  ///< window start before the pick
  double window_seconds = 6.0;       ///< window length (P on verticals, S on horizontals)
  double min_window_seconds = 2.0;   ///< a window cut before another event's arrival keeps at least this
  double mad_multiple = 9.0;         ///< threshold: median + this x MAD of the day's stack
  double min_stack_cc = 0.2;         ///< absolute floor of the threshold
  int min_channels = 3;              ///< channels with data a stack value needs
  double max_shift_seconds = 0.2;    ///< per-channel lag refinement around the stack's lag
  int templates_per_unit = 16;       ///< templates correlated together (one unit per batch and day)

  /// Reads [match]; every key has its default; throws ConfigError naming the key.
  /// With n_stations > 0, defaults never ask more of an event than the
  /// network can give (small_network_defaults).
  static MatchParams from_config(ConfigSection& s, int n_stations = 0);
};

/// The defaults for a network of `n_stations` (> 0): clear onsets at
/// min(3, n) stations, min(3, n) channels, and located_only only where a
/// location is possible (3 stations or more). A one-station network's events
/// then become templates from their clear onsets, as a network's do from
/// theirs; the stack's threshold, a MAD multiple of each template's own
/// statistic, holds whatever the number of channels.
void small_network_defaults(MatchParams& p, int n_stations);

/// The [match] keys (pipeline/param_table.hpp).
const ParamTable<MatchParams>& match_param_table();

}  // namespace qp::match
