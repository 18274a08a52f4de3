// Streaming CSV (RFC 4180) reading and writing.
//
// Agency exports arrive from Excel, LibreOffice, R and case-management
// systems: with or without a UTF-8 byte-order mark, with CRLF or LF line
// ends, with `,` or `;` (European locales) or tab as the separator, and with
// quoted fields that hold separators, doubled quotes and line breaks. The
// reader accepts all of these, holds one buffer of the file in memory at a
// time, and reports malformed input by file, line and column.
#pragma once

#include <cstddef>
#include <cstdint>
#include <istream>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::io {

struct CsvOptions {
  // The field separator; '\0' means: detect it from the first record, taking
  // whichever of ',', ';', '\t' occurs most often outside quotes there
  // (',' when none occurs).
  char delimiter = '\0';
};

class CsvReader {
 public:
  // Reads from `in`, which must outlive the reader. `source_name` is the file
  // name used in error messages.
  CsvReader(std::istream& in, std::string source_name, CsvOptions options = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  // Reads the next record into `fields` (cleared first). Returns false at the
  // end of input. Lines that are completely empty are skipped. Throws
  // vigil::Error (kind input) on an unterminated quoted field, a character
  // other than a separator or line end after a closing quote, a quote inside
  // an unquoted field, or bytes that are not valid UTF-8; the message names
  // the line and the field's column (1-based field number).
  bool next(std::vector<std::string>& fields);

  // The separator in use (after detection, once the first record is read).
  char delimiter() const noexcept;
  // The 1-based physical line on which the record last returned by next()
  // starts. A record with quoted line breaks spans several lines.
  std::size_t record_line() const noexcept;
  // Bytes consumed from the stream so far (for progress reporting).
  std::uint64_t bytes_read() const noexcept;
  // Whether a UTF-8 byte-order mark was found (and skipped) at the start.
  bool had_bom() const noexcept;
  const std::string& source_name() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Quotes `field` if it holds the delimiter, a quote, CR or LF, starts or
// ends with a space, or starts with a UTF-8 byte-order mark; doubles embedded
// quotes.
std::string csv_escape(std::string_view field, char delimiter = ',');

// Writes one record terminated by "\n".
void write_csv_record(std::ostream& out, std::span<const std::string> fields, char delimiter = ',');

}  // namespace vigil::io
