// Typed exceptions for bad input and bad configuration.
//
// Bugs are assertions; everything a user can cause (a corrupt file, a wrong
// key) is one of these, carrying where it happened so the command line can
// print one clear message and exit non-zero.
#pragma once

#include <stdexcept>
#include <string>

namespace qp {

/// Base of every error quakeprint reports to the user.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A problem with the config file: names the key and, where known, its line.
class ConfigError : public Error {
 public:
  ConfigError(std::string key, std::string cause, int line = 0)
      : Error(compose(key, cause, line)), key_(std::move(key)), line_(line) {}
  const std::string& key() const { return key_; }
  int line() const { return line_; }

 private:
  static std::string compose(const std::string& key, const std::string& cause, int line) {
    std::string s = "config key '" + key + "'";
    if (line > 0) s += " (line " + std::to_string(line) + ")";
    return s + ": " + cause;
  }
  std::string key_;
  int line_;
};

/// A problem with an input file: names the file and where in it (record, byte
/// offset, line) the problem is.
class InputError : public Error {
 public:
  InputError(std::string file, std::string cause, std::string where = "")
      : Error(compose(file, cause, where)), file_(std::move(file)) {}
  const std::string& file() const { return file_; }

 private:
  static std::string compose(const std::string& file, const std::string& cause,
                             const std::string& where) {
    std::string s = file;
    if (!where.empty()) s += " (" + where + ")";
    return s + ": " + cause;
  }
  std::string file_;
};

/// A problem writing outputs (disk full, permissions) or with the run store.
class StoreError : public Error {
 public:
  using Error::Error;
};

}  // namespace qp
