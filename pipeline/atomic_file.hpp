// Atomic outputs: a file is written under a temporary name beside its final
// path and renamed into place only when complete, so an interrupted stage
// never leaves a file that looks finished.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

namespace qp {

class AtomicPath {
 public:
  /// Creates the parent folder; the temporary name is "<final>.tmp.<pid>".
  explicit AtomicPath(std::filesystem::path final_path);
  ~AtomicPath();  // removes the temporary file unless committed
  AtomicPath(const AtomicPath&) = delete;
  AtomicPath& operator=(const AtomicPath&) = delete;

  const std::filesystem::path& temp() const { return temp_; }
  const std::filesystem::path& final_path() const { return final_; }
  /// fsyncs and renames the temporary file onto the final path.
  void commit();

 private:
  std::filesystem::path final_, temp_;
  bool committed_ = false;
};

/// A text output written atomically: write to stream(), then commit().
/// Destroyed without commit() (an exception on the way), the temporary is
/// removed and the target left as it was. Numbers are formatted in the
/// classic locale, so outputs are byte-identical wherever they are written.
class AtomicTextFile {
 public:
  explicit AtomicTextFile(const std::filesystem::path& final_path);
  std::ofstream& stream() { return out_; }
  const std::filesystem::path& path() const { return path_.final_path(); }
  const std::filesystem::path& temp_path() const { return path_.temp(); }
  /// Flushes, checks for write errors (StoreError naming the file and the
  /// cause), fsyncs and renames the temporary onto the final path.
  void commit();

 private:
  AtomicPath path_;
  std::ofstream out_;
};

/// Writes a whole string atomically.
void write_file_atomically(const std::filesystem::path& path, const std::string& content);

/// Removes "<name>.tmp.<pid>" leftovers of interrupted runs under `dir`
/// (recursively) whose names start with `prefix`, when no process <pid> runs
/// on this host. A live process's temporaries are never touched; a same-pid
/// process on another host keeps its file until the next start (harmless).
/// Call it while holding the stage's lock. Returns the number removed.
int remove_stale_temporaries(const std::filesystem::path& dir, const std::string& prefix = "");

/// The pid in a temporary's name ("x.h5.tmp.123" -> 123), or -1 if none.
long temporary_owner_pid(const std::string& file_name);

}  // namespace qp
