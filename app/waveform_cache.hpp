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
#include "pipeline/run_store.hpp"

namespace qp::app {

// Picks read short spans of many channels, in time order. Each channel's
// day units are loaded once and kept (least recently used dropped beyond a
// memory cap); a span is sliced from them instead of reading whole units for
// every pick.
class WaveformCache {
 public:
  WaveformCache(const RunStore& store, TimeNs chunk) : store_(store), chunk_(chunk) {}

  /// Samples of channel `sid` in [begin, end) (gaps left out).
  ChannelWaveform span(const std::string& sid, TimeNs begin, TimeNs end);

 private:
  static constexpr std::size_t kMaxBytes = std::size_t{512} << 20;

  const ChannelWaveform& unit(const std::string& sid, TimeNs c, const std::filesystem::path& file);

  struct Entry {
    ChannelWaveform wf;
    std::uint64_t used;
  };
  const RunStore& store_;
  TimeNs chunk_;
  std::map<std::string, std::map<TimeNs, std::filesystem::path>> units_;
  std::map<std::pair<std::string, TimeNs>, Entry> loaded_;
  std::size_t bytes_ = 0;
  std::uint64_t clock_ = 0;
};

}  // namespace qp::app
