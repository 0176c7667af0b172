#include <cstdio>

#include "app/commands.hpp"
#include "app/loaded_config.hpp"

namespace qp::app {

// The effective config with each key's meaning above it; the comments are
// not part of the config hash.
int cmd_config(const CommonOptions& o) {
  const LoadedConfig lc = load_config(o.config);
  std::printf("# effective config of %s (every default filled in)\n# config hash %s\n\n%s",
              lc.cfg.path().c_str(), lc.cfg.hash().c_str(), lc.cfg.effective_text(true).c_str());
  return 0;
}

}  // namespace qp::app
