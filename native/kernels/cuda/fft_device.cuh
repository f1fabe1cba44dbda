// The device side of the batched real FFT (kernels/fft.h), shared by the FFT and STFT kernels.
//
// Geometry: a block of F x T threads transforms F sequences ("frames") at a time, T threads per
// frame (a power of two from 32 to 256, about one thread per two butterflies of the widest stage:
// n = 2048 runs 128 threads per frame, 3 frames per block). Each
// frame owns 4h floats: z = (re [h], im [h]) and w = (re [h], im [h]), the two buffers the
// self-sorting Stockham stages alternate between (no bit reversal). They live in shared memory
// while 16h bytes fit in kSharedMax (F chosen so that F x 16h <= kSharedTarget, F x T <= 512), else
// in the stream's workspace, one frame per block. Blocks loop over groups of F frames, so the grid
// (and the workspace) stay bounded whatever the count.
//
// A stage of radix p, stride s, span m (s m p = h), as fft_detail::stageReference: butterfly b =
// j s + q (q fastest, so neighbouring threads touch neighbouring addresses) reads
// z[q + s (j + r m)], r < p, runs fft_detail's butterfly, rotates output t > 0 by the stage
// twiddle w(j, t) (j > 0) and writes w[q + s (p j + t)]. Every thread of the block meets the same
// barrier after each stage (frames of a block run in lockstep; the plan is uniform).
#pragma once
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "cuda/launch.h"
#include "kernels/fft.h"

namespace sj::cuda::fft_device {

constexpr int kMaxThreadsPerFrame = 256;
constexpr int kMaxBlockThreads = 512;
constexpr int64_t kSharedTarget = 48 * 1024;  // bytes per block for several frames: no opt-in needed
constexpr int64_t kSharedMax = 96 * 1024;     // one frame per block with the opt-in, where the GPU allows it
constexpr int64_t kWorkspaceCap = int64_t(1) << 28;  // bytes of workspace frames, at most

struct Geometry {
  int threadsPerFrame = 32;  // T
  int framesPerBlock = 1;    // F
  int64_t groups = 1;        // ceil(count / F)
  int blocks = 1;            // grid size; blocks loop over groups
  int inShared = 1;          // else the frames live in the workspace
  int64_t sharedBytes = 0;   // dynamic shared memory per block
  int64_t workspaceBytes = 0;
  int64_t frameFloats = 4;   // 4h
};

// The dynamic shared memory a block of the current device may opt in to: 64 KB on Turing, 96 KB on
// Volta, more from Ampere on.
inline int64_t sharedOptInBytes() {
  int device = 0, bytes = 0;
  cudaCheck(cudaGetDevice(&device), "reading the current CUDA device");
  cudaCheck(cudaDeviceGetAttribute(&bytes, cudaDevAttrMaxSharedMemoryPerBlockOptin, device), "reading the device's shared memory limit");
  return bytes;
}

inline Geometry geometry(const FftPlanView& p, int64_t count) {
  int butterflies = 1;
  for (int st = 0; st < p.stages; ++st) butterflies = std::max(butterflies, p.h / p.radix[st]);
  Geometry g;
  while (2 * g.threadsPerFrame < butterflies && g.threadsPerFrame < kMaxThreadsPerFrame) g.threadsPerFrame *= 2;
  g.frameFloats = 4 * static_cast<int64_t>(p.h);
  const int64_t frameBytes = 4 * g.frameFloats;
  g.inShared = frameBytes <= std::min(kSharedMax, sharedOptInBytes());
  int64_t frames = 1;
  if (g.inShared) frames = std::max<int64_t>(1, std::min<int64_t>(kSharedTarget / frameBytes, kMaxBlockThreads / g.threadsPerFrame));
  g.framesPerBlock = static_cast<int>(std::max<int64_t>(1, std::min(frames, count)));
  g.groups = (count + g.framesPerBlock - 1) / g.framesPerBlock;
  const int64_t maxBlocks = g.inShared ? int64_t(1) << 20 : std::max<int64_t>(1, std::min<int64_t>(264, kWorkspaceCap / frameBytes));
  g.blocks = static_cast<int>(std::max<int64_t>(1, std::min(g.groups, maxBlocks)));
  g.sharedBytes = g.inShared ? g.framesPerBlock * frameBytes : 0;
  g.workspaceBytes = g.inShared ? 0 : g.blocks * frameBytes;
  return g;
}

// Raises a kernel's dynamic shared memory limit when the geometry needs more than the default 48 KB.
inline void allowShared(const void* kernel, const Geometry& g, const char* name) {
  if (g.sharedBytes > 48 * 1024) {
    cudaCheck(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(g.sharedBytes)),
              std::string("raising the shared memory limit of ") + name);
  }
}

// The 4h floats of frame `slot` of this block.
__device__ __forceinline__ float* frameMemory(const Geometry& g, float* shared, float* global, int slot) {
  if (g.inShared) return shared + slot * g.frameFloats;
  return global + (static_cast<int64_t>(blockIdx.x) * g.framesPerBlock + slot) * g.frameFloats;
}

template <int P>
__device__ __forceinline__ void stage(const FftPlanView& plan, int st, const float* xr, const float* xi, float* yr, float* yi, int t, int T) {
  const int s = plan.stride[st], m = plan.span[st];
  const float* twr = plan.twiddleRe + plan.twiddles[st];
  const float* twi = plan.twiddleIm + plan.twiddles[st];
  for (int b = t; b < s * m; b += T) {
    const int j = b / s, q = b - j * s;
    float ar[P], ai[P];
#pragma unroll
    for (int r = 0; r < P; ++r) {
      ar[r] = xr[q + s * (j + r * m)];
      ai[r] = xi[q + s * (j + r * m)];
    }
    if constexpr (P == 2) fft_detail::butterfly2<float, float>(ar, ai);
    if constexpr (P == 3) fft_detail::butterfly3<float, float>(ar, ai);
    if constexpr (P == 4) fft_detail::butterfly4<float, float>(ar, ai);
    if constexpr (P == 5) fft_detail::butterfly5<float, float>(ar, ai);
#pragma unroll
    for (int u = 0; u < P; ++u) {
      if (j > 0 && u > 0) fft_detail::rotate<float, float>(ar[u], ai[u], __ldg(twr + j * (P - 1) + u - 1), __ldg(twi + j * (P - 1) + u - 1));
      yr[q + s * (P * j + u)] = ar[u];
      yi[q + s * (P * j + u)] = ai[u];
    }
  }
}

// The complex FFT of z = (zr, zi) [h], with w = (wr, wi) as the other buffer. The caller has
// filled z and passed a barrier. On return z points at the result and w at the free buffer (2h
// contiguous floats: z and w are laid out re, im next to each other).
__device__ __forceinline__ void complexFft(const FftPlanView& plan, float*& zr, float*& zi, float*& wr, float*& wi, int t, int T) {
  for (int st = 0; st < plan.stages; ++st) {
    switch (plan.radix[st]) {
      case 4: stage<4>(plan, st, zr, zi, wr, wi, t, T); break;
      case 2: stage<2>(plan, st, zr, zi, wr, wi, t, T); break;
      case 3: stage<3>(plan, st, zr, zi, wr, wi, t, T); break;
      default: stage<5>(plan, st, zr, zi, wr, wi, t, T); break;
    }
    __syncthreads();
    float* r = zr;
    zr = wr, wr = r;
    float* i = zi;
    zi = wi, wi = i;
  }
}

// Bin k of the real transform from the complex result z: the split of fft_detail for even n, z
// itself for odd n (realFftReference's last step).
__device__ __forceinline__ void spectrumBin(const FftPlanView& plan, const float* zr, const float* zi, int k, float& re, float& im) {
  if (!plan.packed) {
    re = zr[k];
    im = zi[k];
  } else if (k == 0) {
    re = zr[0] + zi[0];
    im = 0.f;
  } else if (k == plan.h) {
    re = zr[0] - zi[0];
    im = 0.f;
  } else {
    fft_detail::splitBin<float, float>(zr[k], zi[k], zr[plan.h - k], zi[plan.h - k], __ldg(plan.splitRe + k), __ldg(plan.splitIm + k), re, im);
  }
}

}  // namespace sj::cuda::fft_device
