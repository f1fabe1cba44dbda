// The cost of one kernel call, split into columns that are never mixed: a MAC is not a FLOP's
// worth of anything else, padding work is not useful work.
#pragma once
#include <cstdint>

// The columns, in the order the ledger shows them, each written once: the struct below, its sum
// and comparison, and the binding's ledger rows are all generated from this list, so a column is
// added or renamed here and nowhere else.
//   macs             multiply-accumulates on real data (padding taps excluded)
//   flops            every FP add, sub, mul, div; a MAC counts 2
//   transcendentals  exp, log, log1p, erf, tanh, sqrt
//   comparisons      max, compares, selects, abs, clamps
//   bytesRead        compulsory: each input read once
//   bytesWritten     compulsory: each output written once
//   paddingMacs      MACs on structural zeros (padding taps, stride gaps) that the fast im2col/GEMM
//                    kernels execute although they do no useful work; `macs` excludes them, so a
//                    profiler that counts executed instructions sees macs + paddingMacs
//   executedMacs     every multiply-add the fast kernel executes on its device: macs + paddingMacs
//                    + the tile-edge waste of its GEMM (core/executed_macs.h). Not part of a cost
//                    formula: KernelContext::run counts it during the call; 0 in a formula's Cost.
#define SJ_COST_COLUMNS(X) \
  X(macs)                  \
  X(flops)                 \
  X(transcendentals)       \
  X(comparisons)           \
  X(bytesRead)             \
  X(bytesWritten)          \
  X(paddingMacs)           \
  X(executedMacs)

namespace sj {

struct Cost {
#define SJ_COST_FIELD(column) int64_t column = 0;
  SJ_COST_COLUMNS(SJ_COST_FIELD)
#undef SJ_COST_FIELD

  Cost& operator+=(const Cost& o) {
#define SJ_COST_ADD(column) column += o.column;
    SJ_COST_COLUMNS(SJ_COST_ADD)
#undef SJ_COST_ADD
    return *this;
  }

  bool operator==(const Cost& o) const {
#define SJ_COST_DIFFERS(column) \
  if (column != o.column) return false;
    SJ_COST_COLUMNS(SJ_COST_DIFFERS)
#undef SJ_COST_DIFFERS
    return true;
  }
};

constexpr int64_t kFloatBytes = 4;

}  // namespace sj
