#include "fingerprint/fingerprinter.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

#include "fingerprint/binarize.hpp"
#include "fingerprint/haar.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

namespace {

// Ceil of t to a multiple of step.
TimeNs ceil_to(TimeNs t, TimeNs step) {
  const TimeNs f = floor_to(t, step);
  return f == t ? t : f + step;
}

// L2 normalisation (in FAST's summation order in fast mode), in place;
// "quakeprint" mode keeps float32 precision, as its fingerprints always had.
void normalise(double* v, std::size_t M, bool fast) {
  if (fast) {
    l2_normalize_numpy(v, M);
  } else {
    l2_normalize(v, M);
    for (std::size_t c = 0; c < M; ++c) v[c] = static_cast<double>(static_cast<float>(v[c]));
  }
}

}  // namespace

Fingerprinter::Fingerprinter(const FingerprintParams& p)
    : p_(p), spec_(p), ax_(pillow_bilinear_axis(p.fp_length, p.ntimes())) {
  p_.validate();
  ay_ = pillow_bilinear_axis(spec_.rows(), p_.nfreq);
}

void Fingerprinter::image_from_columns(const float* c0, std::size_t col_height, std::vector<float>& tmp_raw,
                                       std::vector<float>& tmp_h, double* img) const {
  const int nfreq = p_.nfreq, ntimes = p_.ntimes(), rows = spec_.rows();
  const std::size_t fp_length = static_cast<std::size_t>(p_.fp_length);
  if (ax_.identity()) {  // columns already resized to nfreq rows
    for (int r = 0; r < nfreq; ++r)
      for (int t = 0; t < ntimes; ++t)
        img[static_cast<std::size_t>(r) * ntimes + t] =
            static_cast<double>(c0[static_cast<std::size_t>(t) * col_height + r]);
    return;
  }
  // Pillow order: horizontal pass (time), then vertical (frequency).
  for (int r = 0; r < rows; ++r)
    for (std::size_t t = 0; t < fp_length; ++t)
      tmp_raw[static_cast<std::size_t>(r) * fp_length + t] = c0[t * col_height + r];
  for (int r = 0; r < rows; ++r)
    for (int t = 0; t < ntimes; ++t)
      tmp_h[static_cast<std::size_t>(r) * ntimes + t] =
          resample_one(ax_, t, tmp_raw.data() + static_cast<std::size_t>(r) * fp_length, 1);
  for (int r = 0; r < nfreq; ++r)
    for (int t = 0; t < ntimes; ++t)
      img[static_cast<std::size_t>(r) * ntimes + t] = static_cast<double>(
          ay_.identity() ? tmp_h[static_cast<std::size_t>(r) * ntimes + t]
                         : resample_one(ay_, r, tmp_h.data() + t, ntimes));
}

// The images of one call and the spectrogram columns they need.
struct Fingerprinter::Plan {
  std::vector<std::size_t> col_sample;  // first sample of each needed column
  std::vector<std::size_t> image_col;   // flat column index of each image's first column
  std::vector<TimeNs> times;            // reported (centre) time of each image
};

// A call's work is bounded by its time span, not by the buffer: a stage
// driver calls this for each 5-minute block of a day-long (or longer)
// buffer. Only runs of valid samples overlapping [lo, hi] can hold an image
// starting in [t_begin, t_end) (an image lies inside its run and starts within
// a sample of its time); a run is read from its true start (frames count
// from there) but not beyond `cap`, past which no image starting before hi
// reaches (and a fast-mode run so long is usable either way). Within a run the
// image starts grow with the column, so the first one in the span is found by
// bisection. The images are those of a scan of the whole buffer.
Fingerprinter::Plan Fingerprinter::plan(const std::uint8_t* mask, std::size_t n, TimeNs start, TimeNs t_begin,
                                        TimeNs t_end) const {
  const std::size_t nperseg = static_cast<std::size_t>(p_.nperseg());
  const std::size_t hop = static_cast<std::size_t>(p_.hop());
  const std::size_t fp_length = static_cast<std::size_t>(p_.fp_length);
  const std::size_t fp_lag = static_cast<std::size_t>(p_.fp_lag);
  const double fs = p_.sampling_rate;
  const TimeNs hop_ns = p_.hop_ns(), dt_fp = p_.dt_fp_ns();
  const TimeNs centre = p_.centre_offset_ns();
  const bool fast = p_.mode == FrameMode::kFast;

  const auto sample_at = [&](TimeNs t, double shift) {  // clamped to [0, n]
    const double s = (static_cast<double>(t) - static_cast<double>(start)) * fs / 1e9 + shift;
    return s <= 0 ? std::size_t{0} : s >= static_cast<double>(n) ? n : static_cast<std::size_t>(s);
  };
  const double margin = static_cast<double>(p_.window_samples() + 2 * hop) + p_.min_fp_length() * fs + 16;
  const std::size_t lo = sample_at(t_begin, -2), hi = sample_at(t_end, 3);
  const std::size_t cap = std::min(n, hi + static_cast<std::size_t>(margin));
  const auto valid = [&](std::size_t i) { return !mask || mask[i] != 0; };

  Plan out;
  std::size_t a = lo;
  if (mask && a < n && valid(a)) {  // back to the start of lo's run
    const void* gap = memrchr(mask, 0, a);
    a = gap ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(gap) - mask) + 1 : 0;
  }
  if (!mask) a = 0;
  while (a < n && a <= hi) {
    if (!valid(a)) {
      ++a;
      continue;
    }
    std::size_t b = cap;
    if (mask) {
      const void* gap = a < cap ? std::memchr(mask + a, 0, cap - a) : nullptr;
      b = gap ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(gap) - mask) : std::max(cap, a + 1);
    }
    // Run [a, b).
    std::size_t frame0 = a, col0 = 0;
    TimeNs frame0_time = 0;
    bool usable = true;
    if (fast) {
      usable = static_cast<double>(b - a - 1) / fs > p_.min_fp_length();
      frame0_time = start + seconds_to_ns(static_cast<double>(a) / fs);
    } else {
      const TimeNs ta = start + seconds_to_ns(static_cast<double>(a) / fs);
      TimeNs g = ceil_to(ta, hop_ns);
      auto sample_of = [&](TimeNs t) {
        return static_cast<long long>(std::llround(static_cast<double>(t - start) * fs / 1e9));
      };
      while (sample_of(g) < static_cast<long long>(a)) g += hop_ns;
      frame0 = static_cast<std::size_t>(sample_of(g));
      frame0_time = g;
      col0 = static_cast<std::size_t>((ceil_to(g, dt_fp) - g) / hop_ns);
    }
    if (usable && b >= frame0 + nperseg) {
      const std::size_t nf = (b - frame0 - nperseg) / hop + 1;
      // Candidate image k starts at column col0 + k*fp_lag and must fit: c + fp_length <= nf.
      const std::size_t ncand = nf >= col0 + fp_length ? (nf - fp_length - col0) / fp_lag + 1 : 0;
      const auto t0_of = [&](std::size_t k) {
        const std::size_t c = col0 + k * fp_lag;
        return fast ? frame0_time + seconds_to_ns(static_cast<double>(c * hop) / fs)
                    : frame0_time + static_cast<TimeNs>(c) * hop_ns;
      };
      std::size_t k_lo = 0, k_hi = ncand;
      while (k_lo < k_hi) {
        const std::size_t mid = k_lo + (k_hi - k_lo) / 2;
        (t0_of(mid) < t_begin ? k_lo = mid + 1 : k_hi = mid);
      }
      const std::size_t col_base = out.col_sample.size();
      const std::size_t col_first = col0 + k_lo * fp_lag;
      std::size_t k = k_lo;
      for (; k < ncand; ++k) {
        const TimeNs t0 = t0_of(k);
        if (t0 >= t_end) break;
        out.image_col.push_back(col_base + (k - k_lo) * fp_lag);
        out.times.push_back(t0 + centre);
      }
      if (k > k_lo) {
        const std::size_t ncols = (k - 1 - k_lo) * fp_lag + fp_length;
        for (std::size_t j = 0; j < ncols; ++j) out.col_sample.push_back(frame0 + (col_first + j) * hop);
      }
    }
    a = b;
  }
  return out;
}

std::size_t Fingerprinter::column_height() const {
  return static_cast<std::size_t>(ax_.identity() ? p_.nfreq : spec_.rows());
}

// Spectrogram columns. When the time axis keeps its size, Pillow skips the
// horizontal pass and the vertical pass acts on each column alone, so columns
// shared by overlapping images are resized once.
std::vector<float> Fingerprinter::columns(const Plan& plan, const float* x) const {
  const int rows = spec_.rows(), nfreq = p_.nfreq;
  const bool per_column_resize = ax_.identity();
  const std::size_t col_height = column_height();
  std::vector<float> cols(plan.col_sample.size() * col_height);
  std::exception_ptr error;
#pragma omp parallel
  {
    try {
      auto ws = spec_.workspace();
      std::vector<float> raw(static_cast<std::size_t>(rows));
#pragma omp for schedule(static)
      for (std::size_t k = 0; k < plan.col_sample.size(); ++k) {
        float* dst = cols.data() + k * col_height;
        if (per_column_resize && !ay_.identity()) {
          spec_.frame(x + plan.col_sample[k], raw.data(), *ws);
          for (int r = 0; r < nfreq; ++r) dst[r] = resample_one(ay_, r, raw.data(), 1);
        } else {
          spec_.frame(x + plan.col_sample[k], dst, *ws);
        }
      }
    } catch (...) {
#pragma omp critical(qp_fp_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  return cols;
}

// Images -> (resize) -> Haar -> L2 normalisation; each image's M values go to
// sink(i, values), a sink per thread from make_sink(), in a static schedule
// (identical for any thread count).
template <class MakeSink>
void Fingerprinter::for_each_image(const Plan& plan, const std::vector<float>& cols, MakeSink&& make_sink) const {
  const int rows = spec_.rows(), nfreq = p_.nfreq, ntimes = p_.ntimes();
  const std::size_t M = p_.M(), col_height = column_height();
  const bool fast = p_.mode == FrameMode::kFast;
  std::exception_ptr error;
#pragma omp parallel
  {
    try {
      std::vector<double> img(M), scratch(M / 4 + 1), values(M);
      std::vector<float> tmp_h, tmp_raw;
      if (!ax_.identity()) {
        tmp_raw.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(p_.fp_length));
        tmp_h.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(ntimes));
      }
      auto sink = make_sink();
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < plan.image_col.size(); ++i) {
        image_from_columns(cols.data() + plan.image_col[i] * col_height, col_height, tmp_raw, tmp_h, img.data());
        haar2d_pyramid_to(img.data(), nfreq, ntimes, values.data(), scratch.data());
        normalise(values.data(), M, fast);
        sink(i, values.data());
      }
    } catch (...) {
#pragma omp critical(qp_fp_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
}

CoefficientBlock Fingerprinter::coefficients(const float* x, const std::uint8_t* mask,
                                             std::size_t n, TimeNs start, TimeNs t_begin,
                                             TimeNs t_end) const {
  Plan plan = this->plan(mask, n, start, t_begin, t_end);
  CoefficientBlock out;
  out.M = p_.M();
  out.values.assign(plan.times.size() * out.M, 0.0);
  out.times = std::move(plan.times);
  if (out.times.empty()) return out;
  const std::vector<float> cols = columns(plan, x);
  double* dst = out.values.data();
  const std::size_t M = out.M;
  for_each_image(plan, cols, [dst, M] {
    return [dst, M](std::size_t i, const double* v) { std::copy(v, v + M, dst + i * M); };
  });
  return out;
}

FingerprintBlock Fingerprinter::fingerprints(const float* x, const std::uint8_t* mask, std::size_t n,
                                             TimeNs start, TimeNs t_begin, TimeNs t_end,
                                             const Binarizer& bin) const {
  if (bin.M() != p_.M())
    throw std::invalid_argument("Fingerprinter::fingerprints: statistics for " + std::to_string(bin.M()) +
                                " coefficients, images have " + std::to_string(p_.M()));
  Plan plan = this->plan(mask, n, start, t_begin, t_end);
  FingerprintBlock out;
  out.words = bin.words();
  out.bits.assign(plan.times.size() * out.words, 0);
  out.times = std::move(plan.times);
  if (out.times.empty()) return out;
  const std::vector<float> cols = columns(plan, x);
  std::uint64_t* dst = out.bits.data();
  const std::size_t words = out.words;
  for_each_image(plan, cols, [&bin, dst, words] {
    return [&bin, dst, words, ws = std::vector<double>(bin.workspace_size())](std::size_t i,
                                                                              const double* v) mutable {
      bin.row(v, dst + i * words, ws.data());
    };
  });
  return out;
}

}  // namespace qp::fp
