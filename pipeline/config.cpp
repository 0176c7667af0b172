#include "pipeline/config.hpp"

#include <glob.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <xxhash.h>

#include "pipeline/components.hpp"
#include "pipeline/error.hpp"

namespace qp {
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kKnownSections = {
    "run", "stations", "preprocess", "fingerprint", "search", "associate",
    "picking", "location", "match", "export", "slurm", "synth"};

int line_of(const toml::value& v) { return static_cast<int>(v.location().line()); }

std::string quote(const std::string& s) { return "\"" + s + "\""; }

// "# ..." lines of at most about 78 characters.
std::string comment_lines(const std::string& text) {
  std::string out, line = "#";
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(' ', pos);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(pos, end - pos);
    if (line.size() > 1 && line.size() + 1 + word.size() > 78) {
      out += line + "\n";
      line = "#";
    }
    line += " " + word;
    pos = end + 1;
  }
  return out + line + "\n";
}

}  // namespace

ChannelId ChannelId::parse(const std::string& seed_id) {
  std::vector<std::string> parts;
  std::string cur;
  for (char c : seed_id) {
    if (c == '.') {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  if (parts.size() != 4 || parts[1].empty() || parts[3].empty())
    throw std::invalid_argument("not a SEED id NET.STA.LOC.CHA: '" + seed_id + "'");
  return ChannelId{parts[0], parts[1], parts[2], parts[3]};
}

std::string hash_hex(const void* data, std::size_t size, std::uint64_t seed) {
  return fmt::format("{:016x}", XXH64(data, size, seed));
}

std::string hash_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError(p.string(), "cannot open file");
  XXH64_state_t* st = XXH64_createState();
  XXH64_reset(st, 0);
  std::vector<char> buf(1 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    XXH64_update(st, buf.data(), static_cast<size_t>(in.gcount()));
  }
  const auto h = XXH64_digest(st);
  XXH64_freeState(st);
  return fmt::format("{:016x}", h);
}

Config Config::load(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "cannot open config file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return from_string(ss.str(), fs::absolute(path));
}

Config Config::from_string(const std::string& text, const fs::path& origin) {
  Config c;
  c.path_ = fs::absolute(origin).lexically_normal();
  std::istringstream is(text);
  try {
    c.root_ = std::make_shared<toml::value>(toml::parse(is, c.path_.string()));
  } catch (const toml::syntax_error& e) {
    throw ConfigError("(syntax)", std::string(e.what()));
  }
  const auto& top = c.root_->as_table();
  for (const auto& kv : top) {
    if (std::find(kKnownSections.begin(), kKnownSections.end(), kv.first) == kKnownSections.end())
      throw ConfigError(kv.first, "unknown section or top-level key", line_of(kv.second));
  }

  // [run]
  ConfigSection& run = c.section("run");
  const std::string dir = run.get_string("directory", "run");
  c.run_.directory = (c.base_dir() / dir).lexically_normal();
  c.run_.name = run.get_string("name", c.path_.stem().string());
  c.run_.seed = static_cast<std::uint64_t>(run.get_int("seed", 1, 0));
  c.run_.chunk_days = static_cast<int>(run.get_int("chunk_days", 1, 1, 366));
  for (const char* key : {"start", "end"}) {
    if (auto s = run.get_optional_string(key)) {
      try {
        TimeNs t = parse_iso8601(*s);
        (std::string(key) == "start" ? c.run_.start : c.run_.end) = t;
      } catch (const std::invalid_argument& e) {
        run.fail(key, e.what());
      }
    }
  }
  if (c.run_.start && c.run_.end && *c.run_.end <= *c.run_.start)
    run.fail("end", "must be after run.start");

  // [[stations]]
  auto st = top.find("stations");
  if (st == top.end()) throw ConfigError("stations", "no [[stations]] entries: nothing to process");
  if (!st->second.is_array()) throw ConfigError("stations", "must be an array of tables [[stations]]", line_of(st->second));
  std::set<std::string> seen;
  int index = 0;
  for (const auto& entry : st->second.as_array()) {
    const std::string name = "stations[" + std::to_string(index++) + "]";
    if (!entry.is_table()) throw ConfigError(name, "must be a table", line_of(entry));
    ConfigSection s(name, &entry);
    StationConfig sc;
    sc.network = s.get_string("network", "");
    sc.station = s.get_string("station", "");
    sc.location = s.get_string("location", "");
    sc.channels = s.get_strings("channels", {});
    sc.vertical = s.get_string("vertical", "");
    sc.file_globs = s.get_strings("files", {});
    sc.line = line_of(entry);
    // Codes as networks deliver them (FDSN source identifiers allow 8
    // characters: BXM, or Hi-net's N), not only SEED's 2 and 5.
    if (const std::string why = code_problem(sc.network); !why.empty())
      s.fail("network", "network code '" + sc.network + "' " + why);
    if (const std::string why = code_problem(sc.station); !why.empty())
      s.fail("station", "station code '" + sc.station + "' " + why);
    if (sc.location.size() > 2) s.fail("location", "SEED location codes have at most 2 characters");
    if (sc.channels.empty()) s.fail("channels", "lists no channels");
    for (const auto& ch : sc.channels) {
      const std::string why = code_problem(ch);
      if (!why.empty()) s.fail("channels", "channel code '" + ch + "' " + why);
      if (std::count(sc.channels.begin(), sc.channels.end(), ch) > 1)
        s.fail("channels", "'" + ch + "' is listed twice");
    }
    if (!sc.vertical.empty() &&
        std::find(sc.channels.begin(), sc.channels.end(), sc.vertical) == sc.channels.end())
      s.fail("vertical", "'" + sc.vertical + "' is not one of the station's channels");
    if (sc.file_globs.empty()) s.fail("files", "lists no waveform files");
    if (!seen.insert(sc.station_id() + "." + sc.location).second)
      s.fail("station", sc.station_id() + " is listed twice");
    s.reject_unknown_keys();
    c.stations_.push_back(std::move(sc));
  }
  return c;
}

std::vector<ChannelId> Config::channels() const {
  std::vector<ChannelId> out;
  for (const auto& s : stations_)
    for (const auto& ch : s.channels) out.push_back({s.network, s.station, s.location, ch});
  std::sort(out.begin(), out.end());
  return out;
}

ConfigSection& Config::section(const std::string& name) {
  auto it = sections_.find(name);
  if (it != sections_.end()) return *it->second;
  const toml::value* table = nullptr;
  const auto& top = root_->as_table();
  // Dotted names ("slurm.search") address nested tables.
  const toml::value* cur = root_.get();
  std::string rest = name;
  bool found = true;
  while (!rest.empty()) {
    const auto dot = rest.find('.');
    const std::string head = rest.substr(0, dot);
    rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
    if (!cur->is_table() || !cur->as_table().count(head)) {
      found = false;
      break;
    }
    cur = &cur->as_table().at(head);
  }
  (void)top;
  if (found) {
    if (!cur->is_table()) throw ConfigError(name, "must be a table [" + name + "]", line_of(*cur));
    table = cur;
  }
  section_order_.push_back(name);
  return *(sections_[name] = std::make_unique<ConfigSection>(name, table));
}

bool Config::has_section(const std::string& name) const {
  return root_->as_table().count(name) > 0;
}

void Config::reject_unknown() const {
  for (const auto& kv : sections_) {
    const ConfigSection& s = *kv.second;
    if (s.present()) s.reject_unknown_keys();
  }
}

std::string Config::section_text(const std::string& name, bool with_comments) const {
  if (name == "stations") {
    std::string out;
    for (const auto& s : stations_) {
      out += "[[stations]]\n";
      out += "network = " + quote(s.network) + "\nstation = " + quote(s.station) +
             "\nlocation = " + quote(s.location) + "\nchannels = [";
      for (size_t i = 0; i < s.channels.size(); ++i) out += (i ? ", " : "") + quote(s.channels[i]);
      out += "]\n";
      // Only when set, so configs without it keep their hash (and their runs).
      if (!s.vertical.empty()) out += "vertical = " + quote(s.vertical) + "\n";
      out += "files = [";
      for (size_t i = 0; i < s.file_globs.size(); ++i) out += (i ? ", " : "") + quote(s.file_globs[i]);
      out += "]\n\n";
    }
    return out;
  }
  auto it = sections_.find(name);
  if (it == sections_.end()) return "";
  std::string out = "[" + name + "]\n";
  for (const auto& e : it->second->effective()) {
    if (with_comments && !e.comment.empty()) out += comment_lines(e.comment);
    if (e.value.empty()) out += "# " + e.key + " (not set)\n";
    else out += e.key + " = " + e.value + "\n";
  }
  return out + "\n";
}

std::string Config::effective_text(bool with_comments) const {
  std::string out;
  std::vector<std::string> order = {"run", "stations"};
  for (const auto& n : section_order_)
    if (n != "run" && std::find(order.begin(), order.end(), n) == order.end()) order.push_back(n);
  for (const auto& n : order) out += section_text(n, with_comments);
  return out;
}

std::string Config::hash_of(const std::vector<std::string>& sections) const {
  std::string text;
  for (const auto& n : sections) text += section_text(n);
  return hash_hex(text);
}

std::string Config::hash() const { return hash_hex(effective_text()); }

std::vector<fs::path> Config::files_of(const StationConfig& s) const {
  std::set<fs::path> out;
  for (const auto& pattern : s.file_globs) {
    const fs::path full = fs::path(pattern).is_absolute() ? fs::path(pattern) : base_dir() / pattern;
    glob_t g{};
    const int rc = ::glob(full.string().c_str(), 0, nullptr, &g);
    if (rc != 0 || g.gl_pathc == 0) {
      globfree(&g);
      throw InputError(full.string(), "glob of station " + s.station_id() +
                                          " (config line " + std::to_string(s.line) +
                                          ") matches no file");
    }
    for (size_t i = 0; i < g.gl_pathc; ++i) out.insert(fs::path(g.gl_pathv[i]).lexically_normal());
    globfree(&g);
  }
  return {out.begin(), out.end()};
}

}  // namespace qp
