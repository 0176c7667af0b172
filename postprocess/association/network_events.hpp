// Event resolution: network event pairs -> network events.
//
// Each network event pair that reaches nsta_thresh distinct stations is two
// sightings: its earlier event (windows [t1min, t1max] per station) and its
// later one (shifted by each member's ddiag). Sightings are the same event
// when, over the stations both saw, the median difference of their window
// starts is at most max_event_gap. Unlike FAST, which merges whatever overlaps in time at a
// station, two events a few seconds apart in a swarm stay two events: their
// partners give them different inter-event times, so their window starts
// differ by the spacing of the events.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "postprocess/association/association_params.hpp"
#include "postprocess/association/pseudo_association.hpp"

namespace qp::post {

struct StationWindow {
  int station = 0;
  std::int64_t first = 0;  ///< first grid index of the detection window
  std::int64_t last = 0;   ///< last grid index of the detection window
  std::int64_t peak = 0;   ///< largest votes of a fingerprint pair at this station
  std::int64_t sum = 0;    ///< summed votes of its event-pair clusters here
};

struct NetworkEvent {
  std::vector<StationWindow> stations;     ///< ascending station index
  std::vector<std::size_t> linked_events;  ///< events it was paired with, ascending
  std::vector<std::size_t> pairs;          ///< network event pairs it is a side of
  int n_pairs = 0;                         ///< == pairs.size()
  double score = 0;                        ///< see event_score()
  std::size_t family = 0;                  ///< smallest event index of its family

  std::int64_t earliest() const;  ///< smallest station first
  std::int64_t latest() const;    ///< largest station last
  std::int64_t summed_similarity() const;
};

/// Network events (sorted by earliest station time, then by their windows)
/// from FAST-grouped network event pairs; pairs below nsta_thresh, or whose
/// events lie closer than min_pair_spacing, are dropped.
/// Fills linked_events, pairs, score and family.
std::vector<NetworkEvent> resolve_events(const std::vector<NetworkEventPair>& network_pairs,
                                         const AssociationParams& params);

/// Score that ranks real events above noise, for thresholding (--min-score):
///   score = nsta * log2(1 + S / (nsta * ivals_thresh))
/// with nsta the stations that saw the event and S its summed similarity over
/// them. The log term is the mean evidence per station in units of the
/// weakest pair FAST keeps (one weak pair at every station scores ~nsta), the
/// factor nsta rewards coherence across the network. It grows with both.
double event_score(int n_stations, std::int64_t summed_similarity, const AssociationParams& params);

/// Families: events linked by event pairs (union-find over linked_events).
/// Sets each event's family to the smallest event index in its family, so ids
/// are deterministic and stable under reordering of the input.
void assign_families(std::vector<NetworkEvent>& events);

/// Everything after event-pair extraction: pseudo-association, then events.
struct AssociationResult {
  std::vector<NetworkEventPair> network_pairs;  ///< all groups, before nsta_thresh
  std::vector<NetworkEvent> events;
};
AssociationResult associate(const std::vector<std::vector<EventPair>>& per_station,
                            const AssociationParams& params);

}  // namespace qp::post
