#include "postprocess/catalog/quakeml.hpp"

#include <cctype>
#include <map>
#include <ostream>

#include "pipeline/error.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

bool id_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_' ||
         c == '~' || c == '*' || c == '(' || c == ')' || c == '\'';
}

std::string time_text(TimeNs t) { return format_iso8601(t, 6); }

}  // namespace

std::string xml_escape(const std::string& s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string resource_id_safe(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (!id_char(c)) c = '_';
  return out;
}

void QuakeMLOptions::validate() const {
  // QuakeML: smi:<authority of >= 3 id chars, may hold '/'> / <local id>.
  const auto slash = authority.find('/');
  const std::string head = authority.substr(0, slash);
  bool ok = head.size() >= 3 && std::isalnum(static_cast<unsigned char>(head[0]));
  for (char c : authority)
    if (!id_char(c) && c != '/') ok = false;
  if (!ok)
    throw ConfigError("catalog.quakeml_authority",
                      "'" + authority + "' is not a valid QuakeML authority (letters, digits, "
                      "-._~*()' and '/', at least 3 characters before the first '/')");
  if (software_version.empty())
    throw ConfigError("catalog.software_version", "must not be empty");
}

QuakeMLWriter::QuakeMLWriter(const std::string& path, QuakeMLOptions options)
    : opt_(std::move(options)), file_(path) {
  opt_.validate();
  if (opt_.run_id.empty()) {
    opt_.run_id = compact_time_tag(opt_.creation_time, 0);
  }
  std::ostream& out = file_.stream();
  out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      << "<q:quakeml xmlns:q=\"http://quakeml.org/xmlns/quakeml/1.2\" "
         "xmlns=\"http://quakeml.org/xmlns/bed/1.2\">\n"
      << "  <eventParameters publicID=\"" << xml_escape(id("run", resource_id_safe(opt_.run_id)))
      << "\">\n";
  creation_info(out, "    ");
}

std::string QuakeMLWriter::id(const std::string& kind, const std::string& rest) const {
  return "smi:" + opt_.authority + "/" + kind + "/" + rest;
}

void QuakeMLWriter::creation_info(std::ostream& out, const std::string& indent) const {
  out << indent << "<creationInfo>";
  if (!opt_.agency_id.empty()) out << "<agencyID>" << xml_escape(opt_.agency_id) << "</agencyID>";
  out << "<author>quakeprint</author><creationTime>" << time_text(opt_.creation_time)
      << "</creationTime><version>" << xml_escape(opt_.software_version)
      << "</version></creationInfo>\n";
}

void QuakeMLWriter::write(const Event& e) {
  std::ostream& out = file_.stream();
  const std::string eid = resource_id_safe(e.event_id);
  const std::string origin_id = id("origin", eid);
  const bool located = e.located();

  out << "    <event publicID=\"" << xml_escape(id("event", eid)) << "\">\n";
  if (located) out << "      <preferredOriginID>" << xml_escape(origin_id) << "</preferredOriginID>\n";
  out << "      <type>earthquake</type>\n      <typeCertainty>suspected</typeCertainty>\n";
  std::string stats = "quakeprint detection: score=" + format_general(e.score) +
                      " n_stations=" + std::to_string(e.n_stations);
  if (!e.stations.empty()) {
    stats += " stations=";
    for (std::size_t i = 0; i < e.stations.size(); ++i) stats += (i ? ";" : "") + e.stations[i];
  }
  if (!e.family_id.empty()) stats += " family_id=" + e.family_id;
  stats += " n_linked=" + std::to_string(e.n_linked) +
           " first_arrival=" + time_text(e.first_arrival);
  if (!e.method.empty()) {  // matched filtering ran (docs/catalog-format.md)
    stats += " method=" + e.method;
    if (!e.template_id.empty()) stats += " template_id=" + e.template_id;
    if (e.cc) stats += " cc=" + format_general(*e.cc, 4);
    if (e.mad_multiple) stats += " mad_multiple=" + format_general(*e.mad_multiple, 4);
    if (e.relative_magnitude) stats += " relative_magnitude=" + format_general(*e.relative_magnitude, 3);
  }
  out << "      <comment><text>" << xml_escape(stats) << "</text></comment>\n";
  creation_info(out, "      ");

  // Pick ids: event id + seed id + phase, numbered when a station repeats a phase.
  std::vector<std::string> pick_ids;
  std::map<std::string, int> used;
  for (const Pick& p : e.picks) {
    std::string rest = eid + "/" + resource_id_safe(p.seed_id) + "." +
                       resource_id_safe(p.phase.empty() ? "X" : p.phase);
    const int n = ++used[rest];
    if (n > 1) rest += "-" + std::to_string(n);
    pick_ids.push_back(id("pick", rest));
  }

  for (std::size_t i = 0; i < e.picks.size(); ++i) {
    const Pick& p = e.picks[i];
    const SeedParts s = split_seed_id(p.seed_id);
    out << "      <pick publicID=\"" << xml_escape(pick_ids[i]) << "\">\n"
        << "        <time><value>" << time_text(p.time) << "</value>";
    if (p.uncertainty_s > 0) out << "<uncertainty>" << format_general(p.uncertainty_s) << "</uncertainty>";
    out << "</time>\n"
        << "        <waveformID networkCode=\"" << xml_escape(s.network) << "\" stationCode=\""
        << xml_escape(s.station) << "\" locationCode=\"" << xml_escape(s.location)
        << "\" channelCode=\"" << xml_escape(s.channel) << "\"/>\n";
    if (!p.phase.empty() && p.phase != "?")  // "?": the detector cannot tell
      out << "        <phaseHint>" << xml_escape(p.phase) << "</phaseHint>\n";
    out << "        <evaluationMode>automatic</evaluationMode>\n"
        << "        <evaluationStatus>preliminary</evaluationStatus>\n"
        << "        <comment><text>similarity=" << format_general(p.similarity, 6)
        << "</text></comment>\n"
        << "      </pick>\n";
  }

  if (located) {
    out << "      <origin publicID=\"" << xml_escape(origin_id) << "\">\n"
        << "        <time><value>" << time_text(*e.origin_time) << "</value>";
    if (e.origin_uncertainty_s)
      out << "<uncertainty>" << format_general(*e.origin_uncertainty_s) << "</uncertainty>";
    out << "</time>\n"
        << "        <latitude><value>" << format_fixed(*e.latitude, 6) << "</value></latitude>\n"
        << "        <longitude><value>" << format_fixed(*e.longitude, 6)
        << "</value></longitude>\n";
    if (e.depth_km) {
      out << "        <depth><value>" << format_fixed(*e.depth_km * 1000.0, 1) << "</value>";
      if (e.depth_uncertainty_km)
        out << "<uncertainty>" << format_fixed(*e.depth_uncertainty_km * 1000.0, 1)
            << "</uncertainty>";
      out << "</depth>\n";
    }
    if (e.horizontal_uncertainty_km)
      out << "        <originUncertainty><horizontalUncertainty>"
          << format_fixed(*e.horizontal_uncertainty_km * 1000.0, 1)
          << "</horizontalUncertainty><preferredDescription>horizontal uncertainty"
             "</preferredDescription></originUncertainty>\n";
    for (std::size_t i = 0; i < e.picks.size(); ++i) {
      const std::string arrival_rest = pick_ids[i].substr(id("pick", "").size());
      out << "        <arrival publicID=\"" << xml_escape(id("arrival", arrival_rest)) << "\">"
          << "<pickID>" << xml_escape(pick_ids[i]) << "</pickID><phase>"
          << xml_escape(e.picks[i].phase.empty() ? "?" : e.picks[i].phase)
          << "</phase></arrival>\n";
    }
    out << "        <quality><associatedPhaseCount>" << e.picks.size()
        << "</associatedPhaseCount><associatedStationCount>" << e.n_stations
        << "</associatedStationCount></quality>\n"
        << "        <evaluationMode>automatic</evaluationMode>\n"
        << "        <evaluationStatus>preliminary</evaluationStatus>\n";
    creation_info(out, "        ");
    out << "      </origin>\n";
  }
  out << "    </event>\n";
}

void QuakeMLWriter::finish() {
  file_.stream() << "  </eventParameters>\n</q:quakeml>\n";
  file_.commit();
}

void write_quakeml(const std::string& path, const std::vector<Event>& events,
                   const QuakeMLOptions& options) {
  QuakeMLWriter w(path, options);
  for (const Event& e : events) w.write(e);
  w.finish();
}

}  // namespace qp::catalog
