#include "synth/velocity_model.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

namespace qp::synth {

VelocityModel VelocityModel::homogeneous(double vp, double vs) {
  VelocityModel m;
  m.tops_ = {0.0};
  m.vp_ = {vp};
  m.vs_ = {vs};
  return m;
}

VelocityModel VelocityModel::layered(std::vector<double> tops_km, std::vector<double> vp,
                                     std::vector<double> vs) {
  assert(!tops_km.empty() && tops_km.size() == vp.size() && vp.size() == vs.size());
  VelocityModel m;
  m.tops_ = std::move(tops_km);
  m.vp_ = std::move(vp);
  m.vs_ = std::move(vs);
  return m;
}

double VelocityModel::travel_time(Phase phase, double dist_km, double depth_km,
                                  double elevation_km) const {
  const std::vector<double>& v = phase == Phase::P ? vp_ : vs_;
  const double top = -elevation_km;  // receiver depth
  if (is_homogeneous()) {
    const double dz = depth_km - top;
    return std::sqrt(dist_km * dist_km + dz * dz) / v[0];
  }
  const size_t n = tops_.size();
  // Thickness of each layer crossed between receiver and source (source in
  // the layer whose top is at or above it; the first layer extends upwards).
  auto layer_of = [&](double z) {
    size_t k = 0;
    while (k + 1 < n && tops_[k + 1] <= z) ++k;
    return k;
  };
  const double zs = std::max(depth_km, top);
  const size_t ks = layer_of(zs);
  std::vector<double> h(n, 0.0);
  for (size_t i = 0; i <= ks; ++i) {
    const double a = std::max(i == 0 ? top : tops_[i], top);
    const double b = std::min(i + 1 < n ? tops_[i + 1] : zs, zs);
    h[i] = std::max(0.0, b - a);
  }
  double vmax = 0;
  for (size_t i = 0; i <= ks; ++i)
    if (h[i] > 0 || i == ks) vmax = std::max(vmax, v[i]);

  // Direct ray: X(p) = sum h p v / sqrt(1 - p^2 v^2) grows with p; bisect.
  auto offset = [&](double p, double* t) {
    double x = 0, tt = 0;
    for (size_t i = 0; i <= ks; ++i) {
      if (h[i] <= 0) continue;
      const double c = std::sqrt(std::max(1e-300, 1.0 - p * p * v[i] * v[i]));
      x += h[i] * p * v[i] / c;
      tt += h[i] / (v[i] * c);
    }
    if (t) *t = tt;
    return x;
  };
  double t_direct = 0;
  const double total_h = zs - top;
  if (total_h <= 1e-12) {
    t_direct = dist_km / v[ks];
  } else {
    double lo = 0, hi = (1.0 - 1e-12) / vmax;
    for (int it = 0; it < 200 && offset(hi, nullptr) < dist_km; ++it) hi = (hi + 1.0 / vmax) / 2;
    for (int it = 0; it < 100; ++it) {
      const double mid = (lo + hi) / 2;
      (offset(mid, nullptr) < dist_km ? lo : hi) = mid;
    }
    offset((lo + hi) / 2, &t_direct);
  }

  // Head waves along the top of each faster layer below the source.
  double best = t_direct;
  for (size_t k = ks + 1; k < n; ++k) {
    const double vk = v[k];
    bool faster = true;
    for (size_t i = 0; i < k; ++i) faster = faster && v[i] < vk;
    if (!faster) continue;
    double t = dist_km / vk, x_crit = 0;
    for (size_t i = 0; i < k; ++i) {
      // Receiver leg crosses layer i above the interface; the source leg only below zs.
      const double a = std::max(i == 0 ? top : tops_[i], top);
      const double b = tops_[i + 1];
      const double down = std::max(0.0, b - a);
      const double up = std::max(0.0, b - std::max(a, zs));
      const double eta = std::sqrt(1.0 / (v[i] * v[i]) - 1.0 / (vk * vk));
      t += (down + up) * eta;
      x_crit += (down + up) * (v[i] / vk) / std::sqrt(1.0 - (v[i] / vk) * (v[i] / vk));
    }
    if (x_crit <= dist_km) best = std::min(best, t);
  }
  return best;
}

}  // namespace qp::synth
