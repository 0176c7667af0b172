#include "pipeline/hdf5_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <type_traits>

#include "pipeline/error.hpp"

namespace qp::h5 {
namespace {

template <class T>
hid_t native_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_NATIVE_FLOAT;
  else if constexpr (std::is_same_v<T, double>) return H5T_NATIVE_DOUBLE;
  else if constexpr (std::is_same_v<T, std::int8_t>) return H5T_NATIVE_INT8;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_NATIVE_UINT8;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_NATIVE_INT32;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_NATIVE_UINT32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_NATIVE_INT64;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_NATIVE_UINT64;
  else static_assert(sizeof(T) == 0, "unsupported HDF5 element type");
}

// Stored types are little-endian fixed-size, independent of the machine.
template <class T>
hid_t file_type() {
  if constexpr (std::is_same_v<T, float>) return H5T_IEEE_F32LE;
  else if constexpr (std::is_same_v<T, double>) return H5T_IEEE_F64LE;
  else if constexpr (std::is_same_v<T, std::int8_t>) return H5T_STD_I8LE;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return H5T_STD_U8LE;
  else if constexpr (std::is_same_v<T, std::int32_t>) return H5T_STD_I32LE;
  else if constexpr (std::is_same_v<T, std::uint32_t>) return H5T_STD_U32LE;
  else if constexpr (std::is_same_v<T, std::int64_t>) return H5T_STD_I64LE;
  else if constexpr (std::is_same_v<T, std::uint64_t>) return H5T_STD_U64LE;
}

Handle no_time_tracking_dcpl() {
  Handle p(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_obj_track_times(p.id(), 0);
  return p;
}

// The innermost message of HDF5's error stack, where the failure was found;
// for a failed write that is the system's reason ("File too large",
// "No space left on device").
herr_t collect_cause(unsigned n, const H5E_error2_t* e, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n == 0 && e->desc) out->assign(e->desc);
  return 0;
}

}  // namespace

void quiet_errors() {
  // Errors become typed exceptions with the cause; HDF5's own stack dump
  // on stderr would only bury the message.
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

std::string error_cause() {
  std::string desc;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, collect_cause, &desc);
  const std::string key = "error message = '";
  if (const auto p = desc.find(key); p != std::string::npos) {
    const auto b = p + key.size();
    return desc.substr(b, desc.find('\'', b) - b);
  }
  return desc;
}

void check(herr_t rc, const std::string& file, const std::string& what) {
  if (rc >= 0) return;
  const std::string cause = error_cause();
  throw StoreError(file + ": HDF5 error while " + what + (cause.empty() ? "" : ": " + cause));
}

void Handle::reset() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

File File::create(const std::filesystem::path& path) {
  quiet_errors();
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  // Deterministic files: no creation/modification times in object headers.
  H5Pset_obj_track_times(fcpl.id(), 0);
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_libver_bounds(fapl.id(), H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
  // Built in memory and written by close() with plain POSIX writes: a full
  // disk or a file-size limit is then our error to report, never a failed
  // HDF5 close (which leaves HDF5 1.10 in a state that crashes at exit).
  H5Pset_fapl_core(fapl.id(), 4 << 20, 0);
  hid_t id = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl.id(), fapl.id());
  if (id < 0) throw StoreError(path.string() + ": cannot create HDF5 file: " + error_cause());
  File f;
  static_cast<Group&>(f) = Group(Handle(id), path.string(), "/");
  f.writable_ = true;
  return f;
}

File File::open_read(const std::filesystem::path& path) {
  quiet_errors();
  hid_t id;
  H5E_BEGIN_TRY { id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT); }
  H5E_END_TRY;
  if (id < 0) throw InputError(path.string(), "cannot open HDF5 file (missing or not HDF5)");
  File f;
  static_cast<Group&>(f) = Group(Handle(id), path.string(), "/");
  return f;
}

void File::close() {
  if (!h_.valid()) return;
  if (!writable_) {
    h_.reset();
    return;
  }
  check(H5Fflush(h_.id(), H5F_SCOPE_LOCAL), file_, "flushing");
  const ssize_t size = H5Fget_file_image(h_.id(), nullptr, 0);
  if (size < 0) check(-1, file_, "taking the file image");
  std::vector<char> image(static_cast<std::size_t>(size));
  if (H5Fget_file_image(h_.id(), image.data(), image.size()) != size) check(-1, file_, "taking the file image");
  h_.reset();  // the in-memory file; nothing on disk to fail
  write_whole_file(file_, image.data(), image.size());
}

void write_whole_file(const std::string& path, const char* data, std::size_t size) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw StoreError(path + ": cannot create: " + std::strerror(errno));
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n < 0 ? errno : EIO;
      ::close(fd);
      throw StoreError(path + ": cannot write (" + std::to_string(done) + " of " + std::to_string(size) +
                       " bytes written): " + std::strerror(err));
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0) throw StoreError(path + ": cannot write: " + std::strerror(errno));
}

Group Group::create_group(const std::string& name) {
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_obj_track_times(gcpl.id(), 0);
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.id(), 1);
  hid_t gid = H5Gcreate2(id(), name.c_str(), lcpl.id(), gcpl.id(), H5P_DEFAULT);
  if (gid < 0) throw StoreError(file_ + ": cannot create group " + name);
  return Group(Handle(gid), file_, path_ + (path_ == "/" ? "" : "/") + name);
}

Group Group::open_group(const std::string& name) const {
  hid_t gid;
  H5E_BEGIN_TRY { gid = H5Gopen2(id(), name.c_str(), H5P_DEFAULT); }
  H5E_END_TRY;
  if (gid < 0) throw InputError(file_, "no group '" + name + "' under " + path_);
  return Group(Handle(gid), file_, path_ + (path_ == "/" ? "" : "/") + name);
}

bool Group::exists(const std::string& name) const {
  htri_t r;
  H5E_BEGIN_TRY { r = H5Lexists(id(), name.c_str(), H5P_DEFAULT); }
  H5E_END_TRY;
  return r > 0;
}

std::vector<std::string> Group::children() const {
  std::vector<std::string> names;
  H5Literate(
      id(), H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->push_back(name);
        return 0;
      },
      &names);
  std::sort(names.begin(), names.end());
  return names;
}

template <class T>
void Group::write(const std::string& name, const std::vector<T>& data, std::size_t cols) {
  hsize_t dims[2];
  int rank = 1;
  if (cols > 0) {
    if (data.size() % cols != 0) throw StoreError(file_ + ": dataset " + name + " is not a whole number of rows");
    dims[0] = data.size() / cols;
    dims[1] = cols;
    rank = 2;
  } else {
    dims[0] = data.size();
  }
  Handle space(H5Screate_simple(rank, dims, nullptr));
  Handle dcpl = no_time_tracking_dcpl();
  Handle ds(H5Dcreate2(id(), name.c_str(), file_type<T>(), space.id(), H5P_DEFAULT, dcpl.id(),
                       H5P_DEFAULT));
  if (!ds.valid()) throw StoreError(file_ + ": cannot create dataset " + name + ": " + error_cause());
  if (!data.empty())
    check(H5Dwrite(ds.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data.data()), file_,
          "writing " + name);
}

std::pair<std::size_t, std::size_t> Group::shape(const std::string& name) const {
  hid_t dsid;
  H5E_BEGIN_TRY { dsid = H5Dopen2(id(), name.c_str(), H5P_DEFAULT); }
  H5E_END_TRY;
  if (dsid < 0) throw InputError(file_, "no dataset '" + name + "' under " + path_);
  Handle ds(dsid);
  Handle space(H5Dget_space(ds.id()));
  hsize_t dims[2] = {0, 1};
  const int rank = H5Sget_simple_extent_ndims(space.id());
  H5Sget_simple_extent_dims(space.id(), dims, nullptr);
  return {static_cast<std::size_t>(dims[0]), rank == 2 ? static_cast<std::size_t>(dims[1]) : 1};
}

template <class T>
std::vector<T> Group::read(const std::string& name) const {
  const auto [rows, cols] = shape(name);
  std::vector<T> out(rows * cols);
  Handle ds(H5Dopen2(id(), name.c_str(), H5P_DEFAULT));
  if (!out.empty())
    check(H5Dread(ds.id(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), file_,
          "reading " + name);
  return out;
}

#define QP_H5_INSTANTIATE(T)                                                               \
  template void Group::write<T>(const std::string&, const std::vector<T>&, std::size_t); \
  template std::vector<T> Group::read<T>(const std::string&) const;
QP_H5_INSTANTIATE(float)
QP_H5_INSTANTIATE(double)
QP_H5_INSTANTIATE(std::int8_t)
QP_H5_INSTANTIATE(std::uint8_t)
QP_H5_INSTANTIATE(std::int32_t)
QP_H5_INSTANTIATE(std::uint32_t)
QP_H5_INSTANTIATE(std::int64_t)
QP_H5_INSTANTIATE(std::uint64_t)
#undef QP_H5_INSTANTIATE

void Group::set_attr(const std::string& name, const std::string& value) {
  Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.id(), value.empty() ? 1 : value.size());
  H5Tset_strpad(type.id(), H5T_STR_NULLPAD);
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(id(), name.c_str(), type.id(), space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid()) throw StoreError(file_ + ": cannot create attribute " + name + ": " + error_cause());
  const std::string padded = value.empty() ? std::string(1, '\0') : value;
  check(H5Awrite(a.id(), type.id(), padded.data()), file_, "writing attribute " + name);
}

void Group::set_attr(const std::string& name, std::int64_t value) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(id(), name.c_str(), H5T_STD_I64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid()) throw StoreError(file_ + ": cannot create attribute " + name + ": " + error_cause());
  check(H5Awrite(a.id(), H5T_NATIVE_INT64, &value), file_, "writing attribute " + name);
}

void Group::set_attr(const std::string& name, double value) {
  Handle space(H5Screate(H5S_SCALAR));
  Handle a(H5Acreate2(id(), name.c_str(), H5T_IEEE_F64LE, space.id(), H5P_DEFAULT, H5P_DEFAULT));
  if (!a.valid()) throw StoreError(file_ + ": cannot create attribute " + name + ": " + error_cause());
  check(H5Awrite(a.id(), H5T_NATIVE_DOUBLE, &value), file_, "writing attribute " + name);
}

bool Group::has_attr(const std::string& name) const { return H5Aexists(id(), name.c_str()) > 0; }

std::string Group::attr_string(const std::string& name) const {
  if (!has_attr(name)) throw InputError(file_, "no attribute '" + name + "' on " + path_);
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT));
  Handle type(H5Aget_type(a.id()));
  const size_t size = H5Tget_size(type.id());
  std::string s(size, '\0');
  check(H5Aread(a.id(), type.id(), s.data()), file_, "reading attribute " + name);
  while (!s.empty() && s.back() == '\0') s.pop_back();
  return s;
}

std::int64_t Group::attr_int(const std::string& name) const {
  if (!has_attr(name)) throw InputError(file_, "no attribute '" + name + "' on " + path_);
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT));
  std::int64_t v = 0;
  check(H5Aread(a.id(), H5T_NATIVE_INT64, &v), file_, "reading attribute " + name);
  return v;
}

double Group::attr_double(const std::string& name) const {
  if (!has_attr(name)) throw InputError(file_, "no attribute '" + name + "' on " + path_);
  Handle a(H5Aopen(id(), name.c_str(), H5P_DEFAULT));
  double v = 0;
  check(H5Aread(a.id(), H5T_NATIVE_DOUBLE, &v), file_, "reading attribute " + name);
  return v;
}

}  // namespace qp::h5
