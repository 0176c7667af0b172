// Template selection (clear onsets, score, family cap, P on verticals and S
// on horizontals), cutting windows from data, and one detection per event
// over several templates.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <string>

#include <unistd.h>

#include <sstream>

#include "match/detection_list.hpp"
#include "match/match_params.hpp"
#include "match/prepared_template.hpp"
#include "match/template_selection.hpp"
#include "pipeline/config.hpp"

namespace qp::match {
namespace {

constexpr TimeNs kS = 1'000'000'000;

EventPicks event(const std::string& id, const std::string& family, double score,
                 std::vector<EventPicks::Pick> picks) {
  return {id, family, score, picks.front().time, std::nullopt, std::move(picks)};
}

const std::vector<std::string> kChannels = {"XX.A..HHE", "XX.A..HHN", "XX.A..HHZ", "XX.B..HHZ",
                                            "XX.C..HHZ", "XX.C..HH1"};

TEST(TemplateSelection, ClearOnsetsScoreAndFamilyCap) {
  MatchParams p;
  p.min_clear_onsets = 2;
  p.max_per_family = 1;
  p.min_score = 1.0;
  p.seconds_before_pick = 0.5;
  p.located_only = false;
  const std::vector<EventPicks> events = {
      // 3 clear stations, family F1.
      event("e1", "F1", 5, {{"XX.A..HHZ", "P", 100 * kS + 30'000'000, 0.1},
                            {"XX.A..HHZ", "S", 102 * kS, 0.2},
                            {"XX.B..HHZ", "P", 101 * kS, 0.1},
                            {"XX.C..HHZ", "P", 101 * kS, 0.3}}),
      // Same family, fewer clear onsets: over the cap.
      event("e2", "F1", 9, {{"XX.A..HHZ", "P", 200 * kS, 0.1}, {"XX.B..HHZ", "P", 201 * kS, 0.1}}),
      // Only one clear onset (the other is an estimate, uncertainty >= 1 s).
      event("e3", "", 9, {{"XX.A..HHZ", "P", 300 * kS, 0.1}, {"XX.B..HHZ", "P", 301 * kS, 1.0}}),
      // Score too low.
      event("e4", "", 0.5, {{"XX.A..HHZ", "P", 400 * kS, 0.1}, {"XX.B..HHZ", "P", 401 * kS, 0.1}}),
      // No family: kept.
      event("e5", "", 2, {{"XX.B..HHZ", "P", 500 * kS, 0.1}, {"XX.C..HHZ", "S", 501 * kS, 0.1}}),
  };
  const auto t = select_templates(events, kChannels, 25.0, p);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].template_id, "e1");
  EXPECT_EQ(t[1].template_id, "e5");
  // e1: P on A, B, C verticals; S on A's two horizontals. Window start
  // 0.5 s before the pick, rounded down to the 40 ms grid.
  ASSERT_EQ(t[0].windows.size(), 5u);
  EXPECT_EQ(t[0].windows[0].seed_id, "XX.A..HHZ");
  EXPECT_EQ(t[0].windows[0].start, 99 * kS + 520'000'000);
  EXPECT_EQ(t[0].first_arrival, 100 * kS + 30'000'000);
  int horizontals = 0;
  for (const auto& w : t[0].windows) horizontals += w.phase == "S";
  EXPECT_EQ(horizontals, 2);
  // e5: B's P, and C's S on its horizontal "1".
  ASSERT_EQ(t[1].windows.size(), 2u);
  EXPECT_EQ(t[1].windows[1].seed_id, "XX.C..HH1");
  EXPECT_EQ(channel_orientation("XX.C..HH2"), 'H');
  // Located events only: e5 located, e1 not.
  p.located_only = true;
  auto located = events;
  located[4].origin_time = 499 * kS;
  const auto only = select_templates(located, kChannels, 25.0, p);
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].template_id, "e5");
  EXPECT_EQ(channel_orientation("XX.C..LDO"), 0);
}

// A one-station network: its defaults ask for one station's clear onset and
// one channel, and no location (none is possible); keys the user sets win,
// and a network of three or more keeps the network defaults.
TEST(MatchParams, DefaultsFitASmallNetwork) {
  ConfigSection none("match", nullptr);
  const MatchParams one = MatchParams::from_config(none, 1);
  EXPECT_EQ(one.min_clear_onsets, 1);
  EXPECT_EQ(one.min_channels, 1);
  EXPECT_FALSE(one.located_only);
  EXPECT_TRUE(one.enabled);  // one or two stations: matching on unless the config says otherwise
  const MatchParams two = MatchParams::from_config(none, 2);
  EXPECT_EQ(two.min_clear_onsets, 2);
  EXPECT_EQ(two.min_channels, 2);
  EXPECT_FALSE(two.located_only);
  EXPECT_TRUE(two.enabled);
  const MatchParams four = MatchParams::from_config(none, 4);
  EXPECT_EQ(four.min_clear_onsets, 3);
  EXPECT_EQ(four.min_channels, 3);
  EXPECT_TRUE(four.located_only);
  EXPECT_FALSE(four.enabled);
  std::istringstream in("[match]\nmin_channels = 2\nlocated_only = true\nenabled = false\n");
  const toml::value doc = toml::parse(in, "test.toml");
  ConfigSection set("match", &doc.at("match"));
  const MatchParams user = MatchParams::from_config(set, 1);
  EXPECT_EQ(user.min_channels, 2);
  EXPECT_TRUE(user.located_only);
  EXPECT_FALSE(user.enabled);
  EXPECT_EQ(user.min_clear_onsets, 1);
}

// One station's events become templates from their clear onsets: a
// one-component station's P gives one window, a three-component station's
// P and S three (P on the vertical, S on both horizontals); an event whose
// only pick is an estimate gives none (it is roughly timed: templates
// confirm it).
TEST(TemplateSelection, OneStationEventsMakeTemplates) {
  ConfigSection none("match", nullptr);
  const MatchParams p = MatchParams::from_config(none, 1);
  const std::vector<EventPicks> events = {
      event("e1", "F1", 5, {{"XX.A..HHZ", "P", 100 * kS, 0.1}, {"XX.A..HHE", "S", 103 * kS, 0.2}}),
      event("e2", "F1", 5, {{"XX.A..HHZ", "P", 200 * kS, 0.1}}),
      event("e3", "F1", 5, {{"XX.A..HHZ", "P", 300 * kS, 1.0}}),
  };
  const std::vector<std::string> three = {"XX.A..HHE", "XX.A..HHN", "XX.A..HHZ"};
  const auto t = select_templates(events, three, 25.0, p);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].template_id, "e1");
  EXPECT_EQ(t[0].windows.size(), 3u);
  EXPECT_EQ(t[1].template_id, "e2");
  EXPECT_EQ(t[1].windows.size(), 1u);
  const auto one = select_templates(events, {"XX.A..HHZ"}, 25.0, p);
  ASSERT_EQ(one.size(), 2u);
  EXPECT_EQ(one[0].windows.size(), 1u);
  EXPECT_EQ(one[0].windows[0].seed_id, "XX.A..HHZ");
  // The network defaults (3 stations, located only) take none of them.
  EXPECT_TRUE(select_templates(events, three, 25.0, MatchParams{}).empty());
}

// A one-station template whose P window holds the S has that S-P as its
// phase lag; one whose S lies past its window, or at another station, or a
// template of two stations, has none.
TEST(TemplateSelection, OneStationPhaseLag) {
  ConfigSection none("match", nullptr);
  const MatchParams p = MatchParams::from_config(none, 1);  // 6 s windows from 0.5 s before the pick
  const std::vector<EventPicks> events = {
      event("e1", "F1", 5, {{"XX.A..HHZ", "P", 100 * kS, 0.1}, {"XX.A..HHZ", "S", 102 * kS + kS / 4, 0.1}}),
      event("e2", "F1", 5, {{"XX.A..HHZ", "P", 200 * kS, 0.1}, {"XX.A..HHZ", "S", 206 * kS, 0.1}}),
      event("e3", "F1", 5, {{"XX.A..HHZ", "P", 300 * kS, 0.1}, {"XX.A..HHZ", "S", 302 * kS, 1.5}}),
      event("e4", "F1", 5, {{"XX.A..HHZ", "P", 400 * kS, 0.1}, {"XX.B..HHZ", "S", 402 * kS, 0.1}}),
  };
  const auto one = select_templates(events, {"XX.A..HHZ"}, 25.0, p);
  ASSERT_EQ(one.size(), 4u);
  EXPECT_EQ(one_station_phase_lag(one[0], events[0]), 2 * kS + kS / 4);
  EXPECT_FALSE(one_station_phase_lag(one[1], events[1]).has_value());  // S 6 s after P: past the window
  EXPECT_FALSE(one_station_phase_lag(one[2], events[2]).has_value());  // an estimated S
  EXPECT_FALSE(one_station_phase_lag(one[3], events[3]).has_value());  // S at another station
  const MatchParams two = MatchParams::from_config(none, 2);
  const auto both = select_templates({event("e5", "F1", 5, {{"XX.A..HHZ", "P", 500 * kS, 0.1},
                                                              {"XX.A..HHZ", "S", 502 * kS, 0.1},
                                                              {"XX.B..HHZ", "P", 501 * kS, 0.1},
                                                              {"XX.B..HHZ", "S", 504 * kS, 0.1}})},
                                     {"XX.A..HHZ", "XX.B..HHZ"}, 25.0, two);
  ASSERT_EQ(both.size(), 1u);
  ASSERT_EQ(both[0].windows.size(), 2u);
  EXPECT_FALSE(one_station_phase_lag(both[0], events[0]).has_value());
}

// A swarm: e2's arrivals follow e1's by 3.2 s at A and 1.0 s at B. e1's
// windows must not hold them (such a template detects every member of the
// family 3.2 s early): A's ends 0.5 s before e2's P there, B's (under
// min_window_seconds left) is dropped; C, where e2 has no arrival, keeps its
// full length; e2's own windows are untouched.
TEST(TemplateSelection, WindowsEndBeforeAnotherEventsArrivals) {
  MatchParams p;
  p.min_clear_onsets = 1;
  p.located_only = false;
  p.seconds_before_pick = 0.5;
  p.window_seconds = 6.0;
  p.min_window_seconds = 2.0;
  const std::vector<EventPicks> events = {
      event("e1", "F1", 5, {{"XX.A..HHZ", "P", 100 * kS, 0.1},
                            {"XX.B..HHZ", "P", 101 * kS, 0.1},
                            {"XX.C..HHZ", "P", 102 * kS, 0.1}}),
      event("e2", "F1", 5, {{"XX.A..HHZ", "P", 103 * kS + 200'000'000, 0.1},
                            {"XX.B..HHZ", "P", 102 * kS, 1.5}}),  // an estimate: a predicted arrival
  };
  const auto t = select_templates(events, kChannels, 25.0, p);
  ASSERT_EQ(t.size(), 2u);
  ASSERT_EQ(t[0].template_id, "e1");
  ASSERT_EQ(t[0].windows.size(), 2u);
  EXPECT_EQ(t[0].windows[0].seed_id, "XX.A..HHZ");
  EXPECT_EQ(t[0].windows[0].start, 99 * kS + 480'000'000);  // 99.5 s down to the 40 ms grid
  EXPECT_EQ(t[0].windows[0].end, 102 * kS + 680'000'000);    // 102.7 s down to the grid
  EXPECT_EQ(t[0].windows[1].seed_id, "XX.C..HHZ");
  EXPECT_EQ(t[0].windows[1].end, t[0].windows[1].start + 6 * kS);
  ASSERT_EQ(t[1].windows.size(), 1u);  // e2: only A is clear; nothing of e1 after it
  EXPECT_EQ(t[1].windows[0].end, t[1].windows[0].start + 6 * kS);
  // The cut window is cut from the data that long.
  const ChannelLoader load = [](const std::string& sid, TimeNs, TimeNs) {
    SpanChannel c;
    c.seed_id = sid;
    c.start = 0;
    c.samples.resize(25 * 200);
    c.mask.assign(c.samples.size(), 1);
    for (std::size_t i = 0; i < c.samples.size(); ++i) c.samples[i] = static_cast<float>(std::sin(0.3 * i));
    return c;
  };
  const auto prepared = prepare_template(t[0], load, 25.0, p.window_seconds, 2);
  ASSERT_TRUE(prepared.has_value());
  ASSERT_EQ(prepared->channels.size(), 2u);
  EXPECT_EQ(prepared->channels[0].size(), 80u);   // 3.2 s at 25 Hz
  EXPECT_EQ(prepared->channels[1].size(), 150u);  // 6 s
}

// Two stations with a clear P and a clear S make an unlocated event a
// template when they agree with one source: the P difference is 1-2x the
// S-P difference (vp/vs 1.5-2).
TEST(TemplateSelection, TwoStationsWithPAndSThatAgreeMakeATemplate) {
  MatchParams p;  // defaults: 3 clear stations, located only, or 2 two-phase stations
  auto pick = [](const char* sid, const char* phase, double s) {
    return EventPicks::Pick{sid, phase, static_cast<TimeNs>(s * 1e9), 0.05};
  };
  const std::vector<EventPicks> events = {
      // S-P 2.0 and 4.0 s, P 2.7 s apart (vp/vs 1.74): one source.
      event("e1", "F1", 5, {pick("XX.A..HHZ", "P", 100.0), pick("XX.A..HHE", "S", 102.0),
                            pick("XX.C..HHZ", "P", 102.7), pick("XX.C..HH1", "S", 106.7),
                            pick("XX.B..HHZ", "P", 101.0)}),
      // The same S-P times but P 6 s apart: two events' picks.
      event("e2", "F1", 5, {pick("XX.A..HHZ", "P", 200.0), pick("XX.A..HHE", "S", 202.0),
                            pick("XX.C..HHZ", "P", 206.0), pick("XX.C..HH1", "S", 210.0)}),
      // One two-phase station only.
      event("e3", "F1", 5, {pick("XX.A..HHZ", "P", 300.0), pick("XX.A..HHE", "S", 302.0),
                            pick("XX.C..HHZ", "P", 301.0)}),
  };
  const auto t = select_templates(events, kChannels, 25.0, p);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].template_id, "e1");
  EXPECT_EQ(t[0].windows.size(), 6u);  // P on A, B, C; S on A's E and N, C's 1
  p.min_two_phase_stations = 0;
  EXPECT_TRUE(select_templates(events, kChannels, 25.0, p).empty());
}

TEST(PrepareTemplate, DropsWindowsTouchingMaskedDataAndSetsOffsets) {
  TemplateSpec spec;
  spec.template_id = "e1";
  spec.windows = {{"XX.A..HHZ", "P", 10 * kS}, {"XX.B..HHZ", "P", 11 * kS}, {"XX.C..HHZ", "P", 12 * kS}};
  const ChannelLoader load = [](const std::string& sid, TimeNs, TimeNs) {
    SpanChannel c;
    c.seed_id = sid;
    c.start = 0;
    c.samples.resize(1000);
    c.mask.assign(1000, 1);
    for (std::size_t i = 0; i < c.samples.size(); ++i) c.samples[i] = static_cast<float>(std::sin(0.3 * i));
    if (sid == "XX.C..HHZ") c.mask[12 * 25 + 10] = 0;  // inside C's window
    return c;
  };
  const auto t = prepare_template(spec, load, 25.0, 2.0, 2);
  ASSERT_TRUE(t.has_value());
  ASSERT_EQ(t->seed_ids.size(), 2u);
  EXPECT_EQ(t->seed_ids[1], "XX.B..HHZ");
  EXPECT_EQ(t->reference, 10 * kS);
  EXPECT_EQ(t->offsets[1], 25);
  EXPECT_EQ(t->window_samples(), 50u);
  EXPECT_EQ(t->extent(), 75);
  EXPECT_FALSE(prepare_template(spec, load, 25.0, 2.0, 3).has_value());
}

TEST(DetectionList, BestTemplateWinsPerEvent) {
  std::vector<NetworkDetection> d = {
      {100 * kS, std::nullopt, "t2", 0.5, 12, -0.3, 4, ""},
      {101 * kS, std::nullopt, "t1", 0.7, 15, -0.2, 5, ""},  // same event, higher cc
      {107 * kS, std::nullopt, "t1", 0.4, 10, 0.1, 3, ""},   // 6 s later: another event
      {200 * kS, std::nullopt, "t3", 0.4, 10, NAN, 3, ""},
  };
  const auto kept = best_per_event(d, {5 * kS, 0, 0});
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].template_id, "t1");
  EXPECT_EQ(kept[0].first_arrival, 101 * kS);
  EXPECT_EQ(kept[1].first_arrival, 107 * kS);
  EXPECT_EQ(kept[2].template_id, "t3");
  // detections.csv round trip (what export merges into the catalog).
  const auto path = std::filesystem::temp_directory_path() / ("qp_detections_" + std::to_string(::getpid()) + ".csv");
  write_detections_csv(path, kept);
  const auto read = read_detections_csv(path);
  std::filesystem::remove(path);
  ASSERT_EQ(read.size(), kept.size());
  EXPECT_EQ(read[0].first_arrival, kept[0].first_arrival);
  EXPECT_EQ(read[0].template_id, "t1");
  EXPECT_DOUBLE_EQ(read[0].cc, 0.7);
  EXPECT_DOUBLE_EQ(read[0].relative_magnitude, -0.2);
  EXPECT_EQ(read[0].channels, 5u);
  EXPECT_TRUE(std::isnan(read[2].relative_magnitude));
  std::reverse(d.begin(), d.end());
  const auto again = best_per_event(d, {5 * kS, 0, 0});
  ASSERT_EQ(again.size(), kept.size());
  for (std::size_t i = 0; i < kept.size(); ++i) EXPECT_EQ(again[i].template_id, kept[i].template_id);
}

// A dense swarm: events 3 s apart are two events when three templates
// agree on each; a template's detection 1.9 s before a better one (a
// template holding two events, timed by the weaker one's onset), with one
// other such template agreeing, is that better one's event.
TEST(DetectionList, CloseEventsNeedAgreeingTemplates) {
  const TimeNs ms = kS / 1000;
  std::vector<NetworkDetection> d = {
      {100 * kS, std::nullopt, "a", 0.9, 15, 0, 1, ""},
      {100 * kS + 40 * ms, std::nullopt, "b", 0.8, 13, 0, 1, ""},
      {99 * kS + 950 * ms, std::nullopt, "c", 0.5, 9, 0, 1, ""},
      {103 * kS, std::nullopt, "a", 0.7, 12, 0, 1, ""},  // another event, 3 s later: a, b, c agree
      {103 * kS + 80 * ms, std::nullopt, "c", 0.6, 10, 0, 1, ""},
      {102 * kS + 900 * ms, std::nullopt, "b", 0.5, 9, 0, 1, ""},
      {98 * kS + 100 * ms, std::nullopt, "x", 0.75, 12, 0, 1, ""},  // x and y, 1.9 s before the first
      {98 * kS + 150 * ms, std::nullopt, "y", 0.7, 12, 0, 1, ""},
      {107 * kS + 500 * ms, std::nullopt, "x", 0.65, 10, 0, 1, ""},  // x alone, 4.5 s after the second
      {150 * kS, std::nullopt, "x", 0.6, 10, 0, 1, ""},              // x alone, far from the others
  };
  const EventSpacing spacing{2 * kS, 6 * kS, 200 * ms};
  const auto kept = best_per_event(d, spacing);
  ASSERT_EQ(kept.size(), 3u);
  EXPECT_EQ(kept[0].first_arrival, 100 * kS);
  EXPECT_EQ(kept[0].template_id, "a");
  EXPECT_EQ(kept[1].first_arrival, 103 * kS);
  EXPECT_EQ(kept[1].template_id, "a");
  EXPECT_EQ(kept[2].first_arrival, 150 * kS);
  // With one template fewer at 103 s, that event is x's kind: dropped.
  std::vector<NetworkDetection> fewer = d;
  fewer.erase(fewer.begin() + 5);
  for (const auto& k : best_per_event(fewer, spacing))
    EXPECT_FALSE(k.first_arrival > 101 * kS && k.first_arrival < 104 * kS) << k.template_id;
  // Detections that three templates agree on come first: a better one that
  // fewer see, 0.5 s away, is the same event, and the time is theirs.
  d.push_back({100 * kS + 500 * ms, std::nullopt, "z", 0.95, 16, 0, 1, ""});
  const auto again = best_per_event(d, spacing);
  ASSERT_EQ(again.size(), 3u);
  EXPECT_EQ(again[0].template_id, "a");
  EXPECT_EQ(again[0].first_arrival, 100 * kS);
  // Without a template window, a detection more than 2 s from a better one
  // is an event of its own (x at 107.5 s).
  const auto plain = best_per_event(d, {2 * kS, 0, 200 * ms});
  ASSERT_EQ(plain.size(), 4u);
  EXPECT_EQ(plain[2].first_arrival, 107 * kS + 500 * ms);
  // The same answer in any input order.
  std::reverse(d.begin(), d.end());
  const auto reversed = best_per_event(d, spacing);
  ASSERT_EQ(reversed.size(), again.size());
  for (std::size_t i = 0; i < again.size(); ++i) {
    EXPECT_EQ(reversed[i].first_arrival, again[i].first_arrival);
    EXPECT_EQ(reversed[i].template_id, again[i].template_id);
  }
}

// One station, templates holding P and S 2.05 s apart: at that lag after an
// event (their P on its S) or before it (their S on its P) they correlate
// weakly, and three agree there. That is the event's other phase, not an
// event; a real event at another time that three templates agree on stays.
TEST(DetectionList, PhaseLagOfABetterDetectionIsNotAnEvent) {
  const TimeNs ms = kS / 1000;
  const TimeNs lag = 2 * kS + 50 * ms;
  std::vector<NetworkDetection> d = {
      {100 * kS, std::nullopt, "a", 0.9, 15, 0, 1, ""},
      {100 * kS + 40 * ms, std::nullopt, "b", 0.8, 13, 0, 1, ""},
      {100 * kS - 30 * ms, std::nullopt, "c", 0.7, 12, 0, 1, ""},
      {100 * kS + lag, std::nullopt, "x", 0.35, 9.5, 0, 1, ""},  // P on the event's S
      {100 * kS + lag + 60 * ms, std::nullopt, "y", 0.33, 9.2, 0, 1, ""},
      {100 * kS + lag - 50 * ms, std::nullopt, "z", 0.31, 9.1, 0, 1, ""},
      {100 * kS - lag, std::nullopt, "u", 0.34, 9.4, 0, 1, ""},  // S on the event's P
      {100 * kS - lag + 30 * ms, std::nullopt, "v", 0.32, 9.2, 0, 1, ""},
      {100 * kS - lag - 70 * ms, std::nullopt, "w", 0.30, 9.0, 0, 1, ""},
      {104 * kS, std::nullopt, "x", 0.6, 11, 0, 1, ""},  // another event, 4 s later
      {104 * kS + 20 * ms, std::nullopt, "y", 0.55, 10, 0, 1, ""},
      {104 * kS - 40 * ms, std::nullopt, "z", 0.5, 10, 0, 1, ""},
  };
  EventSpacing spacing{2 * kS, 6 * kS, 200 * ms};
  // Without the lags, both phase lags pass for events.
  const auto plain = best_per_event(d, spacing);
  ASSERT_EQ(plain.size(), 4u);
  for (const std::string id : {"a", "b", "c", "x", "y", "z", "u", "v", "w"}) spacing.phase_lag[id] = lag;
  const auto kept = best_per_event(d, spacing);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0].template_id, "a");
  EXPECT_EQ(kept[0].first_arrival, 100 * kS);
  EXPECT_EQ(kept[1].template_id, "x");
  EXPECT_EQ(kept[1].first_arrival, 104 * kS);
  // A lag of other templates (here 3 s) changes nothing.
  for (auto& [id, l] : spacing.phase_lag) l = 3 * kS;
  EXPECT_EQ(best_per_event(d, spacing).size(), 4u);
}

}  // namespace
}  // namespace qp::match
