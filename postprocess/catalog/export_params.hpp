// Parameters of the export stage, config section [export]: which catalog
// formats are written and the lowest score kept.
#pragma once

#include <string>

#include "pipeline/param_table.hpp"

namespace qp::catalog {

struct ExportParams {
  double min_score = 0;
  bool quakeml = true, nonlinloc = true, hypodd = true, fast_detlist = true;
  std::string agency = "XX";

  static ExportParams from_config(ConfigSection& s);
};

/// The [export] keys (pipeline/param_table.hpp).
const ParamTable<ExportParams>& export_param_table();

}  // namespace qp::catalog
