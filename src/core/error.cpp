#include "core/error.hpp"

#include <fmt/format.h>

namespace vigil {

Error::Error(Kind kind, const std::string& message, std::optional<SourcePosition> position)
    : std::runtime_error(message), kind_(kind), position_(std::move(position)) {}

namespace {

std::string prefix(const SourcePosition& where) {
  if (where.column == 0) return fmt::format("{}:{}", where.file, where.line);
  return fmt::format("{}:{}:{}", where.file, where.line, where.column);
}

}  // namespace

std::string truncate_utf8(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t pos = 0; pos < text.size(); ++pos) {
    const auto byte = static_cast<unsigned char>(text[pos]);
    if ((byte & 0xC0U) != 0x80U) {  // first byte of a character
      if (chars == max_chars) return std::string(text.substr(0, pos)) + "...";
      ++chars;
    }
  }
  return std::string(text);
}

Error input_error(const SourcePosition& where, std::string_view expected, std::string_view got) {
  return Error(
      Error::Kind::input,
      fmt::format("{}: expected {}, got \"{}\"", prefix(where), expected, truncate_utf8(got, 40)),
      where);
}

Error input_error(const SourcePosition& where, std::string_view message) {
  return Error(Error::Kind::input, fmt::format("{}: {}", prefix(where), message), where);
}

}  // namespace vigil
