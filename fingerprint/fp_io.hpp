// FAST's fingerprint files: <STA>.<CHA>.fp (np.packbits rows, MSB first, no
// header) and <STA>.<CHA>.ts (one '%y-%m-%dT%H:%M:%S.%f' line per fingerprint).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "fingerprint/coefficients.hpp"

namespace qp::fp {

/// Reads a packed .fp file of fingerprints of `nbits` bits (2M) each.
FingerprintBlock read_fast_fp(const std::filesystem::path& path, std::size_t nbits);
/// Writes the rows of `block` (times are not written; see write_fast_ts).
void write_fast_fp(const std::filesystem::path& path, const FingerprintBlock& block,
                   std::size_t nbits);

/// FAST timestamp text: 2-digit year (69-99 -> 19xx, else 20xx, as strptime %y),
/// microseconds. Formatting rounds to the nearest microsecond.
std::vector<TimeNs> read_fast_ts(const std::filesystem::path& path);
void write_fast_ts(const std::filesystem::path& path, const std::vector<TimeNs>& times);
TimeNs parse_fast_timestamp(const std::string& text);
std::string format_fast_timestamp(TimeNs t);

}  // namespace qp::fp
