// UTF-8 code points, one at a time: the decoder and encoder that the name
// code (simulated identities, record linkage) shares. Strict, as Unicode 15
// table 3-7: overlong forms, surrogates and values past U+10FFFF are not
// UTF-8, so that one letter never has two spellings. What to do with an
// invalid byte is the caller's choice (the simulator carries it through, the
// comparators refuse it).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

struct Utf8Sequence {
  char32_t code = 0;
  std::size_t length = 0;  // bytes, 1 to 4
};

// The code point that starts at byte `pos` of `text`, or nullopt when the
// bytes there are not a well-formed UTF-8 sequence.
std::optional<Utf8Sequence> decode_utf8_at(std::string_view text, std::size_t pos);

// Appends the UTF-8 encoding of a code point (at most U+10FFFF).
void append_utf8(std::string& out, char32_t code);

}  // namespace vigil
