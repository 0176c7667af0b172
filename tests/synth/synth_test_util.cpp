#include "tests/synth/synth_test_util.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <libmseed.h>

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

}  // namespace qp::synth::test
