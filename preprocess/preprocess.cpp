#include "preprocess/preprocess.hpp"

#include <limits>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>

#include "pipeline/error.hpp"
#include "preprocess/decimate.hpp"
#include "preprocess/filters.hpp"

namespace qp::pre {

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMadToSigma = 1.482602218505602;  // 1 / Phi^-1(3/4)
constexpr std::size_t kNoiseNeighbours = 2000;     // per side, as FAST's gap filler

using Fail = std::function<void(const std::string& key, const std::string& cause)>;

// The checks shared by validate() (throws ConfigError) and from_config()
// (throws through ConfigSection::fail, which adds the line).
void check_params(const PreprocessParams& p, const Fail& fail) {
  if (p.mode != "quakeprint" && p.mode != "fast") fail("mode", "must be \"quakeprint\" or \"fast\"");
  if (p.fill_gaps != "noise" && p.fill_gaps != "none") fail("fill_gaps", "must be \"noise\" or \"none\"");
  if (!(p.taper_seconds >= 0)) fail("taper_seconds", "must be >= 0");
  if (p.corners < 1 || p.corners > 12) fail("corners", "must lie in 1..12");
  if (!(p.target_rate >= 0)) fail("target_rate", "must be >= 0 (0 keeps the input rate)");
  if (p.mask_flat_samples == 1 || p.mask_flat_samples < 0)
    fail("mask_flat_samples", "must be 0 (off) or >= 2");
  if (!(p.max_plateau_seconds >= 0)) fail("max_plateau_seconds", "must be >= 0 (0 masks every flat run)");
  if (!(p.spike_threshold >= 0)) fail("spike_threshold", "must be >= 0 (0 = off)");
  if (p.bandpass) {
    if (!(p.freqmin > 0)) fail("freqmin", "must be > 0");
    if (!(p.freqmin < p.freqmax)) fail("freqmin", "must be below freqmax");
    if (p.target_rate > 0 && !(p.freqmax < p.target_rate / 2))
      fail("freqmax", "must be below the Nyquist frequency of target_rate (" +
                          std::to_string(p.target_rate / 2) + " Hz)");
  }
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Gaussian numbers from a counter-based generator, identical on every platform.
class GaussianNoise {
 public:
  explicit GaussianNoise(std::uint64_t seed) : state_(seed) {}
  double next() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    double u1;
    do u1 = static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
    while (u1 <= 0.0);
    const double u2 = static_cast<double>(splitmix64(state_) >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * kPi * u2);
    have_spare_ = true;
    return r * std::cos(2 * kPi * u2);
  }

 private:
  std::uint64_t state_;
  double spare_ = 0;
  bool have_spare_ = false;
};

double median_of(std::vector<double> v) {
  if (v.empty()) return 0;
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    m = 0.5 * (m + lo);
  }
  return m;
}

// The data's quantum: its smallest nonzero step between valid neighbours
// (one count for integer data); 0 when there is none.
double smallest_step(const std::vector<float>& x, const std::vector<std::uint8_t>& ok) {
  double q = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    if (!ok[i] || !ok[i + 1]) continue;
    const double d = std::fabs(static_cast<double>(x[i + 1]) - x[i]);
    if (d > 0 && (q == 0 || d < q)) q = d;
  }
  return q;
}

// Runs of >= min_run bit-identical valid samples (dead channel, clipping,
// zero-filled gaps) become invalid. Except a plateau of quantised slow noise:
// quiet integer data near the turn of a microseism stays on one count for a
// few tenths of a second and steps on and off it by one quantum, where a
// clipped or zero-filled run jumps. Such a run shorter than max_plateau
// samples is data (masked, it cost a third of a quiet record: 10 s per run
// with the filters' settling).
void mask_flat_runs(const std::vector<float>& x, std::vector<std::uint8_t>& ok, int min_run,
                    std::size_t max_plateau) {
  if (min_run < 2) return;
  const std::size_t n = x.size();
  const double quantum = max_plateau > 0 ? smallest_step(x, ok) : 0;
  const auto steps_by_one = [&](std::size_t k, std::size_t run) {
    return ok[k] && std::fabs(static_cast<double>(x[k]) - x[run]) <= quantum * (1 + 1e-6);
  };
  std::size_t i = 0;
  while (i < n) {
    if (!ok[i]) {
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    while (j < n && ok[j] && std::memcmp(&x[j], &x[i], sizeof(float)) == 0) ++j;
    const bool plateau = quantum > 0 && j - i < max_plateau && i > 0 && j < n && steps_by_one(i - 1, i) &&
                         steps_by_one(j, i);
    if (j - i >= static_cast<std::size_t>(min_run) && !plateau)
      std::fill(ok.begin() + static_cast<std::ptrdiff_t>(i), ok.begin() + static_cast<std::ptrdiff_t>(j), 0);
    i = j;
  }
}

// Isolated one-sample spikes: the sample jumps away from both neighbours, in
// the same direction, by more than threshold robust sigmas of the first
// differences.
std::size_t mask_spikes(const std::vector<float>& x, std::vector<std::uint8_t>& ok, double threshold) {
  if (threshold <= 0) return 0;
  const std::size_t n = x.size();
  std::vector<double> d;
  d.reserve(n);
  for (std::size_t i = 0; i + 1 < n; ++i)
    if (ok[i] && ok[i + 1]) d.push_back(static_cast<double>(x[i + 1]) - x[i]);
  if (d.size() < 10) return 0;
  const double med = median_of(d);
  for (double& v : d) v = std::fabs(v - med);
  const double sigma = kMadToSigma * median_of(std::move(d));
  if (!(sigma > 0)) return 0;
  const double limit = threshold * sigma;
  std::vector<std::size_t> hits;
  for (std::size_t i = 1; i + 1 < n; ++i) {
    if (!(ok[i - 1] && ok[i] && ok[i + 1])) continue;
    const double d1 = static_cast<double>(x[i]) - x[i - 1];
    const double d2 = static_cast<double>(x[i]) - x[i + 1];
    if (d1 * d2 > 0 && std::min(std::fabs(d1), std::fabs(d2)) > limit) hits.push_back(i);
  }
  for (std::size_t i : hits) ok[i] = 0;
  return hits.size();
}

void demean_detrend(double* x, std::size_t n, bool demean, bool detrend) {
  if (n == 0 || (!demean && !detrend)) return;
  double mean = 0;
  for (std::size_t i = 0; i < n; ++i) mean += x[i];
  mean /= static_cast<double>(n);
  if (!detrend) {
    for (std::size_t i = 0; i < n; ++i) x[i] -= mean;
    return;
  }
  // Least-squares line with the time axis centred (scipy.signal.detrend 'linear').
  const double tc = 0.5 * static_cast<double>(n - 1);
  double sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double t = static_cast<double>(i) - tc;
    sxy += t * (x[i] - mean);
    sxx += t * t;
  }
  const double slope = sxx > 0 ? sxy / sxx : 0;
  for (std::size_t i = 0; i < n; ++i) x[i] -= mean + slope * (static_cast<double>(i) - tc);
}

void hann_taper(double* x, std::size_t n, std::size_t len) {
  len = std::min(len, n / 2);
  for (std::size_t i = 0; i < len; ++i) {
    const double w = 0.5 * (1.0 - std::cos(kPi * static_cast<double>(i) / static_cast<double>(len)));
    x[i] *= w;
    x[n - 1 - i] *= w;
  }
}

// How the input rate becomes the output rate.
struct RatePlan {
  int q = 1;                           // integer decimation factor (1 = keep)
  std::optional<RationalRatio> ratio;  // set when the ratio is not an integer
};

RatePlan plan_rate(const PreprocessParams& p, double rin) {
  RatePlan plan;
  if (p.target_rate <= 0 || p.target_rate == rin) return plan;
  const double r = rin / p.target_rate;
  const double rq = std::round(r);
  if (rq >= 1 && std::fabs(r - rq) <= 1e-9 * r) {
    plan.q = static_cast<int>(rq);
    return plan;
  }
  plan.ratio = rational_ratio(rin, p.target_rate);
  return plan;
}

struct Filters {
  Sos bandpass;
  Sos antialias;  // integer decimation only
};

Filters design(const PreprocessParams& p, double rin, const RatePlan& plan) {
  Filters f;
  if (p.bandpass) f.bandpass = butter_bandpass(p.corners, p.freqmin, p.freqmax, rin);
  if (plan.q > 1)
    f.antialias = p.fast_mode() ? decimation_filter_obspy(plan.q, rin) : decimation_filter_scipy(plan.q);
  return f;
}

// Maximal runs of trusted samples at least min_len long; shorter runs are
// untrusted from here on (too short for the zero-phase filters' padding).
std::vector<std::pair<std::size_t, std::size_t>> valid_segments(std::vector<std::uint8_t>& ok, std::size_t min_len) {
  const std::size_t n = ok.size();
  std::vector<std::pair<std::size_t, std::size_t>> segments;
  for (std::size_t i = 0; i < n;) {
    if (!ok[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && ok[j]) ++j;
    if (j - i >= min_len) segments.emplace_back(i, j);
    else std::fill(ok.begin() + static_cast<std::ptrdiff_t>(i), ok.begin() + static_cast<std::ptrdiff_t>(j), 0);
    i = j;
  }
  return segments;
}

// Output samples no segment covered (no data at all) get Gaussian noise at
// the level of up to kNoiseNeighbours valid neighbours on each side (median,
// MAD), masked, as FAST's gap filler does.
void fill_gaps_with_noise(Continuous& out, const std::vector<std::uint8_t>& covered, std::uint64_t param_seed,
                          std::uint64_t seed) {
  const std::size_t n_out = out.samples.size();
  std::uint64_t base = param_seed;
  (void)splitmix64(base);
  base ^= seed * 0xD6E8FEB86659FD93ull;
  for (std::size_t g0 = 0; g0 < n_out;) {
    if (covered[g0]) {
      ++g0;
      continue;
    }
    std::size_t g1 = g0;
    while (g1 < n_out && !covered[g1]) ++g1;
    std::vector<double> nb;
    for (std::size_t k = g0, taken = 0; k-- > 0 && taken < kNoiseNeighbours;)
      if (out.mask[k]) nb.push_back(out.samples[k]), ++taken;
    for (std::size_t k = g1, taken = 0; k < n_out && taken < kNoiseNeighbours; ++k)
      if (out.mask[k]) nb.push_back(out.samples[k]), ++taken;
    const double med = median_of(nb);
    for (double& v : nb) v = std::fabs(v - med);
    const double sigma = kMadToSigma * median_of(std::move(nb));
    // Seeded by the gap's absolute start time: chunking never changes it.
    std::uint64_t st = base ^ static_cast<std::uint64_t>(out.sample_time(g0));
    GaussianNoise noise(splitmix64(st));
    for (std::size_t k = g0; k < g1; ++k) out.samples[k] = static_cast<float>(med + sigma * noise.next());
    g0 = g1;
  }
}

}  // namespace

// ------------------------------------------------------------- params --

void PreprocessParams::validate() const {
  check_params(*this, [](const std::string& key, const std::string& cause) {
    throw ConfigError("preprocess." + key, cause);
  });
}

void PreprocessParams::validate_for_rate(double rin) const {
  if (!(rin > 0)) throw ConfigError("preprocess.target_rate", "input sampling rate must be positive");
  if (bandpass && !(freqmax < rin / 2))
    throw ConfigError("preprocess.freqmax", "must be below the Nyquist frequency of the input (" +
                                                std::to_string(rin / 2) + " Hz)");
  if (target_rate > 0) {
    if (target_rate > rin * (1 + 1e-12))
      throw ConfigError("preprocess.target_rate", "must not exceed the input rate (" +
                                                      std::to_string(rin) + " Hz)");
    const RatePlan plan = plan_rate(*this, rin);
    if (plan.q == 1 && !plan.ratio && target_rate != rin)
      throw ConfigError("preprocess.target_rate",
                        "the input rate " + std::to_string(rin) + " Hz over " +
                            std::to_string(target_rate) + " Hz is not an integer or a ratio of integers <= 1000");
  }
}

const ParamTable<PreprocessParams>& preprocess_param_table() {
  using P = PreprocessParams;
  static const auto table =
      ParamTable<P>("preprocess", "Detrend, taper, band-pass and resample each channel onto the absolute time "
                                  "grid; mask what cannot be trusted; fill gaps (docs/preprocess.md).")
          .text("mode", &P::mode, {"quakeprint", "fast"},
                "quakeprint: zero-phase band-pass, tapered segments, zero-phase decimation. fast: FAST's ObsPy "
                "chain (causal Butterworth, Chebyshev-II decimation), keeping every sample FAST keeps.")
          .flag("demean", &P::demean, "Remove each segment's mean.")
          .flag("detrend", &P::detrend, "Remove each segment's linear trend.")
          .number("taper_seconds", &P::taper_seconds, {0, 86400}, "s",
                  "Hann taper at each end of every segment (quakeprint mode).")
          .flag("bandpass", &P::bandpass, "Apply the Butterworth band-pass freqmin..freqmax.")
          .number("freqmin", &P::freqmin, {0, 1e7}, "Hz", "Low corner of the band-pass.")
          .number("freqmax", &P::freqmax, {0, 1e7}, "Hz", "High corner of the band-pass.")
          .integer("corners", &P::corners, {1, 12}, "", "Butterworth order.")
          .flag("zerophase", &P::zerophase, "Filter forward and backward (mode fast forces causal).")
          .number("target_rate", &P::target_rate, {0, 1e7}, "Hz",
                  "Output sampling rate; 0 keeps the input rate. Must equal fingerprint.sampling_rate when set.")
          .integer("mask_flat_samples", &P::mask_flat_samples, {0, 1'000'000'000}, "samples",
                   "Runs of at least this many identical samples are masked; 0 = off.")
          .number("max_plateau_seconds", &P::max_plateau_seconds, {0, 86400}, "s",
                  "A flat run that steps on and off by the data's smallest step (one count: quiet integer data "
                  "at the turn of a microseism) is data when shorter than this; clipped and zero-filled runs "
                  "jump and stay masked. 0 masks every flat run.")
          .number("spike_threshold", &P::spike_threshold, {0, 1e12}, "robust sigmas",
                  "Isolated spikes beyond this many robust sigmas (1.4826 MAD) of the first differences are "
                  "masked; 0 = off.")
          .text("fill_gaps", &P::fill_gaps, {"noise", "none"},
                "noise: fill gaps with noise matching the surrounding data (masked); none: leave them empty.")
          .integer("seed", &P::seed, {0, std::numeric_limits<std::int64_t>::max()}, "",
                   "Mixed into the gap-noise seed.");
  return table;
}

PreprocessParams PreprocessParams::from_config(ConfigSection& s) {
  PreprocessParams p;
  preprocess_param_table().read(s, p);
  check_params(p, [&](const std::string& key, const std::string& cause) { s.fail(key, cause); });
  return p;
}

double edge_seconds(const PreprocessParams& p, double rin) {
  const RatePlan plan = plan_rate(p, rin);
  const Filters f = design(p, rin, plan);
  double samples = 0;
  if (!f.bandpass.empty()) samples += static_cast<double>(settling_samples(f.bandpass));
  if (!f.antialias.empty()) samples += static_cast<double>(settling_samples(f.antialias));
  if (plan.ratio) samples += static_cast<double>(resample_kernel(plan.ratio->up, plan.ratio->down).size() / 2) / plan.ratio->up;
  const double settle = samples / rin;
  return p.fast_mode() ? settle : std::max(settle, p.taper_seconds);
}

// ------------------------------------------------------- output grid --

namespace {

// Where a chunk's outputs lie on the absolute grid of the output rate.
struct OutputGrid {
  RatePlan plan;
  std::int64_t i0 = 0;     // absolute input index of raw[0]
  std::size_t n_out = 0;
  std::size_t first = 0;   // integer plans: raw index of output 0
  std::int64_t m0 = 0;     // rational plans: absolute output index of output 0
  TimeNs start = 0;        // time of output 0

  // Position of output m in raw samples (relative to raw[0]).
  double raw_position(std::size_t m) const {
    if (plan.ratio)
      return static_cast<double>(static_cast<long double>((m0 + static_cast<std::int64_t>(m)) * plan.ratio->down) /
                                     plan.ratio->up -
                                 static_cast<long double>(i0));
    return static_cast<double>(first + m * static_cast<std::size_t>(plan.q));
  }
};

OutputGrid output_grid(const Continuous& raw, const RatePlan& plan) {
  const double rin = raw.sampling_rate;
  const std::size_t n = raw.samples.size();
  OutputGrid g;
  g.plan = plan;
  g.i0 = grid_index(raw.start, rin);
  auto floor_div = [](std::int64_t a, std::int64_t b) {
    std::int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  };
  if (plan.ratio) {
    const std::int64_t up = plan.ratio->up, down = plan.ratio->down;
    if (n > 0) {
      g.m0 = -floor_div(-(g.i0 * up), down);
      const std::int64_t m1 = floor_div((g.i0 + static_cast<std::int64_t>(n) - 1) * up, down);
      g.n_out = static_cast<std::size_t>(std::max<std::int64_t>(0, m1 - g.m0 + 1));
    }
    const long double offset_samples = static_cast<long double>(g.m0 * down - g.i0 * up) / up;
    g.start = raw.start + static_cast<TimeNs>(std::llround(offset_samples * 1e9L / rin));
  } else {
    g.first = first_kept(g.i0, plan.q);
    g.n_out = g.first < n ? (n - g.first + static_cast<std::size_t>(plan.q) - 1) / static_cast<std::size_t>(plan.q) : 0;
    g.start = raw.start + static_cast<TimeNs>(std::llround(static_cast<long double>(g.first) * 1e9L / rin));
  }
  return g;
}

// An output is valid when it was covered by a segment and no untrusted raw
// sample (`ok` 0), and no chunk edge, lies within `reach` raw samples of it.
void mask_near_untrusted(const OutputGrid& g, const std::vector<std::uint8_t>& ok,
                         const std::vector<std::uint8_t>& covered, double reach, std::vector<std::uint8_t>& mask) {
  const std::size_t n = ok.size(), n_out = g.n_out;
  for (std::size_t m = 0; m < n_out; ++m) mask[m] = covered[m];
  // First output whose raw position is >= pos (positions increase with m).
  auto first_output_at = [&](double pos) {
    std::size_t lo = 0, hi = n_out;
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (g.raw_position(mid) < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // Each run of untrusted raw samples [b0, b1) (the chunk's outside counts as
  // one) clears the outputs within `reach` of it.
  auto clear_near = [&](double b0, double b1) {
    const std::size_t m_lo = first_output_at(b0 - reach);
    const std::size_t m_hi = first_output_at(b1 - 1 + reach + 1e-9);
    for (std::size_t m = m_lo; m < m_hi; ++m) mask[m] = 0;
  };
  clear_near(-1e300, 0);
  clear_near(static_cast<double>(n), 1e300);
  for (std::size_t i = 0; i < n;) {
    if (ok[i]) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < n && !ok[j]) ++j;
    clear_near(static_cast<double>(i), static_cast<double>(j));
    i = j;
  }
}

}  // namespace

// --------------------------------------------------------- preprocess --

Continuous preprocess(const Continuous& raw, const PreprocessParams& p, std::uint64_t seed) {
  p.validate();
  p.validate_for_rate(raw.sampling_rate);
  if (raw.mask.size() != raw.samples.size())
    throw std::invalid_argument("preprocess: mask and samples differ in length");
  const double rin = raw.sampling_rate;
  const RatePlan plan = plan_rate(p, rin);
  const Filters filters = design(p, rin, plan);
  const bool zerophase = p.effective_zerophase();

  Continuous out;
  out.seed_id = raw.seed_id;
  out.sampling_rate = p.output_rate(rin);
  out.warnings = raw.warnings;

  // 1. What can be trusted.
  std::vector<std::uint8_t> ok(raw.mask);
  mask_flat_runs(raw.samples, ok, p.mask_flat_samples,
                 static_cast<std::size_t>(std::llround(p.max_plateau_seconds * rin)));
  const std::size_t spikes = mask_spikes(raw.samples, ok, p.spike_threshold);
  if (spikes > 0)
    out.warnings.push_back(raw.seed_id + ": " + std::to_string(spikes) + " isolated spikes masked");

  // 2. Output grid: absolute index of raw[0], then the kept positions.
  const OutputGrid grid = output_grid(raw, plan);
  const std::int64_t i0 = grid.i0, m0 = grid.m0;
  const std::size_t n_out = grid.n_out, first = grid.first;
  out.start = grid.start;
  out.samples.assign(n_out, 0.0f);
  out.mask.assign(n_out, 0);
  std::vector<std::uint8_t> covered(n_out, 0);

  // 3. Segments: maximal valid runs long enough for the zero-phase padding.
  std::size_t min_len = 2;
  if (zerophase && !filters.bandpass.empty()) min_len = std::max(min_len, sosfiltfilt_padlen(filters.bandpass) + 1);
  if (!filters.antialias.empty() && !p.fast_mode())
    min_len = std::max(min_len, sosfiltfilt_padlen(filters.antialias) + 1);
  const std::vector<std::pair<std::size_t, std::size_t>> segments = valid_segments(ok, min_len);

  // 4. Filter each segment on its own (segments are independent: parallel).
  const std::size_t taper_len =
      p.fast_mode() ? 0 : static_cast<std::size_t>(std::llround(p.taper_seconds * rin));
  // One work buffer for all segments, each filtered in its own stretch of
  // it: allocated here, not per thread (a thread's own malloc arena cannot
  // hold a day of doubles when HeapReuse keeps large blocks off mmap), not
  // zero-filled (every element is written before it is read), and not kept
  // across calls (held between units, it made the next unit's decoded
  // samples take new memory).
  const std::unique_ptr<double[]> work(segments.empty() ? nullptr : new double[segments.back().second]);
  std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t s = 0; s < segments.size(); ++s) {
    try {
      const auto [a, b] = segments[s];
      const std::size_t len = b - a;
      double* x = work.get() + a;
      for (std::size_t i = 0; i < len; ++i) x[i] = raw.samples[a + i];
      demean_detrend(x, len, p.demean, p.detrend);
      if (taper_len > 0) hann_taper(x, len, taper_len);
      if (!filters.bandpass.empty()) {
        if (zerophase) sosfiltfilt(filters.bandpass, x, len);
        else sosfilt(filters.bandpass, x, len);
      }
      const std::int64_t seg_i0 = i0 + static_cast<std::int64_t>(a);
      if (plan.ratio) {
        std::int64_t fm = 0;
        const std::vector<double> y =
            resample_rational(std::vector<double>(x, x + len), plan.ratio->up, plan.ratio->down, seg_i0, &fm);
        for (std::size_t k = 0; k < y.size(); ++k) {
          const std::size_t m = static_cast<std::size_t>(fm - m0) + k;
          out.samples[m] = static_cast<float>(y[k]);
          covered[m] = 1;
        }
      } else {
        const std::size_t q = static_cast<std::size_t>(plan.q);
        if (q > 1) {
          // Anti-alias, then keep the samples on the absolute grid.
          if (p.fast_mode()) sosfilt(filters.antialias, x, len);
          else sosfiltfilt(filters.antialias, x, len);
        }
        const std::size_t k0 = first_kept(seg_i0, plan.q);
        const std::size_t m_first = (a + k0 - first) / q;
        for (std::size_t k = k0, m = m_first; k < len; k += q, ++m) {
          out.samples[m] = static_cast<float>(x[k]);
          covered[m] = 1;
        }
      }
    } catch (...) {
#pragma omp critical(qp_preprocess_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);

  // 5. Mask: an output is valid when no untrusted raw sample, and no chunk
  // edge, lies within the filters' reach of it. "fast" mode keeps what FAST's
  // ObsPy recipe keeps: its filters are causal and restart at every segment's
  // first sample, so only the untrusted samples themselves are masked (the
  // settling stretch after a segment start stays, as in FAST's output).
  const double reach = p.fast_mode() ? 0.0 : std::ceil(edge_seconds(p, rin) * rin);
  mask_near_untrusted(grid, ok, covered, reach, out.mask);
  // 6. Gaps (no data at all) get noise at the neighbours' level, masked.
  if (p.fill_gaps == "noise") fill_gaps_with_noise(out, covered, p.seed, seed);
  return out;
}

}  // namespace qp::pre
