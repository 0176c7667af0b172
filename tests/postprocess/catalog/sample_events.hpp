// A small hand-made catalog shared by the writer tests: one located event
// with P and S picks, one unlocated detection, one with an odd family id.
#pragma once

#include <vector>

#include "postprocess/catalog/catalog.hpp"

namespace qp::catalog::test {

std::vector<Event> sample_events();

/// Run creation time used by the golden files.
TimeNs sample_creation_time();

/// Compares `actual` with tests/postprocess/catalog/golden/<name>; when the
/// environment variable QP_UPDATE_GOLDEN is set, rewrites the golden file.
void expect_matches_golden(const std::string& actual, const std::string& name);

}  // namespace qp::catalog::test
