#include "tests/support/test_support.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace qp::test {

fs::path shared_dir() {
  const char* env = std::getenv("QP_SHARED_DIR");
  fs::path p = env ? fs::path(env) : fs::path(QP_SHARED_DIR_DEFAULT);
  std::error_code ec;
  if (!fs::is_directory(p / "data", ec)) return {};
  return fs::weakly_canonical(p);
}

fs::path source_dir() { return fs::path(QP_SOURCE_DIR); }
fs::path binary_dir() { return fs::path(QP_BINARY_DIR); }

fs::path temp_dir(const std::string& tag) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "test";
  if (!tag.empty()) name += "." + tag;
  for (char& c : name)
    if (c == '/') c = '_';
  fs::path p = binary_dir() / "test-tmp" / (name + "." + std::to_string(::getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace qp::test
