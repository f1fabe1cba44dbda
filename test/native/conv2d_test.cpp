#include <cstdio>
#include <random>
#include <vector>

#include "cuda_runs.h"
#include "expect_error.h"
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
  s.n = n, s.cin = cin, s.h = h, s.w = w, s.cout = cout, s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.bias = bias;
  s.pt = s.pb = ph, s.pl = s.pr = pw;
  return s;
}

// Modifiers for the shapes above.
Conv2dShape grouped(Conv2dShape s, int64_t groups) {
  s.groups = groups;
  return s;
}
Conv2dShape dilated(Conv2dShape s, int64_t dh, int64_t dw) {
  s.dh = dh, s.dw = dw;
  return s;
}
Conv2dShape padded(Conv2dShape s, int64_t top, int64_t left, int64_t bottom, int64_t right) {
  s.pt = top, s.pl = left, s.pb = bottom, s.pr = right;
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
      // Grids of 16 or more columns: the packers copy runs along x instead of using tap tables.
      shape(2, 3, 5, 40, 5, 3, 3, 1, 1, 1, 1, true),     // wide, same padding
      shape(1, 2, 6, 37, 3, 3, 3, 2, 2, 1, 1, true),     // wide and strided (19 output columns)
      shape(2, 1, 7, 70, 5, 3, 3, 1, 1, 1, 1, true),     // one input channel, 3x3: the direct kernels, odd Cout, ragged rows
      // Output rows a whole number of micro-tiles wide (32 columns): the implicit GEMM reads the
      // padded input in place; 20 channels leave a partial panel of weights.
      shape(2, 3, 5, 32, 20, 3, 3, 1, 1, 1, 1, true),
      shape(1, 2, 7, 64, 9, 3, 3, 2, 1, 1, 1, true),     // stride 2 along y only
      // Rows one vector wide (16, 8, 4 floats: AVX-512, AVX2, portable) in pairs of rows per tile.
      shape(2, 3, 6, 16, 10, 3, 3, 1, 1, 1, 1, true),
      shape(1, 4, 4, 8, 7, 3, 3, 1, 1, 1, 1, true),
      shape(1, 2, 6, 4, 3, 3, 3, 1, 1, 1, 1, true),
  };
  uint64_t seed = 1;
  for (const Conv2dShape& s : table) checkOp(Conv2dOp{s}, seed++);
}

// Groups (the GEMM per group, and the direct depthwise kernels for groups = Cin), dilation and
// padding that differs per side: the cases of EfficientAT's MobileNets and conformers' convolutions.
SJ_TEST(conv2d_grouped_dilated_table) {
  // n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, bias
  const Conv2dShape table[] = {
      grouped(shape(2, 4, 7, 6, 6, 3, 3, 1, 1, 1, 1, true), 2),                         // 2 groups of 2 -> 3 channels
      grouped(shape(2, 5, 8, 7, 5, 3, 3, 1, 1, 1, 1, true), 5),                         // depthwise, C = out
      grouped(shape(1, 3, 9, 8, 6, 3, 3, 1, 1, 1, 1, true), 3),                         // depthwise, multiplier 2
      padded(grouped(shape(2, 4, 9, 10, 4, 3, 3, 2, 2, 0, 0, false), 4), 0, 0, 1, 1),  // depthwise stride 2, TF "same" pads
      dilated(shape(2, 3, 10, 9, 4, 3, 3, 1, 1, 2, 2, true), 2, 2),                     // dilation 2
      padded(shape(1, 2, 6, 7, 3, 3, 2, 1, 1, 0, 0, true), 2, 0, 1, 1),                 // pads top 2, left 0, bottom 1, right 1
      padded(dilated(shape(2, 3, 13, 12, 2, 3, 3, 2, 3, 0, 0, true), 2, 3), 1, 2, 0, 3),  // strides with dilation
      dilated(grouped(shape(2, 4, 1, 20, 6, 1, 5, 1, 1, 0, 2, true), 2), 1, 2),         // 1-high kernel: a grouped conv1d
      grouped(shape(2, 6, 1, 17, 6, 1, 7, 1, 1, 0, 3, true), 6),                        // a conformer's depthwise conv1d
      padded(dilated(grouped(shape(1, 2, 11, 10, 4, 3, 2, 2, 1, 0, 0, true), 2), 2, 3), 1, 0, 2, 1),  // depthwise, all at once
      grouped(shape(2, 3, 9, 4, 3, 5, 1, 1, 1, 2, 0, false), 3),                        // 5x1 depthwise, 1-wide kernel
      grouped(shape(2, 34, 6, 5, 36, 3, 3, 1, 1, 1, 1, true), 2),                       // groups past one micro-tile
      padded(grouped(shape(1, 4, 5, 5, 8, 3, 3, 3, 3, 0, 0, true), 4), 3, 3, 3, 3),     // padding past the kernel: all-padding outputs
      padded(shape(1, 1, 6, 20, 3, 3, 3, 1, 1, 0, 0, false), 2, 0, 1, 1),                // one channel, direct, unequal padding
      dilated(shape(1, 3, 9, 32, 5, 3, 3, 1, 1, 2, 2, true), 2, 2),                     // implicit GEMM, dilation 2
      padded(shape(2, 2, 6, 32, 3, 3, 3, 1, 1, 0, 0, true), 1, 2, 0, 0),                // implicit forward, dX through the packer
      // The weight gradient as inner products (groups 1, sw 1, output rows a whole number of vectors
      // or at least 32 wide on every instruction set): output channels and taps past and between the
      // blocks of 4 x 6, 3 x 4, 2 x 4; planes or rows that end inside a vector.
      shape(2, 5, 5, 37, 7, 3, 3, 1, 1, 1, 1, true),                                    // a ragged plane of 185
      shape(2, 3, 11, 35, 5, 3, 3, 2, 1, 1, 1, true),                                   // stride 2 along y, rows of 35
      padded(dilated(shape(2, 4, 10, 38, 6, 3, 3, 1, 1, 0, 0, false), 2, 2), 2, 1, 1, 3),  // dilation, unequal padding
      padded(dilated(shape(1, 3, 17, 40, 9, 2, 3, 3, 1, 0, 0, true), 2, 3), 1, 4, 2, 0),   // stride 3 along y, dilation, padding
      shape(1, 3, 40, 50, 5, 3, 3, 1, 1, 1, 1, true),                                   // a plane of many blocks of positions
      shape(1, 2, 5, 700, 3, 1, 3, 2, 1, 0, 1, true),                                   // strided rows longer than a block
      shape(3, 2, 2, 48, 11, 1, 1, 1, 1, 0, 0, false),                                  // 1x1, rows of 3 vectors (AVX-512)
  };
  uint64_t seed = 50;
  for (const Conv2dShape& s : table) {
    s.validate();
    checkOp(Conv2dOp{s}, seed++);
  }
  // The depthwise loops skip padding; the GEMMs multiply it.
  SJ_CHECK(conv2dForwardCost(table[1]).paddingMacs == 0, "depthwise forward has no padding MACs");
  SJ_CHECK(conv2dBackwardInputCost(table[1]).paddingMacs == 0, "depthwise dX has no padding MACs");
  SJ_CHECK(conv2dForwardCost(table[0]).paddingMacs > 0, "the grouped GEMM multiplies padding");
}

// The weight gradient's inner products split (output-channel block, tap block) pairs among threads,
// never the positions: the same bits for any thread count.
SJ_TEST(conv2d_backward_weight_thread_count_invariant) {
  for (const Conv2dShape& s : {shape(2, 9, 12, 32, 14, 3, 3, 1, 1, 1, 1, true), shape(2, 5, 13, 40, 7, 3, 3, 2, 1, 1, 1, false)}) {
    std::mt19937_64 rng(17);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> x(s.inputSize()), dy(s.outputSize());
    for (auto* v : {&x, &dy})
      for (float& f : *v) f = u(rng);
    auto run = [&](ThreadPool& pool) {
      std::vector<float> dw(s.weightSize());
      conv2dBackwardWeight(pool, s, dy.data(), x.data(), dw.data());
      return dw;
    };
    ThreadPool one(1), five(5);
    SJ_CHECK(run(one) == run(five), "conv2d ", s.describe(), ": dw must be bitwise the same for 1 and 5 threads");
  }
}

SJ_TEST(conv2d_random) {
  std::mt19937_64 rng(20261127);
  for (int i = 0; i < 12; ++i) {
    Conv2dShape s;
    s.n = draw(rng, 1, 3), s.cin = draw(rng, 1, 6), s.cout = draw(rng, 1, 9);
    s.kh = draw(rng, 1, 4), s.kw = draw(rng, 1, 4);
    s.sh = draw(rng, 1, 3), s.sw = draw(rng, 1, 3);
    const int64_t ph = draw(rng, 0, s.kh - 1), pw = draw(rng, 0, s.kw - 1);
    s.pt = s.pb = ph, s.pl = s.pr = pw;
    s.h = draw(rng, std::max<int64_t>(1, s.kh - 2 * ph), 12), s.w = draw(rng, std::max<int64_t>(1, s.kw - 2 * pw), 12);
    s.bias = draw(rng, 0, 1) == 1;
    checkOp(Conv2dOp{s}, 100 + i);
  }
}

SJ_TEST(conv2d_random_grouped_dilated) {
  std::mt19937_64 rng(20261204);
  for (int i = 0; i < 16; ++i) {
    Conv2dShape s;
    s.groups = draw(rng, 1, 4);
    s.cin = s.groups * (i % 2 == 0 ? 1 : draw(rng, 1, 3));  // every other shape depthwise (when groups > 1)
    s.cout = s.groups * draw(rng, 1, 3);
    s.n = draw(rng, 1, 3);
    s.kh = draw(rng, 1, 4), s.kw = draw(rng, 1, 4);
    s.sh = draw(rng, 1, 3), s.sw = draw(rng, 1, 3);
    s.dh = draw(rng, 1, 3), s.dw = draw(rng, 1, 3);
    const int64_t spanH = s.dh * (s.kh - 1) + 1, spanW = s.dw * (s.kw - 1) + 1;
    s.pt = draw(rng, 0, spanH - 1), s.pb = draw(rng, 0, spanH - 1), s.pl = draw(rng, 0, spanW - 1), s.pr = draw(rng, 0, spanW - 1);
    s.h = draw(rng, std::max<int64_t>(1, spanH - s.pt - s.pb), 13), s.w = draw(rng, std::max<int64_t>(1, spanW - s.pl - s.pr), 13);
    s.bias = draw(rng, 0, 1) == 1;
    checkOp(Conv2dOp{s}, 300 + i);
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
      // 2 groups of 128 output rows, one tile each; the stores write each group's channels only
      grouped(shape(2, 8, 13, 11, 256, 3, 3, 1, 1, 1, 1, true), 2),
      // grouped and dilated, dW K = 2160 pixels split over the group's one tile
      padded(dilated(grouped(shape(3, 6, 24, 30, 4, 3, 3, 1, 1, 0, 0, true), 2), 2, 2), 2, 1, 2, 3),
      // depthwise, multiplier 2, stride and dilation: dW sums 2 x 8 x 19 pixels per block of 256 threads
      padded(dilated(grouped(shape(2, 64, 17, 19, 128, 3, 3, 2, 1, 0, 0, true), 64), 2, 1), 2, 1, 1, 1),
  };
  uint64_t seed = 900;
  for (const Conv2dShape& s : table) {
    s.validate();
    checkCudaLargeAndDeterministic(Conv2dOp{s}, seed++);
  }
}

SJ_TEST(conv2d_rejects_bad_shapes) {
  const std::pair<Conv2dShape, const char*> cases[] = {
      {shape(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0, true), "kernel 3x3 is larger than the padded input 2x2"},
      {grouped(shape(1, 6, 5, 5, 8, 3, 3, 1, 1, 1, 1, true), 4), "input channels 6 are not divisible by groups 4"},
      {grouped(shape(1, 6, 5, 5, 8, 3, 3, 1, 1, 1, 1, true), 3), "output channels 8 are not divisible by groups 3"},
      {grouped(shape(1, 6, 5, 5, 8, 3, 3, 1, 1, 1, 1, true), 0), "groups must be positive, got 0"},
      {dilated(shape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, true), 3, 1), "kernel 3x3 dilated 3x1 is larger than the padded input 5x5"},
      {dilated(shape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, true), 1, 0), "dilation width must be positive, got 0"},
      {padded(shape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, true), 1, 0, -1, 0), "padding (top, left, bottom, right) must be >= 0, got 1, 0, -1, 0"},
      {dilated(shape(1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, true), int64_t{1} << 62, 1), "is larger than the padded input"},
  };
  for (const auto& [s, message] : cases) expectError(ErrorCode::Shape, message, [&] { s.validate(); });
  // A dilated kernel exactly as wide as the padded input is accepted: no stricter than PyTorch.
  padded(dilated(grouped(shape(1, 6, 1, 1, 8, 3, 3, 1, 1, 0, 0, true), 2), 2, 2), 2, 2, 2, 2).validate();
}

}  // namespace sj::testing
