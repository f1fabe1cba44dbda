// Runs the native kernel tests: sedjoule_native_tests [--filter SUBSTRING] [--list]
#include <cstdio>
#include <cstring>
#include <string>

#include "harness.h"

namespace sj::testing {

std::vector<TestCase>& registry() {
  static std::vector<TestCase> tests;
  return tests;
}

ThreadPool& testPool() {
  static ThreadPool pool(3);
  return pool;
}

bool cudaParityAvailable() { return cudaParityUnavailableReason().empty(); }

const std::string& cudaParityUnavailableReason() {
  static const std::string reason = [] {
    std::string why;
    if constexpr (kCudaBuilt) {
      if (!cuda::deviceAvailable(&why) && why.empty()) why = "no CUDA device";
    } else {
      why = "this build has no CUDA backend";
    }
    return why;
  }();
  return reason;
}

// The stream the CUDA passes share: created on first use, destroyed by main with its workspace,
// so that every allocation is freed before exit (LeakSanitizer checks).
namespace {
CudaStream createdStream = nullptr;
}

CudaStream testStream() {
  if constexpr (kCudaBuilt) {
    static CudaStream stream = createdStream = cuda::createStream(0);
    return stream;
  } else {
    return nullptr;
  }
}

void destroyTestStream() {
  if constexpr (kCudaBuilt) cuda::destroyStream(createdStream);
}

int64_t& cudaParityChecks() {
  static int64_t checks = 0;
  return checks;
}

double maxAbs(const std::vector<double>& v) {
  double m = 0.0;
  for (double x : v) m = std::max(m, std::fabs(x));
  return m;
}

}  // namespace sj::testing

int main(int argc, char** argv) {
  std::string filter;
  bool list = false;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--filter") && i + 1 < argc) {
      filter = argv[++i];
    } else if (!std::strcmp(argv[i], "--list")) {
      list = true;
    } else {
      std::fprintf(stderr, "usage: %s [--filter SUBSTRING] [--list]\n", argv[0]);
      return 2;
    }
  }
  int run = 0, failed = 0;
  for (const auto& test : sj::testing::registry()) {
    if (!filter.empty() && test.name.find(filter) == std::string::npos) continue;
    if (list) {
      std::printf("%s\n", test.name.c_str());
      continue;
    }
    ++run;
    try {
      test.run();
      std::printf("ok   %s\n", test.name.c_str());
    } catch (const std::exception& e) {
      ++failed;
      std::printf("FAIL %s\n     %s\n", test.name.c_str(), e.what());
    }
    std::fflush(stdout);
  }
  if (!list) {
    std::printf("%d run, %d failed\n", run, failed);
    if (sj::testing::cudaParityAvailable()) {
      std::printf("cuda parity: %lld ops checked on the device\n", static_cast<long long>(sj::testing::cudaParityChecks()));
    } else {
      std::printf("cuda parity: skipped (%s)\n", sj::testing::cudaParityUnavailableReason().c_str());
    }
  }
  sj::testing::destroyTestStream();
  if (!list && run == 0) {
    std::printf("no test matches '%s'\n", filter.c_str());
    return 1;
  }
  return failed ? 1 : 0;
}
