// The preprocess stage for one channel and time chunk: detrend, taper,
// band-pass, decimate onto an absolute grid, mask what cannot be trusted,
// fill gaps with matching noise.
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/param_table.hpp"
#include "preprocess/merge.hpp"

namespace qp::pre {

struct PreprocessParams {
  /// "quakeprint": zero-phase band-pass, tapered segments, scipy-style
  /// zero-phase decimation. "fast": the FAST reference chain (demean, linear
  /// detrend, causal Butterworth, ObsPy decimate with its Chebyshev-II prefilter).
  std::string mode = "quakeprint";
  bool demean = true;
  bool detrend = true;
  double taper_seconds = 5.0;   ///< Hann taper at each end of every segment (quakeprint mode)
  bool bandpass = true;
  double freqmin = 2.0;         ///< Hz
  double freqmax = 8.0;         ///< Hz
  int corners = 4;              ///< Butterworth order, 1..12
  bool zerophase = true;        ///< mode "fast" forces causal
  double target_rate = 0;       ///< Hz; 0 keeps the input rate
  int mask_flat_samples = 10;   ///< runs of >= this many identical samples are masked (0 = off)
  double max_plateau_seconds = 1.0;  ///< except runs stepping on and off by one quantum, shorter than this (0 = none)
  double spike_threshold = 0;   ///< isolated spikes beyond this many robust sigmas (1.4826 MAD) of the first differences are masked (0 = off)
  std::string fill_gaps = "noise";  ///< "noise" | "none"
  std::uint64_t seed = 0;       ///< mixed into the gap-noise seed

  /// Reads [preprocess]; every key has its default; throws ConfigError.
  static PreprocessParams from_config(ConfigSection& s);
  /// Checks that need no input: throws ConfigError naming "preprocess.<key>".
  void validate() const;
  /// Checks against a channel's input rate (Nyquist, decimation ratio).
  void validate_for_rate(double input_rate) const;

  bool fast_mode() const { return mode == "fast"; }
  bool effective_zerophase() const { return zerophase && !fast_mode(); }
  double output_rate(double input_rate) const { return target_rate > 0 ? target_rate : input_rate; }
};

/// The [preprocess] keys (pipeline/param_table.hpp).
const ParamTable<PreprocessParams>& preprocess_param_table();

/// Seconds of data next to a gap or a chunk edge that the filters disturb
/// (and that preprocess masks): the driver should read this much extra data
/// on each side of a chunk and trim it afterwards.
double edge_seconds(const PreprocessParams& p, double input_rate);

/// Preprocesses one channel. Each contiguous valid run of `raw` (mask 1, not
/// a flat run, not a spike) is demeaned, detrended, tapered, band-passed and
/// decimated on its own; output samples lie on the absolute grid of the
/// output rate. Output mask is 0 for gaps, flat runs and spikes widened by
/// edge_seconds, and for chunk edges; in "fast" mode it is 0 only for the gaps,
/// flat runs and spikes themselves (FAST keeps its causal filters' settling
/// stretch: the output starts at the first input sample). Gaps (no data at all) are filled with
/// Gaussian noise at the level of the neighbouring valid output (median and
/// 1.4826*MAD of up to 2000 samples each side), seeded from (p.seed, seed,
/// gap start time), and stay masked. Same inputs, same bytes.
/// Throws ConfigError when the parameters do not suit the channel's rate.
Continuous preprocess(const Continuous& raw, const PreprocessParams& p, std::uint64_t seed);

}  // namespace qp::pre
