// Small text helpers shared by the manifest, the file index and the stores.
#pragma once

#include <string>
#include <vector>

namespace qp {

/// Fields of `s` separated by `sep`; "a,,b" gives {"a", "", "b"}, "" gives {""}.
inline std::vector<std::string> split_fields(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

}  // namespace qp
