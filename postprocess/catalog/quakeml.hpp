// QuakeML 1.2 writer: one <event> per detection with its picks, and an
// origin with arrivals when the event is located. Streams event by event.
//
// Units follow QuakeML, not our CSV: depth and its uncertainty in METRES,
// horizontal uncertainty in metres. Resource ids are
// "smi:<authority>/<kind>/<event_id>[/...]", built from the stable event ids
// (which have no colons), so re-running gives the same ids.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "pipeline/time.hpp"
#include "pipeline/atomic_file.hpp"
#include "postprocess/catalog/catalog.hpp"

namespace qp::catalog {

struct QuakeMLOptions {
  std::string software_version;  // e.g. "0.1.0 (abc123def456)", from the build
  TimeNs creation_time = 0;      // the run's creation time, from its manifest
  std::string authority = "local/quakeprint";  // smi:<authority>/...
  std::string agency_id;                       // optional creationInfo/agencyID
  std::string run_id;  // names eventParameters; default: compact creation time tag

  void validate() const;  // throws qp::ConfigError on an authority QuakeML rejects
};

class QuakeMLWriter {
 public:
  QuakeMLWriter(const std::string& path, QuakeMLOptions options);
  void write(const Event& event);
  /// Closes the document and renames it into place. Without it nothing is
  /// left behind.
  void finish();

 private:
  std::string id(const std::string& kind, const std::string& rest) const;
  void creation_info(std::ostream& out, const std::string& indent) const;

  QuakeMLOptions opt_;
  AtomicTextFile file_;
};

/// Convenience: the whole catalog in one call.
void write_quakeml(const std::string& path, const std::vector<Event>& events,
                   const QuakeMLOptions& options);

/// Text escaped for XML element content and attribute values.
std::string xml_escape(const std::string& s);

/// Replaces every character a QuakeML resource id may not hold by '_'.
std::string resource_id_safe(const std::string& s);

}  // namespace qp::catalog
