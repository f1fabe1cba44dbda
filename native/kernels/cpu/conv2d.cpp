#include "kernels/conv2d.h"

#include "kernels/cpu/conv2d_implicit.h"
#include "kernels/cpu/conv2d_inner_products.h"
#include "kernels/cpu/conv2d_patches.h"
#include "kernels/cpu/conv2d_single_channel.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lane_sum.h"

namespace sj {

namespace {

// The patches of group `group` of x: its Cin/G channels over the output grid.
PatchGeometry forwardPatches(const Conv2dShape& s, const float* x, int64_t group) {
  PatchGeometry g;
  g.src = x + group * s.cinPerGroup() * s.h * s.w;
  g.n = s.n;
  g.channels = s.cinPerGroup();
  g.imageChannels = s.cin;
  g.srcH = s.h;
  g.srcW = s.w;
  g.gridH = s.ho();
  g.gridW = s.wo();
  g.kh = s.kh;
  g.kw = s.kw;
  g.sh = s.sh;
  g.sw = s.sw;
  g.ph = s.pt;
  g.pw = s.pl;
  g.dh = s.dh;
  g.dw = s.dw;
  return g;
}

// Rows [group * rows, (group + 1) * rows) of a tensor [N][channels][plane], seen as a
// rows x (N * plane) matrix.
template <class Ptr>
BasicMatrixView<Ptr> groupColumns(Ptr data, int64_t n, int64_t channels, int64_t plane, int64_t group, int64_t rows) {
  return {data + group * rows * plane, rows, n * plane, Axis{plane}, Axis{1, plane, channels * plane}};
}

}  // namespace

void conv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  if (s.depthwise()) return depthwiseConv2dForward(pool, s, x, w, b, y);
  if (singleChannelDirect(s)) return singleChannelConv2dForward(pool, s, x, w, b, y);
  if (implicitConv2dForwardApplies(s)) return implicitConv2dForward(pool, s, x, w, b, y);
  const int64_t taps = s.cinPerGroup() * s.kh * s.kw, plane = s.ho() * s.wo(), og = s.coutPerGroup();
  // Per group g: y_g (Cout/G x N*Ho*Wo) = w_g (Cout/G x Cin/G*KH*KW) . patches_g (Cin/G*KH*KW x N*Ho*Wo)
  for (int64_t g = 0; g < s.groups; ++g) {
    gemm(pool, rowMajor(w + g * og * taps, og, taps), PatchColumnsPacker(forwardPatches(s, x, g)), s.n * plane,
         groupColumns(y, s.n, s.cout, plane, g, og), Accumulate::Overwrite);
  }
  if (!s.bias) return;
  pool.parallelFor(s.n * s.cout, 1, [&](int64_t begin, int64_t end) {
    for (int64_t nc = begin; nc < end; ++nc) {
      const float bias = b[nc % s.cout];
      float* out = y + nc * plane;
      for (int64_t i = 0; i < plane; ++i) out[i] += bias;
    }
  });
}

void conv2dBackwardInput(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* w, float* dx) {
  if (s.depthwise()) return depthwiseConv2dBackwardInput(pool, s, dy, w, dx);
  if (implicitConv2dBackwardInputApplies(s)) return implicitConv2dBackwardInput(pool, s, dy, w, dx);
  const int64_t taps = s.kh * s.kw, cg = s.cinPerGroup(), og = s.coutPerGroup();
  // Per group g: dx_g (Cin/G x N*H*W) = w_g' (Cin/G x Cout/G*KH*KW) . patches'(dy_g) (Cout/G*KH*KW x N*H*W),
  // where w_g'(ci, (co, t)) = w[g*Cout/G + co][ci][t] and patches' gathers dy through the
  // transposed geometry.
  for (int64_t group = 0; group < s.groups; ++group) {
    MatrixView wT{w + group * og * cg * taps, cg, og * taps, Axis{taps}, Axis{1, taps, cg * taps}};
    PatchGeometry g;
    g.src = dy + group * og * s.ho() * s.wo();
    g.n = s.n;
    g.channels = og;
    g.imageChannels = s.cout;
    g.srcH = s.ho();
    g.srcW = s.wo();
    g.gridH = s.h;
    g.gridW = s.w;
    g.kh = s.kh;
    g.kw = s.kw;
    g.sh = s.sh;
    g.sw = s.sw;
    g.ph = s.pt;
    g.pw = s.pl;
    g.dh = s.dh;
    g.dw = s.dw;
    g.transposed = true;
    gemm(pool, wT, PatchColumnsPacker(g), s.n * s.h * s.w, groupColumns(dx, s.n, s.cin, s.h * s.w, group, cg), Accumulate::Overwrite);
  }
}

void conv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  if (s.depthwise()) return depthwiseConv2dBackwardWeight(pool, s, dy, x, dw);
  if (singleChannelDirect(s)) return singleChannelConv2dBackwardWeight(pool, s, dy, x, dw);
  if (innerProductConv2dBackwardWeightApplies(s)) return innerProductConv2dBackwardWeight(pool, s, dy, x, dw);
  const int64_t taps = s.cinPerGroup() * s.kh * s.kw, plane = s.ho() * s.wo(), og = s.coutPerGroup();
  // Per group g: dw_g (Cout/G x Cin/G*KH*KW) = dy_g (Cout/G x N*Ho*Wo) . patches_g^T (N*Ho*Wo x Cin/G*KH*KW)
  for (int64_t g = 0; g < s.groups; ++g) {
    gemm(pool, groupColumns(dy, s.n, s.cout, plane, g, og), PatchRowsPacker(forwardPatches(s, x, g)), taps,
         rowMajor(dw + g * og * taps, og, taps), Accumulate::Overwrite);
  }
}

void conv2dBackwardBias(ThreadPool& pool, const Conv2dShape& s, const float* dy, float* db) {
  sumPerChannel(
      pool, s.n, s.cout, s.ho() * s.wo(), [dy](int64_t, int64_t k) { return static_cast<double>(dy[k]); },
      [db](int64_t c, double total) { db[c] = static_cast<float>(total); });
}

}  // namespace sj
