// Which phase a station's first clear onset is, and what a located event's
// station takes as its P.
//
// On a local network P arrives first, so the first clear onset in a
// station's window is its P. A far station's P can carry little energy on
// the vertical next to the horizontals' coda, which once made such onsets
// S, with a predicted P seconds before them reported instead. The rules
// here: an S-like onset is S only where the moveout says so (a location of
// the event's P onsets, or other stations' earlier P onsets) or a P
// precedes it at its station; once the event is located, an S onset where
// it predicts P is the P, and an estimate never replaces a clear onset.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "postprocess/association/onset_consistency.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::post {

/// An onset whose first second carries less than this share of its energy
/// on the vertical looks like S (P is polarised along the ray, near vertical
/// at local distances).
constexpr double kPVerticalShare = 0.3;

/// Energy of [t, t + 1 s] above that of [t - 2.5 s, t - 0.5 s] of `x` (n
/// samples at `rate` Hz from `start`); 0 without data.
double onset_energy(const float* x, std::size_t n, TimeNs start, double rate, TimeNs t);

/// What one station of an event knows about its first clear onset.
struct FirstOnset {
  StationOnset onset;            ///< time (common clock), uncertainty, coordinates
  bool has_horizontals = false;  ///< a three-component station
  double vertical_share = 1.0;   ///< energy share of the onset's first second on the vertical
  bool p_before = false;         ///< a weaker onset on the vertical precedes it within S-P reach
  /// Where the onset looks like P: a weaker vertical onset before it within
  /// S-P reach (seconds on the onsets' clock), searched in the stretch
  /// before it only; its P should the onset prove to be the S.
  std::optional<double> weaker_before_s;
  std::string seed_id;           ///< its channel, for locating (empty: not located)
};

/// Station coordinates and velocity model to locate the event's P onsets
/// with, where known.
struct PhaseLocator {
  const catalog::StationTable* stations = nullptr;
  const catalog::LocationParams* location = nullptr;
};

/// What a first onset is.
enum class OnsetLabel {
  kP,
  kS,                ///< S by the moveout; its P was too weak to pick
  kSAfterWeakerP,    ///< S because the weaker vertical onset before it is the P
};

/// For each station: the label of its first onset. Only an onset that
/// looks like S (horizontals, vertical share below kPVerticalShare) can be S:
///  - where the P-like onsets that agree with each other locate the event
///    (`locator` given, enough of them with coordinates), S when it lies
///    nearer the predicted S than the predicted P at its station (the
///    location overrules a weaker onset before it);
///  - where other stations have P onsets that do not locate it, S (its P
///    too weak to pick; the located event's re-pick, p_after_location, makes
///    it the P where the location predicts P there), unless it precedes them
///    all;
///  - alone (one station, or no P-like onset elsewhere), S only where a P
///    precedes it at its station (p_before: kSAfterWeakerP), else P.
/// First, the first clear onset is P: where the P-like onsets that agree
/// with each other all follow a clear onset that they outvote (too early for
/// their moveout), they may be the S of an event whose weak P only that
/// station picked. Those with a weaker vertical onset before them that
/// agrees with the early one (weaker_before_s) are S after that P
/// (kSAfterWeakerP), when at least half of them have one and their P and
/// S-P times agree with one source (a later P, a longer S-P); the early
/// onset is P, and a P-like onset that no longer agrees with the P onsets
/// is S.
std::vector<OnsetLabel> label_first_onsets(const std::vector<FirstOnset>& onsets,
                                           const OnsetConsistencyParams& params, const PhaseLocator& locator = {});

/// What a located event's station takes as its P near the P the location
/// predicts there.
enum class PAfterLocation {
  kKeep,      ///< its pick stays as it is
  kSIsP,      ///< its S onset, within the tolerance of the predicted P, is its P
  kSearch,    ///< search an onset near the prediction, then ask again
  kOnset,     ///< the onset found near the prediction
  kEstimate,  ///< the predicted time, as an estimate
};

/// The rule: a clear P onset within the tolerance of the prediction stays;
/// an S onset there is the P; otherwise an onset near the prediction is
/// searched (`found` nullopt until then). An onset found replaces the pick.
/// Where none is found, the prediction (an estimate) replaces a clear P onset
/// only when that lies beyond any model error from it (`p_onset_beyond_error`:
/// a noise burst the location left out, not this event's arrival), and never
/// joins a station that has a clear onset of either phase.
PAfterLocation p_after_location(bool p_onset, bool p_onset_near_prediction, bool s_onset_near_prediction,
                                bool station_has_onset, std::optional<bool> found,
                                bool p_onset_beyond_error = false);

/// The reverse of the far station's case: an onset labelled P where a
/// location of the event's other stations (the station left out) predicts
/// its S is the S; its P was too weak to pick and the S onset on the
/// vertical was taken for it. True when `onset_s` lies within `tolerance_s`
/// of the predicted S, nearer it than the predicted P, and more than
/// `beyond_s` (a clear onset's largest residual from its P, model error
/// included) from the predicted P. Times in seconds on one clock.
bool p_onset_is_s(double onset_s, double predicted_p_s, double predicted_s_s, double tolerance_s, double beyond_s);

}  // namespace qp::post
