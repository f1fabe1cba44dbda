// The cost of one kernel call, split into columns that are never mixed (see DESIGN.md, Counting).
#pragma once
#include <cstdint>

namespace sj {

struct Cost {
  int64_t macs = 0;             // multiply-accumulates on real data (padding taps excluded)
  int64_t flops = 0;            // every FP add, sub, mul, div; a MAC counts 2
  int64_t transcendentals = 0;  // exp, log, log1p, tanh, sqrt
  int64_t comparisons = 0;      // max, compares, selects, abs, clamps
  int64_t bytesRead = 0;        // compulsory: each input read once
  int64_t bytesWritten = 0;     // compulsory: each output written once
  // MACs on structural zeros (padding taps, stride gaps) that the fast im2col/GEMM kernel executes
  // although they do no useful work; `macs` excludes them. A profiler that counts executed
  // instructions sees macs + paddingMacs.
  int64_t paddingMacs = 0;

  Cost& operator+=(const Cost& o) {
    macs += o.macs;
    flops += o.flops;
    transcendentals += o.transcendentals;
    comparisons += o.comparisons;
    bytesRead += o.bytesRead;
    bytesWritten += o.bytesWritten;
    paddingMacs += o.paddingMacs;
    return *this;
  }
};

constexpr int64_t kFloatBytes = 4;

}  // namespace sj
