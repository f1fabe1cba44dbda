// matmul: {"inputs": [a, b]} the matrix product of two tensors of the graph, numpy.matmul's rule:
// per-sample shapes [..., M, K] and [..., K, N] (rank 2 or more each) give [..., M, N], the
// leading dimensions broadcast (right-aligned; the batch dimension is always shared). Attention's
// Q K^T is a permute of K, then a matmul.
#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/matmul.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

// `shape` with leading 1s up to `rank` dimensions, then the batch in front.
Shape withBatch(int64_t batch, const Shape& shape, size_t rank) {
  Shape out(rank + 1 - shape.size(), 1);
  out[0] = batch;
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

class MatmulLayer : public MultiInputLayer {
 public:
  explicit MatmulLayer(std::vector<Shape> inputs) : MultiInputLayer(std::move(inputs), {}) {
    const Shape& a = inputs_[0];
    const Shape& b = inputs_[1];
    if (a.size() < 2 || b.size() < 2) fail(ErrorCode::Shape, "matmul: operands ", dims(a), " and ", dims(b), " must have at least 2 dimensions each");
    output_ = broadcastShapes(Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
    output_.push_back(a[a.size() - 2]);
    output_.push_back(b.back());
    shapeAt(1);  // E_SHAPE now: inner dimensions that differ, or a rank past what the kernel takes
  }
  const char* type() const override { return "matmul"; }

  void forwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, float* y) override {
    const MatmulShape s = shapeAt(batch);
    ctx.run("matmul", KernelPass::Forward, s.describe(), matmulForwardCost(s), [&] { matmulForward(ctx.pool(), s, xs[0], xs[1], y); },
            [&] { cuda::matmulForward(ctx.stream(), s, xs[0], xs[1], y); });
  }

  void backwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, const float*, const float* dy,
                      const std::vector<float*>& dxs) override {
    const MatmulShape s = shapeAt(batch);
    for (BinarySide side : {BinarySide::A, BinarySide::B}) {
      float* d = dxs[side == BinarySide::A ? 0 : 1];
      if (!d) continue;
      ctx.run("matmul", KernelPass::BackwardInput, s.describe(), matmulBackwardCost(s, side),
              [&] { matmulBackward(ctx.pool(), s, side, xs[0], xs[1], dy, d); }, [&] { cuda::matmulBackward(ctx.stream(), s, side, xs[0], xs[1], dy, d); });
    }
  }

 private:
  MatmulShape shapeAt(int64_t batch) const {
    const size_t rank = output_.size();
    return matmulShape(withBatch(batch, inputs_[0], rank), withBatch(batch, inputs_[1], rank));
  }
};

}  // namespace

std::unique_ptr<Layer> makeMatmulLayer(SpecReader& spec, const std::vector<Shape>& inputs) {
  if (inputs.size() != 2) spec.inContext([&] { fail(ErrorCode::Spec, "field 'inputs' names ", inputs.size(), " tensor(s); matmul takes 2"); });
  return spec.inContext([&]() -> std::unique_ptr<Layer> { return std::make_unique<MatmulLayer>(inputs); });
}

}  // namespace sj
