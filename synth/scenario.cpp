#include "synth/scenario.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "pipeline/error.hpp"
#include "synth/random.hpp"

namespace qp::synth {
namespace {

// Stream tags: each part of the layout has its own random stream, so that
// e.g. asking for gaps never moves an event.
enum : std::uint64_t { kStations = 1, kFamilies, kSingletons, kTimes, kDefects };

/// Gutenberg-Richter magnitude in [lo, hi] (inverse of the truncated CDF).
double gr_magnitude(Rng& rng, double b, double lo, double hi) {
  const double u = rng.uniform();
  const double span = 1.0 - std::pow(10.0, -b * (hi - lo));
  return lo - std::log10(1.0 - u * span) / b;
}

Source random_source(Rng& rng, const SynthParams& p, double radius_km) {
  Source s;
  const double r = radius_km * std::sqrt(rng.uniform());
  s.pos = offset_km({p.center_lat, p.center_lon}, r, rng.uniform(0, 360));
  s.depth_km = rng.uniform(p.depth_min_km, p.depth_max_km);
  return s;
}

std::string numbered(const std::string& prefix, int i, int count, int min_width) {
  int width = min_width;
  for (int c = count; c >= std::pow(10, width); ) ++width;
  return fmt::format("{}{:0{}d}", prefix, i, width);
}

}  // namespace

double coda_decay_s(double magnitude, double hypocentral_km) {
  return 0.5 + 0.8 * std::pow(10.0, 0.3 * (magnitude - 1.0)) + 0.02 * hypocentral_km;
}

double Scenario::epicentral_km(const Source& s, int station) const {
  return synth::epicentral_km(s.pos, stations[static_cast<std::size_t>(station)].pos);
}

double Scenario::hypocentral_km(const Source& s, int station) const {
  const double d = epicentral_km(s, station);
  const double dz = s.depth_km + stations[static_cast<std::size_t>(station)].elevation_m / 1000.0;
  return std::sqrt(d * d + dz * dz);
}

double Scenario::travel_time(Phase phase, const Source& s, int station) const {
  return model.travel_time(phase, epicentral_km(s, station), s.depth_km,
                           -stations[static_cast<std::size_t>(station)].elevation_m / 1000.0);
}

Scenario make_scenario(const SynthParams& p) {
  Scenario sc;
  sc.model = p.layer_tops_km.empty()
                 ? VelocityModel::homogeneous(p.vp, p.vs)
                 : VelocityModel::layered(p.layer_tops_km, p.layer_vp, p.layer_vs);

  // Stations: spread in azimuth around the centre, 5-30 km out by default.
  Rng srng(stream_seed(p.seed, kStations));
  const int ns = p.n_stations;
  const auto nc = static_cast<int>(p.components.size());
  for (int i = 0; i < ns; ++i) {
    Station st;
    st.code = numbered("S", i + 1, ns, 2);
    const double az = 360.0 * (i + srng.uniform(-0.3, 0.3)) / ns;
    const double dist = srng.uniform(p.station_min_distance_km, p.station_max_distance_km);
    st.pos = offset_km({p.center_lat, p.center_lon}, dist, az);
    st.elevation_m = std::round(srng.uniform(0, 800));
    st.noise_gain = srng.uniform(0.7, 1.4);
    sc.stations.push_back(st);
    for (int k = 0; k < nc; ++k) {
      Channel ch;
      ch.station = i;
      ch.component = k;
      ch.code = p.components[static_cast<std::size_t>(k)];
      ch.seed_id = p.network + "." + st.code + "." + p.location + "." + ch.code;
      // Horizontals are usually noisier than the vertical.
      const double comp_gain = ch.code.back() == 'Z' ? 1.0 : srng.uniform(1.0, 1.3);
      ch.noise_rms = p.noise_amplitude * st.noise_gain * comp_gain;
      sc.channels.push_back(ch);
    }
  }

  // Families and singletons: sources and magnitudes.
  Rng frng(stream_seed(p.seed, kFamilies));
  std::vector<Event> events;
  const double a_lo = std::sqrt(p.family_cc_min), a_hi = std::sqrt(p.family_cc_max);
  for (int f = 0; f < p.n_families; ++f) {
    Family fam;
    fam.id = numbered("F", f + 1, p.n_families, 2);
    fam.source = random_source(frng, p, p.source_radius_km);
    fam.magnitude = gr_magnitude(frng, p.b_value, p.mag_min, p.mag_max);
    fam.swarm = f < p.n_swarm_families;
    fam.real_template = f == 0 && p.repeater_file.has_value();
    const auto n = static_cast<int>(frng.uniform_int(p.events_per_family_min, p.events_per_family_max));
    for (int e = 0; e < n; ++e) {
      Event ev;
      ev.family = f;
      ev.family_rank = e;
      ev.source = fam.source;  // repeaters share one patch of fault
      ev.magnitude = std::clamp(fam.magnitude + p.family_mag_spread * frng.normal(), p.mag_min,
                                p.mag_max);
      // Pair correlations a_i * a_j then lie in [cc_min, cc_max].
      ev.similarity = frng.uniform(a_lo, a_hi);
      events.push_back(ev);
    }
    // Weak members last: with none asked for, no draw changes.
    for (int e = 0; e < p.weak_events_per_family; ++e) {
      Event ev;
      ev.family = f;
      ev.source = fam.source;
      ev.magnitude = fam.magnitude;  // until the generator scales it to weak_snr
      ev.similarity = frng.uniform(a_lo, a_hi);
      ev.weak = true;
      ev.weak_snr = frng.uniform(p.weak_event_snr_min, p.weak_event_snr_max);
      events.push_back(ev);
    }
    sc.families.push_back(fam);
  }
  Rng grng(stream_seed(p.seed, kSingletons));
  for (int i = 0; i < p.n_singletons; ++i) {
    Event ev;
    ev.source = random_source(grng, p, 2.0 * p.source_radius_km);
    ev.magnitude = gr_magnitude(grng, p.b_value, p.mag_min, p.mag_max);
    events.push_back(ev);
  }

  // Origin times: events start 10 s into the data and end (S + coda) before its end.
  double longest = 0;
  for (const auto& ev : events)
    for (int s = 0; s < ns; ++s)
      longest = std::max(longest, sc.travel_time(Phase::kS, ev.source, s) +
                                      6.0 * coda_decay_s(ev.magnitude, sc.hypocentral_km(ev.source, s)));
  const double lead = std::min(10.0, 0.1 * p.duration_s);
  double usable = p.duration_s - lead - longest;
  if (usable < 0.2 * p.duration_s) usable = std::max(0.0, p.duration_s - lead) * 0.8;
  const double g = p.min_interevent_s;
  Rng trng(stream_seed(p.seed, kTimes));
  auto at = [&](double seconds) {
    // Catalog times to the millisecond, like real catalogs.
    return p.start + seconds_to_ns(std::round((lead + seconds) * 1000.0) / 1000.0);
  };
  std::size_t next = 0;
  for (int f = 0; f < p.n_families; ++f) {
    std::vector<Event*> fam;
    while (next < events.size() && events[next].family == f) fam.push_back(&events[next++]);
    const auto n = static_cast<double>(fam.size());
    if ((n - 1) * g > usable)
      throw ConfigError("synth.duration_s",
                        fmt::format("{} s leaves {:.0f} s for events, too short for a family of "
                                    "{} events at least min_interevent_s = {} s apart",
                                    p.duration_s, usable, fam.size(), g));
    std::vector<double> t(fam.size());
    if (sc.families[static_cast<std::size_t>(f)].swarm) {
      // A burst: spacings between g and 4 g (g alone if that does not fit).
      double span = 0;
      std::vector<double> gaps(fam.size(), 0.0);
      for (std::size_t i = 1; i < fam.size(); ++i) span += (gaps[i] = trng.uniform(g, 4 * g));
      if (span > usable) {
        for (auto& x : gaps) x = x > 0 ? g : 0;
        span = (n - 1) * g;
      }
      double t0 = trng.uniform(0, usable - span);
      for (std::size_t i = 0; i < fam.size(); ++i) t[i] = (t0 += gaps[i]);
    } else {
      // Uniform order statistics, then pushed apart by g: uniform given the spacing.
      for (auto& x : t) x = trng.uniform(0, usable - (n - 1) * g);
      std::sort(t.begin(), t.end());
      for (std::size_t i = 0; i < t.size(); ++i) t[i] += static_cast<double>(i) * g;
    }
    for (std::size_t i = 0; i < fam.size(); ++i) fam[i]->origin = at(t[i]);
  }
  for (; next < events.size(); ++next) events[next].origin = at(trng.uniform(0, usable));

  // Ids in origin-time order (ties broken by draw order: deterministic).
  std::vector<std::size_t> order(events.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return events[a].origin < events[b].origin;
  });
  for (std::size_t rank = 0; rank < order.size(); ++rank) {
    Event ev = events[order[rank]];
    ev.id = numbered("E", static_cast<int>(rank + 1), static_cast<int>(events.size()), 6);
    if (ev.family >= 0) sc.families[static_cast<std::size_t>(ev.family)].events.push_back(static_cast<int>(rank));
    sc.events.push_back(ev);
  }
  for (auto& fam : sc.families)
    for (std::size_t r = 0; r < fam.events.size(); ++r)
      sc.events[static_cast<std::size_t>(fam.events[r])].family_rank = static_cast<int>(r);

  // Defects.
  Rng drng(stream_seed(p.seed, kDefects));
  const std::int64_t n_samples = p.n_samples();
  const auto n_ch = static_cast<std::int64_t>(sc.channels.size());
  const auto gap_len = std::max<std::int64_t>(1, std::llround(p.gap_length_s * p.sampling_rate));
  // The dead channel first: gaps and spikes go to live channels.
  const int dead = p.dead_channel ? static_cast<int>(drng.uniform_int(0, n_ch - 1)) : -1;
  auto live_channel = [&] {
    auto c = static_cast<int>(drng.uniform_int(0, n_ch - 1));
    return c == dead ? static_cast<int>((c + 1) % n_ch) : c;
  };
  for (int i = 0; i < p.gaps; ++i) {
    Defect d;
    d.kind = Defect::Kind::Gap;
    d.channel = live_channel();
    d.first_index = drng.uniform_int(1, std::max<std::int64_t>(1, n_samples - gap_len - 1));
    d.end_index = std::min(n_samples, d.first_index + gap_len);
    sc.defects.push_back(d);
  }
  for (int i = 0; i < p.spikes; ++i) {
    Defect d;
    d.kind = Defect::Kind::Spike;
    d.channel = live_channel();
    d.first_index = drng.uniform_int(0, n_samples - 1);
    d.end_index = d.first_index + 1;
    d.value = (drng.uniform() < 0.5 ? -1.0 : 1.0) * p.spike_amplitude;
    sc.defects.push_back(d);
  }
  if (p.dead_channel) {
    Defect d;
    d.kind = Defect::Kind::Dead;
    d.channel = dead;
    d.first_index = 0;
    d.end_index = n_samples;
    sc.channels[static_cast<std::size_t>(d.channel)].dead = true;
    sc.defects.push_back(d);
  }
  return sc;
}

}  // namespace qp::synth
