// A thin RAII layer over the HDF5 C API for the run store: files, groups,
// 1-D/2-D datasets of plain numbers, and scalar attributes. Object time
// tracking is off, so identical content gives files identical under h5diff
// (and, in practice, byte for byte).
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace qp::h5 {

/// Owns one HDF5 identifier and closes it with the right H5?close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = -1; }
  Handle& operator=(Handle&& o) noexcept {
    if (this != &o) {
      reset();
      id_ = o.id_;
      o.id_ = -1;
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  hid_t id() const { return id_; }
  bool valid() const { return id_ >= 0; }
  void reset();
  /// Gives up ownership without closing; returns the identifier.
  hid_t release() {
    const hid_t id = id_;
    id_ = -1;
    return id;
  }

 private:
  hid_t id_ = -1;
};

/// An open HDF5 file (or a group in it): the location datasets live under.
class Group {
 public:
  Group() = default;
  Group(Handle h, std::string file, std::string path)
      : h_(std::move(h)), file_(std::move(file)), path_(std::move(path)) {}
  hid_t id() const { return h_.id(); }
  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }

  Group create_group(const std::string& name);
  Group open_group(const std::string& name) const;
  bool exists(const std::string& name) const;
  /// Names of the direct children (groups and datasets), sorted.
  std::vector<std::string> children() const;

  template <class T>
  void write(const std::string& name, const std::vector<T>& data, std::size_t cols = 0);
  template <class T>
  std::vector<T> read(const std::string& name) const;
  /// Rows and columns of a dataset (cols = 1 for 1-D).
  std::pair<std::size_t, std::size_t> shape(const std::string& name) const;

  void set_attr(const std::string& name, const std::string& value);
  void set_attr(const std::string& name, std::int64_t value);
  void set_attr(const std::string& name, double value);
  bool has_attr(const std::string& name) const;
  std::string attr_string(const std::string& name) const;
  std::int64_t attr_int(const std::string& name) const;
  double attr_double(const std::string& name) const;

 protected:
  Handle h_;
  std::string file_, path_;
};

class File : public Group {
 public:
  /// A new file, built in memory: nothing reaches `path` until close()
  /// writes it whole (and a file never closed is never written). Use with
  /// AtomicPath: create under the temporary name, close, then commit.
  static File create(const std::filesystem::path& path);
  static File open_read(const std::filesystem::path& path);
  /// Writes a created file (a StoreError names the file and the system's
  /// cause: disk full, file-size limit) and closes it; errors surface here,
  /// not in a destructor.
  void close();

 private:
  bool writable_ = false;
};

/// Writes `size` bytes to `path` (created or truncated); StoreError naming
/// the file and the cause on failure.
void write_whole_file(const std::string& path, const char* data, std::size_t size);

/// Throws StoreError naming the file and the cause (the innermost message
/// of HDF5's error stack) if `rc` signals an HDF5 failure.
void check(herr_t rc, const std::string& file, const std::string& what);
/// The innermost message of the current HDF5 error stack ("" if none).
std::string error_cause();
/// Turns off HDF5's printing of error stacks (errors are thrown instead).
void quiet_errors();

}  // namespace qp::h5
