// Attention pooling from frame-level to clip-level predictions: the clip head of the DCASE 2023
// task 4 baseline CRNN (DESED_task, desed_task/nnet/CRNN.py, `attention=True`):
//
//   sof  = clamp(softmax(a), 1e-7, 1)
//   weak = (strong * sof).sum(1) / sof.sum(1)        sums over time
//
//   strong  [B][T][C]   frame probabilities (already sigmoid)
//   a       [B][T][C]   attention logits
//   sof     [B][T][C]   saved: softmax(a) before the clamp (backward needs it unclamped)
//   den     [B][C]      saved: sum over t of the clamped weights
//   weak    [B][C]      clip probabilities
//   dweak   [B][C]      upstream gradient
//   dstrong [B][T][C]   dstrong = dweak * clamp(sof) / den
//   da      [B][T][C]   softmax backward of dsof = dweak * (strong - weak) / den where the clamp
//                       passes the value (1e-7 <= sof <= 1, inclusive like torch.clamp), else 0
//
// The axis of the softmax: the baseline's `nn.Softmax(dim=-1)` normalises over the classes of
// each frame (AttentionAxis::Classes, the default); AttentionAxis::Time normalises over the frames
// of each class. The sums run over time either way.
//
// Forward: the softmax (softmax.h), then per element 2 comparisons (clamp) and 1 MAC
// (numerator), per clip and class T - 1 adds (denominator) and 1 divide. Backward: per clip and
// class 1 divide, per element 2 comparisons (clamped weight and mask), 3 flops, then the softmax
// backward.
#pragma once
#include <cstdint>
#include <string>

#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"
#include "kernels/softmax.h"

namespace sj {

enum class AttentionAxis { Classes, Time };

constexpr double kAttentionFloor = 1e-7;

struct AttentionPoolShape {
  int64_t b = 1, t = 1, c = 1;
  AttentionAxis softmaxOver = AttentionAxis::Classes;

  int64_t size() const { return b * t * c; }     // strong, a, sof
  int64_t clipSize() const { return b * c; }     // weak, den
  SoftmaxShape softmax() const;                  // the softmax as [outer][n][inner]
  void validate() const;  // E_SHAPE naming the offending dimension
  std::string describe() const;
};

Cost attentionPoolForwardCost(const AttentionPoolShape& s);
Cost attentionPoolBackwardInputCost(const AttentionPoolShape& s);

// ---- reference loops -------------------------------------------------------------------------

template <class T>
void attentionPoolForwardReference(const AttentionPoolShape& s, const T* strong, const T* a, T* sof, T* den, T* weak) {
  softmaxForwardReference(s.softmax(), a, sof);
  for (int64_t b = 0; b < s.b; ++b)
    for (int64_t c = 0; c < s.c; ++c) {
      const int64_t first = b * s.t * s.c + c;
      const T w0 = maxOf(minOf(sof[first], T(1)), T(kAttentionFloor));
      T num = mac(T(0), strong[first], w0), sum = w0;
      for (int64_t t = 1; t < s.t; ++t) {
        const int64_t i = first + t * s.c;
        const T w = maxOf(minOf(sof[i], T(1)), T(kAttentionFloor));
        num = mac(num, strong[i], w);
        sum = sum + w;
      }
      den[b * s.c + c] = sum;
      weak[b * s.c + c] = num / sum;
    }
}

template <class T>
void attentionPoolBackwardInputReference(const AttentionPoolShape& s, const T* strong, const T* sof, const T* den, const T* weak,
                                         const T* dweak, T* dstrong, T* da) {
  for (int64_t b = 0; b < s.b; ++b)
    for (int64_t c = 0; c < s.c; ++c) {
      const T r = dweak[b * s.c + c] / den[b * s.c + c];
      for (int64_t t = 0; t < s.t; ++t) {
        const int64_t i = (b * s.t + t) * s.c + c;
        const bool aboveFloor = sof[i] >= T(kAttentionFloor), belowOne = sof[i] <= T(1);
        const T w = aboveFloor ? (belowOne ? sof[i] : T(1)) : T(kAttentionFloor);
        dstrong[i] = r * w;
        const T dw = r * (strong[i] - weak[b * s.c + c]);
        da[i] = aboveFloor && belowOne ? dw : T(0);  // gradient of the softmax output, for now
      }
    }
  softmaxBackwardInputReference(s.softmax(), sof, da, da);
}

// ---- CPU kernels (kernels/cpu/attention_pool.cpp) ------------------------------------------------

void attentionPoolForward(ThreadPool& pool, const AttentionPoolShape& s, const float* strong, const float* a, float* sof, float* den,
                          float* weak);
void attentionPoolBackwardInput(ThreadPool& pool, const AttentionPoolShape& s, const float* strong, const float* sof, const float* den,
                                const float* weak, const float* dweak, float* dstrong, float* da);

// ---- CUDA kernels (kernels/cuda/attention_pool.cu) -----------------------------------------------
// All pointers are device memory.

namespace cuda {

void attentionPoolForward(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* a, float* sof, float* den,
                          float* weak);
void attentionPoolBackwardInput(CudaStream stream, const AttentionPoolShape& s, const float* strong, const float* sof, const float* den,
                                const float* weak, const float* dweak, float* dstrong, float* da);

}  // namespace cuda

}  // namespace sj
