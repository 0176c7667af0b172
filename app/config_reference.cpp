#include "app/config_reference.hpp"

#include "app/loaded_config.hpp"

namespace qp::app {
namespace {

std::string cell(std::string s) {
  std::string out;
  for (char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string code(const std::string& s) { return s.empty() ? "" : "`" + s + "`"; }

// Two stations sharing their files, the rest at defaults.
constexpr const char* kExampleStations = R"([[stations]]
network = "Z7"
station = "LIND"
channels = ["HHZ", "HHN", "HHE"]
files = ["data/*.mseed"]

[[stations]]
network = "Z7"
station = "DYJN"
channels = ["HHZ", "HHN", "HHE"]
files = ["data/*.mseed"]
)";

}  // namespace

std::vector<const ParamSheet*> param_sheets() {
  return {&pre::preprocess_param_table(),   &fp::fingerprint_param_table(),  &lsh::search_param_table(),
          &post::association_param_table(), &post::picking_param_table(), &catalog::location_param_table(), &match::match_param_table(),
          &catalog::export_param_table()};
}

std::string config_key_tables_markdown() {
  ParamContext ctx;
  ctx.step_s = static_cast<double>(fp::FingerprintParams{}.dt_fp_ns()) * 1e-9;
  std::string out;
  for (const ParamSheet* sheet : param_sheets()) {
    out += "### `[" + sheet->section() + "]`\n\n" + sheet->summary() + "\n\n";
    out += "| key | default | range | unit | meaning | also read as (FAST name) |\n|---|---|---|---|---|---|\n";
    for (const ParamDoc& d : sheet->describe(ctx)) {
      std::string alias = code(d.alias);
      if (d.alias_in_steps) alias += " (in dt_fp steps)";
      out += "| " + code(d.key) + " | " + cell(d.default_text) + " | " + cell(d.range) + " | " + cell(d.unit) +
             " | " + cell(d.meaning) + " | " + alias + " |\n";
    }
    out += "\n";
  }
  return out;
}

std::string example_config_toml() {
  const LoadedConfig lc = load_config(Config::from_string(kExampleStations, "example.toml"));
  return "# A quakeprint config with every key at its default, as `quakeprint config`\n"
         "# prints it. Generated from the parameter tables by quakeprint-config-docs\n"
         "# (do not edit; docs/config.md explains each key). Paths are relative to\n"
         "# this file. Remove what you do not change; unknown keys are rejected with\n"
         "# their line.\n\n" +
         lc.cfg.effective_text(true);
}

}  // namespace qp::app
