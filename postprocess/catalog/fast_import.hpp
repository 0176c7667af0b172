// import-fast: turns FAST's JSON parameter files into quakeprint TOML for the
// [fingerprint], [search] and [associate] sections. FAST's key names are kept
// 1:1; the few things that are not plain copies are spelled out as comments
// in the output (see docs/catalog-format.md, "import-fast").
#pragma once

#include <string>
#include <vector>

namespace qp::catalog {

/// `fp_json_files`: FAST fingerprint inputs (fp_input_<NET>_<STA>_<CHA>.json),
/// whose "fingerprint" blocks must agree; `config_json`: FAST's top-level
/// config.json (lsh_param: ntbl, nhash, nvote, nthread, npart, repeat);
/// `network_json`: network_params.json ("network" block). Throws
/// qp::InputError naming the file (and line for JSON syntax errors) on a
/// missing key, a non-numeric value or fingerprint files that disagree.
std::string import_fast_parameters(const std::vector<std::string>& fp_json_files,
                                   const std::string& config_json,
                                   const std::string& network_json);

}  // namespace qp::catalog
