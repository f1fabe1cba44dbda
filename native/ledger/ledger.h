// The cost ledger: one row per (layer, kernel, pass, shapes, device), accumulating the cost formulas'
// counts and the measured wall time of every call. The network records into it; the binding and
// the TypeScript layer read it. Thread-safe, so it can be read while a step runs.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <vector>

#include "core/cost.h"
#include "core/device.h"
#include "kernels/kernel_pass.h"

namespace sj {

struct LedgerRow {
  std::string layer;   // which layer of the network made the call, e.g. "3:conv2d"
  std::string kernel;  // e.g. "conv2d"
  KernelPass pass = KernelPass::Forward;
  std::string shapes;  // e.g. "x[8,1,128,64] w[64,1,3,3] +b s1x1 p1x1 -> y[8,64,128,64]"
  Cost cost;           // summed over calls
  Device device = Device::Cpu;
  int64_t calls = 0;
  // Summed time of the calls: host wall time on the CPU; GPU time between CUDA events on CUDA.
  int64_t nanoseconds = 0;
};

class Ledger {
 public:
  void record(const std::string& layer, const std::string& kernel, KernelPass pass, const std::string& shapes, const Cost& cost,
              int64_t nanoseconds, Device device);
  std::vector<LedgerRow> rows() const;  // in order of first call
  void reset();

 private:
  using Key = std::tuple<std::string, std::string, KernelPass, std::string, Device>;
  mutable std::mutex mutex_;
  std::map<Key, size_t> index_;
  std::vector<LedgerRow> rows_;
};

}  // namespace sj
