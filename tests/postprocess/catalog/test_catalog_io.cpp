#include <gtest/gtest.h>

#include <fstream>

#include "pipeline/error.hpp"
#include "pipeline/atomic_file.hpp"
#include "postprocess/catalog/catalog.hpp"
#include "tests/postprocess/catalog/sample_events.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;
namespace fs = std::filesystem;

TEST(EventId, StableTagOfFirstArrival) {
  EXPECT_EQ(make_event_id(qp::parse_iso8601("2014-08-24T00:03:12.345Z")), "qp20140824T000312.35");
  EXPECT_EQ(make_event_id(qp::parse_iso8601("2014-08-24T00:03:12.344Z")), "qp20140824T000312.34");
}

TEST(EventId, CollisionsResolvedIndependentlyOfInputOrder) {
  auto events = test::sample_events();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].event_id, "qp20140824T000111.95");
  EXPECT_EQ(events[1].event_id, "qp20140824T000312.35");
  EXPECT_EQ(events[2].event_id, "qp20140824T000312.35-2");
  EXPECT_EQ(events[2].n_stations, 1);  // the bigger detection keeps the plain id
  for (const auto& p : events[2].picks) EXPECT_EQ(p.event_id, events[2].event_id);

  std::vector<Event> reversed(events.rbegin(), events.rend());
  assign_event_ids(reversed);
  for (std::size_t i = 0; i < events.size(); ++i)
    EXPECT_EQ(reversed[i].event_id, events[i].event_id);
}

TEST(CatalogCsv, GoldenAndRoundTrip) {
  const auto dir = qp::test::temp_dir();
  const auto events = test::sample_events();
  const std::string cat = (dir / "catalog.csv").string(), picks = (dir / "picks.csv").string();
  write_catalog_csv(cat, events);
  write_picks_csv(picks, events);
  test::expect_matches_golden(qp::test::read_file(cat), "catalog.csv");
  test::expect_matches_golden(qp::test::read_file(picks), "picks.csv");

  auto back = read_catalog_csv(cat);
  attach_picks(back, read_picks_csv(picks), picks);
  ASSERT_EQ(back.size(), events.size());
  for (std::size_t i = 0; i < events.size(); ++i) {
    const Event &a = events[i], &b = back[i];
    EXPECT_EQ(a.event_id, b.event_id);
    EXPECT_EQ(a.first_arrival, b.first_arrival);
    EXPECT_EQ(a.origin_time, b.origin_time);
    EXPECT_EQ(a.latitude.has_value(), b.latitude.has_value());
    if (a.latitude) {
      EXPECT_NEAR(*a.latitude, *b.latitude, 1e-6);
    }
    EXPECT_EQ(a.depth_km, b.depth_km);
    EXPECT_EQ(a.stations, b.stations);
    EXPECT_EQ(a.family_id, b.family_id);
    EXPECT_EQ(a.n_stations, b.n_stations);
    EXPECT_EQ(a.n_linked, b.n_linked);
    EXPECT_DOUBLE_EQ(a.score, b.score);
    ASSERT_EQ(a.picks.size(), b.picks.size());
    for (std::size_t k = 0; k < a.picks.size(); ++k) {
      EXPECT_EQ(a.picks[k].seed_id, b.picks[k].seed_id);
      EXPECT_EQ(a.picks[k].time, b.picks[k].time);
      EXPECT_EQ(a.picks[k].phase, b.picks[k].phase);
    }
  }
  // Deterministic: the same input writes the same bytes.
  const auto again = (dir / "again.csv").string();
  write_catalog_csv(again, events);
  EXPECT_EQ(qp::test::read_file(again), qp::test::read_file(cat));
}

// With matched filtering, the match columns follow the others and read back;
// without it (no event has a method) the catalog keeps its columns (golden).
TEST(CatalogCsv, MatchColumnsRoundTrip) {
  const auto dir = qp::test::temp_dir();
  auto events = test::sample_events();
  ASSERT_GE(events.size(), 2u);
  events[0].method = "both";
  events[0].template_id = events[0].event_id;
  events[0].cc = 0.73126;
  events[0].mad_multiple = 14.256;
  events[0].relative_magnitude = -0.5214;
  events[1].method = "match";
  events[1].template_id = "qp20140824T000157.38";
  events[1].cc = 0.4;
  events[1].mad_multiple = 9.5;
  const std::string cat = (dir / "catalog.csv").string();
  write_catalog_csv(cat, events);
  const std::string text = qp::test::read_file(cat);
  EXPECT_NE(text.find("depth_uncertainty_km,method,template_id,cc,mad_multiple,relative_magnitude\n"),
            std::string::npos);
  const auto back = read_catalog_csv(cat);
  ASSERT_EQ(back.size(), events.size());
  EXPECT_EQ(back[0].method, "both");
  EXPECT_EQ(back[0].template_id, events[0].event_id);
  ASSERT_TRUE(back[0].cc && back[0].mad_multiple && back[0].relative_magnitude);
  EXPECT_DOUBLE_EQ(*back[0].cc, 0.7313);  // 4 decimals
  EXPECT_DOUBLE_EQ(*back[0].mad_multiple, 14.26);
  EXPECT_DOUBLE_EQ(*back[0].relative_magnitude, -0.521);
  EXPECT_EQ(back[1].method, "match");
  EXPECT_FALSE(back[1].relative_magnitude.has_value());
  for (std::size_t i = 2; i < back.size(); ++i) EXPECT_EQ(back[i].method, "lsh");
}

TEST(CatalogCsv, HeaderOnlyIsAnEmptyCatalog) {
  const auto dir = qp::test::temp_dir();
  const auto p = (dir / "catalog.csv").string();
  write_catalog_csv(p, {});
  EXPECT_TRUE(read_catalog_csv(p).empty());
}

namespace {
std::string write_text(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}
std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qp::InputError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

TEST(CatalogCsv, ErrorsNameFileLineAndColumn) {
  const auto dir = qp::test::temp_dir();
  const std::string header =
      "event_id,first_arrival,origin_time,latitude,longitude,depth_km,n_stations,stations,"
      "family_id,score\n";
  const auto bad_time = write_text(dir / "bad_time.csv",
                                   header + "qpA,2014-08-24T00:00:01Z,,,,,3,A;B,,1\n"
                                            "qpB,2014-08-24T25:00:01Z,,,,,3,A;B,,1\n");
  const std::string m1 = error_of([&] { read_catalog_csv(bad_time); });
  EXPECT_NE(m1.find("bad_time.csv"), std::string::npos) << m1;
  EXPECT_NE(m1.find("line 3, column 2 (first_arrival)"), std::string::npos) << m1;

  const auto bad_num = write_text(dir / "bad_num.csv",
                                  header + "qpA,2014-08-24T00:00:01Z,,64.5x,,,3,A;B,,1\n");
  EXPECT_NE(error_of([&] { read_catalog_csv(bad_num); }).find("line 2, column 4 (latitude)"),
            std::string::npos);

  const auto bad_header =
      write_text(dir / "bad_header.csv", "event_id,time,origin_time\nqpA,2014-08-24T00:00:01Z,\n");
  const std::string m3 = error_of([&] { read_catalog_csv(bad_header); });
  EXPECT_NE(m3.find("line 1, column 2"), std::string::npos) << m3;
  EXPECT_NE(m3.find("first_arrival"), std::string::npos) << m3;

  const auto short_row = write_text(dir / "short.csv", header + "qpA,2014-08-24T00:00:01Z\n");
  EXPECT_NE(error_of([&] { read_catalog_csv(short_row); }).find("line 2"), std::string::npos);

  const auto picks = write_text(dir / "picks.csv",
                                "event_id,seed_id,phase,time,uncertainty_s,similarity\n"
                                "qpA,Z7.A..HHZ,P,2014-08-24T00:00:01Z,-1,0.5\n");
  EXPECT_NE(error_of([&] { read_picks_csv(picks); }).find("line 2, column 5 (uncertainty_s)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_catalog_csv((dir / "absent.csv").string()); }).find("absent.csv"),
            std::string::npos);
}

TEST(CatalogCsv, PickOfUnknownEventIsAnError) {
  std::vector<Event> events(1);
  events[0].event_id = "qpA";
  Pick p;
  p.event_id = "qpB";
  EXPECT_THROW(attach_picks(events, {p}, "picks.csv"), qp::InputError);
}

TEST(AtomicTextFile, NothingLeftBehindWithoutCommit) {
  const auto dir = qp::test::temp_dir();
  const auto target = dir / "out.txt";
  {
    qp::AtomicTextFile f(target);
    f.stream() << "half";
    EXPECT_TRUE(fs::exists(f.temp_path()));
  }
  EXPECT_FALSE(fs::exists(target));
  EXPECT_TRUE(fs::is_empty(dir));
  {
    qp::AtomicTextFile f(target);
    f.stream() << "whole";
    f.commit();
  }
  EXPECT_EQ(qp::test::read_file(target), "whole");
  // A folder that cannot be made (a file is in the way): a StoreError.
  EXPECT_THROW(qp::AtomicTextFile(target / "x"), qp::StoreError);
}

TEST(SeedId, Parts) {
  const auto p = split_seed_id("CI.BOM..HHZ");
  EXPECT_EQ(p.network, "CI");
  EXPECT_EQ(p.station, "BOM");
  EXPECT_EQ(p.location, "");
  EXPECT_EQ(p.channel, "HHZ");
  EXPECT_EQ(station_of("NZ.KHZ.10.HHZ"), "NZ.KHZ");
}
