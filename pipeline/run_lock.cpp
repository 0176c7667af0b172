#include "pipeline/run_lock.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "pipeline/error.hpp"
#include "pipeline/log.hpp"
#include "pipeline/time.hpp"

namespace qp {
namespace fs = std::filesystem;

namespace {

std::string host_name() {
  char buf[256] = {0};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown-host";
  return buf;
}

std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

std::string lock_holder_text(const std::string& stage) {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const TimeNs t = std::chrono::duration_cast<std::chrono::seconds>(now).count() * kNsPerSecond;
  return "host=" + host_name() + " pid=" + std::to_string(::getpid()) + " stage=" + stage +
         " started=" + format_iso8601(t, 0);
}

StageLock::StageLock(const fs::path& run_dir, const std::string& stage)
    : path_(run_dir / "locks" / (stage + ".lock")) {
  fs::create_directories(path_.parent_path());
  const int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    throw StoreError(path_.string() + ": cannot open the stage lock: " + std::strerror(errno));
  struct flock fl {};
  fl.l_type = F_WRLCK;
  fl.l_whence = SEEK_SET;  // whole file
  if (::fcntl(fd, F_SETLK, &fl) != 0) {
    const int err = errno;
    if (err == EACCES || err == EAGAIN) {
      ::close(fd);  // we hold no lock on it: closing costs nothing
      const std::string holder = read_text(path_);
      throw StoreError("stage '" + stage + "' is already running on this run directory (" +
                       (holder.empty() ? std::string("holder unknown") : holder) + "; lock " + path_.string() +
                       "): wait for it to finish; one writer per stage and run directory");
    }
    // ENOLCK, EOPNOTSUPP...: a filesystem without (working) POSIX locks.
    ::close(fd);
    spdlog::warn("{}: cannot lock ({}): this filesystem does not support POSIX locks, so nothing "
                 "stops a second '{}' on this run directory; make sure only one runs",
                 path_.string(), std::strerror(err), stage);
    return;
  }
  fd_ = fd;
  // Read through this descriptor: closing any other descriptor of the file
  // would release the lock (POSIX record locks belong to the process).
  std::string before(512, '\0');
  const ssize_t n = ::pread(fd_, before.data(), before.size(), 0);
  before.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!before.empty() && (before.back() == '\n' || before.back() == '\0')) before.pop_back();
  if (!before.empty()) spdlog::debug("{}: taking over the lock last held by {} (no longer running)", path_.string(), before);
  const std::string text = lock_holder_text(stage) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
    spdlog::warn("{}: cannot record the lock holder: {}", path_.string(), std::strerror(errno));
}

StageLock::~StageLock() {
  if (fd_ < 0) return;
  // Leave the file (its content says who ran last); closing releases the lock.
  ::close(fd_);
}

}  // namespace qp
