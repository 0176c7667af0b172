// A config section declared once: one table per [section] whose rows (key,
// struct member, range, unit, meaning, FAST alias; the default is the
// member's initializer) drive parsing, validation, the commented
// `quakeprint config`, configs/example.toml and the key tables of
// docs/config.md, both generated (test_config_docs fails when they differ).
//
// Adding a section, or a key to one:
//   1. Defaults are the member initializers of the params struct.
//   2. Next to the struct, in the library, define the table, one row per key
//      in the order `quakeprint config` prints them:
//        const ParamTable<MyParams>& my_param_table() {
//          static const auto t = ParamTable<MyParams>("mysection", "What the section does.")
//              .number("window_s", &MyParams::window_s, {0.1, 600}, "s", "Length of ...")
//              .integer("min_channels", &MyParams::min_channels, {1, 65535}, "", "...", "fastName");
//          return t;
//        }
//      (`steps` reads a length in seconds into a member counted in
//      fingerprint grid steps, the step given by ParamContext; `custom` covers
//      keys read by hand, `default_from` a default that depends on other keys.)
//   3. from_config: `MyParams p; my_param_table().read(s, p);` then the
//      checks between keys, reported with s.fail(key, cause).
//   4. List the table in app/config_reference.cpp and run
//      `build/bin/quakeprint-config-docs --write .` (rewrites docs/config.md
//      and configs/example.toml).
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "pipeline/config_section.hpp"

namespace qp {

/// One key as the docs show it.
struct ParamDoc {
  std::string key, alias, type, default_text, range, unit, meaning;
  bool alias_in_steps = false;  // the alias counts fingerprint grid steps, the key seconds
};

/// What rows need beyond the section: the length of one fingerprint grid
/// step (dt_fp) for keys given in seconds and stored in steps.
struct ParamContext {
  double step_s = 1.0;
};

struct NumberRange {
  double lo = -1e300, hi = 1e300;
};
struct IntRange {
  std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::int64_t hi = std::numeric_limits<std::int64_t>::max();
};

/// The type-independent face of a table, for the docs generator.
class ParamSheet {
 public:
  virtual ~ParamSheet() = default;
  virtual const std::string& section() const = 0;
  virtual const std::string& summary() const = 0;
  /// Rows with their defaults (`ctx` gives the step of seconds-in-steps keys).
  virtual std::vector<ParamDoc> describe(const ParamContext& ctx = {}) const = 0;
};

namespace param_detail {
std::string range_text(double lo, double hi);
std::string range_text(std::int64_t lo, std::int64_t hi);
std::string quote(const std::string& s);
std::string seconds_text(double s);
/// "[lo, hi] x dt_fp", or ">= 0, a multiple of dt_fp".
std::string steps_range_text(std::int64_t lo, std::int64_t hi);
/// The comment `quakeprint config` prints above a key.
std::string comment_of(const ParamDoc& d);
/// Steps for `seconds`, which must be a whole number of steps of `step_s`.
std::int64_t steps_of(ConfigSection& s, const std::string& key, double seconds, double step_s);
}  // namespace param_detail

template <class P>
class ParamTable : public ParamSheet {
 public:
  using Reader = std::function<void(ConfigSection&, P&, const ParamContext&)>;
  using DefaultText = std::function<std::string(const P&, const ParamContext&)>;

  ParamTable(std::string section, std::string summary)
      : section_(std::move(section)), summary_(std::move(summary)) {}

  const std::string& section() const override { return section_; }
  const std::string& summary() const override { return summary_; }

  ParamTable& number(std::string key, double P::*m, NumberRange r, std::string unit, std::string meaning,
                     std::string alias = "") {
    ParamDoc d{key, std::move(alias), "number", "", param_detail::range_text(r.lo, r.hi), std::move(unit),
               std::move(meaning)};
    return add(std::move(d),
               [key, m, r](ConfigSection& s, P& p, const ParamContext&) { p.*m = s.get_double(key, p.*m, r.lo, r.hi); },
               [m](const P& p, const ParamContext&) { return ConfigSection::format_number(p.*m); });
  }

  template <class I>
  ParamTable& integer(std::string key, I P::*m, IntRange r, std::string unit, std::string meaning,
                      std::string alias = "") {
    ParamDoc d{key, std::move(alias), "integer", "", param_detail::range_text(r.lo, r.hi), std::move(unit),
               std::move(meaning)};
    return add(std::move(d),
               [key, m, r](ConfigSection& s, P& p, const ParamContext&) {
                 p.*m = static_cast<I>(s.get_int(key, static_cast<std::int64_t>(p.*m), r.lo, r.hi));
               },
               [m](const P& p, const ParamContext&) { return std::to_string(p.*m); });
  }

  ParamTable& flag(std::string key, bool P::*m, std::string meaning, std::string alias = "") {
    ParamDoc d{key, std::move(alias), "boolean", "", "", "", std::move(meaning)};
    return add(std::move(d), [key, m](ConfigSection& s, P& p, const ParamContext&) { p.*m = s.get_bool(key, p.*m); },
               [m](const P& p, const ParamContext&) { return std::string(p.*m ? "true" : "false"); });
  }

  /// A string; `choices` empty means any.
  ParamTable& text(std::string key, std::string P::*m, std::vector<std::string> choices, std::string meaning) {
    ParamDoc d{key, "", "string", "", one_of(choices), "", std::move(meaning)};
    return add(std::move(d),
               [key, m, choices](ConfigSection& s, P& p, const ParamContext&) {
                 p.*m = s.get_string(key, p.*m, choices);
               },
               [m](const P& p, const ParamContext&) { return param_detail::quote(p.*m); });
  }

  /// A string naming one of an enum's values.
  template <class E>
  ParamTable& choice(std::string key, E P::*m, std::vector<std::pair<std::string, E>> options, std::string meaning) {
    std::vector<std::string> names;
    for (const auto& o : options) names.push_back(o.first);
    ParamDoc d{key, "", "string", "", one_of(names), "", std::move(meaning)};
    auto name_of = [options](E v) {
      for (const auto& o : options)
        if (o.second == v) return o.first;
      return options.front().first;
    };
    return add(std::move(d),
               [key, m, options, names, name_of](ConfigSection& s, P& p, const ParamContext&) {
                 const std::string v = s.get_string(key, name_of(p.*m), names);
                 for (const auto& o : options)
                   if (o.first == v) p.*m = o.second;
               },
               [m, name_of](const P& p, const ParamContext&) { return param_detail::quote(name_of(p.*m)); });
  }

  ParamTable& optional_text(std::string key, std::optional<std::string> P::*m, std::string meaning) {
    ParamDoc d{key, "", "string", "", "", "", std::move(meaning)};
    return add(std::move(d),
               [key, m](ConfigSection& s, P& p, const ParamContext&) { p.*m = s.get_optional_string(key); },
               [](const P&, const ParamContext&) { return std::string("not set"); });
  }

  /// A length given in seconds (`key`) and kept in fingerprint grid steps
  /// (ctx.step_s each); the alias, if any, gives it in steps as FAST does.
  template <class I>
  ParamTable& steps(std::string key, I P::*m, IntRange steps_range, std::string meaning, std::string alias = "") {
    ParamDoc d{key, alias, "number", "", "", "s", std::move(meaning)};
    d.alias_in_steps = !alias.empty();
    d.range = param_detail::steps_range_text(steps_range.lo, steps_range.hi);
    return add(std::move(d),
               [key, m, steps_range, alias](ConfigSection& s, P& p, const ParamContext& ctx) {
                 std::int64_t n = static_cast<std::int64_t>(p.*m);
                 if (!alias.empty() && s.spelling_of(key) == alias) {
                   n = s.get_int(alias, n, steps_range.lo, steps_range.hi);
                   s.forget(alias);
                 } else {
                   const double lo = static_cast<double>(steps_range.lo) * ctx.step_s;
                   const double hi = steps_range.hi == std::numeric_limits<std::int64_t>::max()
                                         ? 1e300
                                         : static_cast<double>(steps_range.hi) * ctx.step_s;
                   const double sec = s.get_double(key, static_cast<double>(n) * ctx.step_s, lo, hi);
                   n = param_detail::steps_of(s, key, sec, ctx.step_s);
                 }
                 s.set_effective(key, param_detail::seconds_text(static_cast<double>(n) * ctx.step_s));
                 p.*m = static_cast<I>(n);
               },
               [m](const P& p, const ParamContext& ctx) {
                 return param_detail::seconds_text(static_cast<double>(p.*m) * ctx.step_s) + " (" +
                        std::to_string(p.*m) + " x dt_fp)";
               });
  }

  /// Keys read by hand (`read` null: read by an earlier custom row).
  ParamTable& custom(ParamDoc doc, Reader read) { return add(std::move(doc), std::move(read), nullptr); }

  /// The last row's default, when its key is absent, derives from values
  /// read before it; `text` says how, for the docs.
  ParamTable& default_from(std::function<void(P&)> fn, std::string text) {
    rows_.back().default_from = std::move(fn);
    rows_.back().doc.default_text = std::move(text);
    return *this;
  }

  /// Reads every row into `p`, whose values are the defaults of absent keys.
  void read(ConfigSection& s, P& p, const ParamContext& ctx = {}) const {
    for (const auto& r : rows_)
      if (!r.doc.alias.empty()) s.add_alias(r.doc.key, r.doc.alias);
    for (const auto& r : rows_) {
      if (r.default_from && !s.has(r.doc.key)) r.default_from(p);
      if (r.read) r.read(s, p, ctx);
    }
    for (const auto& r : rows_) s.annotate(r.doc.key, param_detail::comment_of(r.doc));
  }

  std::vector<ParamDoc> describe(const ParamContext& ctx = {}) const override {
    const P defaults{};
    std::vector<ParamDoc> out;
    for (const auto& r : rows_) {
      ParamDoc d = r.doc;
      if (d.default_text.empty() && r.default_text) d.default_text = r.default_text(defaults, ctx);
      out.push_back(std::move(d));
    }
    return out;
  }

 private:
  struct Row {
    ParamDoc doc;
    Reader read;
    DefaultText default_text;
    std::function<void(P&)> default_from;
  };

  static std::string one_of(const std::vector<std::string>& choices) {
    std::string out;
    for (const auto& c : choices) out += (out.empty() ? "" : ", ") + param_detail::quote(c);
    return out;
  }

  ParamTable& add(ParamDoc doc, Reader read, DefaultText default_text) {
    rows_.push_back(Row{std::move(doc), std::move(read), std::move(default_text), nullptr});
    return *this;
  }

  std::string section_, summary_;
  std::vector<Row> rows_;
};

}  // namespace qp
