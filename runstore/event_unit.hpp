// Event units: the associate stage's output in the run store
// (associate/network.h5): the network events with their picks as column
// datasets, read back by the export and match stages (docs/run-store.md).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "pipeline/hdf5_file.hpp"
#include "pipeline/time.hpp"
#include "postprocess/catalog/catalog.hpp"

namespace qp::runstore {

/// What the association saw, recorded beside the events.
struct EventUnitSummary {
  std::size_t station_pairs = 0, network_event_pairs = 0;
  TimeNs dt_fp = 0;  // the fingerprint grid step the event pairs are on
};

void write_event_unit(h5::Group& root, const std::vector<catalog::Event>& events, const EventUnitSummary& s);
std::vector<catalog::Event> read_event_unit(const std::filesystem::path& file);

}  // namespace qp::runstore
