// Throughput of the preprocess chain on 24 h of 100 Hz data (synthetic
// Gaussian noise): band-pass 2-8 Hz + decimation by 4, per core.
// Prints the median of 5 runs of each step in samples per second.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "preprocess/decimate.hpp"
#include "preprocess/filters.hpp"
#include "preprocess/heap_reuse.hpp"
#include "preprocess/preprocess.hpp"

using namespace qp::pre;

namespace {

template <class F>
double median_seconds(F&& f, int runs = 5) {
  std::vector<double> t;
  for (int r = 0; r < runs; ++r) {
    const auto a = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

void report(const char* what, std::size_t n, double s) {
  std::printf("%-52s %8.3f s  %8.2f M samples/s\n", what, s, static_cast<double>(n) / s / 1e6);
}

}  // namespace

int main() {
  const double fs = 100.0;
  const std::size_t n = static_cast<std::size_t>(24 * 3600 * fs);
  std::mt19937_64 rng(42);
  std::normal_distribution<double> gauss(0.0, 1000.0);
  std::vector<double> x(n);
  for (double& v : x) v = gauss(rng);

  Continuous raw;
  raw.seed_id = "XX.BENCH..HHZ";
  raw.sampling_rate = fs;
  raw.start = 1'400'000'000LL * 1'000'000'000LL;
  raw.samples.assign(x.begin(), x.end());
  raw.mask.assign(n, 1);

  const HeapReuse heap_reuse;  // as the preprocess stage runs
  const Sos bp = butter_bandpass(4, 2.0, 8.0, fs);
  std::printf("24 h of %.0f Hz noise = %zu samples, one thread, median of 5 runs\n", fs, n);
  volatile double sink = 0;
  // Kernels on a buffer that is already mapped: fresh multi-MB allocations
  // cost page faults that, on some VMs, exceed the filtering itself.
  std::vector<double> y(n);
  const Sos aa = decimation_filter_scipy(4);
  report("band-pass sosfilt (causal, 4 sections)", n, median_seconds([&] {
           std::copy(x.begin(), x.end(), y.begin());
           sosfilt(bp, y);
           sink = sink + y[n / 2];
         }));
  report("band-pass sosfiltfilt (zero phase)", n, median_seconds([&] {
           std::copy(x.begin(), x.end(), y.begin());
           sosfiltfilt(bp, y);
           sink = sink + y[n / 2];
         }));
  report("band-pass + x4 anti-alias, both sosfiltfilt", n, median_seconds([&] {
           std::copy(x.begin(), x.end(), y.begin());
           sosfiltfilt(bp, y);
           sosfiltfilt(aa, y);
           sink = sink + y[n / 2];
         }));
  report("decimate_zero_phase x4 (copies its input)", n, median_seconds([&] {
           auto z = decimate_zero_phase(x, 4, 0);
           sink = sink + z[0];
         }));
  report("decimate_obspy x4 (cheby2 <= 12, causal)", n, median_seconds([&] {
           auto z = decimate_obspy(x, 4, fs, 0);
           sink = sink + z[0];
         }));
  PreprocessParams p;
  p.target_rate = 25;
  report("preprocess() quakeprint mode (100 -> 25 Hz), end to end", n, median_seconds([&] {
           auto c = preprocess(raw, p, 1);
           sink = sink + c.samples[0];
         }));
  p.mode = "fast";
  report("preprocess() fast mode (100 -> 25 Hz), end to end", n, median_seconds([&] {
           auto c = preprocess(raw, p, 1);
           sink = sink + c.samples[0];
         }));
  return 0;
}
