// vigil's one exception type.
//
// Thrown only when work cannot go on: unreadable input, a value that fails
// validation, a store that cannot be opened. Expected outcomes of an analysis
// (a model that did not converge, an estimate that does not exist) are values
// in the result, never exceptions.
//
// Messages never carry a victim's identifying fields: code that builds an
// error from input data quotes only values of non-identifying columns.
#pragma once

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace vigil {

// Where in an input file something was found. Lines and columns count from 1;
// `column` is the 1-based field number in a CSV record (the spreadsheet
// column), not a byte offset, because that is what a user can find.
struct SourcePosition {
  std::string file;
  std::size_t line = 0;
  std::size_t column = 0;
};

class Error : public std::runtime_error {
 public:
  enum class Kind {
    input,     // bad user input: a file's content, a value, a header
    io,        // a file that cannot be opened, read or written
    store,     // the embedded database refused an operation
    usage,     // an option or argument that makes no sense
    internal,  // a bug in vigil
  };

  Error(Kind kind, const std::string& message,
        std::optional<SourcePosition> position = std::nullopt);

  Kind kind() const noexcept { return kind_; }
  const std::optional<SourcePosition>& position() const noexcept { return position_; }

 private:
  Kind kind_;
  std::optional<SourcePosition> position_;
};

// "file:line:column: expected EXPECTED, got GOT". `got` is quoted and cut to
// 40 characters so that a stray long cell cannot flood a terminal.
Error input_error(const SourcePosition& where, std::string_view expected, std::string_view got);

// "file:line: MESSAGE" (column 0) or "file:line:column: MESSAGE".
Error input_error(const SourcePosition& where, std::string_view message);

// Shortens `text` to at most `max_chars` UTF-8 characters, adding "..." when
// cut, never splitting a multi-byte character.
std::string truncate_utf8(std::string_view text, std::size_t max_chars);

}  // namespace vigil
