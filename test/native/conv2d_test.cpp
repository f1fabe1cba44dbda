#include <cstdio>

#include "cuda_runs.h"
#include "harness.h"
#include "kernels/conv2d.h"

namespace sj::testing {
namespace {

struct Conv2dOp : OpTest<Conv2dOp, Conv2dShape> {
  std::string describe() const { return "conv2d " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()},           {"w", s.weightSize()},          {"b", s.cout},
            {"dy", s.outputSize()},         {"y", s.outputSize(), Role::Output}, {"dx", s.inputSize(), Role::Output},
            {"dw", s.weightSize(), Role::Output}, {"db", s.cout, Role::Output}};
  }
  std::vector<PassIo> passes() const { return affinePasses(s.bias); }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward: conv2dForwardReference(s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: conv2dBackwardInputReference(s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: conv2dBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: conv2dBackwardBiasReference(s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward: conv2dForward(pool, s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: conv2dBackwardInput(pool, s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: conv2dBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: conv2dBackwardBias(pool, s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward: cuda::conv2dForward(stream, s, d["x"], d["w"], s.bias ? d["b"] : nullptr, d["y"]); break;
      case Pass::BackwardInput: cuda::conv2dBackwardInput(stream, s, d["dy"], d["w"], d["dx"]); break;
      case Pass::BackwardWeight: cuda::conv2dBackwardWeight(stream, s, d["dy"], d["x"], d["dw"]); break;
      case Pass::BackwardBias: cuda::conv2dBackwardBias(stream, s, d["dy"], d["db"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return conv2dForwardCost(s);
      case Pass::BackwardInput: return conv2dBackwardInputCost(s);
      case Pass::BackwardWeight: return conv2dBackwardWeightCost(s);
      default: return conv2dBackwardBiasCost(s);
    }
  }
};

Conv2dShape shape(int64_t n, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                  int64_t pw, bool bias) {
  Conv2dShape s;
  s.n = n, s.cin = cin, s.h = h, s.w = w, s.cout = cout, s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.ph = ph, s.pw = pw, s.bias = bias;
  return s;
}

}  // namespace

SJ_TEST(conv2d_table) {
  // n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, bias
  const Conv2dShape table[] = {
      shape(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, true),      // smallest
      shape(2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, true),      // odd sizes, same padding
      shape(1, 1, 16, 9, 3, 3, 3, 1, 1, 1, 1, false),    // first layer of a tagger, no bias
      shape(3, 5, 9, 11, 7, 3, 2, 2, 3, 1, 0, true),     // unequal stride, kernel, padding
      shape(2, 4, 6, 6, 5, 5, 5, 1, 1, 2, 2, true),      // 5x5
      shape(1, 2, 5, 5, 3, 3, 3, 2, 2, 2, 2, true),      // padding wider than a stride step
      shape(2, 3, 4, 4, 2, 4, 4, 1, 1, 0, 0, true),      // kernel = input: one output pixel
      shape(1, 6, 8, 8, 9, 1, 1, 1, 1, 0, 0, true),      // 1x1
      shape(2, 17, 13, 10, 33, 3, 3, 1, 1, 1, 1, true),  // more channels than one micro-tile
      shape(1, 2, 9, 3, 2, 3, 3, 3, 1, 1, 1, true),      // stride larger than output rows
  };
  uint64_t seed = 1;
  for (const Conv2dShape& s : table) checkOp(Conv2dOp{s}, seed++);
}

SJ_TEST(conv2d_random) {
  std::mt19937_64 rng(20261127);
  for (int i = 0; i < 12; ++i) {
    Conv2dShape s;
    s.n = draw(rng, 1, 3), s.cin = draw(rng, 1, 6), s.cout = draw(rng, 1, 9);
    s.kh = draw(rng, 1, 4), s.kw = draw(rng, 1, 4);
    s.sh = draw(rng, 1, 3), s.sw = draw(rng, 1, 3);
    s.ph = draw(rng, 0, s.kh - 1), s.pw = draw(rng, 0, s.kw - 1);
    s.h = draw(rng, std::max<int64_t>(1, s.kh - 2 * s.ph), 12), s.w = draw(rng, std::max<int64_t>(1, s.kw - 2 * s.pw), 12);
    s.bias = draw(rng, 0, 1) == 1;
    checkOp(Conv2dOp{s}, 100 + i);
  }
}

// CUDA passes on shapes past one GEMM tile (128 or 64 rows x 128 columns, k-tile 8) with ragged
// edges, against the double reference, and twice more for bit-identical results. The GEMM splits K
// (a workspace, then a fixed-order sum) where the output has few tiles and K >= 512.
SJ_TEST(conv2d_cuda_tiling_edges) {
  if (!cudaParityAvailable()) {
    std::printf("  conv2d_cuda_tiling_edges: skipped (%s)\n", cudaParityUnavailableReason().c_str());
    return;
  }
  // n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, bias
  const Conv2dShape table[] = {
      // forward M = 200, N = 286, K = 45: 2 x 3 tiles of 128 x 128, all ragged; dX K = 1800 split in 7
      shape(2, 5, 13, 11, 200, 3, 3, 1, 1, 1, 1, true),
      // dW K = 2160 pixels split in 8 over one tile; planes of 720: float4 stores
      shape(3, 3, 24, 30, 7, 3, 3, 1, 1, 1, 1, true),
      // strides 2 x 3, 3 x 5 kernel: dX with stride gaps; planes of 63: runs crossing images
      shape(3, 4, 17, 19, 9, 3, 5, 2, 3, 1, 2, false),
      // 1 x 1, channels past one tile: dX M = 140 in 3 tiles of 64 rows
      shape(1, 140, 5, 7, 3, 1, 1, 1, 1, 0, 0, true),
  };
  uint64_t seed = 900;
  for (const Conv2dShape& s : table) {
    s.validate();
    checkCudaLargeAndDeterministic(Conv2dOp{s}, seed++);
  }
}

SJ_TEST(conv2d_rejects_bad_shapes) {
  Conv2dShape s = shape(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0, true);
  bool threw = false;
  try {
    s.validate();
  } catch (const std::exception& e) {
    threw = std::string(e.what()).find("larger than the padded input") != std::string::npos;
  }
  SJ_CHECK(threw, "a 3x3 kernel on a 2x2 input without padding must be rejected with a message naming the sizes");
}

}  // namespace sj::testing
