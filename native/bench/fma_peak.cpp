#include "bench/fma_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "bench/fma_chains.h"
#include "core/cpu_isa.h"
#include "core/thread_pool.h"

namespace sj {
namespace peak_detail {
int64_t fmaChainsGeneric(int64_t iterations, float* sink) { return fmaChains<4, 8>(iterations, sink); }
}  // namespace peak_detail

FmaChains activeFmaChains() {
  switch (activeIsa()) {
#if defined(SEDJOULE_X86)
    case Isa::Avx512: return &peak_detail::fmaChainsAvx512;
    case Isa::Avx2: return &peak_detail::fmaChainsAvx2;
#endif
    default: return &peak_detail::fmaChainsGeneric;
  }
}

PeakMeasurement measureFmaPeak(int threads, double seconds) {
  const FmaChains chains = activeFmaChains();
  ThreadPool pool(threads);
  float sink = 0;
  // Calibrate the iteration count on one thread, then run every thread for about `seconds`.
  int64_t iterations = 1 << 16;
  for (;;) {
    auto t0 = std::chrono::steady_clock::now();
    chains(iterations, &sink);
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (dt > 0.02) {
      iterations = static_cast<int64_t>(iterations * std::max(1.0, seconds / dt));
      break;
    }
    iterations *= 4;
  }
  std::vector<float> sinks(pool.size());
  std::atomic<int64_t> flops{0};
  auto t0 = std::chrono::steady_clock::now();
  pool.run(pool.size(), [&](int t) { flops += chains(iterations, &sinks[t]); });
  double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  PeakMeasurement m;
  m.threads = pool.size();
  m.seconds = dt;
  m.gflops = static_cast<double>(flops.load()) / dt / 1e9;
  m.isa = isaName(activeIsa());
  return m;
}

}  // namespace sj
