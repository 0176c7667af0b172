// Phase files for external locators: NonLinLoc NLLOC_OBS and hypoDD
// phase.dat (input of ph2dt). Both atomic and deterministic.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "postprocess/catalog/catalog.hpp"

namespace qp::catalog {

/// NLLOC_OBS: one block per event (a "# event <id>" comment line, then one
/// line per pick, then a blank line). Error type GAU with the pick
/// uncertainty (or `default_uncertainty_s` when unknown). Events without
/// picks are skipped. Returns the number of events written.
std::size_t write_nlloc_obs(const std::string& path, const std::vector<Event>& events,
                            double default_uncertainty_s = 0.1);

/// hypoDD phase.dat: "# YR MO DY HR MN SC LAT LON DEP MAG EH EZ RMS ID" then
/// "STA TT WGHT PHA" lines, TT relative to the origin time. Only located
/// events can be written (the others are skipped). Ids are integers 1..N in
/// catalog order; the returned (id, event_id) list says which is which
/// (write_hypodd_id_map writes it as CSV).
std::vector<std::pair<long, std::string>> write_hypodd_phase(const std::string& path,
                                                             const std::vector<Event>& events);
void write_hypodd_id_map(const std::string& path,
                         const std::vector<std::pair<long, std::string>>& ids);

}  // namespace qp::catalog
