#include "pipeline/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <locale>
#include <vector>

#include "pipeline/error.hpp"

namespace qp {
namespace fs = std::filesystem;

AtomicPath::AtomicPath(fs::path final_path) : final_(std::move(final_path)) {
  std::error_code ec;
  if (final_.has_parent_path()) fs::create_directories(final_.parent_path(), ec);
  if (ec) throw StoreError(final_.string() + ": cannot create its folder: " + ec.message());
  temp_ = final_;
  temp_ += ".tmp." + std::to_string(::getpid());
}

AtomicPath::~AtomicPath() {
  if (!committed_) {
    std::error_code ec;
    fs::remove(temp_, ec);
  }
}

void AtomicPath::commit() {
  const int fd = ::open(temp_.c_str(), O_RDONLY);
  if (fd < 0) throw StoreError(temp_.string() + ": cannot reopen to commit: " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw StoreError(final_.string() + ": cannot write (fsync of " + temp_.filename().string() +
                                " failed): " + std::strerror(err));
  std::error_code ec;
  fs::rename(temp_, final_, ec);
  if (ec) throw StoreError(final_.string() + ": cannot rename into place: " + ec.message());
  committed_ = true;
}

AtomicTextFile::AtomicTextFile(const fs::path& final_path)
    : path_(final_path), out_(path_.temp(), std::ios::binary | std::ios::trunc) {
  if (!out_) throw StoreError(path_.temp().string() + ": cannot create: " + std::strerror(errno));
  out_.imbue(std::locale::classic());
}

void AtomicTextFile::commit() {
  if (out_) errno = 0;  // else errno still says why the stream failed
  out_.flush();
  out_.close();  // the last buffer is written here; a full disk shows now
  if (!out_)
    throw StoreError(path_.final_path().string() + ": cannot write: " +
                     (errno != 0 ? std::strerror(errno) : "write failed (disk full or file-size limit?)"));
  path_.commit();
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  AtomicTextFile f(path);
  f.stream() << content;
  f.commit();
}

long temporary_owner_pid(const std::string& name) {
  const auto pos = name.rfind(".tmp.");
  if (pos == std::string::npos) return -1;
  const std::string digits = name.substr(pos + 5);
  if (digits.empty() || digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  return std::stol(digits);
}

namespace {
bool process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
}  // namespace

int remove_stale_temporaries(const fs::path& dir, const std::string& prefix) {
  int n = 0;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  std::vector<fs::path> stale;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!prefix.empty() && name.rfind(prefix, 0) != 0) continue;
    const long pid = temporary_owner_pid(name);
    if (pid < 0 || !it->is_regular_file(ec) || process_alive(pid)) continue;
    stale.push_back(it->path());
  }
  for (const auto& p : stale)
    if (fs::remove(p, ec)) ++n;
  return n;
}

}  // namespace qp
