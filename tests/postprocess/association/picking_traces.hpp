// Hand-made picking traces for the association tests: pulses in Gaussian
// noise at known times on three-component stations, read as spans.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/picking.hpp"

namespace qp::post::testing {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kRate = 100.0;
inline const TimeNs kT0 = qp::parse_iso8601("2020-01-01T00:00:00Z");
inline constexpr double kSeconds = 200.0;

// One channel: unit-rms noise times `noise`, plus 6 Hz pulses (0.05 s rise,
// 1.5 s decay) at the given times (s after kT0) with the given amplitudes.
struct Trace {
  std::vector<float> x;
  Trace(double noise, unsigned seed) : x(static_cast<std::size_t>(kRate * kSeconds)) {
    std::mt19937 rng(seed);
    std::normal_distribution<double> n(0.0, 1.0);
    for (auto& v : x) v = static_cast<float>(noise * n(rng));
  }
  Trace& pulse(double at_s, double amplitude) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      const double t = static_cast<double>(i) / kRate - at_s;
      if (t >= 0) x[i] += static_cast<float>(amplitude * (1 - std::exp(-t / 0.05)) * std::exp(-t / 1.5) *
                                             std::sin(2 * kPi * 6 * t + 0.7));
    }
    return *this;
  }
};

// Traces by SEED id, read as spans.
struct Traces {
  std::map<std::string, Trace> by_id;
  WaveformReader reader() const {
    return [this](const std::string& sid, TimeNs begin, TimeNs end) {
      WaveformSpan w;
      const auto it = by_id.find(sid);
      if (it == by_id.end()) return w;
      const auto n = static_cast<std::int64_t>(it->second.x.size());
      auto index = [&](TimeNs t) {
        return std::clamp<std::int64_t>(
            static_cast<std::int64_t>(std::ceil(static_cast<double>(t - kT0) * kRate / 1e9 - 1e-6)), 0, n);
      };
      const std::int64_t i0 = index(begin), i1 = index(end);
      w.sampling_rate = kRate;
      w.start = kT0 + static_cast<TimeNs>(std::llround(static_cast<double>(i0) * 1e9 / kRate));
      if (i1 > i0) w.samples.assign(it->second.x.begin() + i0, it->second.x.begin() + i1);
      return w;
    };
  }
};

inline PickingStation three_component(const std::string& sta) {
  const std::string base = "XX." + sta + "..HH";
  return {"XX." + sta, {base + "E", base + "N", base + "Z"}, base + "Z", {base + "E", base + "N"}};
}

// A network event whose first matching fingerprint at station i is centred
// 1 s before onset_s[i] (FAST's centres lead the onset), on a 1 s grid.
inline NetworkEvent event_at(const std::vector<double>& onset_s) {
  NetworkEvent ne;
  for (std::size_t i = 0; i < onset_s.size(); ++i) {
    const auto first = static_cast<std::int64_t>(std::floor(qp::ns_to_seconds(kT0) + onset_s[i] - 1.0));
    ne.stations.push_back({static_cast<int>(i), first, first + 3, 80, 80});
  }
  return ne;
}

inline PickingSetup setup_for(std::vector<PickingStation> stations) {
  PickingSetup s;
  s.stations = std::move(stations);
  s.dt_fp = qp::kNsPerSecond;
  s.half_span = 3 * qp::kNsPerSecond;
  s.ntbls = 100;
  return s;
}

inline double seconds_after_t0(TimeNs t) { return qp::ns_to_seconds(t - kT0); }

}  // namespace qp::post::testing
