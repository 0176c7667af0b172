// The station filter: of a multi-channel station's candidate pairs, keep only
// those whose votes, summed over the station's channels that found the same
// pair, reach min_station_votes.
//
// The association combines a station's channels exactly so (identical
// fingerprint times, votes summed, channel_threshold) and ignores every pair
// below its threshold; chance pairs of noise are found in one channel only
// (components' noise is independent), so a fixed per-channel vote threshold
// lets them grow with the square of the record's length while those that can
// ever be used grow with the events. With min_station_votes at most the
// association's channel_threshold the filter never changes what the
// association sees. Pairs are matched by their (t1, t2) times, so the result
// depends on the pairs alone: the same for any ranks and threads.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <tuple>
#include <utility>
#include <vector>

namespace qp::lsh {

namespace station_filter_detail {

// A pair's (t1, t2) from its own members.
struct MemberTimes {
  template <class Pair>
  auto operator()(std::size_t, const Pair& p) const {
    return std::make_pair(p.t1, p.t2);
  }
};

template <class Pair, class Times>
bool sorted_by_times(const std::vector<Pair>& ch, std::size_t c, const Times& times) {
  for (std::size_t i = 1; i < ch.size(); ++i)
    if (times(c, ch[i]) < times(c, ch[i - 1])) return false;
  return true;
}

// Channels sorted by (t1, t2) (as the search stage writes them): a merge of
// the channels marks what to keep with one byte per pair, no index.
template <class Pair, class Times>
void mark_merged(const std::vector<std::vector<Pair>>& per_channel, std::int64_t min_votes,
                 std::vector<std::vector<std::uint8_t>>& keep, const Times& times) {
  const std::size_t nc = per_channel.size();
  std::vector<std::size_t> head(nc, 0), end(nc, 0);
  for (;;) {
    bool any = false;
    decltype(times(0, per_channel[0][0])) least{};  // the smallest (t1, t2) at the channels' heads
    for (std::size_t c = 0; c < nc; ++c)
      if (head[c] < per_channel[c].size()) {
        const auto t = times(c, per_channel[c][head[c]]);
        if (!any || t < least) least = t;
        any = true;
      }
    if (!any) return;
    std::int64_t sum = 0;
    end = head;
    for (std::size_t c = 0; c < nc; ++c)
      for (auto& e = end[c]; e < per_channel[c].size() && times(c, per_channel[c][e]) == least; ++e)
        sum += static_cast<std::int64_t>(per_channel[c][e].votes);
    for (std::size_t c = 0; c < nc; ++c) {
      if (sum >= min_votes)
        for (std::size_t k = head[c]; k < end[c]; ++k) keep[c][k] = 1;
      head[c] = end[c];
    }
  }
}

// Any order: a sorted index of (t1, t2, channel, index), 32 bytes per pair.
template <class Pair, class Times>
void mark_indexed(const std::vector<std::vector<Pair>>& per_channel, std::int64_t min_votes,
                  std::vector<std::vector<std::uint8_t>>& keep, const Times& times) {
  // (t1, t2, channel, index) sorted: runs of one pair over the channels.
  struct Ref {
    std::int64_t t1, t2;
    std::uint32_t channel;
    std::size_t index;
  };
  std::vector<Ref> refs;
  std::size_t total = 0;
  for (const auto& ch : per_channel) total += ch.size();
  refs.reserve(total);
  for (std::size_t c = 0; c < per_channel.size(); ++c)
    for (std::size_t i = 0; i < per_channel[c].size(); ++i) {
      const auto [t1, t2] = times(c, per_channel[c][i]);
      refs.push_back({t1, t2, static_cast<std::uint32_t>(c), i});
    }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) {
    return std::tie(a.t1, a.t2, a.channel, a.index) < std::tie(b.t1, b.t2, b.channel, b.index);
  });
  for (std::size_t b = 0; b < refs.size();) {
    std::size_t e = b;
    std::int64_t sum = 0;
    for (; e < refs.size() && refs[e].t1 == refs[b].t1 && refs[e].t2 == refs[b].t2; ++e)
      sum += static_cast<std::int64_t>(per_channel[refs[e].channel][refs[e].index].votes);
    if (sum >= min_votes)
      for (std::size_t k = b; k < e; ++k) keep[refs[k].channel][refs[k].index] = 1;
    b = e;
  }
}

}  // namespace station_filter_detail

/// `per_channel[c]`: channel c's pairs, each with a member votes and times
/// (t1, t2) given by `times(c, pair)` (a std::pair of int64; by default the
/// pair's members t1, t2: index pairs need 12 bytes where time pairs need 24).
/// Removes, in place, the pairs whose summed votes stay under min_votes;
/// order within each channel is kept. Returns the pairs removed. Channels
/// sorted by (t1, t2) are merged (1 extra byte per pair), others indexed
/// (33 bytes per pair); the result is the same.
template <class Pair, class Times = station_filter_detail::MemberTimes>
std::size_t filter_station_pairs(std::vector<std::vector<Pair>>& per_channel, std::int64_t min_votes,
                                 const Times& times = {}) {
  std::vector<std::vector<std::uint8_t>> keep(per_channel.size());
  for (std::size_t c = 0; c < per_channel.size(); ++c) keep[c].assign(per_channel[c].size(), 0);
  bool sorted = true;
  for (std::size_t c = 0; c < per_channel.size(); ++c)
    sorted = sorted && station_filter_detail::sorted_by_times(per_channel[c], c, times);
  if (sorted) station_filter_detail::mark_merged(per_channel, min_votes, keep, times);
  else station_filter_detail::mark_indexed(per_channel, min_votes, keep, times);
  std::size_t removed = 0;
  for (std::size_t c = 0; c < per_channel.size(); ++c) {
    auto& ch = per_channel[c];
    std::size_t out = 0;
    for (std::size_t i = 0; i < ch.size(); ++i)
      if (keep[c][i]) ch[out++] = ch[i];
    removed += ch.size() - out;
    ch.resize(out);
  }
  return removed;
}

}  // namespace qp::lsh
