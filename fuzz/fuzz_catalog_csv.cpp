// libFuzzer target: reference catalogs (quakeprint catalog.csv, synthetic
// truth, the shared data sets' layout); seeds: the data sets' catalog.csv.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "postprocess/catalog/reference_catalog.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = qp::fuzz::write_scratch("catalog.csv", data, size);
  try {
    (void)qp::catalog::read_reference_catalog(path);
  } catch (const qp::Error&) {
  }
  return 0;
}
