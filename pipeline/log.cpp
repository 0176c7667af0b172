#include "pipeline/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

namespace qp {

void setup_logging(int rank, bool verbose, bool quiet) {
  auto logger = spdlog::stderr_logger_st("quakeprint-" + std::to_string(rank));
  logger->set_pattern("[%H:%M:%S] [rank " + std::to_string(rank) + "] %^%l%$: %v");
  if (quiet) logger->set_level(spdlog::level::warn);
  else if (verbose) logger->set_level(spdlog::level::debug);
  else logger->set_level(rank == 0 ? spdlog::level::info : spdlog::level::warn);
  spdlog::set_default_logger(logger);
}

Progress::Progress(std::string what, std::size_t total)
    : what_(std::move(what)), total_(total), start_(std::chrono::steady_clock::now()) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::step(const std::string& item) {
  ++done_;
  const double el = elapsed_seconds();
  const double eta = done_ ? el / static_cast<double>(done_) * static_cast<double>(total_ - done_) : 0;
  spdlog::info("{} {}/{} ({:.0f}%) {} — {:.1f} s elapsed, ETA {:.0f} s", what_, done_, total_,
               total_ ? 100.0 * static_cast<double>(done_) / static_cast<double>(total_) : 100.0,
               item, el, eta);
}

}  // namespace qp
