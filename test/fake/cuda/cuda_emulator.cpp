// The CUDA emulator's runtime: memory, streams, events, graphs and the fiber scheduler that runs
// a kernel's blocks (see cuda_runtime.h for what it proves and what it cannot).
#include <sys/mman.h>
#include <ucontext.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "cuda_runtime.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

struct CUstream_st {
  bool capturing = false;
  cudaGraph_t graph = nullptr;
};
struct CUevent_st {
  std::chrono::steady_clock::time_point at;
  bool recorded = false;
  bool timing = true;
};
struct CUgraph_st {
  std::vector<std::function<cudaError_t()>> nodes;
};
struct CUgraphExec_st {
  std::vector<std::function<cudaError_t()>> nodes;
};

namespace {

// ---- state -------------------------------------------------------------------------------------------

// One mutex for the runtime's bookkeeping; launches themselves run on the caller's thread.
std::mutex& runtimeMutex() {
  static std::mutex m;
  return m;
}
thread_local cudaError_t lastError = cudaSuccess;
thread_local int currentDevice = 0;
std::string& diagnostic() {
  static std::string d;
  return d;
}
uint64_t launches = 0;

cudaError_t record(cudaError_t e) {
  if (e != cudaSuccess) lastError = e;
  return e;
}

// Device memory: malloc'd blocks, tracked so that a limit (SEDJOULE_EMULATED_GPU_MEMORY, bytes)
// can make allocations fail like a full GPU, and so that a bad free is caught.
std::map<void*, size_t>& deviceBlocks() {
  static std::map<void*, size_t> blocks;
  return blocks;
}
size_t deviceBytesInUse = 0;
size_t totalDeviceBytes() {
  static const size_t total = [] {
    const char* limit = std::getenv("SEDJOULE_EMULATED_GPU_MEMORY");
    return limit ? static_cast<size_t>(std::strtoull(limit, nullptr, 10)) : size_t{8} << 30;
  }();
  return total;
}

CUstream_st& streamOf(cudaStream_t s) {
  static CUstream_st legacy;
  return s ? *s : legacy;
}

// Runs a unit of stream work now, or adds it to the graph of a capturing stream.
cudaError_t issue(cudaStream_t stream, std::function<cudaError_t()> work) {
  CUstream_st& s = streamOf(stream);
  if (s.capturing) {
    s.graph->nodes.push_back(std::move(work));
    return cudaSuccess;
  }
  return record(work());
}

// ---- fibers --------------------------------------------------------------------------------------------

constexpr size_t kStackBytes = size_t{256} << 10;
constexpr int kMaxThreads = 1024;

enum class Wait { Runnable, Block, Warp, Done };

struct Fiber {
  ucontext_t context;
  sj_emulator::Coordinates where;
  Wait wait = Wait::Runnable;
  int linear = 0;
};

struct BlockRun {
  ucontext_t scheduler;
  const void* schedulerStack = nullptr;  // the thread's own stack (for AddressSanitizer)
  size_t schedulerStackBytes = 0;
  std::vector<Fiber> fibers;
  Fiber* current = nullptr;
  const std::function<void()>* body = nullptr;
  std::vector<uint64_t> slots;
  std::string failure;
  std::vector<unsigned char> dynamicShared;
};
thread_local BlockRun* running = nullptr;

// Stacks for up to kMaxThreads fibers, reserved once without committing memory.
unsigned char* stacks() {
  static unsigned char* base = [] {
    void* p = mmap(nullptr, kStackBytes * kMaxThreads, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return static_cast<unsigned char*>(p);
  }();
  return base;
}

// Switches between a fiber and the scheduler. AddressSanitizer follows one stack per thread, so
// each switch tells it which stack comes next (sanitizer/common_interface_defs.h): it then keeps the
// stacks' shadow memory and fake frames (detect_stack_use_after_return) apart. A fiber that has
// finished passes finished, which frees its fake frames, for it never resumes.
void switchContext(ucontext_t* from, ucontext_t* to, const void* toStack, size_t toStackBytes, bool finished = false) {
#if defined(__SANITIZE_ADDRESS__)
  void* fakeStack = nullptr;
  __sanitizer_start_switch_fiber(finished ? nullptr : &fakeStack, toStack, toStackBytes);
  swapcontext(from, to);
  __sanitizer_finish_switch_fiber(fakeStack, nullptr, nullptr);
#else
  swapcontext(from, to);
#endif
}

void fiberMain() {
  BlockRun* run = running;
  Fiber* self = run->current;
#if defined(__SANITIZE_ADDRESS__)
  // The first switch onto this fiber's stack ends here, and says where the scheduler's stack is.
  __sanitizer_finish_switch_fiber(nullptr, &run->schedulerStack, &run->schedulerStackBytes);
#endif
  try {
    (*run->body)();
  } catch (const std::exception& e) {
    if (run->failure.empty()) run->failure = std::string("exception in thread ") + std::to_string(self->linear) + ": " + e.what();
  } catch (...) {
    if (run->failure.empty()) run->failure = "unknown exception in thread " + std::to_string(self->linear);
  }
  self->wait = Wait::Done;
  switchContext(&self->context, &run->scheduler, run->schedulerStack, run->schedulerStackBytes, true);
}

void yieldTo(Wait wait) {
  BlockRun* run = running;
  if (!run) return;  // a barrier outside a kernel: nothing to wait for
  Fiber* self = run->current;
  self->wait = wait;
  switchContext(&self->context, &run->scheduler, run->schedulerStack, run->schedulerStackBytes);
}

// A block given up on leaves fibers suspended mid-call, whose stack frames AddressSanitizer still
// has poisoned; the next block's fibers reuse those stacks, so they are unpoisoned first.
std::string abandon(BlockRun& run, unsigned char* stackBase) {
#if defined(__SANITIZE_ADDRESS__)
  ASAN_UNPOISON_MEMORY_REGION(stackBase, run.fibers.size() * kStackBytes);
#endif
  return run.failure;
}

// Runs one block to completion; returns "" or what went wrong.
std::string runBlock(BlockRun& run, dim3 grid, dim3 block, dim3 blockIndex, bool reverse) {
  const int count = static_cast<int>(block.x * block.y * block.z);
  run.fibers.assign(count, Fiber{});
  run.slots.assign(count, 0);
  run.failure.clear();
  unsigned char* stackBase = stacks();
  for (int i = 0; i < count; ++i) {
    Fiber& f = run.fibers[i];
    f.linear = i;
    f.where.thread = dim3(i % block.x, (i / block.x) % block.y, i / (block.x * block.y));
    f.where.block = blockIndex;
    f.where.blockSize = block;
    f.where.gridSize = grid;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = stackBase + static_cast<size_t>(i) * kStackBytes;
    f.context.uc_stack.ss_size = kStackBytes;
    f.context.uc_link = nullptr;
    makecontext(&f.context, fiberMain, 0);
  }
  const int warps = (count + 31) / 32;
  for (;;) {
    for (int k = 0; k < count; ++k) {
      Fiber& f = run.fibers[reverse ? count - 1 - k : k];
      if (f.wait != Wait::Runnable) continue;
      run.current = &f;
      switchContext(&run.scheduler, &f.context, f.context.uc_stack.ss_sp, kStackBytes);
      run.current = nullptr;
      if (!run.failure.empty()) return abandon(run, stackBase);
    }
    int done = 0, atBlock = 0;
    for (const Fiber& f : run.fibers) {
      done += f.wait == Wait::Done;
      atBlock += f.wait == Wait::Block;
    }
    if (done == count) return "";
    if (atBlock + done == count) {
      for (Fiber& f : run.fibers)
        if (f.wait == Wait::Block) f.wait = Wait::Runnable;
      continue;
    }
    bool released = false;
    for (int w = 0; w < warps; ++w) {
      const int first = w * 32, last = std::min(count, first + 32);
      int atWarp = 0, live = 0;
      for (int i = first; i < last; ++i) {
        live += run.fibers[i].wait != Wait::Done;
        atWarp += run.fibers[i].wait == Wait::Warp;
      }
      if (live > 0 && atWarp == live) {
        for (int i = first; i < last; ++i)
          if (run.fibers[i].wait == Wait::Warp) run.fibers[i].wait = Wait::Runnable;
        released = true;
      }
    }
    if (released) continue;
    int atWarp = 0;
    for (const Fiber& f : run.fibers) atWarp += f.wait == Wait::Warp;
    abandon(run, stackBase);
    return "barrier deadlock: " + std::to_string(atBlock) + " threads wait at __syncthreads, " + std::to_string(atWarp) +
           " at a warp barrier, " + std::to_string(done) + " finished (a barrier in divergent code?)";
  }
}

cudaError_t runKernel(const char* name, dim3 grid, dim3 block, size_t shared, const std::function<void()>& body) {
  ++launches;
  BlockRun run;
  run.body = &body;
  run.dynamicShared.assign(shared, 0);
  BlockRun* outer = running;
  running = &run;
  cudaError_t result = cudaSuccess;
  for (unsigned z = 0; z < grid.z && result == cudaSuccess; ++z)
    for (unsigned y = 0; y < grid.y && result == cudaSuccess; ++y)
      for (unsigned x = 0; x < grid.x; ++x) {
        const bool reverse = ((x + y + z) & 1) != 0;
        const std::string failure = runBlock(run, grid, block, dim3(x, y, z), reverse);
        if (!failure.empty()) {
          diagnostic() = std::string("kernel ") + name + ", block (" + std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z) +
                         "): " + failure;
          std::fprintf(stderr, "sedjoule CUDA emulator: %s\n", diagnostic().c_str());
          result = cudaErrorLaunchFailure;
          break;
        }
      }
  running = outer;
  return result;
}

}  // namespace

// ---- emulator entry points --------------------------------------------------------------------------

namespace sj_emulator {

const Coordinates& coordinates() {
  static const Coordinates outside{};
  return running && running->current ? running->current->where : outside;
}

void* dynamicShared() { return running ? running->dynamicShared.data() : nullptr; }

void blockBarrier() { yieldTo(Wait::Block); }
void warpBarrier() { yieldTo(Wait::Warp); }

int laneId() { return running && running->current ? running->current->linear % 32 : 0; }

uint64_t warpExchange(uint64_t bits, int sourceLane) {
  BlockRun* run = running;
  if (!run || !run->current) return bits;
  const int self = run->current->linear;
  run->slots[self] = bits;
  warpBarrier();
  const int source = self / 32 * 32 + sourceLane;
  const uint64_t out = source < static_cast<int>(run->slots.size()) ? run->slots[source] : bits;
  warpBarrier();  // nobody overwrites a slot before every lane has read
  return out;
}

cudaError_t launch(const void* kernel, const char* name, dim3 grid, dim3 block, size_t shared, cudaStream_t stream, std::function<void()> body) {
  const unsigned long long threads = static_cast<unsigned long long>(block.x) * block.y * block.z;
  if (threads == 0 || threads > kMaxThreads || block.z > 64 || grid.x == 0 || grid.y == 0 || grid.z == 0 || grid.y > 65535 || grid.z > 65535 ||
      grid.x > 0x7fffffffu || shared > 227 * 1024) {
    return record(cudaErrorInvalidConfiguration);
  }
  return issue(stream, [kernel, name, grid, block, shared, body = std::move(body)] {
    (void)kernel;
    return runKernel(name, grid, block, shared, body);
  });
}

uint64_t launchCount() { return launches; }
const char* lastDiagnostic() { return diagnostic().c_str(); }

unsigned long long globalTimerNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace sj_emulator

long long clock64() {
  // A 1.5 GHz clock, read from the host's.
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count() * 3 / 2;
}

// ---- errors ------------------------------------------------------------------------------------------

const char* cudaGetErrorName(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "cudaSuccess";
    case cudaErrorInvalidValue: return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation: return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration: return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidMemcpyDirection: return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorNoDevice: return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice: return "cudaErrorInvalidDevice";
    case cudaErrorInvalidResourceHandle: return "cudaErrorInvalidResourceHandle";
    case cudaErrorNotReady: return "cudaErrorNotReady";
    case cudaErrorStreamCaptureUnsupported: return "cudaErrorStreamCaptureUnsupported";
    case cudaErrorStreamCaptureInvalidated: return "cudaErrorStreamCaptureInvalidated";
    case cudaErrorLaunchFailure: return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char* cudaGetErrorString(cudaError_t e) {
  switch (e) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorStreamCaptureUnsupported: return "operation not permitted when stream is capturing";
    case cudaErrorStreamCaptureInvalidated: return "operation failed due to a previous error during capture";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
  }
  return "unknown error";
}

cudaError_t cudaGetLastError() {
  const cudaError_t e = lastError;
  lastError = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return lastError; }

// ---- device ------------------------------------------------------------------------------------------

cudaError_t cudaRuntimeGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* v) {
  *v = 13000;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceCount(int* count) {
  *count = 1;
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* device) {
  *device = currentDevice;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  currentDevice = device;
  return cudaSuccess;
}
cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int device) {
  if (device != 0) return record(cudaErrorInvalidDevice);
  std::memset(p, 0, sizeof(*p));
  std::snprintf(p->name, sizeof(p->name), "sedjoule CUDA emulator (CPU)");
  std::memcpy(p->uuid.bytes, "sedjoule-emulatr", 16);
  p->totalGlobalMem = totalDeviceBytes();
  p->sharedMemPerBlock = 48 * 1024;
  p->sharedMemPerBlockOptin = 227 * 1024;
  p->regsPerBlock = 65536;
  p->warpSize = 32;
  p->maxThreadsPerBlock = kMaxThreads;
  p->maxThreadsDim[0] = 1024, p->maxThreadsDim[1] = 1024, p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 0x7fffffff, p->maxGridSize[1] = 65535, p->maxGridSize[2] = 65535;
  p->multiProcessorCount = 4;
  p->major = 9, p->minor = 0;
  p->l2CacheSize = 4 << 20;
  return cudaSuccess;
}
cudaError_t cudaDeviceGetAttribute(int* value, cudaDeviceAttr attribute, int device) {
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, device) != cudaSuccess) return cudaErrorInvalidDevice;
  switch (attribute) {
    case cudaDevAttrMaxThreadsPerBlock: *value = p.maxThreadsPerBlock; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *value = static_cast<int>(p.sharedMemPerBlock); break;
    case cudaDevAttrWarpSize: *value = 32; break;
    case cudaDevAttrClockRate: *value = 1500000; break;
    case cudaDevAttrMultiProcessorCount: *value = p.multiProcessorCount; break;
    case cudaDevAttrMemoryClockRate: *value = 1000000; break;
    case cudaDevAttrGlobalMemoryBusWidth: *value = 256; break;
    case cudaDevAttrL2CacheSize: *value = p.l2CacheSize; break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin: *value = static_cast<int>(p.sharedMemPerBlockOptin); break;
    default: return record(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
cudaError_t cudaMemGetInfo(size_t* free, size_t* total) {
  std::lock_guard<std::mutex> lock(runtimeMutex());
  *total = totalDeviceBytes();
  *free = *total - deviceBytesInUse;
  return cudaSuccess;
}
cudaError_t cudaFuncSetAttribute(const void*, cudaFuncAttribute, int) { return cudaSuccess; }

// ---- memory ------------------------------------------------------------------------------------------

cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  std::lock_guard<std::mutex> lock(runtimeMutex());
  *pointer = nullptr;
  if (bytes == 0) return cudaSuccess;
  if (deviceBytesInUse + bytes > totalDeviceBytes()) return record(cudaErrorMemoryAllocation);
  void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!p) return record(cudaErrorMemoryAllocation);
  // Fresh device memory holds garbage: NaN bytes make a kernel that reads before writing visible.
  std::memset(p, 0xff, bytes);
  deviceBlocks()[p] = bytes;
  deviceBytesInUse += bytes;
  *pointer = p;
  return cudaSuccess;
}
cudaError_t cudaFree(void* pointer) {
  if (!pointer) return cudaSuccess;
  std::lock_guard<std::mutex> lock(runtimeMutex());
  auto it = deviceBlocks().find(pointer);
  if (it == deviceBlocks().end()) return record(cudaErrorInvalidValue);
  deviceBytesInUse -= it->second;
  deviceBlocks().erase(it);
  std::free(pointer);
  return cudaSuccess;
}
cudaError_t cudaMallocHost(void** pointer, size_t bytes) {
  *pointer = std::aligned_alloc(64, (bytes + 63) / 64 * 64 + 64);
  return *pointer ? cudaSuccess : record(cudaErrorMemoryAllocation);
}
cudaError_t cudaFreeHost(void* pointer) {
  std::free(pointer);
  return cudaSuccess;
}
cudaError_t cudaMemcpy(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind) { return cudaMemcpyAsync(dst, src, bytes, kind, nullptr); }
cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream) {
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault) return record(cudaErrorInvalidMemcpyDirection);
  if (bytes && (!dst || !src)) return record(cudaErrorInvalidValue);
  return issue(stream, [=] {
    std::memmove(dst, src, bytes);
    return cudaSuccess;
  });
}
cudaError_t cudaMemset(void* dst, int value, size_t bytes) { return cudaMemsetAsync(dst, value, bytes, nullptr); }
cudaError_t cudaMemsetAsync(void* dst, int value, size_t bytes, cudaStream_t stream) {
  if (bytes && !dst) return record(cudaErrorInvalidValue);
  return issue(stream, [=] {
    std::memset(dst, value, bytes);
    return cudaSuccess;
  });
}

// ---- streams, events, graphs ---------------------------------------------------------------------------

cudaError_t cudaStreamCreate(cudaStream_t* stream) {
  *stream = new CUstream_st();
  return cudaSuccess;
}
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* stream, unsigned) { return cudaStreamCreate(stream); }
cudaError_t cudaStreamDestroy(cudaStream_t stream) {
  delete stream;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t stream) {
  if (streamOf(stream).capturing) return record(cudaErrorStreamCaptureUnsupported);
  return cudaSuccess;
}
cudaError_t cudaStreamBeginCapture(cudaStream_t stream, cudaStreamCaptureMode) {
  CUstream_st& s = streamOf(stream);
  if (!stream || s.capturing) return record(cudaErrorStreamCaptureUnsupported);
  s.capturing = true;
  s.graph = new CUgraph_st();
  return cudaSuccess;
}
cudaError_t cudaStreamEndCapture(cudaStream_t stream, cudaGraph_t* graph) {
  CUstream_st& s = streamOf(stream);
  if (!s.capturing) return record(cudaErrorInvalidValue);
  s.capturing = false;
  *graph = s.graph;
  s.graph = nullptr;
  return cudaSuccess;
}

cudaError_t cudaEventCreate(cudaEvent_t* event) {
  *event = new CUevent_st();
  return cudaSuccess;
}
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* event, unsigned flags) {
  *event = new CUevent_st();
  (*event)->timing = (flags & cudaEventDisableTiming) == 0;
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t event) {
  delete event;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t event, cudaStream_t stream) {
  if (!event) return record(cudaErrorInvalidResourceHandle);
  if (streamOf(stream).capturing) return record(cudaErrorStreamCaptureUnsupported);
  event->at = std::chrono::steady_clock::now();
  event->recorded = true;
  return cudaSuccess;
}
cudaError_t cudaEventSynchronize(cudaEvent_t event) { return event ? cudaSuccess : record(cudaErrorInvalidResourceHandle); }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t start, cudaEvent_t end) {
  if (!start || !end) return record(cudaErrorInvalidResourceHandle);
  if (!start->recorded || !end->recorded || !start->timing || !end->timing) return record(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(end->at - start->at).count();
  return cudaSuccess;
}

cudaError_t cudaGraphInstantiate(cudaGraphExec_t* exec, cudaGraph_t graph, unsigned long long) {
  if (!graph) return record(cudaErrorInvalidValue);
  *exec = new CUgraphExec_st{graph->nodes};
  return cudaSuccess;
}
cudaError_t cudaGraphLaunch(cudaGraphExec_t exec, cudaStream_t stream) {
  if (!exec) return record(cudaErrorInvalidResourceHandle);
  return issue(stream, [exec] {
    for (auto& node : exec->nodes) {
      const cudaError_t e = node();
      if (e != cudaSuccess) return e;
    }
    return cudaSuccess;
  });
}
cudaError_t cudaGraphExecDestroy(cudaGraphExec_t exec) {
  delete exec;
  return cudaSuccess;
}
cudaError_t cudaGraphDestroy(cudaGraph_t graph) {
  delete graph;
  return cudaSuccess;
}
