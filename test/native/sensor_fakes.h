// What the sensor tests share: a scratch folder, an environment script for the fakes (set for one
// test, cleared on both ends), the load log written by hand, and the fake powercap writer
// (test/fake/fake_powercap.c, a TEST DOUBLE of the kernel's RAPL sysfs folder) run as a child process.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fake_library.h"
#include "harness.h"

extern char** environ;

namespace sj::testing {

class ScratchFolder {
 public:
  ScratchFolder() {
    char pattern[] = "/tmp/sj-sensor-XXXXXX";
    if (!::mkdtemp(pattern)) failTest("mkdtemp: ", std::strerror(errno));
    root_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(root_, ignored);
  }
  std::string path(const std::string& name) const { return root_ + "/" + name; }

 private:
  std::string root_;
};

// The fakes read their settings from the environment (the NVML fake at nvmlInit, the powercap
// writer at start): every FAKE_NVML_* / FAKE_RAPL_* variable is cleared, then these are set.
class FakeEnvironment {
 public:
  using Variables = std::vector<std::pair<std::string, std::string>>;
  explicit FakeEnvironment(const Variables& variables) {
    clear();
    for (const auto& [key, value] : variables) ::setenv(key.c_str(), value.c_str(), 1);
  }
  ~FakeEnvironment() { clear(); }
  FakeEnvironment(const FakeEnvironment&) = delete;
  FakeEnvironment& operator=(const FakeEnvironment&) = delete;

 private:
  static void clear() {
    std::vector<std::string> keys;
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      if (entry.rfind("FAKE_NVML_", 0) == 0 || entry.rfind("FAKE_RAPL_", 0) == 0) keys.push_back(entry.substr(0, entry.find('=')));
    }
    for (const std::string& k : keys) ::unsetenv(k.c_str());
    ::unsetenv("SEDJOULE_NVML_LIB");
    ::unsetenv("SEDJOULE_POWERCAP_ROOT");
  }
};

// Appends load log lines as the load bursts write them (native/study/load_bursts.h).
inline void appendLoadLog(const std::string& path, const std::string& lines) {
  std::ofstream f(path, std::ios::app);
  f << lines;
  if (!f) failTest("cannot append to ", path);
}

inline std::string loadLogOn(double t, double intensity) {
  char line[96];
  std::snprintf(line, sizeof line, "on %.9f %.17g\n", t, intensity);
  return line;
}
inline std::string loadLogOff(double t) {
  char line[64];
  std::snprintf(line, sizeof line, "off %.9f\n", t);
  return line;
}

// Runs sedjoule_fake_powercap <root> with the current environment until destroyed (SIGTERM), and
// waits for its `ready` file.
class FakePowercapWriter {
 public:
  explicit FakePowercapWriter(const std::string& root) : root_(root) {
    const std::string program = besideTestBinary(SEDJOULE_FAKE_POWERCAP);
    char* argv[] = {const_cast<char*>(program.c_str()), const_cast<char*>(root.c_str()), nullptr};
    const int rc = ::posix_spawn(&pid_, program.c_str(), nullptr, nullptr, argv, environ);
    if (rc != 0) failTest("cannot run ", program, ": ", std::strerror(rc));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(root + "/ready")) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        failTest(program, " exited before it was ready, status ", status);
      }
      if (std::chrono::steady_clock::now() > deadline) failTest(program, " was not ready within 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  ~FakePowercapWriter() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    ::kill(pid_, SIGCONT);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  // Freezes the writer (SIGSTOP), so its files hold still while a test reads them, and lets it go on.
  void pause() { ::kill(pid_, SIGSTOP); }
  void resume() { ::kill(pid_, SIGCONT); }
  FakePowercapWriter(const FakePowercapWriter&) = delete;
  FakePowercapWriter& operator=(const FakePowercapWriter&) = delete;

 private:
  std::string root_;
  pid_t pid_ = -1;
};

}  // namespace sj::testing
