// A CPU emulation of the CUDA runtime API and execution model: the test double of the GPU.
//
// The CUDA sources of native/cuda and native/kernels/cuda compile against this header (instead of the toolkit's
// cuda_runtime.h) when the build emulates the GPU, so the CUDA backend's kernels, transfers, event
// timing and graphs are exercised on machines without one, in CI included. What it proves: index
// arithmetic, bounds, shared-memory tiling, barriers and warp shuffles, and the data flow of a
// whole network on "the device". What it cannot: speed, occupancy, the GPU's own rounding of
// intrinsics, or races that only real concurrency shows. The device check runs the same tests on
// a real GPU (scripts/device-check.sh).
//
// Execution model: a launch runs its blocks one after another on the calling thread; the threads
// of a block are fibers (ucontext) that each run until they reach a barrier (__syncthreads,
// __syncwarp or a shuffle) or finish, in forward order for even blocks and reverse order for odd
// ones, so a missing barrier reads stale shared memory whichever thread writes it. A barrier no
// thread can pass (divergent __syncthreads) fails the launch and names the kernel. Work is issued
// to streams synchronously; a stream under capture records launches, copies and fills into a graph
// instead, and cudaGraphLaunch replays them.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>

#define SEDJOULE_CUDA_EMULATION 1

#define __global__
#define __device__
#define __host__
#define __shared__ static
#define __constant__ static
#define __forceinline__ inline
#define __noinline__
#define __launch_bounds__(...)
#define __restrict__ __restrict
#define __align__(n) alignas(n)

// ---- vector types -------------------------------------------------------------------------------

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
using uint3 = dim3;
struct float2 { float x, y; };
struct alignas(16) float4 { float x, y, z, w; };
struct int2 { int x, y; };
struct alignas(16) int4 { int x, y, z, w; };
inline float2 make_float2(float x, float y) { return {x, y}; }
inline float4 make_float4(float x, float y, float z, float w) { return {x, y, z, w}; }
inline int2 make_int2(int x, int y) { return {x, y}; }

// ---- runtime types ------------------------------------------------------------------------------

enum cudaError_t {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorStreamCaptureUnsupported = 900,
  cudaErrorStreamCaptureInvalidated = 901,
  cudaErrorLaunchFailure = 719,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4,
};

enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2,
};

enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMaxSharedMemoryPerBlock = 8,
  cudaDevAttrWarpSize = 10,
  cudaDevAttrClockRate = 13,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrMemoryClockRate = 36,
  cudaDevAttrGlobalMemoryBusWidth = 37,
  cudaDevAttrL2CacheSize = 38,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
};

enum cudaFuncAttribute {
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8,
};

struct cudaUUID_t { char bytes[16]; };

struct cudaDeviceProp {
  char name[256];
  cudaUUID_t uuid;
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int multiProcessorCount;
  int major, minor;
  int pciBusID, pciDeviceID, pciDomainID;
  size_t sharedMemPerBlockOptin;
  int l2CacheSize;
};

struct CUstream_st;
struct CUevent_st;
struct CUgraph_st;
struct CUgraphExec_st;
using cudaStream_t = CUstream_st*;
using cudaEvent_t = CUevent_st*;
using cudaGraph_t = CUgraph_st*;
using cudaGraphExec_t = CUgraphExec_st*;

constexpr unsigned cudaStreamDefault = 0;
constexpr unsigned cudaStreamNonBlocking = 1;
constexpr unsigned cudaEventDefault = 0;
constexpr unsigned cudaEventDisableTiming = 2;

// ---- runtime API --------------------------------------------------------------------------------

const char* cudaGetErrorString(cudaError_t error);
const char* cudaGetErrorName(cudaError_t error);
cudaError_t cudaGetLastError();
cudaError_t cudaPeekAtLastError();

cudaError_t cudaRuntimeGetVersion(int* version);
cudaError_t cudaDriverGetVersion(int* version);
cudaError_t cudaGetDeviceCount(int* count);
cudaError_t cudaGetDevice(int* device);
cudaError_t cudaSetDevice(int device);
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int device);
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device);
cudaError_t cudaDeviceSynchronize();
cudaError_t cudaMemGetInfo(size_t* free, size_t* total);
cudaError_t cudaFuncSetAttribute(const void* function, cudaFuncAttribute attribute, int value);

cudaError_t cudaMalloc(void** pointer, size_t bytes);
cudaError_t cudaFree(void* pointer);
cudaError_t cudaMallocHost(void** pointer, size_t bytes);
cudaError_t cudaFreeHost(void* pointer);
template <class T>
cudaError_t cudaMalloc(T** pointer, size_t bytes) {
  return cudaMalloc(reinterpret_cast<void**>(pointer), bytes);
}
template <class T>
cudaError_t cudaMallocHost(T** pointer, size_t bytes) {
  return cudaMallocHost(reinterpret_cast<void**>(pointer), bytes);
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind);
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream = nullptr);
cudaError_t cudaMemset(void* dst, int value, size_t bytes);
cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream = nullptr);

cudaError_t cudaStreamCreate(cudaStream_t* stream);
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned flags);
cudaError_t cudaStreamDestroy(cudaStream_t stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode mode);
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph);

cudaError_t cudaEventCreate(cudaEvent_t* event);
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags);
cudaError_t cudaEventDestroy(cudaEvent_t event);
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t cudaEventSynchronize(cudaEvent_t event);
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end);

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long flags = 0);
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream);
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec);
cudaError_t cudaGraphDestroy(cudaGraph_t graph);

// ---- the emulator's own entry points ---------------------------------------------------------------

namespace sj_emulator {

struct Coordinates {
  dim3 thread, block, blockSize, gridSize;  // threadIdx, blockIdx, blockDim, gridDim
};
const Coordinates& coordinates();  // of the fiber running now

// Runs (or, under capture, records) `body` once per thread of the grid. The kernel is named in
// the diagnostics of a failed launch.
cudaError_t launch(const void* kernel, const char* name, dim3 grid, dim3 block, size_t dynamicSharedBytes, cudaStream_t stream,
                   std::function<void()> body);
void* dynamicShared();  // the launch's dynamic shared memory (extern __shared__)

// Barriers and the value exchange behind the shuffles.
void blockBarrier();
void warpBarrier();
uint64_t warpExchange(uint64_t bits, int sourceLane);  // the calling lane's bits in, the source lane's out
int laneId();

// Kernel launches since the process started (the tests check that work ran where expected).
uint64_t launchCount();
// What the last failed launch said (a barrier deadlock, an exception in a kernel), or "".
const char* lastDiagnostic();
// The PTX special register %globaltimer (nanoseconds, read with inline assembly on a GPU, which g++
// cannot compile): the host's steady clock, so a kernel timed by it lasts as long on the emulator.
unsigned long long globalTimerNs();

template <class T>
T shuffleFrom(T value, int sourceLane) {
  static_assert(sizeof(T) <= sizeof(uint64_t), "shuffles move at most 64 bits");
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof(T));
  bits = warpExchange(bits, sourceLane);
  T out;
  std::memcpy(&out, &bits, sizeof(T));
  return out;
}

}  // namespace sj_emulator

#define threadIdx (::sj_emulator::coordinates().thread)
#define blockIdx (::sj_emulator::coordinates().block)
#define blockDim (::sj_emulator::coordinates().blockSize)
#define gridDim (::sj_emulator::coordinates().gridSize)
constexpr int warpSize = 32;

// ---- device functions ---------------------------------------------------------------------------

inline void __syncthreads() { ::sj_emulator::blockBarrier(); }
inline void __syncwarp(unsigned = 0xffffffffu) { ::sj_emulator::warpBarrier(); }
inline void __threadfence() {}
inline void __threadfence_block() {}

template <class T>
T __shfl_sync(unsigned, T value, int sourceLane, int width = 32) {
  const int lane = ::sj_emulator::laneId();
  const int base = lane / width * width;
  return ::sj_emulator::shuffleFrom(value, base + ((sourceLane % width) + width) % width);
}
template <class T>
T __shfl_xor_sync(unsigned, T value, int laneMask, int width = 32) {
  const int lane = ::sj_emulator::laneId();
  const int source = lane ^ laneMask;
  return ::sj_emulator::shuffleFrom(value, source / width == lane / width ? source : lane);
}
template <class T>
T __shfl_down_sync(unsigned, T value, unsigned delta, int width = 32) {
  const int lane = ::sj_emulator::laneId();
  const int source = lane + static_cast<int>(delta);
  return ::sj_emulator::shuffleFrom(value, source / width == lane / width ? source : lane);
}
template <class T>
T __shfl_up_sync(unsigned, T value, unsigned delta, int width = 32) {
  const int lane = ::sj_emulator::laneId();
  const int source = lane - static_cast<int>(delta);
  return ::sj_emulator::shuffleFrom(value, source >= lane / width * width ? source : lane);
}

// Fibers of one launch never run at the same time, so a plain read-modify-write is atomic.
template <class T>
T atomicAdd(T* address, T value) {
  const T old = *address;
  *address = old + value;
  return old;
}
template <class T>
T atomicMax(T* address, T value) {
  const T old = *address;
  if (value > old) *address = value;
  return old;
}
template <class T>
T atomicMin(T* address, T value) {
  const T old = *address;
  if (value < old) *address = value;
  return old;
}
template <class T>
T atomicExch(T* address, T value) {
  const T old = *address;
  *address = value;
  return old;
}
template <class T>
T atomicCAS(T* address, T compare, T value) {
  const T old = *address;
  if (old == compare) *address = value;
  return old;
}

template <class T>
T __ldg(const T* p) {
  return *p;
}

inline int min(int a, int b) { return a < b ? a : b; }
inline int max(int a, int b) { return a > b ? a : b; }
inline unsigned min(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned max(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long min(long long a, long long b) { return a < b ? a : b; }
inline long long max(long long a, long long b) { return a > b ? a : b; }
inline long min(long a, long b) { return a < b ? a : b; }
inline long max(long a, long b) { return a > b ? a : b; }
inline float min(float a, float b) { return fminf(a, b); }
inline float max(float a, float b) { return fmaxf(a, b); }

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __saturatef(float x) { return x < 0.f ? 0.f : x > 1.f ? 1.f : x; }
inline float __frcp_rn(float x) { return 1.0f / x; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fsqrt_rn(float x) { return sqrtf(x); }
inline void sincosf(float x, float* s, float* c) {
  *s = sinf(x);
  *c = cosf(x);
}
inline void sincos(double x, double* s, double* c) {
  *s = std::sin(x);
  *c = std::cos(x);
}
inline int __float_as_int(float x) {
  int i;
  std::memcpy(&i, &x, 4);
  return i;
}
inline float __int_as_float(int i) {
  float x;
  std::memcpy(&x, &i, 4);
  return x;
}
inline unsigned __float_as_uint(float x) {
  unsigned i;
  std::memcpy(&i, &x, 4);
  return i;
}
inline float __uint_as_float(unsigned i) {
  float x;
  std::memcpy(&x, &i, 4);
  return x;
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
long long clock64();
