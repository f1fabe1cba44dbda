// Measures this machine's FP32 fused multiply-add peak with the same instruction set as the fast
// kernels: independent FMA chains that never touch memory. Benchmarks report kernel GFLOP/s as a
// fraction of this figure, measured in the same run, rather than of a datasheet number.
#pragma once
#include <cstdint>

namespace sj {

struct PeakMeasurement {
  double gflops = 0;       // all threads together
  int threads = 0;
  double seconds = 0;      // wall time of the timed loop
  const char* isa = "";
};

PeakMeasurement measureFmaPeak(int threads, double seconds);

// The FMA chain loop of the widest instruction set this CPU has (the loop measureFmaPeak times, and
// the busy load of the sensor study): runs `iterations` rounds, returns the FLOPs executed.
using FmaChains = int64_t (*)(int64_t iterations, float* sink);
FmaChains activeFmaChains();

namespace peak_detail {
// Runs `iterations` rounds of independent FMA chains; returns the FLOPs executed (FMA = 2).
int64_t fmaChainsGeneric(int64_t iterations, float* sink);
#if defined(SEDJOULE_X86)
int64_t fmaChainsAvx2(int64_t iterations, float* sink);
int64_t fmaChainsAvx512(int64_t iterations, float* sink);
#endif
}  // namespace peak_detail

}  // namespace sj
