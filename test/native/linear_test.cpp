#include <cmath>
#include <cstdio>

#include "cuda_runs.h"
#include "harness.h"
#include "kernels/cuda/bias_sums.h"
#include "kernels/linear.h"

namespace sj::testing {
namespace {

struct LinearOp : OpTest<LinearOp, LinearShape> {
  std::string describe() const { return "linear " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.m * s.k},   {"w", s.nout * s.k}, {"b", s.nout},
            {"dy", s.m * s.nout}, {"y", s.m * s.nout, Role::Output}, {"dx", s.m * s.k, Role::Output},
            {"dw", s.nout * s.k, Role::Output}, {"db", s.nout, Role::Output}};
  }
  std::vector<PassIo> passes() const { return affinePasses(s.bias); }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward: linearForwardReference(s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: linearBackwardInputReference(s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: linearBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: linearBackwardBiasReference(s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward: linearForward(pool, s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: linearBackwardInput(pool, s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: linearBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: linearBackwardBias(pool, s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward: cuda::linearForward(stream, s, d["x"], d["w"], s.bias ? d["b"] : nullptr, d["y"]); break;
      case Pass::BackwardInput: cuda::linearBackwardInput(stream, s, d["dy"], d["w"], d["dx"]); break;
      case Pass::BackwardWeight: cuda::linearBackwardWeight(stream, s, d["dy"], d["x"], d["dw"]); break;
      case Pass::BackwardBias: cuda::linearBackwardBias(stream, s, d["dy"], d["db"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return linearForwardCost(s);
      case Pass::BackwardInput: return linearBackwardInputCost(s);
      case Pass::BackwardWeight: return linearBackwardWeightCost(s);
      default: return linearBackwardBiasCost(s);
    }
  }
};

LinearOp op(int64_t m, int64_t k, int64_t nout, bool bias) { return LinearOp{LinearShape{m, k, nout, bias}}; }

}  // namespace

SJ_TEST(linear_table) {
  uint64_t seed = 7;
  // rows below and above the small-batch switch, odd sizes, a single output, no bias
  for (const LinearOp& o : {op(1, 1, 1, true), op(3, 5, 7, true), op(8, 37, 10, false), op(17, 9, 1, true), op(40, 300, 33, true),
                            op(2, 600, 3, true)})
    checkOp(o, seed++);
}

SJ_TEST(linear_random) {
  std::mt19937_64 rng(5150);
  for (int i = 0; i < 10; ++i) checkOp(op(draw(rng, 1, 30), draw(rng, 1, 70), draw(rng, 1, 40), draw(rng, 0, 1) == 1), 200 + i);
}

// CUDA passes on shapes past one GEMM tile (128 or 64 rows x 128 columns, k-tile 8) with ragged
// edges, against the double reference, and twice more for bit-identical results.
SJ_TEST(linear_cuda_tiling_edges) {
  if (!cudaParityAvailable()) {
    std::printf("  linear_cuda_tiling_edges: skipped (%s)\n", cudaParityUnavailableReason().c_str());
    return;
  }
  uint64_t seed = 950;
  for (const LinearOp& o : {op(250, 70, 130, true),   // 2 x 2 tiles of 128 x 128, ragged, K = 70 not a multiple of 8; dW 3 x 1 of 64 x 128
                            op(5, 600, 3, true),      // forward K = 600 split in 2; the bias added after the split sum
                            op(1100, 20, 9, true)})   // dW K = 1100 split in 4; bias column sums in 5 chunks, then 1
    checkCudaLargeAndDeterministic(o, seed++);
}

// The column sums behind the bias gradients on a column long enough for three levels of chunk
// partials (66000 rows: 258 chunks, then 2, then 1): against double sums, and the same bits twice.
SJ_TEST(linear_cuda_column_sums_three_levels) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) {
      std::printf("  linear_cuda_column_sums_three_levels: skipped (%s)\n", cudaParityUnavailableReason().c_str());
      return;
    }
    const int64_t rows = 66000, cols = 3;
    std::mt19937_64 rng(31337);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    std::vector<float> in(rows * cols);
    for (float& v : in) v = u(rng);
    auto run = [&] {
      float* d = static_cast<float*>(cuda::allocate(rows * cols * 4, "column sums input"));
      float* out = static_cast<float*>(cuda::allocate(cols * 4, "column sums output"));
      float* scratch = static_cast<float*>(cuda::allocate(cuda::sums::columnSumsScratch(rows, cols) * 4, "column sums scratch"));
      cuda::copyToDevice(d, in.data(), rows * cols * 4, testStream(), "input");
      cuda::sums::columnSums("columnSums", testStream(), rows, cols, d, out, scratch);
      std::vector<float> got(cols);
      cuda::copyToHost(got.data(), out, cols * 4, testStream(), "sums");
      for (float* p : {d, out, scratch}) cuda::release(p);
      return got;
    };
    const std::vector<float> first = run(), second = run();
    SJ_CHECK(first == second, "column sums differ between two runs");
    for (int64_t c = 0; c < cols; ++c) {
      double want = 0.0, scale = 0.0;
      for (int64_t r = 0; r < rows; ++r) want += in[r * cols + c], scale += std::fabs(in[r * cols + c]);
      SJ_CHECK(std::fabs(first[c] - want) <= 1e-6 * scale, "column ", c, " sums to ", first[c], ", reference ", want);
    }
  }
}

}  // namespace sj::testing
