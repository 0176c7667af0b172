// libFuzzer target: FAST's JSON parameter files (import-fast). The input's
// length modulo 3 picks the role it plays (fingerprint, search or network
// file), the other two files valid; seeds: the fast-iceland reference run's
// parameter files. One import per execution (trying every role each time
// made three, each reading three files: a third of the speed), and the
// mutator reaches every role by changing the length.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "postprocess/catalog/fast_import.hpp"

namespace {
const char* kFingerprint = R"({"fingerprint": {"sampling_rate": 50.0, "min_freq": 2.0, "max_freq": 20.0,
 "spec_length": 4.0, "spec_lag": 0.1, "fp_length": 64, "fp_lag": 5, "k_coef": 200, "nfreq": 32,
 "mad_sampling_rate": 1, "mad_sample_interval": 86400}})";
const char* kConfig = R"({"lsh_param": {"ntbl": 100, "nhash": 4, "nvote": 2, "nthread": 1, "npart": 1,
 "repeat": 5}})";
const char* kNetwork = R"({"network": {"max_fp": 1075, "dt_fp": 0.5, "dgapL": 10, "dgapW": 3,
 "num_pass": 2, "min_dets": 3, "min_sum_multiplier": 1, "max_width": 8, "ivals_thresh": 6,
 "nsta_thresh": 3, "input_offset": 15}})";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using qp::fuzz::write_scratch;
  static const std::string fp = write_scratch("fp_valid.json", kFingerprint);
  static const std::string config = write_scratch("config_valid.json", kConfig);
  static const std::string network = write_scratch("network_valid.json", kNetwork);
  const std::string input = write_scratch("input.json", data, size);
  const std::size_t role = size % 3;
  try {
    (void)qp::catalog::import_fast_parameters({role == 0 ? input : fp}, role == 1 ? input : config,
                                              role == 2 ? input : network);
  } catch (const qp::Error&) {
  }
  return 0;
}
