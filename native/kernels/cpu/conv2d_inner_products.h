// The weight gradient of a convolution with groups 1 and unit stride along x as inner products
// (inner_products.h): dw[co][(c, ky, kx)] = sum over n, oy, ox of dy[n][co][oy][ox] *
// padded_x[n][c][oy * sh + ky * dh][ox + kx * dw]. Both factors are read in place: dy as it is, x
// through a shifted copy xs[c][kx][y][ox] = padded_x[c][y][ox + kx * dw] (KW copies of the padded
// image, each Wo wide), in which tap (c, ky, kx) of output row oy starts at row oy * sh + ky * dh
// and, for sh = 1, a whole output plane is one contiguous run in both dy and xs.
//
// Applies to groups 1 and sw = 1, with any sh, dilation and padding, when the output rows are a
// whole number of vectors wide or at least two vectors wide (see the .cpp).
#pragma once

#include "core/thread_pool.h"
#include "kernels/conv2d.h"

namespace sj {

bool innerProductConv2dBackwardWeightApplies(const Conv2dShape& s);

// dw, as conv2dBackwardWeight.
void innerProductConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw);

}  // namespace sj
