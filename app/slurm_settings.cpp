#include "app/slurm_settings.hpp"

#include "app/stage_registry.hpp"

#include <cstdio>
#include <cstdlib>
#include <regex>

namespace qp::app {

const std::vector<std::string>& slurm_stages() {
  static const std::vector<std::string> s = [] {
    std::vector<std::string> names;
    for (const auto& st : all_stages()) names.push_back(st.name);
    return names;
  }();
  return s;
}

long parse_slurm_time(const std::string& s) {
  static const std::regex hms(R"(^(\d+):([0-5]\d):([0-5]\d)$)");
  static const std::regex dhms(R"(^(\d+)-(\d{1,2}):([0-5]\d):([0-5]\d)$)");
  std::smatch m;
  if (std::regex_match(s, m, hms))
    return std::stol(m[1]) * 3600 + std::stol(m[2]) * 60 + std::stol(m[3]);
  if (std::regex_match(s, m, dhms)) {
    if (std::stol(m[2]) > 23) return -1;
    return std::stol(m[1]) * 86400 + std::stol(m[2]) * 3600 + std::stol(m[3]) * 60 + std::stol(m[4]);
  }
  return -1;
}

namespace {

// Reads one job-settings table; `def` gives the defaults (the [slurm] values
// for a [slurm.<stage>] table).
SlurmJobSettings read_job(ConfigSection& s, const SlurmJobSettings& def) {
  SlurmJobSettings j;
  j.partition = s.get_string("partition", def.partition);
  j.account = s.get_string("account", def.account);
  j.time = s.get_string("time", def.time);
  if (!j.time.empty() && parse_slurm_time(j.time) <= 0)
    s.fail("time", "must be a Slurm time limit \"HH:MM:SS\" or \"D-HH:MM:SS\" (got \"" + j.time + "\")");
  j.nodes = static_cast<int>(s.get_int("nodes", def.nodes, 1, 100000));
  j.ntasks = static_cast<int>(s.get_int("ntasks", def.ntasks, 1, 10000000));
  j.cpus_per_task = static_cast<int>(s.get_int("cpus_per_task", def.cpus_per_task, 1, 4096));
  j.mem = s.get_string("mem", def.mem);
  if (!j.mem.empty() && !std::regex_match(j.mem, std::regex(R"(^\d+[KMGT]?$)")))
    s.fail("mem", "must be a Slurm memory size such as \"4G\" or \"500M\" (got \"" + j.mem + "\")");
  j.launcher = s.get_string("launcher", def.launcher);
  if (j.launcher.find_first_not_of(" \t") == std::string::npos)
    s.fail("launcher", "must not be empty (\"srun --mpi=pmix\", \"mpirun\", ...)");
  j.requeue_signal_lead = static_cast<int>(s.get_int("requeue_signal_lead", def.requeue_signal_lead, 0, 65535));
  j.max_requeues = static_cast<int>(s.get_int("max_requeues", def.max_requeues, 0, 1000));
  j.setup = s.get_strings("setup", def.setup);
  j.array_tasks = static_cast<int>(s.get_int("array_tasks", def.array_tasks, 0, 100000000));
  if (!j.time.empty() && j.requeue_signal_lead > 0 &&
      j.requeue_signal_lead >= parse_slurm_time(j.time))
    s.fail(s.has("requeue_signal_lead") ? "requeue_signal_lead" : "time",
           "the requeue signal lead (" + std::to_string(j.requeue_signal_lead) +
               " s) must be shorter than the time limit " + j.time);
  if (j.nodes > j.ntasks) s.fail("nodes", "is larger than ntasks (" + std::to_string(j.ntasks) + ")");
  return j;
}

}  // namespace

SlurmSettings read_slurm_settings(Config& cfg) {
  SlurmSettings out;
  ConfigSection& top = cfg.section("slurm");
  out.defaults = read_job(top, SlurmJobSettings{});
  out.max_array_size = static_cast<int>(top.get_int("max_array_size", 0, 0, 100000000));
  const std::string t = top.get_string("templates", "");
  if (!t.empty()) out.templates = std::filesystem::absolute(cfg.base_dir() / t).lexically_normal();
  for (const auto& info : all_stages()) {
    const std::string& st = info.name;
    top.mark_read(st);
    // [slurm] array_tasks applies to the stages whose units are independent.
    SlurmJobSettings def = out.defaults;
    if (!info.unit_parallel) def.array_tasks = 0;
    if (top.has(st)) {
      ConfigSection& sec = cfg.section("slurm." + st);
      out.stages[st] = read_job(sec, def);
      if (!info.unit_parallel && out.stages[st].array_tasks > 0)
        sec.fail("array_tasks", "stage " + st + " is one job (its units are not independent); job arrays "
                                "are for preprocess, fingerprint and match");
    } else {
      out.stages[st] = def;
    }
  }
  return out;
}

int query_max_array_size() {
  FILE* p = ::popen("scontrol show config 2>/dev/null", "r");
  if (!p) return 1000;
  char buf[512];
  int value = 0;
  static const std::regex re(R"(^\s*MaxArraySize\s*=\s*(\d+))");
  while (std::fgets(buf, sizeof buf, p)) {
    std::cmatch m;
    if (std::regex_search(buf, m, re)) value = std::atoi(m[1].str().c_str());
  }
  const int rc = ::pclose(p);
  return (rc == 0 && value > 0) ? value : 1000;
}

}  // namespace qp::app
