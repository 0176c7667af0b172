#include "postprocess/catalog/export_params.hpp"

namespace qp::catalog {

const ParamTable<ExportParams>& export_param_table() {
  using P = ExportParams;
  static const auto table =
      ParamTable<P>("export", "The catalog files written to RUN/catalog/ (docs/catalog-format.md).")
          .number("min_score", &P::min_score, {0.0, 1e300}, "",
                  "Events with a lower detection score are left out (quakeprint export --min-score overrides).")
          .flag("quakeml", &P::quakeml, "Write catalog.xml (QuakeML 1.2).")
          .flag("nonlinloc", &P::nonlinloc, "Write nlloc.obs (NonLinLoc phase file).")
          .flag("hypodd", &P::hypodd, "Write phase.dat and phase_ids.txt (HypoDD phase file).")
          .flag("fast_detlist", &P::fast_detlist, "Copy FAST's detection list (fast_detlist.txt).")
          .text("agency", &P::agency, {}, "Agency id in the QuakeML creation info.");
  return table;
}

ExportParams ExportParams::from_config(ConfigSection& s) {
  ExportParams p;
  export_param_table().read(s, p);
  return p;
}

}  // namespace qp::catalog
