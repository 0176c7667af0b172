// What the fuzz targets share: readers that take a path get the input through
// a file (one per process, rewritten each run), and only qp::Error counts as
// a proper refusal: any other exception escapes and libFuzzer reports it,
// like a crash, because bad input must become a typed error naming the file.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

namespace qp::fuzz {

/// A scratch folder of this process: under $TMPDIR, else /dev/shm (memory:
/// the targets that read paths write their input on every execution, and a
/// disk-backed /tmp made that a third of their time), else /tmp.
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const char* tmp = std::getenv("TMPDIR");
    std::error_code ec;
    const char* base = tmp ? tmp : std::filesystem::is_directory("/dev/shm", ec) && ::access("/dev/shm", W_OK) == 0
                                       ? "/dev/shm"
                                       : "/tmp";
    std::filesystem::path d = std::filesystem::path(base) / ("quakeprint-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

/// Writes bytes to scratch_dir()/name and returns the path.
inline std::string write_scratch(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = (scratch_dir() / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  return path;
}

inline std::string write_scratch(const std::string& name, const std::string& text) {
  return write_scratch(name, reinterpret_cast<const std::uint8_t*>(text.data()), text.size());
}

}  // namespace qp::fuzz
