#include "pipeline/param_table.hpp"

#include <fmt/format.h>

namespace qp::param_detail {
namespace {

// 2^k for large powers of two, which the limits often are.
std::string int_text(std::int64_t v) {
  if (v >= 1024 && (v & (v - 1)) == 0) {
    int k = 0;
    while ((std::int64_t{1} << k) != v) ++k;
    return "2^" + std::to_string(k);
  }
  return std::to_string(v);
}

}  // namespace

std::string range_text(double lo, double hi) {
  const bool has_lo = lo > -1e299, has_hi = hi < 1e299;
  if (has_lo && has_hi) return "[" + ConfigSection::format_number(lo) + ", " + ConfigSection::format_number(hi) + "]";
  if (has_lo) return ">= " + ConfigSection::format_number(lo);
  if (has_hi) return "<= " + ConfigSection::format_number(hi);
  return "";
}

std::string range_text(std::int64_t lo, std::int64_t hi) {
  const bool has_lo = lo != std::numeric_limits<std::int64_t>::min();
  const bool has_hi = hi != std::numeric_limits<std::int64_t>::max() && hi < (std::int64_t{1} << 40);
  if (has_lo && has_hi) return "[" + int_text(lo) + ", " + int_text(hi) + "]";
  if (has_lo) return ">= " + int_text(lo);
  if (has_hi) return "<= " + int_text(hi);
  return "";
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string seconds_text(double s) {
  std::string t = fmt::format("{:.9g}", s);
  if (t.find_first_of(".eEn") == std::string::npos) t += ".0";
  return t;
}

std::string steps_range_text(std::int64_t lo, std::int64_t hi) {
  const std::string r = range_text(lo, hi);
  if (r.rfind(">= ", 0) == 0) return r + ", a multiple of dt_fp";
  return r + " x dt_fp";
}

std::string comment_of(const ParamDoc& d) {
  std::string c = d.meaning;
  if (!d.unit.empty() && d.unit != "s") c += " [" + d.unit + "]";
  if (!d.alias.empty())
    c += " (also read as " + d.alias + (d.alias_in_steps ? ", in fingerprint grid steps" : "") + ")";
  return c;
}

std::int64_t steps_of(ConfigSection& s, const std::string& key, double seconds, double step_s) {
  const double x = seconds / step_s;
  const double n = std::round(x);
  if (std::abs(x - n) > 1e-6)
    s.fail(key, fmt::format("{} s is not a whole number of fingerprint grid steps (dt_fp = {} s): use {} or {}",
                            seconds_text(seconds), seconds_text(step_s), seconds_text(std::floor(x) * step_s),
                            seconds_text(std::ceil(x) * step_s)));
  return static_cast<std::int64_t>(n);
}

}  // namespace qp::param_detail
