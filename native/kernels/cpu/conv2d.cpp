#include "kernels/cpu/conv2d.h"

#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/cpu/conv2d_patches.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/lane_sum.h"

namespace sj {

void Conv2dShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "conv2d: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("input channels", cin);
  positive("input height", h);
  positive("input width", w);
  positive("output channels", cout);
  positive("kernel height", kh);
  positive("kernel width", kw);
  positive("stride height", sh);
  positive("stride width", sw);
  if (ph < 0 || pw < 0) fail(ErrorCode::Shape, "conv2d: padding must be >= 0, got ", ph, "x", pw);
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    fail(ErrorCode::Shape, "conv2d: kernel ", kh, "x", kw, " is larger than the padded input ", h + 2 * ph, "x", w + 2 * pw);
  }
}

std::string Conv2dShape::describe() const {
  return "x" + dims({n, cin, h, w}) + " w" + dims({cout, cin, kh, kw}) + (bias ? " +b" : "") + " s" + std::to_string(sh) + "x" +
         std::to_string(sw) + " p" + std::to_string(ph) + "x" + std::to_string(pw) + " -> y" + dims({n, cout, ho(), wo()});
}

int64_t Conv2dShape::validTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  int64_t count = 0;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t j = 0; j < k; ++j) {
      const int64_t i = o * s - p + j;
      count += i >= 0 && i < in;
    }
  return count;
}

namespace {
int64_t usefulMacs(const Conv2dShape& s) {
  return s.n * s.cout * s.cin * Conv2dShape::validTaps(s.h, s.ho(), s.kh, s.sh, s.ph) * Conv2dShape::validTaps(s.w, s.wo(), s.kw, s.sw, s.pw);
}
}  // namespace

Cost conv2dForwardCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs + (s.bias ? s.outputSize() : 0);
  c.bytesRead = kFloatBytes * (s.inputSize() + s.weightSize() + (s.bias ? s.cout : 0));
  c.bytesWritten = kFloatBytes * s.outputSize();
  c.paddingMacs = s.outputSize() * s.cin * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardInputCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.weightSize());
  c.bytesWritten = kFloatBytes * s.inputSize();
  // The fast kernel is a GEMM over every input pixel and every (co, ky, kx) tap.
  c.paddingMacs = s.inputSize() * s.cout * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardWeightCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.inputSize());
  c.bytesWritten = kFloatBytes * s.weightSize();
  c.paddingMacs = s.outputSize() * s.cin * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardBiasCost(const Conv2dShape& s) {
  Cost c;
  c.flops = s.outputSize();
  c.bytesRead = kFloatBytes * s.outputSize();
  c.bytesWritten = kFloatBytes * s.cout;
  return c;
}

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
