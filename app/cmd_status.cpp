// quakeprint status: for every stage and unit, done / failed / stale /
// pending, from the manifests and the run store, compared with what the
// config asks for now; plus the Slurm jobs of the last `submit`.
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "app/loaded_config.hpp"
#include "app/slurm_settings.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/run_store.hpp"

namespace qp::app {
namespace fs = std::filesystem;

namespace {

struct JobInfo {
  std::string id, state, log;
};

std::string capture(const std::string& cmd, int& rc) {
  std::string out;
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) {
    rc = -1;
    return out;
  }
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  rc = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string field(const std::string& text, const std::string& key) {
  const auto p = text.find(key + "=");
  if (p == std::string::npos) return "";
  const auto b = p + key.size() + 1;
  return text.substr(b, text.find_first_of(" \n", b) - b);
}

// Slurm's view of a job: squeue while it is known there, then scontrol.
std::string job_state(const std::string& id) {
  int rc = 0;
  std::string q = capture("squeue -h -j " + id + " -o '%T %r'", rc);
  if (rc == 0 && !q.empty()) {
    if (q.size() > 7 && q.substr(q.size() - 7) == " (null)") q.resize(q.size() - 7);
    if (q.size() > 5 && q.substr(q.size() - 5) == " None") q.resize(q.size() - 5);
    return q;
  }
  const std::string s = capture("scontrol show job " + id, rc);
  if (rc == 0 && !s.empty()) {
    std::string st = field(s, "JobState"), reason = field(s, "Reason"), ec = field(s, "ExitCode");
    std::string out = st;
    if (!ec.empty() && ec != "0:0") out += " exit " + ec;
    if (!reason.empty() && reason != "None") out += " (" + reason + ")";
    return out;
  }
  return "unknown to the controller now (finished long ago, or Slurm is down)";
}

std::map<std::string, JobInfo> read_jobs(const RunStore& store) {
  std::map<std::string, JobInfo> jobs;
  std::ifstream f(store.dir() / "slurm" / "jobs.tsv");
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    std::string stage, id;
    std::getline(ls, stage, '\t');
    std::getline(ls, id, '\t');
    if (stage == "stage" || id.empty()) continue;
    const fs::path log = store.dir() / "slurm" / "logs" / (stage + "-" + id + ".out");
    jobs[stage] = {id, job_state(id), fs::exists(log) ? store.relative(log) : ""};
  }
  return jobs;
}

fs::file_time_type mtime(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  return ec ? fs::file_time_type::min() : t;
}

struct Row {
  std::string state, unit, why;
};

struct StageReport {
  std::string name;
  std::vector<Row> rows;
};

// Unit-level stages: records from the manifest, checked against the config.
StageReport units_report(const std::string& stage, const std::vector<std::string>& manifests,
                         const RunStore& store, const std::string& expected_params,
                         const std::string& params_what, const std::set<std::string>& channels,
                         bool unit_is_channel, const std::function<fs::path(const UnitRecord&)>& upstream) {
  StageReport rep{stage, {}};
  std::set<std::string> seen;
  for (const auto& m : manifests)
    for (const auto& r : store.read_manifest(m)) {
      const std::string sid = r.unit.substr(0, r.unit.find('/'));
      seen.insert(sid);
      const fs::path out = store.dir() / r.output;
      if (!channels.count(sid)) {
        rep.rows.push_back({"ignored", r.unit, "channel no longer in the config"});
      } else if (r.state == "failed") {
        rep.rows.push_back({"failed", r.unit, r.note});
      } else if (r.state == "skipped" || r.state == "empty") {
        rep.rows.push_back({"done", r.unit, r.state + (r.note.empty() ? "" : ": " + r.note)});
      } else if (!fs::exists(out)) {
        rep.rows.push_back({"pending", r.unit, "output " + r.output + " is missing"});
      } else if (r.params_hash != expected_params) {
        rep.rows.push_back({"stale", r.unit, params_what + " changed since it was computed"});
      } else {
        const fs::path up = upstream ? upstream(r) : fs::path();
        if (!up.empty() && mtime(up) > mtime(out))
          rep.rows.push_back({"stale", r.unit, "input " + store.relative(up) +
                                                   " is newer than the output (the rerun compares hashes)"});
        else
          rep.rows.push_back({"done", r.unit, r.state == "reused" ? "reused in the last run" : ""});
      }
    }
  for (const auto& sid : channels)
    if (!seen.count(sid))
      rep.rows.push_back({"pending", unit_is_channel ? sid : sid + "/*", "no output yet (new channel or stage not run)"});
  return rep;
}

// Newest regular file under a folder (empty path if none).
fs::path newest_in(const fs::path& dir, const std::string& prefix = "") {
  fs::path best;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return best;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (!e.is_regular_file() || e.path().extension() != ".h5") continue;
    if (!prefix.empty() && e.path().filename().string().rfind(prefix, 0) != 0 &&
        e.path().parent_path().filename().string() != prefix)
      continue;
    if (best.empty() || mtime(e.path()) > mtime(best)) best = e.path();
  }
  return best;
}

}  // namespace

int cmd_status(const CommonOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  if (!mpi.root()) return 0;
  const RunStore store(lc.cfg);
  std::cout << "run directory: " << store.dir().string() << "\n";
  if (!fs::exists(store.dir())) {
    std::cout << "nothing has run yet: every stage is pending ('quakeprint run' or 'quakeprint submit')\n";
    return 0;
  }
  std::set<std::string> channels;
  for (const auto& c : lc.cfg.channels()) channels.insert(c.seed_id());
  const std::string pre_h = lc.preprocess_hash(), fp_h = lc.fingerprint_hash(),
                    se_h = lc.search_hash(), as_h = lc.associate_hash();

  std::vector<StageReport> reps;
  reps.push_back(units_report("preprocess", {"preprocess"}, store, pre_h, "[preprocess]", channels, false,
                              nullptr));
  reps.push_back(units_report("fingerprint", {"fingerprint-mad", "fingerprint"}, store, fp_h,
                              "[preprocess] or [fingerprint]", channels, false,
                              [&](const UnitRecord& r) -> fs::path {
                                const auto slash = r.unit.find('/');
                                const std::string tag = r.unit.substr(slash + 1);
                                if (tag == "mad") return newest_in(store.stage_dir("preprocess") / r.unit.substr(0, slash));
                                return store.unit_path("preprocess", r.unit.substr(0, slash), tag);
                              }));
  reps.push_back(units_report("search", {"search"}, store, se_h, "[preprocess], [fingerprint] or [search]",
                              channels, true, [&](const UnitRecord& r) -> fs::path {
                                return newest_in(store.stage_dir("fingerprint") / r.unit);
                              }));
  // associate: one unit, the network.
  {
    StageReport rep{"associate", {}};
    const fs::path out = store.stage_dir("associate") / "network.h5";
    if (!fs::exists(out)) {
      rep.rows.push_back({"pending", "network", "no associate/network.h5 yet"});
    } else {
      std::string params;
      try {
        params = h5::File::open_read(out).attr_string("params_hash");
      } catch (const std::exception& e) {
        params = "";
      }
      const fs::path up = newest_in(store.stage_dir("search"));
      if (params != as_h)
        rep.rows.push_back({"stale", "network", "parameters ([associate] or upstream) changed since it was computed"});
      else if (!up.empty() && mtime(up) > mtime(out))
        rep.rows.push_back({"stale", "network", "input " + store.relative(up) + " is newer than the output"});
      else
        rep.rows.push_back({"done", "network", ""});
    }
    reps.push_back(rep);
  }
  {
    StageReport rep{"export", {}};
    const fs::path out = store.dir() / "catalog" / "catalog.csv";
    const fs::path in = store.stage_dir("associate") / "network.h5";
    if (!fs::exists(out)) rep.rows.push_back({"pending", "catalog", "no catalog/catalog.csv yet"});
    else if (fs::exists(in) && mtime(in) > mtime(out))
      rep.rows.push_back({"stale", "catalog", "associate/network.h5 is newer than the catalog"});
    else rep.rows.push_back({"done", "catalog", "catalog/catalog.csv"});
    reps.push_back(rep);
  }

  const auto jobs = read_jobs(store);
  // The network stages are stale while any earlier unit has work left.
  bool upstream_open = false;
  for (auto& rep : reps) {
    std::map<std::string, int> n;
    for (auto& r : rep.rows) {
      if (upstream_open && r.state == "done" && (rep.name == "associate" || rep.name == "export")) {
        r.state = "stale";
        r.why = "an earlier stage has work left";
      }
      ++n[r.state];
    }
    std::cout << "\n" << rep.name << ": " << n["done"] << " done, " << n["failed"] << " failed, "
              << n["stale"] << " stale, " << n["pending"] << " pending";
    if (n["ignored"]) std::cout << ", " << n["ignored"] << " ignored";
    const auto j = jobs.find(rep.name);
    if (j != jobs.end()) std::cout << "   [slurm job " << j->second.id << ": " << j->second.state << "]";
    std::cout << "\n";
    for (const auto& r : rep.rows) {
      std::cout << "  " << r.state << std::string(r.state.size() < 8 ? 8 - r.state.size() : 1, ' ')
                << r.unit;
      if (!r.why.empty()) std::cout << "  (" << r.why << ")";
      if (r.state == "failed")
        std::cout << "  log: "
                  << (j != jobs.end() && !j->second.log.empty() ? j->second.log
                                                                : "the stage's standard error");
      std::cout << "\n";
    }
    upstream_open = upstream_open || n["failed"] || n["stale"] || n["pending"];
  }
  return 0;
}

}  // namespace qp::app
