// Short spans of many channels' preprocessed waveforms, read in time order
// by the associate stage's pickers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>

#include "app/stage_common.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/run_store.hpp"

namespace qp::app {

// Picks read short spans of many channels, in time order. A span is read
// from the channel's preprocess units as a window of their samples (an HDF5
// hyperslab), never a whole unit: a rank's memory and reading follow the
// spans its events need, not the record's length. Units stay open (the
// least recently used closed beyond kMaxOpen).
class WaveformCache {
 public:
  WaveformCache(const RunStore& store, TimeNs chunk) : store_(store), chunk_(chunk) {}

  /// Samples of channel `sid` in [begin, end) (gaps left out).
  ChannelWaveform span(const std::string& sid, TimeNs begin, TimeNs end);

 private:
  static constexpr std::size_t kMaxOpen = 256;

  struct Unit {
    h5::File file;
    std::string seed_id;
    double sampling_rate = 0;
    TimeNs start = 0;
    std::size_t n = 0;  // samples in the unit
    std::uint64_t used = 0;
  };
  Unit& unit(const std::string& sid, TimeNs c, const std::filesystem::path& file);

  const RunStore& store_;
  TimeNs chunk_;
  std::map<std::string, std::map<TimeNs, std::filesystem::path>> units_;
  std::map<std::pair<std::string, TimeNs>, Unit> open_;
  std::uint64_t clock_ = 0;
};

}  // namespace qp::app
