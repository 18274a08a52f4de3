// io::CsvReader, under every CSV file vigil reads (case records, lists,
// capture histories, data frames, publish tables).
//
// Input: one control byte, then the file's bytes.
//   bits 0-2  the separator: 0 detected from the header, as vigil does by
//             default; 1 and 5 ',', 2 and 6 ';', 3 and 7 tab, 4 '|';
//   bit 3     place the bytes across the reader's first 64 KiB refill, so
//             that fields, quotes and UTF-8 sequences cut by a refill are
//             reached with small inputs. The prefix is empty lines (which the
//             reader skips, so that the header is still the one separators
//             are detected from) when the separator is detected, and one
//             quoted field, which the reader crosses faster, when it is given;
//   bits 4-7  how many bytes (1-16) of the file come before that refill.
// Properties checked on accepted input: record lines never go back, the whole
// input is consumed, and (without the prefix) every record written back with
// write_csv_record reads back the same.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_target.hpp"
#include "io/csv.hpp"

namespace {

// io/csv.cpp's chunk size: the first refill reads this many bytes.
constexpr std::size_t kReaderChunk = std::size_t{64} * 1024;

using Records = std::vector<std::vector<std::string>>;

Records read_back(const std::string& text, char delimiter) {
  std::istringstream in(text);
  vigil::io::CsvReader reader(in, "round-trip.csv", {.delimiter = delimiter});
  Records records;
  std::vector<std::string> fields;
  while (reader.next(fields)) records.push_back(fields);
  return records;
}

}  // namespace

VIGIL_FUZZ_TARGET(csv_reader) {
  using vigil::fuzz::check;
  if (size == 0) return 0;
  const std::uint8_t control = data[0];
  const std::string_view body = vigil::fuzz::as_text(data + 1, size - 1);

  vigil::io::CsvOptions options;
  // Detection is the default in vigil, but one mode in eight is enough for
  // it: with the empty-line prefix it is the slowest input by far.
  static constexpr char kDelimiters[8] = {'\0', ',', ';', '\t', '|', ',', ';', '\t'};
  options.delimiter = kDelimiters[control & 7U];
  std::string text;
  if ((control & 8U) != 0) {
    const std::size_t prefix = kReaderChunk - (((control >> 4U) & 15U) + 1);
    if (options.delimiter == '\0') {
      text.assign(prefix, '\n');
    } else {
      text.assign(prefix, 'x');
      text.front() = '"';
      text[prefix - 2] = '"';
      text.back() = '\n';
    }
  }
  text.append(body);

  Records records;
  char delimiter = '\0';
  bool accepted = false;
  vigil::fuzz::expect_clean([&] {
    std::istringstream in(text);
    vigil::io::CsvReader reader(in, "fuzz.csv", options);
    std::vector<std::string> fields;
    std::size_t last_line = 0;
    while (reader.next(fields)) {
      check(reader.record_line() >= 1 && reader.record_line() >= last_line,
            "record lines start at 1 and never go back");
      last_line = reader.record_line();
      check(!fields.empty(), "a record has at least one field");
      records.push_back(fields);
    }
    check(reader.bytes_read() == text.size(), "the reader consumed the whole input");
    delimiter = reader.delimiter();
    accepted = true;
  });
  // What vigil writes (encoded lists, capture histories, publish tables) must
  // read back as it was. (Not checked behind a 64 KiB prefix: the writer's
  // output does not depend on where the reader's refills fall, and copying
  // the prefix around would halve the executions.)
  if (!accepted || records.empty() || (control & 8U) != 0) return 0;
  std::ostringstream out;
  for (const auto& record : records) vigil::io::write_csv_record(out, record, delimiter);
  check(read_back(out.str(), delimiter) == records, "records read back as written");
  return 0;
}
