#include "postprocess/association/arrival.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace qp::post {

namespace {

std::ptrdiff_t sample_at(TimeNs t, TimeNs start, double rate) {
  return static_cast<std::ptrdiff_t>(std::llround(static_cast<double>(t - start) * 1e-9 * rate));
}

double rms(const std::vector<double>& y, std::ptrdiff_t a, std::ptrdiff_t b) {
  a = std::max<std::ptrdiff_t>(a, 0);
  b = std::min<std::ptrdiff_t>(b, static_cast<std::ptrdiff_t>(y.size()));
  if (b <= a) return 0;
  double s = 0;
  for (std::ptrdiff_t i = a; i < b; ++i) s += y[static_cast<std::size_t>(i)] * y[static_cast<std::size_t>(i)];
  return std::sqrt(s / static_cast<double>(b - a));
}

// Seconds of data before the window that set the noise level.
constexpr double kNoiseLeadS = 10.0;
// An arrival's energy stays above kSignalOverNoise times the noise level,
// with quieter stretches of at most kMaxQuietS, from its onset to its peak.
constexpr double kSignalOverNoise = 2.0;
constexpr double kMaxQuietS = 0.5;

// Earliest STA end k <= k_peak (k >= k_min) from which the short-term energy
// stays above the noise level up to k_peak, quiet gaps up to max_quiet
// samples allowed. The noise level is the lower quartile of the short-term
// energy over [sta, m): robust to an event filling most of the span.
template <typename MeanEnergy>
std::ptrdiff_t connected_start(const MeanEnergy& mean_e, std::ptrdiff_t k_peak, std::ptrdiff_t sta,
                               std::ptrdiff_t k_min, std::ptrdiff_t m, std::ptrdiff_t max_quiet) {
  std::vector<double> e;
  for (std::ptrdiff_t k = sta; k < m; k += std::max<std::ptrdiff_t>(1, sta / 4)) e.push_back(mean_e(k - sta + 1, k + 1));
  if (e.empty()) return k_min;
  std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 4), e.end());
  const double loud = kSignalOverNoise * e[e.size() / 4];
  std::ptrdiff_t start = k_peak, quiet = 0;
  for (std::ptrdiff_t k = k_peak; k >= k_min; --k) {
    if (mean_e(k - sta + 1, k + 1) >= loud) {
      start = k;
      quiet = 0;
    } else if (++quiet > max_quiet) {
      break;
    }
  }
  return start;
}

}  // namespace

Arrival refine_arrival(const float* x, std::size_t n, TimeNs start, double rate,
                       TimeNs window_begin, TimeNs window_end, bool first_arrival) {
  Arrival out;
  out.time = window_begin + (window_end - window_begin) / 2;
  out.uncertainty_s = 0.5 * ns_to_seconds(window_end - window_begin);
  const auto N = static_cast<std::ptrdiff_t>(n);
  const std::ptrdiff_t sta = std::max<std::ptrdiff_t>(2, std::llround(0.2 * rate));
  // An S window opens in the P coda, which is its noise: a shorter LTA
  // from the window start on, so that the P coda's own rise on the
  // horizontals does not count against pre-event noise.
  const std::ptrdiff_t lta = first_arrival ? std::max<std::ptrdiff_t>(5 * sta, std::llround(2.0 * rate))
                                           : std::max<std::ptrdiff_t>(3 * sta, std::llround(1.0 * rate));
  const std::ptrdiff_t w0 = std::clamp<std::ptrdiff_t>(sample_at(window_begin, start, rate), 0, N);
  const std::ptrdiff_t w1 = std::clamp<std::ptrdiff_t>(sample_at(window_end, start, rate) + 1, 0, N);
  if (rate <= 0 || w1 - w0 < std::max<std::ptrdiff_t>(2 * sta, std::llround(0.5 * rate))) return out;

  // Working copy from before the window (noise reference), demeaned.
  const std::ptrdiff_t a0 =
      first_arrival ? std::max<std::ptrdiff_t>(0, w0 - std::max<std::ptrdiff_t>(lta + sta, std::llround(kNoiseLeadS * rate)))
                    : w0;
  std::vector<double> y(x + a0, x + w1);
  double mean = 0;
  for (double v : y) mean += v;
  mean /= static_cast<double>(y.size());
  for (double& v : y) v -= mean;
  const std::ptrdiff_t m = static_cast<std::ptrdiff_t>(y.size());
  const std::ptrdiff_t k0 = w0 - a0;  // window start in y

  // STA/LTA of energy, trailing STA and the LTA just before it.
  std::vector<double> e2(static_cast<std::size_t>(m) + 1, 0.0);  // prefix sums of y^2
  for (std::ptrdiff_t i = 0; i < m; ++i)
    e2[static_cast<std::size_t>(i) + 1] = e2[static_cast<std::size_t>(i)] + y[static_cast<std::size_t>(i)] * y[static_cast<std::size_t>(i)];
  auto mean_e = [&](std::ptrdiff_t a, std::ptrdiff_t b) {  // [a, b)
    a = std::max<std::ptrdiff_t>(a, 0);
    if (b <= a) return 0.0;
    return (e2[static_cast<std::size_t>(b)] - e2[static_cast<std::size_t>(a)]) / static_cast<double>(b - a);
  };
  const double floor = 1e-12 * std::max(mean_e(0, m), 1e-300);
  auto sta_lta = [&](std::ptrdiff_t k) {
    return mean_e(k - sta + 1, k + 1) / (mean_e(k - sta + 1 - lta, k - sta + 1) + floor);
  };
  std::ptrdiff_t k_peak = -1;
  double best_ratio = -1;
  const std::ptrdiff_t k_valid = first_arrival ? sta : lta + sta;  // LTA inside the data
  for (std::ptrdiff_t k = std::max(k0, k_valid); k < m; ++k) {
    const double ratio = sta_lta(k);
    if (ratio > best_ratio) {
      best_ratio = ratio;
      k_peak = k;
    }
  }
  if (k_peak < 0) return out;
  // The S wave is often louder than the P wave: take the first rise of the
  // STA/LTA to a good share of its largest value, and that rise's own peak,
  // so that the onset found is the first arrival. The rise must belong to
  // the arrival: the signal stays above the noise from it to the peak (P
  // coda runs into S), whereas a noise burst seconds earlier dies away first.
  const std::ptrdiff_t k_connected = connected_start(mean_e, k_peak, sta, std::max(k0, sta), m,
                                                     std::llround(kMaxQuietS * rate));
  const double rise = std::max(3.0, (first_arrival ? 0.25 : 0.5) * best_ratio);
  for (std::ptrdiff_t k = std::max({k0, k_valid, k_connected - sta}); k < k_peak; ++k) {
    if (sta_lta(k) < rise) continue;
    while (k + 1 < m && sta_lta(k + 1) >= sta_lta(k)) ++k;
    k_peak = k;
    break;
  }

  // AIC (Maeda 1985) on [a, b): the split that best separates a quiet part
  // from a louder one.
  const std::ptrdiff_t a = std::max<std::ptrdiff_t>(0, k_peak - lta);
  // Ending well after the STA/LTA peak gives the loud side enough samples.
  const std::ptrdiff_t b = std::min<std::ptrdiff_t>(m, k_peak + std::max(sta, lta / 2));
  const std::ptrdiff_t len = b - a;
  if (len < 8) return out;
  std::vector<double> s1(static_cast<std::size_t>(len) + 1, 0.0), s2(static_cast<std::size_t>(len) + 1, 0.0);
  for (std::ptrdiff_t i = 0; i < len; ++i) {
    const double v = y[static_cast<std::size_t>(a + i)];
    s1[static_cast<std::size_t>(i) + 1] = s1[static_cast<std::size_t>(i)] + v;
    s2[static_cast<std::size_t>(i) + 1] = s2[static_cast<std::size_t>(i)] + v * v;
  }
  auto var = [&](std::ptrdiff_t i, std::ptrdiff_t j) {  // [i, j)
    const double cnt = static_cast<double>(j - i);
    const double mu = (s1[static_cast<std::size_t>(j)] - s1[static_cast<std::size_t>(i)]) / cnt;
    return std::max((s2[static_cast<std::size_t>(j)] - s2[static_cast<std::size_t>(i)]) / cnt - mu * mu, floor);
  };
  std::vector<double> aic(static_cast<std::size_t>(len), std::numeric_limits<double>::infinity());
  std::ptrdiff_t kmin = -1;
  // The onset lies in the window (for a first arrival one STA of slack: the
  // trailing STA peaks after the onset; an S never before its window, which
  // opens after the P); earlier samples only serve as the quiet side.
  const std::ptrdiff_t k_first = std::max<std::ptrdiff_t>(2, k0 - (first_arrival ? sta : 0) - a);
  for (std::ptrdiff_t k = k_first; k < len - 2; ++k) {
    aic[static_cast<std::size_t>(k)] = static_cast<double>(k) * std::log(var(0, k)) +
                                       static_cast<double>(len - k) * std::log(var(k, len));
    if (kmin < 0 || aic[static_cast<std::size_t>(k)] < aic[static_cast<std::size_t>(kmin)]) kmin = k;
  }
  if (kmin < 0) return out;

  // Likely interval: where AIC stays within 2 of its minimum (a likelihood
  // ratio of e), around the minimum.
  const double amin = aic[static_cast<std::size_t>(kmin)];
  std::ptrdiff_t lo = kmin, hi = kmin;
  while (lo - 1 >= k_first && aic[static_cast<std::size_t>(lo - 1)] <= amin + 2.0) --lo;
  while (hi + 1 < len - 2 && aic[static_cast<std::size_t>(hi + 1)] <= amin + 2.0) ++hi;

  const std::ptrdiff_t onset = a + kmin;  // index in y of the first loud sample
  const double noise = rms(y, onset - lta, onset);
  const double signal = rms(y, onset, onset + std::max(sta, lta / 4));
  out.snr = noise > 0 ? signal / noise : 0;
  const double pick_s = static_cast<double>(a0 + onset) / rate;
  out.time = start + seconds_to_ns(pick_s);
  // Width of the AIC minimum, plus the part of an STA window that noise of
  // this relative size can hide.
  const double aic_half = std::max(0.5 * static_cast<double>(hi - lo + 1), 1.0) / rate;
  const double sta_s = static_cast<double>(sta) / rate;
  out.uncertainty_s = std::hypot(aic_half, out.snr > 0 ? sta_s / out.snr : sta_s);
  out.found = out.snr >= 2.0;
  if (!out.found) out.uncertainty_s = std::max(out.uncertainty_s, 0.5 * ns_to_seconds(window_end - window_begin));
  return out;
}

TimeNs arrival_start(const float* x, std::size_t n, TimeNs start, double rate, TimeNs window_begin, TimeNs t,
                     double min_snr) {
  const auto N = static_cast<std::ptrdiff_t>(n);
  if (rate <= 0 || n == 0) return t;
  // Mean energy over 1 s: steady enough in noise that a level min_snr^2
  // above its quiet quartile is signal, not a fluctuation.
  const std::ptrdiff_t win = std::max<std::ptrdiff_t>(2, std::llround(rate));
  const std::ptrdiff_t w0 = std::clamp<std::ptrdiff_t>(sample_at(window_begin, start, rate), 0, N);
  const std::ptrdiff_t a0 = std::max<std::ptrdiff_t>(0, w0 - std::llround(kNoiseLeadS * rate));
  // The window ending a quarter second after t: the energy just after the onset.
  const std::ptrdiff_t kt = std::clamp<std::ptrdiff_t>(sample_at(t, start, rate) + win / 4, 0, N);
  if (kt - a0 < 4 * win || kt <= w0) return t;
  double mean = 0;
  for (std::ptrdiff_t i = a0; i < kt; ++i) mean += x[i];
  mean /= static_cast<double>(kt - a0);
  std::vector<double> e2(static_cast<std::size_t>(kt - a0) + 1, 0.0);  // prefix sums of the demeaned x^2
  for (std::ptrdiff_t i = a0; i < kt; ++i) {
    const double v = x[i] - mean;
    e2[static_cast<std::size_t>(i - a0) + 1] = e2[static_cast<std::size_t>(i - a0)] + v * v;
  }
  auto mean_e = [&](std::ptrdiff_t a, std::ptrdiff_t b) {  // [a, b) in the working span
    a = std::max<std::ptrdiff_t>(a, 0);
    if (b <= a) return 0.0;
    return (e2[static_cast<std::size_t>(b)] - e2[static_cast<std::size_t>(a)]) / static_cast<double>(b - a);
  };
  const std::ptrdiff_t m = kt - a0;
  std::vector<double> e;
  for (std::ptrdiff_t k = win; k < m; k += std::max<std::ptrdiff_t>(1, win / 4)) e.push_back(mean_e(k - win + 1, k + 1));
  if (e.empty()) return t;
  std::nth_element(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(e.size() / 4), e.end());
  const double loud = min_snr * min_snr * e[e.size() / 4];
  const std::ptrdiff_t max_quiet = std::llround(kMaxQuietS * rate);
  const std::ptrdiff_t k_min = std::max(w0 - a0 + win - 1, win);  // seconds inside [window_begin, t]
  std::ptrdiff_t k_start = -1, quiet = 0;
  for (std::ptrdiff_t k = m - 1; k >= k_min; --k) {
    if (mean_e(k - win + 1, k + 1) >= loud) {
      k_start = k;
      quiet = 0;
    } else if (++quiet > max_quiet) {
      break;
    }
  }
  if (k_start < 0) return t;  // the signal at t is not up
  // k_start ends the first loud second: the rise lies within it.
  return std::clamp(start + seconds_to_ns(static_cast<double>(a0 + k_start - win + 1) / rate), window_begin, t);
}

double best_lag_correlation(const float* a, std::size_t na, const float* b, std::size_t nb,
                            std::ptrdiff_t max_lag, std::ptrdiff_t* best_lag) {
  double best = 0;
  std::ptrdiff_t arg = 0;
  bool any = false;
  const auto NA = static_cast<std::ptrdiff_t>(na), NB = static_cast<std::ptrdiff_t>(nb);
  for (std::ptrdiff_t lag = -max_lag; lag <= max_lag; ++lag) {
    // a[i] against b[i - lag]: b shifted right by lag.
    const std::ptrdiff_t i0 = std::max<std::ptrdiff_t>(0, lag), i1 = std::min(NA, NB + lag);
    if (i1 - i0 < 2) continue;
    double sab = 0, saa = 0, sbb = 0;
    for (std::ptrdiff_t i = i0; i < i1; ++i) {
      const double u = a[i], v = b[i - lag];
      sab += u * v;
      saa += u * u;
      sbb += v * v;
    }
    if (saa <= 0 || sbb <= 0) continue;
    const double cc = sab / std::sqrt(saa * sbb);
    if (!any || cc > best) {
      best = cc;
      arg = lag;
      any = true;
    }
  }
  if (best_lag) *best_lag = arg;
  return any ? best : 0.0;
}

}  // namespace qp::post
