// libFuzzer target: the StationXML scanner; seeds: the data sets' StationXML.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/error.hpp"
#include "postprocess/catalog/stations.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = qp::fuzz::write_scratch("stations.xml", data, size);
  try {
    (void)qp::catalog::read_station_xml(path);
    (void)qp::catalog::read_station_xml(path, qp::TimeNs{1420070400000000000});
  } catch (const qp::Error&) {
  }
  return 0;
}
