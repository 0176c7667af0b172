#include "synth/geometry.hpp"

#include <cmath>

namespace qp::synth {
namespace {
constexpr double kDeg = 3.14159265358979323846 / 180.0;
}

double epicentral_km(GeoPoint a, GeoPoint b) {
  const double p1 = a.lat * kDeg, p2 = b.lat * kDeg;
  const double dp = p2 - p1, dl = (b.lon - a.lon) * kDeg;
  const double h = std::sin(dp / 2) * std::sin(dp / 2) +
                   std::cos(p1) * std::cos(p2) * std::sin(dl / 2) * std::sin(dl / 2);
  return 2.0 * kEarthRadiusKm * std::asin(std::sqrt(std::fmin(1.0, h)));
}

GeoPoint offset_km(GeoPoint from, double distance_km, double azimuth_deg) {
  const double d = distance_km / kEarthRadiusKm, az = azimuth_deg * kDeg;
  const double p1 = from.lat * kDeg, l1 = from.lon * kDeg;
  const double p2 = std::asin(std::sin(p1) * std::cos(d) + std::cos(p1) * std::sin(d) * std::cos(az));
  const double l2 = l1 + std::atan2(std::sin(az) * std::sin(d) * std::cos(p1),
                                    std::cos(d) - std::sin(p1) * std::sin(p2));
  GeoPoint out{p2 / kDeg, l2 / kDeg};
  if (out.lon > 180) out.lon -= 360;
  if (out.lon < -180) out.lon += 360;
  return out;
}

}  // namespace qp::synth
