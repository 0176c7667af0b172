#include "postprocess/association/station_pairs.hpp"

#include <algorithm>
#include <cassert>
#include <fstream>
#include <sstream>

#include "pipeline/error.hpp"

namespace qp::post {

void sort_fast_order(std::vector<StationPair>& pairs) {
  // A lambda, not the function's address: std::sort then inlines the comparison.
  const auto order = [](const StationPair& a, const StationPair& b) { return fast_pair_order(a, b); };
  if (!std::is_sorted(pairs.begin(), pairs.end(), order)) std::sort(pairs.begin(), pairs.end(), order);
}

std::vector<StationPair> combine_channels(const std::vector<std::vector<StationPair>>& per_channel,
                                          int n_components, const AssociationParams& params) {
  assert(n_components >= 1);
  std::size_t total = 0;
  for (const auto& ch : per_channel) total += ch.size();
  std::vector<StationPair> all;
  all.reserve(total);
  for (const auto& ch : per_channel) {
    for (const auto& p : ch) {
      assert(p.g1 < p.g2 && "station pairs must have g1 < g2");
      all.push_back(p);
    }
  }
  sort_fast_order(all);  // one channel's pairs may come sorted already

  const std::int64_t scale = n_components == 1 ? params.one_component_scale : 1;
  std::vector<StationPair> out;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i;
    std::int64_t sum = 0;
    while (j < all.size() && all[j].g1 == all[i].g1 && all[j].g2 == all[i].g2) sum += all[j++].votes;
    sum *= scale;
    if (sum >= params.channel_threshold) {
      StationPair p = all[i];
      p.votes = static_cast<std::int32_t>(std::min<std::int64_t>(sum, INT32_MAX));
      out.push_back(p);
    }
    i = j;
  }
  return out;
}

std::vector<StationPair> read_fast_pairs_text(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw qp::InputError(path, "cannot open");
  std::vector<StationPair> out;
  std::string line;
  long lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    std::istringstream ss(line);
    long long dt = 0, idx = 0, votes = 0;
    if (!(ss >> dt >> idx >> votes))
      throw qp::InputError(path, "expected 'dt idx votes'", "line " + std::to_string(lineno));
    if (dt <= 0 || idx - dt < 0 || votes < 0 || votes > INT32_MAX)
      throw qp::InputError(path, "dt must be > 0, idx >= dt and votes >= 0",
                           "line " + std::to_string(lineno));
    out.push_back({idx - dt, idx, static_cast<std::int32_t>(votes)});
  }
  // FAST's files are already in this order; sorting makes hand-edited ones safe.
  std::stable_sort(out.begin(), out.end(), fast_pair_order);
  return out;
}

}  // namespace qp::post
