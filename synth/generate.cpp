#include "synth/generate.hpp"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <functional>
#include <memory>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "pipeline/error.hpp"
#include "preprocess/filters.hpp"
#include "preprocess/waveform_reader.hpp"
#include "synth/mseed_writer.hpp"
#include "synth/noise.hpp"
#include "synth/random.hpp"
#include "synth/scenario.hpp"
#include "synth/wavelet.hpp"

namespace qp::synth {
namespace fs = std::filesystem;

namespace {

// Random stream tags (see random.hpp: stream_seed).
enum : std::uint64_t {
  kNoiseTag = 101, kWeightTag, kTemplateTag, kPerturbTag, kJitterTag, kSingleTag, kRealNoiseTag, kBandNoiseTag
};

// Steim-2 differences must fit 30 bits: samples stay within +-2^28.
constexpr double kClip = (1 << 28) - 1;
// Peak of the strongest possible component (horizontal S, weight 2).
constexpr double kMaxWeight = 2.0;

/// A real recorded event prepared as a template: sample `lead` is the onset.
struct RealTemplate {
  std::string id;
  std::vector<double> w;
  double lead = 0;
};

std::vector<RealTemplate> load_repeater(const std::string& file, const SynthParams& p) {
  std::vector<RealTemplate> out;
  const double fs = p.sampling_rate;
  for (const pre::Trace& t : pre::read_waveform_file(file)) {
    if (!(t.sampling_rate > 0) || t.samples.size() < 5 * t.sampling_rate) continue;
    std::vector<double> x = t.samples;
    double mean = 0;
    for (double v : x) mean += v;
    mean /= static_cast<double>(x.size());
    for (double& v : x) v -= mean;
    x = resample(x, t.sampling_rate, fs);
    const Biquad hp = Biquad::highpass(p.signal_fmin_hz, std::sqrt(0.5), fs);
    const Biquad lp = Biquad::lowpass(std::min(p.signal_fmax_hz, 0.45 * fs), std::sqrt(0.5), fs);
    hp.run(x);
    hp.run(x);
    lp.run(x);
    // Onset: first STA/LTA (0.1 s / 2 s) ratio above 5, else its maximum;
    // the LTA starts once the filters have settled (three periods of the
    // band's low corner): their start-up transient is no onset.
    const auto n = x.size();
    const auto sta = static_cast<std::size_t>(std::max(2.0, 0.1 * fs));
    const auto lta = static_cast<std::size_t>(std::max(20.0, 2.0 * fs));
    const auto settle = static_cast<std::size_t>(std::ceil(3.0 / p.signal_fmin_hz * fs));
    std::vector<double> c(n + 1, 0.0);
    for (std::size_t i = 0; i < n; ++i) c[i + 1] = c[i] + x[i] * x[i];
    std::size_t onset = 0, best = 0;
    double best_ratio = 0;
    for (std::size_t i = settle + lta; i + sta <= n; ++i) {
      const double r = ((c[i + sta] - c[i]) / sta) / std::max(1e-30, (c[i] - c[i - lta]) / lta);
      if (r > best_ratio) best_ratio = r, best = i;
      if (r > 5.0) {
        onset = i;
        break;
      }
    }
    if (onset == 0) onset = best;
    if (onset == 0) continue;
    const auto pre = static_cast<std::size_t>(std::round(0.2 * fs));
    const std::size_t from = onset > pre ? onset - pre : 0;
    const std::size_t to = std::min(n, onset + static_cast<std::size_t>(30 * fs));
    RealTemplate rt;
    rt.id = t.seed_id;
    rt.w.assign(x.begin() + static_cast<std::ptrdiff_t>(from), x.begin() + static_cast<std::ptrdiff_t>(to));
    rt.lead = static_cast<double>(onset - from);
    const std::size_t m = rt.w.size();
    for (std::size_t i = 0; i < onset - from; ++i)  // fade in the pre-event noise
      rt.w[i] *= 0.5 * (1 - std::cos(3.14159265358979 * static_cast<double>(i) / static_cast<double>(onset - from)));
    for (std::size_t i = 0; i < m / 10; ++i)
      rt.w[m - 1 - i] *= 0.5 * (1 - std::cos(3.14159265358979 * static_cast<double>(i) / static_cast<double>(m / 10)));
    out.push_back(std::move(rt));
  }
  if (out.empty())
    throw InputError(file, "holds no trace of at least 5 s with a detectable event onset");
  return out;
}

/// Shear velocity at the source (for the Brune corner frequency).
double vs_at(const SynthParams& p, double depth_km) {
  if (p.layer_tops_km.empty()) return p.vs;
  std::size_t k = 0;
  while (k + 1 < p.layer_tops_km.size() && p.layer_tops_km[k + 1] <= depth_km) ++k;
  return p.layer_vs[k];
}

/// How a source of magnitude `mag` looks at channel `c`. `source_key` names
/// the source for its radiation factors (a family, or a singleton).
WaveletShape shape_for(const SynthParams& p, const Scenario& sc, const Source& src, double mag,
                       int c, std::uint64_t source_key) {
  const Channel& ch = sc.channels[static_cast<std::size_t>(c)];
  const double tp = sc.travel_time(Phase::kP, src, ch.station);
  const double ts = sc.travel_time(Phase::kS, src, ch.station);
  const double r = sc.hypocentral_km(src, ch.station);
  WaveletShape s;
  s.sampling_rate = p.sampling_rate;
  s.s_minus_p_s = ts - tp;
  s.corner_hz = brune_corner_hz(mag, p.stress_drop_mpa, vs_at(p, src.depth_km));
  s.tstar_p = tp / p.attenuation_q;
  s.tstar_s = ts / p.attenuation_q;
  s.fmin_hz = p.signal_fmin_hz;
  s.fmax_hz = p.signal_fmax_hz;
  s.rise_s = std::max(2.0 / p.sampling_rate, 0.5 / s.corner_hz + 0.003 * r);
  s.coda_s_s = coda_decay_s(mag, r);
  s.coda_p_s = 0.6 * s.coda_s_s;
  // Radiation pattern per source and station, then the component: P mostly
  // on the vertical, S mostly on the horizontals.
  Rng wr(stream_seed(p.seed, kWeightTag, source_key, static_cast<std::uint64_t>(ch.station)));
  const double rp = wr.uniform(0.3, 1.0), rs = wr.uniform(0.3, 1.0);
  Rng cr(stream_seed(p.seed, kWeightTag, source_key, static_cast<std::uint64_t>(c), 1));
  if (ch.code.back() == 'Z') {
    s.p_weight = rp;
    s.s_weight = 1.2 * rs;
  } else {
    s.p_weight = 0.4 * rp;
    s.s_weight = kMaxWeight * rs * cr.uniform(0.5, 1.0);
  }
  return s;
}

void scale_to_peak(std::vector<double>& w, double peak) {
  double m = 0;
  for (double v : w) m = std::max(m, std::fabs(v));
  if (m > 0)
    for (double& v : w) v *= peak / m;
}

struct EventWave {
  std::int64_t first = 0;  ///< sample index of x[0]
  std::vector<float> x;
};

struct CcRow {
  int family, e1, e2, channel;
  double cc;
};

struct ChannelResult {
  std::vector<CcRow> cc;
  std::vector<double> snr_p, snr_s;  ///< per event
  std::int64_t samples = 0, records = 0;
  std::vector<fs::path> files;
};

struct Shared {
  const SynthParams& p;
  const Scenario& sc;
  const std::vector<RealTemplate>* real_templates;
  std::shared_ptr<const RealNoiseRecord> real_noise;
  fs::path staging;
  std::int64_t blocks_per_channel;
  std::atomic<std::int64_t> blocks_done{0};
  std::function<void(double)> progress;
};

/// The detection band's filter (snr_band_hz, Butterworth order 4 as
/// [preprocess] applies it), zero-phase.
pre::Sos snr_band_filter(const SynthParams& p) {
  const auto [lo, hi] = p.snr_band();
  return pre::butter_bandpass(4, lo, hi, p.sampling_rate);
}

/// RMS of channel `c`'s noise in the detection band: ten minutes of the
/// channel's kind of noise (its own stream, not the one written) filtered.
/// Broadband RMS would be dominated by the microseism below the band.
double band_noise_rms(const Shared& sh, int c) {
  const SynthParams& p = sh.p;
  const Channel& ch = sh.sc.channels[static_cast<std::size_t>(c)];
  const auto uc = static_cast<std::uint64_t>(c);
  std::unique_ptr<NoiseSource> noise;
  if (sh.real_noise)
    noise = std::make_unique<RealNoise>(sh.real_noise, ch.noise_rms, stream_seed(p.seed, kBandNoiseTag, uc));
  else
    noise = std::make_unique<ColouredNoise>(p.sampling_rate, ch.noise_rms, stream_seed(p.seed, kBandNoiseTag, uc));
  const auto skip = static_cast<std::size_t>(60.0 * p.sampling_rate);  // the noise filters settle
  std::vector<double> x(skip + static_cast<std::size_t>(600.0 * p.sampling_rate));
  noise->fill(x.data(), x.size());
  x.erase(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(skip));
  pre::sosfiltfilt(snr_band_filter(p), x);
  const std::size_t edge = x.size() / 20;  // the filter's ends
  double sum = 0;
  for (std::size_t i = edge; i + edge < x.size(); ++i) sum += x[i] * x[i];
  return std::sqrt(sum / static_cast<double>(x.size() - 2 * edge));
}

/// `w` filtered in the detection band, zero-phase, with room on both sides.
std::vector<double> in_band(const pre::Sos& sos, const std::vector<double>& w, std::size_t pad) {
  std::vector<double> x(w.size() + 2 * pad, 0.0);
  std::copy(w.begin(), w.end(), x.begin() + static_cast<std::ptrdiff_t>(pad));
  pre::sosfiltfilt(sos, x);
  return std::vector<double>(x.begin() + static_cast<std::ptrdiff_t>(pad),
                             x.begin() + static_cast<std::ptrdiff_t>(pad + w.size()));
}

/// Waveforms of every event at one channel, already scaled, delayed to the
/// sample grid, with SNRs (in the detection band) and the family correlations.
std::vector<EventWave> event_waves(Shared& sh, int c, ChannelResult& res) {
  const SynthParams& p = sh.p;
  const Scenario& sc = sh.sc;
  const Channel& ch = sc.channels[static_cast<std::size_t>(c)];
  const auto uc = static_cast<std::uint64_t>(c);
  const std::size_t n_ev = sc.events.size();
  std::vector<std::vector<double>> waves(n_ev);
  std::vector<double> leads(n_ev, 0.0), sp(n_ev, 0.0);
  const double a_lo = std::sqrt(p.family_cc_min), a_hi = std::sqrt(p.family_cc_max);

  for (std::size_t f = 0; f < sc.families.size(); ++f) {
    const Family& fam = sc.families[f];
    const WaveletShape shape = shape_for(p, sc, fam.source, fam.magnitude, c, f);
    std::vector<std::vector<double>> basis;
    double lead = 0;
    Rng trng(stream_seed(p.seed, kTemplateTag, f, uc));
    if (fam.real_template) {
      const auto& rts = *sh.real_templates;
      const RealTemplate& rt = rts[static_cast<std::size_t>(c) % rts.size()];
      basis.push_back(rt.w);
      lead = rt.lead;
    } else {
      basis.push_back(synthetic_wavelet(shape, trng));
    }
    scale_to_peak(basis[0], std::max(shape.p_weight, shape.s_weight) / kMaxWeight);
    const std::vector<double> tmpl = basis[0];
    for (int e : fam.events) {
      const auto ue = static_cast<std::uint64_t>(e);
      Rng prng(stream_seed(p.seed, kPerturbTag, ue, uc));
      std::vector<double> q = fam.real_template ? perturbation_like(tmpl, shape, prng)
                                                : synthetic_wavelet(shape, prng);
      if (!orthogonalise(q, basis)) std::fill(q.begin(), q.end(), 0.0);
      basis.push_back(q);
      // A little per-channel spread, as real stations disagree slightly.
      Rng jrng(stream_seed(p.seed, kJitterTag, ue, uc));
      const double a = std::clamp(sc.events[static_cast<std::size_t>(e)].similarity +
                                      0.02 * jrng.normal(), a_lo, a_hi);
      const double b = std::sqrt(std::max(0.0, 1.0 - a * a));
      std::vector<double> w(tmpl.size());
      for (std::size_t i = 0; i < w.size(); ++i) w[i] = a * tmpl[i] + b * q[i];
      waves[static_cast<std::size_t>(e)] = std::move(w);
      leads[static_cast<std::size_t>(e)] = lead;
      sp[static_cast<std::size_t>(e)] = shape.s_minus_p_s;
    }
    for (std::size_t i = 0; i < fam.events.size(); ++i)
      for (std::size_t j = i + 1; j < fam.events.size(); ++j)
        res.cc.push_back({static_cast<int>(f), fam.events[i], fam.events[j], c,
                          correlation(waves[static_cast<std::size_t>(fam.events[i])],
                                      waves[static_cast<std::size_t>(fam.events[j])])});
  }
  for (std::size_t e = 0; e < n_ev; ++e) {
    const Event& ev = sc.events[e];
    if (ev.family >= 0) continue;
    const std::uint64_t key = 1000000 + e;
    const WaveletShape shape = shape_for(p, sc, ev.source, ev.magnitude, c, key);
    Rng srng(stream_seed(p.seed, kSingleTag, e, uc));
    waves[e] = synthetic_wavelet(shape, srng);
    scale_to_peak(waves[e], std::max(shape.p_weight, shape.s_weight) / kMaxWeight);
    sp[e] = shape.s_minus_p_s;
  }

  // Amplitude, placement on the sample grid, SNR: peak amplitude over noise
  // RMS, both in the detection band, as the detector sees them.
  const double fs = p.sampling_rate;
  const pre::Sos band = snr_band_filter(p);
  const auto band_pad = static_cast<std::size_t>(5.0 * fs);
  const double noise = ch.dead ? 0.0 : band_noise_rms(sh, c);
  std::vector<EventWave> out(n_ev);
  res.snr_p.assign(n_ev, 0.0);
  res.snr_s.assign(n_ev, 0.0);
  for (std::size_t e = 0; e < n_ev; ++e) {
    const Event& ev = sc.events[e];
    const double r = std::max(1.0, sc.hypocentral_km(ev.source, ch.station));
    const double gain = p.amplitude_scale * std::pow(10.0, ev.magnitude) / r;
    const double tp = sc.travel_time(Phase::kP, ev.source, ch.station);
    const double pos = static_cast<double>(ev.origin - p.start) * fs / 1e9 + tp * fs - leads[e];
    const double i0 = std::floor(pos);
    out[e].first = static_cast<std::int64_t>(i0) - kShiftPad;
    out[e].x = fractional_delay(waves[e], pos - i0, gain);
    const std::vector<double> banded = in_band(band, waves[e], band_pad);
    auto peak = [&](double from_s, double to_s) {
      double m = 0;
      const auto a = static_cast<std::size_t>(std::max(0.0, leads[e] + from_s * fs));
      const auto b = std::min(banded.size(), static_cast<std::size_t>(std::max(0.0, leads[e] + to_s * fs)));
      for (std::size_t i = a; i < b; ++i) m = std::max(m, std::fabs(banded[i]));
      return m * gain;
    };
    auto ratio = [&](double amp) {
      if (ch.dead) return 0.0;
      return noise > 0 ? amp / noise : HUGE_VAL;
    };
    res.snr_p[e] = ratio(peak(0.0, std::min(sp[e], 3.0)));
    res.snr_s[e] = ratio(peak(sp[e], sp[e] + 3.0));
  }
  return out;
}

ChannelResult make_channel(Shared& sh, int c) {
  const SynthParams& p = sh.p;
  const Scenario& sc = sh.sc;
  const Channel& ch = sc.channels[static_cast<std::size_t>(c)];
  ChannelResult res;
  const std::vector<EventWave> waves = event_waves(sh, c, res);

  std::unique_ptr<NoiseSource> noise;
  if (sh.real_noise) {
    // The record's spectra with this channel's own random segments and
    // phases: no waveform of the record reaches any channel.
    noise = std::make_unique<RealNoise>(
        sh.real_noise, ch.noise_rms,
        stream_seed(p.seed, kRealNoiseTag, static_cast<std::uint64_t>(c)));
  } else {
    noise = std::make_unique<ColouredNoise>(
        p.sampling_rate, ch.noise_rms, stream_seed(p.seed, kNoiseTag, static_cast<std::uint64_t>(c)));
  }

  std::vector<const Defect*> gaps, spikes;
  for (const Defect& d : sc.defects) {
    if (d.channel != c) continue;
    if (d.kind == Defect::Kind::Gap) gaps.push_back(&d);
    if (d.kind == Defect::Kind::Spike) spikes.push_back(&d);
  }

  const Station& st = sc.stations[static_cast<std::size_t>(ch.station)];
  ChannelWriter writer(sh.staging, p.network, st.code, p.location, ch.code, p.start,
                       p.sampling_rate);
  const std::int64_t total = p.n_samples();
  const auto block = std::max<std::int64_t>(1, std::llround(p.block_s * p.sampling_rate));
  std::vector<double> x(static_cast<std::size_t>(std::min(block, total)));
  std::vector<std::int32_t> counts(x.size());
  std::vector<char> keep(x.size());
  for (std::int64_t k0 = 0; k0 < total; k0 += block) {
    const std::int64_t n = std::min(block, total - k0);
    if (ch.dead) {
      std::fill(x.begin(), x.begin() + n, 0.0);  // a flat, dead channel
    } else {
      noise->fill(x.data(), static_cast<std::size_t>(n));
      for (const EventWave& w : waves) {
        const std::int64_t a = std::max(k0, w.first);
        const std::int64_t b = std::min(k0 + n, w.first + static_cast<std::int64_t>(w.x.size()));
        for (std::int64_t k = a; k < b; ++k)
          x[static_cast<std::size_t>(k - k0)] += w.x[static_cast<std::size_t>(k - w.first)];
      }
      for (const Defect* d : spikes)
        if (d->first_index >= k0 && d->first_index < k0 + n)
          x[static_cast<std::size_t>(d->first_index - k0)] += d->value;
    }
    for (std::int64_t i = 0; i < n; ++i) {
      // Round half away from zero (as lround, without its library call).
      const double v = std::clamp(x[static_cast<std::size_t>(i)], -kClip, kClip);
      counts[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(v + (v >= 0 ? 0.5 : -0.5));
    }
    // Write the runs of samples outside the gaps.
    std::fill(keep.begin(), keep.begin() + n, 1);
    for (const Defect* d : gaps)
      for (std::int64_t k = std::max(k0, d->first_index); k < std::min(k0 + n, d->end_index); ++k)
        keep[static_cast<std::size_t>(k - k0)] = 0;
    for (std::int64_t i = 0; i < n;) {
      if (!keep[static_cast<std::size_t>(i)]) {
        ++i;
        continue;
      }
      std::int64_t j = i;
      while (j < n && keep[static_cast<std::size_t>(j)]) ++j;
      writer.append(counts.data() + i, static_cast<std::size_t>(j - i), k0 + i);
      i = j;
    }
    res.samples += n;
    const std::int64_t done = ++sh.blocks_done;
    if (sh.progress) {
#pragma omp critical(qp_synth_progress)
      sh.progress(static_cast<double>(done) /
                  static_cast<double>(sh.blocks_per_channel * static_cast<std::int64_t>(sc.channels.size())));
    }
  }
  writer.finish();
  res.records = writer.records_written();
  res.files = writer.files();
  return res;
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw StoreError(path.string() + ": write failed");
}

/// Sets each weak event's magnitude so that its station SNR (largest pick
/// SNR over the station's channels, as truth_picks.csv reports it) at its
/// min(3, n_stations)-th best station equals its drawn weak_snr. A family's
/// waveform shapes come from the family magnitude, so an event's SNR scales
/// exactly with 10^magnitude.
void calibrate_weak_events(const SynthParams& p, Scenario& sc, const std::vector<RealTemplate>& real_templates,
                           const std::shared_ptr<const RealNoiseRecord>& real_noise) {
  const std::size_t n_ev = sc.events.size();
  if (std::none_of(sc.events.begin(), sc.events.end(), [](const Event& e) { return e.weak; })) return;
  std::vector<std::vector<double>> station_snr(n_ev, std::vector<double>(sc.stations.size(), 0.0));
  {
    Shared sh{p, sc, &real_templates, real_noise, {}, 1, {0}, {}};
    for (int c = 0; c < static_cast<int>(sc.channels.size()); ++c) {
      ChannelResult res;
      event_waves(sh, c, res);
      const auto st = static_cast<std::size_t>(sc.channels[static_cast<std::size_t>(c)].station);
      for (std::size_t e = 0; e < n_ev; ++e)
        station_snr[e][st] = std::max({station_snr[e][st], res.snr_p[e], res.snr_s[e]});
    }
  }
  const std::size_t k = std::min<std::size_t>(3, sc.stations.size());
  for (std::size_t e = 0; e < n_ev; ++e) {
    Event& ev = sc.events[e];
    if (!ev.weak) continue;
    std::vector<double>& v = station_snr[e];
    std::sort(v.begin(), v.end(), std::greater<>());
    const double ref = v[k - 1];
    if (ref > 0 && std::isfinite(ref)) ev.magnitude += std::log10(ev.weak_snr / ref);
  }
}

std::string snr_text(double v) { return std::isinf(v) ? "inf" : fmt::format("{:.2f}", v); }

}  // namespace

SynthSummary generate(const SynthParams& params, const fs::path& out_dir,
                      std::function<void(double)> progress) {
  const auto t_begin = std::chrono::steady_clock::now();
  params.validate();
  const SynthParams& p = params;

  // Inputs and layout first: every error a user can cause is raised here,
  // before anything is written.
  std::shared_ptr<const RealNoiseRecord> real_noise;
  if (p.noise_file) real_noise = RealNoiseRecord::load(*p.noise_file, p.sampling_rate);
  std::vector<RealTemplate> real_templates;
  if (p.repeater_file) real_templates = load_repeater(*p.repeater_file, p);
  Scenario sc = make_scenario(p);
  calibrate_weak_events(p, sc, real_templates, real_noise);

  std::error_code ec;
  const bool created = !fs::exists(out_dir, ec);
  fs::create_directories(out_dir, ec);
  if (ec) throw StoreError(out_dir.string() + ": cannot create folder: " + ec.message());
  // Everything is written into a staging folder and moved into place when
  // complete: a failure leaves no partial output.
  const fs::path staging = out_dir / fmt::format(".synth.tmp.{}", ::getpid());
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) throw StoreError(staging.string() + ": cannot create folder: " + ec.message());

  SynthSummary summary;
  try {
    Shared sh{p, sc, &real_templates, real_noise, staging,
              (p.n_samples() + std::max<std::int64_t>(1, std::llround(p.block_s * p.sampling_rate)) - 1) /
                  std::max<std::int64_t>(1, std::llround(p.block_s * p.sampling_rate)),
              {0}, progress};
    const int n_ch = static_cast<int>(sc.channels.size());
    std::vector<ChannelResult> results(static_cast<std::size_t>(n_ch));
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(n_ch));
#pragma omp parallel for schedule(dynamic, 1)
    for (int c = 0; c < n_ch; ++c) {
      try {
        results[static_cast<std::size_t>(c)] = make_channel(sh, c);
      } catch (...) {
        errors[static_cast<std::size_t>(c)] = std::current_exception();
      }
    }
    for (const auto& e : errors)
      if (e) std::rethrow_exception(e);

    // Truth tables.
    std::string text = "network,station,location,channel,latitude,longitude,elevation_m\n";
    for (const Channel& ch : sc.channels) {
      const Station& st = sc.stations[static_cast<std::size_t>(ch.station)];
      text += fmt::format("{},{},{},{},{:.6f},{:.6f},{:.0f}\n", p.network, st.code, p.location,
                          ch.code, st.pos.lat, st.pos.lon, st.elevation_m);
    }
    write_text(staging / "stations.csv", text);

    text = "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n";
    for (const Event& ev : sc.events)
      text += fmt::format("{},{},{},{:.6f},{:.6f},{:.4f},{:.2f}\n", ev.id,
                          ev.family >= 0 ? sc.families[static_cast<std::size_t>(ev.family)].id : "",
                          format_iso8601(ev.origin, 3), ev.source.pos.lat, ev.source.pos.lon,
                          ev.source.depth_km, ev.magnitude);
    write_text(staging / "truth_catalog.csv", text);

    text = "event_id,seed_id,phase,time,snr\n";
    for (std::size_t e = 0; e < sc.events.size(); ++e) {
      const Event& ev = sc.events[e];
      for (std::size_t c = 0; c < sc.channels.size(); ++c) {
        const Channel& ch = sc.channels[c];
        for (Phase ph : {Phase::kP, Phase::kS}) {
          const TimeNs t = ev.origin + seconds_to_ns(sc.travel_time(ph, ev.source, ch.station));
          const double snr = ph == Phase::kP ? results[c].snr_p[e] : results[c].snr_s[e];
          text += fmt::format("{},{},{},{},{}\n", ev.id, ch.seed_id, ph == Phase::kP ? "P" : "S",
                              format_iso8601(t, 6), snr_text(snr));
        }
      }
    }
    write_text(staging / "truth_picks.csv", text);

    text = "family_id,event_id_1,event_id_2,seed_id,cc\n";
    std::vector<CcRow> rows;
    for (const auto& r : results) rows.insert(rows.end(), r.cc.begin(), r.cc.end());
    std::stable_sort(rows.begin(), rows.end(), [](const CcRow& a, const CcRow& b) {
      if (a.family != b.family) return a.family < b.family;
      if (a.e1 != b.e1) return a.e1 < b.e1;
      if (a.e2 != b.e2) return a.e2 < b.e2;
      return a.channel < b.channel;
    });
    for (const CcRow& r : rows)
      text += fmt::format("{},{},{},{},{:.4f}\n", sc.families[static_cast<std::size_t>(r.family)].id,
                          sc.events[static_cast<std::size_t>(r.e1)].id,
                          sc.events[static_cast<std::size_t>(r.e2)].id,
                          sc.channels[static_cast<std::size_t>(r.channel)].seed_id, r.cc);
    write_text(staging / "families.csv", text);

    text = "kind,seed_id,start,end,value\n";
    for (const Defect& d : sc.defects) {
      const Channel& ch = sc.channels[static_cast<std::size_t>(d.channel)];
      ChannelWriter clock(staging, "", "", "", "", p.start, p.sampling_rate);
      const char* kind = d.kind == Defect::Kind::Gap ? "gap" : d.kind == Defect::Kind::Spike ? "spike" : "dead";
      text += fmt::format("{},{},{},{},{}\n", kind, ch.seed_id,
                          format_iso8601(clock.sample_time(d.first_index), 6),
                          format_iso8601(clock.sample_time(d.end_index), 6),
                          d.kind == Defect::Kind::Spike ? fmt::format("{:.0f}", d.value) : "");
    }
    write_text(staging / "defects.csv", text);

    // Move into place.
    std::vector<fs::path> staged;
    for (const auto& entry : fs::directory_iterator(staging)) staged.push_back(entry.path());
    std::sort(staged.begin(), staged.end());
    for (const auto& f : staged) {
      const fs::path final_path = out_dir / f.filename();
      fs::rename(f, final_path);
      summary.files.push_back(final_path);
    }
    fs::remove(staging);
    for (const auto& r : results) {
      summary.samples += r.samples;
      summary.records += r.records;
    }
  } catch (...) {
    fs::remove_all(staging, ec);
    if (created) fs::remove(out_dir, ec);  // only if it is empty again
    throw;
  }
  summary.n_channels = static_cast<int>(sc.channels.size());
  summary.n_events = static_cast<int>(sc.events.size());
  summary.n_families = static_cast<int>(sc.families.size());
  summary.elapsed_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t_begin).count();
  summary.samples_per_second = summary.elapsed_s > 0 ? summary.samples / summary.elapsed_s : 0;
  spdlog::info("synth: {} channels x {} samples, {} events in {} families -> {} ({:.3g} samples/s)",
               summary.n_channels, p.n_samples(), summary.n_events, summary.n_families,
               out_dir.string(), summary.samples_per_second);
  return summary;
}

}  // namespace qp::synth
