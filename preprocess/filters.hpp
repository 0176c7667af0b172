// IIR filter design and application in second-order sections (SOS), with
// scipy.signal semantics: butter / cheby1 / cheby2 designed by bilinear
// transform with pre-warping, zpk -> sos with scipy's 'nearest' pairing,
// sosfilt (transposed direct form II), sosfilt_zi and sosfiltfilt with
// scipy's default odd padding.
#pragma once

#include <complex>
#include <cstddef>
#include <vector>

namespace qp::pre {

/// One biquad, a0 normalised to 1: (b0 + b1 z^-1 + b2 z^-2) / (1 + a1 z^-1 + a2 z^-2).
struct Biquad {
  double b0 = 1, b1 = 0, b2 = 0, a1 = 0, a2 = 0;
};
using Sos = std::vector<Biquad>;

/// Zeros, poles, gain of a digital or analog filter.
struct Zpk {
  std::vector<std::complex<double>> z, p;
  double k = 1;
};

// ---- design (frequencies `wn` are normalised to Nyquist, 0 < wn < 1) ----

enum class BandType { lowpass, highpass, bandpass };

/// scipy.signal.butter(order, wn, btype, output='zpk') for digital filters;
/// `wn2` is the upper edge for band-pass.
Zpk butter_zpk(int order, BandType type, double wn, double wn2 = 0);
/// scipy.signal.cheby1(order, rp, wn, btype='low', output='zpk').
Zpk cheby1_lowpass_zpk(int order, double rp_db, double wn);
/// scipy.signal.cheby2(order, rs, wn, btype='low', output='zpk').
Zpk cheby2_lowpass_zpk(int order, double rs_db, double wn);

/// scipy.signal.zpk2sos(z, p, k) with the default 'nearest' pairing.
Sos zpk_to_sos(const Zpk& zpk);

/// Butterworth band-pass between f1 and f2 Hz at sampling rate fs:
/// scipy.signal.butter(order, [f1, f2], btype='band', fs=fs, output='sos').
Sos butter_bandpass(int order, double f1, double f2, double fs);

/// scipy.signal.cheb2ord(wp, ws, gpass, gstop) for a digital low-pass.
struct Cheb2Order {
  int order = 0;
  double wn = 0;
};
Cheb2Order cheb2ord_lowpass(double wp, double ws, double gpass_db, double gstop_db);

/// ObsPy's lowpass_cheby_2(freq, df, maxorder): rp = 1 dB, rs = 96 dB, stop
/// band from freq, pass band shrunk by 0.99 until cheb2ord gives an order
/// <= maxorder. `passband_hz` (if not null) receives the final pass-band edge.
Sos obspy_lowpass_cheby2(double freq, double df, int maxorder = 12, double* passband_hz = nullptr);

// ---- analysis ----

/// Complex response at normalised angular frequency w (radians/sample).
std::complex<double> sos_response(const Sos& sos, double w);
/// |H| at f Hz for sampling rate fs.
double sos_gain(const Sos& sos, double f, double fs);

// ---- application ----

/// scipy.signal.sosfilt_zi: per-section states (2 each) giving the steady
/// state of a unit step.
std::vector<double> sosfilt_zi(const Sos& sos);

/// Causal filtering in place, transposed direct form II; `zi` (2 per
/// section) is the initial state and receives the final state; null = zeros.
void sosfilt(const Sos& sos, double* x, std::size_t n, double* zi = nullptr);
void sosfilt(const Sos& sos, std::vector<double>& x);
/// The plain sample-by-sample cascade: sosfilt gives bit-identical results
/// faster; kept as the reference the tests compare against.
void sosfilt_reference(const Sos& sos, double* x, std::size_t n, double* zi);

/// scipy's default sosfiltfilt padding length: 3 * (2 * sections + 1 - ...).
std::size_t sosfiltfilt_padlen(const Sos& sos);

/// Zero-phase filtering in place exactly as scipy.signal.sosfiltfilt(sos, x)
/// with padtype='odd' and the default padlen. Requires x.size() > padlen
/// (throws std::invalid_argument otherwise).
void sosfiltfilt(const Sos& sos, std::vector<double>& x);
void sosfiltfilt(const Sos& sos, double* x, std::size_t n);

/// Number of samples after which the causal impulse response has decayed:
/// the tail beyond it holds less than `energy_fraction` of the energy.
std::size_t settling_samples(const Sos& sos, double energy_fraction = 1e-6,
                             std::size_t max_samples = 1 << 22);

}  // namespace qp::pre
