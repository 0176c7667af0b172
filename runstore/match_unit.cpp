#include "runstore/match_unit.hpp"

#include "pipeline/unit_format.hpp"

namespace qp::runstore {

void write_match_unit(h5::Group& root, const std::vector<match::PreparedTemplate>& templates,
                      const match::SpanResult& r, double sampling_rate,
                      const std::vector<match::Candidate>& candidates) {
  stamp_unit_format(root, UnitKind::kMatch);
  match::write_match_unit(root, templates, r, sampling_rate, candidates);
}

std::vector<match::NetworkDetection> read_match_unit(const std::filesystem::path& file) {
  const h5::File f = h5::File::open_read(file);
  check_unit_format(f, UnitKind::kMatch);
  return match::read_match_unit(f);
}

}  // namespace qp::runstore
