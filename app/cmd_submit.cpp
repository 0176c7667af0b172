// quakeprint submit: the registry's stages as sbatch jobs chained with afterok.
//
// One MPI job per stage (the program divides a stage's units among its
// ranks), or for preprocess, fingerprint and match with [slurm] array_tasks
// one job array whose tasks each take every N-th unit; rendered from
// slurm/stage.sbatch into <run>/slurm/<stage>.sbatch, submitted in order
// with --dependency=afterok:<previous> (an array: all of its tasks) and
// --kill-on-invalid-dep=yes; the job ids go to <run>/slurm/jobs.tsv. Each
// stage checks through the plans that its upstream is complete.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/loaded_config.hpp"
#include "app/slurm_settings.hpp"
#include "app/stage_registry.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/run_store.hpp"

namespace qp::app {
namespace fs = std::filesystem;

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_-./=:+,@%") == std::string::npos)
    return s;
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string render_template(const std::string& tmpl,
                            const std::vector<std::pair<std::string, std::string>>& values) {
  std::istringstream in(tmpl);
  std::string line, out;
  while (std::getline(in, line)) {
    bool had = false, all_empty = true;
    std::string res;
    std::size_t pos = 0;
    while (true) {
      const auto b = line.find("{{", pos);
      if (b == std::string::npos) break;
      const auto e = line.find("}}", b);
      if (e == std::string::npos) break;
      const std::string key = line.substr(b + 2, e - b - 2);
      bool known = false;
      std::string val;
      for (const auto& kv : values)
        if (kv.first == key) {
          known = true;
          val = kv.second;
        }
      if (!known) throw Error("sbatch template: unknown placeholder {{" + key + "}}");
      had = true;
      all_empty = all_empty && val.empty();
      res += line.substr(pos, b - pos) + val;
      pos = e + 2;
    }
    res += line.substr(pos);
    if (had && all_empty) continue;
    out += res + "\n";
  }
  return out;
}

fs::path find_slurm_templates(const fs::path& configured) {
  std::vector<fs::path> tried;
  auto ok = [&](const fs::path& d) {
    tried.push_back(d);
    std::error_code ec;
    return fs::is_regular_file(d / "stage.sbatch", ec);
  };
  if (!configured.empty()) {
    if (ok(configured)) return configured;
    throw ConfigError("slurm.templates", "folder " + configured.string() + " has no stage.sbatch");
  }
  if (const char* env = std::getenv("QUAKEPRINT_SLURM_TEMPLATES"))
    if (*env && ok(env)) return fs::path(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path bin = exe.parent_path();
    for (const fs::path& d : {bin / ".." / "share" / "quakeprint" / "slurm", bin / ".." / ".." / "slurm"})
      if (ok(d)) return fs::weakly_canonical(d);
  }
  std::string list;
  for (const auto& t : tried) list += " " + t.string();
  throw ConfigError("slurm.templates", "no sbatch template folder (stage.sbatch) found; tried:" + list +
                                           ". Set [slurm] templates or QUAKEPRINT_SLURM_TEMPLATES "
                                           "to the repository's slurm/ folder");
}

namespace {

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw InputError(p.string(), "cannot read");
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a shell command; returns its exit status, output in `out` (stdout and stderr).
int run_capture(const std::string& cmd, std::string& out) {
  out.clear();
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return -1;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int st = ::pclose(p);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

std::string sbatch_options(const std::string& dep) {
  return dep.empty() ? "" : "--dependency=afterok:" + dep + " --kill-on-invalid-dep=yes";
}

struct SubmitContext {
  fs::path config, slurm_dir, log_dir, jobs_tsv, tmpl_dir, exe;
  std::string run_name;
};

// The stage's sbatch script; `max_array` caps its array (0: no cap known).
StageScript render_stage(const std::string& st, const SlurmJobSettings& j, const SubmitContext& c, int max_array) {
  const fs::path own = c.tmpl_dir / (st + ".sbatch");
  const std::string tmpl = read_text(fs::exists(own) ? own : c.tmpl_dir / "stage.sbatch");
  std::string setup;
  for (const auto& l : j.setup) setup += (setup.empty() ? "" : "\n") + l;
  const bool requeue = j.requeue_signal_lead > 0;
  const int tasks = max_array > 0 ? std::min(j.array_tasks, max_array) : j.array_tasks;
  const std::string text = render_template(
      tmpl, {{"STAGE", st},
             {"RUN_NAME", c.run_name},
             {"JOB_NAME", "qp-" + st + "-" + c.run_name},
             {"LOG_DIR", c.log_dir.string()},
             {"LOG_ID", tasks > 0 ? "%A_%a" : "%j"},
             {"ARRAY", tasks > 0 ? "0-" + std::to_string(tasks - 1) : ""},
             {"TASK_ARGS", tasks > 0 ? " --task-index \"$SLURM_ARRAY_TASK_ID\" --task-count " + std::to_string(tasks) : ""},
             {"NODES", std::to_string(j.nodes)},
             {"NTASKS", std::to_string(j.ntasks)},
             {"CPUS_PER_TASK", std::to_string(j.cpus_per_task)},
             {"PARTITION", j.partition},
             {"ACCOUNT", j.account},
             {"TIME", j.time},
             {"MEM", j.mem},
             {"SIGNAL_LEAD", requeue ? std::to_string(j.requeue_signal_lead) : ""},
             {"REQUEUE_FLAG", requeue ? "--requeue" : ""},
             {"MAX_REQUEUES", std::to_string(j.max_requeues)},
             {"SETUP", setup},
             {"LAUNCHER", j.launcher},
             {"QUAKEPRINT", shell_quote(c.exe.string())},
             {"CONFIG", shell_quote(c.config.string())},
             {"CONFIG_TEXT", c.config.string()},
             {"JOBS_TSV", shell_quote(c.jobs_tsv.string())}});
  return {st, c.slurm_dir / (st + ".sbatch"), text, tasks};
}

void print_dry_run(const std::vector<StageScript>& scripts, const SlurmSettings& ss, const std::string& chain) {
  for (const auto& s : scripts) std::cout << "#### " << s.path.string() << "\n" << s.text << "\n";
  std::cout << "#### dependency graph (submitted in this order; nothing was submitted)\n";
  for (std::size_t i = 0; i < scripts.size(); ++i) {
    const SlurmJobSettings& j = ss.stage(scripts[i].stage);
    std::cout << "sbatch --parsable "
              << (i ? sbatch_options("<" + scripts[i - 1].stage + ">") + " " : std::string())
              << scripts[i].path.string() << "   # " << scripts[i].stage << ": "
              << (scripts[i].array_tasks > 0 ? "array of " + std::to_string(scripts[i].array_tasks) + " x " : "")
              << j.ntasks << " task(s) x " << j.cpus_per_task << " cpu(s)"
              << (j.time.empty() ? "" : ", time " + j.time) << "\n";
  }
  std::cout << chain << "\n";
}

// The cluster must answer; otherwise point at the local alternative.
void check_cluster(const std::string& config) {
  std::string out;
  if (run_capture("command -v sbatch", out) != 0)
    throw Error("sbatch is not installed (no Slurm here); run the stages locally with "
                "'quakeprint run " + config + "' (under mpirun for several ranks)");
  if (run_capture("scontrol ping", out) != 0 || out.find("UP") == std::string::npos)
    throw Error("the Slurm controller does not answer ('scontrol ping': " + trim(out.substr(0, out.find('\n'))) +
                "); run the stages locally with 'quakeprint run " + config + "'");
}

// sbatch each script after the previous one; jobs.tsv grows with each.
void submit_chain(const std::vector<StageScript>& scripts, const SubmitContext& c, const RunStore& store,
                  const std::string& config) {
  fs::create_directories(c.log_dir);
  for (const auto& s : scripts) write_file_atomically(s.path, s.text);
  std::string tsv = "stage\tjob_id\tscript\tsubmitted\tdependency\n", out;
  std::vector<std::string> ids;
  for (const auto& s : scripts) {
    const std::string dep = ids.empty() ? "" : ids.back();
    const std::string cmd = "sbatch --parsable " + sbatch_options(dep) + " " + shell_quote(s.path.string());
    if (run_capture(cmd, out) != 0) {
      std::string cancelled;
      for (const auto& id : ids) cancelled += " " + id;
      if (!ids.empty()) run_capture("scancel" + cancelled, cancelled);
      throw Error("'" + cmd + "' failed: " + trim(out) +
                  (ids.empty() ? "" : " (cancelled the stages already submitted)") +
                  "; run the stages locally with 'quakeprint run " + config + "'");
    }
    std::string id = trim(out);
    id = id.substr(id.rfind('\n') == std::string::npos ? 0 : id.rfind('\n') + 1);  // warnings first
    id = id.substr(0, id.find(';'));                                                // "id;cluster"
    ids.push_back(id);
    tsv += s.stage + "\t" + id + "\t" + store.relative(s.path) + "\t" + now_utc() + "\t" +
           (dep.empty() ? "-" : "afterok:" + dep) + "\n";
    write_file_atomically(c.jobs_tsv, tsv);  // each step, so a failing stage finds its dependants
    std::cout << "submitted " << s.stage << " as " << (s.array_tasks > 0 ? "array job " : "job ") << id
              << (s.array_tasks > 0 ? " (" + std::to_string(s.array_tasks) + " tasks)" : "")
              << (dep.empty() ? "" : " (after " + dep + ")") << "\n";
  }
}

}  // namespace

int cmd_submit(const SubmitOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  if (!mpi.root()) return 0;
  const SlurmSettings ss = read_slurm_settings(lc.cfg);
  const RunStore store(lc.cfg);
  SubmitContext c;
  c.config = fs::absolute(o.config).lexically_normal();
  c.slurm_dir = store.dir() / "slurm";
  c.log_dir = c.slurm_dir / "logs";
  c.jobs_tsv = c.slurm_dir / "jobs.tsv";
  c.tmpl_dir = find_slurm_templates(ss.templates);
  std::error_code ec;
  c.exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the quakeprint executable (/proc/self/exe)");
  c.run_name = lc.cfg.run().name.empty() ? store.dir().filename().string() : lc.cfg.run().name;

  bool arrays = false;
  for (const StageInfo* s : pipeline_stages(lc)) arrays = arrays || ss.stage(s->name).array_tasks > 0;
  if (!o.dry_run) check_cluster(o.config.string());
  // A job array may not exceed the cluster's MaxArraySize (asked only when needed).
  const int max_array = ss.max_array_size > 0 ? ss.max_array_size
                        : (arrays && !o.dry_run) ? query_max_array_size() : 0;
  std::vector<StageScript> scripts;
  for (const StageInfo* s : pipeline_stages(lc))
    scripts.push_back(render_stage(s->name, ss.stage(s->name), c, max_array));
  if (o.dry_run) {
    print_dry_run(scripts, ss, stage_chain(lc));
    return 0;
  }
  // The run's identity before any job: array tasks starting together must
  // not each stamp their own creation time.
  store.ensure_run_manifest(lc.cfg.hash());
  submit_chain(scripts, c, store, o.config.string());
  std::cout << "job ids: " << c.jobs_tsv.string() << "\nlogs: " << c.log_dir.string()
            << "\nprogress: quakeprint status " << o.config.string() << "\n";
  return 0;
}

}  // namespace qp::app
