// quakeprint status: for every stage of the registry and each of its units,
// done / failed / stale / pending, read from the stage plans (what each
// stage set out to write) and checked against the run store and the config
// now; failures from the manifests; plus the Slurm jobs of the last `submit`.
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "app/loaded_config.hpp"
#include "app/slurm_settings.hpp"
#include "app/stage_registry.hpp"
#include "pipeline/run_store.hpp"
#include "pipeline/stage_plan.hpp"

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

// The job's log: <stage>-<id>.out, or the first task's of an array job
// (<stage>-<id>_<task>.out).
std::string job_log(const RunStore& store, const std::string& stage, const std::string& id) {
  const fs::path dir = store.dir() / "slurm" / "logs";
  if (fs::exists(dir / (stage + "-" + id + ".out"))) return store.relative(dir / (stage + "-" + id + ".out"));
  std::error_code ec;
  std::vector<fs::path> tasks;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.path().filename().string().rfind(stage + "-" + id + "_", 0) == 0) tasks.push_back(e.path());
  std::sort(tasks.begin(), tasks.end());
  return tasks.empty() ? "" : store.relative(tasks.front());
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
    jobs[stage] = {id, job_state(id), job_log(store, stage, id)};
  }
  return jobs;
}

fs::file_time_type mtime(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  return ec ? fs::file_time_type::min() : t;
}

struct StageReport {
  std::string name;
  std::vector<UnitState> rows;  // UnitState.state may also be "failed"
};

// A stage with plans: each planned unit's state; a pending unit whose last
// run failed (the manifest says so) is "failed", with the cause.
StageReport plan_report(const StageInfo& s, const LoadedConfig& lc, const RunStore& store) {
  StageReport rep{s.name, {}};
  for (const auto& plan_name : s.plans) {
    const StagePlan plan = read_plan(store, plan_name);
    if (!plan.exists) {
      rep.rows.push_back({plan_name == s.name ? "*" : plan_name + ": *", "pending",
                          "not run yet (no manifest/" + plan_name + ".plan)"});
      continue;
    }
    std::map<std::string, UnitRecord> last;
    for (auto& r : store.read_manifest(plan_name)) last[r.unit] = r;
    for (auto& row : plan_unit_states(store, plan_name, plan, stage_channels(s, lc.cfg), stage_params_hash(s, lc.cfg))) {
      const auto r = last.find(row.unit);
      if (row.state == "pending" && r != last.end() && r->second.state == "failed") {
        row.state = "failed";
        row.why = r->second.note;
      } else if (row.state == "done" && r != last.end() && r->second.state == "reused") {
        row.why = "reused in the last run";
      }
      rep.rows.push_back(row);
    }
  }
  return rep;
}

// export writes plain files: done when the catalog is newer than its input.
StageReport export_report(const RunStore& store) {
  StageReport rep{"export", {}};
  const fs::path out = store.dir() / "catalog" / "catalog.csv";
  const fs::path in = store.stage_dir("associate") / "network.h5";
  if (!fs::exists(out)) rep.rows.push_back({"catalog", "pending", "no catalog/catalog.csv yet"});
  else if (fs::exists(in) && mtime(in) > mtime(out))
    rep.rows.push_back({"catalog", "stale", "associate/network.h5 is newer than the catalog"});
  else rep.rows.push_back({"catalog", "done", "catalog/catalog.csv"});
  return rep;
}

// Prints one stage; returns whether it has work left.
bool print_report(StageReport& rep, bool upstream_open, const std::map<std::string, JobInfo>& jobs) {
  const UnitListing listing = stage_info(rep.name).listing;
  std::map<std::string, int> n;
  for (auto& r : rep.rows) {
    // The network-wide stages read everything upstream: stale while any of it is open.
    if (upstream_open && r.state == "done" && listing != UnitListing::kChannels) {
      r.state = "stale";
      r.why = "an earlier stage has work left";
    }
    ++n[r.state];
  }
  std::cout << "\n" << rep.name << ": " << n["done"] << " done, " << n["failed"] << " failed, " << n["stale"]
            << " stale, " << n["pending"] << " pending";
  const auto j = jobs.find(rep.name);
  if (j != jobs.end()) std::cout << "   [slurm job " << j->second.id << ": " << j->second.state << "]";
  std::cout << "\n";
  for (const auto& r : rep.rows) {
    std::cout << "  " << r.state << std::string(r.state.size() < 8 ? 8 - r.state.size() : 1, ' ') << r.unit;
    if (!r.why.empty()) std::cout << "  (" << r.why << ")";
    if (r.state == "failed")
      std::cout << "  log: "
                << (j != jobs.end() && !j->second.log.empty() ? j->second.log : "the stage's standard error");
    std::cout << "\n";
  }
  return n["failed"] || n["stale"] || n["pending"];
}

}  // namespace

int cmd_status(const CommonOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  if (!mpi.root()) return 0;
  const RunStore store(lc.cfg);
  std::cout << "run directory: " << store.dir().string() << "\nstages: " << stage_chain(lc) << "\n";
  if (!fs::exists(store.dir())) {
    std::cout << "nothing has run yet: every stage is pending ('quakeprint run' or 'quakeprint submit')\n";
    return 0;
  }
  const auto jobs = read_jobs(store);
  bool upstream_open = false;
  for (const StageInfo* s : pipeline_stages(lc)) {
    StageReport rep = s->listing == UnitListing::kNone ? export_report(store) : plan_report(*s, lc, store);
    upstream_open = print_report(rep, upstream_open, jobs) || upstream_open;
  }
  return 0;
}

}  // namespace qp::app
