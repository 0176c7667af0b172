// P and S travel times from a point source at depth to a surface station.
//
// Homogeneous: straight rays. 1-D layered: the first arrival of the direct
// ray (ray parameter found by bisection) and of the head waves along every
// interface below the source.
#pragma once

#include <vector>

namespace qp::synth {

enum class Phase { P, S };

class VelocityModel {
 public:
  static VelocityModel homogeneous(double vp, double vs);
  /// `tops_km`: depth of each layer's top (km below sea level), increasing;
  /// the first layer also extends up to stations above sea level.
  static VelocityModel layered(std::vector<double> tops_km, std::vector<double> vp,
                               std::vector<double> vs);

  /// Seconds from origin to first arrival. `depth_km` below sea level,
  /// `elevation_km` of the station above sea level.
  double travel_time(Phase phase, double epicentral_km, double depth_km,
                     double elevation_km) const;

  bool is_homogeneous() const { return tops_.size() == 1; }

 private:
  std::vector<double> tops_, vp_, vs_;
};

}  // namespace qp::synth
