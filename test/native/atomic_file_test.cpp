// The atomic file writer on a write that cannot finish. The file-size limit (RLIMIT_FSIZE) makes
// the kernel itself refuse bytes past a size, as a full disk does: write(2) first writes what
// still fits (a short write), then fails (EFBIG here, ENOSPC on a full disk). Nothing is faked;
// the limit is lifted again before the test ends. The real full disk (a small tmpfs) is tested
// from TypeScript through Network.saveCheckpoint, which uses this writer (test/atomic-write.test.ts).
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "expect_error.h"
#include "harness.h"
#include "io/atomic_file.h"

namespace sj::testing {
namespace {

namespace fs = std::filesystem;

class TempFolder {
 public:
  TempFolder() {
    char pattern[] = "/tmp/sj-atomic-XXXXXX";
    if (!::mkdtemp(pattern)) failTest("mkdtemp: ", std::strerror(errno));
    root_ = pattern;
  }
  ~TempFolder() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  std::string path(const std::string& name) const { return root_ + "/" + name; }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& entry : fs::directory_iterator(root_)) out.push_back(entry.path().filename().string());
    return out;
  }

 private:
  std::string root_;
};

// Lowers the process's file-size limit for its lifetime; SIGXFSZ is ignored so the write fails
// with EFBIG instead of the signal ending the process.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    if (::getrlimit(RLIMIT_FSIZE, &saved_) != 0) failTest("getrlimit: ", std::strerror(errno));
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    ::sigaction(SIGXFSZ, &ignore, &savedAction_);
    rlimit lowered = saved_;
    lowered.rlim_cur = bytes;
    if (::setrlimit(RLIMIT_FSIZE, &lowered) != 0) failTest("setrlimit: ", std::strerror(errno));
  }
  ~FileSizeLimit() {
    ::setrlimit(RLIMIT_FSIZE, &saved_);
    ::sigaction(SIGXFSZ, &savedAction_, nullptr);
  }

 private:
  rlimit saved_{};
  struct sigaction savedAction_ {};
};

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void writeWhole(const std::string& path, const std::string& text) {
  AtomicFileWriter out(path);
  out.write(text.data(), text.size());
  out.commit();
}

SJ_TEST(atomic_file_writes_every_byte_and_replaces_the_old_file) {
  TempFolder dir;
  const std::string file = dir.path("state.bin");
  writeWhole(file, "old contents");
  const std::string big(1 << 20, 'x');
  writeWhole(file, big);
  SJ_CHECK(readText(file) == big, "the new file holds ", readText(file).size(), " bytes, not ", big.size());
  SJ_CHECK(dir.names().size() == 1, "temporary files are left: ", dir.names().size(), " entries");
}

SJ_TEST(atomic_file_that_cannot_be_written_whole_leaves_the_old_file_and_no_temporary) {
  TempFolder dir;
  const std::string file = dir.path("state.bin");
  const std::string old(3000, 'o');
  writeWhole(file, old);
  {
    FileSizeLimit limit(8192);
    const std::string big(64 * 1024, 'n');
    expectError(ErrorCode::Io, file, [&] { writeWhole(file, big); });
    expectError(ErrorCode::Io, "the previous file is left unchanged", [&] { writeWhole(file, big); });
  }
  SJ_CHECK(readText(file) == old, "the old file was changed: it holds ", readText(file).size(), " bytes");
  SJ_CHECK(dir.names().size() == 1, "a temporary file was left beside ", file);
}

SJ_TEST(atomic_file_in_a_missing_folder_is_an_io_error_naming_the_file) {
  TempFolder dir;
  const std::string file = dir.path("no-such-folder/state.bin");
  expectError(ErrorCode::Io, file, [&] { AtomicFileWriter out(file); });
}

}  // namespace
}  // namespace sj::testing
