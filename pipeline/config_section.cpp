#include "pipeline/config_section.hpp"

#include <cmath>
#include <fmt/format.h>

namespace qp {
namespace {

std::string format_double(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (std::isnan(v)) return "nan";
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* type_name(const toml::value& v) {
  switch (v.type()) {
    case toml::value_t::boolean: return "a boolean";
    case toml::value_t::integer: return "an integer";
    case toml::value_t::floating: return "a number";
    case toml::value_t::string: return "a string";
    case toml::value_t::array: return "an array";
    case toml::value_t::table: return "a table";
    default: return "a date or time";
  }
}

}  // namespace

ConfigSection::ConfigSection(std::string name, const toml::value* table)
    : name_(std::move(name)), table_(table) {}

const toml::value* ConfigSection::find(const std::string& key) const {
  if (!table_ || !table_->is_table()) return nullptr;
  const auto& t = table_->as_table();
  auto it = t.find(key);
  if (it == t.end()) {
    const auto a = alias_of_.find(key);
    if (a != alias_of_.end()) it = t.find(a->second);
  }
  return it == t.end() ? nullptr : &it->second;
}

void ConfigSection::add_alias(const std::string& key, const std::string& alias) {
  alias_of_[key] = alias;
  if (!table_ || !table_->is_table()) return;
  const auto& t = table_->as_table();
  const auto k = t.find(key), a = t.find(alias);
  if (k != t.end() && a != t.end())
    throw ConfigError(name_ + "." + key,
                      fmt::format("given twice: as '{}' (line {}) and as its alias '{}' (line {}); keep one",
                                  key, k->second.location().line(), alias, a->second.location().line()),
                      static_cast<int>(k->second.location().line()));
}

std::string ConfigSection::spelling_of(const std::string& key) const {
  const auto a = alias_of_.find(key);
  if (a == alias_of_.end() || !table_ || !table_->is_table()) return key;
  const auto& t = table_->as_table();
  return !t.count(key) && t.count(a->second) ? a->second : key;
}

void ConfigSection::set_effective(const std::string& key, std::string value_text) {
  record(key, std::move(value_text));
}

void ConfigSection::forget(const std::string& key) {
  for (auto it = effective_.begin(); it != effective_.end(); ++it)
    if (it->key == key) {
      effective_.erase(it);
      return;
    }
}

void ConfigSection::annotate(const std::string& key, std::string comment) {
  for (auto& e : effective_)
    if (e.key == key) e.comment = std::move(comment);
}

std::string ConfigSection::format_number(double v) { return format_double(v); }

bool ConfigSection::has(const std::string& key) const { return find(key) != nullptr; }

int ConfigSection::line_of(const std::string& key) const {
  const toml::value* v = find(key);
  return v ? static_cast<int>(v->location().line()) : 0;
}

void ConfigSection::fail(const std::string& key, const std::string& cause) const {
  throw ConfigError(name_ + "." + spelling_of(key), cause, line_of(key));
}

void ConfigSection::record(const std::string& key, std::string value_text) {
  read_[key] = true;
  if (const auto a = alias_of_.find(key); a != alias_of_.end()) read_[a->second] = true;
  for (auto& e : effective_)
    if (e.key == key) {
      e.value = std::move(value_text);
      return;
    }
  effective_.push_back({key, std::move(value_text), {}});
}

double ConfigSection::get_double(const std::string& key, double def, double lo, double hi) {
  double v = def;
  if (const toml::value* x = find(key)) {
    if (x->is_floating()) v = x->as_floating();
    else if (x->is_integer()) v = static_cast<double>(x->as_integer());
    else fail(key, std::string("expected a number, found ") + type_name(*x));
    if (!std::isfinite(v)) fail(key, "must be a finite number");
  }
  if (v < lo || v > hi)
    fail(key, fmt::format("value {} is out of range [{}, {}]", format_double(v),
                          format_double(lo), format_double(hi)));
  record(key, format_double(v));
  return v;
}

std::int64_t ConfigSection::get_int(const std::string& key, std::int64_t def, std::int64_t lo,
                                    std::int64_t hi) {
  std::int64_t v = def;
  if (const toml::value* x = find(key)) {
    if (!x->is_integer()) fail(key, std::string("expected an integer, found ") + type_name(*x));
    v = x->as_integer();
  }
  if (v < lo || v > hi) fail(key, fmt::format("value {} is out of range [{}, {}]", v, lo, hi));
  record(key, std::to_string(v));
  return v;
}

bool ConfigSection::get_bool(const std::string& key, bool def) {
  bool v = def;
  if (const toml::value* x = find(key)) {
    if (!x->is_boolean()) fail(key, std::string("expected true or false, found ") + type_name(*x));
    v = x->as_boolean();
  }
  record(key, v ? "true" : "false");
  return v;
}

std::string ConfigSection::get_string(const std::string& key, const std::string& def,
                                      const std::vector<std::string>& choices) {
  std::string v = def;
  if (const toml::value* x = find(key)) {
    if (!x->is_string()) fail(key, std::string("expected a string, found ") + type_name(*x));
    v = x->as_string().str;
  }
  if (!choices.empty()) {
    bool ok = false;
    std::string list;
    for (const auto& c : choices) {
      ok = ok || c == v;
      list += (list.empty() ? "" : ", ") + quote(c);
    }
    if (!ok) fail(key, fmt::format("{} is not one of {}", quote(v), list));
  }
  record(key, quote(v));
  return v;
}

std::vector<std::string> ConfigSection::get_strings(const std::string& key,
                                                    const std::vector<std::string>& def) {
  std::vector<std::string> v = def;
  if (const toml::value* x = find(key)) {
    v.clear();
    if (x->is_string()) {
      v.push_back(x->as_string().str);
    } else if (x->is_array()) {
      for (const auto& e : x->as_array()) {
        if (!e.is_string()) fail(key, "expected an array of strings");
        v.push_back(e.as_string().str);
      }
    } else {
      fail(key, std::string("expected an array of strings, found ") + type_name(*x));
    }
  }
  std::string text = "[";
  for (size_t i = 0; i < v.size(); ++i) text += (i ? ", " : "") + quote(v[i]);
  record(key, text + "]");
  return v;
}

std::vector<double> ConfigSection::get_doubles(const std::string& key,
                                               const std::vector<double>& def) {
  std::vector<double> v = def;
  if (const toml::value* x = find(key)) {
    v.clear();
    if (!x->is_array()) fail(key, std::string("expected an array of numbers, found ") + type_name(*x));
    for (const auto& e : x->as_array()) {
      if (e.is_floating()) v.push_back(e.as_floating());
      else if (e.is_integer()) v.push_back(static_cast<double>(e.as_integer()));
      else fail(key, "expected an array of numbers");
    }
  }
  std::string text = "[";
  for (size_t i = 0; i < v.size(); ++i) text += (i ? ", " : "") + format_double(v[i]);
  record(key, text + "]");
  return v;
}

std::optional<double> ConfigSection::get_optional_double(const std::string& key, double lo,
                                                         double hi) {
  if (!find(key)) {
    record(key, "");
    return std::nullopt;
  }
  return get_double(key, 0.0, lo, hi);
}

std::optional<std::string> ConfigSection::get_optional_string(const std::string& key) {
  if (!find(key)) {
    record(key, "");
    return std::nullopt;
  }
  return get_string(key, "");
}

void ConfigSection::reject_unknown_keys() const {
  if (!table_ || !table_->is_table()) return;
  for (const auto& kv : table_->as_table()) {
    if (read_.count(kv.first)) continue;
    std::string known;
    for (const auto& e : effective_) known += (known.empty() ? "" : ", ") + e.key;
    throw ConfigError(name_ + "." + kv.first,
                      "unknown key" + (known.empty() ? std::string() : " (known keys: " + known + ")"),
                      static_cast<int>(kv.second.location().line()));
  }
}

}  // namespace qp
