#include "postprocess/catalog/fast_import.hpp"

#include <boost/property_tree/json_parser.hpp>
#include <boost/property_tree/ptree.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "pipeline/error.hpp"
#include "pipeline/time.hpp"
#include "postprocess/catalog/csv.hpp"

namespace qp::catalog {
namespace {

namespace pt = boost::property_tree;

pt::ptree load_json(const std::string& path) {
  pt::ptree tree;
  try {
    pt::read_json(path, tree);
  } catch (const pt::json_parser_error& e) {
    throw InputError(path, e.message(), e.line() ? "line " + std::to_string(e.line()) : "");
  }
  return tree;
}

enum class Kind { kInt, kFloat };

struct Key {
  const char* name;
  Kind kind;
  const char* note;  // comment written after the value; empty for none
  const char* quakeprint_name = nullptr;  // when it differs; "" = not a quakeprint key
};

// What each section takes from FAST, in FAST's own names and order.
const Key kFingerprintKeys[] = {
    {"sampling_rate", Kind::kFloat, "Hz of the (already decimated) data FAST fingerprinted"},
    {"min_freq", Kind::kFloat, "Hz"},
    {"max_freq", Kind::kFloat, "Hz"},
    {"spec_length", Kind::kFloat, "s, spectrogram window"},
    {"spec_lag", Kind::kFloat, "s, spectrogram hop"},
    {"fp_length", Kind::kInt, "spectrogram frames per fingerprint"},
    {"fp_lag", Kind::kInt, "frames between fingerprints"},
    {"k_coef", Kind::kInt, "top Haar coefficients kept"},
    {"nfreq", Kind::kInt, "frequency rows after resizing"},
    {"mad_sampling_rate", Kind::kInt, "1 = every coefficient used for median/MAD"},
    {"mad_sample_interval", Kind::kInt, "s"},
};
const Key kSearchKeys[] = {
    {"ntbl", Kind::kInt, "hash tables", "ntbls"},
    {"nhash", Kind::kInt, "MinHash functions per table"},
    {"nvote", Kind::kInt, "tables that must agree for a candidate pair", "nvotes"},
    {"repeat", Kind::kInt,
     "near-repeat exclusion in fingerprints (simsearch --near_repeats)", "near_repeats"},
    {"npart", Kind::kInt, "quakeprint plans partitions from search.memory_budget_mb", ""},
};
const Key kAssociateKeys[] = {
    {"dt_fp", Kind::kFloat, "quakeprint derives it: fingerprint.fp_lag * spec_lag", ""},
    {"dgapL", Kind::kInt, "fingerprint-index units, as in FAST"},
    {"dgapW", Kind::kInt, "fingerprint-index units, as in FAST"},
    {"num_pass", Kind::kInt, ""},
    {"min_dets", Kind::kInt, ""},
    {"min_sum_multiplier", Kind::kInt, ""},
    {"max_width", Kind::kInt, "fingerprints"},
    {"ivals_thresh", Kind::kInt, "votes summed over channels"},
    {"nsta_thresh", Kind::kInt, "stations"},
    {"input_offset", Kind::kInt, "fingerprints"},
};

// The value as TOML text of the right kind; InputError when it is not numeric.
std::string value_text(const pt::ptree& block, const std::string& block_name, const Key& k,
                       const std::string& path) {
  const auto v = block.get_optional<std::string>(k.name);
  if (!v) throw InputError(path, "missing key " + block_name + "." + k.name);
  char* end = nullptr;
  const double d = std::strtod(v->c_str(), &end);
  if (v->empty() || *end != '\0' || !std::isfinite(d))
    throw InputError(path, block_name + "." + k.name + " is not a number: '" + *v + "'");
  if (k.kind == Kind::kInt) {
    if (d != std::floor(d))
      throw InputError(path, block_name + "." + k.name + " must be an integer: '" + *v + "'");
    return std::to_string(static_cast<long long>(d));
  }
  std::string s = format_general(d, 15);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

void write_key(std::ostream& out, const std::string& name, const std::string& value,
               const char* note) {
  std::string line = name + " = " + value;
  if (note && *note) {
    line.resize(std::max<std::size_t>(line.size() + 1, 28), ' ');
    line += std::string("# ") + note;
  }
  out << line << '\n';
}

// Writes a FAST key under its quakeprint name, or as a comment when
// quakeprint derives the value itself.
void write_mapped_key(std::ostream& out, const Key& k, const std::string& value) {
  if (k.quakeprint_name && std::string(k.quakeprint_name).empty()) {
    out << "# " << k.name << " = " << value << "  (FAST; " << k.note << ")\n";
    return;
  }
  write_key(out, k.quakeprint_name ? k.quakeprint_name : k.name, value, k.note);
}


// FAST writes times as %y-%m-%dT%H:%M:%S.%f (two-digit year, no zone, UTC).
std::string fast_time_to_iso(const std::string& t) {
  if (t.size() < 8 || t[2] != '-') return "";
  const int yy = std::atoi(t.substr(0, 2).c_str());
  const int year = yy < 69 ? 2000 + yy : 1900 + yy;  // Python's %y pivot
  try {
    return format_iso8601(parse_iso8601(std::to_string(year) + t.substr(2)), 3);
  } catch (const std::exception&) {
    return "";
  }
}

}  // namespace

std::string import_fast_parameters(const std::vector<std::string>& fp_json_files,
                                   const std::string& config_json,
                                   const std::string& network_json) {
  if (fp_json_files.empty())
    throw InputError("(fingerprint parameter files)", "no FAST fingerprint JSON file given");

  // Every fingerprint file must carry the same fingerprint block.
  std::vector<std::string> fp_values;
  std::vector<std::string> channels;
  std::string span_start, span_end;
  for (std::size_t f = 0; f < fp_json_files.size(); ++f) {
    const std::string& path = fp_json_files[f];
    const pt::ptree tree = load_json(path);
    const auto block = tree.get_child_optional("fingerprint");
    if (!block) throw InputError(path, "no \"fingerprint\" block");
    std::vector<std::string> values;
    for (const Key& k : kFingerprintKeys) values.push_back(value_text(*block, "fingerprint", k, path));
    if (f == 0) {
      fp_values = values;
    } else {
      for (std::size_t i = 0; i < values.size(); ++i)
        if (values[i] != fp_values[i])
          throw InputError(path, std::string("fingerprint.") + kFingerprintKeys[i].name + " is " +
                                     values[i] + " here but " + fp_values[i] + " in " +
                                     fp_json_files[0] +
                                     "; quakeprint uses one set of fingerprint parameters");
    }
    const std::string sta = tree.get("data.station", ""), cha = tree.get("data.channel", "");
    std::string net;  // FAST keeps no network; take it from "<prefix>.NET.STA.LOC.CHA..." files
    const auto files = tree.get_child_optional("data.fingerprint_files");
    if (files && !files->empty()) {
      const auto& file = files->front();
      const std::string name = file.second.get_value<std::string>();
      const auto pos = name.find("." + sta + ".");
      if (pos != std::string::npos) {
        const auto dot = name.rfind('.', pos - 1);
        net = name.substr(dot == std::string::npos ? 0 : dot + 1,
                          pos - (dot == std::string::npos ? 0 : dot + 1));
      }
    }
    if (!sta.empty()) channels.push_back((net.empty() ? "?" : net) + "." + sta + ".." + cha);
    if (f == 0) {
      span_start = fast_time_to_iso(tree.get("data.start_time", ""));
      span_end = fast_time_to_iso(tree.get("data.end_time", ""));
    }
  }

  const pt::ptree config = load_json(config_json);
  const auto lsh = config.get_child_optional("lsh_param");
  if (!lsh) throw InputError(config_json, "no \"lsh_param\" block");
  const pt::ptree network = load_json(network_json);
  const auto net = network.get_child_optional("network");
  if (!net) throw InputError(network_json, "no \"network\" block");

  std::ostringstream out;
  out << "# Imported from FAST parameter files by quakeprint import-fast.\n"
      << "# FAST's key names, except ntbl, nvote, repeat (ntbls, nvotes, near_repeats);\n"
      << "# keys quakeprint derives are kept as comments. Not imported: thread counts (nthread,\n"
      << "# num_fp_thread, num_cores: quakeprint takes them from OpenMP/MPI), partition\n"
      << "# sizes, folders and file lists, and network.max_fp (derived from the data).\n";
  out << "# Fingerprint files (" << fp_json_files.size() << ", identical fingerprint blocks):";
  for (const auto& f : fp_json_files) out << "\n#   " << std::filesystem::path(f).filename().string();
  out << "\n";
  if (!channels.empty()) {
    out << "# Channels (network taken from the data file names):";
    for (std::size_t i = 0; i < channels.size(); ++i)
      out << (i % 6 == 0 ? "\n#   " : " ") << channels[i];
    out << "\n";
  }
  if (!span_start.empty())
    out << "# Data span (FAST's two-digit-year times, as UTC): " << span_start << " to "
        << span_end << "\n";

  out << "\n[preprocess]\n"
      << "mode = \"fast\"               # FAST's ObsPy preprocessing (causal Butterworth, Chebyshev-II decimation)\n"
      << "target_rate = " << fp_values[0] << "\n"
      << "# freqmin, freqmax: set the band FAST's bandpass_filter_decimate.py used\n";
  out << "\n[fingerprint]\n";
  for (std::size_t i = 0; i < fp_values.size(); ++i)
    write_key(out, kFingerprintKeys[i].name, fp_values[i], kFingerprintKeys[i].note);

  out << "\n[search]\n";
  for (const Key& k : kSearchKeys) write_mapped_key(out, k, value_text(*lsh, "lsh_param", k, config_json));

  out << "\n[associate]\n";
  for (const Key& k : kAssociateKeys)
    write_mapped_key(out, k, value_text(*net, "network", k, network_json));

  // dt_fp is redundant in FAST (fp_lag * spec_lag); say so when they disagree.
  const double spec_lag = std::strtod(fp_values[4].c_str(), nullptr);
  const double fp_lag = std::strtod(fp_values[6].c_str(), nullptr);
  const double dt_fp = std::strtod(value_text(*net, "network", kAssociateKeys[0], network_json).c_str(), nullptr);
  if (std::abs(spec_lag * fp_lag - dt_fp) > 1e-9)
    out << "# WARNING: associate.dt_fp = " << format_general(dt_fp)
        << " differs from fingerprint.fp_lag * spec_lag = " << format_general(spec_lag * fp_lag)
        << "\n";
  return out.str();
}

}  // namespace qp::catalog
