// Arrival refinement: the onset of energy inside a detection window.
//
// FAST stamps detections with the centre time of the first matching
// fingerprint, seconds before the onset. This picker finds the onset on the
// (band-passed) waveform: an STA/LTA peak locates the arrival roughly, then
// Maeda's AIC on the waveform around it gives the onset sample, and the width
// of the AIC minimum gives the uncertainty.
#pragma once

#include <cstddef>
#include <cstdint>

#include "pipeline/time.hpp"

namespace qp::post {

struct Arrival {
  TimeNs time = 0;             ///< onset time
  double uncertainty_s = 0;    ///< half-width of the onset's likely interval
  double snr = 0;              ///< rms after / rms before the onset (amplitude ratio)
  bool found = false;          ///< false: no clear onset (time is then the window centre)
};

/// Picks the onset inside [window_begin, window_end] of `x` (n samples at
/// `rate` Hz, sample 0 at `start`). Samples before window_begin, where
/// present, serve as the noise reference. An onset with snr < 2, or a window
/// shorter than 0.5 s of data, gives found = false and an uncertainty of half
/// the window.
///
/// `first_arrival`: the earliest rise connected to the window's strongest
/// (a P before a louder S); false: the strongest rise itself (an S on the
/// horizontals, where P arrives too but weaker).
Arrival refine_arrival(const float* x, std::size_t n, TimeNs start, double rate,
                       TimeNs window_begin, TimeNs window_end, bool first_arrival = true);

/// Where the arrival that holds `t` began: the start of the earliest second
/// in [window_begin, t] from which the signal stays up to t (the rise lies
/// within that second): the 1 s mean energy at least min_snr^2 times the
/// noise level (an amplitude ratio of min_snr; the noise level the lower
/// quartile of the 1 s mean energy from 10 s before window_begin to t),
/// quieter stretches of at most 0.5 s. Returns t where the signal at t is
/// not up, and window_begin where it stays up through the whole stretch.
TimeNs arrival_start(const float* x, std::size_t n, TimeNs start, double rate, TimeNs window_begin, TimeNs t,
                     double min_snr);

/// Normalised cross-correlation of a and b (same sampling) over lags
/// -max_lag..max_lag (b shifted right by lag samples matches a), over the
/// overlapping samples. Returns the largest coefficient; its lag goes to
/// *best_lag when given. Returns 0 when nothing overlaps or a trace is flat.
double best_lag_correlation(const float* a, std::size_t na, const float* b, std::size_t nb,
                            std::ptrdiff_t max_lag, std::ptrdiff_t* best_lag = nullptr);

}  // namespace qp::post
