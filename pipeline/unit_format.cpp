#include "pipeline/unit_format.hpp"

#include "pipeline/error.hpp"

namespace qp {
namespace {

constexpr UnitKind kKinds[] = {UnitKind::kWaveform, UnitKind::kMadStats, UnitKind::kFingerprint,
                               UnitKind::kPairs,    UnitKind::kEvents,   UnitKind::kMatch};

}  // namespace

UnitFormat unit_format(UnitKind kind) {
  switch (kind) {
    case UnitKind::kWaveform: return {"waveform", 1};
    case UnitKind::kMadStats: return {"fingerprint-mad", 1};
    case UnitKind::kFingerprint: return {"fingerprint", 1};
    case UnitKind::kPairs: return {"pairs", 1};
    case UnitKind::kEvents: return {"events", 1};
    case UnitKind::kMatch: return {"match", 2};
  }
  return {"unknown", 0};
}

void stamp_unit_format(h5::Group& root, UnitKind kind) {
  const UnitFormat f = unit_format(kind);
  root.set_attr("format", std::string(f.name));
  root.set_attr("format_version", f.version);
}

std::int64_t format_version_of(const h5::Group& root) {
  return root.has_attr("format_version") ? root.attr_int("format_version") : 0;
}

void check_unit_format(const h5::Group& root, UnitKind kind) {
  const UnitFormat want = unit_format(kind);
  const std::int64_t found = format_version_of(root);
  const std::string name = root.has_attr("format") ? root.attr_string("format") : "";
  if (found == want.version && name == want.name) return;
  std::string cause;
  if (found == 0) {
    cause = "no format_version (format_version 0: written by a quakeprint older than formats' versions)";
  } else if (name != want.name) {
    cause = "a '" + name + "' unit (format_version " + std::to_string(found) + ")";
  } else {
    cause = "format_version " + std::to_string(found);
  }
  throw InputError(root.file(), "found " + cause + ", expected a '" + want.name + "' unit of format_version " +
                                    std::to_string(want.version) +
                                    ": rerun the stage that wrote it (older files are not current and are "
                                    "recomputed) or use a new run directory");
}

bool has_current_format(const h5::Group& root) {
  if (!root.has_attr("format")) return false;
  const std::string name = root.attr_string("format");
  for (UnitKind k : kKinds) {
    const UnitFormat f = unit_format(k);
    if (name == f.name) return format_version_of(root) == f.version;
  }
  return false;
}

}  // namespace qp
