#include "runstore/pair_unit.hpp"

#include "pipeline/error.hpp"
#include "pipeline/unit_format.hpp"

namespace qp::runstore {

void write_pair_unit(h5::Group& f, const std::vector<TimePair>& pairs, const PairUnitSummary& s) {
  std::vector<std::int64_t> t1, t2;
  std::vector<std::uint32_t> votes;
  for (const auto& p : pairs) {
    t1.push_back(p.t1);
    t2.push_back(p.t2);
    votes.push_back(p.votes);
  }
  stamp_unit_format(f, UnitKind::kPairs);
  f.write<std::int64_t>("t1", t1);
  f.write<std::int64_t>("t2", t2);
  f.write<std::uint32_t>("votes", votes);
  f.set_attr("fingerprints", static_cast<std::int64_t>(s.fingerprints));
  f.set_attr("filtered", static_cast<std::int64_t>(s.filtered));
  f.set_attr("pairs", static_cast<std::int64_t>(pairs.size()));
  // Partitions, lookups, time and memory depend on the ranks and the
  // machine; they go to the manifest, so outputs stay identical.
  f.set_attr("mode", s.mode);
}

std::vector<TimePair> read_pair_unit(const std::filesystem::path& file) {
  const h5::File f = h5::File::open_read(file);
  check_unit_format(f, UnitKind::kPairs);
  const auto t1 = f.read<std::int64_t>("t1"), t2 = f.read<std::int64_t>("t2");
  const auto v = f.read<std::uint32_t>("votes");
  if (t2.size() != t1.size() || v.size() != t1.size())
    throw InputError(file.string(), "t1, t2 and votes differ in length (" + std::to_string(t1.size()) + ", " +
                                        std::to_string(t2.size()) + ", " + std::to_string(v.size()) + ")");
  std::vector<TimePair> pairs;
  pairs.reserve(t1.size());
  for (std::size_t i = 0; i < t1.size(); ++i) pairs.push_back({t1[i], t2[i], v[i]});
  return pairs;
}

}  // namespace qp::runstore
