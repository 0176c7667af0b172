#include "pipeline/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "pipeline/error.hpp"

namespace qp {
namespace fs = std::filesystem;

AtomicPath::AtomicPath(fs::path final_path) : final_(std::move(final_path)) {
  if (final_.has_parent_path()) fs::create_directories(final_.parent_path());
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
  if (fd < 0) throw StoreError(temp_.string() + ": cannot reopen to commit");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) throw StoreError(temp_.string() + ": fsync failed (disk full?)");
  std::error_code ec;
  fs::rename(temp_, final_, ec);
  if (ec) throw StoreError(final_.string() + ": cannot rename into place: " + ec.message());
  committed_ = true;
}

AtomicTextFile::AtomicTextFile(const fs::path& final_path)
    : path_(final_path), out_(path_.temp(), std::ios::binary | std::ios::trunc) {
  if (!out_) throw StoreError(path_.temp().string() + ": cannot create");
}

void AtomicTextFile::commit() {
  out_.flush();
  if (!out_) throw StoreError(path_.final_path().string() + ": write failed (disk full?)");
  out_.close();
  path_.commit();
}

void write_file_atomically(const fs::path& path, const std::string& content) {
  AtomicTextFile f(path);
  f.stream() << content;
  f.commit();
}

int remove_stale_temporaries(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::recursive_directory_iterator();
       ++it) {
    const std::string name = it->path().filename().string();
    if (it->is_regular_file() && name.find(".tmp.") != std::string::npos) {
      fs::remove(it->path(), ec);
      ++n;
    }
  }
  return n;
}

}  // namespace qp
