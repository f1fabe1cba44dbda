#include "study/load_bursts.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <thread>

#include "base/error.h"
#include "bench/fma_peak.h"
#include "core/json.h"
#include "energy/energy_source.h"

namespace sj {

namespace {

// FMA rounds between two looks at the clock: a few microseconds on any current core, so a CPU burst
// overruns its end by no more than that.
constexpr int64_t kCpuSliceIterations = 2048;

// `threads` threads of FMA chains until the steady clock reaches endS.
void runCpuLoad(int threads, double endS) {
  const FmaChains chains = activeFmaChains();
  std::vector<float> sinks(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  workers.reserve(sinks.size());
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&, t] {
      while (steadyNowS() < endS) chains(kCpuSliceIterations, &sinks[static_cast<size_t>(t)]);
    });
  for (auto& w : workers) w.join();
}

}  // namespace

void sleepUntilSteadyS(double steadyS) {
  const double wait = steadyS - steadyNowS();
  if (wait > 0) std::this_thread::sleep_for(std::chrono::duration<double>(wait));
}

LoadBursts::LoadBursts(const LoadTarget& target, const std::string& loadLogPath) : target_(target), logPath_(loadLogPath) {
  if (target.kind == "cpu") {
    if (target.cpuThreads < 1) fail(ErrorCode::Value, "load: a CPU load needs at least one thread, got ", target.cpuThreads);
  } else if (target.kind == "gpu") {
    if (target.cudaDevices.empty()) fail(ErrorCode::Value, "load: a GPU load needs at least one CUDA device");
    for (int device : target.cudaDevices) gpus_.push_back(std::make_unique<CudaSpinLoad>(device));
  } else {
    fail(ErrorCode::Value, "load: kind must be \"gpu\" or \"cpu\", got \"", target.kind, "\"");
  }
  if (!loadLogPath.empty()) {
    logFd_ = ::open(loadLogPath.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (logFd_ < 0) fail(ErrorCode::Io, "load log ", loadLogPath, ": cannot open for appending: ", std::strerror(errno));
  }
}

LoadBursts::~LoadBursts() {
  if (logFd_ >= 0) ::close(logFd_);
}

void LoadBursts::logEdge(const char* line) {
  if (logFd_ < 0) return;
  const size_t length = std::strlen(line);
  // One write per line with O_APPEND: a reader never sees half an edge, nor edges out of order.
  if (::write(logFd_, line, length) != static_cast<ssize_t>(length))
    fail(ErrorCode::Io, "load log ", logPath_, ": cannot append: ", std::strerror(errno));
}

void LoadBursts::runOne(double endS, double intensity) {
  if (target_.kind == "cpu") {
    runCpuLoad(std::max(1, static_cast<int>(std::lround(intensity * target_.cpuThreads))), endS);
    return;
  }
  const double seconds = endS - steadyNowS();
  for (auto& gpu : gpus_) gpu->launch(seconds, intensity);  // every device first, so they run together
  for (auto& gpu : gpus_) gpu->wait();
}

std::vector<BurstRun> LoadBursts::run(const std::vector<LoadBurst>& bursts) {
  std::vector<BurstRun> runs;
  for (const LoadBurst& burst : bursts) {
    sleepUntilSteadyS(burst.atS);
    BurstRun r;
    r.label = burst.label;
    r.intensity = burst.intensity;
    r.plannedS = burst.atS;
    r.startS = steadyNowS();
    char line[96];
    // The intensity as the options gave it (the shortest text that reads back as the same double).
    std::snprintf(line, sizeof line, "on %.9f %s\n", r.startS, Json::number(burst.intensity).dump().c_str());
    logEdge(line);
    runOne(r.startS + burst.durationS, burst.intensity);
    r.endS = steadyNowS();
    std::snprintf(line, sizeof line, "off %.9f\n", r.endS);
    logEdge(line);
    runs.push_back(r);
  }
  return runs;
}

}  // namespace sj
