// Writes an output file so that it never looks finished when it is not:
// everything goes to "<path>.tmp.<pid>", and commit() renames it into place.
// Destroyed without commit() (an exception on the way), the temp file is
// removed and the target is left as it was.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace qp::catalog {

class AtomicOutputFile {
 public:
  /// Opens the temp file next to `path`; throws qp::StoreError when it cannot.
  explicit AtomicOutputFile(std::filesystem::path path);
  ~AtomicOutputFile();
  AtomicOutputFile(const AtomicOutputFile&) = delete;
  AtomicOutputFile& operator=(const AtomicOutputFile&) = delete;

  std::ostream& stream() { return out_; }
  const std::filesystem::path& path() const { return path_; }
  const std::filesystem::path& temp_path() const { return temp_; }

  /// Flushes, checks for write errors and renames the temp file onto `path`.
  void commit();

 private:
  std::filesystem::path path_;
  std::filesystem::path temp_;
  std::ofstream out_;
  bool committed_ = false;
};

}  // namespace qp::catalog
