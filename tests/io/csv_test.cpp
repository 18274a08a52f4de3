#include "io/csv.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace vigil::io {
namespace {

using Record = std::vector<std::string>;
using Records = std::vector<Record>;

// The reader's chunk size; inputs built around it exercise refills.
constexpr std::size_t kChunk = 64 * 1024;

Records read_all(std::string_view text, CsvOptions options = {}) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in, "test.csv", options);
  Records records;
  Record fields;
  while (reader.next(fields)) records.push_back(fields);
  return records;
}

// The physical line each record starts on.
std::vector<std::size_t> record_lines(std::string_view text) {
  std::istringstream in{std::string(text)};
  CsvReader reader(in, "test.csv");
  std::vector<std::size_t> lines;
  Record fields;
  while (reader.next(fields)) lines.push_back(reader.record_line());
  return lines;
}

// The full message of the input error that reading `text` raises.
std::string error_of(std::string_view text, CsvOptions options = {}) {
  try {
    read_all(text, options);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), Error::Kind::input);
    return e.what();
  }
  return "(no error)";
}

TEST(CsvReader, ReadsSimpleRecords) {
  EXPECT_EQ(read_all("id,name,country\n1,Ana,MD\n2,Ion,RO\n"),
            (Records{{"id", "name", "country"}, {"1", "Ana", "MD"}, {"2", "Ion", "RO"}}));
}

TEST(CsvReader, ReturnsFalseOnEmptyInput) {
  EXPECT_EQ(read_all(""), Records{});
  EXPECT_EQ(read_all("\n\r\n\r"), Records{});
}

TEST(CsvReader, KeepsSeparatorsInsideQuotes) {
  EXPECT_EQ(read_all("a,\"b,c\",d\n\"x,\",\",y\",\",\"\n"),
            (Records{{"a", "b,c", "d"}, {"x,", ",y", ","}}));
}

TEST(CsvReader, UndoublesQuotes) {
  EXPECT_EQ(read_all("\"say \"\"hi\"\"\",\"\"\"\",\"\"\"\"\"\",\"\"\n"),
            (Records{{"say \"hi\"", "\"", "\"\"", ""}}));
}

TEST(CsvReader, KeepsLineFeedInsideQuotesAndCountsItsLine) {
  const std::string text = "id,note\n1,\"first\nsecond\nthird\"\n2,plain\n";
  EXPECT_EQ(read_all(text),
            (Records{{"id", "note"}, {"1", "first\nsecond\nthird"}, {"2", "plain"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, 5}));
}

TEST(CsvReader, KeepsCrLfInsideQuotesLiterally) {
  const std::string text = "id,note\r\n1,\"first\r\nsecond\"\r\n2,plain\r\n";
  EXPECT_EQ(read_all(text), (Records{{"id", "note"}, {"1", "first\r\nsecond"}, {"2", "plain"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, 4}));
}

TEST(CsvReader, KeepsLoneCrInsideQuotesAndCountsItsLine) {
  const std::string text = "\"a\rb\",c\nd,e\n";
  EXPECT_EQ(read_all(text), (Records{{"a\rb", "c"}, {"d", "e"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 3}));
}

TEST(CsvReader, ReadsCrLfLineEnds) {
  const std::string text = "a,b\r\nc,d\r\n\"e\",\"f\"\r\n";
  EXPECT_EQ(read_all(text), (Records{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, 3}));
}

TEST(CsvReader, ReadsLoneCrLineEnds) {
  const std::string text = "a,b\rc,d\r\"e\",f\r";
  EXPECT_EQ(read_all(text), (Records{{"a", "b"}, {"c", "d"}, {"e", "f"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, 3}));
}

TEST(CsvReader, StripsByteOrderMark) {
  std::istringstream in("\xEF\xBB\xBFid,name\n1,Ana\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"id", "name"}));
  EXPECT_TRUE(reader.had_bom());
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"1", "Ana"}));
  EXPECT_FALSE(reader.next(fields));
  EXPECT_EQ(reader.bytes_read(), 17U);
}

TEST(CsvReader, ReportsNoByteOrderMarkWhenAbsent) {
  std::istringstream in("id\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"id"}));
  EXPECT_FALSE(reader.had_bom());
}

TEST(CsvReader, StripsByteOrderMarkBeforeQuotedField) {
  EXPECT_EQ(read_all("\xEF\xBB\xBF\"id\",x\n"), (Records{{"id", "x"}}));
}

TEST(CsvReader, PassesCyrillicAndKazakhLettersThrough) {
  EXPECT_EQ(read_all("имя,фамилия\nҚайрат Әбілов,\"Өскемен, ҰҚ\"\nҒалия,Іңкәр\n"),
            (Records{{"имя", "фамилия"}, {"Қайрат Әбілов", "Өскемен, ҰҚ"}, {"Ғалия", "Іңкәр"}}));
}

TEST(CsvReader, PassesFourByteCharactersThrough) {
  EXPECT_EQ(read_all("\xF0\x9F\x98\x80,\xF4\x8F\xBF\xBF\n"),
            (Records{{"\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"}}));
}

TEST(CsvReader, DetectsSemicolon) {
  std::istringstream in("id;name;note\n1;Ana;\"a;b,c\"\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), ';');
  EXPECT_EQ(fields, (Record{"id", "name", "note"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"1", "Ana", "a;b,c"}));
}

TEST(CsvReader, DetectsTab) {
  std::istringstream in("id\tname,alias\tcity\n1\tAna, A.\tChișinău\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), '\t');
  EXPECT_EQ(fields, (Record{"id", "name,alias", "city"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"1", "Ana, A.", "Chișinău"}));
}

TEST(CsvReader, DetectionIgnoresSeparatorsInsideQuotes) {
  std::istringstream in("\"a;b;c;d\",e,f\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), ',');
  EXPECT_EQ(fields, (Record{"a;b;c;d", "e", "f"}));
}

TEST(CsvReader, DetectionLooksOnlyAtFirstRecord) {
  std::istringstream in("\n\na;b\nc,d,e,f\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), ';');
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"c,d,e,f"}));
}

TEST(CsvReader, DetectionLooksPastQuotedLineBreaks) {
  EXPECT_EQ(read_all("\"x\ny,z\";b;c\n"), (Records{{"x\ny,z", "b", "c"}}));
}

TEST(CsvReader, DetectionDefaultsToComma) {
  std::istringstream in("name\nAna\n");
  CsvReader reader(in, "test.csv");
  EXPECT_EQ(reader.delimiter(), '\0');
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), ',');
}

TEST(CsvReader, ExplicitDelimiterOverridesDetection) {
  std::istringstream in("a;b,c;d\n");
  CsvReader reader(in, "test.csv", CsvOptions{','});
  EXPECT_EQ(reader.delimiter(), ',');
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"a;b", "c;d"}));
}

TEST(CsvReader, RejectsQuoteOrLineBreakAsDelimiter) {
  std::istringstream in("a\n");
  for (const char delimiter : {'"', '\n', '\r', '\xC3'}) {
    try {
      CsvReader reader(in, "test.csv", CsvOptions{delimiter});
      ADD_FAILURE() << "no error for delimiter " << static_cast<int>(delimiter);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), Error::Kind::usage);
      EXPECT_STREQ(e.what(),
                   "the CSV separator must be an ASCII character other than a quote or line break");
    }
  }
}

TEST(CsvReader, ReadsEmptyFieldsAndTrailingSeparator) {
  EXPECT_EQ(read_all("a,,c\n,b,\n\"\",,\"\"\nx,\n"),
            (Records{{"a", "", "c"}, {"", "b", ""}, {"", "", ""}, {"x", ""}}));
}

TEST(CsvReader, ReadsLineOfOnlySeparatorsAsEmptyFields) {
  EXPECT_EQ(read_all("a,b,c\n,,\n"), (Records{{"a", "b", "c"}, {"", "", ""}}));
}

TEST(CsvReader, KeepsSpacesInUnquotedFields) {
  EXPECT_EQ(read_all(" a , b \n \n"), (Records{{" a ", " b "}, {" "}}));
}

TEST(CsvReader, SkipsEmptyLines) {
  const std::string text = "\n\na,b\n\n\r\n\rc,d\n\n";
  EXPECT_EQ(read_all(text), (Records{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{3, 7}));
}

TEST(CsvReader, ReadsLastRecordWithoutNewline) {
  EXPECT_EQ(read_all("a,b\nc,d"), (Records{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(read_all("a,b\nc,\"d\""), (Records{{"a", "b"}, {"c", "d"}}));
  EXPECT_EQ(read_all("a,b\nc,"), (Records{{"a", "b"}, {"c", ""}}));
  EXPECT_EQ(read_all("x"), (Records{{"x"}}));
}

TEST(CsvReader, ReusesFieldVector) {
  std::istringstream in("a,b,c\nd\n\"e\",f\n");
  CsvReader reader(in, "test.csv");
  Record fields{"old", "stale", "junk", "more", "extra"};
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"a", "b", "c"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"d"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"e", "f"}));
  EXPECT_FALSE(reader.next(fields));
  EXPECT_TRUE(fields.empty());
  EXPECT_FALSE(reader.next(fields));
}

TEST(CsvReader, ReportsSourceName) {
  std::istringstream in("");
  CsvReader reader(in, "exports/victims.csv");
  EXPECT_EQ(reader.source_name(), "exports/victims.csv");
}

TEST(CsvReader, RejectsUnterminatedQuote) {
  EXPECT_EQ(error_of("name,note\nx,\"abc\ndef\nghi\n"), "test.csv:2:2: unterminated quoted field");
  EXPECT_EQ(error_of("\""), "test.csv:1:1: unterminated quoted field");
  EXPECT_EQ(error_of("a,b,\"c\"\"\n"), "test.csv:1:3: unterminated quoted field");
}

TEST(CsvReader, RejectsGarbageAfterClosingQuote) {
  EXPECT_EQ(error_of("id,name\n1,\"Ana\"x,c\n"),
            "test.csv:2:2: expected separator or end of line after closing quote, got \"x\"");
  EXPECT_EQ(error_of("\"a\nb\" ,c\n"),
            "test.csv:2:1: expected separator or end of line after closing quote, got \" \"");
  EXPECT_EQ(error_of("a;\"b\",c;d\n"),
            "test.csv:1:2: expected separator or end of line after closing quote, got \",\"");
}

TEST(CsvReader, ShowsNonPrintableOrNonAsciiCharacterAfterClosingQuote) {
  EXPECT_EQ(error_of("\"a\"\x01\n"),
            "test.csv:1:1: expected separator or end of line after closing quote, got \"\\x01\"");
  EXPECT_EQ(error_of("x,\"a\"Қайрат\n"),
            "test.csv:1:2: expected separator or end of line after closing quote, got \"Қ\"");
  EXPECT_EQ(error_of("\"a\"\xC3\x28\n"), "test.csv:1:1: invalid UTF-8 byte sequence");
}

TEST(CsvReader, RejectsQuoteInUnquotedField) {
  EXPECT_EQ(error_of("id,name\n1,ab\"c\n"),
            "test.csv:2:2: quote inside an unquoted field; quote the whole field");
  EXPECT_EQ(error_of("a, \"b\"\n"),
            "test.csv:1:2: quote inside an unquoted field; quote the whole field");
  EXPECT_EQ(error_of("a,b,c\"\n"),
            "test.csv:1:3: quote inside an unquoted field; quote the whole field");
}

TEST(CsvReader, RejectsInvalidUtf8) {
  EXPECT_EQ(error_of("id,name\n1,\xC3\x28\n"), "test.csv:2:2: invalid UTF-8 byte sequence");
  EXPECT_EQ(error_of("id,name\n1,\xC0\xAF\n"), "test.csv:2:2: invalid UTF-8 byte sequence");
  EXPECT_EQ(error_of("\x80,b\n"), "test.csv:1:1: invalid UTF-8 byte sequence");
  EXPECT_EQ(error_of("a,b,ok\xBF\n"), "test.csv:1:3: invalid UTF-8 byte sequence");
}

TEST(CsvReader, RejectsOverlongSurrogateAndOutOfRangeSequences) {
  for (const std::string bad : {
           "\xE0\x80\xAF",      // overlong '/'
           "\xF0\x80\x80\xAF",  // overlong '/'
           "\xC1\xBF",          // overlong DEL
           "\xED\xA0\x80",      // high surrogate
           "\xED\xBF\xBF",      // low surrogate
           "\xF4\x90\x80\x80",  // above U+10FFFF
           "\xF5\x80\x80\x80",  // lead byte past F4
           "\xFF",              // never valid
       }) {
    EXPECT_EQ(error_of("a,x" + bad + "y\n"), "test.csv:1:2: invalid UTF-8 byte sequence");
  }
}

TEST(CsvReader, RejectsTruncatedUtf8) {
  EXPECT_EQ(error_of("a,\xE2\x82"), "test.csv:1:2: invalid UTF-8 byte sequence");
  EXPECT_EQ(error_of("a,\xF0\x9F\x98,b\n"), "test.csv:1:2: invalid UTF-8 byte sequence");
  EXPECT_EQ(error_of("a,\"\xD2\""), "test.csv:1:2: invalid UTF-8 byte sequence");
}

TEST(CsvReader, NamesPhysicalLineOfInvalidUtf8InsideQuotedField) {
  EXPECT_EQ(error_of("h1,h2\nx,\"line one\nline two \xC3\x28\"\n"),
            "test.csv:3:2: invalid UTF-8 byte sequence");
}

TEST(CsvReader, ErrorCarriesPosition) {
  std::istringstream in("a,b\n\"c\"d\n");
  CsvReader reader(in, "cases.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  try {
    reader.next(fields);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    ASSERT_TRUE(e.position().has_value());
    EXPECT_EQ(e.position()->file, "cases.csv");
    EXPECT_EQ(e.position()->line, 2U);
    EXPECT_EQ(e.position()->column, 1U);
  }
}

TEST(CsvReader, ReadsQuotedFieldStraddlingBufferBoundary) {
  std::string text = "id,name,note\n";
  Records expected{{"id", "name", "note"}};
  for (int i = 0; i < 1000; ++i) {
    const std::string id = std::to_string(i);
    text += id + ",name " + id + ",\"note, " + id + "\"\n";
    expected.push_back({id, "name " + id, "note, " + id});
  }
  ASSERT_LT(text.size(), kChunk - 1000);
  // About 100 KiB of quoted text with commas, doubled quotes and line breaks,
  // starting before the first chunk boundary and ending after it.
  std::string long_raw;
  std::string long_field;
  for (int i = 0; long_field.size() < 100 * 1024; ++i) {
    long_raw += "Қайрат, \"\"a\"\"\r\nline " + std::to_string(i) + "\n";
    long_field += "Қайрат, \"a\"\r\nline " + std::to_string(i) + "\n";
  }
  text += "1000,\"" + long_raw + "\",end\n";
  expected.push_back({"1000", long_field, "end"});
  for (int i = 1001; i < 5000; ++i) {
    const std::string id = std::to_string(i);
    text += id + ",Әбілов " + id + ",\"\"\"q\"\"\"\r\n";
    expected.push_back({id, "Әбілов " + id, "\"q\""});
  }
  ASSERT_GT(text.size(), 3 * kChunk);

  std::istringstream in(text);
  CsvReader reader(in, "test.csv");
  Records records;
  Record fields;
  while (reader.next(fields)) records.push_back(fields);
  EXPECT_EQ(records, expected);
  EXPECT_EQ(reader.bytes_read(), text.size());
}

// Puts `raw` into a quoted field so that it starts `shift` bytes before the
// first chunk boundary, for each shift that makes it touch the boundary.
TEST(CsvReader, ReadsQuotedSpecialsAcrossBufferBoundary) {
  struct Case {
    std::string raw;
    std::string cooked;
    std::size_t line_breaks;
  };
  const std::vector<Case> cases{
      {"\"\"", "\"", 0},
      {"\r\n", "\r\n", 1},
      {"\n", "\n", 1},
      {"\r", "\r", 1},
      {"\xD2\x9A", "\xD2\x9A", 0},                  // Қ
      {"\xE2\x82\xAC", "\xE2\x82\xAC", 0},          // €
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80", 0},  // 😀
      {"", "", 0},                                  // the closing quote itself
  };
  const std::string head = "id,text\n1,\"";
  for (const Case& c : cases) {
    for (std::size_t shift = 0; shift <= c.raw.size() + 1; ++shift) {
      const std::string pad(kChunk - shift - head.size(), 'a');
      const std::string text = head + pad + c.raw + "\",x\n2,after\n";
      EXPECT_EQ(read_all(text),
                (Records{{"id", "text"}, {"1", pad + c.cooked, "x"}, {"2", "after"}}))
          << "raw " << testing::PrintToString(c.raw) << " shift " << shift;
      EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, 3 + c.line_breaks}))
          << "raw " << testing::PrintToString(c.raw) << " shift " << shift;
    }
  }
}

TEST(CsvReader, ReadsUnquotedSpecialsAcrossBufferBoundary) {
  const std::vector<std::string> raws{"\r\n", "\xD2\x9A", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", ","};
  const std::string head = "id,text\n1,";
  for (const std::string& raw : raws) {
    for (std::size_t shift = 0; shift <= raw.size() + 1; ++shift) {
      const std::string pad(kChunk - shift - head.size(), 'a');
      const std::string text = head + pad + raw + "\n2,after\n";
      const Record second = raw == "\r\n" ? Record{"1", pad}
                            : raw == ","  ? Record{"1", pad, ""}
                                          : Record{"1", pad + raw};
      EXPECT_EQ(read_all(text), (Records{{"id", "text"}, second, {"2", "after"}}))
          << "raw " << testing::PrintToString(raw) << " shift " << shift;
      EXPECT_EQ(record_lines(text), (std::vector<std::size_t>{1, 2, raw == "\r\n" ? 4U : 3U}))
          << "raw " << testing::PrintToString(raw) << " shift " << shift;
    }
  }
}

TEST(CsvReader, ReadsFieldsStartingAtBufferBoundary) {
  const std::string head = "id,text\n1,";
  for (const std::string third : {"\"q,\"\"\"", "plain", "\"\"", ""}) {
    for (std::size_t shift = 0; shift <= 3; ++shift) {
      // The third field starts at offset kChunk - shift + 1: shift 1 makes it
      // the first byte of the second chunk.
      const std::string pad(kChunk - shift - head.size(), 'a');
      const std::string text = head + pad + "," + third + ",z\n2,after\n";
      const std::string cooked = third == "\"q,\"\"\"" ? "q,\"" : third == "\"\"" ? "" : third;
      EXPECT_EQ(read_all(text), (Records{{"id", "text"}, {"1", pad, cooked, "z"}, {"2", "after"}}))
          << "third " << testing::PrintToString(third) << " shift " << shift;
    }
  }
}

TEST(CsvReader, ReportsInvalidUtf8AcrossBufferBoundary) {
  const std::string head = "id,text\n1,";
  for (std::size_t shift = 0; shift <= 4; ++shift) {
    const std::string pad(kChunk - shift - head.size(), 'a');
    EXPECT_EQ(error_of(head + pad + "\xF0\x9F\x98(\n"), "test.csv:2:2: invalid UTF-8 byte sequence")
        << "shift " << shift;
  }
}

TEST(CsvReader, ReportsUnterminatedQuoteLongAfterItStarted) {
  std::string text = "id,text\n1,ok\n2,\"open";
  for (int i = 0; i < 20000; ++i) text += "\nmore text, more text";
  EXPECT_EQ(error_of(text), "test.csv:3:2: unterminated quoted field");
}

TEST(CsvReader, DetectsDelimiterFromFirstRecordLongerThanBuffer) {
  const std::string long_field(3 * kChunk, 'z');
  std::istringstream in("\"" + long_field + "\";b;c\nd;e;f\n");
  CsvReader reader(in, "test.csv");
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(reader.delimiter(), ';');
  EXPECT_EQ(fields, (Record{long_field, "b", "c"}));
  ASSERT_TRUE(reader.next(fields));
  EXPECT_EQ(fields, (Record{"d", "e", "f"}));
}

TEST(CsvReader, CountsBytesRead) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += std::to_string(i) + ",\"Ғалия\",x\r\n";
  ASSERT_GT(text.size(), 2 * kChunk);
  std::istringstream in(text);
  CsvReader reader(in, "test.csv");
  EXPECT_EQ(reader.bytes_read(), 0U);
  Record fields;
  ASSERT_TRUE(reader.next(fields));
  EXPECT_GT(reader.bytes_read(), 0U);
  EXPECT_LT(reader.bytes_read(), text.size());
  std::size_t count = 1;
  while (reader.next(fields)) ++count;
  EXPECT_EQ(count, 20000U);
  EXPECT_EQ(reader.bytes_read(), text.size());
}

TEST(CsvEscape, LeavesPlainFieldsAlone) {
  EXPECT_EQ(csv_escape(""), "");
  EXPECT_EQ(csv_escape("Қайрат Әбілов"), "Қайрат Әбілов");
  EXPECT_EQ(csv_escape("a;b"), "a;b");
  EXPECT_EQ(csv_escape("a,b", ';'), "a,b");
  EXPECT_EQ(csv_escape("in side"), "in side");
}

TEST(CsvEscape, QuotesFieldsThatNeedIt) {
  EXPECT_EQ(csv_escape("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_escape("a;b", ';'), "\"a;b\"");
  EXPECT_EQ(csv_escape("a\tb", '\t'), "\"a\tb\"");
  EXPECT_EQ(csv_escape("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(csv_escape("\""), "\"\"\"\"");
  EXPECT_EQ(csv_escape("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(csv_escape("cr\r"), "\"cr\r\"");
  EXPECT_EQ(csv_escape(" lead"), "\" lead\"");
  EXPECT_EQ(csv_escape("trail "), "\"trail \"");
  EXPECT_EQ(csv_escape(" "), "\" \"");
}

TEST(WriteCsvRecord, WritesDelimitedLine) {
  std::ostringstream out;
  const Record first{"id", "name, alias", "note \"x\"", ""};
  const Record second{"1", "Қайрат", "a;b"};
  write_csv_record(out, first);
  write_csv_record(out, second, ';');
  EXPECT_EQ(out.str(), "id,\"name, alias\",\"note \"\"x\"\"\",\n1;Қайрат;\"a;b\"\n");
}

TEST(WriteCsvRecord, QuotesLoneEmptyFieldSoTheRecordSurvives) {
  std::ostringstream out;
  const Record lone{""};
  write_csv_record(out, lone);
  EXPECT_EQ(out.str(), "\"\"\n");
  EXPECT_EQ(read_all(out.str()), (Records{{""}}));
}

// Found by fuzz/csv_reader (fuzz/regressions/csv_reader/bom_in_first_field):
// a field that starts with U+FEFF, written first in a file, was read back
// without it, the mark taken for the file's own.
TEST(WriteCsvRecord, QuotesLeadingByteOrderMarkSoItSurvives) {
  EXPECT_EQ(csv_escape("\xEF\xBB\xBFname"), "\"\xEF\xBB\xBFname\"");
  EXPECT_EQ(csv_escape("name\xEF\xBB\xBF"), "name\xEF\xBB\xBF");
  const Records records{{"\xEF\xBB\xBFid", "x"}, {"\xEF\xBB\xBF", "1"}};
  std::ostringstream out;
  for (const Record& record : records) write_csv_record(out, record);
  EXPECT_EQ(read_all(out.str()), records);
  EXPECT_EQ(read_all("\xEF\xBB\xBF" + out.str()), records);
}

TEST(WriteCsvRecord, RoundTripsTrickyFields) {
  const Records records{
      {"id", "name", "note"},
      {"1", "Қайрат Әбілов", "said \"help\", then left"},
      {"2", " padded ", "line one\r\nline two\nline three\rend"},
      {"3", "", "\"\"\""},
      {"4", ",", ";"},
      {"", "", ""},
      {""},
      {"5", "tab\there", "trailing space "},
  };
  for (const char delimiter : {',', ';', '\t'}) {
    std::ostringstream out;
    for (const Record& record : records) write_csv_record(out, record, delimiter);
    EXPECT_EQ(read_all(out.str(), CsvOptions{delimiter}), records)
        << "delimiter " << static_cast<int>(delimiter);
    EXPECT_EQ(read_all(out.str()), records) << "detected delimiter " << static_cast<int>(delimiter);
  }
}

TEST(WriteCsvRecord, RoundTripsRandomRecordsAcrossManyBuffers) {
  const std::vector<std::string> pieces{"a",    "b",  "Z",  " ",    ",", ";", "\t", "\"",
                                        "\"\"", "\r", "\n", "\r\n", "Қ", "ә", "€",  "😀"};
  std::mt19937 rng(20240601);
  auto random_field = [&] {
    const std::size_t length = rng() % 16 == 0 ? rng() % 3000 : rng() % 12;
    std::string field;
    for (std::size_t i = 0; i < length; ++i) field += pieces[rng() % pieces.size()];
    return field;
  };
  for (const char delimiter : {',', ';', '\t'}) {
    Records records;
    std::ostringstream out;
    while (out.tellp() < static_cast<std::streamoff>(4 * kChunk)) {
      Record record(1 + rng() % 8);
      for (std::string& field : record) field = random_field();
      write_csv_record(out, record, delimiter);
      records.push_back(std::move(record));
    }
    EXPECT_EQ(read_all(out.str(), CsvOptions{delimiter}), records)
        << "delimiter " << static_cast<int>(delimiter);
  }
}

}  // namespace
}  // namespace vigil::io
