// One catalog from LSH events and matched-filter results: which timing wins
// where both see one event (clear onsets at enough stations, else the
// template's correlation), roughly timed events as candidates, confirmations
// that retime them or show them to be duplicates.
#include <gtest/gtest.h>

#include <algorithm>

#include "match/catalog_merge.hpp"

namespace qp::match {
namespace {

constexpr TimeNs kS = 1'000'000'000LL;
constexpr TimeNs kT0 = 1'700'000'000LL * kS;

catalog::Pick pick(const std::string& sta, const std::string& phase, double at_s, double uncertainty_s) {
  catalog::Pick p;
  p.seed_id = "XX." + sta + "..HHZ";
  p.phase = phase;
  p.time = kT0 + seconds_to_ns(at_s);
  p.uncertainty_s = uncertainty_s;
  return p;
}

catalog::Event event(const std::string& id, std::vector<catalog::Pick> picks) {
  catalog::Event e;
  e.event_id = id;
  e.picks = std::move(picks);
  e.first_arrival = std::min_element(e.picks.begin(), e.picks.end(), [](const auto& a, const auto& b) {
                      return a.time < b.time;
                    })->time;
  e.score = 10;
  return e;
}

// A template event with clear P onsets at four stations, the first at t.
catalog::Event template_event(const std::string& id, double t) {
  return event(id, {pick("S1", "P", t, 0.05), pick("S2", "P", t + 0.5, 0.05), pick("S3", "P", t + 1.0, 0.05),
                    pick("S4", "P", t + 1.5, 0.05)});
}

// A roughly timed event: one clear (noise) onset, estimates elsewhere (6 s).
catalog::Event rough_event(const std::string& id, double t) {
  return event(id, {pick("S1", "P", t, 0.05), pick("S2", "P", t + 1, 6.0), pick("S3", "P", t + 2, 6.0)});
}

NetworkDetection detection(const std::string& tmpl, double first_arrival_s, double cc, const std::string& confirms = "") {
  NetworkDetection d;
  d.template_id = tmpl;
  d.first_arrival = kT0 + seconds_to_ns(first_arrival_s);
  d.cc = cc;
  d.mad_multiple = 8;
  d.relative_magnitude = -1;
  d.channels = 4;
  d.confirms = confirms;
  return d;
}

MatchParams params(int min_clear_onsets = 3) {
  MatchParams p;
  p.min_clear_onsets = min_clear_onsets;
  return p;
}

const catalog::Event* at(const std::vector<catalog::Event>& events, double first_arrival_s) {
  for (const auto& e : events)
    if (e.first_arrival == kT0 + seconds_to_ns(first_arrival_s)) return &e;
  return nullptr;
}

TEST(CatalogMerge, RoughTimingIsFewerClearOnsetStationsThanATemplateNeeds) {
  const EventPicks rough = event_picks(rough_event("r", 100));
  const EventPicks good = event_picks(template_event("g", 100));
  EXPECT_TRUE(roughly_timed(rough, params()));
  EXPECT_FALSE(roughly_timed(good, params()));
  EXPECT_FALSE(roughly_timed(rough, params(1)));
  // Well timed: the window around the first arrival.
  const TimingWindow g = timing_window(good, params(), 2 * kS);
  EXPECT_EQ(g.earliest, kT0 + 98 * kS);
  EXPECT_EQ(g.latest, kT0 + 102 * kS);
  // Rough (clear at 100 s, estimates 101 +- 6 and 102 +- 6): from the window
  // + 6 s before 100 s to the earliest estimate's end (107 s) + the window.
  const auto c = timing_candidates({good, rough}, params(), 2 * kS);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].event_id, "r");
  EXPECT_EQ(c[0].earliest, kT0 + 92 * kS);
  EXPECT_EQ(c[0].latest, kT0 + 109 * kS);
  // Estimates before a noise onset widen the window back; without estimates,
  // the window + the largest uncertainty either side.
  catalog::Event noise_onset = event("e", {pick("S1", "P", 100, 0.05), pick("S2", "P", 95, 6.0)});
  noise_onset.first_arrival = kT0 + 100 * kS;  // the earliest onset, not the earlier estimate
  const EventPicks early = event_picks(noise_onset);
  EXPECT_EQ(timing_window(early, params(), 2 * kS).earliest, kT0 + 87 * kS);
  EXPECT_EQ(timing_window(early, params(), 2 * kS).latest, kT0 + 108 * kS);
  const EventPicks lone = event_picks(event("l", {pick("S1", "P", 100, 0.5), pick("S2", "P", 101, 0.25)}));
  EXPECT_EQ(timing_window(lone, params(), 2 * kS).earliest, kT0 + seconds_to_ns(97.5));
  EXPECT_EQ(timing_window(lone, params(), 2 * kS).latest, kT0 + seconds_to_ns(102.5));
}

TEST(CatalogMerge, ClearPAndSAgreeingWithOneSourceTimeAnEventToo) {
  // Clear P and S at two stations (S-P 1.7 s and 2.1 s, P 0.5 s apart): a
  // template by the two-phase rule, so not roughly timed.
  const EventPicks two = event_picks(event("p", {pick("S1", "P", 100, 0.05), pick("S1", "S", 101.7, 0.05),
                                                 pick("S2", "P", 100.5, 0.05), pick("S2", "S", 102.6, 0.05),
                                                 pick("S3", "P", 101, 6.0)}));
  EXPECT_FALSE(roughly_timed(two, params()));
  MatchParams off = params();
  off.min_two_phase_stations = 0;
  EXPECT_TRUE(roughly_timed(two, off));
  EXPECT_EQ(timing_window(two, off, 2 * kS).latest, kT0 + 109 * kS);
}

TEST(CatalogMerge, BestConfirmationPerEvent) {
  const auto best = best_per_candidate({detection("t2", 10, 0.3, "b"), detection("t1", 20, 0.25, "a"),
                                        detection("t3", 11, 0.4, "b"), detection("t1", 12, 0.4, "b")});
  ASSERT_EQ(best.size(), 2u);
  EXPECT_EQ(best[0].confirms, "a");
  EXPECT_EQ(best[1].confirms, "b");
  EXPECT_EQ(best[1].template_id, "t3");  // cc 0.4 twice: the earlier
}

TEST(CatalogMerge, AConfirmedRoughEventTakesItsTemplatesTiming) {
  const catalog::Event tmpl = template_event("T", 10);
  std::vector<catalog::Event> events = {tmpl, rough_event("R", 100)};
  // Template T sees R's event at 104.2 s: its picks move by 94.2 s.
  merge_match_detections(events, std::vector<catalog::Event>(events), {}, {detection("T", 104.2, 0.2, "R")}, 2 * kS, params());
  ASSERT_EQ(events.size(), 2u);
  const catalog::Event* r = at(events, 104.2);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->method, "both");
  EXPECT_EQ(r->template_id, "T");
  ASSERT_EQ(r->picks.size(), 4u);
  EXPECT_EQ(r->picks[3].time, kT0 + seconds_to_ns(105.7));
  EXPECT_DOUBLE_EQ(r->picks[3].similarity, 0.2);
  EXPECT_EQ(at(events, 10)->method, "lsh");
}

TEST(CatalogMerge, AConfirmedEventIsWellTimedForTheDetections) {
  const catalog::Event tmpl = template_event("T", 10);
  std::vector<catalog::Event> events = {tmpl, rough_event("R", 100)};
  // R confirmed at 104.2 s; a detection of another event at 97.5 s, within
  // R's window as first timed, is an event of its own.
  merge_match_detections(events, std::vector<catalog::Event>(events), {detection("T", 97.5, 0.36)},
                         {detection("T", 104.2, 0.2, "R")}, 2 * kS, params());
  ASSERT_EQ(events.size(), 3u);
  ASSERT_NE(at(events, 104.2), nullptr);
  EXPECT_EQ(at(events, 104.2)->method, "both");
  ASSERT_NE(at(events, 97.5), nullptr);
  EXPECT_EQ(at(events, 97.5)->method, "match");
}

TEST(CatalogMerge, AConfirmationLandingOnAnotherEventShowsADuplicate) {
  const catalog::Event tmpl = template_event("T", 10);
  const catalog::Event other = template_event("O", 105);
  std::vector<catalog::Event> events = {tmpl, rough_event("R", 100), other};
  // R's confirmation puts it at 104.5 s, 0.5 s from O: R was O seen roughly.
  merge_match_detections(events, std::vector<catalog::Event>(events), {}, {detection("T", 104.5, 0.3, "R")}, 2 * kS, params());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(at(events, 10), nullptr);
  ASSERT_NE(at(events, 105), nullptr);
  EXPECT_EQ(at(events, 105)->picks.size(), 4u);  // O keeps its own onsets
  // Two confirmed rough events on one time: the higher cc stays.
  events = {tmpl, rough_event("R1", 100), rough_event("R2", 106)};
  merge_match_detections(events, std::vector<catalog::Event>(events), {},
                         {detection("T", 103.0, 0.3, "R1"), detection("T", 103.5, 0.35, "R2")}, 2 * kS, params());
  ASSERT_EQ(events.size(), 2u);
  ASSERT_NE(at(events, 103.5), nullptr);
  EXPECT_DOUBLE_EQ(*at(events, 103.5)->cc, 0.35);
}

TEST(CatalogMerge, DetectionsWithinARoughEventsReachSetItsPicks) {
  const catalog::Event tmpl = template_event("T", 10);
  std::vector<catalog::Event> events = {tmpl, rough_event("R", 100), template_event("G", 200)};
  // 4.5 s after R (within its window, 92-109 s) and 4.5 s after G (beyond its 2 s).
  merge_match_detections(events, std::vector<catalog::Event>(events), {detection("T", 104.5, 0.3), detection("T", 204.5, 0.3)}, {}, 2 * kS, params());
  ASSERT_EQ(events.size(), 4u);
  ASSERT_NE(at(events, 104.5), nullptr);
  EXPECT_EQ(at(events, 104.5)->method, "both");
  EXPECT_EQ(at(events, 100), nullptr) << "R's noise onset gave way to the template's timing";
  ASSERT_NE(at(events, 200), nullptr);
  EXPECT_EQ(at(events, 200)->method, "lsh");
  ASSERT_NE(at(events, 204.5), nullptr);
  EXPECT_EQ(at(events, 204.5)->method, "match");
  // A detection within 2 s of a well timed event is that event; its onsets stay.
  events = {tmpl, template_event("G", 200)};
  merge_match_detections(events, std::vector<catalog::Event>(events), {detection("T", 201.0, 0.3)}, {}, 2 * kS, params());
  ASSERT_EQ(events.size(), 2u);
  ASSERT_NE(at(events, 200), nullptr);
  EXPECT_EQ(at(events, 200)->method, "both");
  EXPECT_EQ(at(events, 200)->picks[0].time, kT0 + 200 * kS);
}

}  // namespace
}  // namespace qp::match
