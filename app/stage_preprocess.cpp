// The preprocess stage: waveform files -> per (channel, day) HDF5 units of
// merged, masked, filtered and decimated float32 samples.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include <omp.h>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/unit_runner.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/log.hpp"
#include "pipeline/text.hpp"
#include "preprocess/heap_reuse.hpp"
#include "preprocess/preprocess.hpp"
#include "preprocess/waveform_reader.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

// Data read around each chunk so filters settle before the chunk starts;
// fixed, so a chunk's output never depends on where other chunks start.
constexpr TimeNs kChunkPad = 120 * kNsPerSecond;

struct TraceInfo {
  std::string seed_id;
  double rate;
  TimeNs start, end;
};

struct FileInfo {
  std::string path, hash, error;
  std::vector<TraceInfo> traces;
};

std::string serialize(const FileInfo& f) {
  std::ostringstream ss;
  ss << "F\t" << f.path << '\t' << f.hash << '\t' << f.error << '\n';
  for (const auto& t : f.traces)
    ss << "T\t" << t.seed_id << '\t' << fmt::format("{:.17g}", t.rate) << '\t' << t.start << '\t'
       << t.end << '\n';
  return ss.str();
}

std::vector<FileInfo> deserialize(const std::vector<std::string>& parts) {
  std::vector<FileInfo> out;
  for (const auto& text : parts) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      const std::vector<std::string> f = split_fields(line, '\t');
      if (f[0] == "F") out.push_back({f[1], f[2], f[3], {}});
      else out.back().traces.push_back({f[1], std::stod(f[2]), std::stoll(f[3]), std::stoll(f[4])});
    }
  }
  std::sort(out.begin(), out.end(), [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
  return out;
}

// Each file's content hash and traces (ranks share the files, and a rank's
// threads its share); a file that cannot be read carries its error instead.
std::vector<FileInfo> index_files(const std::vector<std::string>& paths,
                                  const std::function<std::vector<pre::TraceExtent>(const std::string&)>& scan,
                                  MpiContext& mpi) {
  std::vector<std::size_t> own;
  for (std::size_t i = 0; i < paths.size(); ++i)
    if (mpi.owns(i)) own.push_back(i);
  std::vector<std::string> text(own.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t k = 0; k < own.size(); ++k) {
    FileInfo fi{paths[own[k]], "", "", {}};
    try {
      fi.hash = hash_file(fi.path);
      for (const auto& tr : scan(fi.path)) fi.traces.push_back({tr.seed_id, tr.sampling_rate, tr.start, tr.end()});
    } catch (const std::exception& e) {
      fi.error = e.what();
      for (char& c : fi.error)
        if (c == '\t' || c == '\n') c = ' ';
    }
    text[k] = serialize(fi);
  }
  std::string mine;
  for (const auto& t : text) mine += t;
  return deserialize(mpi.all_gather(mine));
}

// Files that could not be read: an error, or (--skip-bad-files) listed in
// reports/preprocess-skipped-files.txt and left out.
std::vector<std::string> skip_bad_files(const std::vector<FileInfo>& files, bool skip, MpiContext& mpi,
                                        const RunStore& store) {
  std::vector<std::string> skipped;
  for (const auto& f : files) {
    if (f.error.empty()) continue;
    if (!skip) throw CollectiveError(f.error + " (use --skip-bad-files to go on without this file)");
    skipped.push_back(f.path + ": " + f.error);
  }
  if (mpi.root()) {
    std::ostringstream report;
    report << "# files skipped by --skip-bad-files, and why\n";
    for (const auto& s : skipped) report << s << '\n';
    write_file_atomically(store.dir() / "reports" / "preprocess-skipped-files.txt", report.str());
    for (const auto& s : skipped) spdlog::warn("skipped bad file {}", s);
  }
  return skipped;
}

// The chunks a channel's data touch within [win_begin, win_end).
std::set<TimeNs> chunks_with_data(const std::vector<FileInfo>& files, const std::string& sid, TimeNs win_begin,
                                  TimeNs win_end, TimeNs chunk) {
  std::set<TimeNs> chunks;
  for (const auto& f : files) {
    if (!f.error.empty()) continue;
    for (const auto& t : f.traces) {
      if (t.seed_id != sid) continue;
      const TimeNs b = std::max(t.start, win_begin), e = std::min(t.end, win_end);
      if (e <= b) continue;
      for (TimeNs c = floor_to(b, chunk); c < e; c += chunk) chunks.insert(c);
    }
  }
  return chunks;
}

// The readable files holding samples of the channel within (begin, end).
std::vector<const FileInfo*> files_touching(const std::vector<FileInfo>& files, const std::string& sid,
                                            TimeNs begin, TimeNs end) {
  std::vector<const FileInfo*> out;
  for (const auto& f : files) {
    if (!f.error.empty()) continue;
    bool uses = false;
    for (const auto& t : f.traces) uses = uses || (t.seed_id == sid && t.start < end && t.end > begin);
    if (uses) out.push_back(&f);
  }
  return out;
}

// Says what the station's files do hold: a renamed channel is the usual cause.
void warn_no_data(const std::vector<FileInfo>& files,
                  const std::map<std::string, std::vector<std::string>>& ids_of_file, const std::string& sid) {
  std::set<std::string> held;
  for (const auto& f : files) {
    const auto it = ids_of_file.find(f.path);
    if (it == ids_of_file.end() || std::find(it->second.begin(), it->second.end(), sid) == it->second.end())
      continue;
    for (const auto& t : f.traces) held.insert(t.seed_id);
  }
  std::string list;
  for (const auto& h : held) list += (list.empty() ? "" : ", ") + h;
  spdlog::warn("{}: no data in the configured files (or time window); they hold: {}", sid,
               list.empty() ? "nothing readable" : list);
}

}  // namespace

int cmd_preprocess(const PreprocessOptions& o, MpiContext& mpi) {
  const auto t0 = std::chrono::steady_clock::now();
  const pre::HeapReuse heap_reuse;  // each unit reuses the memory of the one before
  LoadedConfig lc = load_config(o.config);
  StageSetup setup = begin_stage(lc, mpi, "preprocess", o);
  const RunStore& store = setup.store;

  // 1. Index the input files (ranks share the reading), with content hashes.
  std::vector<std::string> all_files;
  // The configured SEED ids of the stations listing each file: what a
  // header without a network (Hi-net SAC) resolves against.
  std::map<std::string, std::vector<std::string>> ids_of_file;
  for (const auto& st : lc.cfg.stations())
    for (const auto& f : lc.cfg.files_of(st)) {
      all_files.push_back(f.string());
      for (const auto& ch : st.channels)
        ids_of_file[f.string()].push_back(ChannelId{st.network, st.station, st.location, ch}.seed_id());
    }
  // The index decodes and checks every file once and keeps where its traces
  // lie; a unit then decodes only its channel's records within its window.
  const auto scan_resolved = [&ids_of_file](const std::string& path) {
    std::vector<pre::TraceExtent> extents = pre::scan_waveform_file(path);
    for (auto& e : extents) e.seed_id = pre::resolve_missing_network(e.seed_id, ids_of_file.at(path));
    return extents;
  };
  const auto read_resolved = [&ids_of_file](const std::string& path, const std::string& sid, TimeNs begin,
                                            TimeNs end) {
    const std::vector<std::string>& ids = ids_of_file.at(path);
    pre::ReadSelection sel;
    sel.channel = [&ids, &sid](const std::string& id) { return pre::resolve_missing_network(id, ids) == sid; };
    sel.begin = begin;
    sel.end = end;
    std::vector<pre::Trace> traces = pre::read_waveform_file(path, sel);
    pre::resolve_missing_networks(traces, ids);
    return traces;
  };
  std::sort(all_files.begin(), all_files.end());
  all_files.erase(std::unique(all_files.begin(), all_files.end()), all_files.end());

  const std::vector<FileInfo> files = index_files(all_files, scan_resolved, mpi);

  const std::vector<std::string> skipped = skip_bad_files(files, o.skip_bad_files, mpi, store);

  // 2. Units: (channel, chunk) for every chunk the channel's data touch.
  const TimeNs chunk = static_cast<TimeNs>(lc.cfg.run().chunk_days) * kNsPerDay;
  const TimeNs win_begin = lc.cfg.run().start.value_or(INT64_MIN / 2);
  const TimeNs win_end = lc.cfg.run().end.value_or(INT64_MAX / 2);
  const std::string params_hash = lc.preprocess_hash();
  std::vector<UnitJob> jobs;
  std::size_t channels_with_data = 0;
  for (const auto& ch : lc.cfg.channels()) {
    const std::string sid = ch.seed_id();
    const std::set<TimeNs> chunks = chunks_with_data(files, sid, win_begin, win_end, chunk);
    if (chunks.empty()) {
      if (mpi.root()) warn_no_data(files, ids_of_file, sid);
      continue;
    }
    ++channels_with_data;
    for (TimeNs c : chunks) {
      std::vector<std::string> inputs;
      std::vector<std::string> paths;
      for (const FileInfo* f : files_touching(files, sid, c - kChunkPad, c + chunk + kChunkPad)) {
        inputs.push_back(f->path + " " + f->hash);
        paths.push_back(f->path);
      }
      UnitJob job;
      job.name = sid + "/" + day_tag(c);
      job.output = store.unit_path("preprocess", sid, day_tag(c));
      job.inputs_hash = combine_hashes(inputs);
      job.params_hash = params_hash;
      const Provenance prov{"preprocess", job.name, lc.cfg.hash(), params_hash, job.inputs_hash, inputs};
      const TimeNs chunk_begin = std::max(c, win_begin), chunk_end = std::min(c + chunk, win_end);
      job.run = [&lc, &store, &read_resolved, sid, paths, prov, chunk_begin, chunk_end,
                 output = job.output]() {
        std::vector<pre::Trace> traces;
        double inclination = std::numeric_limits<double>::quiet_NaN();
        for (const auto& p : paths)
          for (auto& tr : read_resolved(p, sid, chunk_begin - kChunkPad, chunk_end + kChunkPad))
            if (tr.seed_id == sid) {
              if (!std::isfinite(inclination)) inclination = tr.inclination_deg;
              traces.push_back(std::move(tr));
            }
        pre::Continuous raw =
            pre::merge_traces(traces, chunk_begin - kChunkPad, chunk_end + kChunkPad);
        // Each buffer goes as soon as the next step has what it needs: the
        // filters' work and the output image then reuse the memory (fewer
        // fresh pages for the kernel to zero, a lower peak).
        std::vector<pre::Trace>().swap(traces);
        const std::uint64_t seed = lc.cfg.run().seed ^ std::stoull(hash_hex(sid), nullptr, 16);
        pre::Continuous out = pre::preprocess(raw, lc.pre, seed);
        const std::vector<std::string> warnings = std::move(raw.warnings);
        raw = pre::Continuous();
        ChannelWaveform w = trim_waveform(out, chunk_begin, chunk_end);
        out = pre::Continuous();
        w.inclination_deg = inclination;
        {
          const std::lock_guard<std::mutex> lock(hdf5_mutex());  // units may run on several threads
          store.write_h5(output, prov, [&](h5::File& f) { runstore::write_waveform_unit(f, w); });
        }
        return fmt::format("{} samples, {} valid, {} Hz{}", w.samples.size(), w.valid_count(),
                           w.sampling_rate, warnings.empty() ? "" : "; " + join_warnings(warnings));
      };
      jobs.push_back(std::move(job));
    }
  }

  // Units run side by side on the threads (each unit's filters then on one
  // thread): a channel's filter recursion is sequential, so a unit alone
  // left the second core idle. Outputs are the same bytes.
  const UnitSummary s =
      run_units(mpi, store, "preprocess", jobs, o.force, channel_ids(lc), omp_get_max_threads());
  if (mpi.root()) {
    std::int64_t samples = 0;
    for (const auto& r : s.records)
      if (r.state == "done") samples += std::atoll(r.note.c_str());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    spdlog::info(
        "preprocess done: {} channels, {} units ({} computed, {} up to date), {} output samples, "
        "{:.1f} s, {:.2f} M output samples/s over {} rank(s); skipped files: {}",
        channels_with_data, jobs.size(), s.ran, s.reused, samples, secs,
        secs > 0 ? static_cast<double>(samples) / secs / 1e6 : 0.0, mpi.size(), skipped.size());
  }
  return 0;
}

}  // namespace qp::app
