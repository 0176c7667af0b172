// FAST's detection-list layouts, so users can compare quakeprint's network
// events with a FAST run line by line (fast-method.md 1.5.5 and 1.5.6).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "postprocess/association/network_events.hpp"

namespace qp::post {

/// FAST's per-event statistics over the network event pairs linked to it.
struct FastEventStats {
  std::int64_t dL = 0;           ///< longest per-station cluster span of a linked pair
  std::int64_t nevents = 0;      ///< linked network event pairs
  std::int64_t nsta = 0;         ///< FAST's quirk: SUM over linked pairs of their station counts
  std::int64_t tot_ndets = 0, max_ndets = 0;
  std::int64_t tot_vol = 0, max_vol = 0;
  std::int64_t max_peaksum = 0;  ///< largest summed per-station peak of a linked pair
  std::int64_t num_sta = 0;      ///< stations that saw the event
  std::int64_t diff_ind = 0;     ///< spread of station start indices
};

FastEventStats fast_event_stats(const NetworkEvent& event, const AssociationResult& result);

/// Where FAST's index 0 lies: grid index `origin_g` is written as index 0 at
/// time `t0` (FAST's min_time), one index = dt_fp_ns.
struct FastIndexOrigin {
  std::int64_t origin_g = 0;
  TimeNs t0 = 0;
  TimeNs dt_fp_ns = kNsPerSecond;
};

/// `<N>sta_<T>stathresh_detlist.txt`: header, then per event one start index
/// per station (`nan` where unseen) and the 8 statistics, in event order.
void write_fast_detlist(std::ostream& out, const AssociationResult& result,
                        const std::vector<std::string>& station_names, const FastIndexOrigin& origin);

/// `FINAL_Detection_List_*.txt`: `ID time seconds start_idx dL diff_ind num_sta
/// peaksum`, sorted like FAST's final_network_sort_nsta_peaksum.sh (stations,
/// then peaksum, descending; then later start first). FAST's overlap removal
/// is not applied: quakeprint's events are already separate.
void write_fast_final_list(std::ostream& out, const AssociationResult& result,
                           const FastIndexOrigin& origin);

}  // namespace qp::post
