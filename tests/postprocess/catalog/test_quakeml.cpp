#include <gtest/gtest.h>

#include <cstdlib>

#include "pipeline/error.hpp"
#include "postprocess/catalog/quakeml.hpp"
#include "tests/postprocess/catalog/sample_events.hpp"
#include "tests/support/test_support.hpp"

using namespace qp::catalog;
namespace fs = std::filesystem;

namespace {

QuakeMLOptions options() {
  QuakeMLOptions o;
  o.software_version = "0.1.0 (test)";
  o.creation_time = test::sample_creation_time();
  return o;
}

// Runs xmllint against the QuakeML 1.2 schema; returns its exit status and output.
int validate(const fs::path& xml, std::string& output) {
  const fs::path schema = qp::test::shared_dir() / "schemas" / "QuakeML-1.2.xsd";
  const fs::path log = xml.string() + ".xmllint.log";
  const std::string cmd = "xmllint --noout --schema '" + schema.string() + "' '" + xml.string() +
                          "' > '" + log.string() + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  output = qp::test::read_file(log);
  return rc;
}

bool have_xmllint() { return std::system("command -v xmllint > /dev/null 2>&1") == 0; }

}  // namespace

TEST(QuakeML, GoldenWithAndWithoutOrigins) {
  const auto dir = qp::test::temp_dir();
  const auto path = dir / "catalog.xml";
  write_quakeml(path.string(), test::sample_events(), options());
  const std::string text = qp::test::read_file(path);
  test::expect_matches_golden(text, "catalog.xml");
  // Depth in metres, ids without raw colons after "smi:".
  EXPECT_NE(text.find("<depth><value>6000.0</value><uncertainty>1500.0</uncertainty></depth>"),
            std::string::npos);
  EXPECT_NE(text.find("publicID=\"smi:local/quakeprint/event/qp20140824T000312.35-2\""),
            std::string::npos);
  EXPECT_EQ(text.find("<origin publicID=\"smi:local/quakeprint/origin/qp20140824T000312.35\""),
            std::string::npos);  // the unlocated detection has no origin
}

TEST(QuakeML, ValidatesAgainstSchema) {
  QP_REQUIRE_SHARED();
  if (!have_xmllint()) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
  const auto dir = qp::test::temp_dir();
  auto events = test::sample_events();

  const auto located = dir / "with-origins.xml";
  write_quakeml(located.string(), events, options());
  std::string log;
  EXPECT_EQ(validate(located, log), 0) << log;

  for (auto& e : events) e.origin_time.reset();
  const auto unlocated = dir / "without-origins.xml";
  write_quakeml(unlocated.string(), events, options());
  EXPECT_EQ(qp::test::read_file(unlocated).find("<origin"), std::string::npos);
  EXPECT_EQ(validate(unlocated, log), 0) << log;

  const auto empty = dir / "empty.xml";
  write_quakeml(empty.string(), {}, options());
  EXPECT_EQ(validate(empty, log), 0) << log;
}

TEST(QuakeML, SchemaCatchesABrokenDocument) {
  // The validation above means something only if xmllint rejects bad ids.
  QP_REQUIRE_SHARED();
  if (!have_xmllint()) GTEST_SKIP() << "xmllint (libxml2-utils) is not installed";
  const auto dir = qp::test::temp_dir();
  const auto path = dir / "bad.xml";
  write_quakeml(path.string(), test::sample_events(), options());
  std::string text = qp::test::read_file(path);
  const auto pos = text.find("smi:local/quakeprint/event/");
  text.replace(pos, 4, "bad:");
  std::ofstream(path, std::ios::binary) << text;
  std::string log;
  EXPECT_NE(validate(path, log), 0);
}

TEST(QuakeML, BadAuthorityIsAConfigError) {
  auto o = options();
  o.authority = "a:b";
  const auto dir = qp::test::temp_dir();
  EXPECT_THROW(write_quakeml((dir / "x.xml").string(), {}, o), qp::ConfigError);
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(QuakeML, AbandonedWriterLeavesNothing) {
  const auto dir = qp::test::temp_dir();
  {
    QuakeMLWriter w((dir / "x.xml").string(), options());
    w.write(test::sample_events()[0]);
  }
  EXPECT_TRUE(fs::is_empty(dir));
}
