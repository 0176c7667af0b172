// Helpers shared by the test programs: where the shared real recordings are,
// temporary folders, skipping cleanly when ../shared is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

namespace qp::test {

namespace fs = std::filesystem;

/// Folder with data/, reference/, schemas/ (env QP_SHARED_DIR overrides), or
/// an empty path when it does not exist.
fs::path shared_dir();

/// A fresh empty folder under the build tree, unique to the running test.
fs::path temp_dir(const std::string& tag = "");

/// Path of the repository's source tree.
fs::path source_dir();

/// Path of the build tree (where the quakeprint executable lives).
fs::path binary_dir();

/// Reads a whole file into a string.
std::string read_file(const fs::path& p);

}  // namespace qp::test

/// Skips the current test with a clear message when ../shared is absent.
#define QP_REQUIRE_SHARED()                                                             \
  do {                                                                                  \
    if (::qp::test::shared_dir().empty())                                               \
      GTEST_SKIP() << "../shared (real recordings) is absent; set QP_SHARED_DIR to run"; \
  } while (0)
