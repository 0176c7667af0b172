// libFuzzer target: the miniSEED 2 reader (libmseed underneath) on arbitrary
// bytes; seeds: format-fixtures/libmseed and format-fixtures/mseed.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "preprocess/waveform_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& t : qp::pre::read_waveform_bytes(bytes, "fuzz.mseed"))
      if (t.sampling_rate <= 0 || t.seed_id.empty()) std::abort();  // readers promise both
  } catch (const qp::Error&) {
  }
  return 0;
}
