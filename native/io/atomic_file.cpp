#include "io/atomic_file.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/error.h"

namespace sj {

static std::string reason() { return std::strerror(errno); }

AtomicFileWriter::AtomicFileWriter(std::string path) : path_(std::move(path)) {
  static std::atomic<int> counter{0};
  temp_ = path_ + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  file_ = std::fopen(temp_.c_str(), "wb");
  if (!file_) fail(ErrorCode::Io, path_, ": cannot create ", temp_, ": ", reason());
}

AtomicFileWriter::~AtomicFileWriter() {
  if (file_) std::fclose(static_cast<std::FILE*>(file_));
  if (!committed_) std::remove(temp_.c_str());
}

void AtomicFileWriter::write(const void* data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, static_cast<std::FILE*>(file_)) != bytes) fail(ErrorCode::Io, path_, ": write failed: ", reason());
}

void AtomicFileWriter::commit() {
  auto* f = static_cast<std::FILE*>(file_);
  if (std::fflush(f) != 0 || fsync(fileno(f)) != 0) fail(ErrorCode::Io, path_, ": flush failed: ", reason());
  file_ = nullptr;
  if (std::fclose(f) != 0) fail(ErrorCode::Io, path_, ": close failed: ", reason());
  if (std::rename(temp_.c_str(), path_.c_str()) != 0) fail(ErrorCode::Io, path_, ": cannot rename ", temp_, " into place: ", reason());
  committed_ = true;
}

std::vector<char> readWholeFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) fail(ErrorCode::Io, path, ": cannot open: ", reason());
  std::vector<char> data;
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) data.insert(data.end(), buffer, buffer + n);
  const bool failed = std::ferror(f);
  std::fclose(f);
  if (failed) fail(ErrorCode::Io, path, ": read failed: ", reason());
  return data;
}

}  // namespace sj
