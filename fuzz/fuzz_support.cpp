#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "fuzz_target.hpp"

namespace vigil::fuzz {

MemoryFile::MemoryFile() {
  fd_ = memfd_create("vigil-fuzz", MFD_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(std::string("memfd_create: ") + std::strerror(errno));
  path_ = "/proc/self/fd/" + std::to_string(fd_);
}

MemoryFile::~MemoryFile() {
  if (fd_ >= 0) close(fd_);
}

const std::string& MemoryFile::write(std::string_view content) {
  if (ftruncate(fd_, 0) != 0) throw std::runtime_error("ftruncate on the memfd failed");
  std::size_t done = 0;
  while (done < content.size()) {
    const ssize_t wrote =
        pwrite(fd_, content.data() + done, content.size() - done, static_cast<off_t>(done));
    if (wrote <= 0) throw std::runtime_error("pwrite on the memfd failed");
    done += static_cast<std::size_t>(wrote);
  }
  return path_;
}

}  // namespace vigil::fuzz
