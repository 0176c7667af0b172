// The search stage: per channel, all fingerprints -> candidate pairs keyed by
// the two fingerprints' absolute times. With at least as many channels as
// ranks, channels are dealt to ranks; otherwise they run one after another,
// each spread over every rank (lsh::search_mpi). A channel whose fingerprint
// units only gained new ones since its last search is searched new-vs-all.
#include <algorithm>
#include <array>
#include <chrono>
#include <iostream>
#include <map>
#include <sstream>

#include "lsh/exact.hpp"
#include "lsh/explain.hpp"
#include "lsh/search.hpp"
#include "lsh/signatures.hpp"
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
  std::vector<std::uint64_t> bits;  // LSB-first words, as lsh:: expects
  std::vector<TimeNs> times;
  std::vector<std::string> unit_hashes;  // "<unit file> <inputs hash>" per unit
  std::vector<std::size_t> unit_begin;   // first fingerprint of each unit
};

ChannelFingerprints load_channel(const RunStore& store, const std::vector<fs::path>& units,
                                 std::size_t nbits) {
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
    c.bits.insert(c.bits.end(), fu.bits.begin(), fu.bits.end());
    c.times.insert(c.times.end(), fu.times.begin(), fu.times.end());
  }
  return c;
}

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
};

struct ChannelPairs {
  std::vector<TimePair> pairs;
  lsh::SearchSummary summary;
  std::string mode = "full";
};

// Exact search: every pair's Jaccard similarity (votes = Jaccard x 1e6).
ChannelPairs exact_search(const SearchRequest& r, const ChannelFingerprints& fps, const lsh::FingerprintView& view) {
  ChannelPairs c;
  const TimeNs near = static_cast<TimeNs>(r.lc.search.near_repeats) * r.lc.fp.dt_fp_ns();
  if (r.writer)
    for (const auto& p : lsh::exact_pairs(view, fps.times, near, r.o.exact_threshold))
      c.pairs.push_back({fps.times[p.a], fps.times[p.b], static_cast<std::uint32_t>(std::llround(p.jaccard * 1e6))});
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
  lsh::Signatures sigs = lsh::compute_signatures(view, r.lc.search);
  if (prev.old_units == 0) {
    for (const auto& p : lsh::search_mpi(r.comm, sigs.view(), fps.times, dt_fp, r.lc.search, &c.summary))
      c.pairs.push_back({fps.times[p.a], fps.times[p.b], p.votes});
    return c;
  }
  const std::size_t split = fps.unit_begin[prev.old_units];
  const lsh::SignatureView old_v{sigs.keys.data(), split, sigs.ntbls};
  const lsh::SignatureView new_v{sigs.keys.data() + split * static_cast<std::size_t>(sigs.ntbls),
                                 fps.times.size() - split, sigs.ntbls};
  const std::vector<TimeNs> old_t(fps.times.begin(), fps.times.begin() + static_cast<std::ptrdiff_t>(split));
  const std::vector<TimeNs> new_t(fps.times.begin() + static_cast<std::ptrdiff_t>(split), fps.times.end());
  // new_vs_all indexes old then new, i.e. the concatenated order.
  for (const auto& p : lsh::search_new_vs_all(old_v, old_t, new_v, new_t, dt_fp, r.lc.search, &c.summary))
    c.pairs.push_back({fps.times[p.a], fps.times[p.b], p.votes});
  c.pairs.insert(c.pairs.end(), prev.pairs.begin(), prev.pairs.end());
  c.mode = "incremental (" + std::to_string(fps.times.size() - split) + " new fingerprints)";
  return c;
}

// FAST's parsed layout "dt idx sim" on the channel's fingerprint index.
void export_fast_pairs(const RunStore& store, const std::string& sid, const ChannelFingerprints& fps,
                       const std::vector<TimePair>& pairs) {
  std::map<TimeNs, std::size_t> index;
  for (std::size_t i = 0; i < fps.times.size(); ++i) index[fps.times[i]] = i;
  AtomicTextFile txt(store.dir() / "export-fast" / ("candidate_pairs_" + sid + "_merged.txt"));
  std::vector<std::array<std::size_t, 3>> rows;
  for (const auto& p : pairs) {
    const std::size_t a = index[p.t1], b = index[p.t2];
    rows.push_back({b - a, b, p.votes});
  }
  std::sort(rows.begin(), rows.end());
  for (const auto& row : rows) txt.stream() << row[0] << ' ' << row[1] << ' ' << row[2] << '\n';
  txt.commit();
}

// Searches one channel and writes its pairs (the writer rank); the manifest
// record's note says what was found.
ChannelPairs search_channel(const SearchRequest& r, const RunStore& store, const std::string& sid,
                            const ChannelFingerprints& fps, const std::string& inputs_hash) {
  const lsh::FingerprintView view{fps.bits.data(), fps.times.size(), fps.words, fps.nbits};
  ChannelPairs c = r.o.exact ? exact_search(r, fps, view) : lsh_search(r, fps, view);
  std::sort(c.pairs.begin(), c.pairs.end());
  if (!r.writer) return c;
  const Provenance prov{"search", sid, r.lc.cfg.hash(), r.lc.search_hash(), inputs_hash, fps.unit_hashes};
  store.write_h5(r.out, prov, [&](h5::File& f) {
    runstore::write_pair_unit(f, c.pairs, {fps.times.size(), c.summary.filtered, c.mode});
  });
  if (r.o.export_fast) export_fast_pairs(store, sid, fps, c.pairs);
  return c;
}

std::string describe_search(const ChannelFingerprints& fps, const ChannelPairs& c) {
  return fmt::format("{} fingerprints, {} filtered, {} pairs, {} partition(s), {:.1f} lookups/query, "
                     "peak {:.1f} MB, {}",
                     fps.times.size(), c.summary.filtered, c.pairs.size(), c.summary.partitions,
                     c.summary.avg_lookups, static_cast<double>(c.summary.peak_memory_bytes) / 1e6, c.mode);
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
  const std::string params_hash = lc.search_hash();
  if (!o.exact) record_search_plan(lc, mpi, store);

  // With at least as many channels as ranks, each rank searches whole
  // channels on its own (signatures computed once, no communication); with
  // fewer, every rank takes a share of each channel's tables (search_mpi).
  const auto channels = lc.cfg.channels();
  const bool spread_channels = mpi.size() > 1 && channels.size() >= static_cast<std::size_t>(mpi.size());
  const bool writer = spread_channels || mpi.root();  // writes the channels it searched
  std::vector<UnitRecord> records;
  SearchTotals totals;
  std::exception_ptr spread_error;  // spread mode: reported once, after the loop
  // Whether the channel failed. Spread mode: only this rank works on it, so
  // its error must not strand the others (reported after the loop); else
  // every rank checks collectively (throws on all if any failed).
  auto failed = [&](const std::string& sid, std::exception_ptr err) {
    if (!spread_channels) mpi.check(err, "search of " + sid);
    if (err) spread_error = std::make_exception_ptr(Error("search of " + sid + ": " + describe(err)));
    return err != nullptr;
  };
  for (std::size_t ci = 0; ci < channels.size(); ++ci) {
    if (spread_channels && (!mpi.owns(ci) || spread_error)) continue;
    const std::string sid = channels[ci].seed_id();
    const auto units = store.unit_files("fingerprint", sid);
    if (units.empty()) {
      if (writer) spdlog::warn("{}: no fingerprints; nothing to search", sid);
      continue;
    }
    const auto u0 = std::chrono::steady_clock::now();
    const SearchRequest req{lc, o, spread_channels ? MPI_COMM_SELF : mpi.comm(), writer,
                            store.stage_dir("search") / (sid + (o.exact ? ".exact.h5" : ".h5"))};
    ChannelFingerprints fps;
    std::exception_ptr err;
    try {
      fps = load_channel(store, units, lc.fp.bits());
    } catch (...) {
      err = std::current_exception();
    }
    if (failed(sid, err)) continue;
    const std::string inputs_hash = combine_hashes(fps.unit_hashes);
    UnitRecord rec{sid, "reused", inputs_hash, params_hash, mpi.rank(), 0, store.relative(req.out), "up to date"};
    if (!o.force && store.is_current(req.out, inputs_hash, params_hash)) {
      records.push_back(rec);
      continue;
    }
    ChannelPairs found;
    try {
      found = search_channel(req, store, sid, fps, inputs_hash);
    } catch (...) {
      err = std::current_exception();
    }
    if (failed(sid, err)) {
      rec.state = "failed";
      rec.note = "";
      records.push_back(rec);
      continue;
    }
    rec.state = "done";
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - u0).count();
    rec.note = describe_search(fps, found);
    if (writer) spdlog::info("search {}: {}", sid, rec.note);
    totals.pairs += found.pairs.size();
    totals.fingerprints += fps.times.size();
    records.push_back(rec);
  }
  if (spread_channels) gather_spread(mpi, records, totals);
  if (mpi.root()) {
    store.merge_manifest(o.exact ? "search-exact" : "search", records);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("search done: {} channels, {} fingerprints, {} candidate pairs, {:.1f} s over {} rank(s){}",
                 records.size(), totals.fingerprints, totals.pairs, secs, mpi.size(),
                 spread_channels ? " (channels spread over ranks)" : "");
  }
  if (spread_channels) mpi.check(spread_error, "search");
  return 0;
}

}  // namespace qp::app
