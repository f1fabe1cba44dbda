// How layers and front-end stages run kernels: the thread pool to use, the mode (training or not,
// the step, a seed for dropout), and run(), which times a kernel call and records it in the
// ledger with its cost formula.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/thread_pool.h"
#include "ledger/ledger.h"

namespace sj {

class KernelContext {
 public:
  KernelContext(ThreadPool& pool, Ledger& ledger) : pool_(pool), ledger_(ledger) {}

  ThreadPool& pool() { return pool_; }
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

  // Runs one kernel call and records it: the only place where kernel calls enter the ledger.
  template <class Fn>
  void run(const char* kernel, KernelPass pass, const std::string& shapes, const Cost& cost, Fn&& fn) {
    const auto start = std::chrono::steady_clock::now();
    fn();
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
    ledger_.record(label_, kernel, pass, shapes, cost, ns);
  }

 private:
  ThreadPool& pool_;
  Ledger& ledger_;
  std::string label_;
  uint64_t layerSeed_ = 0;
  bool training_ = false;
  int64_t step_ = 0;
};

}  // namespace sj
