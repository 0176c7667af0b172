// The format of each kind of unit file in the run store: a name and a
// version, written as the root attributes `format` and `format_version` by
// the unit's writer (runstore/) and checked by its reader, so a file written
// by an incompatible quakeprint is refused with a message naming the file,
// the version found and the version expected (docs/run-store.md).
#pragma once

#include <cstdint>
#include <string>

#include "pipeline/hdf5_file.hpp"

namespace qp {

enum class UnitKind { kWaveform, kMadStats, kFingerprint, kPairs, kEvents, kMatch };

struct UnitFormat {
  const char* name;      // the `format` attribute: "waveform", "fingerprint", ...
  std::int64_t version;  // the `format_version` this quakeprint writes and reads
};

/// The current format of a unit kind. Raise its version whenever the
/// kind's datasets or attributes change meaning.
UnitFormat unit_format(UnitKind kind);

/// Writes `format` and `format_version` on a unit file's root group.
void stamp_unit_format(h5::Group& root, UnitKind kind);

/// The version a file carries: its `format_version`, 0 when absent (files
/// written before formats were versioned).
std::int64_t format_version_of(const h5::Group& root);

/// Throws InputError naming the file, the version found and the version
/// expected unless `root` is a `kind` unit of the current version.
void check_unit_format(const h5::Group& root, UnitKind kind);

/// True when the file names a known unit kind at its current version (an
/// older file is not current: rerunning its stage recomputes it).
bool has_current_format(const h5::Group& root);

}  // namespace qp
