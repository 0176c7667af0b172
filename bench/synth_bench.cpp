// synth_bench [out_dir] [days]: samples/s of qp_synth for one 100 Hz channel
// over a week (default), split into noise generation, Steim-2 packing and the
// whole generate() (noise + events + packing + truth tables). Target: >= 10 M
// samples/s for the whole run.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "synth/generate.hpp"
#include "synth/mseed_writer.hpp"
#include "synth/noise.hpp"

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

static double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int main(int argc, char** argv) {
  const fs::path root = argc > 1 ? fs::path(argv[1]) : fs::temp_directory_path() / "qp_synth_bench";
  const double days = argc > 2 ? std::stod(argv[2]) : 7.0;
  const double fs_hz = 100.0;
  const auto n = static_cast<std::int64_t>(days * 86400 * fs_hz);
  const std::int64_t block = 360000;  // one hour
  fs::remove_all(root);
  fs::create_directories(root);
  std::printf("synth_bench: %.1f days x 1 channel x %.0f Hz = %lld samples\n", days, fs_hz,
              static_cast<long long>(n));

  // 1. Coloured noise alone.
  std::vector<double> x(static_cast<std::size_t>(block));
  double sink = 0;
  auto t0 = Clock::now();
  qp::synth::ColouredNoise noise(fs_hz, 100.0, 1);
  for (std::int64_t k = 0; k < n; k += block) {
    noise.fill(x.data(), x.size());
    sink += x[0];
  }
  const double t_noise = seconds_since(t0);
  std::printf("  coloured noise      %8.3f s  %7.1f M samples/s\n", t_noise, n / t_noise / 1e6);

  // 2. Steim-2 packing and writing alone (day files, 4096-byte records).
  std::vector<std::int32_t> counts(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) counts[i] = static_cast<std::int32_t>(std::lround(x[i]));
  fs::create_directories(root / "pack");
  t0 = Clock::now();
  {
    qp::synth::ChannelWriter w(root / "pack", "SY", "S01", "", "HHZ",
                               qp::civil_to_ns(2024, 1, 1), fs_hz);
    for (std::int64_t k = 0; k < n; k += block)
      w.append(counts.data(), static_cast<std::size_t>(std::min(block, n - k)), k);
    w.finish();
  }
  const double t_pack = seconds_since(t0);
  std::uintmax_t bytes = 0;
  for (const auto& e : fs::directory_iterator(root / "pack")) bytes += fs::file_size(e.path());
  std::printf("  Steim-2 write       %8.3f s  %7.1f M samples/s  (%.2f bytes/sample)\n", t_pack,
              n / t_pack / 1e6, static_cast<double>(bytes) / static_cast<double>(n));

  // 3. The whole generator: 1 station, 1 component, default families.
  qp::synth::SynthParams p;
  p.duration_s = days * 86400;
  p.sampling_rate = fs_hz;
  p.n_stations = 1;
  p.components = {"HHZ"};
  p.n_families = 10;
  p.n_singletons = 20;
  t0 = Clock::now();
  const auto s = qp::synth::generate(p, root / "gen");
  const double t_gen = seconds_since(t0);
  std::printf("  generate()          %8.3f s  %7.1f M samples/s  (%d events, %lld records, %zu files)\n",
              t_gen, s.samples / t_gen / 1e6, s.n_events, static_cast<long long>(s.records),
              s.files.size());
  fs::remove_all(root);
  return sink == 12345.678 ? 1 : 0;
}
