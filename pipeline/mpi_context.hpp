// The MPI context of a stage: rank and size, the static division of units
// among ranks, and collective error handling — an error on one rank ends the
// stage on every rank with one message that names the rank, the unit and
// the cause.
#pragma once

#include <mpi.h>

#include <cstring>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "pipeline/error.hpp"

namespace qp {

/// Thrown on every rank when any rank failed; what() names rank and unit.
class CollectiveError : public Error {
 public:
  using Error::Error;
};

class MpiContext {
 public:
  /// Initialises MPI (if not yet) and finalises it in the destructor if it did.
  MpiContext(int* argc, char*** argv);
  /// Uses an already initialised MPI (tests).
  MpiContext();
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool root() const { return rank_ == 0; }
  MPI_Comm comm() const { return MPI_COMM_WORLD; }
  void barrier() const;

  /// Which units this rank runs: unit i goes to rank i % size. Outputs are
  /// keyed by unit, never by rank, so results do not depend on the size.
  bool owns(std::size_t unit_index) const {
    return static_cast<int>(unit_index % static_cast<std::size_t>(size_)) == rank_;
  }

  /// Gathers one string per rank on rank 0 (in rank order; empty elsewhere).
  std::vector<std::string> gather(const std::string& mine) const;
  /// Every rank gets every rank's string, in rank order.
  std::vector<std::string> all_gather(const std::string& mine) const;
  /// Every rank's plain values (numbers, structs of numbers), as bytes, not
  /// text: all ranks' vectors concatenated in rank order on every rank.
  template <class T>
  std::vector<T> all_gather_plain(const std::vector<T>& mine) const {
    static_assert(std::is_trivially_copyable_v<T>, "plain data only");
    const std::string bytes(reinterpret_cast<const char*>(mine.data()), mine.size() * sizeof(T));
    std::vector<T> out;
    for (const auto& part : all_gather(bytes)) {
      const std::size_t at = out.size(), n = part.size() / sizeof(T);
      out.resize(at + n);
      std::memcpy(static_cast<void*>(out.data() + at), part.data(), n * sizeof(T));
    }
    return out;
  }
  /// Rank 0's string on every rank.
  std::string broadcast(const std::string& from_root) const;

  /// Collective: if any rank passes a non-null exception, every rank throws
  /// CollectiveError with the failing ranks' messages ("rank 1: ...").
  /// A single-rank run rethrows the original exception unchanged.
  void check(std::exception_ptr local_error, const std::string& context) const;

 private:
  int rank_ = 0, size_ = 1;
  bool owns_mpi_ = false;
};

/// Message of an exception_ptr (what() or "unknown error").
std::string describe(std::exception_ptr e);

}  // namespace qp
