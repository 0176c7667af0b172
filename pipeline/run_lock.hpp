// One writer per stage and run directory: a POSIX record lock (fcntl) on
// <run>/locks/<stage>.lock, whose content names the holder (host, pid, start
// time). The kernel (or the NFS lock manager) drops the lock when its process
// dies, so a lock left by a killed run is simply taken over. The lock file is
// never opened a second time by its holder: closing any descriptor of it
// would drop the process's lock.
#pragma once

#include <filesystem>
#include <string>

namespace qp {

class StageLock {
 public:
  /// Takes the lock, or throws StoreError naming the holder when another
  /// process has it. On a filesystem without POSIX locks it logs a warning
  /// and goes on unlocked (held() is then false).
  StageLock(const std::filesystem::path& run_dir, const std::string& stage);
  ~StageLock();  // closing the file releases the lock
  StageLock(const StageLock&) = delete;
  StageLock& operator=(const StageLock&) = delete;

  bool held() const { return fd_ >= 0; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

/// "host=... pid=... stage=... started=..." as written in a lock file.
std::string lock_holder_text(const std::string& stage);

}  // namespace qp
