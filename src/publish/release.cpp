#include "publish/release.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "io/case_csv.hpp"
#include "store/store.hpp"

namespace vigil::publish {
namespace {

namespace fs = std::filesystem;

// Writes `content` to `path` and flushes it to the disk, so that the rename
// that publishes the folder never exposes a file still in the page cache
// only (a power cut would leave it empty).
void write_durably(const fs::path& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(Error::Kind::io,
                fmt::format("{}: cannot create the file: {}", path.string(), std::strerror(errno)));
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ::ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int saved = errno;
      ::close(fd);
      throw Error(Error::Kind::io,
                  fmt::format("{}: cannot write: {}", path.string(), std::strerror(saved)));
    }
    written += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int saved = errno;
  if (::close(fd) != 0 || !synced) {
    throw Error(Error::Kind::io,
                fmt::format("{}: cannot flush to disk: {}", path.string(), std::strerror(saved)));
  }
}

void sync_directory(const fs::path& directory) {
  const int fd = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // best effort: some file systems refuse to open folders
  ::fsync(fd);
  ::close(fd);
}

void check_file_name(const std::string& name, std::set<std::string>& seen) {
  const fs::path path(name);
  bool bad = name.empty() || path.is_absolute() || name == "SHA256SUMS";
  std::size_t depth = 0;
  for (const auto& part : path) {
    ++depth;
    if (part == ".." || part == "." || part.empty()) bad = true;
  }
  if (bad || depth > 2) {
    throw Error(Error::Kind::usage,
                fmt::format("a release file needs a plain relative name (at most one folder "
                            "deep, not SHA256SUMS), got \"{}\"",
                            name));
  }
  if (!seen.insert(name).second) {
    throw Error(Error::Kind::usage, fmt::format("release file \"{}\" is given twice", name));
  }
}

// A sibling name that no other process uses at the same time.
fs::path sibling(const fs::path& directory, const char* what) {
  return directory.parent_path() /
         fmt::format(".{}.{}-{}", directory.filename().string(), what, ::getpid());
}

}  // namespace

CategoricalTable cases_table(const store::CaseStore& store, const std::string& name) {
  // The CTDC writer is the one definition of the layout's labels; reading
  // its output back gives exactly the table a user would get from exporting
  // the store and checking the file.
  std::stringstream csv;
  io::write_ctdc_2024_header(csv);
  store.for_each_case([&](const CaseRecord& record) { io::write_ctdc_2024_record(csv, record); });
  return read_categorical_csv(csv, name);
}

ReleaseSource csv_source(const std::string& path, std::size_t records) {
  return ReleaseSource{"csv", path, sha256_file_hex(path), records};
}

void write_release(const std::string& directory, const std::vector<ReleaseFile>& files,
                   bool replace) {
  std::set<std::string> seen;
  for (const auto& file : files) check_file_name(file.name, seen);
  const fs::path target = fs::absolute(fs::path(directory)).lexically_normal();
  if (target.filename().empty()) {
    throw Error(Error::Kind::usage,
                fmt::format("the release folder needs a name, got \"{}\"", directory));
  }
  std::error_code ec;
  const bool exists = fs::exists(target, ec);
  if (exists && !replace) {
    throw Error(Error::Kind::usage,
                fmt::format("{} already exists; choose another folder or pass --replace to "
                            "replace it as a whole",
                            directory));
  }
  if (exists && !fs::is_directory(target, ec)) {
    throw Error(Error::Kind::usage, fmt::format("{} exists and is not a folder", directory));
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) {
    throw Error(Error::Kind::io,
                fmt::format("{}: cannot create the parent folder: {}", directory, ec.message()));
  }

  const fs::path partial = sibling(target, "partial");
  fs::remove_all(partial, ec);
  try {
    fs::create_directory(partial);
    std::string sums;
    std::vector<std::string> names;
    for (const auto& file : files) {
      const fs::path path = partial / file.name;
      if (path.parent_path() != partial) fs::create_directories(path.parent_path());
      write_durably(path, file.content);
      names.push_back(file.name);
    }
    // Sorted so that the list does not depend on the order of writing.
    std::vector<std::size_t> order(files.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return files[a].name < files[b].name; });
    for (const std::size_t i : order) {
      sums += fmt::format("{}  {}\n", sha256_hex(files[i].content), files[i].name);
    }
    write_durably(partial / "SHA256SUMS", sums);
    sync_directory(partial);
    if (exists) {
      const fs::path old = sibling(target, "old");
      fs::remove_all(old, ec);
      fs::rename(target, old);
      fs::rename(partial, target);
      fs::remove_all(old, ec);
    } else {
      fs::rename(partial, target);
    }
    sync_directory(target.parent_path());
  } catch (const fs::filesystem_error& e) {
    fs::remove_all(partial, ec);
    throw Error(Error::Kind::io,
                fmt::format("{}: cannot write the release: {}", directory, e.code().message()));
  } catch (...) {
    fs::remove_all(partial, ec);
    throw;
  }
}

std::string render_privacy_statement(const PrivacyStatement& s) {
  std::string out = fmt::format("# {}\n\n", s.title);
  out += "## What this folder holds\n\n" + s.released + "\n\n";
  out += "## How the people in the data are protected\n\n" + s.method + "\n\n";
  if (!s.guarantees.empty()) {
    out += "What this ensures:\n\n";
    for (const auto& g : s.guarantees) out += "- " + g + "\n";
    out += "\n";
  }
  if (!s.limits.empty()) {
    out += "What it does not ensure:\n\n";
    for (const auto& l : s.limits) out += "- " + l + "\n";
    out += "\n";
  }
  if (!s.parameters.empty()) {
    out += "## Parameters\n\n| Parameter | Value |\n|---|---|\n";
    for (const auto& [name, value] : s.parameters) out += fmt::format("| {} | {} |\n", name, value);
    out += "\n";
  }
  out += "## Source\n\n";
  if (s.source.kind == "store") {
    out += fmt::format("The {} case records held in the vigil store `{}`.\n", s.source.records,
                       s.source.path);
  } else {
    out += fmt::format("The {} records of the file `{}` (SHA-256 `{}`).\n", s.source.records,
                       fs::path(s.source.path).filename().string(), s.source.sha256);
  }
  out += fmt::format(
      "\nMade with {}. `SHA256SUMS` lists a SHA-256 digest of every file of the release: "
      "`sha256sum -c SHA256SUMS` checks them. `parameters.json` records every choice above in "
      "a form a program can read.\n",
      s.created_by);
  return out;
}

}  // namespace vigil::publish
