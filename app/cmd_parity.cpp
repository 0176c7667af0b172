// `quakeprint compare-fingerprints`: fingerprint parity with a FAST run.
#include <iostream>

#include "fingerprint/parity.hpp"
#include "app/tools.hpp"
#include "pipeline/atomic_file.hpp"
#include "pipeline/error.hpp"

namespace qp::app {

int cmd_compare_fingerprints(const CompareFingerprintsOptions& o, MpiContext& mpi) {
  if (!mpi.root()) return 0;
  if (o.jaccard_min < 0 || o.jaccard_min > 1)
    throw ConfigError("--jaccard", "must lie in [0, 1]");
  if (o.tolerance_ms < 0) throw ConfigError("--tolerance-ms", "must be >= 0");
  const fp::FingerprintBlock ours = fp::read_fast_pair(o.ours);
  const fp::FingerprintBlock fast = fp::read_fast_pair(o.fast);
  const auto tolerance = static_cast<TimeNs>(o.tolerance_ms * 1e6);
  const fp::ParityResult r = fp::compare_with_reference(ours, fast, o.jaccard_min, tolerance);
  const std::string text = r.report(o.jaccard_min);
  std::cout << text;
  if (!o.out.empty()) write_file_atomically(o.out, text);
  return 0;
}

}  // namespace qp::app
