// libFuzzer target: the SAC reader (binary, both byte orders, alphanumeric)
// on arbitrary bytes; seeds: format-fixtures/sac.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "preprocess/waveform_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    for (const auto& t : qp::pre::read_waveform_bytes(bytes, "fuzz.sac"))
      if (t.sampling_rate <= 0) std::abort();
  } catch (const qp::Error&) {
  }
  return 0;
}
