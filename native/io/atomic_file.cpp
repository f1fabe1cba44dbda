#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace sj {

static std::string reason(int error) { return std::strerror(error); }

static std::string folderOf(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  temp_ = path_ + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) fail(ErrorCode::Io, path_, ": cannot create the temporary file ", temp_, ": ", reason(errno));
}

AtomicFileWriter::~AtomicFileWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  const char* at = static_cast<const char*>(data);
  while (bytes > 0) {
    // write(2) may write fewer bytes than asked (a full disk first gives a short write, then
    // ENOSPC); the rest is retried until every byte is written or the system says why not.
    const ssize_t n = ::write(fd_, at, bytes);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = n < 0 ? errno : ENOSPC;
      fail(ErrorCode::Io, path_, ": write failed after ", written_, " bytes: ", reason(error), "; the previous file is left unchanged");
    }
    at += n;
    bytes -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
}

void AtomicFileWriter::commit() {
  if (::fsync(fd_) != 0) fail(ErrorCode::Io, path_, ": flushing to disk failed: ", reason(errno), "; the previous file is left unchanged");
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail(ErrorCode::Io, path_, ": close failed: ", reason(errno), "; the previous file is left unchanged");
  if (std::rename(temp_.c_str(), path_.c_str()) != 0)
    fail(ErrorCode::Io, path_, ": cannot rename ", temp_, " into place: ", reason(errno), "; the previous file is left unchanged");
  committed_ = true;
  // The rename is an entry in the folder: flushing the folder makes it survive a power cut.
  // Filesystems that cannot fsync a folder say EINVAL; that is not an error of this write.
  const std::string folder = folderOf(path_);
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) fail(ErrorCode::Io, path_, ": written, but its folder ", folder, " cannot be opened to flush it: ", reason(errno));
  const int synced = ::fsync(dir);
  const int error = errno;
  ::close(dir);
  if (synced != 0 && error != EINVAL && error != ENOTSUP)
    fail(ErrorCode::Io, path_, ": written, but flushing its folder ", folder, " failed: ", reason(error));
}

std::vector<char> readWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(ErrorCode::Io, path, ": cannot open: ", reason(errno));
  std::vector<char> data;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) data.insert(data.end(), buffer, buffer + n);
  const bool failed = std::ferror(f);
  const int error = errno;
  std::fclose(f);
  if (failed) fail(ErrorCode::Io, path, ": read failed: ", reason(error));
  return data;
}

}  // namespace sj
