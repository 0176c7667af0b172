#include "preprocess/filters.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace qp::pre {

namespace {

using cd = std::complex<double>;
constexpr double kPi = 3.14159265358979323846;

// ---------------------------------------------------------- prototypes --

Zpk buttap(int n) {
  Zpk a;
  for (int m = -n + 1; m < n; m += 2) a.p.push_back(-std::exp(cd(0, kPi * m / (2.0 * n))));
  a.k = 1;
  return a;
}

Zpk cheb1ap(int n, double rp) {
  Zpk a;
  const double eps = std::sqrt(std::pow(10.0, 0.1 * rp) - 1.0);
  const double mu = 1.0 / n * std::asinh(1.0 / eps);
  cd prod(1, 0);
  for (int m = -n + 1; m < n; m += 2) {
    const double theta = kPi * m / (2.0 * n);
    const cd p = -std::sinh(cd(mu, theta));
    a.p.push_back(p);
    prod *= -p;
  }
  a.k = prod.real();
  if (n % 2 == 0) a.k /= std::sqrt(1.0 + eps * eps);
  return a;
}

Zpk cheb2ap(int n, double rs) {
  Zpk a;
  const double de = 1.0 / std::sqrt(std::pow(10.0, 0.1 * rs) - 1.0);
  const double mu = std::asinh(1.0 / de) / n;
  std::vector<int> ms;
  if (n % 2) {
    for (int m = -n + 1; m < 0; m += 2) ms.push_back(m);
    for (int m = 2; m < n; m += 2) ms.push_back(m);
  } else {
    for (int m = -n + 1; m < n; m += 2) ms.push_back(m);
  }
  for (int m : ms) a.z.push_back(-std::conj(cd(0, 1) / std::sin(m * kPi / (2.0 * n))));
  for (int m = -n + 1; m < n; m += 2) {
    cd p = -std::exp(cd(0, kPi * m / (2.0 * n)));
    p = cd(std::sinh(mu) * p.real(), std::cosh(mu) * p.imag());
    a.p.push_back(1.0 / p);
  }
  cd pp(1, 0), pz(1, 0);
  for (const cd& p : a.p) pp *= -p;
  for (const cd& z : a.z) pz *= -z;
  a.k = (pp / pz).real();
  return a;
}

// ------------------------------------------------------ transformations --

Zpk lp2lp(const Zpk& a, double wo) {
  Zpk r;
  for (const cd& z : a.z) r.z.push_back(z * wo);
  for (const cd& p : a.p) r.p.push_back(p * wo);
  const int degree = static_cast<int>(a.p.size()) - static_cast<int>(a.z.size());
  r.k = a.k * std::pow(wo, degree);
  return r;
}

Zpk lp2hp(const Zpk& a, double wo) {
  Zpk r;
  const int degree = static_cast<int>(a.p.size()) - static_cast<int>(a.z.size());
  cd pz(1, 0), pp(1, 0);
  for (const cd& z : a.z) {
    r.z.push_back(wo / z);
    pz *= -z;
  }
  for (const cd& p : a.p) {
    r.p.push_back(wo / p);
    pp *= -p;
  }
  for (int i = 0; i < degree; ++i) r.z.push_back(0.0);
  r.k = a.k * (pz / pp).real();
  return r;
}

Zpk lp2bp(const Zpk& a, double wo, double bw) {
  Zpk r;
  const int degree = static_cast<int>(a.p.size()) - static_cast<int>(a.z.size());
  auto split = [&](const std::vector<cd>& in, std::vector<cd>& out) {
    std::vector<cd> lp, plus, minus;
    for (const cd& v : in) lp.push_back(v * bw / 2.0);
    for (const cd& v : lp) {
      const cd s = std::sqrt(v * v - wo * wo);
      plus.push_back(v + s);
      minus.push_back(v - s);
    }
    out = plus;
    out.insert(out.end(), minus.begin(), minus.end());
  };
  split(a.z, r.z);
  split(a.p, r.p);
  for (int i = 0; i < degree; ++i) r.z.push_back(0.0);
  r.k = a.k * std::pow(bw, degree);
  return r;
}

Zpk bilinear(const Zpk& a, double fs) {
  Zpk r;
  const double fs2 = 2.0 * fs;
  const int degree = static_cast<int>(a.p.size()) - static_cast<int>(a.z.size());
  cd num(1, 0), den(1, 0);
  for (const cd& z : a.z) {
    r.z.push_back((fs2 + z) / (fs2 - z));
    num *= fs2 - z;
  }
  for (const cd& p : a.p) {
    r.p.push_back((fs2 + p) / (fs2 - p));
    den *= fs2 - p;
  }
  for (int i = 0; i < degree; ++i) r.z.push_back(-1.0);
  r.k = a.k * (num / den).real();
  return r;
}

double prewarp(double wn) {
  const double fs = 2.0;
  return 2.0 * fs * std::tan(kPi * wn / fs);
}

void check_wn(double wn, const char* what) {
  if (!(wn > 0 && wn < 1))
    throw std::invalid_argument(std::string(what) + ": normalised frequency must lie in (0, 1), got " +
                                std::to_string(wn));
}

// ----------------------------------------------------------- zpk -> sos --

// scipy's _cplxreal: one member (positive imaginary part) of each conjugate
// pair, then the real values, each group sorted.
std::vector<cd> cplxreal(std::vector<cd> z) {
  const double tol = 100 * std::numeric_limits<double>::epsilon();
  std::stable_sort(z.begin(), z.end(), [](const cd& a, const cd& b) {
    if (a.real() != b.real()) return a.real() < b.real();
    return std::fabs(a.imag()) < std::fabs(b.imag());
  });
  std::vector<cd> pos, neg, real;
  for (const cd& v : z) {
    if (std::fabs(v.imag()) <= tol * std::abs(v)) real.push_back(cd(v.real(), 0.0));
    else if (v.imag() > 0) pos.push_back(v);
    else neg.push_back(v);
  }
  if (pos.size() != neg.size())
    throw std::invalid_argument("zpk2sos: complex value without a matching conjugate");
  // Average out rounding between the members of each pair (pair by nearest).
  std::vector<cd> out;
  std::vector<bool> used(neg.size(), false);
  for (const cd& p : pos) {
    std::size_t best = 0;
    double bestd = std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < neg.size(); ++j) {
      if (used[j]) continue;
      const double d = std::abs(p - std::conj(neg[j]));
      if (d < bestd) bestd = d, best = j;
    }
    used[best] = true;
    out.push_back((p + std::conj(neg[best])) / 2.0);
  }
  out.insert(out.end(), real.begin(), real.end());
  return out;
}

bool is_real(const cd& v) { return v.imag() == 0.0; }

std::size_t idx_worst(const std::vector<cd>& p) {
  std::size_t best = 0;
  double bestd = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double d = std::fabs(1.0 - std::abs(p[i]));
    if (d < bestd) bestd = d, best = i;
  }
  return best;
}

enum class Which { real, complex, any };
std::size_t nearest_idx(const std::vector<cd>& fro, const cd& to, Which which) {
  std::vector<std::size_t> order(fro.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return std::abs(fro[a] - to) < std::abs(fro[b] - to);
  });
  for (std::size_t i : order) {
    if (which == Which::any) return i;
    if ((which == Which::real) == is_real(fro[i])) return i;
  }
  throw std::logic_error("zpk2sos: no zero of the requested kind left");
}

// Section from up to two zeros and two poles (conjugates completed by caller).
Biquad single_section(const std::vector<cd>& z, const std::vector<cd>& p) {
  auto poly = [](const std::vector<cd>& r) {
    // Coefficients of prod(x - r_i), highest power first, padded on the left to 3.
    std::vector<cd> c{1.0};
    for (const cd& v : r) {
      std::vector<cd> n(c.size() + 1, 0.0);
      for (std::size_t i = 0; i < c.size(); ++i) {
        n[i] += c[i];
        n[i + 1] -= c[i] * v;
      }
      c = n;
    }
    std::vector<double> out(3, 0.0);
    for (std::size_t i = 0; i < c.size(); ++i) out[3 - c.size() + i] = c[i].real();
    return out;
  };
  const auto b = poly(z);
  const auto a = poly(p);
  assert(a[0] == 1.0);
  Biquad s;
  s.b0 = b[0];
  s.b1 = b[1];
  s.b2 = b[2];
  s.a1 = a[1];
  s.a2 = a[2];
  return s;
}

void erase_at(std::vector<cd>& v, std::size_t i) { v.erase(v.begin() + static_cast<std::ptrdiff_t>(i)); }

std::size_t count_real(const std::vector<cd>& v) {
  return static_cast<std::size_t>(std::count_if(v.begin(), v.end(), is_real));
}

}  // namespace

// ------------------------------------------------------------- design --

Zpk butter_zpk(int order, BandType type, double wn, double wn2) {
  if (order < 1) throw std::invalid_argument("butter: order must be >= 1");
  check_wn(wn, "butter");
  const Zpk proto = buttap(order);
  Zpk analog;
  switch (type) {
    case BandType::lowpass: analog = lp2lp(proto, prewarp(wn)); break;
    case BandType::highpass: analog = lp2hp(proto, prewarp(wn)); break;
    case BandType::bandpass: {
      check_wn(wn2, "butter");
      if (!(wn < wn2)) throw std::invalid_argument("butter: band edges must increase");
      const double w1 = prewarp(wn), w2 = prewarp(wn2);
      analog = lp2bp(proto, std::sqrt(w1 * w2), w2 - w1);
      break;
    }
  }
  return bilinear(analog, 2.0);
}

Zpk cheby1_lowpass_zpk(int order, double rp_db, double wn) {
  if (order < 1) throw std::invalid_argument("cheby1: order must be >= 1");
  check_wn(wn, "cheby1");
  return bilinear(lp2lp(cheb1ap(order, rp_db), prewarp(wn)), 2.0);
}

Zpk cheby2_lowpass_zpk(int order, double rs_db, double wn) {
  if (order < 1) throw std::invalid_argument("cheby2: order must be >= 1");
  check_wn(wn, "cheby2");
  return bilinear(lp2lp(cheb2ap(order, rs_db), prewarp(wn)), 2.0);
}

Sos zpk_to_sos(const Zpk& zpk) {
  std::vector<cd> z = zpk.z, p = zpk.p;
  if (z.empty() && p.empty()) return {Biquad{zpk.k, 0, 0, 0, 0}};
  // Same number of poles and zeros, even count ('nearest' pairing).
  while (p.size() < z.size()) p.push_back(0.0);
  while (z.size() < p.size()) z.push_back(0.0);
  const std::size_t n_sections = (p.size() + 1) / 2;
  if (p.size() % 2 == 1) {
    p.push_back(0.0);
    z.push_back(0.0);
  }
  z = cplxreal(z);
  p = cplxreal(p);
  Sos sos(n_sections);
  for (std::size_t si = n_sections; si-- > 0;) {
    const std::size_t p1_idx = idx_worst(p);
    const cd p1 = p[p1_idx];
    erase_at(p, p1_idx);
    if (is_real(p1) && count_real(p) == 0) {
      // Last remaining real pole: pair with a real zero.
      const std::size_t z1_idx = nearest_idx(z, p1, Which::real);
      const cd z1 = z[z1_idx];
      erase_at(z, z1_idx);
      sos[si] = single_section({z1, 0.0}, {p1, 0.0});
    } else if (p.size() + 1 == z.size() && !is_real(p1) && count_real(p) == 1 && count_real(z) == 1) {
      // One real pole and one real zero left: must pair p1 with a complex zero.
      const std::size_t z1_idx = nearest_idx(z, p1, Which::complex);
      const cd z1 = z[z1_idx];
      erase_at(z, z1_idx);
      sos[si] = single_section({z1, std::conj(z1)}, {p1, std::conj(p1)});
    } else {
      cd p2;
      if (is_real(p1)) {
        std::vector<std::size_t> reals;
        std::vector<cd> rp;
        for (std::size_t i = 0; i < p.size(); ++i)
          if (is_real(p[i])) reals.push_back(i), rp.push_back(p[i]);
        const std::size_t p2_idx = reals[idx_worst(rp)];
        p2 = p[p2_idx];
        erase_at(p, p2_idx);
      } else {
        p2 = std::conj(p1);
      }
      if (!z.empty()) {
        const std::size_t z1_idx = nearest_idx(z, p1, Which::any);
        const cd z1 = z[z1_idx];
        erase_at(z, z1_idx);
        if (!is_real(z1)) {
          sos[si] = single_section({z1, std::conj(z1)}, {p1, p2});
        } else if (!z.empty()) {
          const std::size_t z2_idx = nearest_idx(z, p1, Which::real);
          const cd z2 = z[z2_idx];
          erase_at(z, z2_idx);
          sos[si] = single_section({z1, z2}, {p1, p2});
        } else {
          sos[si] = single_section({z1}, {p1, p2});
        }
      } else {
        sos[si] = single_section({}, {p1, p2});
      }
    }
  }
  assert(p.empty() && z.empty());
  sos[0].b0 *= zpk.k;
  sos[0].b1 *= zpk.k;
  sos[0].b2 *= zpk.k;
  return sos;
}

Sos butter_bandpass(int order, double f1, double f2, double fs) {
  const double nyq = fs / 2.0;
  return zpk_to_sos(butter_zpk(order, BandType::bandpass, f1 / nyq, f2 / nyq));
}

Cheb2Order cheb2ord_lowpass(double wp, double ws, double gpass_db, double gstop_db) {
  if (!(wp > 0 && wp < ws && ws <= 1))
    throw std::invalid_argument("cheb2ord: need 0 < wp < ws <= 1");
  const double passb = std::tan(kPi * wp / 2.0);
  const double stopb = std::tan(kPi * ws / 2.0);
  const double nat = std::fabs(stopb / passb);
  const double gstop = std::pow(10.0, 0.1 * std::fabs(gstop_db));
  const double gpass = std::pow(10.0, 0.1 * std::fabs(gpass_db));
  const double v = std::acosh(std::sqrt((gstop - 1.0) / (gpass - 1.0)));
  Cheb2Order r;
  r.order = static_cast<int>(std::ceil(v / std::acosh(nat)));
  const double new_freq = 1.0 / std::cosh(1.0 / r.order * v);
  r.wn = (2.0 / kPi) * std::atan(passb / new_freq);
  return r;
}

Sos obspy_lowpass_cheby2(double freq, double df, int maxorder, double* passband_hz) {
  const double nyquist = df * 0.5;
  const double rp = 1, rs = 96;
  double ws = freq / nyquist;
  double wp = ws;
  if (ws > 1) ws = 1.0;  // ObsPy warns and uses Nyquist as the corner
  Cheb2Order o{std::numeric_limits<int>::max(), 0};
  while (o.order > maxorder) {
    wp *= 0.99;
    o = cheb2ord_lowpass(wp, ws, rp, rs);
  }
  if (passband_hz) *passband_hz = wp * nyquist;
  return zpk_to_sos(cheby2_lowpass_zpk(o.order, rs, o.wn));
}

// ----------------------------------------------------------- analysis --

std::complex<double> sos_response(const Sos& sos, double w) {
  const cd zi = std::exp(cd(0, -w));
  const cd zi2 = zi * zi;
  cd h(1, 0);
  for (const Biquad& s : sos) h *= (s.b0 + s.b1 * zi + s.b2 * zi2) / (1.0 + s.a1 * zi + s.a2 * zi2);
  return h;
}

double sos_gain(const Sos& sos, double f, double fs) { return std::abs(sos_response(sos, 2 * kPi * f / fs)); }

// -------------------------------------------------------- application --

std::vector<double> sosfilt_zi(const Sos& sos) {
  std::vector<double> zi(2 * sos.size());
  double scale = 1.0;
  for (std::size_t s = 0; s < sos.size(); ++s) {
    const Biquad& q = sos[s];
    // lfilter_zi for one biquad: solve (I - A^T) zi = b[1:] - a[1:] b0.
    const double B0 = q.b1 - q.a1 * q.b0;
    const double B1 = q.b2 - q.a2 * q.b0;
    const double z0 = (B0 + B1) / (1.0 + q.a1 + q.a2);
    const double z1 = B1 - q.a2 * z0;
    zi[2 * s] = scale * z0;
    zi[2 * s + 1] = scale * z1;
    scale *= (q.b0 + q.b1 + q.b2) / (1.0 + q.a1 + q.a2);
  }
  return zi;
}

namespace {

// One section, one sample (transposed direct form II). The terms without y
// come first so that the recurrence's critical path is one add, one multiply
// and one subtract. Every code path below uses exactly this arithmetic, so
// all give bit-identical results.
inline double section_step(const Biquad& q, double& s0, double& s1, double v) {
  const double u0 = q.b1 * v + s1;
  const double u1 = q.b2 * v;
  const double y = q.b0 * v + s0;
  s0 = u0 - q.a1 * y;
  s1 = u1 - q.a2 * y;
  return y;
}

// Sample t of the sequence is x[kStride * t]: kStride -1 with x pointing at
// the last element filters the time-reversed sequence in place, without
// reversing it in memory (what sosfiltfilt's backward pass needs).
template <int kStride>
void sosfilt_scalar(const Biquad* sos, std::size_t ns, double* x, std::size_t n, double* zi) {
  for (std::size_t i = 0; i < n; ++i) {
    double& xi = x[kStride * static_cast<std::ptrdiff_t>(i)];
    double v = xi;
    for (std::size_t k = 0; k < ns; ++k) v = section_step(sos[k], zi[2 * k], zi[2 * k + 1], v);
    xi = v;
  }
}

// Four cascaded sections as a wavefront: at step t, lane k runs section k on
// sample t-k, so the four recurrences advance together in one vector and
// the cascade costs about one section's latency per sample. Steps where some
// lanes have no sample yet (the first and last three) run scalar.
template <int kStride>
void sosfilt_wavefront4(const Biquad* sec, double* base, std::size_t n, double* zi) {
  // Sample t of the sequence (kStride as in sosfilt_scalar).
  auto x = [base](std::size_t t) -> double& { return base[kStride * static_cast<std::ptrdiff_t>(t)]; };
  double s0[4], s1[4], prev[4] = {0, 0, 0, 0};
  for (int k = 0; k < 4; ++k) s0[k] = zi[2 * k], s1[k] = zi[2 * k + 1];
  // Prologue: steps 0..2, lanes 0..t.
  for (std::size_t t = 0; t < 3; ++t) {
    double next[4] = {prev[0], prev[1], prev[2], prev[3]};
    for (std::size_t k = 0; k <= t; ++k) {
      const double in = k == 0 ? x(t) : prev[k - 1];
      next[k] = section_step(sec[k], s0[k], s1[k], in);
    }
    std::copy(next, next + 4, prev);
  }
#if defined(__SSE2__)
  // Lanes 0,1 in the low register, 2,3 in the high one.
  auto pair = [](double a, double b) { return _mm_set_pd(b, a); };
  const __m128d b0l = pair(sec[0].b0, sec[1].b0), b0h = pair(sec[2].b0, sec[3].b0);
  const __m128d b1l = pair(sec[0].b1, sec[1].b1), b1h = pair(sec[2].b1, sec[3].b1);
  const __m128d b2l = pair(sec[0].b2, sec[1].b2), b2h = pair(sec[2].b2, sec[3].b2);
  const __m128d a1l = pair(sec[0].a1, sec[1].a1), a1h = pair(sec[2].a1, sec[3].a1);
  const __m128d a2l = pair(sec[0].a2, sec[1].a2), a2h = pair(sec[2].a2, sec[3].a2);
  __m128d s0l = pair(s0[0], s0[1]), s0h = pair(s0[2], s0[3]);
  __m128d s1l = pair(s1[0], s1[1]), s1h = pair(s1[2], s1[3]);
  __m128d yl = pair(prev[0], prev[1]), yh = pair(prev[2], prev[3]);
  for (std::size_t t = 3; t < n; ++t) {
    const __m128d vl = _mm_unpacklo_pd(_mm_load_sd(&x(t)), yl);  // {x[t], y0}
    const __m128d vh = _mm_shuffle_pd(yl, yh, 1);                // {y1, y2}
    const __m128d u0l = _mm_add_pd(_mm_mul_pd(b1l, vl), s1l), u0h = _mm_add_pd(_mm_mul_pd(b1h, vh), s1h);
    const __m128d u1l = _mm_mul_pd(b2l, vl), u1h = _mm_mul_pd(b2h, vh);
    yl = _mm_add_pd(_mm_mul_pd(b0l, vl), s0l);
    yh = _mm_add_pd(_mm_mul_pd(b0h, vh), s0h);
    s0l = _mm_sub_pd(u0l, _mm_mul_pd(a1l, yl));
    s0h = _mm_sub_pd(u0h, _mm_mul_pd(a1h, yh));
    s1l = _mm_sub_pd(u1l, _mm_mul_pd(a2l, yl));
    s1h = _mm_sub_pd(u1h, _mm_mul_pd(a2h, yh));
    _mm_storeh_pd(&x(t - 3), yh);
  }
  _mm_storel_pd(s0, s0l), _mm_storeh_pd(s0 + 1, s0l), _mm_storel_pd(s0 + 2, s0h), _mm_storeh_pd(s0 + 3, s0h);
  _mm_storel_pd(s1, s1l), _mm_storeh_pd(s1 + 1, s1l), _mm_storel_pd(s1 + 2, s1h), _mm_storeh_pd(s1 + 3, s1h);
  _mm_storel_pd(prev, yl), _mm_storeh_pd(prev + 1, yl), _mm_storel_pd(prev + 2, yh), _mm_storeh_pd(prev + 3, yh);
#else
  for (std::size_t t = 3; t < n; ++t) {
    double next[4];
    next[0] = section_step(sec[0], s0[0], s1[0], x(t));
    for (int k = 1; k < 4; ++k) next[k] = section_step(sec[k], s0[k], s1[k], prev[k - 1]);
    x(t - 3) = next[3];
    std::copy(next, next + 4, prev);
  }
#endif
  // Epilogue: steps n..n+2, lanes t-n+1..3.
  for (std::size_t t = n; t < n + 3; ++t) {
    double next[4] = {prev[0], prev[1], prev[2], prev[3]};
    for (std::size_t k = t - n + 1; k < 4; ++k) next[k] = section_step(sec[k], s0[k], s1[k], prev[k - 1]);
    x(t - 3) = next[3];
    std::copy(next, next + 4, prev);
  }
  for (int k = 0; k < 4; ++k) zi[2 * k] = s0[k], zi[2 * k + 1] = s1[k];
}


// sosfilt over sample t = x[kStride * t] (kStride as in sosfilt_scalar).
template <int kStride>
void sosfilt_strided(const Sos& sos, double* x, std::size_t n, double* zi) {
  std::vector<double> zero;
  if (!zi) {
    zero.assign(2 * sos.size(), 0.0);
    zi = zero.data();
  }
  // Groups of four sections run as wavefronts; a short tail group is padded
  // with pass-through sections (y = v exactly, state stays 0).
  std::size_t k = 0;
  if (n >= 8) {
    for (; k < sos.size(); k += 4) {
      Biquad group[4];
      double gz[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      const std::size_t m = std::min<std::size_t>(4, sos.size() - k);
      for (std::size_t j = 0; j < m; ++j) group[j] = sos[k + j], gz[2 * j] = zi[2 * (k + j)], gz[2 * j + 1] = zi[2 * (k + j) + 1];
      sosfilt_wavefront4<kStride>(group, x, n, gz);
      for (std::size_t j = 0; j < m; ++j) zi[2 * (k + j)] = gz[2 * j], zi[2 * (k + j) + 1] = gz[2 * j + 1];
    }
    k = std::min(k, sos.size());
  }
  if (k < sos.size()) {
    std::vector<double> rz(zi + 2 * k, zi + 2 * sos.size());
    sosfilt_scalar<kStride>(sos.data() + k, sos.size() - k, x, n, rz.data());
    std::copy(rz.begin(), rz.end(), zi + 2 * k);
  }
}

// The time-reversed x filtered and reversed back, in place: what
// reverse, sosfilt, reverse gives, bit for bit, in one pass.
void sosfilt_backward(const Sos& sos, double* x, std::size_t n, double* zi) {
  if (n > 0) sosfilt_strided<-1>(sos, x + (n - 1), n, zi);
}

}  // namespace

void sosfilt(const Sos& sos, double* x, std::size_t n, double* zi) { sosfilt_strided<1>(sos, x, n, zi); }

void sosfilt_reference(const Sos& sos, double* x, std::size_t n, double* zi) {
  sosfilt_scalar<1>(sos.data(), sos.size(), x, n, zi);
}
void sosfilt(const Sos& sos, std::vector<double>& x) { sosfilt(sos, x.data(), x.size(), nullptr); }

std::size_t sosfiltfilt_padlen(const Sos& sos) {
  std::size_t zb2 = 0, za2 = 0;
  for (const Biquad& s : sos) {
    zb2 += s.b2 == 0.0;
    za2 += s.a2 == 0.0;
  }
  const std::size_t ntaps = 2 * sos.size() + 1 - std::min(zb2, za2);
  return 3 * ntaps;
}

void sosfiltfilt(const Sos& sos, std::vector<double>& x) { sosfiltfilt(sos, x.data(), x.size()); }

void sosfiltfilt(const Sos& sos, double* x, std::size_t n) {
  const std::size_t edge = sosfiltfilt_padlen(sos);
  if (n <= edge)
    throw std::invalid_argument("sosfiltfilt: input of " + std::to_string(n) +
                                " samples must be longer than the padding (" + std::to_string(edge) + ")");
  // scipy filters the odd extension [2*x[0] - x[edge..1], x, 2*x[n-1] - x[n-2..n-1-edge]].
  // Done in place with only the two short pads allocated: large fresh
  // buffers cost more than the filtering itself.
  std::vector<double> left(edge), right(edge);
  for (std::size_t i = 0; i < edge; ++i) left[i] = 2 * x[0] - x[edge - i];
  for (std::size_t i = 0; i < edge; ++i) right[i] = 2 * x[n - 1] - x[n - 2 - i];
  const std::vector<double> zi0 = sosfilt_zi(sos);
  std::vector<double> zi(zi0.size());
  // Forward over left pad, data, right pad.
  for (std::size_t i = 0; i < zi.size(); ++i) zi[i] = zi0[i] * left.front();
  sosfilt(sos, left.data(), edge, zi.data());
  sosfilt(sos, x, n, zi.data());
  sosfilt(sos, right.data(), edge, zi.data());
  // Backward from the end of the right pad through the data (the left pad's
  // backward output is discarded by scipy, so it is not computed).
  for (std::size_t i = 0; i < zi.size(); ++i) zi[i] = zi0[i] * right.back();
  sosfilt_backward(sos, right.data(), edge, zi.data());
  sosfilt_backward(sos, x, n, zi.data());
}

std::size_t settling_samples(const Sos& sos, double energy_fraction, std::size_t max_samples) {
  // Impulse response in blocks until its energy has converged.
  std::vector<double> h;
  std::vector<double> zi(2 * sos.size(), 0.0);
  const std::size_t block = 4096;
  double total = 0;
  while (h.size() < max_samples) {
    std::vector<double> b(block, 0.0);
    if (h.empty()) b[0] = 1.0;
    sosfilt(sos, b.data(), b.size(), zi.data());
    double e = 0;
    for (double v : b) e += v * v;
    h.insert(h.end(), b.begin(), b.end());
    total += e;
    if (e <= energy_fraction * 1e-3 * total) break;
  }
  double tail = 0;
  std::size_t n = h.size();
  while (n > 0 && tail + h[n - 1] * h[n - 1] <= energy_fraction * total) {
    tail += h[n - 1] * h[n - 1];
    --n;
  }
  return n;
}

}  // namespace qp::pre
