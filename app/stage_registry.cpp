#include "app/stage_registry.hpp"

#include "pipeline/error.hpp"

namespace qp::app {

namespace {

template <class Options>
Options with_common(const PreprocessOptions& o) {
  Options x;
  static_cast<CommonOptions&>(x) = o;
  return x;
}

int run_preprocess(const PreprocessOptions& o, MpiContext& mpi) { return cmd_preprocess(o, mpi); }
int run_fingerprint(const PreprocessOptions& o, MpiContext& mpi) {
  return cmd_fingerprint(with_common<FingerprintOptions>(o), mpi);
}
int run_search(const PreprocessOptions& o, MpiContext& mpi) { return cmd_search(with_common<SearchOptions>(o), mpi); }
int run_associate(const PreprocessOptions& o, MpiContext& mpi) { return cmd_associate(o, mpi); }
int run_match(const PreprocessOptions& o, MpiContext& mpi) { return cmd_match(o, mpi); }
int run_export(const PreprocessOptions& o, MpiContext& mpi) { return cmd_export(with_common<ExportOptions>(o), mpi); }

}  // namespace

const std::vector<StageInfo>& all_stages() {
  // The section lists are the hash chain: a change in any of them makes the
  // stage's outputs (and so everything downstream) stale.
  static const std::vector<StageInfo> stages = {
      {"preprocess", "", {"preprocess"}, "the stations' miniSEED/SAC files", "preprocess/<seed id>/<day>.h5",
       {"preprocess"}, UnitListing::kChannels, true, run_preprocess},
      {"fingerprint", "preprocess", {"fingerprint-mad", "fingerprint"}, "preprocess/",
       "fingerprint/<seed id>/mad.h5 and <day>.h5", {"preprocess", "fingerprint"}, UnitListing::kChannels, true,
       run_fingerprint},
      {"search", "fingerprint", {"search"}, "fingerprint/", "search/<seed id>/...h5",
       {"preprocess", "fingerprint", "search"}, UnitListing::kChannels, false, run_search},
      {"associate", "search", {"associate"}, "search/, preprocess/ (picking)", "associate/network.h5",
       {"preprocess", "fingerprint", "search", "associate", "picking", "location"}, UnitListing::kNetwork, false,
       run_associate},
      {"match", "associate", {"match"}, "associate/network.h5 (templates), preprocess/",
       "match/batch-<n>/<day>.h5, match/detections.csv, confirmations.csv", {"preprocess", "match"}, UnitListing::kPlanned, true,
       run_match},
      {"export", "associate", {}, "associate/network.h5, match/detections.csv, confirmations.csv",
       "catalog/catalog.csv, picks.csv, catalog.xml, ...",
       {"preprocess", "fingerprint", "search", "associate", "picking", "location", "export"}, UnitListing::kNone, false,
       run_export},
  };
  return stages;
}

std::vector<const StageInfo*> pipeline_stages(const LoadedConfig& lc) {
  std::vector<const StageInfo*> out;
  for (const auto& s : all_stages())
    if (s.name != "match" || lc.match.enabled) out.push_back(&s);
  return out;
}

const StageInfo& stage_info(const std::string& name) {
  for (const auto& s : all_stages())
    if (s.name == name) return s;
  throw Error("unknown stage '" + name + "'");
}

std::string stage_params_hash(const StageInfo& s, const Config& cfg) { return cfg.hash_of(s.sections); }

std::vector<std::string> stage_channels(const StageInfo& s, const Config& cfg) {
  switch (s.listing) {
    case UnitListing::kChannels: {
      std::vector<std::string> ids;
      for (const auto& c : cfg.channels()) ids.push_back(c.seed_id());
      return ids;
    }
    case UnitListing::kNetwork: return {"network"};
    default: return {};
  }
}

std::string stage_chain(const LoadedConfig& lc) {
  std::string chain;
  for (const StageInfo* s : pipeline_stages(lc)) chain += (chain.empty() ? "" : " -> ") + s->name;
  return chain;
}

}  // namespace qp::app
