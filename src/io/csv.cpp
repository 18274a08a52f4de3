#include "io/csv.hpp"

#include <array>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "core/error.hpp"

namespace vigil::io {

namespace {

// Large enough that istream overhead vanishes, small enough to stay in L2.
constexpr std::size_t kChunkSize = std::size_t{64} * 1024;

// Room behind the data for the sentinel and for 16-byte loads that start
// just before it.
constexpr std::size_t kPadding = 32;

// Delimiter detection looks at most this far into the first record, so that a
// stray quote in the header cannot pull a whole multi-gigabyte file into memory.
constexpr std::size_t kDetectLimit = std::size_t{1024} * 1024;

using ByteTable = std::array<unsigned char, 256>;

// Marks the bytes that end the fast scan over a field: everything else is
// copied through untouched.
ByteTable make_table(char delimiter, bool quoted) {
  ByteTable table{};
  for (std::size_t byte = 0x80; byte < table.size(); ++byte) table[byte] = 1;
  table[static_cast<unsigned char>('"')] = 1;
  table[static_cast<unsigned char>('\n')] = 1;
  table[static_cast<unsigned char>('\r')] = 1;
  if (!quoted) table[static_cast<unsigned char>(delimiter)] = 1;
  return table;
}

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0U) == 0x80U;
}

bool in_range(unsigned char byte, unsigned char low, unsigned char high) {
  return byte >= low && byte <= high;
}

// Length of the well-formed UTF-8 sequence at `s` (whose first byte is
// >= 0x80), or 0 when it is overlong, a surrogate, above U+10FFFF, a stray
// continuation byte or cut short by `available`.
std::size_t utf8_sequence_length(const unsigned char* s, std::size_t available) {
  const unsigned char lead = s[0];
  if (lead < 0xC2) return 0;  // continuation byte, or C0/C1 (always overlong)
  if (lead < 0xE0) return available >= 2 && is_continuation(s[1]) ? 2 : 0;
  if (lead < 0xF0) {
    if (available < 3) return 0;
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;   // E0 80..9F is overlong
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;  // ED A0..BF are surrogates
    return in_range(s[1], low, high) && is_continuation(s[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    if (available < 4) return 0;
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;   // F0 80..8F is overlong
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;  // F4 90.. is above U+10FFFF
    return in_range(s[1], low, high) && is_continuation(s[2]) && is_continuation(s[3]) ? 4 : 0;
  }
  return 0;
}

bool needs_quoting(std::string_view field, char delimiter) {
  if (field.empty()) return false;
  if (field.front() == ' ' || field.back() == ' ') return true;
  // A byte-order mark leading the file's first field would be taken for the
  // file's own and dropped on reading; quoted, it stays part of the field.
  if (field.starts_with("\xEF\xBB\xBF")) return true;
  for (const char c : field) {
    if (c == delimiter || c == '"' || c == '\n' || c == '\r') return true;
  }
  return false;
}

void append_quoted(std::string& out, std::string_view field) {
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

}  // namespace

struct CsvReader::State {
  State(std::istream& stream, std::string name, char separator)
      : in(stream), source(std::move(name)), delimiter(separator) {
    if (delimiter == '"' || delimiter == '\n' || delimiter == '\r' ||
        static_cast<unsigned char>(delimiter) >= 0x80) {
      throw Error(Error::Kind::usage,
                  "the CSV separator must be an ASCII character other than a quote or line break");
    }
    if (delimiter != '\0') set_delimiter(delimiter);
  }

  std::istream& in;
  std::string source;
  char delimiter;
  bool started = false;
  bool at_eof = false;  // the stream has nothing more to give
  bool bom = false;
  std::uint64_t bytes = 0;
  std::size_t line = 1;  // physical line of the byte at `p`
  std::size_t record_line = 0;

  // The byte at `end` is always a '\n' sentinel, so the scan loops need no
  // bounds check: they stop on it and then compare with `end`. The padding
  // behind it lets them load whole vectors without reading past the buffer.
  std::vector<char> buffer;
  char* p = nullptr;
  char* end = nullptr;

  ByteTable unquoted_stop{};
  ByteTable quoted_stop{};

  void set_delimiter(char separator) {
    delimiter = separator;
    unquoted_stop = make_table(separator, false);
    quoted_stop = make_table(separator, true);
  }

  [[noreturn]] void fail(std::size_t at_line, std::size_t column, std::string_view message) const {
    throw input_error(SourcePosition{source, at_line, column}, message);
  }

  // Moves the unread bytes to the front of the buffer and fills the rest from
  // the stream. Returns whether new bytes arrived. Pointers into the buffer
  // other than `p` and `end` are invalid afterwards.
  bool refill() {
    char* base = buffer.data();
    const auto keep = static_cast<std::size_t>(end - p);
    if (keep != 0 && p != base) std::memmove(base, p, keep);
    std::size_t got = 0;
    if (!at_eof) {
      const std::size_t want = buffer.size() - kPadding - keep;
      in.read(base + keep, static_cast<std::streamsize>(want));
      got = static_cast<std::size_t>(in.gcount());
      if (in.bad()) throw Error(Error::Kind::io, source + ": cannot read the file");
      // istream::read stops short only at the end of the stream.
      if (got < want) at_eof = true;
      bytes += got;
    }
    p = base;
    end = base + keep + got;
    *end = '\n';
    return got != 0;
  }

  // Whether at least `n` bytes are available at `p`, reading more if needed.
  bool ensure(std::size_t n) {
    if (static_cast<std::size_t>(end - p) >= n) return true;
    refill();
    return static_cast<std::size_t>(end - p) >= n;
  }

  void start() {
    started = true;
    buffer.resize(kChunkSize + kPadding);
    p = end = buffer.data();
    refill();
    if (end - p >= 3 && std::memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
      p += 3;
      bom = true;
    }
  }

  // Picks the separator from the record at `p` without consuming it.
  void detect_delimiter() {
    std::size_t commas = 0;
    std::size_t semicolons = 0;
    std::size_t tabs = 0;
    bool in_quotes = false;
    for (std::size_t offset = 0;; ++offset) {
      if (offset == static_cast<std::size_t>(end - p)) {
        if (at_eof || offset >= kDetectLimit) break;
        // `offset` stays valid: refill keeps the bytes from `p` on.
        const auto start = static_cast<std::size_t>(p - buffer.data());
        if (buffer.size() < offset + kChunkSize + kPadding) {
          buffer.resize(offset + kChunkSize + kPadding);
        }
        p = buffer.data() + start;
        end = p + offset;
        refill();
        if (offset == static_cast<std::size_t>(end - p)) break;
      }
      const char c = p[offset];
      if (c == '"') {
        in_quotes = !in_quotes;
      } else if (!in_quotes) {
        if (c == '\n' || c == '\r') break;
        commas += c == ',';
        semicolons += c == ';';
        tabs += c == '\t';
      }
    }
    char chosen = ',';
    std::size_t best = commas;
    if (semicolons > best) {
      chosen = ';';
      best = semicolons;
    }
    if (tabs > best) chosen = '\t';
    set_delimiter(chosen);
  }

  // Returns the first byte from `q` on that is a quote, CR, LF, the separator
  // (outside quotes) or not ASCII; the sentinel guarantees one by `end`.
  template <bool Quoted>
  char* skip_ascii(char* q) const {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r');
    const __m128i separator = _mm_set1_epi8(delimiter);
    for (;; q += 16) {
      const __m128i bytes16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
      __m128i hits = _mm_or_si128(_mm_cmpeq_epi8(bytes16, lf), _mm_cmpeq_epi8(bytes16, cr));
      hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes16, quote));
      if constexpr (!Quoted) hits = _mm_or_si128(hits, _mm_cmpeq_epi8(bytes16, separator));
      // The sign bit of each byte marks both the hits and non-ASCII bytes.
      const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(hits, bytes16)));
      if (mask != 0) return q + __builtin_ctz(mask);
    }
#else
    const unsigned char* stop = Quoted ? quoted_stop.data() : unquoted_stop.data();
    while (stop[static_cast<unsigned char>(*q)] == 0) ++q;
    return q;
#endif
  }

  // Returns the first byte from `q` on that ends the plain run of a field: a
  // quote, CR, LF, the separator (outside quotes), `end`, or the start of a
  // UTF-8 sequence that is invalid or cut short by `end`.
  template <bool Quoted>
  char* scan(char* q) const {
    const unsigned char* stop = Quoted ? quoted_stop.data() : unquoted_stop.data();
    for (;;) {
      q = skip_ascii<Quoted>(q);
      // Text in Cyrillic or Kazakh is mostly non-ASCII; stay here through it.
      while (static_cast<unsigned char>(*q) >= 0x80) {
        const std::size_t length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(q),
                                                        static_cast<std::size_t>(end - q));
        if (length == 0) return q;
        q += length;
      }
      if (stop[static_cast<unsigned char>(*q)] != 0) return q;
    }
  }

  // scan() stopped at `q` on a UTF-8 sequence it could not take whole: fails
  // if it is invalid, else refills so that it is complete, moving `segment`
  // (the field bytes not yet copied into `field`) along.
  char* complete_utf8(char* q, char*& segment, std::string& field, std::size_t column) {
    if (end - q >= 4 || at_eof) fail(line, column, "invalid UTF-8 byte sequence");
    field.append(segment, static_cast<std::size_t>(q - segment));
    p = q;
    refill();
    segment = p;
    return p;
  }

  // Reads an unquoted field at `p` into `field`, leaving `p` on the byte that
  // ends it (separator, CR, LF) or at the end of input.
  void read_unquoted(std::string& field, std::size_t column) {
    char* segment = p;
    char* q = p;
    for (;;) {
      q = scan<false>(q);
      if (q == end) {
        field.append(segment, static_cast<std::size_t>(q - segment));
        p = q;
        if (!refill()) return;
        q = segment = p;
        continue;
      }
      const char c = *q;
      if (c == delimiter || c == '\n' || c == '\r') {
        field.append(segment, static_cast<std::size_t>(q - segment));
        p = q;
        return;
      }
      if (c == '"') fail(line, column, "quote inside an unquoted field; quote the whole field");
      q = complete_utf8(q, segment, field, column);
    }
  }

  // Reads a quoted field whose opening quote is at `p`, leaving `p` after the
  // closing quote.
  void read_quoted(std::string& field, std::size_t column) {
    const std::size_t start_line = line;
    char* segment = ++p;
    char* q = p;
    for (;;) {
      q = scan<true>(q);
      if (q == end) {
        field.append(segment, static_cast<std::size_t>(q - segment));
        p = q;
        if (!refill()) fail(start_line, column, "unterminated quoted field");
        q = segment = p;
        continue;
      }
      const char c = *q;
      if (c == '"') {
        field.append(segment, static_cast<std::size_t>(q - segment));
        p = q + 1;
        if (p == end) refill();
        if (p != end && *p == '"') {  // a doubled quote stands for one
          field.push_back('"');
          q = segment = ++p;
          continue;
        }
        if (p == end || *p == delimiter || *p == '\n' || *p == '\r') return;
        bad_after_closing_quote(column);
      }
      if (c == '\n' || c == '\r') {
        ++line;
        ++q;
        if (c == '\r') {  // CR LF is one line break
          if (q == end) {
            field.append(segment, static_cast<std::size_t>(q - segment));
            p = q;
            refill();
            q = segment = p;
          }
          if (q != end && *q == '\n') ++q;
        }
        continue;
      }
      q = complete_utf8(q, segment, field, column);
    }
  }

  [[noreturn]] void bad_after_closing_quote(std::size_t column) {
    constexpr std::string_view kExpected = "separator or end of line after closing quote";
    const auto byte = static_cast<unsigned char>(*p);
    if (byte < 0x20 || byte == 0x7F) {
      static constexpr char kHex[] = "0123456789ABCDEF";
      const char shown[] = {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xF]};
      throw input_error(SourcePosition{source, line, column}, kExpected,
                        std::string_view(shown, sizeof shown));
    }
    std::size_t length = 1;
    if (byte >= 0x80) {
      ensure(4);
      length = utf8_sequence_length(reinterpret_cast<const unsigned char*>(p),
                                    static_cast<std::size_t>(end - p));
      if (length == 0) fail(line, column, "invalid UTF-8 byte sequence");
    }
    throw input_error(SourcePosition{source, line, column}, kExpected, std::string_view(p, length));
  }

  bool next(std::vector<std::string>& fields) {
    if (!started) start();
    for (;;) {  // skip empty lines
      if (p == end && !refill()) {
        if (delimiter == '\0') set_delimiter(',');
        fields.clear();
        return false;
      }
      if (*p == '\n') {
        ++p;
        ++line;
      } else if (*p == '\r') {
        ++p;
        ++line;
        if (ensure(1) && *p == '\n') ++p;
      } else {
        break;
      }
    }
    if (delimiter == '\0') detect_delimiter();
    record_line = line;

    std::size_t count = 0;
    for (;;) {
      if (count == fields.size()) fields.emplace_back();
      std::string& field = fields[count++];
      if (p == end) refill();
      if (*p == '"') {  // never true at `end`, which holds the sentinel
        field.clear();
        read_quoted(field, count);
      } else {
        // Most fields lie wholly in the buffer: copy them in one go.
        char* q = scan<false>(p);
        if (q != end && (*q == delimiter || *q == '\n' || *q == '\r')) {
          field.assign(p, static_cast<std::size_t>(q - p));
          p = q;
        } else {
          field.clear();
          read_unquoted(field, count);
        }
      }
      if (p == end && !refill()) break;
      const char c = *p++;
      if (c == delimiter) continue;
      ++line;
      if (c == '\r' && ensure(1) && *p == '\n') ++p;
      break;
    }
    fields.resize(count);
    return true;
  }
};

CsvReader::CsvReader(std::istream& in, std::string source_name, CsvOptions options)
    : state_(std::make_unique<State>(in, std::move(source_name), options.delimiter)) {}

CsvReader::~CsvReader() = default;

bool CsvReader::next(std::vector<std::string>& fields) {
  return state_->next(fields);
}

char CsvReader::delimiter() const noexcept {
  return state_->delimiter;
}

std::size_t CsvReader::record_line() const noexcept {
  return state_->record_line;
}

std::uint64_t CsvReader::bytes_read() const noexcept {
  return state_->bytes;
}

bool CsvReader::had_bom() const noexcept {
  return state_->bom;
}

const std::string& CsvReader::source_name() const noexcept {
  return state_->source;
}

std::string csv_escape(std::string_view field, char delimiter) {
  if (!needs_quoting(field, delimiter)) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  append_quoted(out, field);
  return out;
}

void write_csv_record(std::ostream& out, std::span<const std::string> fields, char delimiter) {
  // A record of one empty field would be a blank line, which readers skip.
  if (fields.size() == 1 && fields.front().empty()) {
    out << "\"\"\n";
    return;
  }
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i != 0) line.push_back(delimiter);
    if (needs_quoting(fields[i], delimiter)) {
      append_quoted(line, fields[i]);
    } else {
      line.append(fields[i]);
    }
  }
  line.push_back('\n');
  out.write(line.data(), static_cast<std::streamsize>(line.size()));
}

}  // namespace vigil::io
