// libFuzzer target: the TOML run config (parsing and validation of every
// declared key); seeds: configs/*.toml.
#include "fuzz/fuzz_input.hpp"
#include "pipeline/config.hpp"
#include "pipeline/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const qp::Config cfg = qp::Config::from_string(text, qp::fuzz::scratch_dir() / "config.toml");
    (void)cfg.hash();
    for (const auto& ch : cfg.channels()) (void)ch.seed_id();
  } catch (const qp::Error&) {
  }
  return 0;
}
