#include "synth/mseed_reader.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <libmseed.h>

#include "pipeline/error.hpp"

namespace qp::synth {

std::vector<MseedTrace> read_mseed_traces(const std::string& file) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file, ec))
    throw InputError(file, "no such file (or not a regular file)");
  if (!std::ifstream(file, std::ios::binary))
    throw InputError(file, "cannot be opened for reading");
  MSTraceGroup* group = nullptr;
  const int rc = ms_readtraces(&group, const_cast<char*>(file.c_str()), -1, -1.0, -1.0, 0, 1, 1, 0);
  if (rc != MS_NOERROR) {
    if (group) mst_freegroup(&group);
    throw InputError(file, std::string("not readable as miniSEED: ") + ms_errorstr(rc));
  }
  std::vector<MseedTrace> out;
  for (MSTrace* t = group ? group->traces : nullptr; t; t = t->next) {
    MseedTrace tr;
    tr.id = std::string(t->network) + "." + t->station + "." + t->location + "." + t->channel;
    tr.start = static_cast<TimeNs>(t->starttime) * (kNsPerSecond / HPTMODULUS);
    tr.sampling_rate = t->samprate;
    tr.samples.resize(static_cast<std::size_t>(t->numsamples));
    for (std::int64_t i = 0; i < t->numsamples; ++i) {
      double v = 0;
      switch (t->sampletype) {
        case 'i': v = static_cast<const std::int32_t*>(t->datasamples)[i]; break;
        case 'f': v = static_cast<const float*>(t->datasamples)[i]; break;
        case 'd': v = static_cast<const double*>(t->datasamples)[i]; break;
        default:
          mst_freegroup(&group);
          throw InputError(file, "trace " + tr.id + " holds text, not samples");
      }
      tr.samples[static_cast<std::size_t>(i)] = v;
    }
    out.push_back(std::move(tr));
  }
  mst_freegroup(&group);
  if (out.empty()) throw InputError(file, "holds no miniSEED data records");
  std::sort(out.begin(), out.end(), [](const MseedTrace& a, const MseedTrace& b) {
    return a.id != b.id ? a.id < b.id : a.start < b.start;
  });
  return out;
}

}  // namespace qp::synth
