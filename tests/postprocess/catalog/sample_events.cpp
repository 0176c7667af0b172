#include "tests/postprocess/catalog/sample_events.hpp"

#include <cstdlib>
#include <fstream>

#include "tests/support/test_support.hpp"

namespace qp::catalog::test {

std::vector<Event> sample_events() {
  std::vector<Event> events;

  Event a;
  a.first_arrival = parse_iso8601("2014-08-24T00:01:11.95Z");
  a.origin_time = parse_iso8601("2014-08-24T00:01:08.92Z");
  a.latitude = 64.754563;
  a.longitude = -16.946445;
  a.depth_km = 6.0;
  a.origin_uncertainty_s = 0.05;
  a.horizontal_uncertainty_km = 0.8;
  a.depth_uncertainty_km = 1.5;
  a.n_stations = 2;
  a.stations = {"Z7.DYJN", "Z7.LIND"};
  a.family_id = "f0001";
  a.n_linked = 3;
  a.score = 37.5;
  a.picks = {
      {"", "Z7.DYJN..HHZ", "P", parse_iso8601("2014-08-24T00:01:11.952429Z"), 0.0826, 0.42},
      {"", "Z7.LIND..HHZ", "P", parse_iso8601("2014-08-24T00:01:12.5Z"), 0.1, 0.25},
      {"", "Z7.DYJN..HHN", "S", parse_iso8601("2014-08-24T00:01:14.22891Z"), 0.0859, 0.31},
  };
  events.push_back(a);

  Event b;  // detection only
  b.first_arrival = parse_iso8601("2014-08-24T00:03:12.345678Z");
  b.n_stations = 3;
  b.stations = {"Z7.FJAS", "Z7.HRIM", "Z7.KVER"};
  b.score = 12;
  b.picks = {
      {"", "Z7.FJAS..HHZ", "?", parse_iso8601("2014-08-24T00:03:12.345678Z"), 0.25, 0.08},
      {"", "Z7.HRIM..HHZ", "?", parse_iso8601("2014-08-24T00:03:13.1Z"), 0.25, 0.06},
      {"", "Z7.KVER..HHZ", "?", parse_iso8601("2014-08-24T00:03:13.9Z"), 0.25, 0.07},
  };
  events.push_back(b);

  Event c = b;  // same first arrival to 10 ms: the id gets a suffix
  c.first_arrival = parse_iso8601("2014-08-24T00:03:12.347Z");
  c.n_stations = 1;
  c.stations = {"XX.A,B"};
  c.family_id = "fam \"quoted\"";
  c.score = 3.25;
  c.picks.resize(1);
  c.picks[0].seed_id = "XX.A,B..EHZ";
  c.picks[0].time = c.first_arrival;
  events.push_back(c);

  assign_event_ids(events);
  return events;
}

TimeNs sample_creation_time() { return parse_iso8601("2024-05-01T12:00:00Z"); }

void expect_matches_golden(const std::string& actual, const std::string& name) {
  const auto path = qp::test::source_dir() / "tests/postprocess/catalog/golden" / name;
  if (std::getenv("QP_UPDATE_GOLDEN")) {
    std::ofstream(path, std::ios::binary) << actual;
    return;
  }
  ASSERT_TRUE(std::filesystem::exists(path)) << "missing golden file " << path;
  EXPECT_EQ(qp::test::read_file(path), actual) << "differs from golden " << path;
}

}  // namespace qp::catalog::test
