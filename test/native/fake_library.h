// Where a test double built beside the test binary lives (the fake libnvidia-ml, ...): the path
// CMake compiled in or, when the binaries were moved (the device check carries them to a GPU
// machine, into another folder), the same file name in the test binary's own folder.
#pragma once
#include <unistd.h>

#include <climits>
#include <string>

namespace sj::testing {

inline std::string besideTestBinary(const char* compiledPath) {
  if (access(compiledPath, R_OK) == 0) return compiledPath;
  char self[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) return compiledPath;
  const std::string binary(self, static_cast<size_t>(n));
  const std::string path(compiledPath);
  return binary.substr(0, binary.rfind('/') + 1) + path.substr(path.rfind('/') + 1);
}

}  // namespace sj::testing
