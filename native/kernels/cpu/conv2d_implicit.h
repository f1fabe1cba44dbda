// Implicit-GEMM convolution without packing: the GEMM micro-kernel reads its B rows in place from a
// zero-padded copy of the input. For unit stride along x, the NR output columns of one output row
// that a micro-tile computes read, for tap (c, ky, kx), NR consecutive floats of the padded image:
// one row offset per tap is all the micro-kernel needs (as XNNPACK's indirect convolution, with
// offsets instead of pointers). Packing the im2col panels costs as much as the multiply-adds when
// the output channels are few (16 to 64 in the DCASE CRNN): each packed float serves only Cout/16
// vector FMAs. The weights are packed once per call.
//
// Applies to groups 1 and stride 1 along x, in one of two forms. Rows: output rows a whole number
// of micro-tiles wide (or one vector wide, in pairs of rows), any stride along y, B a zero-padded
// copy of the input. Flat: unit strides and rows of any width, B the input shifted once per kernel
// column with its rows back to back, so that a micro-tile covers NR consecutive output positions
// across rows. Dilation and padding are free in both. The input gradient of a convolution with unit
// strides is the same kernel on dy with the weights flipped and transposed.
// Each output element is computed by one thread in a fixed order: thread-count independent.
#pragma once

#include "core/thread_pool.h"
#include "kernels/conv2d.h"

namespace sj {

bool implicitConv2dForwardApplies(const Conv2dShape& s);
bool implicitConv2dBackwardInputApplies(const Conv2dShape& s);

// y = conv(x, w) + b, as conv2dForward.
void implicitConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y);
// dx = conv_transpose(dy, w), as conv2dBackwardInput.
void implicitConv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx);

}  // namespace sj
