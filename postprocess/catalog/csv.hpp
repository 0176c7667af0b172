// Small CSV reading and writing helpers shared by the catalog readers and
// writers: RFC 4180 quoting, and errors that name file, line and column.
#pragma once

#include <cstddef>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/time.hpp"

namespace qp::catalog {

/// A field quoted only when it has to be (comma, quote, newline, edge spaces).
std::string csv_field(const std::string& s);

/// Splits one line; quotes are honoured. Returns false on an unterminated
/// quote and sets `bad_column` (1-based) to the field where it started.
bool split_csv_line(const std::string& line, std::vector<std::string>& fields,
                    std::size_t& bad_column);

/// Fixed-format numbers (locale independent, deterministic).
std::string format_fixed(double v, int decimals);
std::string format_general(double v, int significant = 10);

/// Reads a CSV file with a header line; skips blank lines.
class CsvReader {
 public:
  /// Throws qp::InputError when the file cannot be opened or has no header.
  explicit CsvReader(std::string path);

  const std::string& path() const { return path_; }
  const std::vector<std::string>& header() const { return header_; }
  /// Index of a header column, or -1.
  int column(const std::string& name) const;

  /// Next data row; false at the end. Rows with another number of fields
  /// than the header are an InputError.
  bool next(std::vector<std::string>& fields);
  int line() const { return line_; }

  /// Throws InputError naming this file, the current line and the column
  /// (1-based number and header name).
  [[noreturn]] void fail(int column_index, const std::string& cause) const;

  // Typed field access; throw InputError (file, line, column) on bad text.
  TimeNs time_at(const std::vector<std::string>& f, int col) const;
  std::optional<TimeNs> optional_time_at(const std::vector<std::string>& f, int col) const;
  double double_at(const std::vector<std::string>& f, int col) const;
  std::optional<double> optional_double_at(const std::vector<std::string>& f, int col) const;
  long long int_at(const std::vector<std::string>& f, int col) const;

 private:
  std::string path_;
  std::ifstream in_;
  std::vector<std::string> header_;
  int line_ = 0;
};

/// Throws InputError unless the header starts with exactly `expected`
/// (names and order); names the first differing column.
void require_header_prefix(const CsvReader& r, const std::vector<std::string>& expected);

}  // namespace qp::catalog
