#include "match/match_params.hpp"

#include "pipeline/config_section.hpp"

namespace qp::match {

MatchParams MatchParams::from_config(ConfigSection& s) {
  MatchParams p;
  p.enabled = s.get_bool("enabled", p.enabled);
  p.min_clear_onsets = static_cast<int>(s.get_int("min_clear_onsets", p.min_clear_onsets, 1, 1 << 20));
  p.min_score = s.get_double("min_score", p.min_score, 0.0);
  p.max_per_family = static_cast<int>(s.get_int("max_per_family", p.max_per_family, 0, 1 << 20));
  p.located_only = s.get_bool("located_only", p.located_only);
  p.seconds_before_pick = s.get_double("seconds_before_pick", p.seconds_before_pick, 0.0, 600.0);
  p.window_seconds = s.get_double("window_seconds", p.window_seconds, 0.1, 600.0);
  p.mad_multiple = s.get_double("mad_multiple", p.mad_multiple, 0.0, 1e6);
  p.min_stack_cc = s.get_double("min_stack_cc", p.min_stack_cc, -1.0, 1.0);
  p.min_channels = static_cast<int>(s.get_int("min_channels", p.min_channels, 1, 65535));
  p.max_shift_seconds = s.get_double("max_shift_seconds", p.max_shift_seconds, 0.0, 60.0);
  p.templates_per_unit = static_cast<int>(s.get_int("templates_per_unit", p.templates_per_unit, 1, 1 << 20));
  return p;
}

}  // namespace qp::match
