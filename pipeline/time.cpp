#include "pipeline/time.hpp"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace qp {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days (public domain algorithms).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t yy = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int>(yy + (m <= 2));
}

struct Civil {
  int year, month, day, hour, minute, second;
  std::int64_t nanos;
};

Civil split(TimeNs t) {
  std::int64_t days = t / kNsPerDay;
  std::int64_t rem = t % kNsPerDay;
  if (rem < 0) {
    rem += kNsPerDay;
    --days;
  }
  Civil c{};
  unsigned m, d;
  civil_from_days(days, c.year, m, d);
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  std::int64_t secs = rem / kNsPerSecond;
  c.nanos = rem % kNsPerSecond;
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>((secs / 60) % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

std::string fraction(std::int64_t nanos, int decimals) {
  if (decimals <= 0) return "";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%09lld", static_cast<long long>(nanos));
  return "." + std::string(buf, static_cast<size_t>(decimals > 9 ? 9 : decimals));
}

}  // namespace

TimeNs seconds_to_ns(double seconds) { return static_cast<TimeNs>(std::llround(seconds * 1e9)); }

TimeNs civil_to_ns(int year, int month, int day, int hour, int minute, int second,
                   std::int64_t nanos) {
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * kNsPerDay + (static_cast<std::int64_t>(hour) * 3600 + minute * 60 + second) *
                                kNsPerSecond +
         nanos;
}

TimeNs year_doy_to_ns(int year, int doy, int hour, int minute, int second, std::int64_t nanos) {
  return civil_to_ns(year, 1, 1, hour, minute, second, nanos) +
         static_cast<std::int64_t>(doy - 1) * kNsPerDay;
}

std::string format_iso8601(TimeNs t, int decimals) {
  // Round to the requested number of decimals first, so 59.9999999 -> next minute.
  if (decimals < 9) {
    TimeNs unit = 1;
    for (int i = decimals; i < 9; ++i) unit *= 10;
    TimeNs q = floor_to(t, unit);
    if (t - q >= unit / 2) q += unit;
    t = q;
  }
  const Civil c = split(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", c.year, c.month, c.day, c.hour,
                c.minute, c.second);
  return std::string(buf) + fraction(c.nanos, decimals) + "Z";
}

std::string compact_time_tag(TimeNs t, int decimals) {
  std::string iso = format_iso8601(t, decimals);
  std::string out;
  for (char ch : iso)
    if (ch != '-' && ch != ':') out += ch;
  return out;
}

std::string year_doy_tag(TimeNs t) {
  const Civil c = split(t);
  const std::int64_t doy = (t - civil_to_ns(c.year, 1, 1)) / kNsPerDay + 1;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d.%03lld", c.year, static_cast<long long>(doy));
  return buf;
}

TimeNs parse_iso8601(const std::string& text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::int64_t nanos = 0;
  const char* p = text.c_str();
  int consumed = 0;
  if (std::sscanf(p, "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
    throw std::invalid_argument("not an ISO 8601 time: '" + text + "'");
  p += consumed;
  if (*p == 'T' || *p == ' ') {
    ++p;
    if (std::sscanf(p, "%2d:%2d:%2d%n", &h, &mi, &s, &consumed) != 3 || consumed != 8)
      throw std::invalid_argument("not an ISO 8601 time: '" + text + "'");
    p += consumed;
    if (*p == '.') {
      ++p;
      int digits = 0;
      while (*p >= '0' && *p <= '9') {
        if (digits < 9) {
          nanos = nanos * 10 + (*p - '0');
          ++digits;
        }
        ++p;
      }
      if (digits == 0) throw std::invalid_argument("not an ISO 8601 time: '" + text + "'");
      for (; digits < 9; ++digits) nanos *= 10;
    }
  }
  if (*p == 'Z') ++p;
  if (*p != '\0') throw std::invalid_argument("not an ISO 8601 time: '" + text + "'");
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
    throw std::invalid_argument("time out of range: '" + text + "'");
  // int64 nanoseconds since 1970 span 1677-09-21 to 2262-04-11.
  if (y < 1678 || y > 2261)
    throw std::invalid_argument("time out of range (years 1678-2261 only): '" + text + "'");
  return civil_to_ns(y, mo, d, h, mi, s, nanos);
}

}  // namespace qp
