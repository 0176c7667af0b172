// Waveform file readers: miniSEED 2 (through libmseed 2.19) and SAC (binary,
// either byte order, and alphanumeric), detected by content, not by name.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::pre {

/// One contiguous run of samples of one channel, as read from one file.
struct Trace {
  std::string seed_id;        ///< "NET.STA.LOC.CHA" (empty parts stay empty: "CI.BOM..HHZ")
  double sampling_rate = 0;   ///< Hz
  TimeNs start = 0;           ///< time of the first sample
  std::vector<double> samples;
  std::string file;           ///< the file it came from (for error messages)
  /// Inclination of the component from vertical up, degrees (SAC CMPINC:
  /// 0 up, 90 horizontal, 180 down); NaN when the header does not say.
  double inclination_deg = std::numeric_limits<double>::quiet_NaN();
  /// samples[0] is sample number first_sample of the trace (a selective
  /// read holds only the samples it decoded; 0 otherwise).
  std::size_t first_sample = 0;

  TimeNs sample_time(std::size_t i) const;
};

enum class WaveformFormat { unknown, miniseed2, sac_binary, sac_alpha };

/// Format of a file judged by its first bytes (and size for binary SAC).
WaveformFormat detect_waveform_format(const std::string& bytes);

/// Reads every channel of a miniSEED 2 or SAC file. Records of one channel
/// that abut in time (within half a sample) are joined into one Trace, in
/// time order whatever the record order in the file. Traces come back sorted
/// by (seed_id, start). Records without samples (text, header only, event
/// detections) are skipped.
///
/// Throws qp::InputError naming the file for: a missing or unreadable file, an
/// unrecognised format, a truncated or corrupt record (with its record number
/// and byte offset), a NaN or infinite sample (with its index and time).
std::vector<Trace> read_waveform_file(const std::string& path);

/// Where a trace lies, without its samples (scan_waveform_file).
struct TraceExtent {
  std::string seed_id;
  double sampling_rate = 0;
  TimeNs start = 0;
  std::size_t count = 0;  ///< samples
  TimeNs end() const;     ///< time of the sample after the last
};

/// Reads and checks the whole file as read_waveform_file does (same errors:
/// every record is decoded and every sample checked) but keeps only where
/// its traces lie: the preprocess stage's inventory, without holding samples.
std::vector<TraceExtent> scan_waveform_file(const std::string& path);

/// A part of a file: the channels `channel` accepts (all when empty) and the
/// samples within [begin, end).
struct ReadSelection {
  std::function<bool(const std::string& seed_id)> channel;
  TimeNs begin = INT64_MIN, end = INT64_MAX;
};

/// Reads a part of a file that scan_waveform_file has checked: traces of the
/// selected channels, joined exactly as a whole read joins them, but miniSEED
/// records of other channels are skipped and records wholly outside the
/// window (by more than two samples) are neither decoded nor held: a trace
/// holds the samples from its first record in the window (first_sample says
/// which) to its last, and a trace wholly outside comes back without samples
/// (its place in time stays: merge_traces aligns every trace to the earliest
/// one). A unit of a day then decodes and holds about a day of its channel,
/// not its neighbours' files and other channels as well.
std::vector<Trace> read_waveform_file(const std::string& path, const ReadSelection& selection);

/// SAC station headers as NIED distributes Hi-net data: KSTNM "N.ATKH" and
/// no KNETWK. The reader splits such a KSTNM into network and station (when
/// KNETWK is empty or the same); a network still missing is resolved here
/// against the configured channels of the stations that list the file: a
/// trace "\.STA.LOC.CHA" whose STA.LOC.CHA matches exactly one configured
/// SEED id takes its network. Others are left as they are.
void resolve_missing_networks(std::vector<Trace>& traces, const std::vector<std::string>& configured_ids);
/// The same for one SEED id: the configured id it resolves to, or itself.
std::string resolve_missing_network(const std::string& seed_id, const std::vector<std::string>& configured_ids);

/// Same, from bytes already in memory; `name` is used in error messages.
std::vector<Trace> read_waveform_bytes(const std::string& bytes, const std::string& name);

/// The sampling rate written as a float32 SAC DELTA, cleaned of float32
/// rounding: the rate with the fewest decimals whose reciprocal rounds to the
/// same float32 (0.0020000001f -> 500 Hz, 0.0199999996f -> 50 Hz).
double rate_from_float32_delta(float delta);

}  // namespace qp::pre
