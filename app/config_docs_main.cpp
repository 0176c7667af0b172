// quakeprint-config-docs: writes (--write) or checks (--check) the generated
// parts of docs/config.md (between the markers) and configs/example.toml
// against the parameter tables. test_config_docs runs --check.
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>

#include "app/config_reference.hpp"

namespace {

namespace fs = std::filesystem;
constexpr const char* kBegin = "<!-- BEGIN generated from the parameter tables: build/bin/quakeprint-config-docs --write . -->\n";
constexpr const char* kEnd = "<!-- END generated -->\n";

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

// docs/config.md with the text between the markers replaced.
std::string regenerate_doc(const std::string& doc, const fs::path& p) {
  const auto b = doc.find(kBegin), e = doc.find(kEnd);
  if (b == std::string::npos || e == std::string::npos || e < b)
    throw std::runtime_error(p.string() + " lacks the markers of the generated part");
  const auto from = b + std::strlen(kBegin);
  return doc.substr(0, from) + "\n" + qp::app::config_key_tables_markdown() + doc.substr(e);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || (std::strcmp(argv[1], "--check") != 0 && std::strcmp(argv[1], "--write") != 0)) {
    std::fprintf(stderr, "usage: %s --check|--write SOURCE_DIR\n", argv[0]);
    return 2;
  }
  const bool write = std::strcmp(argv[1], "--write") == 0;
  const fs::path src = argv[2];
  try {
    const fs::path doc_path = src / "docs" / "config.md", example_path = src / "configs" / "example.toml";
    const std::string doc = read_text(doc_path), example = read_text(example_path);
    const std::string new_doc = regenerate_doc(doc, doc_path), new_example = qp::app::example_config_toml();
    if (write) {
      write_text(doc_path, new_doc);
      write_text(example_path, new_example);
      return 0;
    }
    int stale = 0;
    for (const auto& [path, now, want] : {std::tuple{doc_path, doc, new_doc}, std::tuple{example_path, example, new_example}})
      if (now != want) {
        std::fprintf(stderr, "%s differs from the parameter tables: run build/bin/quakeprint-config-docs --write .\n",
                     path.c_str());
        stale = 1;
      }
    if (!stale) std::printf("docs/config.md and configs/example.toml match the parameter tables\n");
    return stale;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quakeprint-config-docs: %s\n", e.what());
    return 2;
  }
}
