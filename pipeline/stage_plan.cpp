#include "pipeline/stage_plan.hpp"

#include <fstream>
#include <sstream>

#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"
#include "pipeline/text.hpp"
#include "pipeline/unit_format.hpp"

namespace qp {
namespace fs = std::filesystem;

namespace {

fs::path plan_path(const RunStore& store, const std::string& stage) {
  return store.dir() / "manifest" / (stage + ".plan");
}

std::string channel_of(const std::string& unit) { return unit.substr(0, unit.find('/')); }

}  // namespace

void write_plan(const RunStore& store, const std::string& stage, const std::vector<std::string>& channels,
                const std::vector<PlannedUnit>& units) {
  std::ostringstream ss;
  ss << "# quakeprint plan of stage " << stage
     << ": the units its last run set out to write (the next stage checks them)\n";
  for (const auto& c : channels) ss << "channel\t" << c << '\n';
  for (const auto& u : units)
    ss << "unit\t" << u.unit << '\t' << u.output << '\t' << u.inputs_hash << '\t' << u.params_hash << '\n';
  write_file_atomically(plan_path(store, stage), ss.str());
}

StagePlan read_plan(const RunStore& store, const std::string& stage) {
  StagePlan plan;
  const fs::path path = plan_path(store, stage);
  std::ifstream in(path);
  if (!in) return plan;
  plan.exists = true;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> f = split_fields(line, '\t');
    if (f[0] == "channel" && f.size() == 2) {
      plan.channels.insert(f[1]);
    } else if (f[0] == "unit" && f.size() == 5) {
      plan.units.push_back({f[1], f[2], f[3], f[4]});
    } else {
      throw InputError(path.string(), "not a plan line (edited by hand?)", "line " + std::to_string(n));
    }
  }
  return plan;
}

std::vector<UnitState> plan_unit_states(const RunStore& store, const std::string& stage, const StagePlan& plan,
                                        const std::vector<std::string>& channels, const std::string& expected_params) {
  std::vector<UnitState> out;
  if (!plan.exists) return out;
  const std::set<std::string> wanted(channels.begin(), channels.end());
  for (const auto& ch : channels)
    if (!plan.channels.count(ch)) out.push_back({ch + "/*", "pending", "never planned: a new channel, or the stage did not run for it", true});
  for (const auto& u : plan.units) {
    if (!wanted.empty() && !wanted.count(channel_of(u.unit))) continue;
    const fs::path file = store.dir() / u.output;
    std::error_code ec;
    if (!fs::is_regular_file(file, ec)) {
      out.push_back({u.unit, "pending", u.output + " is missing"});
      continue;
    }
    if (u.params_hash != expected_params) {
      out.push_back({u.unit, "stale", "[" + stage + "] or earlier parameters changed since it was planned"});
      continue;
    }
    std::string in_hash, par_hash;
    bool current_format = false;
    try {
      h5::File f = h5::File::open_read(file);
      in_hash = f.attr_string("inputs_hash");
      par_hash = f.attr_string("params_hash");
      current_format = has_current_format(f);
    } catch (const Error& e) {
      out.push_back({u.unit, "stale", u.output + " unreadable: " + e.what()});
      continue;
    }
    if (!current_format) {
      out.push_back({u.unit, "stale", u.output + " is of an older run-store format"});
      continue;
    }
    if (par_hash != u.params_hash || (!u.inputs_hash.empty() && in_hash != u.inputs_hash))
      out.push_back({u.unit, "stale", u.output + " was made from other inputs or parameters"});
    else
      out.push_back({u.unit, "done", ""});
  }
  return out;
}

Completeness check_complete(const RunStore& store, const std::string& stage,
                            const std::vector<std::string>& channels, const std::string& expected_params) {
  Completeness c;
  c.stage = stage;
  const StagePlan plan = read_plan(store, stage);
  c.planned = plan.exists;
  if (channels.empty()) return c;  // nothing asked for (plan_unit_states would take every unit)
  for (const auto& ch : channels)
    if (plan.exists && !plan.channels.count(ch)) c.not_run.push_back(ch);
  for (const auto& u : plan_unit_states(store, stage, plan, channels, expected_params)) {
    if (u.state == "done" || u.never_planned) continue;
    (u.state == "stale" ? c.stale : c.missing).push_back(u.unit + " (" + u.why + ")");
  }
  return c;
}

std::string Completeness::describe(const std::string& config_path, std::size_t max_lines) const {
  std::ostringstream ss;
  const std::string cmd = "quakeprint " + stage + " " + config_path;
  if (!planned) {
    ss << "stage '" << stage << "' has not run in this run directory (no manifest/" << stage << ".plan)";
  } else {
    ss << "stage '" << stage << "' is not complete: " << missing.size() << " unit(s) missing, "
       << stale.size() << " stale, " << not_run.size() << " channel(s) never processed";
    std::size_t shown = 0;
    auto list = [&](const char* label, const std::vector<std::string>& items) {
      for (const auto& i : items) {
        if (shown++ < max_lines) ss << "\n  " << label << ' ' << i;
      }
    };
    list("missing", missing);
    list("stale  ", stale);
    list("not run", not_run);
    if (shown > max_lines) ss << "\n  ... and " << (shown - max_lines) << " more";
  }
  ss << "\ncomplete it with: " << cmd << "   (or 'quakeprint run " << config_path
     << "' for every stage); --allow-partial goes on with what exists, on purpose";
  return ss.str();
}

}  // namespace qp
