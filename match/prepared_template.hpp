// A template cut from the continuous data, ready to correlate: the channels
// of its windows whose samples are all valid, and where each window lies
// relative to the template's earliest one.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "match/template_channel.hpp"
#include "match/template_selection.hpp"
#include "pipeline/time.hpp"

namespace qp::match {

/// One channel's continuous data on the absolute sample grid.
struct SpanChannel {
  std::string seed_id;
  TimeNs start = 0;  ///< time of samples[0]
  std::vector<float> samples;
  std::vector<std::uint8_t> mask;
};

struct PreparedTemplate {
  std::string template_id;
  std::optional<TimeNs> origin_time;
  TimeNs first_arrival = 0;  ///< the event's first arrival
  TimeNs reference = 0;                 ///< start of its earliest window
  std::vector<std::string> seed_ids;    ///< one per channel, sorted like the spec's windows
  std::vector<TemplateChannel> channels;
  std::vector<std::ptrdiff_t> offsets;  ///< samples from `reference` to each window's start
  std::size_t window_samples() const;   ///< the longest channel window
  std::ptrdiff_t extent() const;        ///< samples from `reference` to the end of the last window
};

/// Grid step of a sampling rate in ns; throws std::invalid_argument when it
/// is not a whole number of nanoseconds.
TimeNs grid_step(double sampling_rate);

/// Reads one channel over [begin, end) (what the run store holds of it).
using ChannelLoader = std::function<SpanChannel(const std::string& seed_id, TimeNs begin, TimeNs end)>;

/// Cuts the spec's windows (window_seconds long, or up to their end where
/// selection cut them short) from the data; a window
/// touching masked or missing samples, or flat, is dropped. Empty when fewer
/// than min_channels windows remain.
std::optional<PreparedTemplate> prepare_template(const TemplateSpec& spec, const ChannelLoader& load,
                                                 double sampling_rate, double window_seconds,
                                                 int min_channels);

/// The samples of `c` in [begin, end) (clipped to what it holds).
SpanChannel slice(const SpanChannel& c, TimeNs begin, TimeNs end, TimeNs step);

}  // namespace qp::match
