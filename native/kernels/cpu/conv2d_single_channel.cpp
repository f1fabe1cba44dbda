#include "kernels/cpu/conv2d_single_channel.h"

#include <algorithm>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/cpu_isa.h"
#include "core/executed_macs.h"
#include "kernels/cpu/conv2d_single_channel_impl.h"

namespace sj {
namespace single_channel_detail {

// Portable build: one SSE register of 4 floats, 1 channel x 4 vectors in flight.
Kernels generic() {
  typedef float V __attribute__((vector_size(16)));
  return kernelsFor<V, 1, 4, 1>();
}

}  // namespace single_channel_detail

namespace {

using single_channel_detail::Kernels;
using single_channel_detail::PaddedRows;

const Kernels& activeKernels() {
  static const Kernels kernels = forActiveIsa<Kernels>(
      SJ_ISA_BUILDS(&single_channel_detail::generic, &single_channel_detail::avx2, &single_channel_detail::avx512));
  return kernels;
}

int64_t roundUp(int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; }

// Fills buf (3 padded rows of `length` floats) with the rows of item n around output row oy.
PaddedRows padRows(const Conv2dShape& s, const float* x, int64_t n, int64_t oy, int64_t length, float* buf) {
  PaddedRows rows;
  for (int64_t ky = 0; ky < 3; ++ky) {
    float* row = buf + ky * length;
    const int64_t iy = oy - s.pt + ky;
    std::fill(row, row + length, 0.f);
    if (iy >= 0 && iy < s.h) {
      const float* src = x + (n * s.h + iy) * s.w;
      const int64_t count = std::min(s.w, length - s.pl);
      std::copy(src, src + count, row + s.pl);
    }
    rows.row[ky] = row;
  }
  return rows;
}

}  // namespace

bool singleChannelDirect(const Conv2dShape& s) {
  return s.cin == 1 && s.groups == 1 && s.kh == 3 && s.kw == 3 && s.sh == 1 && s.sw == 1 && s.dh == 1 && s.dw == 1;
}

void singleChannelConv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const Kernels& k = activeKernels();
  const int64_t ho = s.ho(), wo = s.wo(), length = single_channel_detail::paddedLength(k, wo);
  pool.parallelFor(s.n * ho, std::max<int64_t>(1, 4096 / std::max<int64_t>(1, wo)), [&](int64_t begin, int64_t end) {
    thread_local AlignedBuffer<float> buf;
    buf.reserve(3 * length);
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / ho, oy = r % ho;
      const PaddedRows rows = padRows(s, x, n, oy, length, buf.data());
      k.forwardRow(s, rows, w, s.bias ? b : nullptr, y + (n * s.cout * ho + oy) * wo, ho * wo);
    }
  });
  countExecutedMacs(s.n * ho * roundUp(s.cout, 2) * roundUp(wo, static_cast<int64_t>(k.width) * k.chunksPerRow) * 9);
}

void singleChannelConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  const Kernels& k = activeKernels();
  const int64_t ho = s.ho(), wo = s.wo(), length = single_channel_detail::paddedLength(k, wo);
  const int64_t blocks = (s.cout + k.channelsPerCall - 1) / k.channelsPerCall;
  pool.parallelFor(blocks, 1, [&](int64_t begin, int64_t end) {
    thread_local AlignedBuffer<float> buf;
    buf.reserve(3 * length);
    std::vector<float> acc(static_cast<size_t>(k.channelsPerCall) * 9 * k.width);
    for (int64_t block = begin; block < end; ++block) {
      const int64_t co = block * k.channelsPerCall;
      const int count = static_cast<int>(std::min<int64_t>(k.channelsPerCall, s.cout - co));
      std::fill(acc.begin(), acc.end(), 0.f);
      for (int64_t n = 0; n < s.n; ++n)
        for (int64_t oy = 0; oy < ho; ++oy) {
          const PaddedRows rows = padRows(s, x, n, oy, length, buf.data());
          k.weightRow(s, rows, dy + ((n * s.cout + co) * ho + oy) * wo, ho * wo, count, acc.data());
        }
      // The lanes' partial sums, in lane order.
      for (int c = 0; c < count; ++c)
        for (int t = 0; t < 9; ++t) {
          float total = 0.f;
          for (int lane = 0; lane < k.width; ++lane) total += acc[(c * 9 + t) * k.width + lane];
          dw[(co + c) * 9 + t] = total;
        }
    }
  });
  countExecutedMacs(blocks * k.channelsPerCall * s.n * ho * roundUp(wo, k.width) * 9);
}

}  // namespace sj
