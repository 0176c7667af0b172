// Binary encoding of the associate stage's intermediate results (event
// pairs, picks, catalog events) for MPI gathers: exact (doubles bit for bit,
// so results do not depend on the rank count) and compact next to text.
// Both ends are the same binary on one machine: native byte order.
#pragma once

#include <cstdint>
#include <type_traits>
#include <string>
#include <vector>

#include "postprocess/association/event_pairs.hpp"
#include "postprocess/association/picking.hpp"
#include "postprocess/catalog/catalog.hpp"

namespace qp::post::wire {

/// Appends plain values to a byte string.
class Writer {
 public:
  template <class T>
  void put(const T& v) {
    static_assert(std::is_trivially_copyable_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
  void put_string(const std::string& s);
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

/// Reads them back in the same order; a short buffer is a bug (assertion).
class Reader {
 public:
  explicit Reader(const std::string& in) : in_(in) {}
  template <class T>
  T get() {
    static_assert(std::is_trivially_copyable_v<T>);
    T v;
    take(&v, sizeof(T));
    return v;
  }
  std::string get_string();
  bool done() const { return pos_ == in_.size(); }

 private:
  void take(void* dst, std::size_t n);
  const std::string& in_;
  std::size_t pos_ = 0;
};

void put(Writer& w, const EventPair& p);
EventPair get_event_pair(Reader& r);
void put(Writer& w, const catalog::Pick& p);
catalog::Pick get_pick(Reader& r);
/// A station's picks without its waveform.
void put(Writer& w, const StationPick& x);
StationPick get_station_pick(Reader& r);
/// A picker's look-up of its memory of earlier S onsets.
void put(Writer& w, const EarlierSQuery& q);
EarlierSQuery get_earlier_s_query(Reader& r);
/// Every field of an event, its picks included.
void put(Writer& w, const catalog::Event& e);
catalog::Event get_event(Reader& r);

}  // namespace qp::post::wire
