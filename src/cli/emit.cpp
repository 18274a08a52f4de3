// Where a verb's report goes: standard output, or a file named by -o.
#include <fmt/format.h>

#include <fstream>

#include "cli/commands.hpp"
#include "core/error.hpp"

namespace vigil::cli {

void emit(const std::string& text, const std::string& path, const std::string& what) {
  std::string body = text;
  if (!body.empty() && body.back() != '\n') body += '\n';
  if (path.empty()) {
    fmt::print("{}", body);
    return;
  }
  std::ofstream out(path, std::ios::binary);
  out << body;
  if (!out) throw Error(Error::Kind::io, path + ": cannot write the file");
  fmt::print(stderr, "vigil: {} written to {}\n", what, path);
}

}  // namespace vigil::cli
