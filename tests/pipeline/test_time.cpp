#include "pipeline/time.hpp"

#include <gtest/gtest.h>

using namespace qp;

TEST(Time, FormatsKnownInstants) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000000Z");
  // 2014-08-24T00:01:00Z = 1408838460 s (date -u -d @1408838460).
  EXPECT_EQ(format_iso8601(1408838460 * kNsPerSecond, 3), "2014-08-24T00:01:00.000Z");
  EXPECT_EQ(format_iso8601(-1, 9), "1969-12-31T23:59:59.999999999Z");
  EXPECT_EQ(format_iso8601(999'999'999'600, 6), "1970-01-01T00:16:40.000000Z");
}

TEST(Time, ParsesAndRoundTrips) {
  EXPECT_EQ(parse_iso8601("2014-08-24T00:01:00Z"), 1408838460 * kNsPerSecond);
  EXPECT_EQ(parse_iso8601("2014-08-24T00:01:00.25"), 1408838460 * kNsPerSecond + 250'000'000);
  EXPECT_EQ(parse_iso8601("2014-08-24"), 1408838400 * kNsPerSecond);
  const TimeNs t = 1'600'000'000'123'456'789;
  EXPECT_EQ(parse_iso8601(format_iso8601(t, 9)), t);
  EXPECT_THROW(parse_iso8601("2014-13-01T00:00:00Z"), std::invalid_argument);
  EXPECT_THROW(parse_iso8601("yesterday"), std::invalid_argument);
}

TEST(Time, DayOfYearAndFloor) {
  EXPECT_EQ(year_doy_to_ns(2014, 236), parse_iso8601("2014-08-24"));
  EXPECT_EQ(year_doy_tag(parse_iso8601("2014-08-24T12:00:00Z")), "2014.236");
  EXPECT_EQ(floor_to(-1, 10), -10);
  EXPECT_EQ(day_start(parse_iso8601("2014-08-24T23:59:59.9Z")), parse_iso8601("2014-08-24"));
}
