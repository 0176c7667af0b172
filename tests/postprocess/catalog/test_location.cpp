#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "pipeline/error.hpp"
#include "postprocess/catalog/location.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;
using qp::Phase;
using qp::VelocityModel;
namespace fs = std::filesystem;

namespace {

constexpr double kLat0 = 64.75, kLon0 = -16.90;

// Eight stations on a 20 km ring plus one at the centre, 0-900 m high.
std::vector<StationCoords> ring_network() {
  std::vector<StationCoords> s;
  for (int i = 0; i <= 8; ++i) {
    StationCoords c;
    c.network = "XX";
    c.station = "S" + std::to_string(i);
    c.channel = "HHZ";
    const double r_km = i == 8 ? 0.0 : 20.0, az = i * M_PI / 4;
    c.latitude = kLat0 + r_km * std::cos(az) / 111.195;
    c.longitude = kLon0 + r_km * std::sin(az) / (111.195 * std::cos(c.latitude * M_PI / 180));
    c.elevation_m = 100.0 * i;
    s.push_back(c);
  }
  return s;
}

// The ring network, a model and a source inside it, as most tests use them.
struct RingCase {
  std::vector<StationCoords> stations = ring_network();
  StationTable table{stations};
  VelocityModel m = VelocityModel::homogeneous(6.0, 3.5);
  double lat = kLat0 + 0.05, lon = kLon0 - 0.08, depth = 6.3;
  qp::TimeNs origin = qp::parse_iso8601("2014-08-24T00:01:08.92Z");
};

// P and S picks from a known source, optionally with a fixed +-jitter pattern.
std::vector<Pick> synthetic_picks(const std::vector<StationCoords>& stations,
                                  const VelocityModel& m, double lat, double lon, double depth,
                                  qp::TimeNs origin, double jitter_s = 0) {
  std::vector<Pick> picks;
  int k = 0;
  for (const auto& s : stations)
    for (Phase ph : {Phase::kP, Phase::kS}) {
      const double tt = m.travel_time(ph, distance_km(lat, lon, s.latitude, s.longitude), depth,
                                      -s.elevation_m / 1000);
      const double noise = jitter_s * ((k * 7919) % 5 - 2) / 2.0;  // -1..1 times jitter
      ++k;
      picks.push_back({"e", s.seed_id(), ph == Phase::kP ? "P" : "S",
                       origin + qp::seconds_to_ns(tt + noise), 0.05, 1.0});
    }
  return picks;
}

void expect_recovers(const VelocityModel& m, double jitter_s) {
  const auto stations = ring_network();
  const StationTable table(stations);
  const double lat = kLat0 + 0.05, lon = kLon0 - 0.08, depth = 6.3;
  const qp::TimeNs origin = qp::parse_iso8601("2014-08-24T00:01:08.92Z");
  LocationParams p;
  p.model = m;
  std::string why;
  const auto loc = locate(synthetic_picks(stations, m, lat, lon, depth, origin, jitter_s), table, p,
                          &why);
  ASSERT_TRUE(loc) << why;
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 1.0);
  EXPECT_LT(std::abs(qp::ns_to_seconds(loc->origin_time - origin)), 0.1);
  EXPECT_LT(std::abs(loc->depth_km - depth), 2.0);
  EXPECT_EQ(loc->n_picks, 18);
  EXPECT_EQ(loc->n_stations, 9);
  // The uncertainties are finite, positive and cover the true error.
  EXPECT_GT(loc->horizontal_uncertainty_km, 0);
  EXPECT_LT(loc->horizontal_uncertainty_km, 10);
  EXPECT_GT(loc->depth_uncertainty_km, 0);
  if (jitter_s == 0) {
    EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 0.1);
    EXPECT_LT(loc->rms_s, 0.01);
  }
}

}  // namespace

TEST(VelocityModel, LayeredWithEqualVelocitiesIsHomogeneous) {
  const auto h = VelocityModel::homogeneous(6.0, 3.5);
  const auto l = VelocityModel::layered({0, 3, 10}, {6, 6, 6}, {3.5, 3.5, 3.5});
  for (double x : {0.0, 1.0, 7.5, 30.0, 80.0})
    for (double z : {0.0, 2.0, 5.0, 12.0})
      for (double zr : {-1.0, 0.0})
        EXPECT_NEAR(l.travel_time(Phase::kP, x, z, zr), h.travel_time(Phase::kP, x, z, zr), 1e-6)
            << x << " " << z << " " << zr;
  EXPECT_NEAR(h.travel_time(Phase::kS, 30, 0, 0), 30 / 3.5, 1e-12);
}

TEST(VelocityModel, HeadWaveOvertakesDirectWave) {
  // Layer 5 km/s, 10 km thick, over 8 km/s; surface source and receiver.
  const auto m = VelocityModel::layered({0, 10}, {5, 8}, {3, 4.6});
  const double crossover = 2 * 10 * std::sqrt((8.0 + 5.0) / (8.0 - 5.0));
  const double near_x = crossover - 5, far_x = crossover + 20;
  EXPECT_NEAR(m.travel_time(Phase::kP, near_x, 0, 0), near_x / 5, 1e-9);
  const double intercept = 2 * 10 * std::sqrt(1 / 25.0 - 1 / 64.0);
  EXPECT_NEAR(m.travel_time(Phase::kP, far_x, 0, 0), far_x / 8 + intercept, 1e-9);
}

TEST(VelocityModel, DirectRayThroughLayersAndReciprocity) {
  const auto m = VelocityModel::layered({0, 4, 20}, {5.0, 6.2, 7.5}, {2.9, 3.6, 4.3});
  // Vertical ray: sum of thickness / velocity.
  EXPECT_NEAR(m.travel_time(Phase::kP, 0, 10, 0), 4 / 5.0 + 6 / 6.2, 1e-9);
  // Reciprocity and continuity in distance.
  EXPECT_NEAR(m.travel_time(Phase::kP, 12, 10, -0.5), m.travel_time(Phase::kP, 12, -0.5, 10), 1e-9);
  double prev = m.travel_time(Phase::kP, 0, 10, 0);
  for (double x = 0.5; x < 120; x += 0.5) {
    const double t = m.travel_time(Phase::kP, x, 10, 0);
    EXPECT_GT(t, prev - 1e-12);
    EXPECT_LT(t - prev, 0.5 / 5.0 + 1e-9);  // never slower than the slowest layer
    prev = t;
  }
  // A ray from 10 km crossing the interface at 4 km: Snell's law holds at
  // the shooting solution, so the time lies between the straight-line
  // bounds of the two velocities.
  const double straight = std::hypot(15.0, 10.0);
  const double t = m.travel_time(Phase::kP, 15, 10, 0);
  EXPECT_GT(t, straight / 6.2);
  EXPECT_LT(t, straight / 5.0);
}

TEST(VelocityModel, RejectsBadLayers) {
  EXPECT_THROW(VelocityModel::layered({0, 0}, {5, 6}, {3, 3.5}).validate(), qp::ConfigError);
  EXPECT_THROW(VelocityModel::layered({0, 5}, {5}, {3}).validate(), qp::ConfigError);
  EXPECT_THROW(VelocityModel::homogeneous(5, 6).validate(), qp::ConfigError);
}

TEST(Location, RecoversSourceHomogeneous) { expect_recovers(VelocityModel::homogeneous(6.0, 3.5), 0); }

TEST(Location, RecoversSourceLayered) {
  expect_recovers(VelocityModel::layered({0, 4, 20}, {5.0, 6.2, 7.5}, {2.9, 3.6, 4.3}), 0);
}

TEST(Location, RecoversSourceWithPickErrors) {
  expect_recovers(VelocityModel::layered({0, 4, 20}, {5.0, 6.2, 7.5}, {2.9, 3.6, 4.3}), 0.04);
}

// One pick 8 s late (a later event, say; it fits neither P nor S) would
// pull the location; it is dropped and the source recovered from the rest.
TEST(Location, DropsOutlierPick) {
  const RingCase c;
  const auto& [stations, table, m, lat, lon, depth, origin] = c;
  auto picks = synthetic_picks(stations, m, lat, lon, depth, origin);
  picks[4].time += 8 * qp::kNsPerSecond;  // station S2, P
  LocationParams p;
  p.model = m;
  const auto loc = locate(picks, table, p);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->n_rejected, 1);
  EXPECT_EQ(loc->n_picks, 17);
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 0.2);
  EXPECT_LT(std::abs(qp::ns_to_seconds(loc->origin_time - origin)), 0.05);
  // Without rejection the same picks give a visibly worse location.
  p.outlier_sigma = 0;
  const auto kept = locate(picks, table, p);
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->n_rejected, 0);
  EXPECT_GT(distance_km(kept->latitude, kept->longitude, lat, lon),
            2 * distance_km(loc->latitude, loc->longitude, lat, lon));
}

// Four stations, P and S each (8 picks), two of them wrong: a P 4.5 s early
// (a noise burst) and another station's S 2.5 s late. The least-squares fit
// leans towards both and leaves a good pick furthest out; the pick dropped
// is the one whose removal lets the others fit best. (Over 2016 such cases
// on the ring, dropping the worst residual locates 72% within 1 km, this
// rule 93%.)
TEST(Location, FewPicksDropThePickWhoseRemovalLetsTheOthersFit) {
  const RingCase c;
  const std::vector<StationCoords> four = {c.stations[0], c.stations[1], c.stations[2], c.stations[3]};
  const StationTable table(four);
  auto picks = synthetic_picks(four, c.m, c.lat, c.lon, c.depth, c.origin, 0.05);
  ASSERT_EQ(picks.size(), 8u);
  ASSERT_EQ(picks[6].phase, "P");  // station S3
  picks[6].time -= qp::seconds_to_ns(4.5);
  ASSERT_EQ(picks[1].phase, "S");  // station S0
  picks[1].time += qp::seconds_to_ns(2.5);
  LocationParams p;
  p.model = c.m;
  const auto loc = locate(picks, table, p);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->n_rejected, 2);
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, c.lat, c.lon), 1.0);
  EXPECT_LT(std::abs(qp::ns_to_seconds(loc->origin_time - c.origin)), 0.2);
}

// An S onset labelled P (a weak P hidden in noise) fits S at the location:
// it is relabelled, not dropped.
TEST(Location, RelabelsMislabelledPhase) {
  const RingCase c;
  const auto& [stations, table, m, lat, lon, depth, origin] = c;
  std::vector<Pick> picks;
  for (const auto& q : synthetic_picks(stations, m, lat, lon, depth, origin))
    if (q.phase == "P" || q.seed_id == stations[3].seed_id()) picks.push_back(q);
  for (auto& q : picks)
    if (q.seed_id == stations[3].seed_id() && q.phase == "P") q.time = 0;  // placeholder, removed below
  picks.erase(std::remove_if(picks.begin(), picks.end(), [](const Pick& q) { return q.time == 0; }),
              picks.end());
  std::size_t s_index = 0;
  for (std::size_t i = 0; i < picks.size(); ++i)
    if (picks[i].phase == "S") {
      picks[i].phase = "P";  // mislabelled
      s_index = i;
    }
  LocationParams p;
  p.model = m;
  const auto loc = locate(picks, table, p);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->n_rejected, 0);
  ASSERT_EQ(loc->relabelled.size(), 1u);
  EXPECT_EQ(loc->relabelled[0].first, s_index);
  EXPECT_EQ(loc->relabelled[0].second, Phase::kS);
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 0.2);
  // locate_events writes the phase back.
  std::vector<Event> events(1);
  events[0].picks = picks;
  EXPECT_EQ(locate_events(events, table, p), 1u);
  EXPECT_EQ(events[0].picks[s_index].phase, "S");
}

// A station has one P and one S: an outlier P at a station that also has
// an S pick is dropped, never relabelled S (a second S there).
TEST(Location, NeverRelabelsIntoAPhaseTheStationHas) {
  const RingCase c;
  const auto& [stations, table, m, lat, lon, depth, origin] = c;
  auto picks = synthetic_picks(stations, m, lat, lon, depth, origin);
  std::size_t p3 = 0, s3 = 0;
  for (std::size_t i = 0; i < picks.size(); ++i)
    if (picks[i].seed_id == stations[3].seed_id()) (picks[i].phase == "P" ? p3 : s3) = i;
  // The P of station 3 lies at its S time, 0.2 s late: it fits S, but the
  // station's S is picked already.
  picks[p3].time = picks[s3].time + qp::seconds_to_ns(0.2);
  LocationParams p;
  p.model = m;
  const auto loc = locate(picks, table, p);
  ASSERT_TRUE(loc);
  EXPECT_TRUE(loc->relabelled.empty());
  EXPECT_EQ(loc->n_rejected, 1);
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 0.2);
  // Without the station's S pick the same P is relabelled S.
  picks.erase(picks.begin() + static_cast<std::ptrdiff_t>(s3));
  if (s3 < p3) --p3;
  const auto loc2 = locate(picks, table, p);
  ASSERT_TRUE(loc2);
  ASSERT_EQ(loc2->relabelled.size(), 1u);
  EXPECT_EQ(loc2->relabelled[0].first, p3);
}

// Picks that do not constrain a location leave the event unlocated.
TEST(Location, UnconstrainedLocationIsNotReported) {
  const auto stations = ring_network();
  const StationTable table(stations);
  const VelocityModel m = VelocityModel::homogeneous(6.0, 3.5);
  // Four P picks at nearly the same time from stations on one side.
  std::vector<Pick> picks;
  const qp::TimeNs t = qp::parse_iso8601("2014-08-24T00:01:10Z");
  for (int i : {0, 1, 2, 8}) picks.push_back({"e", stations[i].seed_id(), "P", t + i * 1000000, 1.5, 1.0});
  std::vector<Event> events(1);
  events[0].picks = picks;
  events[0].origin_time = t;  // stale: cleared
  LocationParams p;
  p.model = m;
  p.max_horizontal_uncertainty_km = 5.0;
  EXPECT_EQ(locate_events(events, table, p), 0u);
  EXPECT_FALSE(events[0].origin_time);
  EXPECT_FALSE(events[0].latitude);
  p.max_horizontal_uncertainty_km = 0;  // keep every location
  p.reject_at_grid_bottom = false;
  EXPECT_EQ(locate_events(events, table, p), 1u);
  EXPECT_TRUE(events[0].origin_time);
  EXPECT_GT(*events[0].horizontal_uncertainty_km, 5.0);
}

// A source below the grid's bottom is found at the bottom: not reported
// unless asked for.
TEST(Location, LocationAtTheGridBottomIsNotReported) {
  const auto stations = ring_network();
  const StationTable table(stations);
  const VelocityModel m = VelocityModel::homogeneous(6.0, 3.5);
  const qp::TimeNs origin = qp::parse_iso8601("2014-08-24T00:01:08.92Z");
  std::vector<Event> events(1);
  events[0].picks = synthetic_picks(stations, m, kLat0, kLon0, 12.0, origin);
  LocationParams p;
  p.model = m;
  p.depth_max_km = 8.0;
  EXPECT_EQ(locate_events(events, table, p), 0u);
  p.reject_at_grid_bottom = false;
  ASSERT_EQ(locate_events(events, table, p), 1u);
  EXPECT_NEAR(*events[0].depth_km, 8.0, 0.5);
  p.depth_max_km = 30.0;  // room below the source: located where it is
  p.reject_at_grid_bottom = true;
  ASSERT_EQ(locate_events(events, table, p), 1u);
  EXPECT_NEAR(*events[0].depth_km, 12.0, 0.5);
}

// A depth the grid, not the picks, stopped (a source above the grid's top
// is found on it) is reported with an uncertainty spanning the whole grid;
// a depth inside the grid keeps the search's uncertainty.
TEST(Location, DepthOnTheGridTopSpansTheGrid) {
  const auto stations = ring_network();
  const StationTable table(stations);
  const VelocityModel m = VelocityModel::homogeneous(6.0, 3.5);
  const qp::TimeNs origin = qp::parse_iso8601("2014-08-24T00:01:08.92Z");
  std::vector<Event> events(1);
  events[0].picks = synthetic_picks(stations, m, kLat0, kLon0, 2.0, origin);
  LocationParams p;
  p.model = m;
  p.depth_min_km = 5.0;
  ASSERT_EQ(locate_events(events, table, p), 1u);
  EXPECT_NEAR(*events[0].depth_km, 5.0, 0.01);
  EXPECT_NEAR(*events[0].depth_uncertainty_km, p.depth_max_km - p.depth_min_km, 0.01);
  EXPECT_LT(distance_km(*events[0].latitude, *events[0].longitude, kLat0, kLon0), 2.0);  // the epicentre stays
  p.depth_min_km = 0;  // room above the source: its depth, with the search's uncertainty
  ASSERT_EQ(locate_events(events, table, p), 1u);
  EXPECT_NEAR(*events[0].depth_km, 2.0, 0.5);
  EXPECT_LT(*events[0].depth_uncertainty_km, 5.0);
  // The reported uncertainty of a located source, directly.
  Location loc;
  loc.depth_km = 10.0;
  loc.depth_uncertainty_km = 3.0;
  EXPECT_DOUBLE_EQ(depth_uncertainty_reported(loc, p), 3.0);
  loc.depth_uncertainty_km = 25.0;  // the confidence region reaches both edges
  EXPECT_DOUBLE_EQ(depth_uncertainty_reported(loc, p), 20.0);
}

// Estimates (picks without an onset, uncertainty >= estimate_uncertainty_s)
// do not locate: a far-off estimate cannot move the source, and too few
// onsets leave the event unlocated.
TEST(Location, EstimatesDoNotLocate) {
  const RingCase c;
  const auto& [stations, table, m, lat, lon, depth, origin] = c;
  auto picks = synthetic_picks(stations, m, lat, lon, depth, origin);
  // Every pick but three is an estimate 4 s off.
  for (std::size_t i = 3; i < picks.size(); ++i) {
    picks[i].time += qp::seconds_to_ns(4);
    picks[i].uncertainty_s = 1.0;
  }
  LocationParams p;
  p.model = m;
  p.outlier_sigma = 0;
  p.max_horizontal_uncertainty_km = 0;
  p.reject_at_grid_bottom = false;
  ASSERT_TRUE(locate(picks, table, p));  // estimates used: located somewhere
  p.estimate_uncertainty_s = 1.0;
  std::string why;
  EXPECT_FALSE(locate(picks, table, p, &why));
  EXPECT_NE(why.find("3 usable picks"), std::string::npos) << why;
  // With their onsets back, the estimates' errors do not matter.
  for (std::size_t i = 3; i < 8; ++i) {
    picks[i].time -= qp::seconds_to_ns(4);
    picks[i].uncertainty_s = 0.05;
  }
  const auto loc = locate(picks, table, p);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->n_picks, 8);
  EXPECT_LT(distance_km(loc->latitude, loc->longitude, lat, lon), 0.2);
  p.estimate_uncertainty_s = -1;
  EXPECT_THROW(p.validate(), qp::ConfigError);
}

TEST(Location, TooFewPicksAndLocateEvents) {
  const auto stations = ring_network();
  const StationTable table(stations);
  const auto m = VelocityModel::homogeneous(6.0, 3.5);
  const qp::TimeNs origin = qp::parse_iso8601("2020-01-01T00:00:00Z");
  auto picks = synthetic_picks(stations, m, kLat0, kLon0, 5, origin);
  std::vector<Event> events(2);
  events[0].picks = picks;
  events[1].picks.assign(picks.begin(), picks.begin() + 3);
  LocationParams p;
  std::string why;
  EXPECT_FALSE(locate(events[1].picks, table, p, &why));
  EXPECT_NE(why.find("usable picks"), std::string::npos);
  EXPECT_EQ(locate_events(events, table, p), 1u);
  EXPECT_TRUE(events[0].located());
  EXPECT_FALSE(events[1].located());
  EXPECT_LT(std::abs(qp::ns_to_seconds(*events[0].origin_time - origin)), 0.1);
  // Unknown stations are ignored, not guessed.
  for (auto& pk : picks) pk.seed_id = "ZZ.NONE..HHZ";
  EXPECT_FALSE(locate(picks, table, p));
}

TEST(Stations, CsvAndStationXmlAgree) {
  QP_REQUIRE_SHARED();
  const auto dir = qp::test::shared_dir() / "data" / "westmorland-ci-2020";
  const auto csv = read_stations_csv((dir / "stations.csv").string());
  ASSERT_EQ(csv.size(), 48u);
  const auto xml = read_station_xml((dir / "stations.xml").string(),
                                    qp::parse_iso8601("2020-10-01T00:00:00Z"));
  ASSERT_EQ(xml.size(), 48u);
  const StationTable table(xml);
  for (const auto& c : csv) {
    const StationCoords* s = table.find(c.seed_id());
    ASSERT_NE(s, nullptr) << c.seed_id();
    EXPECT_EQ(s->seed_id(), c.seed_id());
    EXPECT_NEAR(s->latitude, c.latitude, 1e-5) << c.seed_id();
    EXPECT_NEAR(s->longitude, c.longitude, 1e-5) << c.seed_id();
    EXPECT_NEAR(s->elevation_m, c.elevation_m, 1.0) << c.seed_id();
  }
  // Falls back to the station when the channel is unknown.
  ASSERT_NE(table.find("CI.BOM..EHZ"), nullptr);
  EXPECT_EQ(table.find("CI.BOM..EHZ")->station, "BOM");

  const auto fur = read_station_xml(
      (qp::test::shared_dir() / "data" / "gr-fur-noise-2015" / "station_FUR.stationxml").string());
  ASSERT_FALSE(fur.empty());
  EXPECT_EQ(fur[0].network, "GR");
  EXPECT_EQ(fur[0].station, "FUR");
  EXPECT_NEAR(fur[0].latitude, 48.162899, 1e-4);
}

TEST(Stations, BadFilesNameLine) {
  const auto dir = qp::test::temp_dir();
  const auto xml = dir / "bad.xml";
  std::ofstream(xml) << "<?xml version=\"1.0\"?>\n<FDSNStationXML>\n<Network code=\"XX\">\n"
                        "<Station code=\"A\">\n<Latitude>north</Latitude>\n</Station>\n"
                        "</Network>\n</FDSNStationXML>\n";
  try {
    read_station_xml(xml.string());
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.xml (line 5)"), std::string::npos) << e.what();
  }
  const auto csv = dir / "stations.csv";
  std::ofstream(csv) << "network,station,location,channel,latitude,longitude,elevation_m\n"
                        "XX,A,,HHZ,95,10,0\n";
  try {
    read_stations_csv(csv.string());
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2, column 5 (latitude)"), std::string::npos);
  }
}

#include <sstream>
#include <toml.hpp>

#include "pipeline/config_section.hpp"

namespace {
toml::value parse_toml(const std::string& text) {
  std::istringstream in(text);
  return toml::parse(in, "test.toml");
}
}  // namespace

TEST(LocationConfig, LayeredSectionAndErrors) {
  const auto doc = parse_toml(
      "[location]\nenabled = true\nmodel = \"layered\"\nlayer_tops_km = [0.0, 4.0, 20.0]\n"
      "layer_vp = [5.0, 6.2, 7.5]\nlayer_vs = [2.9, 3.6, 4.3]\nhorizontal_extent_km = 30.0\n");
  qp::ConfigSection s("location", &toml::find(doc, "location"));
  const auto p = LocationParams::from_config(s);
  s.reject_unknown_keys();
  EXPECT_TRUE(p.enabled);
  EXPECT_TRUE(p.model.is_layered());
  EXPECT_EQ(p.model.vp(), (std::vector<double>{5.0, 6.2, 7.5}));
  EXPECT_DOUBLE_EQ(p.horizontal_extent_km, 30.0);

  qp::ConfigSection none("location", nullptr);
  const auto absent = LocationParams::from_config(none);
  EXPECT_FALSE(absent.enabled);
  EXPECT_FALSE(absent.model.is_layered());

  const auto bad = parse_toml(
      "[location]\nmodel = \"layered\"\nlayer_tops_km = [0.0, 4.0]\nlayer_vp = [5.0]\n");
  qp::ConfigSection sb("location", &toml::find(bad, "location"));
  try {
    LocationParams::from_config(sb);
    FAIL() << "no error";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "location.layer_vp") << e.what();
    EXPECT_EQ(e.line(), 4) << e.what();
  }
}
