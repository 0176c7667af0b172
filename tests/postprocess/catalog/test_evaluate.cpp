#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/error.hpp"
#include "postprocess/catalog/evaluate.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;
namespace fs = std::filesystem;

namespace {

const qp::TimeNs kT0 = qp::parse_iso8601("2020-01-01T00:00:00Z");

qp::TimeNs at(double s) { return kT0 + qp::seconds_to_ns(s); }

Event detection(const std::string& id, double first_arrival_s) {
  Event e;
  e.event_id = id;
  e.first_arrival = at(first_arrival_s);
  e.origin_time = at(first_arrival_s - 3.0);
  return e;
}

ReferenceEvent ref(const std::string& id, double first_p_s, std::string family = "") {
  ReferenceEvent r;
  r.id = id;
  r.first_p = at(first_p_s);
  r.origin_time = at(first_p_s - 3.0);
  r.family_id = std::move(family);
  return r;
}

std::string write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

}  // namespace

TEST(Evaluate, ExactMatch) {
  const auto res = evaluate({detection("a", 10), detection("b", 100)}, {ref("A", 10), ref("B", 100)});
  ASSERT_EQ(res.matches.size(), 2u);
  EXPECT_EQ(res.matches[0].detection, 0u);
  EXPECT_EQ(res.matches[0].reference, 0u);
  EXPECT_DOUBLE_EQ(res.matches[0].dt_s, 0.0);
  EXPECT_DOUBLE_EQ(res.recall, 1.0);
  EXPECT_DOUBLE_EQ(res.precision, 1.0);
  EXPECT_DOUBLE_EQ(res.f1, 1.0);
}

TEST(Evaluate, ToleranceEdges) {
  const auto inside = evaluate({detection("a", 11.999)}, {ref("A", 10)});
  EXPECT_EQ(inside.matches.size(), 1u);
  EXPECT_NEAR(inside.matches[0].dt_s, 1.999, 1e-9);
  const auto exact = evaluate({detection("a", 8.0)}, {ref("A", 10)});
  EXPECT_EQ(exact.matches.size(), 1u);  // |dt| == tolerance counts
  const auto outside = evaluate({detection("a", 12.001)}, {ref("A", 10)});
  EXPECT_TRUE(outside.matches.empty());
  EXPECT_EQ(outside.false_detections.size(), 1u);
  EXPECT_EQ(outside.missed_references.size(), 1u);
  EXPECT_DOUBLE_EQ(outside.recall, 0.0);
  EXPECT_DOUBLE_EQ(outside.f1, 0.0);

  EvaluateOptions tight;
  tight.tolerance_s = 0.5;
  EXPECT_TRUE(evaluate({detection("a", 10.6)}, {ref("A", 10)}, tight).matches.empty());
}

TEST(Evaluate, DuplicateDetectionsOneMatchedOneFalse) {
  const auto res = evaluate({detection("a", 10.4), detection("b", 10.1)}, {ref("A", 10)});
  ASSERT_EQ(res.matches.size(), 1u);
  EXPECT_EQ(res.matches[0].detection, 1u);  // the closer one
  ASSERT_EQ(res.false_detections.size(), 1u);
  EXPECT_EQ(res.false_detections[0], 0u);
  EXPECT_DOUBLE_EQ(res.recall, 1.0);
  EXPECT_DOUBLE_EQ(res.precision, 0.5);
}

TEST(Evaluate, MaximisesMatchesWhereGreedyWouldNot) {
  // Greedy by distance pairs d(0) with A(0.5) and leaves both others single;
  // the optimal one-to-one matching has two pairs.
  const auto res = evaluate({detection("a", 0.0), detection("b", 2.3)},
                            {ref("A", -1.9), ref("B", 0.5)});
  EXPECT_EQ(res.matches.size(), 2u);
  EXPECT_DOUBLE_EQ(res.recall, 1.0);
}

TEST(Evaluate, EmptyInputs) {
  const auto none = evaluate({}, {});
  EXPECT_EQ(none.matches.size(), 0u);
  EXPECT_DOUBLE_EQ(none.recall, 0.0);
  EXPECT_DOUBLE_EQ(none.precision, 0.0);
  const auto no_ref = evaluate({detection("a", 1)}, {});
  EXPECT_EQ(no_ref.false_detections.size(), 1u);
  const auto no_det = evaluate({}, {ref("A", 1)});
  EXPECT_EQ(no_det.missed_references.size(), 1u);
  EXPECT_DOUBLE_EQ(no_det.recall, 0.0);
}

TEST(Evaluate, MatchOnOriginTime) {
  EvaluateOptions o;
  o.match_on = MatchOn::kOriginTime;
  auto d = detection("a", 10);
  d.origin_time = at(4.5);  // first arrival equal, origin 2.5 s off
  EXPECT_TRUE(evaluate({d}, {ref("A", 10)}, o).matches.empty());
  EXPECT_EQ(evaluate({d}, {ref("A", 10)}).matches.size(), 1u);
  auto unlocated = detection("b", 10);
  unlocated.origin_time.reset();
  const auto res = evaluate({unlocated}, {ref("A", 10)}, o);
  EXPECT_EQ(res.false_detections.size(), 1u);
}

TEST(Evaluate, FamilyPartnerRestrictsRecallOnly) {
  EvaluateOptions o;
  o.require_family_partner = true;
  // A1 and A2 share family A; S is a singleton (not findable by similarity).
  const std::vector<ReferenceEvent> refs = {ref("A1", 10, "A"), ref("S", 50, "S"),
                                            ref("A2", 100, "A")};
  const auto res = evaluate({detection("a", 10), detection("s", 50)}, refs, o);
  EXPECT_EQ(res.n_reference_considered, 2u);
  EXPECT_DOUBLE_EQ(res.recall, 0.5);     // A1 found, A2 missed
  EXPECT_DOUBLE_EQ(res.precision, 1.0);  // detecting S is still right
  EXPECT_EQ(res.skipped_references.size(), 1u);
}

TEST(Evaluate, RecallByMagnitudeAndSnr) {
  EvaluateOptions o;
  o.magnitude_bins = {0, 1, 2};
  o.snr_bins = {0, 10, 100};
  auto a = ref("A", 10), b = ref("B", 100), c = ref("C", 200);
  a.magnitude = 0.5, b.magnitude = 1.5, c.magnitude = 2.0;  // 2.0: last bin includes its top
  a.snr = 5, b.snr = 50, c.snr = 500;                       // 500: outside every bin
  const auto res = evaluate({detection("b", 100), detection("c", 200)}, {a, b, c}, o);
  ASSERT_EQ(res.recall_by_magnitude.size(), 2u);
  EXPECT_EQ(res.recall_by_magnitude[0].n_reference, 1u);
  EXPECT_EQ(res.recall_by_magnitude[0].n_matched, 0u);
  EXPECT_EQ(res.recall_by_magnitude[1].n_reference, 2u);
  EXPECT_DOUBLE_EQ(res.recall_by_magnitude[1].recall(), 1.0);
  ASSERT_EQ(res.recall_by_snr.size(), 2u);
  EXPECT_EQ(res.recall_by_snr[0].n_reference + res.recall_by_snr[1].n_reference, 2u);

  EvaluateOptions bad;
  bad.snr_bins = {10, 5};
  EXPECT_THROW(evaluate({}, {}, bad), qp::ConfigError);
}

TEST(Evaluate, CatalogAgainstItselfAndWriters) {
  const auto dir = qp::test::temp_dir();
  std::vector<Event> events;
  for (double s : {5.0, 6.5, 30.0, 31.0, 31.5, 90.0}) events.push_back(detection("", s));
  assign_event_ids(events);
  const auto path = (dir / "catalog.csv").string();
  write_catalog_csv(path, events);

  const auto reference = read_reference_catalog(path);
  EXPECT_EQ(reference.layout, ReferenceLayout::kQuakeprint);
  for (MatchOn on : {MatchOn::kFirstArrival, MatchOn::kOriginTime}) {
    EvaluateOptions o;
    o.match_on = on;
    const auto res = evaluate(read_catalog_csv(path), reference.events, o);
    EXPECT_DOUBLE_EQ(res.recall, 1.0);
    EXPECT_DOUBLE_EQ(res.precision, 1.0);
    for (const auto& m : res.matches) EXPECT_EQ(m.detection, m.reference);
  }

  const auto res = evaluate({detection("x", 6.0), detection("y", 60)}, reference.events);
  write_matches_csv((dir / "matches.csv").string(), res, {detection("x", 6.0), detection("y", 60)},
                    reference.events, MatchOn::kFirstArrival);
  write_unmatched_csv((dir / "unmatched.csv").string(), res,
                      {detection("x", 6.0), detection("y", 60)}, reference.events,
                      MatchOn::kFirstArrival);
  write_evaluation_summary((dir / "summary.toml").string(), res, {});
  const std::string matches = qp::test::read_file(dir / "matches.csv");
  EXPECT_EQ(matches,
            "detection_id,reference_id,detection_time,reference_time,dt_s\n"
            "x,qp20200101T000006.50,2020-01-01T00:00:06.000000Z,2020-01-01T00:00:06.500000Z,-0.500\n");
  const std::string unmatched = qp::test::read_file(dir / "unmatched.csv");
  EXPECT_NE(unmatched.find("false,y,2020-01-01T00:01:00.000000Z"), std::string::npos) << unmatched;
  EXPECT_NE(unmatched.find("missed,qp20200101T000005.00,"), std::string::npos) << unmatched;
  EXPECT_NE(qp::test::read_file(dir / "summary.toml").find("n_false = 1\n"), std::string::npos);
}

TEST(ReferenceCatalog, SyntheticTruthWithPicks) {
  const auto dir = qp::test::temp_dir();
  const auto cat = write_text(dir / "truth_catalog.csv",
                              "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n"
                              "e1,f1,2020-01-01T00:00:10Z,38.8,-122.9,2.5,1.2\n"
                              "e2,f1,2020-01-01T00:01:10Z,38.8,-122.9,2.5,0.8\n"
                              "e3,f2,2020-01-01T00:02:10Z,,,,\n");
  const auto picks = write_text(dir / "truth_picks.csv",
                                "event_id,seed_id,phase,time,snr\n"
                                "e1,XX.A..HHZ,S,2020-01-01T00:00:11Z,30\n"
                                "e1,XX.B..HHZ,P,2020-01-01T00:00:12.5Z,4\n"
                                "e1,XX.A..HHZ,P,2020-01-01T00:00:12Z,8\n"
                                "e2,XX.A..HHZ,P,2020-01-01T00:01:12Z,2\n");
  auto ref_cat = read_reference_catalog(cat);
  EXPECT_EQ(ref_cat.layout, ReferenceLayout::kSyntheticTruth);
  ASSERT_EQ(ref_cat.events.size(), 3u);
  read_reference_picks(picks, ref_cat.events);
  EXPECT_EQ(ref_cat.events[0].first_p, qp::parse_iso8601("2020-01-01T00:00:12Z"));  // P only
  EXPECT_EQ(ref_cat.events[0].snr, 30.0);
  EXPECT_FALSE(ref_cat.events[2].first_p.has_value());
  EXPECT_DOUBLE_EQ(*ref_cat.events[1].magnitude, 0.8);

  EvaluateOptions o;
  o.require_family_partner = true;
  const auto res = evaluate({detection("d", 12.3)}, ref_cat.events, o);
  EXPECT_EQ(res.n_reference_considered, 2u);  // e3 has no P pick: skipped
  EXPECT_DOUBLE_EQ(res.recall, 0.5);
}

// --min-snr-stations: only events whose picks reach the SNR at enough
// stations are counted (largest pick SNR per station, any phase or channel).
TEST(Evaluate, MinSnrStationsSkipsWeakEvents) {
  const auto dir = qp::test::temp_dir();
  const auto cat = write_text(dir / "truth_catalog.csv",
                              "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n"
                              "e1,f1,2020-01-01T00:00:10Z,,,,\n"
                              "e2,f1,2020-01-01T00:01:10Z,,,,\n");
  const auto picks = write_text(dir / "truth_picks.csv",
                                "event_id,seed_id,phase,time,snr\n"
                                "e1,XX.A..HHZ,P,2020-01-01T00:00:12Z,1\n"
                                "e1,XX.A..HHN,S,2020-01-01T00:00:13Z,3\n"   // A: 3 (S counts)
                                "e1,XX.B..HHZ,P,2020-01-01T00:00:12.5Z,4\n"
                                "e1,XX.C..HHZ,P,2020-01-01T00:00:13Z,9\n"
                                "e2,XX.A..HHZ,P,2020-01-01T00:01:12Z,9\n"
                                "e2,XX.A..HHE,S,2020-01-01T00:01:13Z,9\n"   // one station, twice
                                "e2,XX.B..HHZ,P,2020-01-01T00:01:12.5Z,9\n"
                                "e2,XX.C..HHZ,P,2020-01-01T00:01:13Z,2.9\n");
  auto ref_cat = read_reference_catalog(cat);
  read_reference_picks(picks, ref_cat.events);
  EvaluateOptions o;
  o.require_family_partner = true;
  o.min_snr = 3;
  o.min_snr_stations = 3;
  // The detection of e2 matches a skipped event: not a false detection.
  const auto res = evaluate({detection("d1", 12.1), detection("d2", 72.1)}, ref_cat.events, o);
  EXPECT_EQ(res.n_reference_considered, 1u);
  EXPECT_EQ(res.n_matched_considered, 1u);
  ASSERT_EQ(res.skipped_references.size(), 1u);
  EXPECT_EQ(ref_cat.events[res.skipped_references[0]].id, "e2");
  EXPECT_TRUE(res.false_detections.empty());
  EXPECT_DOUBLE_EQ(res.precision, 1.0);
  o.min_snr_stations = 4;
  EXPECT_EQ(evaluate({detection("d1", 12.1)}, ref_cat.events, o).n_reference_considered, 0u);
  // The band [2.5, 5) at 2 stations: e1 (3, 4, 9) is in it, e2 (9, 9, 2.9)
  // reaches 5 at two stations and is too strong.
  o.min_snr = 2.5;
  o.min_snr_stations = 2;
  o.max_snr = 5;
  const auto band = evaluate({detection("d1", 12.1), detection("d2", 72.1)}, ref_cat.events, o);
  EXPECT_EQ(band.n_reference_considered, 1u);
  EXPECT_EQ(band.n_matched_considered, 1u);
  ASSERT_EQ(band.skipped_references.size(), 1u);
  EXPECT_EQ(ref_cat.events[band.skipped_references[0]].id, "e2");
  o.max_snr = 2;  // not above min_snr
  EXPECT_THROW(o.validate(), qp::ConfigError);
  o.max_snr = 0;
  o.min_snr = -1;
  EXPECT_THROW(o.validate(), qp::ConfigError);
}

// P pick accuracy: matched events only, P against observed P at the same
// station code, no offset correction; S picks and unmatched events ignored.
TEST(Evaluate, PickAccuracyOverMatchedEvents) {
  const auto dir = qp::test::temp_dir();
  const auto cat = write_text(dir / "truth_catalog.csv",
                              "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n"
                              "e1,f1,2020-01-01T00:00:10Z,,,,\n"
                              "e2,f1,2020-01-01T00:05:00Z,,,,\n");
  const auto picks = write_text(dir / "truth_picks.csv",
                                "event_id,seed_id,phase,time,snr\n"
                                "e1,XX.A..HHZ,P,2020-01-01T00:00:12Z,8\n"
                                "e1,XX.B..HHZ,P,2020-01-01T00:00:13Z,8\n"
                                "e1,XX.C..HHZ,P,2020-01-01T00:00:14Z,8\n"
                                "e1,XX.A..HHN,S,2020-01-01T00:00:14Z,8\n"
                                "e2,XX.A..HHZ,P,2020-01-01T00:05:02Z,8\n");
  auto ref_cat = read_reference_catalog(cat);
  read_reference_picks(picks, ref_cat.events);
  Event d = detection("d1", 12.2);
  d.picks = {{"d1", "XX.A..HHZ", "P", at(12.2), 0.1, 1},   // +0.2 s
             {"d1", "XX.B..HHZ", "P", at(13.7), 0.1, 1},   // +0.7 s
             {"d1", "XX.C..HHZ", "P", at(16.0), 0.1, 1},   // +2.0 s: an S taken for P
             {"d1", "XX.A..HHN", "S", at(20.0), 0.1, 1},   // S: not judged
             {"d1", "XX.D..HHZ", "P", at(12.0), 0.1, 1}};  // no reference pick there
  const auto res = evaluate({d}, ref_cat.events);
  ASSERT_EQ(res.matches.size(), 1u);
  const auto acc = pick_accuracy({d}, ref_cat.events, res);
  ASSERT_EQ(acc.n, 3u);
  EXPECT_EQ(acc.within_1_s, 2u);
  EXPECT_EQ(acc.within_0_5_s, 1u);
  EXPECT_NEAR(acc.median_abs_s, 0.7, 1e-9);
  EXPECT_NEAR(acc.fraction_within_1_s(), 2.0 / 3.0, 1e-12);
  EXPECT_EQ(acc.errors[2].station, "C");
  EXPECT_NEAR(acc.errors[2].dt_s, 2.0, 1e-9);
  write_pick_errors_csv((dir / "pick_errors.csv").string(), acc, {d}, ref_cat.events);
  std::ifstream in(dir / "pick_errors.csv");
  std::string header, first;
  std::getline(in, header);
  std::getline(in, first);
  EXPECT_EQ(header, "detection_id,reference_id,station,dt_s");
  EXPECT_EQ(first, "d1,e1,A,0.200");
}

TEST(ReferenceCatalog, AnyCsvWithATimeColumn) {
  const auto dir = qp::test::temp_dir();
  // Columns found by name in any order, extra ones ignored, ISO or epoch times.
  const auto p = write_text(dir / "mine.csv",
                            "Mag,notes,Lat,Lon,origin_time,depth\n"
                            "1.5,\"felt, weakly\",64.6,-17.4,2020-01-01 00:00:10.5+00:00,5\n"
                            "0.7,,,,1577836830.25,\n");
  const auto cat = read_reference_catalog(p);
  EXPECT_EQ(cat.layout, ReferenceLayout::kGeneric);
  ASSERT_EQ(cat.events.size(), 2u);
  EXPECT_EQ(*cat.events[0].origin_time, qp::parse_iso8601("2020-01-01T00:00:10.5Z"));
  EXPECT_EQ(*cat.events[0].latitude, 64.6);
  EXPECT_EQ(*cat.events[0].longitude, -17.4);
  EXPECT_EQ(*cat.events[0].depth_km, 5.0);
  EXPECT_EQ(*cat.events[0].magnitude, 1.5);
  EXPECT_FALSE(cat.events[0].first_p);  // an origin time with a location: no arrival
  EXPECT_EQ(*cat.events[1].origin_time, qp::parse_iso8601("2020-01-01T00:00:30.25Z"));
  EXPECT_EQ(cat.events[0].id, "row2");
  EXPECT_EQ(cat.events[1].id, "row3");

  // A station's list of times alone: they are arrival times too, and match
  // detections by first arrival.
  const auto times = write_text(dir / "times.csv", "time\n2020-01-01T00:00:10Z\n2020-01-01T00:01:00Z\n");
  const auto tl = read_reference_catalog(times);
  ASSERT_EQ(tl.events.size(), 2u);
  ASSERT_TRUE(tl.events[1].first_p);
  EXPECT_EQ(*tl.events[1].first_p, qp::parse_iso8601("2020-01-01T00:01:00Z"));
  Event d;
  d.event_id = "d1";
  d.first_arrival = qp::parse_iso8601("2020-01-01T00:01:01Z");
  const auto r = evaluate({d}, tl.events);
  EXPECT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.n_reference_considered, 2u);

  // The date in a column of its own, the time of day in another.
  const auto split = write_text(dir / "split.csv", "Date,Time,Mag\n2020/01/02,03:04:05.25,1\n2020-01-03,23:59:59,2\n");
  const auto sc = read_reference_catalog(split);
  ASSERT_EQ(sc.events.size(), 2u);
  EXPECT_EQ(*sc.events[0].origin_time, qp::parse_iso8601("2020-01-02T03:04:05.25Z"));
  EXPECT_EQ(*sc.events[1].origin_time, qp::parse_iso8601("2020-01-03T23:59:59Z"));
  const auto no_date = write_text(dir / "no_date.csv", "date,time\n,03:04:05\n");
  EXPECT_THROW(read_reference_catalog(no_date), qp::InputError);

  // No time column: the error names the file and what is needed.
  const auto bad_header = write_text(dir / "weird.csv", "when,lat,lon\n2020-01-01T00:00:00Z,1,2\n");
  try {
    read_reference_catalog(bad_header);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("weird.csv"), std::string::npos) << m;
    EXPECT_NE(m.find("no time column"), std::string::npos) << m;
  }
  const auto bad_time = write_text(dir / "bad_time.csv", "id,time\ne1,yesterday\n");
  try {
    read_reference_catalog(bad_time);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2, column 2 (time)"), std::string::npos) << e.what();
  }
}

TEST(ReferenceCatalog, BadFieldsNameLineAndColumn) {
  const auto dir = qp::test::temp_dir();
  const auto bad = write_text(dir / "bad_truth.csv",
                              "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n"
                              "e1,f1,2020-01-01T00:00:10Z,north,,,\n");
  try {
    read_reference_catalog(bad);
    FAIL() << "no error";
  } catch (const qp::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("line 2, column 4 (latitude)"), std::string::npos);
  }
  const auto cat = write_text(dir / "truth_catalog.csv",
                              "event_id,family_id,origin_time,latitude,longitude,depth_km,magnitude\n"
                              "e1,f1,2020-01-01T00:00:10Z,,,,\n");
  auto events = read_reference_catalog(cat).events;
  const auto orphan = write_text(dir / "truth_picks.csv",
                                 "event_id,seed_id,phase,time,snr\n"
                                 "e9,XX.A..HHZ,P,2020-01-01T00:00:11Z,3\n");
  EXPECT_THROW(read_reference_picks(orphan, events), qp::InputError);
}

TEST(ReferenceCatalog, SharedIcelandCatalogAndQuakeMigratePicks) {
  QP_REQUIRE_SHARED();
  const auto dir = qp::test::shared_dir() / "data" / "iceland-z7-2014";
  auto cat = read_reference_catalog((dir / "catalog.csv").string());
  EXPECT_EQ(cat.layout, ReferenceLayout::kSharedData);
  ASSERT_EQ(cat.events.size(), 28u);
  EXPECT_EQ(cat.events[0].id, "20140824000109140");
  EXPECT_EQ(cat.events[0].magnitude, 1.11);
  read_reference_picks((dir / "picks.csv").string(), cat.events);
  // Earliest picked P of the first event (DYJN has the first P pick).
  ASSERT_TRUE(cat.events[0].first_p);
  EXPECT_LE(*cat.events[0].first_p, qp::parse_iso8601("2014-08-24T00:01:11.952429Z"));
  EXPECT_GT(*cat.events[0].first_p, *cat.events[0].origin_time);
  int with_p = 0;
  for (const auto& e : cat.events) with_p += e.first_p.has_value();
  EXPECT_EQ(with_p, 27);  // the trigger-only event has no picks

  // Detections 0.3 s after each reference's first P are all found.
  std::vector<Event> dets;
  for (const auto& e : cat.events)
    if (e.first_p) {
      Event d;
      d.first_arrival = *e.first_p + qp::seconds_to_ns(0.3);
      dets.push_back(d);
    }
  assign_event_ids(dets);
  const auto res = evaluate(dets, cat.events);
  EXPECT_EQ(res.matches.size(), 27u);
  EXPECT_DOUBLE_EQ(res.precision, 1.0);
  EXPECT_EQ(res.skipped_references.size(), 1u);

  const auto nc = read_reference_catalog(
      (qp::test::shared_dir() / "data" / "nc-repeaters" / "catalog.csv").string());
  ASSERT_EQ(nc.events.size(), 7u);
  EXPECT_EQ(nc.events[0].family_id, "A");
  EXPECT_EQ(nc.events[0].id, "122842");
  EXPECT_EQ(nc.events[6].family_id, "B");
}

#include <sstream>
#include <toml.hpp>

#include "pipeline/config_section.hpp"

TEST(EvaluateConfig, Section) {
  std::istringstream in(
      "[evaluate]\ntolerance_s = 1.5\nmatch_on = \"origin_time\"\nmagnitude_bins = [0.0, 1.0, 2.0]\n"
      "require_family_partner = true\n");
  const auto doc = toml::parse(in, "test.toml");
  qp::ConfigSection s("evaluate", &toml::find(doc, "evaluate"));
  const auto o = EvaluateOptions::from_config(s);
  EXPECT_DOUBLE_EQ(o.tolerance_s, 1.5);
  EXPECT_EQ(o.match_on, MatchOn::kOriginTime);
  EXPECT_EQ(o.magnitude_bins.size(), 3u);
  EXPECT_TRUE(o.require_family_partner);

  std::istringstream bad_in("[evaluate]\nsnr_bins = [10.0, 5.0]\n");
  const auto bad = toml::parse(bad_in, "bad.toml");
  qp::ConfigSection sb("evaluate", &toml::find(bad, "evaluate"));
  try {
    EvaluateOptions::from_config(sb);
    FAIL() << "no error";
  } catch (const qp::ConfigError& e) {
    EXPECT_EQ(e.key(), "evaluate.snr_bins");
    EXPECT_EQ(e.line(), 2);
  }
}
