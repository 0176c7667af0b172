// libFuzzer target: reference picks read against a fixed catalog (the first
// events of the iceland reference run); seeds: picks.csv files.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "postprocess/catalog/reference_catalog.hpp"

namespace {
const char* kCatalog =
    "time,latitude,longitude,depth_km,magnitude,mag_type,source\n"
    "2014-08-24T00:01:08.920Z,64.754563,-16.946445,6,1.11,ML,QuakeMigrate example run: located event 20140824000109140\n"
    "2014-08-24T00:01:20.020Z,64.801211,-16.900234,6.1,1.18,ML,QuakeMigrate example run: located event 20140824000120180\n";
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const qp::catalog::ReferenceCatalog catalog =
      qp::catalog::read_reference_catalog(qp::fuzz::write_scratch("catalog.csv", kCatalog));
  const std::string path = qp::fuzz::write_scratch("picks.csv", data, size);
  std::vector<qp::catalog::ReferenceEvent> events = catalog.events;
  try {
    qp::catalog::read_reference_picks(path, events, {true});
  } catch (const qp::Error&) {
  }
  return 0;
}
