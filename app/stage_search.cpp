// The search stage: per channel, all fingerprints -> candidate pairs keyed by
// the two fingerprints' absolute times. With at least as many channels as
// ranks, channels are dealt to ranks; otherwise they run one after another,
// each spread over every rank (lsh::search_mpi). A channel whose fingerprint
// units only gained new ones since its last search is searched new-vs-all.
// With [search] max_lag a channel's fingerprints are read block by block.
#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <sstream>
#include <tuple>

#include "lsh/exact.hpp"
#include "lsh/explain.hpp"
#include "lsh/search.hpp"
#include "lsh/signatures.hpp"
#include "lsh/station_filter.hpp"
#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "pipeline/unit_format.hpp"
#include "runstore/fingerprint_unit.hpp"
#include "runstore/pair_unit.hpp"

namespace qp::app {
namespace fs = std::filesystem;
using runstore::TimePair;

namespace {

struct ChannelFingerprints {
  std::size_t words = 0, nbits = 0;
  std::vector<std::uint64_t> bits;  // LSB-first words, as lsh:: expects; empty when not kept
  std::vector<TimeNs> times;
  std::vector<std::string> unit_hashes;  // "<unit file> <inputs hash>" per unit
  std::vector<std::size_t> unit_begin;   // first fingerprint of each unit
  std::vector<fs::path> unit_files;
};

// A channel's fingerprint times, and its bits when `keep_bits` (a search with
// [search] max_lag reads them again block by block: UnitRows).
ChannelFingerprints load_channel(const RunStore& store, const std::vector<fs::path>& units,
                                 std::size_t nbits, bool keep_bits) {
  ChannelFingerprints c;
  c.nbits = nbits;
  c.words = (nbits + 63) / 64;
  for (const auto& u : units) {
    runstore::FingerprintUnit fu = runstore::read_fingerprint_unit(u, runstore::BitOrder::kLsbFirst);
    if (fu.nbits != nbits)
      throw InputError(u.string(), "fingerprints have " + std::to_string(fu.nbits) +
                                       " bits but the config's fingerprint parameters give " +
                                       std::to_string(nbits) + ": rerun the fingerprint stage");
    c.unit_begin.push_back(c.times.size());
    c.unit_hashes.push_back(store.relative(u) + " " + unit_inputs_hash(u));
    c.unit_files.push_back(u);
    if (keep_bits) c.bits.insert(c.bits.end(), fu.bits.begin(), fu.bits.end());
    c.times.insert(c.times.end(), fu.times.begin(), fu.times.end());
  }
  return c;
}

// Fingerprints [a, b) of a channel read from its units (the last unit read
// is kept: the search asks for ascending, adjacent ranges).
class UnitRows {
 public:
  explicit UnitRows(const ChannelFingerprints& c) : c_(c) {}
  void operator()(std::size_t a, std::size_t b, std::uint64_t* out) {
    while (a < b) {
      const std::size_t u = static_cast<std::size_t>(
          std::upper_bound(c_.unit_begin.begin(), c_.unit_begin.end(), a) - c_.unit_begin.begin() - 1);
      if (u != cached_) {
        bits_ = runstore::read_fingerprint_unit(c_.unit_files[u], runstore::BitOrder::kLsbFirst).bits;
        cached_ = u;
      }
      const std::size_t end = std::min(b, u + 1 < c_.unit_begin.size() ? c_.unit_begin[u + 1] : c_.times.size());
      const std::size_t first = a - c_.unit_begin[u];
      if ((first + end - a) * c_.words > bits_.size())
        throw InputError(c_.unit_files[u].string(), "fingerprint unit changed while it was searched");
      std::copy_n(bits_.begin() + static_cast<std::ptrdiff_t>(first * c_.words), (end - a) * c_.words, out);
      out += (end - a) * c_.words;
      a = end;
    }
  }

 private:
  const ChannelFingerprints& c_;
  std::size_t cached_ = static_cast<std::size_t>(-1);
  std::vector<std::uint64_t> bits_;
};

// What associate checks before it reads the pairs: one unit per channel.
void record_search_plan(const LoadedConfig& lc, MpiContext& mpi, const RunStore& store) {
  std::vector<PlannedUnit> planned;
  if (mpi.root())
    for (const auto& sid : channel_ids(lc)) {
      std::vector<std::string> hashes;
      for (const auto& u : store.unit_files("fingerprint", sid))
        hashes.push_back(store.relative(u) + " " + unit_inputs_hash(u));
      if (!hashes.empty())
        planned.push_back({sid, "search/" + sid + ".h5", combine_hashes(hashes), lc.search_hash()});
    }
  record_plan(mpi, store, "search", channel_ids(lc), planned);
}

// The previous output's pairs when its units are a prefix of today's with
// unchanged hashes (an incremental rerun); `old_units` 0 when not.
struct PreviousSearch {
  std::size_t old_units = 0;
  std::vector<TimePair> pairs;
};

PreviousSearch previous_search(const fs::path& out, const std::string& params_hash,
                               const ChannelFingerprints& fps) {
  PreviousSearch prev;
  std::error_code ec;
  if (!fs::exists(out, ec)) return prev;
  std::vector<std::string> prev_units;
  {
    h5::File f = h5::File::open_read(out);
    if (f.attr_string("params_hash") != params_hash || !has_current_format(f)) return prev;
    std::istringstream in(f.attr_string("inputs"));
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) prev_units.push_back(line);
  }
  if (prev_units.empty() || prev_units.size() >= fps.unit_hashes.size() ||
      !std::equal(prev_units.begin(), prev_units.end(), fps.unit_hashes.begin()))
    return prev;
  prev.old_units = prev_units.size();
  prev.pairs = runstore::read_pair_unit(out);
  return prev;
}

struct SearchRequest {
  const LoadedConfig& lc;
  const SearchOptions& o;
  MPI_Comm comm;
  bool writer;
  fs::path out;
  std::string sid;
  std::size_t held_bytes = 0;  // held against [search] memory_budget_mb besides the search's own
};

// The search's options for lsh::: the channel named in its errors and what
// the stage already holds, both counted against the budget.
lsh::SearchOptions lsh_options(const SearchRequest& r) {
  lsh::SearchOptions o;
  o.held_bytes = r.held_bytes;
  o.channel = r.sid;
  return o;
}

// A channel's pairs as indices into its fingerprint times (12 bytes each,
// against 24 as time pairs: they wait for the station filter), sorted by
// (a, b), which is (t1, t2) order.
struct ChannelPairs {
  std::vector<lsh::CandidatePair> pairs;
  std::vector<TimeNs> times;
  lsh::SearchSummary summary;
  std::string mode = "full";
  std::size_t bytes() const { return pairs.size() * sizeof(lsh::CandidatePair) + times.size() * sizeof(TimeNs); }
  std::vector<TimePair> time_pairs() const {
    std::vector<TimePair> out;
    out.reserve(pairs.size());
    for (const auto& p : pairs) out.push_back({times[p.a], times[p.b], p.votes});
    return out;
  }
};

// An earlier search's time pairs as indices into `times` (which hold them all).
void append_indexed(const std::vector<TimePair>& found, const std::vector<TimeNs>& times, const fs::path& file,
                    std::vector<lsh::CandidatePair>& out) {
  auto index = [&](TimeNs t) {
    const auto it = std::lower_bound(times.begin(), times.end(), t);
    if (it == times.end() || *it != t)
      throw InputError(file.string(), "a pair's time is not among the channel's fingerprints: search again with --force");
    return static_cast<std::uint32_t>(it - times.begin());
  };
  for (const auto& p : found) out.push_back({index(p.t1), index(p.t2), p.votes});
}

// Exact search: every pair's Jaccard similarity (votes = Jaccard x 1e6).
ChannelPairs exact_search(const SearchRequest& r, const ChannelFingerprints& fps, const lsh::FingerprintView& view) {
  ChannelPairs c;
  const TimeNs near = static_cast<TimeNs>(r.lc.search.near_repeats) * r.lc.fp.dt_fp_ns();
  if (r.writer)
    for (const auto& p : lsh::exact_pairs(view, fps.times, near, r.o.exact_threshold))
      c.pairs.push_back({static_cast<std::uint32_t>(p.a), static_cast<std::uint32_t>(p.b),
                         static_cast<std::uint32_t>(std::llround(p.jaccard * 1e6))});
  c.mode = "exact (votes = Jaccard x 1e6)";
  return c;
}

// LSH search: new-vs-all over an earlier search's output when only units
// were added (and no occurrence filter, whose verdicts would need the new
// fingerprints of old blocks), else the whole channel over `comm`.
ChannelPairs lsh_search(const SearchRequest& r, const ChannelFingerprints& fps, const lsh::FingerprintView& view) {
  ChannelPairs c;
  const TimeNs dt_fp = r.lc.fp.dt_fp_ns();
  PreviousSearch prev;
  if (!r.o.force && !r.lc.search.noise_filter_on()) prev = previous_search(r.out, r.lc.search_hash(), fps);
  lsh::SearchOptions o = lsh_options(r);
  o.held_bytes += prev.pairs.size() * sizeof(TimePair);  // the earlier search's pairs wait to be joined
  if (prev.old_units == 0) {
    // Without the bits in memory (max_lag) they are read block by block.
    c.pairs = fps.bits.empty()
                  ? lsh::search_rows_mpi(r.comm, UnitRows(fps), fps.nbits, fps.times, dt_fp, r.lc.search, &c.summary, o)
                  : lsh::search_fingerprints_mpi(r.comm, view, fps.times, dt_fp, r.lc.search, &c.summary, o);
    return c;
  }
  std::vector<std::uint64_t> read;  // an incremental search needs every fingerprint's signature
  if (fps.bits.empty()) {
    read.resize(fps.times.size() * fps.words);
    UnitRows rows(fps);
    if (!read.empty()) rows(0, fps.times.size(), read.data());
  }
  const lsh::FingerprintView all_view{fps.bits.empty() ? read.data() : fps.bits.data(), fps.times.size(), fps.words,
                                      fps.nbits};
  lsh::Signatures sigs = lsh::compute_signatures(all_view, r.lc.search);
  const std::size_t split = fps.unit_begin[prev.old_units];
  const lsh::SignatureView old_v{sigs.keys.data(), split, sigs.ntbls};
  const lsh::SignatureView new_v{sigs.keys.data() + split * static_cast<std::size_t>(sigs.ntbls),
                                 fps.times.size() - split, sigs.ntbls};
  const std::vector<TimeNs> old_t(fps.times.begin(), fps.times.begin() + static_cast<std::ptrdiff_t>(split));
  const std::vector<TimeNs> new_t(fps.times.begin() + static_cast<std::ptrdiff_t>(split), fps.times.end());
  // new_vs_all indexes old then new, i.e. the concatenated order.
  c.pairs = lsh::search_new_vs_all(old_v, old_t, new_v, new_t, dt_fp, r.lc.search, &c.summary, o);
  append_indexed(prev.pairs, fps.times, r.out, c.pairs);
  c.mode = "incremental (" + std::to_string(fps.times.size() - split) + " new fingerprints)";
  return c;
}

// FAST's parsed layout "dt idx sim" on the channel's fingerprint index.
void export_fast_pairs(const RunStore& store, const std::string& sid, const std::vector<lsh::CandidatePair>& pairs) {
  AtomicTextFile txt(store.dir() / "export-fast" / ("candidate_pairs_" + sid + "_merged.txt"));
  std::vector<std::array<std::size_t, 3>> rows;
  for (const auto& p : pairs) rows.push_back({std::size_t{p.b} - p.a, p.b, p.votes});
  std::sort(rows.begin(), rows.end());
  for (const auto& row : rows) txt.stream() << row[0] << ' ' << row[1] << ' ' << row[2] << '\n';
  txt.commit();
}

// Searches one channel (FAST's export, when asked, holds its pairs before the
// station filter, as FAST's own per-channel output).
ChannelPairs search_channel(const SearchRequest& r, const RunStore& store, const std::string& sid,
                            const ChannelFingerprints& fps) {
  const lsh::FingerprintView view{fps.bits.data(), fps.times.size(), fps.words, fps.nbits};
  ChannelPairs c = r.o.exact ? exact_search(r, fps, view) : lsh_search(r, fps, view);
  std::sort(c.pairs.begin(), c.pairs.end());
  c.times = fps.times;
  if (r.writer && r.o.export_fast) export_fast_pairs(store, sid, c.pairs);
  return c;
}

// One searched channel of a station, waiting for the station filter.
struct SearchedChannel {
  std::string sid;
  fs::path out;
  std::vector<std::string> unit_hashes;
  std::string inputs_hash;
  std::size_t fingerprints = 0;
  ChannelPairs found;
};

void write_channel(const SearchRequest& r, const RunStore& store, const SearchedChannel& ch, std::int64_t min_station_votes) {
  const Provenance prov{"search", ch.sid, r.lc.cfg.hash(), r.lc.search_hash(), ch.inputs_hash, ch.unit_hashes};
  store.write_h5(ch.out, prov, [&](h5::File& f) {
    runstore::write_pair_unit(f, ch.found.time_pairs(), {ch.fingerprints, ch.found.summary.filtered, ch.found.mode});
    // The station filter applied (0: none); associate checks it against its threshold.
    f.set_attr("min_station_votes", min_station_votes);
  });
}

std::string describe_search(const ChannelFingerprints& fps, const ChannelPairs& c, int ntbls) {
  std::string out = fmt::format("{} fingerprints, {} filtered, {} pairs, {} partition(s), {:.1f} lookups/query, "
                                "peak {:.1f} MB, {}",
                                fps.times.size(), c.summary.filtered, c.pairs.size(), c.summary.partitions,
                                c.summary.avg_lookups, static_cast<double>(c.summary.peak_memory_bytes) / 1e6, c.mode);
  // Share of (fingerprint, table) memberships in buckets over [search] max_bucket.
  if (c.summary.capped > 0 && !fps.times.empty())
    out += fmt::format(", {:.2f}% of bucket memberships capped", 100.0 * static_cast<double>(c.summary.capped) /
                                                                     (static_cast<double>(fps.times.size()) * ntbls));
  return out;
}

struct SearchTotals {
  std::uint64_t fingerprints = 0, pairs = 0;
};

// Spread mode: every rank's records (text lines) and totals (binary) to all.
void gather_spread(MpiContext& mpi, std::vector<UnitRecord>& records, SearchTotals& totals) {
  std::ostringstream mine;
  for (const auto& r : records) mine << r.to_line() << '\n';
  records.clear();
  for (const auto& text : mpi.all_gather(mine.str())) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (!line.empty()) records.push_back(UnitRecord::from_line(line));
  }
  std::sort(records.begin(), records.end(), [](const UnitRecord& a, const UnitRecord& b) { return a.unit < b.unit; });
  SearchTotals all;
  for (const auto& t : mpi.all_gather_plain(std::vector<SearchTotals>{totals})) {
    all.fingerprints += t.fingerprints;
    all.pairs += t.pairs;
  }
  totals = all;
}

// The state the per-station loop of cmd_search shares.
struct SearchLoop {
  const LoadedConfig& lc;
  const SearchOptions& o;
  MpiContext& mpi;
  const RunStore& store;
  bool spread;  // stations dealt to ranks, each searched on one rank
  bool writer;  // writes the stations it searched
  std::string params_hash;
  std::vector<UnitRecord> records;
  SearchTotals totals;
  std::exception_ptr spread_error;  // spread mode: reported once, after the loop

  // Whether the channel failed. Spread mode: only this rank works on it, so
  // its error must not strand the others (reported after the loop); else
  // every rank checks collectively (throws on all if any failed).
  bool failed(const std::string& sid, std::exception_ptr err) {
    if (!spread) mpi.check(err, "search of " + sid);
    if (err) spread_error = std::make_exception_ptr(Error("search of " + sid + ": " + describe(err)));
    return err != nullptr;
  }
};

// A channel to search: its fingerprint units and output.
struct PlannedChannel {
  std::string sid;
  std::vector<fs::path> units;
  std::string inputs_hash;
  fs::path out;
};

// The station's channels that have fingerprints, and whether all are up to date.
std::pair<std::vector<PlannedChannel>, bool> plan_station(SearchLoop& L, const std::vector<std::string>& sids) {
  std::vector<PlannedChannel> planned;
  bool current = !L.o.force;
  for (const auto& sid : sids) {
    PlannedChannel p{sid, L.store.unit_files("fingerprint", sid), "",
                     L.store.stage_dir("search") / (sid + (L.o.exact ? ".exact.h5" : ".h5"))};
    if (p.units.empty()) {
      if (L.writer) spdlog::warn("{}: no fingerprints; nothing to search", sid);
      continue;
    }
    std::vector<std::string> hashes;
    for (const auto& u : p.units) hashes.push_back(L.store.relative(u) + " " + unit_inputs_hash(u));
    p.inputs_hash = combine_hashes(hashes);
    current = current && L.store.is_current(p.out, p.inputs_hash, L.params_hash);
    planned.push_back(std::move(p));
  }
  return {std::move(planned), current};
}

// Searches one station's channels, applies the station filter
// (lsh/station_filter.hpp) and writes them. A multi-channel station is
// searched whole or reused whole: one channel's filtered pairs depend on
// the others'.
void search_station(SearchLoop& L, const std::vector<std::string>& sids) {
  std::vector<PlannedChannel> planned;
  bool current = false;
  std::exception_ptr err;
  try {
    std::tie(planned, current) = plan_station(L, sids);
  } catch (...) {
    err = std::current_exception();
  }
  if (L.failed(sids.front(), err)) return;
  if (current) {
    for (const auto& p : planned)
      L.records.push_back({p.sid, "reused", p.inputs_hash, L.params_hash, L.mpi.rank(), 0, L.store.relative(p.out), "up to date"});
    return;
  }
  std::vector<SearchedChannel> done;
  std::vector<UnitRecord> recs;
  std::size_t held_pairs = 0;  // bytes of the station's pairs kept for the station filter
  for (const auto& p : planned) {
    const auto u0 = std::chrono::steady_clock::now();
    UnitRecord rec{p.sid, "failed", p.inputs_hash, L.params_hash, L.mpi.rank(), 0, L.store.relative(p.out), ""};
    SearchedChannel ch{p.sid, p.out, {}, p.inputs_hash, 0, {}};
    try {
      const bool keep_bits = L.o.exact || !L.lc.search.lag_on();
      const ChannelFingerprints fps = load_channel(L.store, p.units, L.lc.fp.bits(), keep_bits);
      ch.unit_hashes = fps.unit_hashes;
      ch.fingerprints = fps.times.size();
      // The budget counts the fingerprints and times held here and the
      // station's pairs searched before this channel.
      const std::size_t stage_held =
          fps.bits.size() * sizeof(std::uint64_t) + 2 * fps.times.size() * sizeof(TimeNs) + held_pairs;
      const SearchRequest req{L.lc, L.o, L.spread ? MPI_COMM_SELF : L.mpi.comm(), L.writer, p.out, p.sid, stage_held};
      ch.found = search_channel(req, L.store, p.sid, fps);
      rec.note = describe_search(fps, ch.found, L.lc.search.ntbls);
      // Everything the channel's search held: its fingerprints, the search's
      // own peak (signatures, tables, vote arrays, its pairs) and the pairs of
      // the station's channels searched before it.
      const std::size_t held = stage_held + ch.found.summary.peak_memory_bytes;
      held_pairs += ch.found.bytes();
      rec.note += fmt::format(", held {:.1f} MB in all", static_cast<double>(held) / 1e6);
    } catch (...) {
      err = std::current_exception();
    }
    if (L.failed(p.sid, err)) {
      L.records.push_back(rec);
      return;
    }
    rec.state = "done";
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - u0).count();
    recs.push_back(rec);
    done.push_back(std::move(ch));
  }
  // The filter needs two channels or more (votes are summed over them); exact
  // mode's votes are similarities, not table counts.
  const std::int64_t min_votes = L.o.exact || done.size() < 2 ? 0 : L.lc.search.min_station_votes;
  if (min_votes > 0) {
    std::vector<std::vector<lsh::CandidatePair>> per_channel;
    for (auto& ch : done) per_channel.push_back(std::move(ch.found.pairs));
    lsh::filter_station_pairs(per_channel, min_votes, [&](std::size_t c, const lsh::CandidatePair& p) {
      return std::make_pair(done[c].found.times[p.a], done[c].found.times[p.b]);
    });
    for (std::size_t k = 0; k < done.size(); ++k) {
      recs[k].note += fmt::format("; {} kept by the station filter (votes >= {} over the station's channels)",
                                  per_channel[k].size(), min_votes);
      done[k].found.pairs = std::move(per_channel[k]);
    }
  }
  for (std::size_t k = 0; k < done.size(); ++k) {
    try {
      if (L.writer)
        write_channel({L.lc, L.o, MPI_COMM_SELF, L.writer, done[k].out, done[k].sid}, L.store, done[k], min_votes);
    } catch (...) {
      err = std::current_exception();
    }
    if (L.failed(done[k].sid, err)) {
      recs[k].state = "failed";
      L.records.push_back(recs[k]);
      return;
    }
    if (L.writer) spdlog::info("search {}: {}", done[k].sid, recs[k].note);
    L.totals.pairs += done[k].found.pairs.size();
    L.totals.fingerprints += done[k].fingerprints;
    L.records.push_back(recs[k]);
  }
}

// Each [[stations]] entry's channels, as seed ids.
std::vector<std::vector<std::string>> station_channels(const Config& cfg) {
  std::vector<std::vector<std::string>> out;
  for (const auto& s : cfg.stations()) {
    std::vector<std::string> ids;
    for (const auto& c : s.channels) ids.push_back(ChannelId{s.network, s.station, s.location, c}.seed_id());
    if (!ids.empty()) out.push_back(ids);
  }
  return out;
}

}  // namespace

int cmd_search(const SearchOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  LoadedConfig lc = load_config(o.config);
  if (o.explain) {
    if (mpi.root()) lsh::print_explain(std::cout, lc.search);
    return 0;
  }
  StageSetup setup = begin_stage(lc, mpi, "search", o);
  const RunStore& store = setup.store;
  if (!o.exact) record_search_plan(lc, mpi, store);

  // With at least as many stations as ranks, each rank searches whole
  // stations on its own (signatures computed once, no communication); with
  // fewer, every rank takes a share of each channel's tables (search_mpi).
  const auto stations = station_channels(lc.cfg);
  const bool spread = mpi.size() > 1 && stations.size() >= static_cast<std::size_t>(mpi.size());
  SearchLoop loop{lc, o, mpi, store, spread, spread || mpi.root(), lc.search_hash(), {}, {}, nullptr};
  for (std::size_t si = 0; si < stations.size(); ++si) {
    if (spread && (!mpi.owns(si) || loop.spread_error)) continue;
    search_station(loop, stations[si]);
  }
  if (spread) gather_spread(mpi, loop.records, loop.totals);
  if (mpi.root()) {
    store.merge_manifest(o.exact ? "search-exact" : "search", loop.records);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("search done: {} channels, {} fingerprints, {} candidate pairs, {:.1f} s over {} rank(s){}",
                 loop.records.size(), loop.totals.fingerprints, loop.totals.pairs, secs, mpi.size(),
                 spread ? " (stations spread over ranks)" : "");
  }
  if (spread) mpi.check(loop.spread_error, "search");
  return 0;
}

}  // namespace qp::app
