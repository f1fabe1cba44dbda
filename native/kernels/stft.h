// Short-time Fourier transform magnitude or power, as torch.stft(center, pad_mode="reflect",
// onesided=True) followed by abs()^power:
//
//   x [samples], window [winLength]  ->  S [bins = nFft/2+1][frames]   (bins major)
//   frames = 1 + (samples + 2*pad - nFft) / hop,  pad = nFft/2 when centred (reflect), else 0
//   frame f covers padded samples [f*hop, f*hop + nFft); the window sits centred in it, at offset
//   (nFft - winLength)/2, zeros elsewhere (torch pads a short window that way)
//   S[k][f] = |rfft(frame f * window)[k]|   (power 1)  or  its square (power 2)
//
// Cost per frame: winLength window multiplies (the zeros around a short window are written, not
// multiplied), realFftFlops(nFft), then 3 flops per bin (re^2 + im^2) and, for power 1, one sqrt
// per bin. Bytes: the samples the frames touch, the window, the spectrum.
//
// frameLimit keeps only the first frames (the front end's frame crop, when nothing before the
// crop needs the whole clip): the later frames are never computed, nor counted.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/fft.h"
#include "kernels/scalar_math.h"

namespace sj {

struct StftShape {
  int64_t samples = 1;
  int64_t nFft = 1, hop = 1, winLength = 1;
  bool center = true;
  int power = 2;           // 1: magnitude, 2: power
  int64_t frameLimit = 0;  // 0: every frame

  int64_t pad() const { return center ? nFft / 2 : 0; }
  int64_t bins() const { return nFft / 2 + 1; }
  int64_t windowOffset() const { return (nFft - winLength) / 2; }
  int64_t allFrames() const { return 1 + (samples + 2 * pad() - nFft) / hop; }
  int64_t frames() const { return frameLimit > 0 && frameLimit < allFrames() ? frameLimit : allFrames(); }
  // Input samples the computed frames read (all of them unless frameLimit cuts the clip short).
  int64_t samplesRead() const;
  int64_t outputSize() const { return bins() * frames(); }
  void validate() const;  // E_VALUE / E_SHAPE naming the field
  std::string describe() const;
};

Cost stftForwardCost(const StftShape& s);

// Index into x of padded position i - pad, reflecting at both ends (needs pad < samples).
SJ_HOST_DEVICE inline int64_t reflectIndex(int64_t i, int64_t samples) {
  if (i < 0) return -i;
  if (i >= samples) return 2 * (samples - 1) - i;
  return i;
}

// ---- reference -------------------------------------------------------------------------------

template <class T>
void stftForwardReference(const StftShape& s, const T* x, const T* window, T* y) {
  const FftPlan plan(s.nFft);
  const int64_t frames = s.frames(), bins = s.bins(), off = s.windowOffset();
  std::vector<T> frame(s.nFft), re(bins), im(bins);
  for (int64_t f = 0; f < frames; ++f) {
    for (int64_t i = 0; i < s.nFft; ++i) {
      if (i < off || i >= off + s.winLength) {
        frame[i] = T(0);
      } else {
        frame[i] = x[reflectIndex(f * s.hop + i - s.pad(), s.samples)] * window[i - off];
      }
    }
    realFftReference(plan, frame.data(), re.data(), im.data());
    for (int64_t k = 0; k < bins; ++k) {
      const T p = re[k] * re[k] + im[k] * im[k];
      y[k * frames + f] = s.power == 1 ? sqrt(p) : p;
    }
  }
}

// ---- CPU kernels (kernels/cpu/stft.cpp) ----------------------------------------------------------

// The fast STFT's reusable state: the FFT plan and per-thread scratch (grown on first use, kept).
class StftWorkspace {
 public:
  explicit StftWorkspace(int64_t nFft) : plan_(nFft) {}
  const FftPlan& plan() const { return plan_; }
  // Makes sure `threads` scratch areas of `floats` each exist; call before the parallel loop.
  void reserve(int threads, int64_t floats);
  float* scratch(int thread) { return scratch_[thread].data(); }
  float* fullWindow(int64_t nFft);  // nFft floats: the window placed in the frame, zeros around it

 private:
  FftPlan plan_;
  std::vector<AlignedBuffer<float>> scratch_;
  AlignedBuffer<float> window_;
};

// Multithreaded over groups of frames (one frame per SIMD lane); no allocation once the workspace
// has grown. ws.plan().size() must be s.nFft.
void stftForward(ThreadPool& pool, const StftShape& s, const float* x, const float* window, float* y, StftWorkspace& ws);

// ---- CUDA kernels (kernels/cuda/stft.cu) ---------------------------------------------------------
// Every frame of the clip in one launch of the batched FFT (fft.h), with the framing, reflection,
// window, split and |.|^power fused around it.

namespace cuda {

// x [samples], window [winLength] -> y [bins][frames]. plan.size() must be s.nFft.
void stftForward(CudaStream stream, const StftShape& s, const FftDevicePlan& plan, const float* x, const float* window, float* y);

}  // namespace cuda

}  // namespace sj
