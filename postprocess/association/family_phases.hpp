// One station's family members share their S-P time.
//
// Events of one family come from one source, so at one station their S
// follows their P by the same time. A station alone cannot tell its phases
// apart by moveout, and in a swarm (events every 10-20 s, each P weak, each
// S loud) its picker takes some members' S as their P, or a noise onset
// before the P. The members whose P and S were both picked tell the
// family's S-P (the value two or more of them agree on); a member whose
// picks do not show it is checked against it: an onset with an S rise that
// S-P after it is the P; an onset with a P rise that S-P before it is the
// S, that rise the P; an S with a P rise S-P before it, later than the
// onset taken, moves the P there (the onset was noise before the event).
// A weak P and a weak rise at the S-P are what a noise burst gives as well:
// a pair counts as an earthquake's where both are clear onsets, or the P
// alone is clear enough for one station.
#pragma once

#include <vector>

#include "postprocess/association/network_events.hpp"
#include "postprocess/association/picking.hpp"

namespace qp::post {

/// Checks the one-station events of each family against the family's S-P
/// at their station (see above) and relabels their picks. A member whose P
/// and S then show the family's S-P is an earthquake's arrival pair even
/// where its P is weak: where a one-station rule (min_one_station_snr,
/// one_station_needs_s) made its pick an estimate, it is a clear onset again
/// when P and S both rise at min_onset_snr (or the P at
/// min_one_station_snr); an S found only as a weak rise beside an estimated
/// P is an estimate too. With one_station_family_s_p, a member at a
/// three-component station whose picks do not show the family's S-P has
/// its picks made estimates, as does one whose picked S is no rise above the
/// noise before it, and every member of a family with two or more P-S pairs
/// none of whose S is such a rise (repeating noise); a family that shows no
/// S-P tests nothing else. `picks` is indexed like `events`.
/// Returns the members whose picks changed.
std::size_t align_family_phases(std::vector<std::vector<StationPick>>& picks, const std::vector<NetworkEvent>& events,
                                const PickingSetup& setup, const WaveformReader& read);

}  // namespace qp::post
