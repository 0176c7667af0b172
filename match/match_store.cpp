#include "match/match_store.hpp"

#include <cmath>
#include <limits>

#include "pipeline/text.hpp"

namespace qp::match {
namespace {

constexpr std::int64_t kNoTime = std::numeric_limits<std::int64_t>::min();

std::string join_lines(const std::vector<std::string>& v) {
  std::string s;
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? "\n" : "") + v[i];
  return s;
}

// One group of detections (template, times, stack values) and one of their
// per-channel measurements.
h5::Group write_detections(h5::Group& g, const std::string& name, const std::string& channels_name,
                           const std::vector<PreparedTemplate>& templates, const std::vector<SpanDetection>& dets,
                           TimeNs step) {
  std::vector<std::int32_t> tmpl, nch;
  std::vector<std::int64_t> ref, first, origin;
  std::vector<double> cc, madm, mrel;
  std::vector<std::int64_t> pick_det, pick_time;
  std::vector<std::int32_t> pick_tmpl_channel;
  std::vector<double> pick_cc, pick_amp;
  for (std::size_t i = 0; i < dets.size(); ++i) {
    const SpanDetection& d = dets[i];
    const PreparedTemplate& pt = templates[d.template_index];
    const TimeNs lag = d.reference_time - pt.reference;
    tmpl.push_back(static_cast<std::int32_t>(d.template_index));
    ref.push_back(d.reference_time);
    first.push_back(pt.first_arrival + lag);
    origin.push_back(pt.origin_time ? *pt.origin_time + lag : kNoTime);
    cc.push_back(d.stack_cc);
    madm.push_back(d.mad_multiple);
    mrel.push_back(d.measurement.relative_magnitude);
    nch.push_back(static_cast<std::int32_t>(d.channels));
    for (std::size_t c = 0; c < d.measurement.channels.size(); ++c) {
      const ChannelMeasurement& m = d.measurement.channels[c];
      if (!m.valid) continue;
      pick_det.push_back(static_cast<std::int64_t>(i));
      pick_tmpl_channel.push_back(static_cast<std::int32_t>(c));
      // The window's start as detected on this channel.
      pick_time.push_back(d.reference_time + (pt.offsets[c] + m.shift) * step);
      pick_cc.push_back(m.cc);
      pick_amp.push_back(m.amplitude_ratio);
    }
  }
  auto det = g.create_group(name);
  det.set_attr("count", static_cast<std::int64_t>(tmpl.size()));
  det.write<std::int32_t>("template_index", tmpl);
  det.write<std::int64_t>("reference_time_ns", ref);
  det.write<std::int64_t>("first_arrival_ns", first);
  det.write<std::int64_t>("origin_time_ns", origin);
  det.write<double>("cc", cc);
  det.write<double>("mad_multiple", madm);
  det.write<double>("relative_magnitude", mrel);
  det.write<std::int32_t>("channels", nch);
  auto ch = g.create_group(channels_name);
  ch.set_attr("count", static_cast<std::int64_t>(pick_det.size()));
  ch.write<std::int64_t>("detection_index", pick_det);
  ch.write<std::int32_t>("template_channel", pick_tmpl_channel);
  ch.write<std::int64_t>("window_start_ns", pick_time);
  ch.write<double>("cc", pick_cc);
  ch.write<double>("amplitude_ratio", pick_amp);
  return det;
}

}  // namespace

void write_match_unit(h5::Group& g, const std::vector<PreparedTemplate>& templates, const SpanResult& r,
                      double sampling_rate, const std::vector<Candidate>& candidates) {
  const TimeNs step = grid_step(sampling_rate);
  std::vector<std::string> ids;
  std::vector<double> median, mad, threshold;
  for (std::size_t j = 0; j < templates.size(); ++j) {
    ids.push_back(templates[j].template_id);
    median.push_back(r.levels[j].median);
    mad.push_back(r.levels[j].mad);
    threshold.push_back(r.thresholds[j]);
  }
  auto t = g.create_group("templates");
  t.set_attr("template_id", join_lines(ids));
  t.set_attr("count", static_cast<std::int64_t>(ids.size()));
  t.write<double>("stack_median", median);
  t.write<double>("stack_mad", mad);
  t.write<double>("threshold", threshold);

  write_detections(g, "detections", "channels", templates, r.detections, step);
  std::vector<std::string> confirmed;  // one line per confirmation: the candidate's event id
  for (const auto& d : r.confirmations) confirmed.push_back(candidates.at(static_cast<std::size_t>(d.candidate)).event_id);
  auto c = write_detections(g, "confirmations", "confirmation_channels", templates, r.confirmations, step);
  c.set_attr("event_id", join_lines(confirmed));
}

namespace {

std::vector<NetworkDetection> read_detections(const h5::Group& det, const std::vector<std::string>& ids) {
  const auto tmpl = det.read<std::int32_t>("template_index");
  const auto first = det.read<std::int64_t>("first_arrival_ns");
  const auto origin = det.read<std::int64_t>("origin_time_ns");
  const auto cc = det.read<double>("cc"), madm = det.read<double>("mad_multiple"),
             mrel = det.read<double>("relative_magnitude");
  const auto nch = det.read<std::int32_t>("channels");
  std::vector<NetworkDetection> out;
  for (std::size_t i = 0; i < tmpl.size(); ++i) {
    NetworkDetection d;
    d.template_id = ids.at(static_cast<std::size_t>(tmpl[i]));
    d.first_arrival = first[i];
    if (origin[i] != kNoTime) d.origin_time = origin[i];
    d.cc = cc[i];
    d.mad_multiple = madm[i];
    d.relative_magnitude = mrel[i];
    d.channels = static_cast<unsigned>(nch[i]);
    out.push_back(d);
  }
  return out;
}

}  // namespace

std::vector<NetworkDetection> read_match_unit(const h5::Group& g) {
  const auto ids = split_fields(g.open_group("templates").attr_string("template_id"), '\n');
  std::vector<NetworkDetection> out = read_detections(g.open_group("detections"), ids);
  const auto c = g.open_group("confirmations");
  auto confirmations = read_detections(c, ids);
  const auto confirmed = split_fields(c.attr_string("event_id"), '\n');
  for (std::size_t i = 0; i < confirmations.size(); ++i) {
    confirmations[i].confirms = confirmed.at(i);
    out.push_back(std::move(confirmations[i]));
  }
  return out;
}

}  // namespace qp::match
