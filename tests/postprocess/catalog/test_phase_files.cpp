#include <gtest/gtest.h>

#include "postprocess/catalog/phase_files.hpp"
#include "tests/postprocess/catalog/sample_events.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;

TEST(NonLinLoc, Golden) {
  const auto dir = qp::test::temp_dir();
  const auto path = (dir / "picks.obs").string();
  EXPECT_EQ(write_nlloc_obs(path, test::sample_events()), 3u);
  test::expect_matches_golden(qp::test::read_file(path), "picks.obs");
}

TEST(NonLinLoc, SecondsNeverRoundToSixty) {
  std::vector<Event> events(1);
  events[0].event_id = "qpX";
  events[0].picks = {{"qpX", "XX.STA..HHZ", "P",
                      qp::parse_iso8601("2020-12-31T23:59:59.99996Z"), 0.1, 1.0}};
  const auto dir = qp::test::temp_dir();
  const auto path = (dir / "p.obs").string();
  write_nlloc_obs(path, events);
  const std::string text = qp::test::read_file(path);
  EXPECT_NE(text.find("20210101 0000  0.0000"), std::string::npos) << text;
}

TEST(HypoDD, GoldenLocatedOnly) {
  const auto dir = qp::test::temp_dir();
  const auto path = (dir / "phase.dat").string();
  const auto ids = write_hypodd_phase(path, test::sample_events());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].first, 1);
  EXPECT_EQ(ids[0].second, "qp20140824T000111.95");
  test::expect_matches_golden(qp::test::read_file(path), "phase.dat");
  const auto map = (dir / "ids.csv").string();
  write_hypodd_id_map(map, ids);
  EXPECT_EQ(qp::test::read_file(map), "hypodd_id,event_id\n1,qp20140824T000111.95\n");
}
