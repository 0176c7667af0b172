// Streaming miniSEED writer for one channel: Steim-2, fixed-length records,
// one file per UTC day named NET.STA.LOC.CHA.D.YYYY.DOY.mseed.
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

struct MSRecord_s;

namespace qp::synth {

class ChannelWriter {
 public:
  /// Sample k of the channel is at start + k / sampling_rate. Files go to `dir`.
  ChannelWriter(std::filesystem::path dir, std::string network, std::string station,
                std::string location, std::string channel, TimeNs start,
                double sampling_rate, int record_length = 4096);
  ~ChannelWriter();
  ChannelWriter(const ChannelWriter&) = delete;
  ChannelWriter& operator=(const ChannelWriter&) = delete;

  /// Appends samples first_index .. first_index + n - 1. A jump in index
  /// (a gap) ends the current record; a new UTC day starts a new file.
  void append(const std::int32_t* x, std::size_t n, std::int64_t first_index);
  /// Packs what is left and closes the file. Throws StoreError on I/O errors.
  void finish();

  /// Files written so far (complete ones and the open one).
  const std::vector<std::filesystem::path>& files() const { return files_; }
  std::int64_t records_written() const { return records_; }

  /// Time of sample k (ns, exact to the nanosecond).
  TimeNs sample_time(std::int64_t k) const;
  /// First sample index at or after time t.
  std::int64_t first_index_at(TimeNs t) const;

  static std::string file_name(const std::string& net, const std::string& sta,
                               const std::string& loc, const std::string& cha, TimeNs day);

 private:
  void pack(bool flush);
  void open_day(TimeNs day);
  void close_file();
  static void on_record(char* record, int length, void* self);

  std::filesystem::path dir_;
  std::string net_, sta_, loc_, cha_;
  TimeNs start_;
  double fs_;
  int reclen_;
  MSRecord_s* msr_ = nullptr;
  std::FILE* file_ = nullptr;
  TimeNs day_ = INT64_MIN;
  TimeNs day_end_ = INT64_MIN;
  std::int64_t day_end_index_ = 0;  // first sample index of the next day
  std::vector<std::int32_t> pending_;
  std::int64_t pending_start_ = 0;  // sample index of pending_[0]
  bool write_failed_ = false;
  std::int64_t records_ = 0;
  std::vector<std::filesystem::path> files_;
};

}  // namespace qp::synth
