#include "lsh/occurrence_filter.hpp"

#include <algorithm>
#include <map>

#include "lsh/search.hpp"

namespace qp::lsh {

std::int64_t noise_block_id(TimeNs t, NoiseBlock block) {
  const std::int64_t day = floor_to(t, kNsPerDay) / kNsPerDay;  // days since 1970-01-01 (Thursday)
  switch (block) {
    case NoiseBlock::day: return day;
    case NoiseBlock::week: {
      const std::int64_t since_monday = day + 3;  // 1969-12-29 was a Monday
      return since_monday >= 0 ? since_monday / 7 : -((-since_monday + 6) / 7);
    }
    case NoiseBlock::month: {
      // Civil year and month from the day count (H. Hinnant's algorithm).
      const std::int64_t z = day + 719468;
      const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
      const std::int64_t doe = z - era * 146097;
      const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
      const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
      const std::int64_t mp = (5 * doy + 2) / 153;
      const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
      const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
      return year * 12 + (month - 1);
    }
  }
  return day;
}

std::vector<std::uint8_t> occurrence_flags(const std::vector<CandidatePair>& pairs,
                                           const std::vector<TimeNs>& times,
                                           const SearchParams& params) {
  const std::size_t n = times.size();
  std::vector<std::uint8_t> flags(n, 0);
  if (!params.noise_filter_on()) return flags;
  std::vector<std::int64_t> block(n);
  std::map<std::int64_t, std::size_t> block_size;
  for (std::size_t i = 0; i < n; ++i) {
    block[i] = noise_block_id(times[i], params.noise_block);
    ++block_size[block[i]];
  }
  std::vector<std::uint32_t> count(n, 0);
  for (const auto& p : pairs)
    if (block[p.a] == block[p.b]) {
      ++count[p.a];
      ++count[p.b];
    }
  for (std::size_t i = 0; i < n; ++i)
    flags[i] = static_cast<double>(count[i]) >
               params.noise_freq * static_cast<double>(block_size[block[i]]);
  return flags;
}

std::size_t apply_occurrence_filter(std::vector<CandidatePair>& pairs,
                                    const std::vector<TimeNs>& times, const SearchParams& params) {
  if (!params.noise_filter_on()) return 0;
  const auto flags = occurrence_flags(pairs, times, params);
  pairs.erase(std::remove_if(pairs.begin(), pairs.end(),
                             [&](const CandidatePair& p) { return flags[p.a] || flags[p.b]; }),
              pairs.end());
  return static_cast<std::size_t>(std::count(flags.begin(), flags.end(), 1));
}

}  // namespace qp::lsh
