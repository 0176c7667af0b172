// Time inside quakeprint: int64 nanoseconds since 1970-01-01T00:00:00Z (UTC).
// Outside (files people read): ISO 8601 with a trailing Z.
#pragma once

#include <cstdint>
#include <string>

namespace qp {

using TimeNs = std::int64_t;

constexpr TimeNs kNsPerSecond = 1'000'000'000;
constexpr TimeNs kNsPerDay = 86'400 * kNsPerSecond;

/// Seconds (double) to nanoseconds, rounded to the nearest nanosecond.
TimeNs seconds_to_ns(double seconds);
inline double ns_to_seconds(TimeNs t) { return static_cast<double>(t) / 1e9; }

/// "2014-08-24T00:01:00.123456Z"; `decimals` digits of the second (0..9).
std::string format_iso8601(TimeNs t, int decimals = 6);

/// Parses "YYYY-MM-DDTHH:MM:SS[.fffffffff][Z]" (also with a space instead of T,
/// or a date alone). Throws std::invalid_argument on anything else.
TimeNs parse_iso8601(const std::string& text);

/// Nanoseconds of a civil UTC date and time (proleptic Gregorian).
TimeNs civil_to_ns(int year, int month, int day, int hour = 0, int minute = 0,
                   int second = 0, std::int64_t nanos = 0);

/// Day-of-year based (SEED style): year, day of year 1..366.
TimeNs year_doy_to_ns(int year, int doy, int hour = 0, int minute = 0, int second = 0,
                      std::int64_t nanos = 0);

/// Floor of t to a multiple of `step` (works for negative t too).
inline TimeNs floor_to(TimeNs t, TimeNs step) {
  TimeNs q = t / step;
  if ((t % step) != 0 && t < 0) --q;
  return q * step;
}

/// Start of the UTC day holding t.
inline TimeNs day_start(TimeNs t) { return floor_to(t, kNsPerDay); }

/// "2014.236" style tag of a day (for file names).
std::string year_doy_tag(TimeNs t);

/// Compact tag for ids and file names, e.g. "20140824T000100.120Z".
std::string compact_time_tag(TimeNs t, int decimals = 2);

}  // namespace qp
