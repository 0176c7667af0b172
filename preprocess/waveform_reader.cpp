#include "preprocess/waveform_reader.hpp"

#include <libmseed.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <mutex>
#include <sstream>
#include <type_traits>

#include "pipeline/error.hpp"

namespace qp::pre {

TimeNs Trace::sample_time(std::size_t i) const {
  return start + static_cast<TimeNs>(std::llround(static_cast<double>(i) * 1e9 / sampling_rate));
}

namespace {

// ---------------------------------------------------------------- helpers --

// libmseed reports problems through a global logger; collect them per thread
// so that corruption it only warns about (Steim integrity) can be turned into
// an error for the record being read, and nothing is printed to stderr.
thread_local std::string g_mseed_log;
void mseed_log_sink(char* msg) {
  if (msg) g_mseed_log += msg;
}
void install_mseed_logger() {
  static std::once_flag once;
  std::call_once(once, [] { ms_loginit(mseed_log_sink, nullptr, mseed_log_sink, nullptr); });
}

std::string trim(std::string s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// libmseed's messages end in newlines; error texts are one line.
std::string one_line(const std::string& s) {
  std::string t = trim(s);
  for (std::size_t i = 0; (i = t.find('\n', i)) != std::string::npos;) t.replace(i, 1, "; ");
  return t;
}

std::string offset_text(std::size_t offset) { return "byte offset " + std::to_string(offset); }

// Rejects NaN and infinities with the sample's index and time.
void check_finite(const Trace& t, std::size_t first, const std::string& name,
                  const std::string& where_prefix) {
  for (std::size_t i = first; i < t.samples.size(); ++i) {
    if (!std::isfinite(t.samples[i])) {
      throw InputError(name,
                       std::string(std::isnan(t.samples[i]) ? "NaN" : "infinite") +
                           " sample in channel " + t.seed_id,
                       where_prefix + "sample " + std::to_string(i) + " at " +
                           format_iso8601(t.sample_time(i)));
    }
  }
}

// ---------------------------------------------------------------- miniSEED --

// One record's place in the file and in time; its samples are decoded
// into `pool` (at `first`) only when the reader keeps them.
struct Record {
  std::uint32_t channel;  // index into the reader's channel names
  double rate;
  TimeNs start;
  std::size_t count;      // samples (the header's count, checked against the decoded one)
  std::size_t number;     // 0-based record number in the file
  std::size_t first;      // offset of its samples in the pool; kNotDecoded when not kept
};
constexpr std::size_t kNotDecoded = static_cast<std::size_t>(-1);

std::string seed_id_of(const MSRecord* msr) {
  return std::string(msr->network) + "." + msr->station + "." + msr->location + "." +
         msr->channel;
}

struct MsrGuard {
  MSRecord* msr = nullptr;
  ~MsrGuard() { msr_free(&msr); }
};

// libmseed 2 formats every log message in one static buffer (ms_log_main),
// so two threads parsing at once (files and units are read on several
// threads) could swap their warnings: a Steim integrity warning taken for
// another file's record. Parses, which may log, take turns; the rest of a
// read (copies, merging, filters) still runs side by side.
int parse_record(char* rec, int reclen, MSRecord** msr, flag dataflag) {
  static std::mutex m;
  const std::lock_guard<std::mutex> lock(m);
  return msr_parse(rec, reclen, msr, reclen, dataflag, 0);
}

// Bytes per sample of the fixed-size encodings (0: compressed or unknown).
int fixed_sample_bytes(int encoding) {
  switch (encoding) {
    case DE_ASCII: return 1;
    case DE_INT16: case DE_GEOSCOPE163: case DE_GEOSCOPE164: case DE_CDSN: case DE_SRO: case DE_DWWSSN: return 2;
    case DE_GEOSCOPE24: return 3;
    case DE_INT32: case DE_FLOAT32: return 4;
    case DE_FLOAT64: return 8;
    default: return 0;
  }
}

void check_sample_count_fits(const MSRecord& msr, int reclen, const std::string& name,
                             const std::function<std::string()>& where) {
  const int size = fixed_sample_bytes(msr.encoding);
  if (size == 0 || !msr.fsdh || msr.samplecnt <= 0) return;
  const std::int64_t room = reclen - static_cast<std::int64_t>(msr.fsdh->data_offset);
  if (static_cast<std::int64_t>(msr.samplecnt) * size > room)
    throw InputError(name,
                     "corrupt miniSEED record: " + std::to_string(msr.samplecnt) + " samples of " +
                         std::to_string(size) + " bytes do not fit in the " + std::to_string(room) +
                         " data bytes of the record",
                     where());
}

// NaN and infinities of a decoded float record, with the sample's index and
// time (the index counts from the record's first sample, as before).
template <class T>
void check_finite_record(const T* p, std::size_t n, const std::string& id, double rate, TimeNs start,
                         const std::string& name, const std::function<std::string()>& where) {
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i])) {
      const Trace probe{id, rate, start, {}, name};
      throw InputError(name,
                       std::string(std::isnan(p[i]) ? "NaN" : "infinite") + " sample in channel " + id,
                       where() + ", sample " + std::to_string(i) + " at " + format_iso8601(probe.sample_time(i)));
    }
}

// Whether a parsed header's samples can reach into the selection's time
// window (records without a usable time or rate count as inside).
bool record_in_window(MSRecord* h, const ReadSelection& sel) {  // libmseed 2 takes non-const
  if (sel.begin == INT64_MIN && sel.end == INT64_MAX) return true;
  const double rate = msr_samprate(h);
  constexpr hptime_t kTick = kNsPerSecond / HPTMODULUS;
  const hptime_t hpt = msr_starttime(h);
  if (!(rate > 0 && h->samplecnt > 0 && hpt < INT64_MAX / kTick && hpt > INT64_MIN / kTick)) return true;
  const double b = static_cast<double>(hpt * kTick);
  const double e = b + static_cast<double>(h->samplecnt) * 1e9 / rate;
  // A sample of margin: the trace's own grid may differ from the header by half a sample.
  const double margin = 2e9 / rate;
  return e + margin > static_cast<double>(sel.begin) && b - margin < static_cast<double>(sel.end);
}

// The samples the headers of the selected records announce (a bound for the
// pool: read headers only, stopping quietly at anything odd, which the real
// read reports). A neighbouring day's file read for a unit's pad then
// reserves its pad, not its day.
std::size_t sample_count_bound(std::string& buf, MsrGuard& guard, const ReadSelection& sel) {
  std::size_t total = 0, offset = 0;
  while (offset + 48 <= buf.size()) {
    const std::size_t left = buf.size() - offset;
    const int reclen = ms_detect(buf.data() + offset, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
    if (reclen <= 0 || static_cast<std::size_t>(reclen) > left) break;
    if (parse_record(buf.data() + offset, reclen, &guard.msr, 0) != 0) break;
    MSRecord* h = guard.msr;
    if (h->samplecnt > 0 && (!sel.channel || sel.channel(seed_id_of(h))) && record_in_window(h, sel))
      total += static_cast<std::size_t>(h->samplecnt);
    offset += static_cast<std::size_t>(reclen);
  }
  g_mseed_log.clear();
  return total;
}

// A decoded record's n samples, checked finite, into `out` (nullptr: checked only).
void copy_record_samples(const MSRecord& msr, std::size_t n, double* out, const std::string& id, double rate,
                         TimeNs start, const std::string& name, const std::function<std::string()>& where) {
  switch (msr.sampletype) {
    case 'i': {
      auto* p = static_cast<const int32_t*>(msr.datasamples);
      if (out) for (std::size_t i = 0; i < n; ++i) out[i] = p[i];
      break;
    }
    case 'f': {
      auto* p = static_cast<const float*>(msr.datasamples);
      check_finite_record(p, n, id, rate, start, name, where);
      if (out) for (std::size_t i = 0; i < n; ++i) out[i] = p[i];
      break;
    }
    case 'd': {
      auto* p = static_cast<const double*>(msr.datasamples);
      check_finite_record(p, n, id, rate, start, name, where);
      if (out) std::copy(p, p + n, out);
      break;
    }
    default:
      throw InputError(name, std::string("unsupported sample type '") + msr.sampletype + "'", where());
  }
}

// Joins the records of each channel into contiguous traces, in time order:
// their extents only (`extents`), or traces holding the decoded samples
// of the selection (`keep`, the pool moved into the usual one-run file's trace).
std::vector<Trace> traces_of_records(std::vector<Record>& records, const std::vector<std::string>& channels,
                                     std::vector<double>& pool, bool keep, const ReadSelection& sel,
                                     const std::string& name, std::vector<TraceExtent>* extents) {
  std::stable_sort(records.begin(), records.end(), [&](const Record& a, const Record& b) {
    if (a.channel != b.channel) return channels[a.channel] < channels[b.channel];
    if (a.start != b.start) return a.start < b.start;
    return a.number < b.number;
  });
  // A record continues the trace of its channel whose next expected sample
  // time it matches (within half a sample); overlapping runs stay separate
  // traces, for merge_traces to reconcile. Extents first, samples after.
  struct Run {
    Trace head;  // no samples yet
    std::size_t count = 0;
    std::vector<std::size_t> parts;  // indices into records
  };
  std::vector<Run> runs;
  std::size_t channel_begin = 0;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const Record& r = records[i];
    const std::string& id = channels[r.channel];
    if (!runs.empty() && runs.back().head.seed_id != id) channel_begin = runs.size();
    bool joined = false;
    for (std::size_t k = runs.size(); k-- > channel_begin;) {
      Run& t = runs[k];
      if (!MS_ISRATETOLERABLE(r.rate, t.head.sampling_rate)) continue;
      const TimeNs expected = t.head.sample_time(t.count);
      // In double: records centuries apart would overflow an int64 difference.
      if (std::fabs(static_cast<double>(r.start) - static_cast<double>(expected)) <= 0.5e9 / t.head.sampling_rate) {
        t.count += r.count;
        t.parts.push_back(i);
        joined = true;
        break;
      }
    }
    if (!joined) {
      Run run;
      run.head = Trace{id, r.rate, r.start, {}, name};
      run.count = r.count;
      run.parts.push_back(i);
      runs.push_back(std::move(run));
    }
  }
  std::stable_sort(runs.begin(), runs.end(), [](const Run& a, const Run& b) {
    if (a.head.seed_id != b.head.seed_id) return a.head.seed_id < b.head.seed_id;
    return a.head.start < b.head.start;
  });
  std::vector<Trace> traces;
  for (auto& run : runs) {
    if (!keep) {
      extents->push_back({run.head.seed_id, run.head.sampling_rate, run.head.start, run.count});
      continue;
    }
    Trace t = std::move(run.head);
    // A trace wholly outside the window stays (merging places every trace
    // on the grid of the earliest), without samples.
    const double margin = 2e9 / t.sampling_rate;
    if (static_cast<double>(t.sample_time(run.count)) + margin <= static_cast<double>(sel.begin) ||
        static_cast<double>(t.start) - margin >= static_cast<double>(sel.end)) {
      traces.push_back(std::move(t));
      continue;
    }
    // The usual file: one run, its records decoded in file order; the pool is the trace.
    bool in_pool_order = runs.size() == 1 && pool.size() == run.count;
    for (std::size_t k = 0, next = 0; in_pool_order && k < run.parts.size(); ++k) {
      const Record& r = records[run.parts[k]];
      in_pool_order = r.first == next;
      next += r.count;
    }
    if (in_pool_order) {
      t.samples = std::move(pool);
      traces.push_back(std::move(t));
      continue;
    }
    // Records outside the window lead and trail the decoded ones in a run.
    std::size_t first = 0, last = run.parts.size();
    while (first < last && records[run.parts[first]].first == kNotDecoded)
      t.first_sample += records[run.parts[first++]].count;
    while (last > first && records[run.parts[last - 1]].first == kNotDecoded) --last;
    std::size_t held = 0;
    for (std::size_t k = first; k < last; ++k) held += records[run.parts[k]].count;
    t.samples.reserve(held);
    for (std::size_t k = first; k < last; ++k) {
      const Record& r = records[run.parts[k]];
      if (r.first != kNotDecoded)
        t.samples.insert(t.samples.end(), pool.begin() + static_cast<std::ptrdiff_t>(r.first),
                         pool.begin() + static_cast<std::ptrdiff_t>(r.first + r.count));
      else
        t.samples.insert(t.samples.end(), r.count, 0.0);  // not expected: a run is contiguous in time
    }
    traces.push_back(std::move(t));
  }
  return traces;
}

// `buf`: the file's bytes, handed to libmseed as they are (its parser takes
// a mutable buffer; a day file is not copied for it).
std::vector<Trace> read_miniseed(std::string& buf, const std::string& name, const ReadSelection& sel,
                                 std::vector<TraceExtent>* extents) {
  install_mseed_logger();
  std::vector<Record> records;
  std::vector<std::string> channels;     // seed ids in order of appearance
  std::vector<signed char> accepted;     // per channel: -1 unknown, 0 no, 1 yes
  std::vector<double> pool;              // decoded samples of the kept records
  const bool keep = extents == nullptr;
  MsrGuard guard;
  if (keep) pool.reserve(sample_count_bound(buf, guard, sel));
  std::size_t offset = 0;
  std::size_t recno = 0;
  while (offset < buf.size()) {
    const std::size_t left = buf.size() - offset;
    // Trailing blank padding (spaces or zeros) after the last record is common.
    if ((buf[offset] == '\0' || buf[offset] == ' ') &&
        std::all_of(buf.begin() + static_cast<std::ptrdiff_t>(offset), buf.end(),
                    [](char c) { return c == '\0' || c == ' '; }))
      break;
    // Built only for an error: a string per record costs more than its decoding.
    const std::function<std::string()> where = [recno, offset] {
      return "record " + std::to_string(recno) + ", " + offset_text(offset);
    };
    char* rec = buf.data() + offset;
    int reclen = ms_detect(rec, static_cast<int>(std::min<std::size_t>(left, 1 << 20)));
    if (reclen < 0) throw InputError(name, "not a miniSEED record (corrupt or not SEED data)", where());
    if (reclen == 0) {
      // No Blockette 1000 and no following header to measure against: the
      // record runs to the end of the file (as libmseed's file reader assumes).
      if (left >= 128 && left <= 8192 && (left & (left - 1)) == 0) reclen = static_cast<int>(left);
      else if (left > 8192) reclen = 4096;  // SEED default for records without B1000
      else
        throw InputError(name, "cannot determine the record length (truncated record?)", where());
    }
    if (static_cast<std::size_t>(reclen) > left)
      throw InputError(name,
                       "truncated record: " + std::to_string(reclen) + " bytes expected, " +
                           std::to_string(left) + " left in the file",
                       where());
    g_mseed_log.clear();
    // Header first: libmseed 2.19 decodes uncompressed samples without
    // checking that they fit in the record (a corrupt count reads past it).
    int rc = parse_record(rec, reclen, &guard.msr, 0);
    if (rc == 0) check_sample_count_fits(*guard.msr, reclen, name, where);
    // The record's channel and time decide whether its samples are wanted;
    // a selective read leaves the others undecoded (the whole file was
    // checked by a full read before).
    std::uint32_t ch = 0;
    bool decode = true;
    if (rc == 0) {
      MSRecord* h = guard.msr;
      const std::string id = seed_id_of(h);
      ch = static_cast<std::uint32_t>(std::find(channels.begin(), channels.end(), id) - channels.begin());
      if (ch == channels.size()) {
        channels.push_back(id);
        accepted.push_back(sel.channel ? static_cast<signed char>(sel.channel(id)) : 1);
      }
      if (!accepted[ch]) {
        offset += static_cast<std::size_t>(reclen);
        ++recno;
        continue;
      }
      decode = record_in_window(h, sel);
    }
    if (rc == 0 && decode) rc = parse_record(rec, reclen, &guard.msr, 1);
    if (rc > 0)
      throw InputError(name, "truncated record: needs " + std::to_string(rc) + " more bytes", where());
    if (rc < 0) {
      std::string why = ms_errorstr(rc) ? ms_errorstr(rc) : "unknown error";
      if (!g_mseed_log.empty()) why += " (" + one_line(g_mseed_log) + ")";
      throw InputError(name, "corrupt miniSEED record: " + why, where());
    }
    MSRecord* msr = guard.msr;
    if (!g_mseed_log.empty() && (g_mseed_log.find("integrity") != std::string::npos ||
                                 g_mseed_log.find("doesn't match") != std::string::npos))
      throw InputError(name, "corrupt miniSEED record data: " + one_line(g_mseed_log), where());
    if (decode && msr->numsamples != msr->samplecnt && msr->sampletype != 'a')
      throw InputError(name,
                       "decoded " + std::to_string(msr->numsamples) + " samples but the header says " +
                           std::to_string(msr->samplecnt),
                       where());
    // Header-only parses leave the sample type unset: the encoding says ASCII.
    const bool text = decode ? msr->sampletype == 'a' : msr->encoding == DE_ASCII;
    const std::int64_t count = decode ? msr->numsamples : msr->samplecnt;
    const double rate = msr_samprate(msr);
    if (count > 0 && !text && rate > 0) {
      Record r;
      r.channel = ch;
      r.rate = rate;
      // int64 nanoseconds hold 1677-2262; a corrupt header may say otherwise.
      const hptime_t hpt = msr_starttime(msr);
      constexpr hptime_t kNsPerTick = kNsPerSecond / HPTMODULUS;
      if (hpt > INT64_MAX / kNsPerTick || hpt < INT64_MIN / kNsPerTick)
        throw InputError(name, "record start time outside the years 1678-2261 (corrupt header?)", where());
      r.start = static_cast<TimeNs>(hpt) * kNsPerTick;
      r.number = recno;
      r.count = static_cast<std::size_t>(count);
      r.first = kNotDecoded;
      if (decode) {
        const auto n = r.count;
        const std::string& id = channels[ch];
        double* out = nullptr;
        if (keep) {
          r.first = pool.size();
          pool.resize(pool.size() + n);
          out = pool.data() + r.first;
        }
        copy_record_samples(*msr, n, out, id, rate, r.start, name, where);
      }
      records.push_back(r);
    } else if (count > 0 && !text && rate <= 0) {
      // Samples without a rate cannot be placed in time.
      throw InputError(name, "record with samples but sampling rate 0", where());
    }
    offset += static_cast<std::size_t>(reclen);
    ++recno;
  }
  if (recno == 0) throw InputError(name, "empty miniSEED file");

  return traces_of_records(records, channels, pool, keep, sel, name, extents);
}

// --------------------------------------------------------------------- SAC --

constexpr std::size_t kSacHeaderBytes = 632;
constexpr int kSacUndefined = -12345;

struct SacHeader {
  float f[70];
  int32_t i[40];
  std::string k[24];  // KSTNM, KEVNM(16 chars), KHOLE, ... as in the file order (23 used)
  double delta = 0, b = 0;  // from the v7 footer when present
};

// Indices into f[] and i[] (SAC word numbers).
enum { kDelta = 0, kB = 5, kCmpinc = 58 };
enum {
  kNzyear = 0, kNzjday, kNzhour, kNzmin, kNzsec, kNzmsec, kNvhdr,
  kNpts = 9, kIftype = 15, kLeven = 35
};
// String slots in file order: KSTNM KEVNM KHOLE KO KA KT0..KT9 KF KUSER0..2 KCMPNM KNETWK KDATRD KINST
enum { kKstnm = 0, kKhole = 2, kKcmpnm = 19, kKnetwk = 20 };

uint32_t load_u32(const char* p, bool swap) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}
uint64_t load_u64(const char* p, bool swap) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return swap ? __builtin_bswap64(v) : v;
}
float load_f32(const char* p, bool swap) {
  uint32_t u = load_u32(p, swap);
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
double load_f64(const char* p, bool swap) {
  uint64_t u = load_u64(p, swap);
  double d;
  std::memcpy(&d, &u, 8);
  return d;
}

// A plausible binary SAC header in this byte order: version 1..7, sane count
// and spacing, a data section that fits the version's layout.
bool sac_header_plausible(const std::string& bytes, bool swap) {
  if (bytes.size() < kSacHeaderBytes) return false;
  const char* p = bytes.data();
  const int32_t nvhdr = static_cast<int32_t>(load_u32(p + 4 * 76, swap));
  const int32_t npts = static_cast<int32_t>(load_u32(p + 4 * 79, swap));
  const float delta = load_f32(p, swap);
  if (nvhdr < 1 || nvhdr > 7 || npts < 0) return false;
  if (!(std::isfinite(delta))) return false;
  return true;
}

bool is_text(const std::string& bytes) {
  const std::size_t n = std::min<std::size_t>(bytes.size(), 2048);
  if (n == 0) return false;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    if (!(c == '\n' || c == '\r' || c == '\t' || (c >= 32 && c < 127))) return false;
  }
  return true;
}

std::string sac_string(const std::string& s) {
  std::string t = trim(s);
  if (t == "-12345" || t == "-12345.") return "";
  return t;
}

TimeNs sac_start_time(const SacHeader& h, double b, const std::string& name) {
  const int32_t* i = h.i;
  if (i[kNzyear] == kSacUndefined || i[kNzjday] == kSacUndefined)
    throw InputError(name, "SAC reference time (NZYEAR/NZJDAY) is undefined");
  if (i[kNzjday] < 1 || i[kNzjday] > 366 || i[kNzhour] < 0 || i[kNzhour] > 23 || i[kNzmin] < 0 ||
      i[kNzmin] > 59 || i[kNzsec] < 0 || i[kNzsec] > 60 || i[kNzmsec] < 0 || i[kNzmsec] > 999)
    throw InputError(name, "SAC reference time fields out of range (corrupt header?)");
  if (!std::isfinite(b) || b == kSacUndefined)
    throw InputError(name, "SAC begin time B is undefined or not finite");
  // Nanoseconds since 1970 in int64 must hold reference time + B.
  if (i[kNzyear] < 1700 || i[kNzyear] > 2200 || std::fabs(b) > 1e9)
    throw InputError(name, "SAC reference time (NZYEAR " + std::to_string(i[kNzyear]) +
                               ") or begin time B outside the years 1700-2200 (corrupt header?)");
  // B is stored as float32; round it to the microsecond so that float noise
  // (0.000998f = 0.00099799996) does not leak into the nanosecond time.
  const TimeNs b_ns = static_cast<TimeNs>(std::llround(b * 1e6)) * 1000;
  return year_doy_to_ns(i[kNzyear], i[kNzjday], i[kNzhour], i[kNzmin], i[kNzsec],
                        static_cast<std::int64_t>(i[kNzmsec]) * 1'000'000) +
         b_ns;
}

Trace sac_trace(const SacHeader& h, double delta, double rate, double b, const std::string& name) {
  if (h.i[kLeven] != 1)
    throw InputError(name, "SAC file is not evenly sampled (LEVEN is not true)");
  if (h.i[kIftype] != 1 && h.i[kIftype] != kSacUndefined)
    throw InputError(name, "SAC file is not a time series (IFTYPE=" + std::to_string(h.i[kIftype]) + ")");
  if (!(delta > 0) || !std::isfinite(delta))
    throw InputError(name, "SAC DELTA must be positive, got " + std::to_string(delta));
  Trace t;
  t.file = name;
  t.sampling_rate = rate;
  t.start = sac_start_time(h, b, name);
  std::string network = sac_string(h.k[kKnetwk]), station = sac_string(h.k[kKstnm]);
  // Hi-net as NIED distributes it: KSTNM "N.ATKH", KNETWK unset.
  const auto dot = station.find('.');
  if (dot != std::string::npos && dot > 0 && dot + 1 < station.size() &&
      (network.empty() || network == station.substr(0, dot))) {
    network = station.substr(0, dot);
    station = station.substr(dot + 1);
  }
  t.seed_id = network + "." + station + "." + sac_string(h.k[kKhole]) + "." + sac_string(h.k[kKcmpnm]);
  const float cmpinc = h.f[kCmpinc];
  if (std::isfinite(cmpinc) && cmpinc != kSacUndefined) t.inclination_deg = cmpinc;
  return t;
}

std::vector<Trace> read_sac_binary(const std::string& bytes, const std::string& name) {
  const bool swap = !sac_header_plausible(bytes, false);
  const char* p = bytes.data();
  SacHeader h;
  for (int w = 0; w < 70; ++w) h.f[w] = load_f32(p + 4 * w, swap);
  for (int w = 0; w < 40; ++w) h.i[w] = static_cast<int32_t>(load_u32(p + 280 + 4 * w, swap));
  std::size_t pos = 440;
  for (int s = 0; s < 23; ++s) {
    const std::size_t len = (s == 1) ? 16 : 8;
    h.k[s] = bytes.substr(pos, len);
    pos += len;
  }
  const int32_t npts = h.i[kNpts];
  const int32_t nvhdr = h.i[kNvhdr];
  const std::size_t need = kSacHeaderBytes + 4 * static_cast<std::size_t>(npts);
  if (bytes.size() < need)
    throw InputError(name,
                     "truncated SAC file: header says " + std::to_string(npts) + " samples (" +
                         std::to_string(need) + " bytes) but the file has " +
                         std::to_string(bytes.size()) + " bytes",
                     offset_text(bytes.size()));
  double delta = h.f[kDelta];
  double rate = rate_from_float32_delta(h.f[kDelta]);
  double b = h.f[kB];
  if (nvhdr == 7) {
    // v7 keeps double-precision DELTA and B in a footer after the data.
    if (bytes.size() < need + 22 * 8)
      throw InputError(name, "truncated SAC v7 file: footer missing", offset_text(bytes.size()));
    delta = load_f64(p + need, swap);
    b = load_f64(p + need + 8, swap);
    rate = 1.0 / delta;
  }
  Trace t = sac_trace(h, delta, rate, b, name);
  t.samples.resize(static_cast<std::size_t>(npts));
  for (std::size_t i = 0; i < t.samples.size(); ++i)
    t.samples[i] = load_f32(p + kSacHeaderBytes + 4 * i, swap);
  check_finite(t, 0, name, "");
  return {t};
}

std::vector<Trace> read_sac_alpha(const std::string& bytes, const std::string& name) {
  std::vector<std::string> lines;
  {
    std::istringstream in(bytes);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      lines.push_back(line);
    }
  }
  if (lines.size() < 30) throw InputError(name, "alphanumeric SAC header is incomplete", "line " + std::to_string(lines.size()));
  SacHeader h;
  auto parse_numbers = [&](std::size_t first_line, std::size_t nlines, auto& out) {
    std::size_t k = 0;
    for (std::size_t l = first_line; l < first_line + nlines; ++l) {
      std::istringstream in(lines[l]);
      for (int j = 0; j < 5; ++j) {
        double v;
        if (!(in >> v))
          throw InputError(name, "bad number in alphanumeric SAC header", "line " + std::to_string(l + 1));
        using Field = std::remove_reference_t<decltype(out[0])>;
        // Out-of-range values would make the conversion undefined.
        if (std::is_integral_v<Field> ? !(v >= -2147483648.0 && v <= 2147483647.0)
                                      : (std::isfinite(v) && std::fabs(v) > 3.4e38))
          throw InputError(name, "number out of range in alphanumeric SAC header", "line " + std::to_string(l + 1));
        out[k++] = static_cast<Field>(v);
      }
    }
  };
  parse_numbers(0, 14, h.f);
  parse_numbers(14, 8, h.i);
  // Strings: line 23 holds KSTNM (8) and KEVNM (16); lines 24-30 three 8-char fields each.
  auto field = [&](std::size_t l, std::size_t col, std::size_t len) {
    const std::string& s = lines[l];
    return col < s.size() ? s.substr(col, len) : std::string();
  };
  h.k[0] = field(22, 0, 8);
  h.k[1] = field(22, 8, 16);
  for (int s = 2; s < 23; ++s) {
    const std::size_t l = 23 + static_cast<std::size_t>(s - 2) / 3;
    h.k[s] = field(l, 8 * static_cast<std::size_t>((s - 2) % 3), 8);
  }
  const double delta = h.f[kDelta];
  Trace t = sac_trace(h, delta, rate_from_float32_delta(h.f[kDelta]), h.f[kB], name);
  const int32_t npts = h.i[kNpts];
  if (npts < 0) throw InputError(name, "negative NPTS in alphanumeric SAC header");
  // A value takes at least one character: a header's NPTS is not trusted
  // for the allocation (the fuzzer's 600 M in a 2 kB file).
  std::size_t text_chars = 0;
  for (std::size_t l = 30; l < lines.size(); ++l) text_chars += lines[l].size();
  t.samples.reserve(std::min(static_cast<std::size_t>(npts), text_chars));
  for (std::size_t l = 30; l < lines.size() && t.samples.size() < static_cast<std::size_t>(npts); ++l) {
    std::istringstream in(lines[l]);
    double v;
    while (t.samples.size() < static_cast<std::size_t>(npts) && in >> v) t.samples.push_back(v);
    if (!in.eof() && in.fail()) {
      // Accept "nan"/"inf" spellings as a non-finite sample, reported below.
      throw InputError(name, "bad sample value in alphanumeric SAC data", "line " + std::to_string(l + 1));
    }
  }
  if (t.samples.size() < static_cast<std::size_t>(npts))
    throw InputError(name,
                     "truncated alphanumeric SAC file: " + std::to_string(t.samples.size()) + " of " +
                         std::to_string(npts) + " samples",
                     "line " + std::to_string(lines.size()));
  check_finite(t, 0, name, "");
  return {t};
}

}  // namespace

std::string resolve_missing_network(const std::string& seed_id, const std::vector<std::string>& configured_ids) {
  if (seed_id.empty() || seed_id[0] != '.') return seed_id;
  std::string match;
  int n = 0;
  for (const auto& id : configured_ids) {
    const auto dot = id.find('.');
    if (dot != std::string::npos && id.compare(dot, std::string::npos, seed_id) == 0 && match != id) {
      match = id;
      ++n;
    }
  }
  return n == 1 ? match : seed_id;
}

void resolve_missing_networks(std::vector<Trace>& traces, const std::vector<std::string>& configured_ids) {
  for (auto& t : traces) t.seed_id = resolve_missing_network(t.seed_id, configured_ids);
}

double rate_from_float32_delta(float delta) {
  const double exact = 1.0 / static_cast<double>(delta);
  for (int decimals = 0; decimals <= 9; ++decimals) {
    const double scale = std::pow(10.0, decimals);
    const double candidate = std::round(exact * scale) / scale;
    if (candidate > 0 && static_cast<float>(1.0 / candidate) == delta) return candidate;
  }
  return exact;
}

WaveformFormat detect_waveform_format(const std::string& bytes) {
  // miniSEED starts with a six-character ASCII sequence number and a quality
  // code; a binary SAC header starts with the float DELTA, so the two never
  // look alike.
  if (bytes.size() >= 48 &&
      ms_detect(bytes.data(), static_cast<int>(std::min<std::size_t>(bytes.size(), 1 << 16))) >= 0)
    return WaveformFormat::miniseed2;
  if (sac_header_plausible(bytes, false) || sac_header_plausible(bytes, true))
    return WaveformFormat::sac_binary;
  if (is_text(bytes)) {
    std::istringstream in(bytes);
    double v;
    int n = 0;
    while (n < 70 && in >> v) ++n;
    if (n == 70) return WaveformFormat::sac_alpha;
  }
  return WaveformFormat::unknown;
}

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path, std::string("cannot open: ") + std::strerror(errno));
  // One read of the whole file (a byte-wise iterator costs more than decoding).
  std::string bytes;
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  in.seekg(0, std::ios::beg);
  if (size > 0) {
    bytes.resize(static_cast<std::size_t>(size));
    in.read(bytes.data(), size);
    if (in.gcount() != size) throw InputError(path, "read failed");
  }
  if (in.bad()) throw InputError(path, "read failed");
  return bytes;
}

// The one dispatch of every read: whole, selected, or extents only (when
// `extents` is given; the traces returned are then empty).
std::vector<Trace> read_bytes(std::string bytes, const std::string& name, const ReadSelection& sel,
                              std::vector<TraceExtent>* extents) {
  install_mseed_logger();
  if (bytes.empty()) throw InputError(name, "file is empty");
  std::vector<Trace> sac;
  switch (detect_waveform_format(bytes)) {
    case WaveformFormat::miniseed2: return read_miniseed(bytes, name, sel, extents);
    case WaveformFormat::sac_binary: sac = read_sac_binary(bytes, name); break;
    case WaveformFormat::sac_alpha: sac = read_sac_alpha(bytes, name); break;
    case WaveformFormat::unknown:
      throw InputError(name, "not a miniSEED 2 or SAC file (unrecognised content)", offset_text(0));
  }
  // One trace per SAC file: read whole (its header is most of the work).
  if (extents) {
    for (const auto& t : sac) extents->push_back({t.seed_id, t.sampling_rate, t.start, t.samples.size()});
    return {};
  }
  return sac;
}

}  // namespace

TimeNs TraceExtent::end() const {
  return start + static_cast<TimeNs>(std::llround(static_cast<double>(count) * 1e9 / sampling_rate));
}

std::vector<Trace> read_waveform_bytes(const std::string& bytes, const std::string& name) {
  return read_bytes(bytes, name, {}, nullptr);
}

std::vector<Trace> read_waveform_file(const std::string& path) {
  return read_bytes(read_all(path), path, {}, nullptr);
}

std::vector<Trace> read_waveform_file(const std::string& path, const ReadSelection& selection) {
  return read_bytes(read_all(path), path, selection, nullptr);
}

std::vector<TraceExtent> scan_waveform_file(const std::string& path) {
  std::vector<TraceExtent> extents;
  read_bytes(read_all(path), path, {}, &extents);
  return extents;
}

}  // namespace qp::pre
