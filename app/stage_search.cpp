// The search stage: per channel, all fingerprints -> candidate pairs keyed by
// the two fingerprints' absolute times. With at least as many channels as
// ranks, channels are dealt to ranks; otherwise they run one after another,
// each spread over every rank (lsh::search_mpi). A channel whose fingerprint
// units only gained new ones since its last search is searched new-vs-all.
#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
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

namespace qp::app {
namespace fs = std::filesystem;

namespace {

struct ChannelFingerprints {
  std::size_t words = 0, nbits = 0;
  std::vector<std::uint64_t> bits;  // LSB-first words, as lsh:: expects
  std::vector<TimeNs> times;
  std::vector<std::string> unit_hashes;  // "<unit file> <inputs hash>" per unit
  std::vector<std::size_t> unit_begin;   // first fingerprint of each unit
};

std::uint64_t reverse_bits(std::uint64_t x) {
  x = ((x >> 1) & 0x5555555555555555ULL) | ((x & 0x5555555555555555ULL) << 1);
  x = ((x >> 2) & 0x3333333333333333ULL) | ((x & 0x3333333333333333ULL) << 2);
  x = ((x >> 4) & 0x0F0F0F0F0F0F0F0FULL) | ((x & 0x0F0F0F0F0F0F0F0FULL) << 4);
  return __builtin_bswap64(x);
}

std::vector<fs::path> fingerprint_units(const RunStore& store, const std::string& sid) {
  std::vector<fs::path> out;
  const fs::path dir = store.stage_dir("fingerprint") / sid;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".h5" || name == "mad.h5" || name.find(".tmp.") != std::string::npos)
      continue;
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

ChannelFingerprints load_channel(const RunStore& store, const std::vector<fs::path>& units,
                                 std::size_t nbits) {
  ChannelFingerprints c;
  c.nbits = nbits;
  c.words = (nbits + 63) / 64;
  for (const auto& u : units) {
    h5::File f = h5::File::open_read(u);
    if (static_cast<std::size_t>(f.attr_int("nbits")) != nbits)
      throw InputError(u.string(), "fingerprints have " + std::to_string(f.attr_int("nbits")) +
                                       " bits but the config's fingerprint parameters give " +
                                       std::to_string(nbits) + ": rerun the fingerprint stage");
    c.unit_begin.push_back(c.times.size());
    c.unit_hashes.push_back(store.relative(u) + " " + f.attr_string("inputs_hash"));
    auto bits = f.read<std::uint64_t>("bits");
    auto times = f.read<std::int64_t>("times");
    for (auto& w : bits) w = reverse_bits(w);
    c.bits.insert(c.bits.end(), bits.begin(), bits.end());
    c.times.insert(c.times.end(), times.begin(), times.end());
  }
  return c;
}

struct TimePair {
  TimeNs t1, t2;
  std::uint32_t votes;
  bool operator<(const TimePair& o) const { return t1 != o.t1 ? t1 < o.t1 : t2 < o.t2; }
};

void write_pairs(const RunStore& store, const fs::path& out, const Provenance& prov,
                 const std::vector<TimePair>& pairs, const lsh::SearchSummary& s,
                 std::size_t n_fp, const std::string& mode) {
  std::vector<std::int64_t> t1, t2;
  std::vector<std::uint32_t> votes;
  for (const auto& p : pairs) {
    t1.push_back(p.t1);
    t2.push_back(p.t2);
    votes.push_back(p.votes);
  }
  store.write_h5(out, prov, [&](h5::File& f) {
    f.write<std::int64_t>("t1", t1);
    f.write<std::int64_t>("t2", t2);
    f.write<std::uint32_t>("votes", votes);
    f.set_attr("fingerprints", static_cast<std::int64_t>(n_fp));
    f.set_attr("filtered", static_cast<std::int64_t>(s.filtered));
    f.set_attr("pairs", static_cast<std::int64_t>(pairs.size()));
    // Partitions, lookups, time and memory depend on the ranks and the
    // machine; they go to the manifest, so outputs stay identical.
    f.set_attr("mode", mode);
  });
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
  const std::size_t nbits = lc.fp.bits();
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  if (!o.exact) {  // what associate checks before it reads the pairs
    std::vector<PlannedUnit> planned;
    if (mpi.root())
      for (const auto& sid : channel_ids(lc)) {
        std::vector<std::string> hashes;
        for (const auto& u : fingerprint_units(store, sid)) hashes.push_back(store.relative(u) + " " + unit_inputs_hash(u));
        if (!hashes.empty()) planned.push_back({sid, "search/" + sid + ".h5", combine_hashes(hashes), params_hash});
      }
    record_plan(mpi, store, "search", channel_ids(lc), planned);
  }

  // With at least as many channels as ranks, each rank searches whole
  // channels on its own (signatures computed once, no communication); with
  // fewer, every rank takes a share of each channel's tables (search_mpi).
  const auto channels = lc.cfg.channels();
  const bool spread_channels = mpi.size() > 1 && channels.size() >= static_cast<std::size_t>(mpi.size());
  MPI_Comm search_comm = spread_channels ? MPI_COMM_SELF : mpi.comm();
  const bool writer = spread_channels || mpi.root();  // writes the channels it searched
  std::vector<UnitRecord> records;
  std::size_t total_pairs = 0, total_fp = 0;
  std::exception_ptr spread_error;  // spread mode: reported once, after the loop
  for (std::size_t ci = 0; ci < channels.size(); ++ci) {
    if (spread_channels && (!mpi.owns(ci) || spread_error)) continue;
    const std::string sid = channels[ci].seed_id();
    const auto units = fingerprint_units(store, sid);
    if (units.empty()) {
      if (writer) spdlog::warn("{}: no fingerprints; nothing to search", sid);
      continue;
    }
    const auto u0 = std::chrono::steady_clock::now();
    ChannelFingerprints fps;
    if (spread_channels) {  // only this rank reads it: its error must not strand the others
      try {
        fps = load_channel(store, units, nbits);
      } catch (const std::exception& e) {
        spread_error = std::make_exception_ptr(Error("search of " + sid + ": " + e.what()));
        continue;
      }
    } else {
      fps = load_channel(store, units, nbits);
    }
    const std::string inputs_hash = combine_hashes(fps.unit_hashes);
    const fs::path out = store.stage_dir("search") / (sid + (o.exact ? ".exact.h5" : ".h5"));
    UnitRecord rec{sid, "", inputs_hash, params_hash, mpi.rank(), 0, store.relative(out), ""};
    if (!o.force && store.is_current(out, inputs_hash, params_hash)) {
      rec.state = "reused";
      rec.note = "up to date";
      records.push_back(rec);
      continue;
    }
    const lsh::FingerprintView view{fps.bits.data(), fps.times.size(), fps.words, nbits};
    std::vector<TimePair> pairs;
    lsh::SearchSummary summary;
    std::string mode = "full";
    std::exception_ptr err;
    try {
      if (o.exact) {
        const TimeNs near = static_cast<TimeNs>(lc.search.near_repeats) * dt_fp;
        if (writer)
          for (const auto& p : lsh::exact_pairs(view, fps.times, near, o.exact_threshold))
            pairs.push_back({fps.times[p.a], fps.times[p.b],
                             static_cast<std::uint32_t>(std::llround(p.jaccard * 1e6))});
        mode = "exact (votes = Jaccard x 1e6)";
      } else {
        // Incremental: the previous output's units are a prefix of today's
        // with unchanged hashes, and no occurrence filter (whose verdicts
        // would need the new fingerprints of old blocks).
        std::size_t old_units = 0;
        std::vector<TimePair> previous;
        if (!o.force && !lc.search.noise_filter_on() && fs::exists(out)) {
          h5::File prev = h5::File::open_read(out);
          if (prev.attr_string("params_hash") == params_hash) {
            std::vector<std::string> prev_units;
            std::istringstream in(prev.attr_string("inputs"));
            for (std::string line; std::getline(in, line);)
              if (!line.empty()) prev_units.push_back(line);
            if (!prev_units.empty() && prev_units.size() < fps.unit_hashes.size() &&
                std::equal(prev_units.begin(), prev_units.end(), fps.unit_hashes.begin())) {
              old_units = prev_units.size();
              const auto t1 = prev.read<std::int64_t>("t1");
              const auto t2 = prev.read<std::int64_t>("t2");
              const auto v = prev.read<std::uint32_t>("votes");
              for (std::size_t i = 0; i < t1.size(); ++i) previous.push_back({t1[i], t2[i], v[i]});
            }
          }
        }
        lsh::Signatures sigs = lsh::compute_signatures(view, lc.search);
        if (old_units > 0) {
          const std::size_t split = fps.unit_begin[old_units];
          const lsh::SignatureView old_v{sigs.keys.data(), split, sigs.ntbls};
          const lsh::SignatureView new_v{sigs.keys.data() + split * static_cast<std::size_t>(sigs.ntbls),
                                         fps.times.size() - split, sigs.ntbls};
          const std::vector<TimeNs> old_t(fps.times.begin(), fps.times.begin() + static_cast<std::ptrdiff_t>(split));
          const std::vector<TimeNs> new_t(fps.times.begin() + static_cast<std::ptrdiff_t>(split), fps.times.end());
          // new_vs_all indexes old then new, i.e. the concatenated order.
          for (const auto& p : lsh::search_new_vs_all(old_v, old_t, new_v, new_t, dt_fp, lc.search, &summary))
            pairs.push_back({fps.times[p.a], fps.times[p.b], p.votes});
          pairs.insert(pairs.end(), previous.begin(), previous.end());
          mode = "incremental (" + std::to_string(fps.times.size() - split) + " new fingerprints)";
        } else {
          for (const auto& p : lsh::search_mpi(search_comm, sigs.view(), fps.times, dt_fp, lc.search, &summary))
            pairs.push_back({fps.times[p.a], fps.times[p.b], p.votes});
        }
      }
      std::sort(pairs.begin(), pairs.end());
      if (writer) {
        std::vector<std::string> inputs = fps.unit_hashes;
        const Provenance prov{"search", sid, lc.cfg.hash(), params_hash, inputs_hash, inputs};
        write_pairs(store, out, prov, pairs, summary, fps.times.size(), mode);
        if (o.export_fast) {
          // FAST's parsed layout "dt idx sim" on the channel's fingerprint index.
          std::map<TimeNs, std::size_t> index;
          for (std::size_t i = 0; i < fps.times.size(); ++i) index[fps.times[i]] = i;
          AtomicTextFile txt(store.dir() / "export-fast" / ("candidate_pairs_" + sid + "_merged.txt"));
          std::vector<std::array<std::size_t, 3>> rows;
          for (const auto& p : pairs) {
            const std::size_t a = index[p.t1], b = index[p.t2];
            rows.push_back({b - a, b, p.votes});
          }
          std::sort(rows.begin(), rows.end());
          for (const auto& r : rows) txt.stream() << r[0] << ' ' << r[1] << ' ' << r[2] << '\n';
          txt.commit();
        }
      }
    } catch (...) {
      err = std::current_exception();
    }
    if (spread_channels) {
      if (err) {
        try {
          std::rethrow_exception(err);
        } catch (const std::exception& e) {
          spread_error = std::make_exception_ptr(Error("search of " + sid + ": " + e.what()));
        }
        rec.state = "failed";
        records.push_back(rec);
        continue;
      }
    } else {
      mpi.check(err, "search of " + sid);
    }
    rec.state = "done";
    rec.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - u0).count();
    rec.note = fmt::format("{} fingerprints, {} filtered, {} pairs, {} partition(s), {:.1f} lookups/query, "
                           "peak {:.1f} MB, {}",
                           fps.times.size(), summary.filtered, pairs.size(), summary.partitions,
                           summary.avg_lookups, static_cast<double>(summary.peak_memory_bytes) / 1e6, mode);
    if (writer) spdlog::info("search {}: {}", sid, rec.note);
    total_pairs += pairs.size();
    total_fp += fps.times.size();
    records.push_back(rec);
  }
  if (spread_channels) {  // every rank's records and totals to rank 0
    std::ostringstream mine;
    mine << total_fp << ' ' << total_pairs << '\n';
    for (const auto& r : records) mine << r.to_line() << '\n';
    records.clear();
    total_fp = total_pairs = 0;
    for (const auto& text : mpi.all_gather(mine.str())) {
      std::istringstream in(text);
      std::size_t nf = 0, np = 0;
      in >> nf >> np;
      total_fp += nf;
      total_pairs += np;
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line))
        if (!line.empty()) records.push_back(UnitRecord::from_line(line));
    }
    std::sort(records.begin(), records.end(),
              [](const UnitRecord& a, const UnitRecord& b) { return a.unit < b.unit; });
  }
  if (mpi.root()) {
    std::vector<UnitRecord> keep = records;
    std::set<std::string> present;
    for (const auto& r : records) present.insert(r.unit);
    for (const auto& old : store.read_manifest("search"))
      if (!present.count(old.unit)) keep.push_back(old);
    store.write_manifest(o.exact ? "search-exact" : "search", keep);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info("search done: {} channels, {} fingerprints, {} candidate pairs, {:.1f} s over {} rank(s){}",
                 records.size(), total_fp, total_pairs, secs, mpi.size(),
                 spread_channels ? " (channels spread over ranks)" : "");
  }
  if (spread_channels) mpi.check(spread_error, "search");
  return 0;
}

}  // namespace qp::app
