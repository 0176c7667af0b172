// Which component of a station is vertical. Networks name channels their own
// way (SEED "HHZ", Hi-net "U"/"N"/"E", Galperin "HHU"/"HHV"/"HHW"), so the
// decision takes, in order: the config's `vertical` key, the inclination in
// the waveform headers (SAC CMPINC), then the channel code.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace qp {

/// True when the code alone says vertical: it ends in 'Z' (SEED), or it is
/// not a 3-character SEED code and ends in 'U' (Up, as Hi-net's "U"), or it
/// starts with "UD" (up-down: K-NET "UD", KiK-net "UD1", "UD2"). A SEED code
/// ending in 'U' is a Galperin (tilted) axis, not vertical.
bool code_says_vertical(const std::string& channel_code);

/// SAC CMPINC (degrees from vertical up): 0 or 180 (within 10) is vertical;
/// NaN (unknown) is not.
bool inclination_says_vertical(double cmpinc_deg);

/// Where the vertical came from, for reports and messages.
enum class VerticalSource { config, inclination, code, none };
const char* to_string(VerticalSource s);

struct VerticalChoice {
  std::string channel;  ///< empty when no component is known to be vertical
  VerticalSource source = VerticalSource::none;
};

/// The station's vertical channel among `channels`: `configured` (the
/// config's `vertical` key) when set, else the first channel whose
/// inclination (channel -> CMPINC, missing or NaN = unknown) is vertical,
/// else the first whose code says vertical.
VerticalChoice choose_vertical(const std::vector<std::string>& channels, const std::string& configured,
                               const std::map<std::string, double>& inclination_deg = {});

/// A network, station or channel code as networks deliver it (FDSN source
/// identifiers allow 8 characters): 1 to 8 characters, letters,
/// digits, '_' or '-' (no '.', which separates the parts of an id). Returns
/// an empty string when fine, else why not.
std::string code_problem(const std::string& code);

}  // namespace qp
