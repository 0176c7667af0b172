#include "synth/mseed_writer.hpp"

#include <cmath>
#include <cerrno>
#include <cstring>

#include <libmseed.h>

#include "pipeline/error.hpp"

namespace qp::synth {

ChannelWriter::ChannelWriter(std::filesystem::path dir, std::string network,
                             std::string station, std::string location, std::string channel,
                             TimeNs start, double sampling_rate, int record_length)
    : dir_(std::move(dir)),
      net_(std::move(network)),
      sta_(std::move(station)),
      loc_(std::move(location)),
      cha_(std::move(channel)),
      start_(start),
      fs_(sampling_rate),
      reclen_(record_length) {
  msr_ = msr_init(nullptr);
  std::strncpy(msr_->network, net_.c_str(), sizeof(msr_->network) - 1);
  std::strncpy(msr_->station, sta_.c_str(), sizeof(msr_->station) - 1);
  std::strncpy(msr_->location, loc_.c_str(), sizeof(msr_->location) - 1);
  std::strncpy(msr_->channel, cha_.c_str(), sizeof(msr_->channel) - 1);
  msr_->dataquality = 'D';
  msr_->reclen = reclen_;
  msr_->encoding = DE_STEIM2;
  msr_->byteorder = 1;  // big-endian, the SEED convention
  msr_->samprate = fs_;
  msr_->sampletype = 'i';
}

ChannelWriter::~ChannelWriter() {
  if (msr_) {
    msr_->datasamples = nullptr;  // ours, not libmseed's
    msr_free(&msr_);
  }
  if (file_) std::fclose(file_);
}

TimeNs ChannelWriter::sample_time(std::int64_t k) const {
  // Exact for rates whose period is a whole number of ns; rounded otherwise.
  const double period_ns = 1e9 / fs_;
  const double whole = std::round(period_ns);
  if (std::fabs(period_ns - whole) < 1e-9) return start_ + k * static_cast<TimeNs>(whole);
  return start_ + static_cast<TimeNs>(std::llround(static_cast<double>(k) * period_ns));
}

std::int64_t ChannelWriter::first_index_at(TimeNs t) const {
  auto k = static_cast<std::int64_t>(std::ceil(static_cast<double>(t - start_) * fs_ / 1e9));
  while (k > 0 && sample_time(k - 1) >= t) --k;
  while (sample_time(k) < t) ++k;
  return k;
}

std::string ChannelWriter::file_name(const std::string& net, const std::string& sta,
                                     const std::string& loc, const std::string& cha,
                                     TimeNs day) {
  return net + "." + sta + "." + loc + "." + cha + ".D." + year_doy_tag(day) + ".mseed";
}

void ChannelWriter::on_record(char* record, int length, void* self) {
  auto* w = static_cast<ChannelWriter*>(self);
  // No exceptions through libmseed's C frames: remember and check afterwards.
  if (std::fwrite(record, 1, static_cast<std::size_t>(length), w->file_) !=
      static_cast<std::size_t>(length))
    w->write_failed_ = true;
  ++w->records_;
}

void ChannelWriter::open_day(TimeNs day) {
  close_file();
  day_ = day;
  day_end_ = day + kNsPerDay;
  day_end_index_ = first_index_at(day_end_);
  const auto path = dir_ / file_name(net_, sta_, loc_, cha_, day);
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) throw StoreError(path.string() + ": cannot create: " + std::strerror(errno));
  files_.push_back(path);
  msr_->sequence_number = 1;
}

void ChannelWriter::close_file() {
  if (!file_) return;
  pack(true);
  const bool bad = std::fclose(file_) != 0 || write_failed_;
  file_ = nullptr;
  if (bad) throw StoreError(files_.back().string() + ": write failed (disk full?)");
}

void ChannelWriter::pack(bool flush) {
  if (pending_.empty()) return;
  const TimeNs t0 = sample_time(pending_start_);
  // libmseed 2 keeps microseconds; the sample grid is exact in ns above.
  msr_->starttime = static_cast<hptime_t>(
      std::llround(static_cast<double>(t0) / static_cast<double>(kNsPerSecond / HPTMODULUS)));
  msr_->datasamples = pending_.data();
  msr_->numsamples = static_cast<std::int64_t>(pending_.size());
  std::int64_t packed = 0;
  const int rc = msr_pack(msr_, &ChannelWriter::on_record, this, &packed, flush ? 1 : 0, 0);
  msr_->datasamples = nullptr;
  if (rc < 0) throw StoreError(files_.back().string() + ": libmseed could not pack a record");
  if (write_failed_) throw StoreError(files_.back().string() + ": write failed (disk full?)");
  pending_.erase(pending_.begin(), pending_.begin() + packed);
  pending_start_ += packed;
}

void ChannelWriter::append(const std::int32_t* x, std::size_t n, std::int64_t first_index) {
  std::size_t done = 0;
  while (done < n) {
    const std::int64_t k = first_index + static_cast<std::int64_t>(done);
    if (!file_ || k >= day_end_index_ || sample_time(k) < day_) {
      open_day(day_start(sample_time(k)));
      pending_start_ = k;
    } else if (k != pending_start_ + static_cast<std::int64_t>(pending_.size())) {
      pack(true);  // a gap: the next record starts at the new time
      pending_start_ = k;
    }
    const auto room = static_cast<std::size_t>(day_end_index_ - k);
    const std::size_t take = std::min(room, n - done);
    pending_.insert(pending_.end(), x + done, x + done + take);
    done += take;
    // Packing in batches keeps libmseed's per-call overhead small.
    if (pending_.size() >= 64 * 1024) pack(false);
  }
}

void ChannelWriter::finish() { close_file(); }

}  // namespace qp::synth
