// How layers and front-end stages run kernels: the device and its thread pool or CUDA session, the
// mode (training or not, the step, a seed for dropout), and run(), which times a kernel call and
// records it in the ledger with its cost formula.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "core/device.h"
#include "core/executed_macs.h"
#include "core/thread_pool.h"
#include "cuda/cuda_session.h"
#include "ledger/ledger.h"

namespace sj {

class KernelContext {
 public:
  // cuda: the session of a CUDA network, null on the CPU.
  KernelContext(ThreadPool& pool, Ledger& ledger, CudaSession* cuda = nullptr) : pool_(pool), ledger_(ledger), cuda_(cuda) {}

  ThreadPool& pool() { return pool_; }
  Device device() const { return cuda_ ? Device::Cuda : Device::Cpu; }
  // The stream of a CUDA network's kernels (null on the CPU).
  CudaStream stream() const;
  bool training() const { return training_; }
  int64_t step() const { return step_; }
  uint64_t layerSeed() const { return layerSeed_; }

  void begin(std::string layerLabel, uint64_t layerSeed) {
    label_ = std::move(layerLabel);
    layerSeed_ = layerSeed;
  }
  void setMode(bool training, int64_t step) {
    training_ = training;
    step_ = step;
  }

  // Runs fn; an sj::Error it throws is rethrown naming the layer (same code).
  template <class Fn>
  void inLayer(Fn&& fn) const {
    try {
      fn();
    } catch (const Error& e) {
      throw Error(e.code(), "layer " + label_ + ": " + e.what());
    }
  }

  // Runs one kernel call on the context's device, `cpu` on the thread pool or `cuda` on the
  // stream, and records it: the only place where kernel calls enter the ledger. A CPU call is
  // timed by the host clock; a CUDA call by CUDA events, read at finishDeviceWork().
  // The call's executed multiply-adds are counted while it is issued (core/executed_macs.h).
  template <class Cpu, class Cuda>
  void run(const char* kernel, KernelPass pass, const std::string& shapes, const Cost& cost, Cpu&& cpu, Cuda&& cuda) {
    const int64_t executedBefore = executedMacsSoFar();
    if constexpr (kCudaBuilt) {
      if (cuda_) {
        if (cuda_->capturing()) {
          cuda_->captured(cuda);
          captured_.push_back({label_, kernel, pass, shapes, withExecutedMacs(cost, executedBefore)});
        } else {
          cuda_->timed(cuda);
          pending_.push_back({label_, kernel, pass, shapes, withExecutedMacs(cost, executedBefore)});
        }
        return;
      }
    }
    const auto start = std::chrono::steady_clock::now();
    cpu();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    ledger_.record(label_, kernel, pass, shapes, withExecutedMacs(cost, executedBefore), ns, Device::Cpu);
  }

  // CUDA: waits for the queued kernels and records the pending calls with their GPU times.
  // Nothing on the CPU, where every call is recorded as it returns.
  void finishDeviceWork();
  // Forgets pending calls without recording them (a step that failed half-way).
  void abandonDeviceWork();

  // The formula's cost with the multiply-adds the call executed since `executedBefore`: what its
  // GEMMs counted, or its macs + paddingMacs when it ran direct loops only.
  static Cost withExecutedMacs(Cost cost, int64_t executedBefore) {
    const int64_t counted = executedMacsSoFar() - executedBefore;
    cost.executedMacs = counted > 0 ? counted : cost.macs + cost.paddingMacs;
    return cost;
  }

  // A kernel call made while the session was capturing: what the ledger would have recorded.
  struct Call {
    std::string layer, kernel;
    KernelPass pass;
    std::string shapes;
    Cost cost;
  };
  const std::vector<Call>& capturedCalls() const { return captured_; }
  void clearCapturedCalls() { captured_.clear(); }

 private:
  ThreadPool& pool_;
  Ledger& ledger_;
  CudaSession* cuda_;
  std::string label_;
  uint64_t layerSeed_ = 0;
  bool training_ = false;
  int64_t step_ = 0;
  std::vector<Call> pending_, captured_;
};

}  // namespace sj
