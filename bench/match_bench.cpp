// match_bench [templates] [direct_seconds]: normalised cross-correlation
// throughput, one thread, on one channel-day at 25 Hz and at 100 Hz against
// `templates` (default 100) templates of 10 s cut from the data.
//
// Prints, per rate: the FFT correlator over the whole day (all templates in
// one pass, each data block transformed once) with the share of its time
// inside FFTW; the direct float64 time-domain computation on a shorter span
// (`direct_seconds` of data, default 600 s at 25 Hz and 150 s at 100 Hz),
// extrapolated to the day (said so); and their ratio. Throughput is in
// template-channel samples per second per core: correlation values produced
// (lags x templates) per second. Targets (issue 16): FFT >= 10x direct;
// one channel-day against 100 templates at 25 Hz in <= 5 s.
//
// The data are seeded Gaussian noise (the cost does not depend on the
// waveform), every sample valid.
#include <cmath>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "match/direct_correlation.hpp"
#include "match/fft_correlator.hpp"

using namespace qp::match;

// CPU time of this process (one thread): the machine may be shared, and
// per-core throughput is what is asked.
static double cpu_seconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

static void run_rate(double rate, std::size_t n_templates, double direct_seconds, std::size_t fft_size) {
  const std::size_t n = static_cast<std::size_t>(86400 * rate);
  const std::size_t m = static_cast<std::size_t>(10 * rate);
  std::mt19937_64 rng(16);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> day(n);
  for (auto& v : day) v = gauss(rng);
  std::vector<TemplateChannel> templates;
  std::uniform_int_distribution<std::size_t> where(0, n - m);
  for (std::size_t j = 0; j < n_templates; ++j) templates.push_back(make_template_channel(day.data() + where(rng), m));

  FftCorrelator fft(templates, fft_size);
  CorrelationTiming timing;
  double checksum = 0;
  const double fft_cpu0 = cpu_seconds();
  std::size_t values = 0;
  fft.correlate(day.data(), nullptr, n,
                [&](std::size_t, std::size_t, const float* cc, std::size_t count) {
                  float best = -1;
                  for (std::size_t k = 0; k < count; ++k) best = std::max(best, cc[k]);
                  checksum += best;
                  values += count;
                },
                &timing);
  const double fft_cpu = cpu_seconds() - fft_cpu0;
  const double fft_rate = static_cast<double>(values) / fft_cpu;

  // Direct: the same templates over a shorter span.
  const std::size_t span = std::min(n, static_cast<std::size_t>(direct_seconds * rate) + m - 1);
  const double direct_cpu0 = cpu_seconds();
  std::size_t direct_values = 0;
  for (const auto& t : templates) {
    const auto cc = direct_correlation(t, day.data(), nullptr, span);
    direct_values += cc.size();
    checksum += cc.empty() ? 0 : cc[0];
  }
  const double direct_time = cpu_seconds() - direct_cpu0;
  const double direct_rate = static_cast<double>(direct_values) / direct_time;
  const double direct_day = static_cast<double>(values) / direct_rate;

  std::printf("%.0f Hz: 1 channel-day (%zu samples) x %zu templates of 10 s (%zu samples), FFT size %zu\n",
              rate, n, n_templates, m, fft.fft_size());
  std::printf("  FFT correlator   %8.2f s CPU for the day (%.2f s wall)  %8.1f M template-channel samples/s  (FFTW itself %.0f%% of the wall time)\n",
              fft_cpu, timing.total_seconds, fft_rate / 1e6, 100.0 * timing.fftw_seconds / timing.total_seconds);
  std::printf("  direct (float64) %8.2f s CPU for %.0f s of data, extrapolated %.1f s for the day  %8.2f M samples/s\n",
              direct_time, direct_seconds, direct_day, direct_rate / 1e6);
  std::printf("  FFT / direct     %8.1f x   (checksum %.3f)\n", fft_rate / direct_rate, checksum);
}

int main(int argc, char** argv) {
  const std::size_t n_templates = argc > 1 ? std::stoul(argv[1]) : 100;
  const double direct_25 = argc > 2 ? std::stod(argv[2]) : 600.0;
  const std::size_t fft_size = argc > 3 ? std::stoul(argv[3]) : 0;
  std::printf("match_bench: one thread\n");
  run_rate(25.0, n_templates, direct_25, fft_size);
  run_rate(100.0, n_templates, direct_25 / 4, fft_size);
  return 0;
}
