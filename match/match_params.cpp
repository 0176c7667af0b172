#include "match/match_params.hpp"

#include <algorithm>

#include "pipeline/param_table.hpp"

namespace qp::match {

const ParamTable<MatchParams>& match_param_table() {
  using P = MatchParams;
  static const auto table =
      ParamTable<P>("match",
                    "Network matched filtering with the associated events as templates (`quakeprint match "
                    "CONFIG`, after associate; docs/match.md).")
          .flag("enabled", &P::enabled,
                "false: `quakeprint run` skips the stage. On by default with one or two stations, where "
                "fingerprint similarity alone finds a fraction of a swarm (docs/catalog-format.md, \"One-station "
                "matching\") and matching costs the few channels there are.")
          .default_from({}, "false, or true when the config lists fewer than 3 stations")
          .integer("min_clear_onsets", &P::min_clear_onsets, {1, 1 << 20}, "stations",
                   "A template needs this many stations whose pick uncertainty is under 1 s; an event whose "
                   "picks make no template is roughly timed: templates confirm and time it "
                   "(docs/catalog-format.md).")
          .default_from({}, "3, or the number of stations when the config lists fewer")
          .integer("min_two_phase_stations", &P::min_two_phase_stations, {0, 1 << 20}, "stations",
                   "Or, located or not, this many stations with a clear P and a clear S whose P and S-P "
                   "differences agree with one source (vp/vs 1.5-2): two phases per station tell one event "
                   "from two. 0 = off.")
          .number("min_score", &P::min_score, {0.0, 1e300}, "", "Association score a template event needs.")
          .integer("max_per_family", &P::max_per_family, {0, 1 << 20}, "",
                   "Templates per family, best first (most clear onsets, then score); 0 = all.")
          .flag("located_only", &P::located_only,
                "Only located events, whose picks fit one source; set false when [location] is off.")
          .default_from({}, "true, or false when the config lists fewer than 3 stations (no location)")
          .number("seconds_before_pick", &P::seconds_before_pick, {0.0, 600.0}, "s", "Window start before the pick.")
          .number("window_seconds", &P::window_seconds, {0.1, 600.0}, "s",
                  "Window length (P on verticals, S on horizontals).")
          .number("min_window_seconds", &P::min_window_seconds, {0.1, 600.0}, "s",
                  "A window holding another event's arrival ends seconds_before_pick before it (else the "
                  "template detects the family that far early); one left shorter than this is dropped.")
          .number("mad_multiple", &P::mad_multiple, {0.0, 1e6}, "",
                  "Threshold = median + this x MAD over the day of the detection statistic: the network stack "
                  "(mean correlation over the n channels with data) x sqrt(n / N), N the template's channels. "
                  "A roughly timed event's window takes the multiple with the same false-alarm chance over its "
                  "fewer lags (and the floor scaled alike).")
          .number("min_stack_cc", &P::min_stack_cc, {-1.0, 1.0}, "", "Absolute floor of the threshold.")
          .integer("min_channels", &P::min_channels, {1, 65535}, "channels",
                   "Channels with data a stack value needs; also the fewest valid windows a template keeps.")
          .default_from({}, "3, or the number of stations when the config lists fewer")
          .number("max_shift_seconds", &P::max_shift_seconds, {0.0, 60.0}, "s",
                  "Per-channel lag refinement around the stack's lag.")
          .integer("templates_per_unit", &P::templates_per_unit, {1, 1 << 20}, "",
                   "Templates correlated together (one unit per batch and day).");
  return table;
}

void small_network_defaults(MatchParams& p, int n_stations) {
  if (n_stations <= 0) return;
  p.min_clear_onsets = std::min(p.min_clear_onsets, n_stations);
  p.min_channels = std::min(p.min_channels, n_stations);
  // A location needs three stations: with fewer, no event would qualify.
  // And with fewer the association has no network to confirm an event by:
  // matching is what finds the family members similarity missed.
  if (n_stations < 3) {
    p.located_only = false;
    p.enabled = true;
  }
}

MatchParams MatchParams::from_config(ConfigSection& s, int n_stations) {
  MatchParams p;
  small_network_defaults(p, n_stations);
  match_param_table().read(s, p);
  return p;
}

}  // namespace qp::match
