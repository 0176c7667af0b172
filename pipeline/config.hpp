// The run's config: one TOML file. Holds the [run] settings and the station
// list; every stage reads its own [section] through section(name), and the
// whole file is validated before any work starts (see app/stages.cpp).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <toml.hpp>

#include "pipeline/config_section.hpp"
#include "pipeline/time.hpp"

namespace qp {

/// A channel's SEED id parts; seed_id() gives "NET.STA.LOC.CHA".
struct ChannelId {
  std::string network, station, location, channel;
  std::string seed_id() const { return network + "." + station + "." + location + "." + channel; }
  std::string station_id() const { return network + "." + station; }
  bool operator<(const ChannelId& o) const { return seed_id() < o.seed_id(); }
  bool operator==(const ChannelId& o) const { return seed_id() == o.seed_id(); }
  static ChannelId parse(const std::string& seed_id);  // throws std::invalid_argument
};

/// One [[stations]] entry.
struct StationConfig {
  std::string network, station, location;
  std::vector<std::string> channels;    // as the network names them (1-8 characters)
  std::string vertical;                 // `vertical` key: which channel is vertical (empty: from headers or codes)
  std::vector<std::string> file_globs;  // relative to the config file's folder
  int line = 0;                         // where the entry starts, for messages
  std::string station_id() const { return network + "." + station; }
};

/// The [run] section.
struct RunSettings {
  std::filesystem::path directory;  // absolute
  std::string name;
  std::uint64_t seed = 1;
  int chunk_days = 1;  // length of a time chunk (unit of work), whole days
  std::optional<TimeNs> start, end;
};

class Config {
 public:
  /// Parses the file and the [run] and [[stations]] sections. Throws
  /// ConfigError (syntax errors name the line) or InputError (unreadable file).
  static Config load(const std::filesystem::path& path);
  /// Parses TOML text; `origin` is the path relative paths resolve against.
  static Config from_string(const std::string& text, const std::filesystem::path& origin);

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path base_dir() const { return path_.parent_path(); }

  const RunSettings& run() const { return run_; }
  const std::vector<StationConfig>& stations() const { return stations_; }
  /// Every configured channel, sorted by SEED id (the order units run in).
  std::vector<ChannelId> channels() const;

  /// A stage's section; the same object on every call, so keys read by the
  /// stage are known when unknown keys are rejected.
  ConfigSection& section(const std::string& name);
  bool has_section(const std::string& name) const;

  /// Rejects unknown top-level sections and unknown keys in every section
  /// that was read. Call after every stage has read its parameters.
  void reject_unknown() const;

  /// The effective config, defaults filled in, in a stable order;
  /// `with_comments` puts each key's meaning above it (not part of hashes).
  std::string effective_text(bool with_comments = false) const;
  /// xxh64 (hex) of the effective text of the named sections ("run" and
  /// "stations" included when named); used for provenance and staleness.
  std::string hash_of(const std::vector<std::string>& sections) const;
  /// Hash of the whole effective config.
  std::string hash() const;

  /// Files matched by a station's globs (sorted, de-duplicated). Throws
  /// InputError naming the glob when one matches nothing.
  std::vector<std::filesystem::path> files_of(const StationConfig& s) const;

 private:
  std::string section_text(const std::string& name, bool with_comments = false) const;

  std::filesystem::path path_;
  std::shared_ptr<toml::value> root_;
  RunSettings run_;
  std::vector<StationConfig> stations_;
  std::vector<std::string> section_order_;
  std::map<std::string, std::unique_ptr<ConfigSection>> sections_;
  std::vector<std::pair<std::string, std::string>> run_effective_;
};

/// xxh64 of bytes, as 16 hex digits.
std::string hash_hex(const void* data, std::size_t size, std::uint64_t seed = 0);
inline std::string hash_hex(const std::string& s) { return hash_hex(s.data(), s.size()); }
/// xxh64 of a file's content (streamed), as 16 hex digits.
std::string hash_file(const std::filesystem::path& p);

}  // namespace qp
