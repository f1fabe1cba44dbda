// Files written atomically: the bytes go to a temporary file beside the target, which is flushed
// to disk and renamed over the target, so a reader sees the old file or the new one, never half.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sj {

class AtomicFileWriter {
 public:
  explicit AtomicFileWriter(std::string path);  // E_IO when the temporary file cannot be created
  ~AtomicFileWriter();                          // removes the temporary file unless commit() ran
  AtomicFileWriter(const AtomicFileWriter&) = delete;
  AtomicFileWriter& operator=(const AtomicFileWriter&) = delete;

  void write(const void* data, size_t bytes);
  void commit();  // flush, fsync, rename into place

 private:
  std::string path_, temp_;
  void* file_ = nullptr;
  bool committed_ = false;
};

// Whole-file read; E_IO naming the path and the system's reason.
std::vector<char> readWholeFile(const std::string& path);

}  // namespace sj
