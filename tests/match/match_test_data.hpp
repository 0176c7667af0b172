// Real waveforms for the match tests: channels of the Z7 Bárðarbunga swarm
// (../shared/data/iceland-z7-2014) and BW.KW1 noise (kw1-noise-2011),
// preprocessed by quakeprint's own preprocess (2-8 Hz band-pass).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "preprocess/merge.hpp"

namespace qp::match::test {

/// The preprocessed channels `seed_ids` of the Z7 file (decimated to
/// `rate` Hz; 0 keeps 100 Hz), over the whole file (gaps masked).
std::map<std::string, pre::Continuous> iceland_channels(const std::vector<std::string>& seed_ids,
                                                        double rate);

/// P pick times (ns) of one event of the Z7 reference picks, by station.
std::map<std::string, TimeNs> iceland_p_picks(const std::string& event_id);

/// The whole BW.KW1..EHZ noise record (2 h 36 min), preprocessed to `rate` Hz.
pre::Continuous kw1_noise(double rate);

}  // namespace qp::match::test
