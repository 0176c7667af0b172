// P and S travel times in a homogeneous or 1-D layered flat-earth model.
// Depths in km below sea level (a receiver at elevation e has depth -e).
// Layered: first arrival = the fastest of the direct ray (found by shooting
// on the ray parameter) and the head waves along every deeper interface.
#pragma once

#include <string>
#include <vector>

namespace qp {

enum class Phase { kP, kS };

class VelocityModel {
 public:
  /// vp, vs in km/s.
  static VelocityModel homogeneous(double vp, double vs);
  /// Layer tops in km (strictly increasing; the first layer also extends
  /// upwards, the last downwards), with the layer velocities.
  static VelocityModel layered(std::vector<double> tops_km, std::vector<double> vp,
                               std::vector<double> vs);

  /// Seconds from a source at depth `source_depth_km` to a receiver at
  /// `receiver_depth_km`, `distance_km` apart horizontally.
  double travel_time(Phase phase, double distance_km, double source_depth_km,
                     double receiver_depth_km) const;

  bool is_layered() const { return tops_.size() > 1; }
  const std::vector<double>& tops() const { return tops_; }
  const std::vector<double>& vp() const { return vp_; }
  const std::vector<double>& vs() const { return vs_; }

  /// Throws ConfigError ("location.<key>") for inconsistent layers.
  void validate() const;

 private:
  std::vector<double> tops_, vp_, vs_;
};

/// Whether two stations' P times and S-P times can come from one source:
/// the farther station sees P later and S-P longer, by d(S-P) = (vp/vs - 1)
/// dP, so 0.5 dP <= d(S-P) <= dP for vp/vs in [1.5, 2], within `slack_s`.
/// Used where no location is known yet (phase labels, two-phase templates).
inline bool p_and_s_minus_p_agree(double p1_s, double s_minus_p1_s, double p2_s, double s_minus_p2_s,
                                  double slack_s) {
  double dp = p2_s - p1_s, dsp = s_minus_p2_s - s_minus_p1_s;
  if (dp < 0) {
    dp = -dp;
    dsp = -dsp;
  }
  return dsp >= 0.5 * dp - slack_s && dsp <= dp + slack_s;
}

}  // namespace qp
