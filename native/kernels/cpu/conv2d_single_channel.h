// Direct 3x3 convolution of a single input channel (Cin = 1, groups 1, stride 1, dilation 1): the
// first layer of a tagger, 1 -> 16 channels on a [T][F] log-mel image. As a GEMM it has K = 9:
// the micro-kernel's depth loop is shorter than its set-up, and the weight gradient's patch panels
// hold 9 useful columns of 32. Directly, every input vector is loaded once per block of output
// channels and the weights stay in registers; the kernels are written once with GCC vector
// extensions (conv2d_single_channel_impl.h) and compiled per instruction set like the GEMM's.
//
//   x  [N][1][H][W], w [Cout][1][3][3], b [Cout], y / dy [N][Cout][Ho][Wo]
//
// Like the GEMM path they multiply the padding taps (a zero-padded copy of the input rows), so the
// cost formulas' paddingMacs hold; they execute no tile-edge waste. Each sum runs in one fixed order
// whatever the thread count: the forward splits output rows among threads, the weight gradient
// output channels.
#pragma once
#include <cstdint>

#include "core/thread_pool.h"
#include "kernels/conv2d.h"

namespace sj {

// Whether the direct kernels compute this convolution.
bool singleChannelDirect(const Conv2dShape& s);

void singleChannelConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
void singleChannelConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw);

namespace single_channel_detail {

// Three zero-padded input rows around output row oy: row[ky][ox + kx] = x(oy - pt + ky, ox - pl + kx),
// zero outside the image, readable up to paddedLength(Wo) floats.
struct PaddedRows {
  const float* row[3];
};

struct Kernels {
  int width;            // floats per vector
  int chunksPerRow;     // the forward computes output columns in steps of width * chunksPerRow
  int channelsPerCall;  // output channels of one weightRow call
  // One output row of every channel: y[co * channelStride + ox] for ox < Wo (bias added when b).
  void (*forwardRow)(const Conv2dShape& s, const PaddedRows& rows, const float* w, const float* b, float* y, int64_t channelStride);
  // acc[(c * 9 + t) * width + lane] += the lane's share of sum over ox of dy[c * channelStride + ox]
  // * row[t / 3][ox + t % 3], for channels c < count <= channelsPerCall.
  void (*weightRow)(const Conv2dShape& s, const PaddedRows& rows, const float* dy, int64_t channelStride, int count, float* acc);
};

// Floats a padded row holds: Wo rounded up to the forward's step, plus the two taps to its right.
inline int64_t paddedLength(const Kernels& k, int64_t wo) {
  const int64_t step = static_cast<int64_t>(k.width) * k.chunksPerRow;
  return (wo + step - 1) / step * step + 2;
}

Kernels generic();
#if defined(SEDJOULE_X86)
Kernels avx2();
Kernels avx512();
#endif

}  // namespace single_channel_detail
}  // namespace sj
