// Positions on the Earth: great-circle distances and offsets, in km.
#pragma once

namespace qp::synth {

constexpr double kEarthRadiusKm = 6371.0;

struct GeoPoint {
  double lat = 0;  ///< degrees
  double lon = 0;  ///< degrees
};

/// Great-circle (haversine) distance in km.
double epicentral_km(GeoPoint a, GeoPoint b);

/// The point `distance_km` from `from` along `azimuth_deg` (clockwise from north).
GeoPoint offset_km(GeoPoint from, double distance_km, double azimuth_deg);

}  // namespace qp::synth
