// slice: {"axis": k, "start": 0, "end": (the axis' length), "step": 1} takes x[..., start:end:step, ...]
// along per-sample axis k (may count from the end), ONNX Slice's rule for one axis: a negative start
// or end counts from the end, both are clamped to the axis; step must be positive. ONNX Split is
// several slices reading one tensor (the network sums their gradients).
#include <cstdint>

#include "kernels/slice.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class SliceLayer : public Layer {
 public:
  SliceLayer(const Shape& input, size_t axis, const SliceShape& one) : Layer(input, input), one_(one) {
    output_[axis] = one.count;
  }
  const char* type() const override { return "slice"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const SliceShape s = at(batch);
    ctx.run("slice", KernelPass::Forward, s.describe(), sliceForwardCost(s), [&] { sliceForward(ctx.pool(), s, x, y); },
            [&] { cuda::sliceForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const SliceShape s = at(batch);
    ctx.run("slice", KernelPass::BackwardInput, s.describe(), sliceBackwardInputCost(s), [&] { sliceBackwardInput(ctx.pool(), s, dy, dx); },
            [&] { cuda::sliceBackwardInput(ctx.stream(), s, dy, dx); });
  }

 private:
  SliceShape at(int64_t batch) const {
    SliceShape s = one_;
    s.outer *= batch;
    return s;
  }
  SliceShape one_;  // the slice of one sample
};

}  // namespace

std::unique_ptr<Layer> makeSliceLayer(SpecReader& spec, const Shape& input) {
  const size_t axis = resolveAxis(spec, input, spec.integer("axis", std::nullopt, INT64_MIN));
  const int64_t start = spec.integer("start", 0, INT64_MIN);
  const int64_t end = spec.integer("end", INT64_MAX, INT64_MIN);
  const int64_t step = spec.integer("step", 1, INT64_MIN);
  int64_t outer = 1, inner = 1;
  for (size_t a = 0; a < input.size(); ++a) {
    if (a < axis) outer *= input[a];
    if (a > axis) inner *= input[a];
  }
  const SliceShape one = spec.inContext([&] { return sliceShape(outer, input[axis], inner, start, end, step); });
  return std::make_unique<SliceLayer>(input, axis, one);
}

}  // namespace sj
