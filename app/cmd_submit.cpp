// quakeprint submit: the five stages as sbatch jobs chained with afterok.
//
// One MPI job per stage (the program divides a stage's units among its
// ranks), rendered from slurm/stage.sbatch into <run>/slurm/<stage>.sbatch,
// submitted in order with --dependency=afterok:<previous> and
// --kill-on-invalid-dep=yes; the job ids go to <run>/slurm/jobs.tsv.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/loaded_config.hpp"
#include "app/slurm_settings.hpp"
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

}  // namespace

int cmd_submit(const SubmitOptions& o, MpiContext& mpi) {
  LoadedConfig lc = load_config(o.config);
  if (!mpi.root()) return 0;
  const SlurmSettings ss = read_slurm_settings(lc.cfg);
  const RunStore store(lc.cfg);
  const fs::path config = fs::absolute(o.config).lexically_normal();
  const fs::path slurm_dir = store.dir() / "slurm";
  const fs::path log_dir = slurm_dir / "logs";
  const fs::path jobs_tsv = slurm_dir / "jobs.tsv";
  const fs::path tmpl_dir = find_slurm_templates(ss.templates);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("cannot find the quakeprint executable (/proc/self/exe)");
  const std::string run_name =
      lc.cfg.run().name.empty() ? store.dir().filename().string() : lc.cfg.run().name;

  std::vector<StageScript> scripts;
  for (std::size_t i = 0; i < slurm_stages().size(); ++i) {
    const std::string& st = slurm_stages()[i];
    const SlurmJobSettings& j = ss.stage(st);
    const fs::path own = tmpl_dir / (st + ".sbatch");
    const std::string tmpl = read_text(fs::exists(own) ? own : tmpl_dir / "stage.sbatch");
    std::string setup;
    for (const auto& l : j.setup) setup += (setup.empty() ? "" : "\n") + l;
    const bool requeue = j.requeue_signal_lead > 0;
    const std::string text = render_template(
        tmpl, {{"STAGE", st},
               {"RUN_NAME", run_name},
               {"JOB_NAME", "qp-" + st + "-" + run_name},
               {"LOG_DIR", log_dir.string()},
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
               {"QUAKEPRINT", shell_quote(exe.string())},
               {"CONFIG", shell_quote(config.string())},
               {"CONFIG_TEXT", config.string()},
               {"JOBS_TSV", shell_quote(jobs_tsv.string())}});
    scripts.push_back({st, slurm_dir / (st + ".sbatch"), text});
  }

  if (o.dry_run) {
    for (const auto& s : scripts)
      std::cout << "#### " << s.path.string() << "\n" << s.text << "\n";
    std::cout << "#### dependency graph (submitted in this order; nothing was submitted)\n";
    for (std::size_t i = 0; i < scripts.size(); ++i) {
      const SlurmJobSettings& j = ss.stage(scripts[i].stage);
      std::cout << "sbatch --parsable "
                << (i ? sbatch_options("<" + scripts[i - 1].stage + ">") + " " : std::string())
                << scripts[i].path.string() << "   # " << scripts[i].stage << ": " << j.ntasks
                << " task(s) x " << j.cpus_per_task << " cpu(s)"
                << (j.time.empty() ? "" : ", time " + j.time) << "\n";
    }
    std::cout << "preprocess -> fingerprint -> search -> associate -> export\n";
    return 0;
  }

  // The cluster must answer; otherwise point at the local alternative.
  std::string out;
  if (run_capture("command -v sbatch", out) != 0)
    throw Error("sbatch is not installed (no Slurm here); run the stages locally with "
                "'quakeprint run " + o.config.string() + "' (under mpirun for several ranks)");
  if (run_capture("scontrol ping", out) != 0 || out.find("UP") == std::string::npos)
    throw Error("the Slurm controller does not answer ('scontrol ping': " + trim(out.substr(0, out.find('\n'))) +
                "); run the stages locally with 'quakeprint run " + o.config.string() + "'");
  const int max_array = ss.max_array_size > 0 ? ss.max_array_size : query_max_array_size();
  (void)max_array;  // one MPI job per stage: no job arrays to split

  fs::create_directories(log_dir);
  for (const auto& s : scripts) write_file_atomically(s.path, s.text);
  std::string tsv = "stage\tjob_id\tscript\tsubmitted\tdependency\n";
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
                  "; run the stages locally with 'quakeprint run " + o.config.string() + "'");
    }
    std::string id = trim(out);
    id = id.substr(id.rfind('\n') == std::string::npos ? 0 : id.rfind('\n') + 1);  // warnings first
    id = id.substr(0, id.find(';'));                                                // "id;cluster"
    ids.push_back(id);
    tsv += s.stage + "\t" + id + "\t" + store.relative(s.path) + "\t" + now_utc() + "\t" +
           (dep.empty() ? "-" : "afterok:" + dep) + "\n";
    write_file_atomically(jobs_tsv, tsv);  // each step, so a failing stage finds its dependants
    std::cout << "submitted " << s.stage << " as job " << id
              << (dep.empty() ? "" : " (after " + dep + ")") << "\n";
  }
  std::cout << "job ids: " << jobs_tsv.string() << "\nlogs: " << log_dir.string()
            << "\nprogress: quakeprint status " << o.config.string() << "\n";
  return 0;
}

}  // namespace qp::app
