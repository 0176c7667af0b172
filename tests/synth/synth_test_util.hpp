// Helpers for the synth tests: CSV tables and miniSEED read-back.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::synth::test {

/// A CSV file as rows of column-name -> text.
struct Table {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
};
Table read_csv(const std::filesystem::path& p);

/// One contiguous trace read back with libmseed.
struct Trace {
  std::string id;
  TimeNs start = 0;
  double rate = 0;
  std::vector<int> samples;
};
/// All traces of every file in `dir` matching `id` (NET.STA.LOC.CHA), merged
/// across files in time order (records read with libmseed, gaps kept apart).
std::vector<Trace> read_channel(const std::filesystem::path& dir, const std::string& id);

/// Samples of a channel from t0 for n samples (NaN where missing).
std::vector<double> window(const std::vector<Trace>& traces, TimeNs t0, std::size_t n);

double haversine_km(double lat1, double lon1, double lat2, double lon2);

/// Normalised cross-correlation of `a` (length n) and `b` at every lag
/// (via qp::synth::RealFft): element n - 1 + k is
/// sum_i a[i] b[i + k] / sqrt(sum a^2 sum b^2), k in -(n-1) .. len(b)-1.
std::vector<double> xcorr(const std::vector<double>& a, const std::vector<double>& b);

/// Largest |xcorr| over lags with |k| >= min_lag (and k != excluded lags).
double max_abs_xcorr(const std::vector<double>& a, const std::vector<double>& b,
                     std::size_t min_lag = 0);

}  // namespace qp::synth::test
