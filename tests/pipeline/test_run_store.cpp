#include "pipeline/run_store.hpp"

#include <gtest/gtest.h>

#include "pipeline/atomic_file.hpp"
#include "pipeline/hdf5_file.hpp"
#include "pipeline/unit_format.hpp"
#include "tests/support/test_support.hpp"

using namespace qp;
namespace fs = std::filesystem;

namespace {
Config make_config(const fs::path& dir) {
  return Config::from_string(R"([run]
directory = "run"
[[stations]]
network = "XX"
station = "AB"
channels = ["HHZ"]
files = ["*.mseed"]
)", dir / "c.toml");
}
}  // namespace

TEST(Hdf5, RoundTripsDatasetsAndAttributes) {
  const auto dir = test::temp_dir();
  {
    h5::File f = h5::File::create(dir / "a.h5");
    auto g = f.create_group("XX.AB..HHZ");
    g.write<float>("samples", {1.5f, -2.f, 3.f});
    g.write<std::uint64_t>("bits", {1, 2, 3, 4, 5, 6}, 3);
    g.set_attr("rate_hz", 25.0);
    g.set_attr("start_ns", std::int64_t{1408838460000000000});
    g.set_attr("seed_id", std::string("XX.AB..HHZ"));
    f.close();
  }
  h5::File f = h5::File::open_read(dir / "a.h5");
  auto g = f.open_group("XX.AB..HHZ");
  EXPECT_EQ(g.read<float>("samples"), (std::vector<float>{1.5f, -2.f, 3.f}));
  EXPECT_EQ(g.shape("bits"), (std::pair<std::size_t, std::size_t>{2, 3}));
  EXPECT_EQ(g.read<std::uint64_t>("bits")[5], 6u);
  EXPECT_DOUBLE_EQ(g.attr_double("rate_hz"), 25.0);
  EXPECT_EQ(g.attr_int("start_ns"), 1408838460000000000);
  EXPECT_EQ(g.attr_string("seed_id"), "XX.AB..HHZ");
  EXPECT_EQ(f.children(), std::vector<std::string>{"XX.AB..HHZ"});
  EXPECT_THROW(h5::File::open_read(dir / "missing.h5"), InputError);
}

TEST(Hdf5, SameContentGivesIdenticalBytes) {
  const auto dir = test::temp_dir();
  for (const char* name : {"x.h5", "y.h5"}) {
    h5::File f = h5::File::create(dir / name);
    f.create_group("g").write<double>("d", {1, 2, 3});
    f.set_attr("a", std::string("b"));
    f.close();
  }
  EXPECT_EQ(test::read_file(dir / "x.h5"), test::read_file(dir / "y.h5"));
}

TEST(RunStore, AtomicWriteLeavesNothingOnFailure) {
  const auto dir = test::temp_dir();
  Config cfg = make_config(dir);
  RunStore store(cfg);
  store.ensure_run_manifest(cfg.hash());
  const fs::path out = store.unit_path("preprocess", "XX.AB..HHZ", "2014-08-24");
  Provenance prov{"preprocess", "XX.AB..HHZ/2014-08-24", cfg.hash(), "p1", "i1", {"a.mseed 00"}};
  EXPECT_THROW(store.write_h5(out, prov, [](h5::File&) { throw StoreError("injected failure"); }),
               StoreError);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_TRUE(fs::is_empty(out.parent_path()));  // no temporary left either
  // Without a format (a file of an older quakeprint): not current.
  store.write_h5(out, prov, [](h5::File& f) { f.write<float>("x", {1.f}); });
  EXPECT_FALSE(store.is_current(out, "i1", "p1"));
  store.write_h5(out, prov, [](h5::File& f) {
    stamp_unit_format(f, UnitKind::kWaveform);
    f.write<float>("x", {1.f});
  });
  EXPECT_TRUE(store.is_current(out, "i1", "p1"));
  EXPECT_FALSE(store.is_current(out, "i2", "p1"));
  EXPECT_FALSE(store.is_current(out, "i1", "p2"));
  h5::File f = h5::File::open_read(out);
  EXPECT_EQ(f.attr_string("stage"), "preprocess");
  EXPECT_EQ(f.attr_string("config_hash"), cfg.hash());
  EXPECT_FALSE(f.attr_string("git_commit").empty());
  EXPECT_EQ(f.attr_string("run_created"), store.run_created());
}

TEST(RunStore, RunCreationTimeIsWrittenOnce) {
  const auto dir = test::temp_dir();
  Config cfg = make_config(dir);
  RunStore store(cfg);
  const std::string first = store.ensure_run_manifest("h1");
  EXPECT_EQ(first.size(), 20u);  // 2026-11-28T01:02:03Z
  EXPECT_EQ(store.ensure_run_manifest("h2"), first);
}

TEST(RunStore, ManifestRoundTripsSortedByUnit) {
  const auto dir = test::temp_dir();
  Config cfg = make_config(dir);
  RunStore store(cfg);
  UnitRecord b{"XX.AB..HHZ/2014-08-25", "done", "i", "p", 1, 0.5, "preprocess/x.h5", ""};
  UnitRecord a{"XX.AB..HHZ/2014-08-24", "reused", "i", "p", 0, 0, "preprocess/y.h5", "up to date"};
  store.write_manifest("preprocess", {b, a});
  const auto back = store.read_manifest("preprocess");
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].unit, a.unit);
  EXPECT_EQ(back[0].note, "up to date");
  EXPECT_EQ(back[1].rank, 1);
  EXPECT_EQ(back[1].state, "done");
}
