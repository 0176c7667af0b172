// The associate stage's output in the run store (associate/network.h5):
// the network events with their picks as column datasets, read back by the
// export stage (docs/run-store.md).
#pragma once

#include <string>
#include <vector>

#include "pipeline/hdf5_file.hpp"
#include "postprocess/catalog/catalog.hpp"

namespace qp::app {

void write_events(h5::Group& g, const std::vector<catalog::Event>& events);
std::vector<catalog::Event> read_events(const h5::Group& g);

}  // namespace qp::app
