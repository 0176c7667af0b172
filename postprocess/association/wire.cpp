#include "postprocess/association/wire.hpp"

#include <cassert>
#include <cstring>
#include <optional>

namespace qp::post::wire {
namespace {

template <class T>
void put_optional(Writer& w, const std::optional<T>& v) {
  w.put<std::uint8_t>(v.has_value());
  if (v) w.put(*v);
}

template <class T>
std::optional<T> get_optional(Reader& r) {
  if (!r.get<std::uint8_t>()) return std::nullopt;
  return r.get<T>();
}

}  // namespace

void Writer::put_string(const std::string& s) {
  put<std::uint64_t>(s.size());
  out_.append(s);
}

void Reader::take(void* dst, std::size_t n) {
  assert(pos_ + n <= in_.size());
  std::memcpy(dst, in_.data() + pos_, n);
  pos_ += n;
}

std::string Reader::get_string() {
  const auto n = get<std::uint64_t>();
  assert(pos_ + n <= in_.size());
  std::string s = in_.substr(pos_, n);
  pos_ += n;
  return s;
}

void put(Writer& w, const EventPair& p) { w.put(p); }
EventPair get_event_pair(Reader& r) { return r.get<EventPair>(); }

void put(Writer& w, const catalog::Pick& p) {
  w.put_string(p.event_id);
  w.put_string(p.seed_id);
  w.put_string(p.phase);
  w.put(p.time);
  w.put(p.uncertainty_s);
  w.put(p.similarity);
}

catalog::Pick get_pick(Reader& r) {
  catalog::Pick p;
  p.event_id = r.get_string();
  p.seed_id = r.get_string();
  p.phase = r.get_string();
  p.time = r.get<TimeNs>();
  p.uncertainty_s = r.get<double>();
  p.similarity = r.get<double>();
  return p;
}

void put(Writer& w, const StationPick& x) {
  w.put(x.centre);
  put(w, x.pick);
  w.put<std::uint8_t>(x.estimated);
  w.put(x.snr);
  w.put(x.onset_uncertainty_s);
  w.put<std::uint8_t>(x.s_pick.has_value());
  if (x.s_pick) put(w, *x.s_pick);
}

StationPick get_station_pick(Reader& r) {
  StationPick x;
  x.centre = r.get<TimeNs>();
  x.pick = get_pick(r);
  x.estimated = r.get<std::uint8_t>() != 0;
  x.snr = r.get<double>();
  x.onset_uncertainty_s = r.get<double>();
  if (r.get<std::uint8_t>()) x.s_pick = get_pick(r);
  return x;
}

void put(Writer& w, const EarlierSQuery& q) {
  w.put_string(q.station);
  w.put(q.time);
  w.put<std::uint8_t>(q.answer.has_value());
  if (q.answer) w.put(*q.answer);
}

EarlierSQuery get_earlier_s_query(Reader& r) {
  EarlierSQuery q;
  q.station = r.get_string();
  q.time = r.get<TimeNs>();
  if (r.get<std::uint8_t>()) q.answer = r.get<TimeNs>();
  return q;
}

void put(Writer& w, const catalog::Event& e) {
  w.put_string(e.event_id);
  w.put(e.first_arrival);
  put_optional(w, e.origin_time);
  put_optional(w, e.latitude);
  put_optional(w, e.longitude);
  put_optional(w, e.depth_km);
  put_optional(w, e.origin_uncertainty_s);
  put_optional(w, e.horizontal_uncertainty_km);
  put_optional(w, e.depth_uncertainty_km);
  w.put(e.n_stations);
  w.put<std::uint64_t>(e.stations.size());
  for (const auto& s : e.stations) w.put_string(s);
  w.put_string(e.family_id);
  w.put(e.n_linked);
  w.put(e.score);
  w.put<std::uint64_t>(e.picks.size());
  for (const auto& p : e.picks) put(w, p);
  w.put_string(e.method);
  w.put_string(e.template_id);
  put_optional(w, e.cc);
  put_optional(w, e.mad_multiple);
  put_optional(w, e.relative_magnitude);
}

catalog::Event get_event(Reader& r) {
  catalog::Event e;
  e.event_id = r.get_string();
  e.first_arrival = r.get<TimeNs>();
  e.origin_time = get_optional<TimeNs>(r);
  e.latitude = get_optional<double>(r);
  e.longitude = get_optional<double>(r);
  e.depth_km = get_optional<double>(r);
  e.origin_uncertainty_s = get_optional<double>(r);
  e.horizontal_uncertainty_km = get_optional<double>(r);
  e.depth_uncertainty_km = get_optional<double>(r);
  e.n_stations = r.get<int>();
  e.stations.resize(r.get<std::uint64_t>());
  for (auto& s : e.stations) s = r.get_string();
  e.family_id = r.get_string();
  e.n_linked = r.get<int>();
  e.score = r.get<double>();
  e.picks.resize(r.get<std::uint64_t>());
  for (auto& p : e.picks) p = get_pick(r);
  e.method = r.get_string();
  e.template_id = r.get_string();
  e.cc = get_optional<double>(r);
  e.mad_multiple = get_optional<double>(r);
  e.relative_magnitude = get_optional<double>(r);
  return e;
}

}  // namespace qp::post::wire
