#include "fingerprint/fingerprinter.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <exception>
#include <vector>

#include "fingerprint/haar.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

namespace {

// Ceil of t to a multiple of step.
TimeNs ceil_to(TimeNs t, TimeNs step) {
  const TimeNs f = floor_to(t, step);
  return f == t ? t : f + step;
}

struct Run {
  std::size_t frame0;       // sample index of frame 0
  std::size_t col_first;    // first column any selected image uses
  std::size_t col_base;     // index of col_first in the flat column list
  std::size_t ncols;        // columns computed for this run
};

struct Image {
  std::size_t col;  // flat column index of the image's first column
  TimeNs time;      // reported (centre) time
};

// L2 normalisation (in FAST's summation order in fast mode) and storage;
// "quakeprint" mode keeps float32 precision, as its fingerprints always had.
void store_normalised(double* img, std::size_t M, bool fast, double* dst) {
  if (fast) {
    l2_normalize_numpy(img, M);
    std::copy(img, img + M, dst);
  } else {
    l2_normalize(img, M);
    for (std::size_t c = 0; c < M; ++c) dst[c] = static_cast<double>(static_cast<float>(img[c]));
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

CoefficientBlock Fingerprinter::coefficients(const float* x, const std::uint8_t* mask,
                                             std::size_t n, TimeNs start, TimeNs t_begin,
                                             TimeNs t_end) const {
  const std::size_t nperseg = static_cast<std::size_t>(p_.nperseg());
  const std::size_t hop = static_cast<std::size_t>(p_.hop());
  const std::size_t fp_length = static_cast<std::size_t>(p_.fp_length);
  const std::size_t fp_lag = static_cast<std::size_t>(p_.fp_lag);
  const int nfreq = p_.nfreq, ntimes = p_.ntimes();
  const std::size_t M = p_.M();
  const double fs = p_.sampling_rate;
  const TimeNs hop_ns = p_.hop_ns(), dt_fp = p_.dt_fp_ns();
  const TimeNs centre = p_.centre_offset_ns();
  const bool fast = p_.mode == FrameMode::kFast;

  // 1. Runs of valid samples, and the images each one holds.
  std::vector<Run> runs;
  std::vector<std::size_t> col_sample;  // flat list: first sample of each needed column
  std::vector<Image> images;
  std::size_t a = 0;
  while (a < n) {
    if (mask && !mask[a]) {
      ++a;
      continue;
    }
    std::size_t b = a;
    while (b < n && (!mask || mask[b])) ++b;
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
      Run run{frame0, 0, col_sample.size(), 0};
      bool any = false;
      std::size_t last_col = 0;
      for (std::size_t c = col0; c + fp_length <= nf; c += fp_lag) {
        const TimeNs t0 =
            fast ? frame0_time + seconds_to_ns(static_cast<double>(c * hop) / fs)
                 : frame0_time + static_cast<TimeNs>(c) * hop_ns;
        if (t0 < t_begin) continue;
        if (t0 >= t_end) break;
        if (!any) {
          run.col_first = c;
          any = true;
        }
        last_col = c;
        images.push_back(Image{run.col_base + (c - run.col_first), t0 + centre});
      }
      if (any) {
        run.ncols = last_col + fp_length - run.col_first;
        for (std::size_t k = 0; k < run.ncols; ++k)
          col_sample.push_back(frame0 + (run.col_first + k) * hop);
        runs.push_back(run);
      }
    }
    a = b;
  }

  CoefficientBlock out;
  out.M = M;
  out.values.assign(images.size() * M, 0.0);
  out.times.resize(images.size());
  for (std::size_t i = 0; i < images.size(); ++i) out.times[i] = images[i].time;
  if (images.empty()) return out;

  // 2. Spectrogram columns. When the time axis keeps its size, Pillow skips
  // the horizontal pass and the vertical pass acts on each column alone, so
  // columns shared by overlapping images are resized once.
  const int rows = spec_.rows();
  const bool per_column_resize = ax_.identity();
  const std::size_t col_height =
      static_cast<std::size_t>(per_column_resize ? nfreq : rows);
  std::vector<float> cols(col_sample.size() * col_height);
  std::exception_ptr error;
#pragma omp parallel
  {
    try {
      auto ws = spec_.workspace();
      std::vector<float> raw(static_cast<std::size_t>(rows));
#pragma omp for schedule(static)
      for (std::size_t k = 0; k < col_sample.size(); ++k) {
        float* dst = cols.data() + k * col_height;
        if (per_column_resize && !ay_.identity()) {
          spec_.frame(x + col_sample[k], raw.data(), *ws);
          for (int r = 0; r < nfreq; ++r) dst[r] = resample_one(ay_, r, raw.data(), 1);
        } else {
          spec_.frame(x + col_sample[k], dst, *ws);
        }
      }
    } catch (...) {
#pragma omp critical(qp_fp_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);

  // 3. Images -> (resize) -> Haar -> L2 normalisation.
#pragma omp parallel
  {
    try {
      std::vector<double> img(M), scratch(M);
      std::vector<float> tmp_h, tmp_raw;
      if (!per_column_resize) {
        tmp_raw.resize(static_cast<std::size_t>(rows) * fp_length);
        tmp_h.resize(static_cast<std::size_t>(rows) * static_cast<std::size_t>(ntimes));
      }
#pragma omp for schedule(static)
      for (std::size_t i = 0; i < images.size(); ++i) {
        image_from_columns(cols.data() + images[i].col * col_height, col_height, tmp_raw, tmp_h, img.data());
        haar2d_pyramid(img.data(), nfreq, ntimes, scratch.data());
        store_normalised(img.data(), M, fast, out.values.data() + i * M);
      }
    } catch (...) {
#pragma omp critical(qp_fp_error)
      if (!error) error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
  (void)runs;
  return out;
}

}  // namespace qp::fp
