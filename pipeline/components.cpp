#include "pipeline/components.hpp"

#include <cctype>

namespace qp {

bool code_says_vertical(const std::string& c) {
  if (c.empty()) return false;
  const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(c.back())));
  const bool up_down = c.size() >= 2 && std::toupper(static_cast<unsigned char>(c[0])) == 'U' &&
                       std::toupper(static_cast<unsigned char>(c[1])) == 'D';  // K-NET/KiK-net UD, UD1, UD2
  return last == 'Z' || (last == 'U' && c.size() != 3) || up_down;
}

bool inclination_says_vertical(double inc) {
  if (!std::isfinite(inc)) return false;
  return std::fabs(inc) <= 10.0 || std::fabs(inc - 180.0) <= 10.0;
}

const char* to_string(VerticalSource s) {
  switch (s) {
    case VerticalSource::config: return "config";
    case VerticalSource::inclination: return "inclination";
    case VerticalSource::code: return "code";
    case VerticalSource::none: return "none";
  }
  return "none";
}

VerticalChoice choose_vertical(const std::vector<std::string>& channels, const std::string& configured,
                               const std::map<std::string, double>& inclination_deg) {
  if (!configured.empty()) return {configured, VerticalSource::config};
  for (const auto& c : channels) {
    auto it = inclination_deg.find(c);
    if (it != inclination_deg.end() && inclination_says_vertical(it->second))
      return {c, VerticalSource::inclination};
  }
  for (const auto& c : channels)
    if (code_says_vertical(c)) return {c, VerticalSource::code};
  return {};
}

std::string code_problem(const std::string& code) {
  if (code.empty() || code.size() > 8) return "must have 1 to 8 characters";
  for (char ch : code) {
    const auto u = static_cast<unsigned char>(ch);
    if (!(std::isalnum(u) || ch == '_' || ch == '-'))
      return std::string("has the character '") + ch + "' (letters, digits, '_' and '-' only)";
  }
  return "";
}

}  // namespace qp
