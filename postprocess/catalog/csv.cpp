#include "postprocess/catalog/csv.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "pipeline/error.hpp"

namespace qp::catalog {

std::string csv_field(const std::string& s) {
  bool quote = !s.empty() && (s.front() == ' ' || s.back() == ' ');
  for (char c : s)
    if (c == ',' || c == '"' || c == '\n' || c == '\r') quote = true;
  if (!quote) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

bool split_csv_line(const std::string& line, std::vector<std::string>& fields,
                    std::size_t& bad_column) {
  fields.clear();
  std::string cur;
  bool in_quotes = false;
  std::size_t quote_field = 0;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        cur += c;
      }
    } else if (c == '"') {
      in_quotes = true;
      quote_field = fields.size() + 1;
    } else if (c == ',') {
      fields.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  fields.push_back(std::move(cur));
  if (in_quotes) {
    bad_column = quote_field;
    return false;
  }
  return true;
}

std::string format_fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  std::string s = buf;
  if (s == "-0" || s.rfind("-0.", 0) == 0) {  // no "-0.000" for tiny negatives
    bool all_zero = true;
    for (char c : s.substr(1))
      if (c != '0' && c != '.') all_zero = false;
    if (all_zero) s = s.substr(1);
  }
  return s;
}

std::string format_general(double v, int significant) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", significant, v);
  return buf;
}

CsvReader::CsvReader(std::string path) : path_(std::move(path)), in_(path_) {
  if (!in_) throw InputError(path_, "cannot open file");
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (line_ == 1 && text.rfind("\xEF\xBB\xBF", 0) == 0) text.erase(0, 3);  // UTF-8 BOM
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    std::size_t bad = 0;
    if (!split_csv_line(text, header_, bad))
      throw InputError(path_, "unterminated quote in header",
                       "line " + std::to_string(line_) + ", column " + std::to_string(bad));
    for (auto& h : header_) {
      const auto a = h.find_first_not_of(' ');
      const auto b = h.find_last_not_of(' ');
      h = a == std::string::npos ? "" : h.substr(a, b - a + 1);
    }
    return;
  }
  throw InputError(path_, "empty file: no header line", "line 1");
}

int CsvReader::column(const std::string& name) const {
  for (std::size_t i = 0; i < header_.size(); ++i)
    if (header_[i] == name) return static_cast<int>(i);
  return -1;
}

bool CsvReader::next(std::vector<std::string>& fields) {
  std::string text;
  while (std::getline(in_, text)) {
    ++line_;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.find_first_not_of(" \t") == std::string::npos) continue;
    std::size_t bad = 0;
    if (!split_csv_line(text, fields, bad))
      fail(static_cast<int>(bad) - 1, "unterminated quote");
    if (fields.size() != header_.size())
      fail(static_cast<int>(std::min(fields.size(), header_.size())),
           "expected " + std::to_string(header_.size()) + " fields as in the header, found " +
               std::to_string(fields.size()));
    return true;
  }
  return false;
}

void CsvReader::fail(int column_index, const std::string& cause) const {
  std::string where = "line " + std::to_string(line_);
  if (column_index >= 0) {
    where += ", column " + std::to_string(column_index + 1);
    if (column_index < static_cast<int>(header_.size()))
      where += " (" + header_[static_cast<std::size_t>(column_index)] + ")";
  }
  throw InputError(path_, cause, where);
}

TimeNs CsvReader::time_at(const std::vector<std::string>& f, int col) const {
  const std::string& s = f.at(static_cast<std::size_t>(col));
  if (s.empty()) fail(col, "missing time");
  try {
    return parse_iso8601(s);
  } catch (const std::invalid_argument& e) {
    fail(col, e.what());
  }
}

std::optional<TimeNs> CsvReader::optional_time_at(const std::vector<std::string>& f,
                                                  int col) const {
  if (col < 0 || f.at(static_cast<std::size_t>(col)).empty()) return std::nullopt;
  return time_at(f, col);
}

double CsvReader::double_at(const std::vector<std::string>& f, int col) const {
  const std::string& s = f.at(static_cast<std::size_t>(col));
  if (s.empty()) fail(col, "missing number");
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0' || !std::isfinite(v))
    fail(col, "not a finite number: '" + s + "'");
  return v;
}

std::optional<double> CsvReader::optional_double_at(const std::vector<std::string>& f,
                                                    int col) const {
  if (col < 0 || f.at(static_cast<std::size_t>(col)).empty()) return std::nullopt;
  return double_at(f, col);
}

long long CsvReader::int_at(const std::vector<std::string>& f, int col) const {
  const std::string& s = f.at(static_cast<std::size_t>(col));
  char* end = nullptr;
  const long long v = std::strtoll(s.c_str(), &end, 10);
  if (s.empty() || *end != '\0') fail(col, "not an integer: '" + s + "'");
  return v;
}

void require_header_prefix(const CsvReader& r, const std::vector<std::string>& expected) {
  const auto& h = r.header();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (i >= h.size())
      throw InputError(r.path(), "header lacks column '" + expected[i] + "'",
                       "line 1, column " + std::to_string(i + 1));
    if (h[i] != expected[i])
      throw InputError(r.path(),
                       "header column is '" + h[i] + "', expected '" + expected[i] + "'",
                       "line 1, column " + std::to_string(i + 1));
  }
}

}  // namespace qp::catalog
