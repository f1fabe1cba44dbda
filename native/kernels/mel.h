// Mel projection with a sparse filterbank:
//
//   S [bins][frames], weights [nonzeros]  ->  y [mels][frames]
//   y[m][f] = sum over j < count[m] of weights[offset[m] + j] * S[first[m] + j][f]
//
// Cost: one MAC per stored weight per frame (macs = nonzeros * frames). A dense matmul, as
// torchaudio's MelScale (`torch.matmul(specgram.transpose(-1, -2), self.fb)` in
// src/torchaudio/transforms/_transforms.py), would execute 2 * bins * mels flops per frame: for the
// DCASE preset (1025 bins, 128 mels, ~2 weights per bin) 262,400 against ~4,100, 64x. With a real
// FFT at FFTW's 2.5 N log2 N convention, that dense product is about 80 % of a log-mel frame's
// flops (n_fft 2048, 128 mels: 2KM = 262k of ~324k, derived). Bytes: the whole spectrum, the
// weights, and the (first, count) pair of int32 per filter.
#pragma once
#include <cstdint>
#include <string>

#include "core/buffer.h"
#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/mel_filterbank.h"
#include "kernels/scalar_math.h"

namespace sj {

struct MelShape {
  int64_t frames = 1;
  const MelFilterbank* filters = nullptr;  // the sparse structure (first, count, offset); not owned

  int64_t bins() const { return filters->bins; }
  int64_t mels() const { return filters->mels; }
  int64_t inputSize() const { return bins() * frames; }
  int64_t outputSize() const { return mels() * frames; }
  void validate() const;
  std::string describe() const;
};

Cost melForwardCost(const MelShape& s);

template <class T>
void melForwardReference(const MelShape& s, const T* weights, const T* spec, T* y) {
  const MelFilterbank& fb = *s.filters;
  for (int64_t m = 0; m < fb.mels; ++m)
    for (int64_t f = 0; f < s.frames; ++f) {
      T acc = T(0);
      for (int64_t j = 0; j < fb.count[m]; ++j) acc = mac(acc, weights[fb.offset[m] + j], spec[(fb.first[m] + j) * s.frames + f]);
      y[m * s.frames + f] = acc;
    }
}

// Multithreaded over blocks of frames; each output sums its terms in the reference's order.
void melForward(ThreadPool& pool, const MelShape& s, const float* weights, const float* spec, float* y);

// ---- CUDA kernels (kernels/cuda/mel.cu) ----------------------------------------------------------

namespace cuda {

// A filterbank's sparse structure on the device: first bin, count and offset of each filter's
// weights, int32 [3][mels], copied once (the weights themselves are a separate float tensor, as
// on the CPU).
class MelDeviceIndex {
 public:
  MelDeviceIndex(const MelFilterbank& fb, CudaStream stream);
  const int32_t* data() const { return index_.data(); }
  int64_t mels() const { return mels_; }

 private:
  Buffer<int32_t> index_;
  int64_t mels_ = 0;
};

// S [bins][frames], weights [nonzeros] -> y [mels][frames]. index must be s.filters's.
void melForward(CudaStream stream, const MelShape& s, const MelDeviceIndex& index, const float* weights, const float* spec, float* y);

}  // namespace cuda

}  // namespace sj
