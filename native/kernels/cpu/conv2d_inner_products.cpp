#include "kernels/cpu/conv2d_inner_products.h"

#include <algorithm>
#include <vector>

#include "core/aligned_buffer.h"
#include "kernels/cpu/inner_products.h"

namespace sj {
namespace {

// Shifted copies of at most this many floats at a time (or one item's when it is larger): written
// just before they are read, they are still in the last-level cache.
constexpr int64_t kShiftedFloats = 1 << 20;

// xs[(nl * Cin + c) * KW + kx][y][ox] for items n0 + nl, nl < count.
void fillShifted(ThreadPool& pool, const Conv2dShape& s, const float* x, int64_t n0, int64_t count, float* xs) {
  const int64_t hp = s.h + s.pt + s.pb, wo = s.wo();
  pool.parallelFor(count * s.cin, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const float* image = x + (n0 * s.cin + nc) * s.h * s.w;
      for (int64_t kx = 0; kx < s.kw; ++kx) {
        // Output column ox reads input column ox + kx * dw - pl: inside the image for ox in [lo, hi).
        const int64_t shift = kx * s.dw - s.pl;
        const int64_t lo = std::clamp<int64_t>(-shift, 0, wo), hi = std::clamp<int64_t>(s.w - shift, lo, wo);
        for (int64_t y = 0; y < hp; ++y) {
          float* row = xs + ((nc * s.kw + kx) * hp + y) * wo;
          const int64_t iy = y - s.pt;
          if (iy < 0 || iy >= s.h) {
            std::fill(row, row + wo, 0.f);
            continue;
          }
          std::fill(row, row + lo, 0.f);
          std::copy(image + iy * s.w + lo + shift, image + iy * s.w + hi + shift, row + lo);
          std::fill(row + hi, row + wo, 0.f);
        }
      }
    }
  });
}

}  // namespace

bool innerProductConv2dBackwardWeightApplies(const Conv2dShape& s) {
  // Rows a whole number of vectors wide keep every tap's loads aligned; rows at least two vectors
  // wide straddle cache lines on part of them. Narrower misaligned rows (2 to 8 output columns
  // in the CRNN's late layers) run as fast through the GEMM.
  // Measured against the packed GEMM (CNN14's layers, batch 2, 1 thread): past 128 output channels
  // or 576 taps, the blocks of positions whose rows stay in cache get short and the lanes' fold at
  // their end outweighs the gain (128 -> 128: 139 ms by the GEMM, 175 ms here).
  const int64_t width = inner_products_detail::active().width, wo = s.wo();
  return s.groups == 1 && s.sw == 1 && (wo % width == 0 || wo >= 2 * width) && s.cout <= 128 && s.cin * s.kh * s.kw <= 576;
}

void innerProductConv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  const int64_t ho = s.ho(), wo = s.wo(), hp = s.h + s.pt + s.pb, plane = ho * wo;
  const int64_t taps = s.cin * s.kh * s.kw, perItem = s.cin * s.kw * hp * wo;
  std::vector<int64_t> dyOffset(s.cout), tapOffset(taps);
  for (int64_t co = 0; co < s.cout; ++co) dyOffset[co] = co * plane;
  for (int64_t t = 0; t < taps; ++t) {
    const int64_t c = t / (s.kh * s.kw), ky = (t / s.kw) % s.kh, kx = t % s.kw;
    tapOffset[t] = ((c * s.kw + kx) * hp + ky * s.dh) * wo;
  }
  const int64_t chunk = std::clamp<int64_t>(kShiftedFloats / perItem, 1, s.n);
  thread_local AlignedBuffer<float> shifted;  // scratch reused across calls: no page faults per call
  shifted.reserve(chunk * perItem);
  InnerProductSums sums(s.cout, taps);
  for (int64_t n0 = 0; n0 < s.n; n0 += chunk) {
    const int64_t count = std::min(chunk, s.n - n0);
    fillShifted(pool, s, x, n0, count, shifted.data());
    const InnerProductOperand a{dy + n0 * s.cout * plane, dyOffset.data(), s.cout * plane, wo};
    const InnerProductOperand b{shifted.data(), tapOffset.data(), perItem, s.sh * wo};
    // Unit stride along y: output rows follow one another in dy and in xs, a plane is one run.
    const PositionGrid grid = s.sh == 1 ? PositionGrid{count, 1, plane} : PositionGrid{count, ho, wo};
    sums.add(pool, a, b, grid);
  }
  sums.store(dw, taps, 1);
}

}  // namespace sj
