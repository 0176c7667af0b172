// quakeprint report CONFIG [-o DIR]: an offline HTML report of a run. The
// command writes what only it knows (effective parameters, the LSH
// detection-probability curve, the stations with their vertical component and
// coordinates) next to the report, then runs the plotting script
// (scripts/report/quakeprint_report.py: matplotlib + h5py) on the run store.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "lsh/explain.hpp"
#include "app/loaded_config.hpp"
#include "app/stage_common.hpp"
#include "app/tools.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/log.hpp"
#include "postprocess/catalog/stations.hpp"

extern char** environ;

namespace qp::app {
namespace fs = std::filesystem;

namespace {

// The plotting script: QUAKEPRINT_REPORT_SCRIPT, else beside the binary's
// install prefix, else in the source tree the build folder sits in.
fs::path report_script() {
  std::vector<fs::path> tried;
  if (const char* env = std::getenv("QUAKEPRINT_REPORT_SCRIPT"); env && *env) tried.emplace_back(env);
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path bin = exe.parent_path();
    tried.push_back(bin / ".." / "share" / "quakeprint" / "report" / "quakeprint_report.py");
    tried.push_back(bin / ".." / ".." / "scripts" / "report" / "quakeprint_report.py");
  }
  std::string list;
  for (const auto& p : tried) {
    if (fs::is_regular_file(p, ec)) return fs::weakly_canonical(p);
    list += " " + p.string();
  }
  throw InputError("quakeprint_report.py", "the report script was not found; tried:" + list +
                                               " (set QUAKEPRINT_REPORT_SCRIPT)");
}

std::string python() {
  if (const char* env = std::getenv("QUAKEPRINT_PYTHON"); env && *env) return env;
  // Debian's interpreter has python3-matplotlib and python3-h5py; a python3
  // first on PATH (a virtualenv) often has neither.
  return fs::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
}

std::string stations_tsv(const LoadedConfig& lc, const RunStore& store) {
  std::optional<catalog::StationTable> coords;
  if (!lc.stations_file.empty() && fs::exists(lc.stations_file)) {
    const auto ext = lc.stations_file.extension().string();
    coords.emplace((ext == ".xml" || ext == ".stationxml")
                       ? catalog::read_station_xml(lc.stations_file.string())
                       : catalog::read_stations_csv(lc.stations_file.string()));
  }
  std::ostringstream s;
  s << "station_id\tlocation\tchannels\tvertical\tvertical_source\tlatitude\tlongitude\n";
  for (const auto& st : lc.cfg.stations()) {
    std::string chans;
    for (const auto& c : st.channels) chans += (chans.empty() ? "" : ";") + c;
    const VerticalChoice v = vertical_of(st, store);
    s << st.station_id() << '\t' << st.location << '\t' << chans << '\t' << v.channel << '\t'
      << to_string(v.source) << '\t';
    const catalog::StationCoords* c =
        coords ? coords->find(ChannelId{st.network, st.station, st.location, st.channels.front()}.seed_id())
               : nullptr;
    if (c) s << fmt::format("{:.6f}\t{:.6f}", c->latitude, c->longitude);
    else s << '\t';
    s << '\n';
  }
  return s.str();
}

int run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw InputError(args[0], std::string("cannot start: ") + std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

int cmd_report(const ReportOptions& o, MpiContext& mpi) {
  if (!mpi.root()) return 0;
  LoadedConfig lc = load_config(o.config);
  const RunStore store(lc.cfg);
  const fs::path run = lc.cfg.run().directory;
  if (!fs::exists(run / "catalog" / "catalog.csv"))
    throw InputError((run / "catalog" / "catalog.csv").string(),
                     "no catalog: run every stage first (quakeprint run CONFIG)");
  const fs::path out = o.out.empty() ? run / "report" : fs::absolute(o.out);
  const fs::path inputs = out / "data";
  fs::create_directories(inputs);

  write_file_atomically(inputs / "parameters.toml", lc.cfg.effective_text());
  std::ostringstream explain, curve;
  lsh::print_explain(explain, lc.search);
  write_file_atomically(inputs / "lsh_explain.txt", explain.str());
  curve << "jaccard\tprobability\n";
  for (int i = 0; i <= 100; ++i)
    curve << fmt::format("{:.2f}\t{:.6f}\n", i / 100.0, lsh::vote_probability(i / 100.0, lc.search));
  write_file_atomically(inputs / "lsh_curve.tsv", curve.str());
  write_file_atomically(inputs / "stations.tsv", stations_tsv(lc, store));

  std::vector<std::string> args = {python(), report_script().string(), "--run", run.string(),
                                   "--inputs", inputs.string(), "--out", out.string(),
                                   "--top-events", std::to_string(o.top_events),
                                   "--top-families", std::to_string(o.top_families)};
  const int rc = run_process(args);
  if (rc != 0)
    throw InputError(args[1], "the report script failed (exit " + std::to_string(rc) +
                                  "); it needs python3-matplotlib and python3-h5py (scripts/install-deps.sh)");
  return 0;
}

}  // namespace qp::app
