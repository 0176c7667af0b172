// quakeprint run: every stage of the registry in order, in this process.
#include "app/stage_registry.hpp"

namespace qp::app {

int cmd_run(const PreprocessOptions& o, MpiContext& mpi) {
  const LoadedConfig lc = load_config(o.config);
  for (const StageInfo* s : pipeline_stages(lc))
    if (s->run(o, mpi) != 0) return 1;
  return 0;
}

}  // namespace qp::app
