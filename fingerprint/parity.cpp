#include "fingerprint/parity.hpp"

#include <algorithm>
#include <cstdlib>
#include <map>

#include <fmt/format.h>

#include "fingerprint/binarize.hpp"
#include "fingerprint/fp_io.hpp"
#include "pipeline/error.hpp"

namespace qp::fp {

ParityResult compare_with_reference(const FingerprintBlock& ours, const FingerprintBlock& reference,
                                    double jaccard_min, TimeNs tolerance) {
  if (ours.size() > 0 && reference.size() > 0 && ours.words != reference.words)
    throw InputError("fingerprints", fmt::format("{} words per fingerprint against the reference's {}: "
                                                 "different fingerprint parameters",
                                                 ours.words, reference.words));
  ParityResult r;
  r.reference = reference.size();
  r.ours = ours.size();
  std::multimap<TimeNs, std::size_t> by_time;
  for (std::size_t i = 0; i < ours.size(); ++i) by_time.emplace(ours.times[i], i);
  std::vector<double> js;
  for (std::size_t k = 0; k < reference.size(); ++k) {
    const TimeNs t = reference.times[k];
    // The nearest of ours within the tolerance.
    auto best = by_time.end();
    for (auto it = by_time.lower_bound(t - tolerance); it != by_time.end() && it->first <= t + tolerance; ++it)
      if (best == by_time.end() || std::llabs(it->first - t) < std::llabs(best->first - t)) best = it;
    if (best == by_time.end()) continue;
    ++r.same_time;
    const std::uint64_t* a = ours.row(best->second);
    const std::uint64_t* b = reference.row(k);
    r.identical += std::equal(a, a + ours.words, b);
    const double j = jaccard(a, b, ours.words);
    r.jaccard_ok += j >= jaccard_min;
    js.push_back(j);
  }
  if (!js.empty()) {
    std::sort(js.begin(), js.end());
    const std::size_t m = js.size() / 2;
    r.median_jaccard = js.size() % 2 ? js[m] : 0.5 * (js[m - 1] + js[m]);
  }
  return r;
}

std::string ParityResult::report(double jaccard_min) const {
  auto share = [&](std::size_t n) {
    return reference ? fmt::format("{:.2f} %", 100.0 * static_cast<double>(n) / static_cast<double>(reference))
                     : std::string("n/a");
  };
  std::string s;
  s += fmt::format("fast_fingerprints {}\n", reference);
  s += fmt::format("our_fingerprints {}\n", ours);
  s += fmt::format("same_time {} ({} of the reference's)\n", same_time, share(same_time));
  s += fmt::format("bit_identical {} ({})\n", identical, share(identical));
  s += fmt::format("jaccard_ge_{} {} ({})\n", jaccard_min, jaccard_ok, share(jaccard_ok));
  s += fmt::format("median_jaccard {:.4f}\n", median_jaccard);
  return s;
}

FingerprintBlock read_fast_pair(const std::filesystem::path& fp_file, std::size_t nbits) {
  std::filesystem::path ts_file = fp_file;
  ts_file.replace_extension(".ts");
  const std::vector<TimeNs> times = read_fast_ts(ts_file);
  if (nbits == 0) {
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(fp_file, ec);
    if (ec) throw InputError(fp_file.string(), "cannot read its size: " + ec.message());
    if (times.empty() || bytes % times.size() != 0)
      throw InputError(fp_file.string(), fmt::format("{} B do not divide into the {} fingerprints of {}",
                                                      bytes, times.size(), ts_file.string()));
    nbits = 8 * (bytes / times.size());
  }
  FingerprintBlock b = read_fast_fp(fp_file, nbits);
  if (b.size() != times.size())
    throw InputError(fp_file.string(), fmt::format("{} fingerprints but {} has {} time stamps", b.size(),
                                                    ts_file.string(), times.size()));
  b.times = times;
  return b;
}

}  // namespace qp::fp
