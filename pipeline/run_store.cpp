#include "pipeline/run_store.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>

#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/text.hpp"
#include "pipeline/unit_format.hpp"
#include "pipeline/version.hpp"

namespace qp {
namespace fs = std::filesystem;

std::string UnitRecord::to_line() const {
  std::ostringstream ss;
  ss << unit << '\t' << state << '\t' << inputs_hash << '\t' << params_hash << '\t' << rank << '\t'
     << seconds << '\t' << output << '\t' << note;
  return ss.str();
}

UnitRecord UnitRecord::from_line(const std::string& line) {
  std::vector<std::string> f = split_fields(line, '\t');
  f.resize(8);
  UnitRecord r;
  r.unit = f[0];
  r.state = f[1];
  r.inputs_hash = f[2];
  r.params_hash = f[3];
  r.rank = f[4].empty() ? 0 : std::stoi(f[4]);
  r.seconds = f[5].empty() ? 0 : std::stod(f[5]);
  r.output = f[6];
  r.note = f[7];
  return r;
}

std::string combine_hashes(const std::vector<std::string>& parts) {
  std::string all;
  for (const auto& p : parts) all += p + '\n';
  return hash_hex(all);
}

std::string day_tag(TimeNs t) { return format_iso8601(day_start(t), 0).substr(0, 10); }

RunStore::RunStore(const Config& cfg) : dir_(cfg.run().directory) {}

fs::path RunStore::unit_path(const std::string& stage, const std::string& seed_id,
                             const std::string& tag) const {
  return dir_ / stage / seed_id / (tag + ".h5");
}

std::string RunStore::relative(const fs::path& p) const {
  return fs::relative(p, dir_).generic_string();
}

std::string RunStore::run_created() const {
  std::ifstream in(dir_ / "manifest" / "run.toml");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("created = \"", 0) == 0) return line.substr(11, line.size() - 12);
  }
  return "";
}

std::string RunStore::ensure_run_manifest(const std::string& config_hash) const {
  std::string created = run_created();
  if (!created.empty()) return created;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const TimeNs t = std::chrono::duration_cast<std::chrono::seconds>(now).count() * kNsPerSecond;
  created = format_iso8601(t, 0);
  std::ostringstream ss;
  ss << "# quakeprint run manifest: the run's identity. Outputs carry 'created' as\n"
     << "# their timestamp, so reruns write identical files.\n"
     << "created = \"" << created << "\"\n"
     << "first_config_hash = \"" << config_hash << "\"\n"
     << "quakeprint_version = \"" << kVersion << "\"\n";
  write_file_atomically(dir_ / "manifest" / "run.toml", ss.str());
  return created;
}

void stamp_provenance(h5::Group& root, const Provenance& prov, const std::string& run_created) {
  root.set_attr("quakeprint_version", std::string(kVersion));
  root.set_attr("git_commit", std::string(kGitCommit));
  root.set_attr("stage", prov.stage);
  root.set_attr("unit", prov.unit);
  root.set_attr("config_hash", prov.config_hash);
  root.set_attr("params_hash", prov.params_hash);
  root.set_attr("inputs_hash", prov.inputs_hash);
  std::string inputs;
  for (const auto& i : prov.inputs) inputs += i + "\n";
  root.set_attr("inputs", inputs);
  root.set_attr("run_created", run_created);
}

void RunStore::write_h5(const fs::path& path, const Provenance& prov,
                        const std::function<void(h5::File&)>& fill) const {
  AtomicPath atomic(path);  // removes the temporary if anything below throws
  try {
    h5::File f = h5::File::create(atomic.temp());
    stamp_provenance(f, prov, run_created());
    fill(f);
    f.close();
  } catch (const StoreError& e) {
    throw StoreError(path.string() + ": not written: " + e.what());
  }
  atomic.commit();
}

bool RunStore::is_current(const fs::path& path, const std::string& inputs_hash,
                          const std::string& params_hash) const {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return false;
  try {
    h5::File f = h5::File::open_read(path);
    return f.attr_string("inputs_hash") == inputs_hash &&
           f.attr_string("params_hash") == params_hash && has_current_format(f);
  } catch (const Error&) {
    return false;
  }
}

std::vector<UnitRecord> RunStore::read_manifest(const std::string& stage) const {
  std::vector<UnitRecord> out;
  std::ifstream in(dir_ / "manifest" / (stage + ".tsv"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    out.push_back(UnitRecord::from_line(line));
  }
  return out;
}

std::vector<fs::path> RunStore::unit_files(const std::string& stage, const std::string& seed_id) const {
  std::vector<fs::path> out;
  const fs::path dir = stage_dir(stage) / seed_id;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string stem = e.path().stem().string();
    if (e.path().extension() != ".h5" || e.path().filename().string().find(".tmp.") != std::string::npos)
      continue;
    try {  // a unit is named after its chunk's first day
      if (stem.size() != 10 || day_tag(parse_iso8601(stem)) != stem) continue;
    } catch (const std::exception&) {
      continue;
    }
    out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

void RunStore::merge_manifest(const std::string& stage, const std::vector<UnitRecord>& records) const {
  std::vector<UnitRecord> keep = records;
  std::set<std::string> present;
  for (const auto& r : records) present.insert(r.unit);
  for (const auto& old : read_manifest(stage))
    if (!present.count(old.unit)) keep.push_back(old);
  write_manifest(stage, keep);
}

void RunStore::write_manifest(const std::string& stage, std::vector<UnitRecord> records) const {
  std::sort(records.begin(), records.end(),
            [](const UnitRecord& a, const UnitRecord& b) { return a.unit < b.unit; });
  std::ostringstream ss;
  ss << "# unit\tstate\tinputs_hash\tparams_hash\trank\tseconds\toutput\tnote\n";
  for (const auto& r : records) ss << r.to_line() << '\n';
  write_file_atomically(dir_ / "manifest" / (stage + ".tsv"), ss.str());
}

}  // namespace qp
