#include "tests/match/match_test_data.hpp"

#include <fstream>
#include <sstream>

#include "preprocess/preprocess.hpp"
#include "preprocess/waveform_reader.hpp"
#include "tests/support/test_support.hpp"

namespace qp::match::test {
namespace {

std::string data_file(const std::string& rel) {
  return (qp::test::shared_dir() / "data" / rel).string();
}

pre::PreprocessParams params(double rate) {
  pre::PreprocessParams p;
  p.target_rate = rate;
  return p;
}

}  // namespace

std::map<std::string, pre::Continuous> iceland_channels(const std::vector<std::string>& seed_ids,
                                                        double rate) {
  const auto traces = pre::read_waveform_file(data_file("iceland-z7-2014/Z7.2014-08-24T000100-001008.mseed"));
  std::map<std::string, pre::Continuous> out;
  for (const auto& id : seed_ids) {
    std::vector<pre::Trace> mine;
    for (const auto& t : traces)
      if (t.seed_id == id) mine.push_back(t);
    if (mine.empty()) continue;
    const TimeNs t0 = mine.front().start;
    const TimeNs t1 = mine.back().sample_time(mine.back().samples.size());
    out[id] = pre::preprocess(pre::merge_traces(mine, t0, t1), params(rate), 1);
  }
  return out;
}

std::map<std::string, TimeNs> iceland_p_picks(const std::string& event_id) {
  std::ifstream in(data_file("iceland-z7-2014/picks.csv"));
  std::string line;
  std::map<std::string, TimeNs> picks;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::stringstream ss(line);
    std::string field;
    while (std::getline(ss, field, ',')) f.push_back(field);
    if (f.size() >= 5 && f[0] == event_id && f[2] == "P" && !f[4].empty())
      picks[f[1]] = parse_iso8601(f[4]);
  }
  return picks;
}

pre::Continuous kw1_noise(double rate) {
  const auto t = pre::read_waveform_file(data_file("kw1-noise-2011/BW.KW1..EHZ.D.2011.090.mseed"));
  const TimeNs t1 = t.back().sample_time(t.back().samples.size());
  return pre::preprocess(pre::merge_traces(t, t.front().start, t1), params(rate), 1);
}

}  // namespace qp::match::test
