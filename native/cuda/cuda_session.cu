#include "cuda/cuda_session.h"

#include <cuda_runtime.h>

#include "cuda/cuda_check.h"
#include "cuda/device_memory.h"

namespace sj {

struct CudaSession::State {
  int device = 0;
  cudaStream_t stream = nullptr;
  std::vector<cudaEvent_t> events;  // pairs: start, stop; reused step after step
  size_t used = 0;                  // events in use (twice the timed calls)
  bool capturing = false;
  std::vector<cudaGraphExec_t> graphs;
};

CudaSession::CudaSession(int device) : state_(new State) {
  state_->device = device;
  state_->stream = cuda::createStream(device);
}

CudaSession::~CudaSession() {
  clearCaptured();
  if (state_->stream) cudaStreamSynchronize(state_->stream);
  for (cudaEvent_t e : state_->events) cudaEventDestroy(e);
  cuda::destroyStream(state_->stream);
}

int CudaSession::device() const { return state_->device; }
CudaStream CudaSession::stream() const { return state_->stream; }

void CudaSession::makeCurrent() const { cudaCheck(cudaSetDevice(state_->device), "selecting the session's CUDA device"); }

void CudaSession::synchronize(const char* what) { cudaCheck(cudaStreamSynchronize(state_->stream), what); }

void CudaSession::timed(const std::function<void()>& call) {
  State& s = *state_;
  while (s.events.size() < s.used + 2) {
    cudaEvent_t e = nullptr;
    cudaCheck(cudaEventCreate(&e), "creating a CUDA event");
    s.events.push_back(e);
  }
  cudaCheck(cudaEventRecord(s.events[s.used], s.stream), "recording a CUDA event");
  call();
  cudaCheck(cudaEventRecord(s.events[s.used + 1], s.stream), "recording a CUDA event");
  s.used += 2;
}

std::vector<int64_t> CudaSession::collect() {
  State& s = *state_;
  std::vector<int64_t> out;
  if (s.used == 0) return out;
  const size_t used = s.used;
  s.used = 0;
  cudaCheck(cudaEventSynchronize(s.events[used - 1]), "waiting for the kernels of this step");
  out.reserve(used / 2);
  for (size_t i = 0; i < used; i += 2) {
    float ms = 0.f;
    cudaCheck(cudaEventElapsedTime(&ms, s.events[i], s.events[i + 1]), "reading a kernel's CUDA-event time");
    out.push_back(static_cast<int64_t>(static_cast<double>(ms) * 1e6 + 0.5));
  }
  return out;
}

void CudaSession::discard() { state_->used = 0; }

void CudaSession::beginCapture() {
  clearCaptured();
  state_->capturing = true;
}
void CudaSession::endCapture() { state_->capturing = false; }
bool CudaSession::capturing() const { return state_->capturing; }

void CudaSession::captured(const std::function<void()>& call) {
  State& s = *state_;
  // Relaxed mode: a kernel may grow its workspace (cudaMalloc) during the first capture.
  cudaCheck(cudaStreamBeginCapture(s.stream, cudaStreamCaptureModeRelaxed), "beginning a CUDA graph capture");
  try {
    call();
  } catch (...) {
    cudaGraph_t broken = nullptr;
    cudaStreamEndCapture(s.stream, &broken);
    if (broken) cudaGraphDestroy(broken);
    cudaGetLastError();
    throw;
  }
  cudaGraph_t graph = nullptr;
  cudaCheck(cudaStreamEndCapture(s.stream, &graph), "ending a CUDA graph capture");
  cudaGraphExec_t exec = nullptr;
  const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  cudaCheck(e, "instantiating a captured kernel call");
  s.graphs.push_back(exec);
  cudaCheck(cudaGraphLaunch(exec, s.stream), "running a captured kernel call");
}

int64_t CudaSession::capturedCount() const { return static_cast<int64_t>(state_->graphs.size()); }

int64_t CudaSession::replay(int64_t index, int64_t times) {
  State& s = *state_;
  if (index < 0 || index >= capturedCount()) fail(ErrorCode::Value, "captured call ", index, " does not exist (", capturedCount(), " captured)");
  if (times < 1) fail(ErrorCode::Value, "repetitions must be at least 1, got ", times);
  cudaEvent_t start = nullptr, stop = nullptr;
  cudaCheck(cudaEventCreate(&start), "creating a CUDA event");
  cudaCheck(cudaEventCreate(&stop), "creating a CUDA event");
  cudaError_t e = cudaEventRecord(start, s.stream);
  for (int64_t i = 0; i < times && e == cudaSuccess; ++i) e = cudaGraphLaunch(s.graphs[index], s.stream);
  if (e == cudaSuccess) e = cudaEventRecord(stop, s.stream);
  if (e == cudaSuccess) e = cudaEventSynchronize(stop);
  float ms = 0.f;
  if (e == cudaSuccess) e = cudaEventElapsedTime(&ms, start, stop);
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaCheck(e, "replaying captured kernel call " + std::to_string(index));
  return static_cast<int64_t>(static_cast<double>(ms) * 1e6 + 0.5);
}

void CudaSession::clearCaptured() {
  for (cudaGraphExec_t g : state_->graphs) cudaGraphExecDestroy(g);
  state_->graphs.clear();
}

CudaSessionPointer makeCudaSession(int device) {
  return CudaSessionPointer(new CudaSession(device), [](CudaSession* s) { delete s; });
}

}  // namespace sj
