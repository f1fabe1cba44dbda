#include "kernels/conv2d.h"

#include "kernels/cpu/conv2d_patches.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lane_sum.h"

namespace sj {

namespace {

PatchGeometry forwardPatches(const Conv2dShape& s, const float* x) {
  PatchGeometry g;
  g.src = x;
  g.n = s.n;
  g.channels = s.cin;
  g.srcH = s.h;
  g.srcW = s.w;
  g.gridH = s.ho();
  g.gridW = s.wo();
  g.kh = s.kh;
  g.kw = s.kw;
  g.sh = s.sh;
  g.sw = s.sw;
  g.ph = s.ph;
  g.pw = s.pw;
  return g;
}

}  // namespace

void conv2dForward(ThreadPool& pool, const Conv2dShape& s, const float* x, const float* w, const float* b, float* y) {
  const int64_t taps = s.cin * s.kh * s.kw, plane = s.ho() * s.wo();
  // y (Cout x N*Ho*Wo) = w (Cout x Cin*KH*KW) . patches (Cin*KH*KW x N*Ho*Wo)
  PatchColumnsPacker patches(forwardPatches(s, x));
  gemm(pool, rowMajor(w, s.cout, taps), patches, s.n * plane, batchedColumns(y, s.n, s.cout, plane), Accumulate::Overwrite);
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
  const int64_t taps = s.kh * s.kw;
  // dx (Cin x N*H*W) = w' (Cin x Cout*KH*KW) . patches'(dy) (Cout*KH*KW x N*H*W), where
  // w'(ci, (co, t)) = w[co][ci][t] and patches' gathers dy through the transposed geometry.
  MatrixView wT{w, s.cin, s.cout * taps, Axis{taps}, Axis{1, taps, s.cin * taps}};
  PatchGeometry g;
  g.src = dy;
  g.n = s.n;
  g.channels = s.cout;
  g.srcH = s.ho();
  g.srcW = s.wo();
  g.gridH = s.h;
  g.gridW = s.w;
  g.kh = s.kh;
  g.kw = s.kw;
  g.sh = s.sh;
  g.sw = s.sw;
  g.ph = s.ph;
  g.pw = s.pw;
  g.transposed = true;
  gemm(pool, wT, PatchColumnsPacker(g), s.n * s.h * s.w, batchedColumns(dx, s.n, s.cin, s.h * s.w), Accumulate::Overwrite);
}

void conv2dBackwardWeight(ThreadPool& pool, const Conv2dShape& s, const float* dy, const float* x, float* dw) {
  const int64_t taps = s.cin * s.kh * s.kw, plane = s.ho() * s.wo();
  // dw (Cout x Cin*KH*KW) = dy (Cout x N*Ho*Wo) . patches^T (N*Ho*Wo x Cin*KH*KW)
  gemm(pool, batchedColumns(dy, s.n, s.cout, plane), PatchRowsPacker(forwardPatches(s, x)), taps, rowMajor(dw, s.cout, taps),
       Accumulate::Overwrite);
}

void conv2dBackwardBias(ThreadPool& pool, const Conv2dShape& s, const float* dy, float* db) {
  sumPerChannel(
      pool, s.n, s.cout, s.ho() * s.wo(), [dy](int64_t, int64_t k) { return static_cast<double>(dy[k]); },
      [db](int64_t c, double total) { db[c] = static_cast<float>(total); });
}

}  // namespace sj
