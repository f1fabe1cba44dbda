// Files written atomically: the bytes go to a temporary file beside the target, every byte is
// written (a short write is retried, a failed one is an error), the file is flushed to disk and
// renamed over the target, and the folder is flushed so the rename itself survives a crash. A
// reader sees the old file or the new one, never half; on a full disk (ENOSPC) or an I/O error the
// temporary file is removed, the old file is left as it was, and the error names the target.
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

  void write(const void* data, size_t bytes);  // E_IO (naming the path) unless every byte is written
  void commit();                               // fsync, close, rename into place, fsync the folder

 private:
  std::string path_, temp_;
  int fd_ = -1;
  uint64_t written_ = 0;
  bool committed_ = false;
};

// Whole-file read; E_IO naming the path and the system's reason.
std::vector<char> readWholeFile(const std::string& path);

}  // namespace sj
