// The reference of every config key, generated from the sections' parameter
// tables (pipeline/param_table.hpp): the key tables of docs/config.md and
// configs/example.toml. quakeprint-config-docs writes or checks both.
#pragma once

#include <string>
#include <vector>

#include "pipeline/param_table.hpp"

namespace qp::app {

/// Every table, in the order of the docs and of `quakeprint config`.
std::vector<const ParamSheet*> param_sheets();
/// Markdown: per section its summary and a table of its keys.
std::string config_key_tables_markdown();
/// configs/example.toml: every key at its default, each with its meaning.
std::string example_config_toml();

}  // namespace qp::app
