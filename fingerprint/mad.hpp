// Median/MAD statistics of the coefficient vectors (FAST MAD.py): per
// coefficient, median over fingerprints and MAD = median(|x - median|), no
// 1.4826 factor. Medians of an even count are the mean of the two middle
// values, as numpy.median.
#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "fingerprint/coefficients.hpp"
#include "fingerprint/params.hpp"

namespace qp::fp {

struct MadStats {
  std::vector<double> median;
  std::vector<double> mad;
  std::size_t size() const { return median.size(); }
};

/// Statistics of every row of `sample` (at least one row). OpenMP over
/// coefficients; the result does not depend on the thread count.
MadStats compute_mad_stats(const CoefficientBlock& sample);
/// The same over a row-major n x M table of values (float32 ones are widened
/// to double first: the same statistics as a double table of those values).
/// The stage holds its sample in float32 where the coefficients are float32
/// precision anyway ("quakeprint" mode), and a slice of the columns at a time.
MadStats compute_mad_stats(const float* values, std::size_t n, std::size_t M);
MadStats compute_mad_stats(const double* values, std::size_t n, std::size_t M);

/// Windows of IMAGE START times [t_begin, t_end) to sample for the
/// statistics, to be passed to Fingerprinter::coefficients (the data must
/// reach t_end + window_span_ns()).
///
/// mad_sampling_rate == 1: one window, [data_begin, data_end). Otherwise the
/// time axis is cut into intervals of mad_sample_interval seconds on an
/// absolute grid (multiples since the epoch); each interval k that overlaps
/// the data gets one window of max(rate*interval, dt_fp) seconds (a whole
/// number of dt_fp) at an offset drawn from a hash of (seed, k), a multiple of
/// dt_fp. The choice depends only on absolute time and the seed, never on
/// how the data are split among ranks. Windows are clipped to the data span;
/// empty ones are dropped.
std::vector<std::pair<TimeNs, TimeNs>> mad_sample_windows(TimeNs data_begin, TimeNs data_end,
                                                          const FingerprintParams& p,
                                                          std::uint64_t seed);

/// FAST's MAD text file: M lines "median,mad" with 16 decimals.
MadStats read_mad_file(const std::filesystem::path& path, std::size_t expected_M = 0);
void write_mad_file(const std::filesystem::path& path, const MadStats& stats);

}  // namespace qp::fp
