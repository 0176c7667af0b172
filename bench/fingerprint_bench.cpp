// Fingerprints per second per core on 24 h of 20 Hz synthetic coloured noise
// with the usual settings (spec_length 6 s, spec_lag 0.2 s, fp_length 64,
// fp_lag 10, nfreq 32, k_coef 200), processed in 5-minute blocks as the stage
// driver does (each image binarised as soon as its coefficients exist), against
// the two-step path (a block's coefficients, then binarize()) and a naive
// per-image implementation timed in the same run. Prints medians of 5 runs,
// whether fused and two-step bits are identical, and the peak RSS; exits 1
// if they differ.
//
//   fingerprint_bench [runs=5] [threads=1] [block_seconds=300] [key=value ...]
// where key is one of sampling_rate, min_freq, max_freq, spec_length, spec_lag,
// fp_length, fp_lag, nfreq, k_coef ([fingerprint] names).
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/haar.hpp"
#include "fingerprint/mad.hpp"
#include "fingerprint/resize.hpp"
#include "fingerprint/spectrogram.hpp"

using namespace qp;
using namespace qp::fp;

namespace {

// Process CPU time: on a shared, loaded machine wall time says more about the
// neighbours than about this code; per-core throughput is work per CPU second.
double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double wall_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Coloured noise: white noise through two AR(1) stages plus a few
// intermittent bursts, so spectra and fingerprints vary.
std::vector<float> coloured_noise(std::size_t n, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g(0.0, 1.0);
  std::vector<float> x(n);
  double a = 0, b = 0;
  for (std::size_t i = 0; i < n; ++i) {
    a = 0.9 * a + g(rng);
    b = 0.5 * b + a;
    double burst = 0;
    if ((i / 2000) % 17 == 3) burst = 20.0 * std::sin(0.9 * static_cast<double>(i)) * g(rng);
    x[i] = static_cast<float>(b - 0.3 * a + burst);
  }
  return x;
}

// Naive reference-style path: every image from scratch (its own FFT columns,
// a whole-image resize with allocations, Haar, normalisation, full argsort).
std::size_t naive_fingerprints(const FingerprintParams& p, const std::vector<float>& x,
                               std::size_t n_images, const MadStats& stats,
                               std::vector<std::uint64_t>& sink) {
  Spectrogram spec(p);
  auto ws = spec.workspace();
  const int rows = spec.rows(), ntimes = p.ntimes();
  const std::size_t M = p.M(), words = p.words64();
  const std::size_t step = static_cast<std::size_t>(p.fp_lag) * p.hop();
  std::vector<float> col(static_cast<std::size_t>(rows));
  std::vector<double> img(M), scratch(M), z(M);
  std::vector<std::size_t> idx(M);
  std::vector<std::uint64_t> w(words);
  for (std::size_t i = 0; i < n_images; ++i) {
    std::vector<float> raw(static_cast<std::size_t>(rows) * p.fp_length);
    for (int c = 0; c < p.fp_length; ++c) {
      spec.frame(x.data() + i * step + static_cast<std::size_t>(c) * p.hop(), col.data(), *ws);
      for (int r = 0; r < rows; ++r) raw[static_cast<std::size_t>(r) * p.fp_length + c] = col[r];
    }
    const std::vector<float> small = pillow_resize_bilinear(raw.data(), p.fp_length, rows, ntimes, p.nfreq);
    for (std::size_t c = 0; c < M; ++c) img[c] = small[c];
    haar2d_pyramid(img.data(), p.nfreq, ntimes, scratch.data());
    l2_normalize(img.data(), M);
    for (std::size_t c = 0; c < M; ++c) z[c] = (img[c] - stats.median[c]) / stats.mad[c];
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(),
                     [&](std::size_t a, std::size_t b) { return std::fabs(z[a]) < std::fabs(z[b]); });
    std::fill(w.begin(), w.end(), 0);
    for (std::size_t j = M - static_cast<std::size_t>(p.k_coef); j < M; ++j) {
      const std::size_t c = idx[j];
      const std::size_t b = z[c] > 0 ? c : M + c;
      if (z[c] != 0) w[b / 64] |= std::uint64_t{1} << (63 - b % 64);
    }
    sink[i % sink.size()] ^= w[0];
  }
  return n_images;
}

}  // namespace

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 5;
  const int threads = argc > 2 ? std::max(1, std::atoi(argv[2])) : 1;
  omp_set_num_threads(threads);

  FingerprintParams p;
  p.sampling_rate = 20;
  p.min_freq = 2;
  p.max_freq = 10;
  p.spec_length = 6;
  p.spec_lag = 0.2;
  p.fp_length = 64;
  p.fp_lag = 10;
  p.nfreq = 32;
  p.k_coef = 200;
  p.mad_sampling_rate = 0.1;
  p.mad_sample_interval = 3600;
  p.mode = FrameMode::kQuakeprint;
  // key=value arguments after the first three set other parameters (e.g. the
  // stage's, to compare its end-to-end rate with the kernel's on the same images).
  for (int a = 4; a < argc; ++a) {
    const std::string kv = argv[a];
    const auto eq = kv.find('=');
    const std::string key = kv.substr(0, eq);
    const double v = eq == std::string::npos ? 0.0 : std::atof(kv.c_str() + eq + 1);
    if (key == "sampling_rate") p.sampling_rate = v;
    else if (key == "min_freq") p.min_freq = v;
    else if (key == "max_freq") p.max_freq = v;
    else if (key == "spec_length") p.spec_length = v;
    else if (key == "spec_lag") p.spec_lag = v;
    else if (key == "fp_length") p.fp_length = static_cast<int>(v);
    else if (key == "fp_lag") p.fp_lag = static_cast<int>(v);
    else if (key == "nfreq") p.nfreq = static_cast<int>(v);
    else if (key == "k_coef") p.k_coef = static_cast<int>(v);
    else {
      std::fprintf(stderr, "fingerprint_bench: unknown parameter '%s'\n", kv.c_str());
      return 2;
    }
  }
  p.validate();

  const TimeNs day0 = civil_to_ns(2020, 1, 1);
  const TimeNs hour = (argc > 3 ? std::atoi(argv[3]) : 300) * kNsPerSecond;  // block length
  // One day of data plus one window span, so the day's last images are complete.
  const std::size_t n = static_cast<std::size_t>(86400 * p.sampling_rate) +
                        static_cast<std::size_t>(p.window_samples());
  const std::vector<float> x = coloured_noise(n, 42);
  Fingerprinter fper(p);

  // MAD statistics from the sampled windows (not timed).
  CoefficientBlock sample;
  for (const auto& w : mad_sample_windows(day0, day0 + kNsPerDay, p, 7))
    sample.append(fper.coefficients(x.data(), nullptr, n, day0, w.first, w.second));
  const MadStats stats = compute_mad_stats(sample);

  std::printf("fingerprint_bench: 24 h at %g Hz, spec %.1f s / %.1f s, fp_length %d, fp_lag %d, "
              "nfreq %d, k %d, M %zu, %d thread(s), %d runs, mode %s\n",
              p.sampling_rate, p.spec_length, p.spec_lag, p.fp_length, p.fp_lag, p.nfreq, p.k_coef,
              p.M(), threads, runs, to_string(p.mode));
  std::printf("MAD sample: %zu fingerprints from %zu windows\n", sample.size(),
              mad_sample_windows(day0, day0 + kNsPerDay, p, 7).size());

  // Fused (what the stage runs): each image binarised as soon as its
  // coefficients exist. Two-step: a block's coefficients, then binarize()
  // (the kernels of the previous version, and the breakdown of the time).
  // Runs alternate between the two, so both see the same load.
  const Binarizer bin(stats, p.k_coef);
  std::vector<double> t_fast, t_two, t_coeff, t_naive, t_wall;
  std::size_t count = 0;
  std::uint64_t check = 0;
  bool identical = true;
  for (int r = 0; r < runs; ++r) {
    double tc = 0;
    double t0 = now_s();
    count = 0;
    std::vector<std::uint64_t> two;
    for (TimeNs h = day0; h < day0 + kNsPerDay; h += hour) {
      const double a = now_s();
      const CoefficientBlock cb = fper.coefficients(x.data(), nullptr, n, day0, h, h + hour);
      tc += now_s() - a;
      const FingerprintBlock fb = binarize(cb, stats, p.k_coef);
      count += fb.size();
      if (r == 0) two.insert(two.end(), fb.bits.begin(), fb.bits.end());
    }
    t_two.push_back(now_s() - t0);
    t_coeff.push_back(tc);
    t0 = now_s();
    const double w0 = wall_s();
    std::size_t fused_count = 0, at = 0;
    for (TimeNs h = day0; h < day0 + kNsPerDay; h += hour) {
      const FingerprintBlock fb = fper.fingerprints(x.data(), nullptr, n, day0, h, h + hour, bin);
      fused_count += fb.size();
      check ^= fb.bits[fb.bits.size() / 2];
      if (r == 0) {
        identical = identical && at + fb.bits.size() <= two.size() &&
                    std::equal(fb.bits.begin(), fb.bits.end(), two.begin() + static_cast<std::ptrdiff_t>(at));
        at += fb.bits.size();
      }
    }
    t_fast.push_back(now_s() - t0);
    t_wall.push_back(wall_s() - w0);
    if (fused_count != count || (r == 0 && at != two.size())) identical = false;
  }
  const std::size_t naive_n = 1800;  // an hour of fingerprints at the default 2 s spacing
  std::vector<std::uint64_t> sink(16, 0);
  for (int r = 0; r < runs; ++r) {
    const double t0 = now_s();
    naive_fingerprints(p, x, naive_n, stats, sink);
    t_naive.push_back(now_s() - t0);
  }
  const double fast_rate = static_cast<double>(count) / median(t_fast);
  const double two_rate = static_cast<double>(count) / median(t_two);
  const double naive_rate = static_cast<double>(naive_n) / median(t_naive);
  std::printf("fused: %zu fingerprints/day in %.3f CPU s (median), wall %.3f s\n", count, median(t_fast),
              median(t_wall));
  std::printf("fused: %.0f fingerprints per CPU second (per core); %.0f fingerprints/s wall with %d thread(s)\n",
              fast_rate, static_cast<double>(count) / median(t_wall), threads);
  std::printf("two-step: %.0f fingerprints per CPU second (%.3f CPU s: coefficients %.3f s, binarize %.3f s)\n",
              two_rate, median(t_two), median(t_coeff), median(t_two) - median(t_coeff));
  std::printf("naive per-image: %.0f fingerprints per CPU second (%zu fingerprints, median %.3f CPU s)\n",
              naive_rate, naive_n, median(t_naive));
  std::printf("speed-up: %.2fx over two-step, %.1fx over naive; fused bits %s two-step's\n", fast_rate / two_rate,
              fast_rate / naive_rate, identical ? "identical to" : "DIFFER from");
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  std::printf("peak RSS: %.1f MiB (one day in %lld-second blocks, input %.1f MiB)\n",
              static_cast<double>(ru.ru_maxrss) / 1024.0, static_cast<long long>(hour / kNsPerSecond), static_cast<double>(n) * 4 / 1048576.0);
  std::printf("(checksum %llx)\n", static_cast<unsigned long long>(check ^ sink[0]));
  return identical ? 0 : 1;
}
