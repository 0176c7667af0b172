#include "postprocess/catalog/atomic_output_file.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "pipeline/error.hpp"

namespace qp::catalog {

AtomicOutputFile::AtomicOutputFile(std::filesystem::path path)
    : path_(std::move(path)),
      temp_(path_.string() + ".tmp." + std::to_string(::getpid())) {
  out_.open(temp_, std::ios::binary | std::ios::trunc);
  if (!out_)
    throw StoreError("cannot create " + temp_.string() + ": " + std::strerror(errno));
  // Fixed, locale-independent number formatting for byte-identical outputs.
  out_.imbue(std::locale::classic());
}

AtomicOutputFile::~AtomicOutputFile() {
  if (committed_) return;
  out_.close();
  std::error_code ec;
  std::filesystem::remove(temp_, ec);  // best effort: we may be unwinding
}

void AtomicOutputFile::commit() {
  out_.flush();
  if (!out_) throw StoreError("write failed: " + temp_.string());
  out_.close();
  if (out_.fail()) throw StoreError("close failed: " + temp_.string());
  std::error_code ec;
  std::filesystem::rename(temp_, path_, ec);
  if (ec) throw StoreError("cannot rename " + temp_.string() + " to " + path_.string() + ": " +
                           ec.message());
  committed_ = true;
}

}  // namespace qp::catalog
