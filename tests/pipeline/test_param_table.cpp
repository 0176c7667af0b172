// The parameter table (pipeline/param_table.hpp): one row per key drives
// parsing with defaults, ranges, aliases, lengths in seconds kept in grid
// steps, the commented effective config and the docs' rows.
#include "pipeline/param_table.hpp"

#include <gtest/gtest.h>

#include "pipeline/config.hpp"

using namespace qp;

namespace {

enum class Shape { kRound, kSquare };

struct DemoParams {
  double window_s = 6.0;
  int min_channels = 3;
  bool enabled = false;
  std::string agency = "XX";
  Shape shape = Shape::kRound;
  std::int64_t gap = 10;  // grid steps
  int threshold = 6;
  int derived = 6;
};

const ParamTable<DemoParams>& demo_table() {
  using P = DemoParams;
  static const auto t = ParamTable<P>("match", "A section for the tests (a name Config knows).")
                            .number("window_s", &P::window_s, {0.1, 600}, "s", "Window length.")
                            .integer("min_channels", &P::min_channels, {1, 65535}, "", "Channels needed.", "nchan")
                            .flag("enabled", &P::enabled, "Run it.")
                            .text("agency", &P::agency, {}, "Agency id.")
                            .choice("shape", &P::shape, {{"round", Shape::kRound}, {"square", Shape::kSquare}},
                                    "Shape.")
                            .steps("gap_s", &P::gap, {0, 1000}, "Largest gap.", "dgap")
                            .integer("threshold", &P::threshold, {1, 100}, "votes", "Votes needed.")
                            .integer("derived", &P::derived, {1, 100}, "votes", "Defaults to threshold.")
                            .default_from([](P& p) { p.derived = p.threshold; }, "threshold");
  return t;
}

Config parse(const std::string& body) {
  return Config::from_string(
      "[[stations]]\nnetwork = \"Z7\"\nstation = \"LIND\"\nchannels = [\"HHZ\"]\nfiles = [\"x\"]\n\n[match]\n" + body,
      "/tmp/demo.toml");
}

// Reads [match] with a grid step of 0.5 s; returns the params and the section's effective text.
DemoParams read(Config& c, std::string* text = nullptr) {
  DemoParams p;
  demo_table().read(c.section("match"), p, ParamContext{0.5});
  if (text) *text = c.effective_text(true);
  return p;
}

std::string error_of(const std::string& body) {
  try {
    Config c = parse(body);
    read(c);
    c.reject_unknown();
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(ParamTable, DefaultsComeFromTheStructAndValuesFromTheFile) {
  Config c = parse("window_s = 4\nshape = \"square\"\ngap_s = 7.5\nthreshold = 9\n");
  std::string text;
  const DemoParams p = read(c, &text);
  EXPECT_DOUBLE_EQ(p.window_s, 4.0);
  EXPECT_EQ(p.min_channels, 3);
  EXPECT_EQ(p.shape, Shape::kSquare);
  EXPECT_EQ(p.gap, 15);       // 7.5 s / 0.5 s
  EXPECT_EQ(p.derived, 9);    // default_from: the threshold read before it
  // Effective config: table order, lengths in seconds, each key's meaning above it.
  EXPECT_NE(text.find("[match]\n# Window length.\nwindow_s = 4.0\n# Channels needed. (also read as nchan)\nmin_channels = 3\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# Largest gap. (also read as dgap, in fingerprint grid steps)\ngap_s = 7.5\n"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# Votes needed. [votes]\nthreshold = 9\n"), std::string::npos) << text;
  // Comments are not part of the hash.
  EXPECT_EQ(c.effective_text(false).find('#'), c.effective_text(false).find("# start"));
}

TEST(ParamTable, AliasesReadTheOldNamesAndRefuseBoth) {
  Config c = parse("nchan = 5\ndgap = 12\n");
  std::string text;
  const DemoParams p = read(c, &text);
  c.reject_unknown();  // the aliases are known keys
  EXPECT_EQ(p.min_channels, 5);
  EXPECT_EQ(p.gap, 12);  // the alias counts grid steps
  EXPECT_NE(text.find("min_channels = 5\n"), std::string::npos) << text;
  EXPECT_NE(text.find("gap_s = 6.0\n"), std::string::npos) << text;  // printed under the new name, in seconds
  EXPECT_EQ(text.find("dgap"), text.find("dgap, in fingerprint"));    // only in the comment

  const std::string both = error_of("min_channels = 4\nnchan = 5\n");
  EXPECT_NE(both.find("'match.min_channels' (line 8)"), std::string::npos) << both;
  EXPECT_NE(both.find("given twice: as 'min_channels' (line 8) and as its alias 'nchan' (line 9)"),
            std::string::npos)
      << both;
  EXPECT_NE(error_of("gap_s = 1.0\ndgap = 2\n").find("given twice"), std::string::npos);
}

TEST(ParamTable, ErrorsNameTheKeyAsWrittenAndTheCause) {
  const std::string range = error_of("nchan = 0\n");
  EXPECT_NE(range.find("'match.nchan' (line 8)"), std::string::npos) << range;
  EXPECT_NE(range.find("out of range [1, 65535]"), std::string::npos) << range;
  const std::string steps = error_of("gap_s = 0.7\n");
  EXPECT_NE(steps.find("'match.gap_s' (line 8)"), std::string::npos) << steps;
  EXPECT_NE(steps.find("0.7 s is not a whole number of fingerprint grid steps (dt_fp = 0.5 s): use 0.5 or 1.0"),
            std::string::npos)
      << steps;
  EXPECT_NE(error_of("gap_s = 600.0\n").find("out of range [0.0, 500.0]"), std::string::npos);
  EXPECT_NE(error_of("shape = \"oval\"\n").find("\"oval\" is not one of \"round\", \"square\""), std::string::npos);
  EXPECT_NE(error_of("enabled = 1\n").find("expected true or false"), std::string::npos);
  EXPECT_NE(error_of("windw_s = 1.0\n").find("unknown key"), std::string::npos);
}

TEST(ParamTable, DescribeGivesTheDocsRows) {
  const auto rows = demo_table().describe(ParamContext{2.0});
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(rows[0].key, "window_s");
  EXPECT_EQ(rows[0].default_text, "6.0");
  EXPECT_EQ(rows[0].range, "[0.1, 600.0]");
  EXPECT_EQ(rows[1].alias, "nchan");
  EXPECT_EQ(rows[3].default_text, "\"XX\"");
  EXPECT_EQ(rows[4].range, "\"round\", \"square\"");
  EXPECT_EQ(rows[5].default_text, "20.0 (10 x dt_fp)");
  EXPECT_TRUE(rows[5].alias_in_steps);
  EXPECT_EQ(rows[7].default_text, "threshold");
}
