#include "pipeline/velocity_model.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "pipeline/error.hpp"

namespace qp {
namespace {

struct Leg {
  double h, v;  // thickness (km), velocity (km/s)
};

// Layer index holding depth z (the first layer extends up, the last down).
std::size_t layer_of(const std::vector<double>& tops, double z) {
  std::size_t k = 0;
  while (k + 1 < tops.size() && z >= tops[k + 1]) ++k;
  return k;
}

// Pieces of the layers between depths a < b.
void legs_between(const std::vector<double>& tops, const std::vector<double>& v, double a,
                  double b, std::vector<Leg>& out) {
  for (std::size_t k = layer_of(tops, a); k < tops.size() && a < b; ++k) {
    const double bottom = k + 1 < tops.size() ? std::min(b, tops[k + 1]) : b;
    if (bottom > a) out.push_back({bottom - a, v[k]});
    a = bottom;
  }
}

double direct_time(const std::vector<Leg>& legs, double x, double v_here) {
  double total_h = 0, vmax = 0;
  for (const auto& l : legs) {
    total_h += l.h;
    vmax = std::max(vmax, l.v);
  }
  if (total_h <= 1e-12) return x / v_here;
  if (legs.size() == 1) return std::hypot(x, total_h) / legs[0].v;
  if (x <= 0) {
    double t = 0;
    for (const auto& l : legs) t += l.h / l.v;
    return t;
  }
  // X(p) grows monotonically (and convexly) from 0 to infinity on
  // p in [0, 1/vmax): Newton's method, kept inside a shrinking bracket.
  double lo = 0, hi = 1 / vmax;
  double p = std::min(x / std::hypot(x, total_h) / vmax, 0.5 * hi);
  for (int it = 0; it < 100; ++it) {
    double f = -x, df = 0;
    for (const auto& l : legs) {
      const double c2 = 1 - p * p * l.v * l.v;
      const double c = std::sqrt(c2);
      f += l.h * p * l.v / c;
      df += l.h * l.v / (c2 * c);
    }
    if (std::abs(f) < 1e-10) break;
    (f < 0 ? lo : hi) = p;
    double next = p - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (next == p) break;
    p = next;
  }
  double t = 0, covered = 0;
  for (const auto& l : legs) {
    const double c = std::sqrt(1 - p * p * l.v * l.v);
    t += l.h / (l.v * c);
    covered += l.h * p * l.v / c;
  }
  return t + std::max(0.0, x - covered) * p;  // the tiny rest as if along the ray's slowness
}

}  // namespace

VelocityModel VelocityModel::homogeneous(double vp, double vs) {
  VelocityModel m;
  m.tops_ = {0.0};
  m.vp_ = {vp};
  m.vs_ = {vs};
  return m;
}

VelocityModel VelocityModel::layered(std::vector<double> tops_km, std::vector<double> vp,
                                     std::vector<double> vs) {
  VelocityModel m;
  m.tops_ = std::move(tops_km);
  m.vp_ = std::move(vp);
  m.vs_ = std::move(vs);
  return m;
}

void VelocityModel::validate() const {
  if (tops_.empty()) throw ConfigError("location.layer_tops_km", "no layers");
  if (vp_.size() != tops_.size())
    throw ConfigError("location.layer_vp", "needs one velocity per layer top (" +
                                               std::to_string(tops_.size()) + ")");
  if (vs_.size() != tops_.size())
    throw ConfigError("location.layer_vs", "needs one velocity per layer top (" +
                                               std::to_string(tops_.size()) + ")");
  for (std::size_t k = 0; k + 1 < tops_.size(); ++k)
    if (!(tops_[k + 1] > tops_[k]))
      throw ConfigError("location.layer_tops_km", "layer tops must increase strictly");
  for (std::size_t k = 0; k < tops_.size(); ++k) {
    if (!(vp_[k] > 0) || !std::isfinite(vp_[k]))
      throw ConfigError(is_layered() ? "location.layer_vp" : "location.vp", "must be positive");
    if (!(vs_[k] > 0) || !(vs_[k] < vp_[k]))
      throw ConfigError(is_layered() ? "location.layer_vs" : "location.vs",
                        "must be positive and below vp");
  }
}

double VelocityModel::travel_time(Phase phase, double distance_km, double source_depth_km,
                                  double receiver_depth_km) const {
  const std::vector<double>& v = phase == Phase::kP ? vp_ : vs_;
  const double x = std::abs(distance_km);
  if (!is_layered()) return std::hypot(x, source_depth_km - receiver_depth_km) / v[0];

  // Reciprocity: treat the deeper end as the source.
  const double zs = std::max(source_depth_km, receiver_depth_km);
  const double zr = std::min(source_depth_km, receiver_depth_km);
  std::vector<Leg> legs;
  legs_between(tops_, v, zr, zs, legs);
  double best = direct_time(legs, x, v[layer_of(tops_, zs)]);

  // Head waves along the top of every layer below the source that is faster
  // than everything above it down to the receiver.
  double vmax_above = 0;
  for (const auto& l : legs) vmax_above = std::max(vmax_above, l.v);
  vmax_above = std::max(vmax_above, v[layer_of(tops_, zs)]);
  for (std::size_t k = layer_of(tops_, zs) + 1; k < tops_.size(); ++k) {
    const double p = 1 / v[k];
    if (v[k] > vmax_above) {
      std::vector<Leg> down;  // source leg and receiver leg to the interface
      legs_between(tops_, v, zs, tops_[k], down);
      legs_between(tops_, v, zr, tops_[k], down);
      double t = 0, covered = 0;
      for (const auto& l : down) {
        const double c = std::sqrt(1 / (l.v * l.v) - p * p);
        t += l.h * c;
        covered += l.h * p / c;
      }
      if (covered <= x) best = std::min(best, t + x * p);
    }
    vmax_above = std::max(vmax_above, v[k]);
  }
  return best;
}

}  // namespace qp
