// The device side of a network (or of a front end) on CUDA: its stream, the event pairs that time
// each kernel call on the GPU, and the CUDA graphs that per-kernel energy profiling replays.
// Built only with the CUDA backend; callers sit under `if constexpr (kCudaBuilt)` (core/device.h),
// or open it through openCudaSession (core/device.h), which says why CUDA cannot be used.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "cuda/cuda_stream.h"

namespace sj {

class CudaSession {
 public:
  explicit CudaSession(int device);
  ~CudaSession();
  CudaSession(const CudaSession&) = delete;
  CudaSession& operator=(const CudaSession&) = delete;

  int device() const;
  CudaStream stream() const;
  // Makes the session's device current on the calling thread. The current device is per host
  // thread and the binding runs work on pool threads, so every entry point calls this first.
  void makeCurrent() const;
  void synchronize(const char* what);

  // Times the launches `call` makes on the stream with a pair of CUDA events. collect() waits for
  // the stream and returns each timed call's GPU time in nanoseconds, in call order, and forgets
  // them; discard() forgets them without waiting (after an error).
  void timed(const std::function<void()>& call);
  std::vector<int64_t> collect();
  void discard();

  // While capturing, each call becomes a CUDA graph (stream capture) that runs once, so the step
  // goes on as usual, and is kept: replay() runs captured call `index` `times` times back to back
  // and returns their GPU time in nanoseconds.
  void beginCapture();
  void endCapture();
  bool capturing() const;
  void captured(const std::function<void()>& call);
  int64_t capturedCount() const;
  int64_t replay(int64_t index, int64_t times);
  void clearCaptured();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Owned through a deleter function, so that code built without CUDA, where ~CudaSession does not
// exist, can still hold an (always empty) pointer.
using CudaSessionPointer = std::unique_ptr<CudaSession, void (*)(CudaSession*)>;
inline CudaSessionPointer noCudaSession() { return CudaSessionPointer(nullptr, nullptr); }
CudaSessionPointer makeCudaSession(int device);

}  // namespace sj
