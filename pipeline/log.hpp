// Logging: spdlog with the MPI rank in every line. Rank 0 logs progress at
// info level; other ranks only warnings and errors unless verbose.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

namespace qp {

void setup_logging(int rank, bool verbose, bool quiet = false);

/// Progress of a long loop on this rank: "stage 3/12 units (25%), ETA 40 s".
class Progress {
 public:
  Progress(std::string what, std::size_t total);
  void step(const std::string& item);
  double elapsed_seconds() const;

 private:
  std::string what_;
  std::size_t total_, done_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace qp
