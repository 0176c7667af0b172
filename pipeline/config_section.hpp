// One [section] of the run's TOML config, read with validation.
//
// Stages read their parameters through typed getters that give the default
// when a key is absent, check type and range, and remember every key read so
// that (1) unknown keys are rejected with their line, and (2) the effective
// config, defaults filled in, can be printed in a stable order.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <toml.hpp>

#include "pipeline/error.hpp"

namespace qp {

class ConfigSection {
 public:
  /// `name` is the dotted path of the section ("fingerprint", "slurm.search");
  /// `table` may be null when the section is absent (all defaults).
  ConfigSection(std::string name, const toml::value* table);

  const std::string& name() const { return name_; }
  bool present() const { return table_ != nullptr; }
  bool has(const std::string& key) const;

  /// Typed getters. Each throws ConfigError naming "<section>.<key>" and its
  /// line when the value has the wrong type or lies outside [lo, hi].
  double get_double(const std::string& key, double def,
                    double lo = -1e300, double hi = 1e300);
  std::int64_t get_int(const std::string& key, std::int64_t def,
                       std::int64_t lo = INT64_MIN, std::int64_t hi = INT64_MAX);
  bool get_bool(const std::string& key, bool def);
  /// `choices` empty means any string.
  std::string get_string(const std::string& key, const std::string& def,
                         const std::vector<std::string>& choices = {});
  std::vector<std::string> get_strings(const std::string& key,
                                       const std::vector<std::string>& def);
  std::vector<double> get_doubles(const std::string& key, const std::vector<double>& def);
  /// Optional value: absent stays absent (printed as a comment).
  std::optional<double> get_optional_double(const std::string& key, double lo = -1e300,
                                            double hi = 1e300);
  std::optional<std::string> get_optional_string(const std::string& key);

  /// Throws ConfigError for a derived check ("fp_lag must not exceed
  /// fp_length"), naming this section's key and its line.
  [[noreturn]] void fail(const std::string& key, const std::string& cause) const;

  /// Line of a key in the file, 0 if unknown or absent.
  int line_of(const std::string& key) const;

  /// Marks a key as handled elsewhere (a sub-table read as "name.key").
  void mark_read(const std::string& key) { read_[key] = true; }

  /// Rejects keys that no getter asked for (typos, unsupported options).
  void reject_unknown_keys() const;

  /// `alias` (an older or FAST name) is read as `key` from now on; giving
  /// both in one file is an error naming both lines.
  void add_alias(const std::string& key, const std::string& alias);
  /// The name the file used for `key` (its alias when only that is given).
  std::string spelling_of(const std::string& key) const;

  /// Replaces the effective text of a key already read (a value shown in
  /// other units than the file gave it), and attaches the comment that
  /// `quakeprint config` prints above it.
  void set_effective(const std::string& key, std::string value_text);
  /// Drops a key from the effective config (it stays known, not unknown).
  void forget(const std::string& key);
  void annotate(const std::string& key, std::string comment);

  /// How numbers appear in the effective config ("2.0", "0.1", "inf").
  static std::string format_number(double v);

  struct Entry {
    std::string key, value, comment;  // value empty: optional key not set
  };
  /// Every key read, in the order read, with its value as TOML text.
  const std::vector<Entry>& effective() const { return effective_; }

 private:
  const toml::value* find(const std::string& key) const;
  void record(const std::string& key, std::string value_text);

  std::string name_;
  const toml::value* table_;
  std::vector<Entry> effective_;
  std::map<std::string, bool> read_;
  std::map<std::string, std::string> alias_of_;
};

}  // namespace qp
