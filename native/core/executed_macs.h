// Multiply-adds the fast kernels execute, counted where the work is issued: the zero-padded
// micro-panels of the CPU GEMM and the 64/128-row tiles and 8-deep k-tiles of the CUDA GEMM
// multiply zeros that a cost formula never counts. A hardware counter (perf, Nsight Compute) sees
// these, so the ledger carries them beside the formulas' useful `macs`.
//
// Every GEMM call adds what it executes to the count of the thread that calls it (the thread that
// runs the kernel call, whichever pool threads share the work); KernelContext::run reads the
// count before and after a call. A kernel whose multiply-adds are direct loops adds nothing and
// executes exactly its counted macs + paddingMacs.
#pragma once
#include <cstdint>

namespace sj {

inline thread_local int64_t executedMacsOfThisThread = 0;

inline void countExecutedMacs(int64_t macs) { executedMacsOfThisThread += macs; }
inline int64_t executedMacsSoFar() { return executedMacsOfThisThread; }

}  // namespace sj
