#include "postprocess/catalog/stations.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "pipeline/error.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {

std::vector<StationCoords> read_stations_csv(const std::string& path) {
  CsvReader r(path);
  require_header_prefix(r, {"network", "station", "location", "channel", "latitude", "longitude",
                            "elevation_m"});
  std::vector<StationCoords> out;
  std::vector<std::string> f;
  while (r.next(f)) {
    StationCoords s;
    s.network = f[0];
    s.station = f[1];
    if (s.station.empty()) r.fail(1, "empty station code");
    s.location = f[2] == "--" ? "" : f[2];
    s.channel = f[3];
    s.latitude = r.double_at(f, 4);
    if (s.latitude < -90 || s.latitude > 90) r.fail(4, "latitude out of range");
    s.longitude = r.double_at(f, 5);
    if (s.longitude < -180 || s.longitude > 360) r.fail(5, "longitude out of range");
    s.elevation_m = f[6].empty() ? 0.0 : r.double_at(f, 6);
    out.push_back(std::move(s));
  }
  return out;
}

namespace {

// A minimal XML tokenizer: enough for StationXML's element/attribute/text
// structure. Comments, processing instructions, DOCTYPE and CDATA are skipped.
class XmlScan {
 public:
  XmlScan(std::string text, std::string path) : s_(std::move(text)), path_(std::move(path)) {}

  struct Tag {
    std::string name;  // local name, namespace prefix dropped
    std::map<std::string, std::string> attrs;
    bool closing = false, self_closing = false;
  };

  // Reads text up to the next tag into `text` and the tag into `tag`.
  bool next(std::string& text, Tag& tag) {
    text.clear();
    for (;;) {
      const auto lt = s_.find('<', pos_);
      if (lt == std::string::npos) {
        pos_ = s_.size();
        return false;
      }
      text += s_.substr(pos_, lt - pos_);
      advance_to(lt);
      if (s_.compare(lt, 4, "<!--") == 0) {
        skip_past("-->");
      } else if (s_.compare(lt, 9, "<![CDATA[") == 0) {
        const auto end = s_.find("]]>", lt);
        if (end == std::string::npos) fail("unterminated CDATA");
        text += s_.substr(lt + 9, end - lt - 9);
        advance_to(end + 3);
      } else if (s_.compare(lt, 2, "<?") == 0) {
        skip_past("?>");
      } else if (s_.compare(lt, 2, "<!") == 0) {
        skip_past(">");
      } else {
        parse_tag(tag);
        return true;
      }
    }
  }

  [[noreturn]] void fail(const std::string& cause) const {
    throw InputError(path_, cause, "line " + std::to_string(line_));
  }
  int line() const { return line_; }

 private:
  void advance_to(std::size_t p) {
    for (std::size_t i = pos_; i < p && i < s_.size(); ++i)
      if (s_[i] == '\n') ++line_;
    pos_ = p;
  }
  void skip_past(const char* end) {
    const auto e = s_.find(end, pos_);
    if (e == std::string::npos) fail(std::string("unterminated markup, expected '") + end + "'");
    advance_to(e + std::char_traits<char>::length(end));
  }
  void parse_tag(Tag& tag) {
    const auto gt = s_.find('>', pos_);
    if (gt == std::string::npos) fail("unterminated tag");
    std::string body = s_.substr(pos_ + 1, gt - pos_ - 1);
    advance_to(gt + 1);
    tag = Tag{};
    if (!body.empty() && body[0] == '/') {
      tag.closing = true;
      body.erase(0, 1);
    }
    if (!body.empty() && body.back() == '/') {
      tag.self_closing = true;
      body.pop_back();
    }
    std::size_t i = 0;
    while (i < body.size() && !std::isspace(static_cast<unsigned char>(body[i]))) ++i;
    tag.name = body.substr(0, i);
    if (const auto colon = tag.name.find(':'); colon != std::string::npos)
      tag.name.erase(0, colon + 1);
    while (i < body.size()) {
      while (i < body.size() && std::isspace(static_cast<unsigned char>(body[i]))) ++i;
      const auto eq = body.find('=', i);
      if (eq == std::string::npos) break;
      std::string key = body.substr(i, eq - i);
      while (!key.empty() && std::isspace(static_cast<unsigned char>(key.back()))) key.pop_back();
      std::size_t q = eq + 1;
      while (q < body.size() && std::isspace(static_cast<unsigned char>(body[q]))) ++q;
      if (q >= body.size() || (body[q] != '"' && body[q] != '\'')) fail("unquoted attribute");
      const auto close = body.find(body[q], q + 1);
      if (close == std::string::npos) fail("unterminated attribute value");
      tag.attrs[key] = unescape(body.substr(q + 1, close - q - 1));
      i = close + 1;
    }
  }

 public:
  static std::string unescape(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '&') {
        out += s[i];
        continue;
      }
      const auto semi = s.find(';', i);
      const std::string ent = semi == std::string::npos ? "" : s.substr(i + 1, semi - i - 1);
      if (ent == "amp") out += '&';
      else if (ent == "lt") out += '<';
      else if (ent == "gt") out += '>';
      else if (ent == "quot") out += '"';
      else if (ent == "apos") out += '\'';
      else {
        out += s[i];
        continue;
      }
      i = semi;
    }
    return out;
  }

 private:
  std::string s_;
  std::string path_;
  std::size_t pos_ = 0;
  int line_ = 1;
};

std::string trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  const auto b = s.find_last_not_of(" \t\r\n");
  return s.substr(a, b - a + 1);
}

double number(const XmlScan& x, const std::string& text, const std::string& what) {
  const std::string t = trim(text);
  char* end = nullptr;
  const double v = std::strtod(t.c_str(), &end);
  if (t.empty() || *end != '\0') x.fail("<" + what + "> is not a number: '" + t + "'");
  return v;
}

std::optional<TimeNs> date_attr(const XmlScan& x, const std::map<std::string, std::string>& a,
                                const char* key) {
  const auto it = a.find(key);
  if (it == a.end() || it->second.empty()) return std::nullopt;
  try {
    return parse_iso8601(it->second);
  } catch (const std::invalid_argument& e) {
    x.fail(std::string(key) + ": " + e.what());
  }
}

}  // namespace

std::vector<StationCoords> read_station_xml(const std::string& path, std::optional<TimeNs> at) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, "cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  XmlScan x(ss.str(), path);

  std::vector<StationCoords> out;
  std::vector<std::string> stack;
  std::string network;
  StationCoords station, channel;
  bool station_has_channel = false, in_channel = false, saw_root = false;
  auto active = [&](const StationCoords& s) {
    return !at || ((!s.start || *s.start <= *at) && (!s.end || *at < *s.end));
  };
  std::string text;
  XmlScan::Tag tag;
  while (x.next(text, tag)) {
    if (tag.closing) {
      if (stack.empty() || stack.back() != tag.name)
        x.fail("closing tag </" + tag.name + "> does not match <" +
               (stack.empty() ? std::string("none") : stack.back()) + ">");
      stack.pop_back();
      const std::string parent = stack.empty() ? "" : stack.back();
      StationCoords* target = parent == "Channel" ? &channel : parent == "Station" ? &station : nullptr;
      if (target && (tag.name == "Latitude" || tag.name == "Longitude" || tag.name == "Elevation")) {
        const double v = number(x, text, tag.name);
        if (tag.name == "Latitude") target->latitude = v;
        else if (tag.name == "Longitude") target->longitude = v;
        else target->elevation_m = v;
      } else if (tag.name == "Channel") {
        in_channel = false;
        station_has_channel = true;
        if (active(channel)) out.push_back(channel);
      } else if (tag.name == "Station") {
        if (!station_has_channel && active(station)) out.push_back(station);
      }
      continue;
    }
    if (!saw_root) {
      if (tag.name != "FDSNStationXML") x.fail("not a StationXML document (root <" + tag.name + ">)");
      saw_root = true;
    }
    if (tag.name == "Network") {
      network = XmlScan::unescape(tag.attrs["code"]);
    } else if (tag.name == "Station") {
      station = StationCoords{};
      station.network = network;
      station.station = tag.attrs["code"];
      station.start = date_attr(x, tag.attrs, "startDate");
      station.end = date_attr(x, tag.attrs, "endDate");
      station_has_channel = false;
    } else if (tag.name == "Channel") {
      if (in_channel) x.fail("nested <Channel>");
      channel = station;  // coordinates default to the station's
      channel.channel = tag.attrs["code"];
      channel.location = tag.attrs["locationCode"];
      channel.start = date_attr(x, tag.attrs, "startDate");
      channel.end = date_attr(x, tag.attrs, "endDate");
      in_channel = true;
    }
    if (!tag.self_closing) stack.push_back(tag.name);
  }
  if (!saw_root) x.fail("no FDSNStationXML element");
  if (!stack.empty()) x.fail("document ends inside <" + stack.back() + ">");
  return out;
}

void StationTable::add(const std::vector<StationCoords>& stations) {
  for (const auto& s : stations) {
    if (!s.channel.empty()) by_seed_.emplace(s.seed_id(), s);
    by_station_.emplace(s.network + "." + s.station, s);
  }
}

const StationCoords* StationTable::find(const std::string& seed_id) const {
  if (const auto it = by_seed_.find(seed_id); it != by_seed_.end()) return &it->second;
  if (const auto it = by_station_.find(station_of(seed_id)); it != by_station_.end())
    return &it->second;
  return nullptr;
}

}  // namespace qp::catalog
