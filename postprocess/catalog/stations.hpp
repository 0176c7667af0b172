// Station coordinates for location, from stations.csv or StationXML.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::catalog {

struct StationCoords {
  std::string network, station, location, channel;  // channel empty: station level only
  double latitude = 0, longitude = 0;               // WGS84 degrees
  double elevation_m = 0;                           // above sea level
  std::optional<TimeNs> start, end;                 // epoch (StationXML), open when absent

  std::string seed_id() const { return network + "." + station + "." + location + "." + channel; }
};

/// stations.csv: network,station,location,channel,latitude,longitude,elevation_m.
std::vector<StationCoords> read_stations_csv(const std::string& path);

/// FDSN StationXML: one entry per Channel epoch (coordinates of the channel,
/// falling back to its station's), plus one station-level entry (empty
/// channel) for a station without channels. With `at`, only epochs that
/// contain that time. A small tolerant scan, not a validating parser:
/// namespaces prefixes are ignored, unknown elements skipped.
std::vector<StationCoords> read_station_xml(const std::string& path,
                                            std::optional<TimeNs> at = std::nullopt);

/// Lookup by SEED id: the exact channel first, then any channel of the
/// same NET.STA (sensors of one station share a site to within metres).
class StationTable {
 public:
  StationTable() = default;
  explicit StationTable(const std::vector<StationCoords>& stations) { add(stations); }
  void add(const std::vector<StationCoords>& stations);
  const StationCoords* find(const std::string& seed_id) const;
  std::size_t size() const { return by_seed_.size(); }

 private:
  std::map<std::string, StationCoords> by_seed_;
  std::map<std::string, StationCoords> by_station_;  // first seen per NET.STA
};

}  // namespace qp::catalog
