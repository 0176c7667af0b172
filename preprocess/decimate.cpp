#include "preprocess/decimate.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>

namespace qp::pre {

namespace {
constexpr double kPi = 3.14159265358979323846;

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

double bessel_i0(double x) {
  // Power series; converges quickly for the small arguments of Kaiser windows.
  double sum = 1, term = 1;
  const double q = x * x / 4;
  for (int k = 1; k < 200; ++k) {
    term *= q / (static_cast<double>(k) * k);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return sum;
}
}  // namespace

std::int64_t grid_index(TimeNs t, double rate) {
  // Split whole seconds from the rest so that the product keeps sub-ns detail.
  const std::int64_t sec = floor_div(t, kNsPerSecond);
  const std::int64_t ns = t - sec * kNsPerSecond;
  const long double pos = static_cast<long double>(sec) * rate + static_cast<long double>(ns) * rate / 1e9L;
  return static_cast<std::int64_t>(std::llround(pos));
}

std::size_t first_kept(std::int64_t i0, int q) {
  const std::int64_t r = ((i0 % q) + q) % q;
  return static_cast<std::size_t>(r == 0 ? 0 : q - r);
}

Sos decimation_filter_scipy(int q) {
  if (q < 2) throw std::invalid_argument("decimation factor must be >= 2");
  return zpk_to_sos(cheby1_lowpass_zpk(8, 0.05, 0.8 / q));
}

Sos decimation_filter_obspy(int q, double fs) {
  if (q < 2) throw std::invalid_argument("decimation factor must be >= 2");
  return obspy_lowpass_cheby2(fs * 0.5 / q, fs, 12);
}

namespace {
std::vector<double> keep_every(const std::vector<double>& y, int q, std::int64_t i0) {
  std::vector<double> out;
  const std::size_t first = first_kept(i0, q);
  if (first < y.size()) out.reserve((y.size() - first + q - 1) / q);
  for (std::size_t i = first; i < y.size(); i += static_cast<std::size_t>(q)) out.push_back(y[i]);
  return out;
}
}  // namespace

std::vector<double> decimate_zero_phase(std::vector<double> x, int q, std::int64_t i0) {
  sosfiltfilt(decimation_filter_scipy(q), x);
  return keep_every(x, q, i0);
}

std::vector<double> decimate_obspy(std::vector<double> x, int q, double fs, std::int64_t i0) {
  sosfilt(decimation_filter_obspy(q, fs), x);
  return keep_every(x, q, i0);
}

std::optional<RationalRatio> rational_ratio(double in_rate, double out_rate, int max_term) {
  if (!(in_rate > 0 && out_rate > 0)) return std::nullopt;
  const double r = out_rate / in_rate;
  for (int down = 1; down <= max_term; ++down) {
    const double up_d = r * down;
    const long up = std::lround(up_d);
    if (up < 1 || up > max_term) continue;
    if (std::fabs(static_cast<double>(up) / down - r) <= 1e-9 * r) {
      const int g = std::gcd(static_cast<int>(up), down);
      return RationalRatio{static_cast<int>(up) / g, down / g};
    }
  }
  return std::nullopt;
}

std::vector<double> resample_kernel(int up, int down) {
  const int g = std::gcd(up, down);
  up /= g;
  down /= g;
  const int max_rate = std::max(up, down);
  const int half_len = 10 * max_rate;
  const int numtaps = 2 * half_len + 1;
  const double cutoff = 1.0 / max_rate;
  const double beta = 5.0;
  const double alpha = 0.5 * (numtaps - 1);
  std::vector<double> h(static_cast<std::size_t>(numtaps));
  double sum = 0;
  for (int n = 0; n < numtaps; ++n) {
    const double m = n - alpha;
    const double xm = cutoff * m;
    const double sinc = xm == 0 ? 1.0 : std::sin(kPi * xm) / (kPi * xm);
    const double r = m / alpha;
    const double w = bessel_i0(beta * std::sqrt(std::max(0.0, 1.0 - r * r))) / bessel_i0(beta);
    h[static_cast<std::size_t>(n)] = cutoff * sinc * w;
    sum += h[static_cast<std::size_t>(n)];
  }
  for (double& v : h) v = v / sum * up;
  return h;
}

std::vector<double> resample_rational(const std::vector<double>& x, int up, int down, std::int64_t i0,
                                      std::int64_t* first_m) {
  const int g = std::gcd(up, down);
  up /= g;
  down /= g;
  const std::vector<double> h = resample_kernel(up, down);
  const std::int64_t half = static_cast<std::int64_t>(h.size() / 2);
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  std::vector<double> out;
  if (n == 0) {
    if (first_m) *first_m = 0;
    return out;
  }
  // Outputs m with i0 <= m*down/up <= i0+n-1.
  const std::int64_t m0 = -floor_div(-(i0 * up), down);  // ceil
  const std::int64_t m1 = floor_div((i0 + n - 1) * up, down);
  if (first_m) *first_m = m0;
  out.reserve(static_cast<std::size_t>(std::max<std::int64_t>(0, m1 - m0 + 1)));
  for (std::int64_t m = m0; m <= m1; ++m) {
    // Upsampled position u = m*down; input i contributes h[half + u - i*up].
    const std::int64_t u = m * down;
    const std::int64_t i_lo = std::max<std::int64_t>(i0, -floor_div(-(u - half), up));
    const std::int64_t i_hi = std::min<std::int64_t>(i0 + n - 1, floor_div(u + half, up));
    double acc = 0;
    for (std::int64_t i = i_lo; i <= i_hi; ++i)
      acc += x[static_cast<std::size_t>(i - i0)] * h[static_cast<std::size_t>(half + u - i * up)];
    out.push_back(acc);
  }
  return out;
}

}  // namespace qp::pre
