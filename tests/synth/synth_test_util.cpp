#include "tests/synth/synth_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <libmseed.h>

#include "synth/noise.hpp"

namespace qp::synth::test {

namespace {
std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, ',')) out.push_back(cell);
  if (!line.empty() && line.back() == ',') out.emplace_back();
  return out;
}
}  // namespace

Table read_csv(const std::filesystem::path& p) {
  Table t;
  std::ifstream in(p);
  std::string line;
  if (!std::getline(in, line)) return t;
  t.header = split(line);
  while (std::getline(in, line)) {
    const auto cells = split(line);
    std::map<std::string, std::string> row;
    for (std::size_t i = 0; i < t.header.size(); ++i) row[t.header[i]] = i < cells.size() ? cells[i] : "";
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::vector<Trace> read_channel(const std::filesystem::path& dir, const std::string& id) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind(id + ".D.", 0) == 0) files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<Trace> out;
  for (const auto& f : files) {
    MSTraceGroup* g = nullptr;
    if (ms_readtraces(&g, const_cast<char*>(f.c_str()), -1, -1.0, -1.0, 0, 1, 1, 0) != MS_NOERROR)
      continue;
    for (MSTrace* t = g->traces; t; t = t->next) {
      Trace tr;
      tr.id = id;
      tr.start = static_cast<TimeNs>(t->starttime) * 1000;
      tr.rate = t->samprate;
      const auto* x = static_cast<const std::int32_t*>(t->datasamples);
      tr.samples.assign(x, x + t->numsamples);
      out.push_back(std::move(tr));
    }
    mst_freegroup(&g);
  }
  std::sort(out.begin(), out.end(), [](const Trace& a, const Trace& b) { return a.start < b.start; });
  return out;
}

std::vector<double> window(const std::vector<Trace>& traces, TimeNs t0, std::size_t n) {
  std::vector<double> out(n, std::nan(""));
  for (const Trace& t : traces) {
    const double period_ns = 1e9 / t.rate;
    const auto off = static_cast<long long>(std::llround(static_cast<double>(t0 - t.start) / period_ns));
    for (std::size_t i = 0; i < n; ++i) {
      const long long k = off + static_cast<long long>(i);
      if (k >= 0 && k < static_cast<long long>(t.samples.size()))
        out[i] = t.samples[static_cast<std::size_t>(k)];
    }
  }
  return out;
}

double haversine_km(double lat1, double lon1, double lat2, double lon2) {
  const double d = M_PI / 180.0;
  const double a = std::pow(std::sin((lat2 - lat1) * d / 2), 2) +
                   std::cos(lat1 * d) * std::cos(lat2 * d) * std::pow(std::sin((lon2 - lon1) * d / 2), 2);
  return 2 * 6371.0 * std::asin(std::sqrt(a));
}

std::vector<double> xcorr(const std::vector<double>& a, const std::vector<double>& b) {
  const std::size_t na = a.size(), nb = b.size();
  std::size_t l = 4;
  while (l < na + nb) l *= 2;
  const qp::synth::RealFft fft(l);
  std::vector<double> pa(l, 0.0), pb(l, 0.0), ra(l / 2 + 1), ia(l / 2 + 1), rb(l / 2 + 1),
      ib(l / 2 + 1), r(l);
  std::copy(a.begin(), a.end(), pa.begin());
  std::copy(b.begin(), b.end(), pb.begin());
  fft.forward(pa.data(), ra.data(), ia.data());
  fft.forward(pb.data(), rb.data(), ib.data());
  // conj(A) B: element k is sum_i a[i] b[i + k] (circular, padded).
  for (std::size_t k = 0; k <= l / 2; ++k) {
    const double re = ra[k] * rb[k] + ia[k] * ib[k], im = ra[k] * ib[k] - ia[k] * rb[k];
    ra[k] = re;
    ia[k] = im;
  }
  fft.inverse(ra.data(), ia.data(), r.data());
  double ea = 0, eb = 0;
  for (double v : a) ea += v * v;
  for (double v : b) eb += v * v;
  const double norm = 1.0 / (static_cast<double>(l) * std::sqrt(ea * eb));
  std::vector<double> out(na + nb - 1);
  for (std::size_t j = 0; j < out.size(); ++j) {
    const std::int64_t k = static_cast<std::int64_t>(j) - static_cast<std::int64_t>(na - 1);
    out[j] = r[static_cast<std::size_t>((k + static_cast<std::int64_t>(l)) % static_cast<std::int64_t>(l))] * norm;
  }
  return out;
}

double max_abs_xcorr(const std::vector<double>& a, const std::vector<double>& b,
                     std::size_t min_lag) {
  const auto r = xcorr(a, b);
  double m = 0;
  for (std::size_t j = 0; j < r.size(); ++j) {
    const std::int64_t k = static_cast<std::int64_t>(j) - static_cast<std::int64_t>(a.size() - 1);
    if (static_cast<std::size_t>(k < 0 ? -k : k) < min_lag) continue;
    m = std::max(m, std::fabs(r[j]));
  }
  return m;
}

}  // namespace qp::synth::test
