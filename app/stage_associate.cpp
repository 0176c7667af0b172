// The associate stage: per-channel candidate pairs -> per-station pairs on
// the network grid (channels combined) -> event pairs -> network events with
// refined arrival times, families and scores -> associate/network.h5.
//
// Across ranks: stations are dealt to ranks for channel combination and
// event-pair extraction (event pairs gathered in binary); pieces of the
// picking runs (a swarm's run cut at its largest gaps, checked in order
// afterwards) and then events for location with re-picking go to whichever
// rank is free, each rank reading the waveform windows it needs; results
// are gathered in event order, so outputs do not depend on the rank or
// thread count.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <climits>
#include <cmath>
#include <map>
#include <optional>

#include <omp.h>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/waveform_cache.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "runstore/event_unit.hpp"
#include "runstore/pair_unit.hpp"
#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/fast_detlist.hpp"
#include "postprocess/association/network_events.hpp"
#include "postprocess/association/family_phases.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/association/relocation.hpp"
#include "postprocess/association/sightings.hpp"
#include "postprocess/association/station_pairs.hpp"
#include "postprocess/association/union_find.hpp"
#include "postprocess/association/wire.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/location.hpp"
#include "postprocess/catalog/stations.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

struct Station {
  std::string id;                  // NET.STA (location kept in channel ids)
  std::vector<ChannelId> channels;
  ChannelId pick_channel;          // vertical component where there is one
  std::vector<ChannelId> horizontals;  // the others, when pick_channel is vertical
};

std::vector<Station> stations_of(const Config& cfg, const RunStore& store) {
  std::vector<Station> out;
  for (const auto& s : cfg.stations()) {
    Station st;
    st.id = s.station_id();
    for (const auto& c : s.channels) st.channels.push_back({s.network, s.station, s.location, c});
    std::sort(st.channels.begin(), st.channels.end());
    const std::string vertical = vertical_of(s, store).channel;  // config, CMPINC, or code (Z; Hi-net U)
    st.pick_channel = vertical.empty() ? st.channels.front() : ChannelId{s.network, s.station, s.location, vertical};
    for (const auto& c : st.channels)
      if (!vertical.empty() && !(c == st.pick_channel)) st.horizontals.push_back(c);
    out.push_back(st);
  }
  std::sort(out.begin(), out.end(), [](const Station& a, const Station& b) { return a.id < b.id; });
  return out;
}

// Pieces the picking runs are cut into when there is more than one worker
// (the largest runs, a swarm's, split further): far more than the ranks of
// one node, few enough that pieces hold several events of a dense swarm.
constexpr std::size_t kPickingPieces = 64;

// Seconds between laps, for the stage's timing lines (per-event costs).
class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }
  /// CPU seconds of this process since the last call: on a shared machine
  /// a rank's work, whatever share of a core it got.
  double cpu_lap() {
    const std::clock_t now = std::clock();
    const double s = static_cast<double>(now - cpu_last_) / CLOCKS_PER_SEC;
    cpu_last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
  std::clock_t cpu_last_ = std::clock();
};

// CPU seconds of the calling thread (one task's cost, for the 16-rank model
// in docs/scaling.md).
double thread_cpu_s() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// "a, b, c" of per-rank figures.
std::string rank_list(const std::vector<double>& v) {
  std::string out;
  for (double x : v) out += (out.empty() ? "" : ", ") + fmt::format("{:.3f}", x);
  return out;
}

// CPU seconds of this rank per phase of the stage. Each phase's lap ends
// before its collective and skip() drops the wait inside one (an idle rank
// spins there), so a phase counts the rank's own work.
class PhaseCpu {
 public:
  void add(const std::string& phase) {
    const double s = clock_.cpu_lap();
    for (auto& [name, cpu] : cpu_)
      if (name == phase) {
        cpu += s;
        return;
      }
    cpu_.emplace_back(phase, s);
  }
  void skip() { clock_.cpu_lap(); }
  double last() const { return cpu_.empty() ? 0 : cpu_.back().second; }

  /// Collective. On rank 0, one line: each phase's CPU seconds on the
  /// slowest rank, then each rank's total (scripts/scaling.sh reads it).
  void report(const MpiContext& mpi) const {
    post::wire::Writer out;
    for (const auto& [name, cpu] : cpu_) {
      out.put_string(name);
      out.put(cpu);
    }
    std::vector<std::pair<std::string, double>> slowest;
    std::vector<double> totals;
    for (const std::string& bytes : mpi.gather(out.bytes())) {
      post::wire::Reader r(bytes);
      double total = 0;
      while (!r.done()) {
        const std::string name = r.get_string();
        const double cpu = r.get<double>();
        total += cpu;
        auto it = std::find_if(slowest.begin(), slowest.end(), [&](const auto& p) { return p.first == name; });
        if (it == slowest.end())
          slowest.emplace_back(name, cpu);
        else
          it->second = std::max(it->second, cpu);
      }
      totals.push_back(total);
    }
    if (!mpi.root()) return;
    std::string line;
    for (const auto& [name, cpu] : slowest) line += fmt::format("{}{} {:.3f}", line.empty() ? "" : ", ", name, cpu);
    spdlog::info("associate phase CPU s, slowest rank: {}; total per rank: {}", line, rank_list(totals));
  }

 private:
  Stopwatch clock_;
  std::vector<std::pair<std::string, double>> cpu_;
};

// Runs work(i) for i in [first, last) over OpenMP threads; the first error
// by index is rethrown (the same whatever the schedule).
template <class Work>
void parallel_for(std::size_t first, std::size_t last, Work&& work) {
  std::vector<std::exception_ptr> errors(last - first);
  const long n = static_cast<long>(last - first);
#pragma omp parallel for schedule(dynamic, 1)
  for (long k = 0; k < n; ++k) {
    try {
      work(first + static_cast<std::size_t>(k));
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  }
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}

// A rank's waveform reader: preprocess units read through one cache per
// rank (only the units its block of events touches), one thread at a time
// inside HDF5.
post::WaveformReader waveform_reader(WaveformCache& cache) {
  return [&cache](const std::string& sid, TimeNs begin, TimeNs end) {
    ChannelWaveform w;
#pragma omp critical(qp_associate_waveforms)
    w = cache.span(sid, begin, end);
    return post::WaveformSpan{w.start, w.sampling_rate, std::move(w.samples)};
  };
}

// What step 1 leaves: each station's event pairs, and what FAST's list and
// the log need of the station pairs (which stay on the rank that made them).
struct NetworkInput {
  std::vector<std::vector<post::EventPair>> event_pairs;  // per station
  std::size_t n_pairs = 0;                                 // station pairs, all stations
  std::int64_t origin_g = INT64_MAX;                       // smallest grid index of any pair
};

// The search dropped a station's pairs whose summed votes stay under its
// min_station_votes (lsh/station_filter.hpp): above the threshold here,
// pairs this stage would keep are missing.
void check_station_filter(const fs::path& pair_unit, std::int64_t channel_threshold) {
  const h5::File f = h5::File::open_read(pair_unit);
  if (!f.has_attr("min_station_votes")) return;
  const std::int64_t filtered_below = f.attr_int("min_station_votes");
  if (filtered_below > channel_threshold)
    throw ConfigError("search.min_station_votes",
                      pair_unit.string() + " was searched with min_station_votes = " + std::to_string(filtered_below) +
                          ", above [associate] channel_threshold = " + std::to_string(channel_threshold) +
                          ": set it at most that and rerun the search");
}

// The channel-combined pairs of one station on the network grid.
std::vector<post::StationPair> station_pairs(const LoadedConfig& lc, const RunStore& store, const Station& st) {
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  std::vector<std::vector<post::StationPair>> per_channel;
  for (const auto& ch : st.channels) {
    const fs::path p = store.stage_dir("search") / (ch.seed_id() + ".h5");
    if (!fs::exists(p)) continue;
    check_station_filter(p, lc.assoc.channel_threshold);
    const auto found = runstore::read_pair_unit(p);
    std::vector<post::StationPair> pairs;
    pairs.reserve(found.size());
    for (const auto& q : found) {
      const auto g1 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t1) / static_cast<double>(dt_fp)));
      const auto g2 = static_cast<std::int64_t>(std::llround(static_cast<double>(q.t2) / static_cast<double>(dt_fp)));
      if (g2 > g1) pairs.push_back({g1, g2, static_cast<std::int32_t>(q.votes)});
    }
    per_channel.push_back(std::move(pairs));
  }
  if (per_channel.empty()) {
    spdlog::warn("station {}: no candidate pairs (no data?); associating the others", st.id);
    return {};
  }
  auto combined = post::combine_channels(per_channel, static_cast<int>(st.channels.size()), lc.assoc);
  post::sort_fast_order(combined);
  return combined;
}

// 1. Station pairs (channels combined) and event pairs per station: rank r
//    takes stations r, r+size, ...; event pairs gathered on every rank.
NetworkInput network_input(const LoadedConfig& lc, const RunStore& store, const std::vector<Station>& stations,
                           MpiContext& mpi, PhaseCpu& phases) {
  std::vector<std::size_t> mine;
  for (std::size_t s = 0; s < stations.size(); ++s)
    if (mpi.owns(s)) mine.push_back(s);
  post::wire::Writer out;
  std::exception_ptr err;
  try {
    std::vector<std::vector<post::StationPair>> pairs(mine.size());
    for (std::size_t k = 0; k < mine.size(); ++k) pairs[k] = station_pairs(lc, store, stations[mine[k]]);
    std::vector<std::vector<post::EventPair>> event_pairs(mine.size());
    parallel_for(0, mine.size(), [&](std::size_t k) {
      event_pairs[k] = post::extract_event_pairs(static_cast<int>(mine[k]), pairs[k], lc.assoc);
    });
    for (std::size_t k = 0; k < mine.size(); ++k) {
      std::int64_t min_g = INT64_MAX;
      for (const auto& p : pairs[k]) min_g = std::min(min_g, p.g1);
      out.put<std::uint64_t>(mine[k]);
      out.put<std::uint64_t>(pairs[k].size());
      out.put(min_g);
      out.put<std::uint64_t>(event_pairs[k].size());
      for (const auto& e : event_pairs[k]) post::wire::put(out, e);
    }
  } catch (...) {
    err = std::current_exception();
  }
  phases.add("pairs");
  mpi.check(err, "channel combination and event-pair extraction");
  NetworkInput in;
  in.event_pairs.resize(stations.size());
  for (const std::string& bytes : mpi.all_gather(out.bytes())) {
    post::wire::Reader r(bytes);
    while (!r.done()) {
      const auto s = r.get<std::uint64_t>();
      in.n_pairs += r.get<std::uint64_t>();
      in.origin_g = std::min(in.origin_g, r.get<std::int64_t>());
      auto& v = in.event_pairs[s];
      v.resize(r.get<std::uint64_t>());
      for (auto& e : v) e = post::wire::get_event_pair(r);
    }
  }
  if (in.origin_g == INT64_MAX) in.origin_g = 0;
  phases.skip();
  return in;
}

// Runs of events no pick of which can reach another run's arrivals
// (EventPicker::independence_horizon): [begin, end) index ranges, in order.
std::vector<std::pair<std::size_t, std::size_t>> independent_runs(const std::vector<post::NetworkEvent>& events,
                                                                  TimeNs dt_fp, TimeNs horizon) {
  const std::size_t n = events.size();
  std::vector<TimeNs> later_min(n + 1, INT64_MAX);  // earliest centre of events k..n-1
  for (std::size_t k = n; k-- > 0;) later_min[k] = std::min(later_min[k + 1], events[k].earliest() * dt_fp);
  std::vector<std::pair<std::size_t, std::size_t>> runs;
  TimeNs latest = INT64_MIN;  // of events before k
  std::size_t begin = 0;
  for (std::size_t k = 0; k < n; ++k) {
    if (k > begin && later_min[k] - latest > horizon) {
      runs.emplace_back(begin, k);
      begin = k;
    }
    for (const auto& w : events[k].stations) latest = std::max(latest, w.first * dt_fp);
  }
  if (n > begin) runs.emplace_back(begin, n);
  return runs;
}

// A task counter on rank 0 that every rank reads and increments with MPI
// one-sided atomics (shared memory within a node): each rank takes the next
// tasks when it is free, with no rank serving the others.
class SharedCounter {
 public:
  explicit SharedCounter(const MpiContext& mpi) : comm_(mpi.comm()) {
    MPI_Win_allocate(mpi.root() ? static_cast<MPI_Aint>(sizeof(std::int64_t)) : 0,
                     static_cast<int>(sizeof(std::int64_t)), MPI_INFO_NULL, comm_, &base_, &win_);
    if (mpi.root()) {
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win_);
      *base_ = 0;
      MPI_Win_unlock(0, win_);
    }
    MPI_Barrier(comm_);
  }
  ~SharedCounter() { MPI_Win_free(&win_); }
  SharedCounter(const SharedCounter&) = delete;
  SharedCounter& operator=(const SharedCounter&) = delete;

  /// The counter before adding n.
  std::int64_t take(std::int64_t n) {
    std::int64_t before = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win_);
    MPI_Fetch_and_op(&n, &before, MPI_INT64_T, 0, 0, MPI_SUM, win_);
    MPI_Win_unlock(0, win_);
    return before;
  }

 private:
  MPI_Comm comm_;
  std::int64_t* base_ = nullptr;
  MPI_Win win_ = MPI_WIN_NULL;
};

// Runs work(task) for tasks handed out to whichever rank is free
// (SharedCounter), in decreasing estimated cost (ties: lower index), so the
// last tasks handed out are the small ones and the ranks finish together
// however unequal the costs; within a rank, one task per OpenMP thread at
// a time. Returns this rank's tasks in index order. Who runs a task never
// changes its result, so outputs do not depend on the rank count.
template <class Work>
std::vector<std::size_t> run_shared(const std::vector<std::size_t>& cost, const MpiContext& mpi, Work&& work) {
  std::vector<std::size_t> order(cost.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cost[a] > cost[b]; });
  if (mpi.size() == 1) {
    parallel_for(0, order.size(), [&](std::size_t k) { work(order[k]); });
    std::sort(order.begin(), order.end());
    return order;
  }
  std::vector<std::size_t> mine;
  SharedCounter counter(mpi);
  const auto batch = static_cast<std::int64_t>(std::max(1, omp_get_max_threads()));
  const auto n = static_cast<std::int64_t>(order.size());
  for (;;) {
    const std::int64_t first = counter.take(batch);
    if (first >= n) break;
    const auto b = static_cast<std::size_t>(first), e = static_cast<std::size_t>(std::min(n, first + batch));
    parallel_for(b, e, [&](std::size_t k) { work(order[k]); });
    mine.insert(mine.end(), order.begin() + static_cast<std::ptrdiff_t>(b), order.begin() + static_cast<std::ptrdiff_t>(e));
  }
  std::sort(mine.begin(), mine.end());
  return mine;
}

// What picking or locating an event costs, roughly: a window read and
// searched per station.
std::size_t picking_cost(const post::NetworkEvent& e) { return e.stations.size(); }

// Pieces of a run for parallel picking: the run halved at its largest gap
// between events until each piece costs at most max_cost (a single event
// stays whole). Depends on the events only.
void cut_run(const std::vector<post::NetworkEvent>& events, TimeNs dt_fp, std::size_t begin, std::size_t end,
             std::size_t max_cost, std::vector<std::pair<std::size_t, std::size_t>>& pieces) {
  std::size_t cost = 0;
  for (std::size_t i = begin; i < end; ++i) cost += picking_cost(events[i]);
  if (end - begin < 2 || cost <= max_cost) {
    pieces.emplace_back(begin, end);
    return;
  }
  std::size_t cut = begin + 1;
  TimeNs widest = INT64_MIN, latest = INT64_MIN;  // latest centre before k
  for (std::size_t k = begin + 1; k < end; ++k) {
    for (const auto& w : events[k - 1].stations) latest = std::max(latest, w.first * dt_fp);
    const TimeNs gap = events[k].earliest() * dt_fp - latest;
    if (gap > widest) widest = gap, cut = k;
  }
  cut_run(events, dt_fp, begin, cut, max_cost, pieces);
  cut_run(events, dt_fp, cut, end, max_cost, pieces);
}

// Tasks of one picking pass: events [begin, end) of run `run`, picked in
// order by one picker that first remembers the run's events before begin;
// `until_agreeing`: past the first event, stop at the first event whose
// look-ups agree with the memory (its picks then stand).
struct PickingTask {
  std::size_t run, begin, end;
  bool until_agreeing;
};

// 3. The picks of every event. Events of one independent run meet each
//    other's S onsets (EventPicker) and in order they are picked, but:
//    with more than one rank or thread, each run is cut into pieces at its
//    largest gaps, the pieces are picked in parallel (each from an empty
//    memory, recording its look-ups of it), and then, on every rank, each
//    run is checked in order: an event whose look-ups get other answers
//    from the memory of the picks before it is picked again with that
//    memory, with those after it while their answers differ, until every
//    event agrees. The picks are then those of picking each run in order
//    (every event's look-ups answered as in order), whatever the cut, the
//    ranks or the threads. Tasks go to whichever rank is free, the largest
//    (most stations) first (run_shared).
std::vector<std::vector<post::StationPick>> pick_events(const std::vector<post::NetworkEvent>& events,
                                                        const post::PickingSetup& setup, WaveformCache& cache,
                                                        MpiContext& mpi, PhaseCpu& phases) {
  const post::WaveformReader read = waveform_reader(cache);
  const auto runs = independent_runs(events, setup.dt_fp, post::EventPicker(setup, read).independence_horizon());
  std::size_t total_cost = 0;
  for (const auto& e : events) total_cost += picking_cost(e);
  // Pieces: enough of them to keep many ranks busy (never fewer than the
  // runs); one worker needs none.
  const bool parallel = mpi.size() * omp_get_max_threads() > 1;
  const std::size_t max_piece_cost = std::max<std::size_t>(1, (total_cost + kPickingPieces - 1) / kPickingPieces);
  std::vector<PickingTask> tasks;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    std::vector<std::pair<std::size_t, std::size_t>> pieces;
    if (parallel)
      cut_run(events, setup.dt_fp, runs[r].first, runs[r].second, max_piece_cost, pieces);
    else
      pieces.push_back(runs[r]);
    for (const auto& [b, e] : pieces) tasks.push_back({r, b, e, false});
  }
  if (mpi.root())
    spdlog::info("associate: {} network events in {} independent runs, picked in {} pieces", events.size(),
                 runs.size(), tasks.size());
  std::vector<std::size_t> run_of(events.size());
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (std::size_t i = runs[r].first; i < runs[r].second; ++i) run_of[i] = r;

  std::vector<std::vector<post::StationPick>> picks(events.size());
  std::vector<std::vector<post::EarlierSQuery>> queries(events.size());
  // Every look-up of event i answered as the memory of the picks before it answers.
  const auto agrees = [&](const post::EventPicker& memory, std::size_t i) {
    for (const auto& q : queries[i])
      if (memory.earlier_s_near(q.station, q.time) != q.answer) return false;
    return true;
  };
  Stopwatch clock;
  double cpu_s = 0;
  std::size_t picked = 0, passes = 0;
  double largest = 0;  // CPU s of the costliest task
  while (!tasks.empty()) {
    ++passes;
    std::vector<std::size_t> cost(tasks.size(), 0);
    for (std::size_t t = 0; t < tasks.size(); ++t)
      for (std::size_t i = tasks[t].begin; i < tasks[t].end; ++i) cost[t] += picking_cost(events[i]);
    std::vector<std::vector<std::size_t>> done(tasks.size());  // events each task picked
    std::vector<std::vector<std::vector<post::StationPick>>> new_picks(tasks.size());
    std::vector<std::vector<std::vector<post::EarlierSQuery>>> new_queries(tasks.size());
    std::vector<std::size_t> mine;
    std::vector<double> task_cpu(tasks.size(), 0);
    phases.add("picking");
    clock.cpu_lap();
    std::exception_ptr err;
    try {
      mine = run_shared(cost, mpi, [&](std::size_t k) {
        const double t0 = thread_cpu_s();
        const PickingTask& t = tasks[k];
        post::EventPicker picker(setup, read);
        for (std::size_t j = runs[t.run].first; j < t.begin; ++j) picker.remember(picks[j]);
        for (std::size_t i = t.begin; i < t.end; ++i) {
          if (t.until_agreeing && i > t.begin && agrees(picker, i)) break;
          std::vector<post::EarlierSQuery> q;
          new_picks[k].push_back(picker.pick(events[i], &q));
          new_queries[k].push_back(std::move(q));
          done[k].push_back(i);
        }
        task_cpu[k] = thread_cpu_s() - t0;
      });
      for (std::size_t k : mine) largest = std::max(largest, task_cpu[k]);
    } catch (...) {
      err = std::current_exception();
    }
    cpu_s += clock.cpu_lap();
    phases.add("picking");
    mpi.check(err, "picking");
    post::wire::Writer out;
    for (std::size_t k : mine)
      for (std::size_t m = 0; m < done[k].size(); ++m) {
        out.put<std::uint64_t>(done[k][m]);
        out.put<std::uint64_t>(new_picks[k][m].size());
        for (const auto& x : new_picks[k][m]) post::wire::put(out, x);
        out.put<std::uint64_t>(new_queries[k][m].size());
        for (const auto& q : new_queries[k][m]) post::wire::put(out, q);
      }
    const std::vector<std::string> gathered = mpi.all_gather(out.bytes());
    phases.skip();
    for (const std::string& bytes : gathered) {
      post::wire::Reader r(bytes);
      while (!r.done()) {
        const auto i = r.get<std::uint64_t>();
        picks[i].resize(r.get<std::uint64_t>());
        for (auto& x : picks[i]) x = post::wire::get_station_pick(r);
        queries[i].resize(r.get<std::uint64_t>());
        for (auto& q : queries[i]) q = post::wire::get_earlier_s_query(r);
        ++picked;
      }
    }
    // The check, in order per run (the same on every rank): each event
    // that disagrees starts a task running up to the next such event.
    tasks.clear();
    for (std::size_t r = 0; r < runs.size(); ++r) {
      post::EventPicker memory(setup, read);
      for (std::size_t i = runs[r].first; i < runs[r].second; ++i) {
        if (!agrees(memory, i)) {
          if (!tasks.empty() && tasks.back().run == r) tasks.back().end = i;
          tasks.push_back({r, i, runs[r].second, true});
        }
        memory.remember(picks[i]);
      }
    }
    phases.add("picking check");
  }
  std::vector<double> cpu;
  post::wire::Writer mine_cpu;
  mine_cpu.put(cpu_s);
  mine_cpu.put(largest);
  for (const std::string& bytes : mpi.all_gather(mine_cpu.bytes())) {
    post::wire::Reader r(bytes);
    cpu.push_back(r.get<double>());
    largest = std::max(largest, r.get<double>());
  }
  if (mpi.root())
    spdlog::info("associate timing: picking CPU seconds per rank: {}; {} events picked ({} again) in {} passes; "
                 "costliest piece {:.3f} s",
                 rank_list(cpu), picked, picked - events.size(), passes, largest);
  return picks;
}

// 5. Each event located, re-picked near its predicted P and located again
//    (post::locate_and_repick): events handed to whichever rank is free,
//    those with most picks first (run_shared: an event's cost, its grid
//    searches and outliers, varies far more than any estimate says),
//    gathered in order on rank 0. Returns the picks re-picked.
std::size_t relocate_events(std::vector<catalog::Event>& events, const post::RelocationSetup& setup,
                            WaveformCache& cache, MpiContext& mpi, PhaseCpu& phases) {
  const post::WaveformReader read = waveform_reader(cache);
  std::vector<std::size_t> cost;
  for (const auto& e : events) cost.push_back(e.picks.size());
  std::vector<std::size_t> repicked(events.size(), 0), mine;
  std::vector<double> event_cpu(events.size(), 0);
  Stopwatch clock;
  std::exception_ptr err;
  try {
    mine = run_shared(cost, mpi, [&](std::size_t i) {
      const double t0 = thread_cpu_s();
      repicked[i] = post::locate_and_repick(events[i], setup, read);
      event_cpu[i] = thread_cpu_s() - t0;
    });
  } catch (...) {
    err = std::current_exception();
  }
  const double cpu_s = clock.cpu_lap();
  phases.add("location");
  mpi.check(err, "location");
  post::wire::Writer out;
  out.put(cpu_s);
  double largest = 0;
  for (std::size_t i : mine) largest = std::max(largest, event_cpu[i]);
  out.put(largest);
  for (std::size_t i : mine) {
    out.put<std::uint64_t>(i);
    out.put<std::uint64_t>(repicked[i]);
    post::wire::put(out, events[i]);
  }
  std::size_t total = 0;
  std::vector<double> cpu;
  for (const std::string& bytes : mpi.gather(out.bytes())) {
    post::wire::Reader r(bytes);
    cpu.push_back(r.get<double>());
    largest = std::max(largest, r.get<double>());
    while (!r.done()) {
      const auto i = r.get<std::uint64_t>();
      total += r.get<std::uint64_t>();
      events[i] = post::wire::get_event(r);
    }
  }
  phases.skip();
  if (mpi.root())
    spdlog::info("associate timing: location CPU seconds per rank: {}; costliest event {:.3f} s", rank_list(cpu), largest);
  return total;
}

// Events on their way into the catalog, with the families they belong to
// (a union-find over the network events' indices).
struct CatalogDraft {
  std::vector<catalog::Event> events;
  std::vector<std::size_t> ids;  // each event's network event index
  post::UnionFind families;
};

// One event per earthquake: sightings that event resolution kept apart but
// that share their first arrival or onsets, or bring nothing of their own,
// merge (post::merge_sightings; events then in first-arrival order); merged
// events join one family. Events of a swarm keep their own onsets.
// merged: d after the merges `m` (post::MergedSightings) made to d.events.
void merged(CatalogDraft& d, const post::MergedSightings& m) {
  for (const auto& [drop, keep] : m.merges) d.families.join(d.ids[drop], d.ids[keep]);
  std::vector<std::size_t> ids;
  for (std::size_t i : m.origin) ids.push_back(d.ids[i]);
  d.ids.swap(ids);
}
void merge_sightings(CatalogDraft& d, const post::SightingMergeParams& params, const post::ArrivalPredictor& predict) {
  merged(d, post::merge_sightings(d.events, params, predict));
}

// Events not reportable (post::reportable) go; the rest get their ids
// (catalog::assign_event_ids) and family ids: the id of the family's
// earliest event in the catalog.
std::vector<catalog::Event> finish_catalog(CatalogDraft& d, int min_stations_without_onset) {
  std::vector<catalog::Event> events;
  std::vector<std::size_t> ids;
  for (std::size_t k = 0; k < d.events.size(); ++k) {
    if (!post::reportable(d.events[k], min_stations_without_onset)) continue;
    events.push_back(std::move(d.events[k]));
    ids.push_back(d.ids[k]);
  }
  if (events.size() < d.events.size())
    spdlog::info("associate: {} events at fewer than {} stations with no clear onset are not reported",
                 d.events.size() - events.size(), min_stations_without_onset);
  const std::vector<std::size_t> order = catalog::assign_event_ids(events);
  std::map<std::size_t, std::string> family_id;
  for (std::size_t k = 0; k < events.size(); ++k) {
    const std::size_t f = d.families.find(ids[order[k]]);
    if (!family_id.count(f)) family_id[f] = events[k].event_id;
    events[k].family_id = family_id[f];
  }
  return events;
}

// Station coordinates, where location is enabled.
std::optional<catalog::StationTable> station_coordinates(const LoadedConfig& lc) {
  if (!lc.location.enabled) return std::nullopt;
  const auto ext = lc.stations_file.extension().string();
  return catalog::StationTable((ext == ".xml" || ext == ".stationxml")
                                   ? catalog::read_station_xml(lc.stations_file.string())
                                   : catalog::read_stations_csv(lc.stations_file.string()));
}

post::PickingSetup picking_setup(const LoadedConfig& lc, const std::vector<Station>& stations,
                                 const catalog::StationTable* coords) {
  post::PickingSetup setup;
  for (const auto& st : stations) {
    post::PickingStation p{st.id, {}, st.pick_channel.seed_id(), {}};
    for (const auto& c : st.channels) p.channels.push_back(c.seed_id());
    for (const auto& c : st.horizontals) p.horizontals.push_back(c.seed_id());
    setup.stations.push_back(std::move(p));
  }
  setup.coords = coords;
  setup.location = &lc.location;
  setup.consistency.vp_min_km_s = *std::min_element(lc.location.model.vp().begin(), lc.location.model.vp().end());
  setup.dt_fp = lc.fp.dt_fp_ns();
  setup.half_span = lc.fp.window_span_ns() / 2;
  setup.ntbls = lc.search.ntbls;
  setup.params = lc.picking;
  return setup;
}

// The located catalog from the network events: picks, sightings merged,
// located and re-picked, merged again (re-picks can bring two sightings'
// first arrivals together, and a location tells a later sighting made of
// its S arrivals), those that gained picks located, relabelled and re-picked
// again as the others were (post::merge_and_relocate). Complete on rank 0.
std::vector<catalog::Event> catalog_of(const LoadedConfig& lc, const RunStore& store,
                                       const std::vector<Station>& stations, const post::AssociationResult& result,
                                       MpiContext& mpi, PhaseCpu& phases) {
  const std::optional<catalog::StationTable> coords = station_coordinates(lc);
  const post::PickingSetup setup = picking_setup(lc, stations, coords ? &*coords : nullptr);
  WaveformCache cache(store, static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay);
  Stopwatch clock;
  phases.add("picking");
  auto picks = pick_events(result.events, setup, cache, mpi, phases);
  // The same on every rank: every rank holds every event's picks.
  const std::size_t relabelled = post::align_family_phases(picks, result.events, setup, waveform_reader(cache));
  if (mpi.root() && relabelled > 0)
    spdlog::info("associate: {} one-station events relabelled to their family's S-P", relabelled);
  const double picking_s = clock.lap();
  post::apply_typical_offset(picks, lc.picking);
  CatalogDraft d{{}, {}, post::UnionFind(result.events.size())};
  for (std::size_t k = 0; k < result.events.size(); ++k) {
    d.events.push_back(post::catalog_event(result.events[k], picks[k], setup));
    d.ids.push_back(k);
    d.families.join(k, result.events[k].family);
  }
  const post::ArrivalPredictor predict =
      coords ? post::arrival_predictor(*coords, lc.location.model)
             : post::ArrivalPredictor([](const catalog::Event&, const std::string&, Phase) { return std::nullopt; });
  post::SightingMergeParams merge;
  merge.duplicate_window = seconds_to_ns(lc.duplicate_window_s);
  merge.same_onset = seconds_to_ns(lc.picking.same_onset_s);
  merge.coda = seconds_to_ns(lc.picking.coda_s);
  merge.predicted_tolerance = seconds_to_ns(lc.picking.repick_tolerance_s);
  merge_sightings(d, merge, predict);
  if (!coords) {
    auto finished = mpi.root() ? finish_catalog(d, lc.min_stations_without_onset) : std::vector<catalog::Event>{};
    phases.add("sightings");
    return finished;
  }
  post::RelocationSetup relocation{&*coords, lc.location, {}, lc.picking};
  if (relocation.location.estimate_uncertainty_s == 0) relocation.location.estimate_uncertainty_s = post::kEstimateUncertaintyS;
  for (const auto& st : stations) relocation.pick_channel[st.id] = st.pick_channel.seed_id();
  clock.lap();
  phases.add("sightings");
  const std::size_t repicked = relocate_events(d.events, relocation, cache, mpi, phases);
  const double location_s = clock.lap();
  if (!mpi.root()) return {};
  spdlog::info("associate timing: picking {:.3f} s for {} network events, location and re-picking {:.3f} s for {} "
               "events, on {} rank(s) x {} thread(s)",
               picking_s, result.events.size(), location_s, d.events.size(), mpi.size(), omp_get_max_threads());
  // Merged again; the events that grew there located again with the same
  // rule (post::merge_and_relocate), on rank 0 in order: the same for any
  // number of ranks and threads.
  std::vector<std::size_t> grown;
  clock.cpu_lap();
  merged(d, post::merge_and_relocate(d.events, merge, relocation, waveform_reader(cache), &grown));
  const double grown_cpu_s = clock.cpu_lap();
  std::size_t located = 0;
  for (const auto& e : d.events) located += e.origin_time.has_value();
  spdlog::info("associate: located {} of {} events ({} picks re-picked near the predicted P; {} grew when "
               "sightings merged again, located again in {:.3f} CPU s)",
               located, d.events.size(), repicked, grown.size(), grown_cpu_s);
  auto finished = finish_catalog(d, lc.min_stations_without_onset);
  phases.add("finish on rank 0");
  return finished;
}

}  // namespace

int cmd_associate(const CommonOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  PhaseCpu phases;
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "associate", o);
  const RunStore& store = setup.store;
  const TimeNs dt_fp = lc.fp.dt_fp_ns();
  const auto stations = stations_of(lc.cfg, store);
  const fs::path out = store.stage_dir("associate") / "network.h5";

  // Inputs: every channel's pair file (hash recorded), and the parameters.
  std::vector<std::string> inputs;
  for (const auto& st : stations)
    for (const auto& ch : st.channels) {
      const fs::path p = store.stage_dir("search") / (ch.seed_id() + ".h5");
      if (fs::exists(p)) {
        // The pairs are a function of the search unit's inputs and parameters.
        h5::File f = h5::File::open_read(p);
        inputs.push_back(store.relative(p) + " " + f.attr_string("inputs_hash") + ":" +
                         f.attr_string("params_hash"));
      }
    }
  const std::string inputs_hash = combine_hashes(inputs);
  const std::string params_hash = lc.associate_hash();
  if (!o.force && store.is_current(out, inputs_hash, params_hash)) {
    if (mpi.root()) spdlog::info("associate: up to date ({})", store.relative(out));
    return 0;
  }

  // 1-2. Event pairs per station (over ranks), pseudo-association and event
  //      resolution (on every rank: what follows is dealt out by event).
  Stopwatch clock;
  phases.add("setup");
  const NetworkInput in = network_input(lc, store, stations, mpi, phases);
  const double pairs_s = clock.lap();
  const post::AssociationResult result = post::associate(in.event_pairs, lc.assoc);
  phases.add("association");
  if (mpi.root())
    spdlog::info("associate timing: station and event pairs {:.3f} s, association {:.3f} s", pairs_s, clock.lap());
  // 3-5. Picks, one event per earthquake, locations.
  const std::vector<catalog::Event> events = catalog_of(lc, store, stations, result, mpi, phases);
  phases.report(mpi);
  if (!mpi.root()) return 0;
  phases.skip();

  const Provenance prov{"associate", "network", lc.cfg.hash(), params_hash, inputs_hash, inputs};
  store.write_h5(out, prov, [&](h5::File& f) {
    runstore::write_event_unit(f, events, {in.n_pairs, result.network_pairs.size(), dt_fp});
  });
  // FAST's detection list, for users comparing with the reference.
  std::vector<std::string> names;
  for (const auto& st : stations) names.push_back(st.id);
  AtomicTextFile det(store.stage_dir("associate") / "fast_detlist.txt");
  post::write_fast_detlist(det.stream(), result, names, {in.origin_g, in.origin_g * dt_fp, dt_fp});
  det.commit();
  phases.add("writing");
  spdlog::info("associate timing: writing on rank 0, CPU {:.3f} s", phases.last());

  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (events.empty())
    spdlog::info("associate done: no network events ({} station pairs after channel combination); "
                 "the catalog will be empty", in.n_pairs);
  else
    spdlog::info("associate done: {} station pairs, {} network event pairs, {} events, {:.1f} s, {} rank(s)",
                 in.n_pairs, result.network_pairs.size(), events.size(), secs, mpi.size());
  return 0;
}

}  // namespace qp::app
