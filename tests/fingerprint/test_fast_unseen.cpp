// Bit identity with FAST on records FAST never saw: the same float32 input
// (raw miniSEED preprocessed in "fast" mode) goes through FAST's own feature
// extraction (tests/fingerprint/fast_reference.py: SciPy, Pillow, PyWavelets,
// scikit-learn, as FAST's fingerprint/ code) and through ours; with FAST's
// median/MAD text file, >= 99% of fingerprints must be bit-identical per
// component. FAST's sample parameters (100 Hz, 6 s windows, 0.2 s lag, 128
// columns, k 1600 of 4096): the top-k boundary sits among near-ties, so any
// rounding step that differs from FAST's shows.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <random>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fingerprinter.hpp"
#include "fingerprint/fp_io.hpp"
#include "fingerprint/haar.hpp"
#include "fingerprint/numpy_argsort.hpp"
#include "fingerprint/mad.hpp"
#include "fingerprint/parity.hpp"
#include "preprocess/merge.hpp"
#include "preprocess/preprocess.hpp"
#include "preprocess/waveform_reader.hpp"
#include "tests/support/test_support.hpp"

namespace fs = std::filesystem;
using namespace qp;

namespace {

bool fast_python_available() {
  static const int rc = std::system(
      "/usr/bin/python3 -c 'import numpy, scipy.signal, pywt, PIL, sklearn' >/dev/null 2>&1");
  return rc == 0;
}

fp::FingerprintParams fast_sample_params() {
  fp::FingerprintParams p;  // FAST fingerprint/sample_fp_params.json
  p.sampling_rate = 100;
  p.min_freq = 2;
  p.max_freq = 20;
  p.spec_length = 6;
  p.spec_lag = 0.2;
  p.fp_length = 128;
  p.fp_lag = 10;
  p.nfreq = 32;
  p.k_coef = 1600;
  p.mad_sampling_rate = 1;
  p.mode = fp::FrameMode::kFast;
  p.validate();
  return p;
}

struct Channel {
  std::string name;       // file prefix
  char component = 'Z';
  pre::Continuous data;   // preprocessed, float32
  std::vector<double> raw;  // the counts it came from
};

// FAST's recipe (demean, detrend, causal 2-20 Hz Butterworth) on the longest
// trace of each channel, cut to at most `seconds`.
std::vector<Channel> load(const fs::path& file, double seconds, std::size_t max_channels) {
  std::vector<Channel> out;
  pre::PreprocessParams pp;
  pp.mode = "fast";
  pp.freqmin = 2;
  pp.freqmax = 20;
  pp.fill_gaps = "none";
  for (const auto& t : pre::read_waveform_file(file.string())) {
    if (out.size() >= max_channels) break;
    if (t.sampling_rate != 100.0) continue;
    const TimeNs end = t.start + static_cast<TimeNs>(seconds * 1e9);
    pre::Continuous raw = pre::merge_traces({t}, t.start, std::min(end, t.sample_time(t.samples.size())));
    Channel c;
    c.name = t.seed_id;
    c.component = t.seed_id.back();
    c.data = pre::preprocess(raw, pp, 1);
    c.raw.assign(raw.samples.begin(), raw.samples.end());
    out.push_back(std::move(c));
  }
  return out;
}

class FastUnseen : public ::testing::Test {
 protected:
  void SetUp() override {
    QP_REQUIRE_SHARED();
    if (!fast_python_available())
      GTEST_SKIP() << "/usr/bin/python3 with numpy, scipy, pywt, PIL and sklearn is not available "
                      "(scripts/install-deps.sh installs them); no FAST reference";
  }
};

// The steps where FAST's results differ from a plain implementation's: the
// float32 FFT of the spectrogram, the order of the L2 norm's sum, and the
// order np.argsort gives equal values (ties at the top-k boundary).
TEST_F(FastUnseen, SpectrogramNormAndArgsortAsScipySklearnNumpy) {
  const fs::path dir = test::binary_dir() / "test-tmp" / "FastUnseenSteps";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::mt19937 rng(11);
  std::normal_distribution<double> g;
  std::vector<float> x(20000);
  double a = 0;
  for (auto& v : x) v = static_cast<float>(1000.0 * (a = 0.9 * a + g(rng)));
  std::vector<double> vecs(40 * 4096);
  for (std::size_t i = 0; i < vecs.size(); ++i) vecs[i] = g(rng) * std::exp(g(rng));
  // Arrays full of ties: small integers, values rounded to 2 decimals.
  std::vector<double> tied(40 * 4096);
  for (std::size_t i = 0; i < tied.size(); ++i)
    tied[i] = (i / 4096) % 2 ? std::round(100.0 * g(rng)) / 100.0 : std::floor(30.0 * std::fabs(g(rng)));
  std::ofstream(dir / "t.f64", std::ios::binary)
      .write(reinterpret_cast<const char*>(tied.data()), static_cast<std::streamsize>(tied.size() * sizeof(double)));
  std::ofstream(dir / "x.f32", std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * sizeof(float)));
  std::ofstream(dir / "v.f64", std::ios::binary)
      .write(reinterpret_cast<const char*>(vecs.data()), static_cast<std::streamsize>(vecs.size() * sizeof(double)));
  const std::string script =
      "import numpy as np\nfrom scipy.signal import spectrogram\nfrom sklearn.preprocessing import normalize\n"
      "x = np.fromfile('x.f32', dtype='<f4')\n"
      "f, t, s = spectrogram(x, fs=100.0, window='hann', nperseg=600, noverlap=580)\n"
      "np.ascontiguousarray(s.T).astype('<f4').tofile('s.f32')\n"
      "v = np.fromfile('v.f64').reshape(40, 4096)\n"
      "normalize(v, axis=1).tofile('n.f64')\n"
      "np.argsort(np.fromfile('t.f64').reshape(40, 4096), axis=1).astype('<i8').tofile('a.i64')\n";
  std::ofstream(dir / "ref.py") << script;
  ASSERT_EQ(std::system(("cd '" + dir.string() + "' && /usr/bin/python3 ref.py > ref.log 2>&1").c_str()), 0)
      << test::read_file(dir / "ref.log");

  const fp::Spectrogram spec(100.0, 600, 20, 0.0, 50.0, fp::FftPrecision::kReference);
  ASSERT_EQ(spec.rows(), 301);
  const std::vector<float> ours = spec.compute(x.data(), x.size());
  std::vector<float> ref(ours.size());
  std::ifstream(dir / "s.f32", std::ios::binary)
      .read(reinterpret_cast<char*>(ref.data()), static_cast<std::streamsize>(ref.size() * sizeof(float)));
  std::size_t same = 0;
  for (std::size_t i = 0; i < ours.size(); ++i) same += ours[i] == ref[i];
  EXPECT_EQ(same, ours.size()) << "spectrogram values equal to scipy's float32 ones";

  std::vector<double> nref(vecs.size());
  std::ifstream(dir / "n.f64", std::ios::binary)
      .read(reinterpret_cast<char*>(nref.data()), static_cast<std::streamsize>(nref.size() * sizeof(double)));
  std::size_t same_n = 0;
  for (std::size_t r = 0; r < 40; ++r) {
    fp::l2_normalize_numpy(vecs.data() + r * 4096, 4096);
    same_n += std::equal(vecs.begin() + static_cast<std::ptrdiff_t>(r * 4096),
                         vecs.begin() + static_cast<std::ptrdiff_t>((r + 1) * 4096),
                         nref.begin() + static_cast<std::ptrdiff_t>(r * 4096));
  }
  EXPECT_EQ(same_n, 40u) << "rows normalised bit-identically to sklearn's";

  std::vector<std::int64_t> aref(tied.size()), ours_idx(4096);
  std::ifstream(dir / "a.i64", std::ios::binary)
      .read(reinterpret_cast<char*>(aref.data()), static_cast<std::streamsize>(aref.size() * sizeof(std::int64_t)));
  std::size_t same_a = 0;
  for (std::size_t r = 0; r < 40; ++r) {
    fp::numpy_argsort(tied.data() + r * 4096, 4096, ours_idx.data());
    same_a += std::equal(ours_idx.begin(), ours_idx.end(), aref.begin() + static_cast<std::ptrdiff_t>(r * 4096));
  }
  EXPECT_EQ(same_a, 40u) << "argsort permutations equal to NumPy's";
}

TEST_F(FastUnseen, BitIdenticalWithFastsMadFile) {
  const fs::path data = test::shared_dir() / "data";
  std::vector<Channel> channels = load(data / "kw1-noise-2011" / "BW.KW1..EHZ.D.2011.090.mseed", 2400, 1);
  for (auto& c : load(data / "westmorland-ci-2020" / "CI.2020-10-01T000000.mseed", 180, 48))
    channels.push_back(std::move(c));
  ASSERT_GE(channels.size(), 40u);

  const fs::path dir = test::binary_dir() / "test-tmp" / "FastUnseen";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fp::FingerprintParams p = fast_sample_params();
  std::ofstream(dir / "params.json") << R"({"spec_length": 6.0, "spec_lag": 0.2, "fp_length": 128, )"
                                     << R"("fp_lag": 10, "nfreq": 32, "min_freq": 2.0, "max_freq": 20.0, )"
                                     << R"("k_coef": 1600})";
  std::string cmd = "cd '" + dir.string() + "' && /usr/bin/python3 '" +
                    (test::source_dir() / "tests" / "fingerprint" / "fast_reference.py").string() +
                    "' 100 params.json";
  for (const auto& c : channels) {
    for (std::uint8_t m : c.data.mask) ASSERT_EQ(m, 1) << c.name << ": fast mode keeps every sample";
    std::ofstream(dir / (c.name + ".f32"), std::ios::binary)
        .write(reinterpret_cast<const char*>(c.data.samples.data()),
               static_cast<std::streamsize>(c.data.samples.size() * sizeof(float)));
    cmd += " '" + c.name + "'";
  }
  ASSERT_EQ(std::system((cmd + " > ref.log 2>&1").c_str()), 0) << test::read_file(dir / "ref.log");

  const fp::Fingerprinter fper(p);
  std::map<char, std::pair<std::size_t, std::size_t>> per_component;  // identical, total
  for (const auto& c : channels) {
    const fp::CoefficientBlock coefs =
        fper.coefficients(c.data.samples.data(), nullptr, c.data.samples.size(), c.data.start,
                          std::numeric_limits<TimeNs>::min(), std::numeric_limits<TimeNs>::max());
    const fp::MadStats stats = fp::read_mad_file(dir / (c.name + ".mad.txt"), p.M());
    const fp::FingerprintBlock ours = fp::binarize(coefs, stats, p.k_coef, fp::TieOrder::kNumpy);
    fp::FingerprintBlock fast = fp::read_fast_fp(dir / (c.name + ".fp"), p.bits());
    std::ifstream ts(dir / (c.name + ".t"));
    fast.times.clear();
    for (double s; ts >> s;) fast.times.push_back(c.data.start + static_cast<TimeNs>(std::llround(s * 1e9)));
    ASSERT_EQ(fast.times.size(), fast.size()) << c.name;
    ASSERT_EQ(ours.size(), fast.size()) << c.name;
    const fp::ParityResult r = fp::compare_with_reference(ours, fast, 0.9, 1'000'000);
    EXPECT_EQ(r.same_time, fast.size()) << c.name;
    per_component[c.component].first += r.identical;
    per_component[c.component].second += fast.size();
  }
  for (const auto& [comp, n] : per_component) {
    const double share = 100.0 * static_cast<double>(n.first) / static_cast<double>(n.second);
    std::printf("[%c] %zu/%zu bit-identical (%.2f %%)\n", comp, n.first, n.second, share);
    EXPECT_GE(share, 99.0) << "component " << comp;
  }
}

// From the raw recordings: FAST's ObsPy recipe and fingerprints (its own
// median/MAD over all fingerprints, mad_sampling_rate 1) against ours ("fast"
// preprocess, "fast" fingerprints, our own statistics). At least 95% of
// FAST's fingerprints per component have one of ours at the same time with
// Jaccard >= 0.9.
TEST_F(FastUnseen, FromRawRecordingsAtFastsTimes) {
  std::vector<Channel> channels =
      load(test::shared_dir() / "data" / "westmorland-ci-2020" / "CI.2020-10-01T000000.mseed", 180, 24);
  ASSERT_EQ(channels.size(), 24u);  // 8 stations x 3 components
  const fs::path dir = test::binary_dir() / "test-tmp" / "FastUnseenRaw";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "params.json") << R"({"spec_length": 6.0, "spec_lag": 0.2, "fp_length": 128, )"
                                     << R"("fp_lag": 10, "nfreq": 32, "min_freq": 2.0, "max_freq": 20.0, )"
                                     << R"("k_coef": 1600})";
  std::string cmd = "cd '" + dir.string() + "' && /usr/bin/python3 '" +
                    (test::source_dir() / "tests" / "fingerprint" / "fast_reference.py").string() +
                    "' --raw 2 20 100 params.json";
  for (const auto& c : channels) {
    std::ofstream(dir / (c.name + ".raw.f64"), std::ios::binary)
        .write(reinterpret_cast<const char*>(c.raw.data()), static_cast<std::streamsize>(c.raw.size() * sizeof(double)));
    cmd += " '" + c.name + "'";
  }
  ASSERT_EQ(std::system((cmd + " > ref.log 2>&1").c_str()), 0) << test::read_file(dir / "ref.log");

  const fp::FingerprintParams p = fast_sample_params();
  const fp::Fingerprinter fper(p);
  std::map<char, std::array<std::size_t, 4>> per_component;  // total, same time, Jaccard ok, identical
  for (const auto& c : channels) {
    const fp::CoefficientBlock coefs =
        fper.coefficients(c.data.samples.data(), c.data.mask.data(), c.data.samples.size(), c.data.start,
                          std::numeric_limits<TimeNs>::min(), std::numeric_limits<TimeNs>::max());
    const fp::FingerprintBlock ours =
        fp::binarize(coefs, fp::compute_mad_stats(coefs), p.k_coef, fp::TieOrder::kNumpy);
    fp::FingerprintBlock fast = fp::read_fast_fp(dir / (c.name + ".fp"), p.bits());
    fast.times.clear();
    std::ifstream ts(dir / (c.name + ".t"));
    for (double s; ts >> s;) fast.times.push_back(c.data.start + static_cast<TimeNs>(std::llround(s * 1e9)));
    ASSERT_EQ(fast.times.size(), fast.size()) << c.name;
    const fp::ParityResult r = fp::compare_with_reference(ours, fast, 0.9, 1'000'000);
    auto& n = per_component[c.component];
    n[0] += r.reference, n[1] += r.same_time, n[2] += r.jaccard_ok, n[3] += r.identical;
  }
  for (const auto& [comp, n] : per_component) {
    std::printf("[%c] of FAST's %zu: %zu at the same time, %zu with Jaccard >= 0.9 (%.2f %%), %zu bit-identical\n",
                comp, n[0], n[1], n[2], 100.0 * static_cast<double>(n[2]) / static_cast<double>(n[0]), n[3]);
    EXPECT_EQ(n[1], n[0]) << "component " << comp;
    EXPECT_GE(100.0 * static_cast<double>(n[2]) / static_cast<double>(n[0]), 95.0) << "component " << comp;
  }
}

}  // namespace
