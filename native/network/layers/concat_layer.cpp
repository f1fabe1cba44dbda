// concat: {"inputs": [a, b, ...], "axis": k} joins two or more tensors along per-sample axis k (may
// count from the end: -1 is the last); every other dimension must agree. One copy kernel call per
// input, forward and backward.
#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/concat.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class ConcatLayer : public MultiInputLayer {
 public:
  ConcatLayer(std::vector<Shape> inputs, size_t axis) : MultiInputLayer(std::move(inputs), {}), axis_(axis) {
    output_ = inputs_[0];
    output_[axis_] = 0;
    for (const Shape& s : inputs_) output_[axis_] += s[axis_];
  }
  const char* type() const override { return "concat"; }

  void forwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, float* y) override {
    for (size_t k = 0; k < inputs_.size(); ++k) {
      const ConcatShape s = sliceOf(batch, k);
      ctx.run("concat", KernelPass::Forward, s.describe(), concatForwardCost(s), [&] { concatForward(ctx.pool(), s, xs[k], y); },
              [&] { cuda::concatForward(ctx.stream(), s, xs[k], y); });
    }
  }

  void backwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>&, const float*, const float* dy,
                      const std::vector<float*>& dxs) override {
    for (size_t k = 0; k < inputs_.size(); ++k) {
      if (!dxs[k]) continue;
      const ConcatShape s = sliceOf(batch, k);
      ctx.run("concat", KernelPass::BackwardInput, s.describe(), concatBackwardInputCost(s), [&] { concatBackwardInput(ctx.pool(), s, dy, dxs[k]); },
              [&] { cuda::concatBackwardInput(ctx.stream(), s, dy, dxs[k]); });
    }
  }

 private:
  // Input k as a slice [outer, part, inner] of the output [outer, total, inner].
  ConcatShape sliceOf(int64_t batch, size_t k) const {
    ConcatShape s;
    s.outer = batch;
    for (size_t d = 0; d < axis_; ++d) s.outer *= output_[d];
    for (size_t d = axis_ + 1; d < output_.size(); ++d) s.inner *= output_[d];
    s.total = output_[axis_];
    s.part = inputs_[k][axis_];
    for (size_t j = 0; j < k; ++j) s.offset += inputs_[j][axis_];
    return s;
  }

  size_t axis_;
};

}  // namespace

std::unique_ptr<Layer> makeConcatLayer(SpecReader& spec, const std::vector<Shape>& inputs) {
  if (inputs.size() < 2) spec.inContext([&] { fail(ErrorCode::Spec, "field 'inputs' names ", inputs.size(), " tensor(s); concat takes 2 or more"); });
  const size_t axis = resolveAxis(spec, inputs[0], spec.integer("axis", std::nullopt, INT64_MIN));
  for (size_t k = 1; k < inputs.size(); ++k) {
    bool agree = inputs[k].size() == inputs[0].size();
    for (size_t d = 0; agree && d < inputs[0].size(); ++d) agree = d == axis || inputs[k][d] == inputs[0][d];
    if (!agree) {
      spec.inContext([&] {
        fail(ErrorCode::Shape, "input ", k, " ", dims(inputs[k]), " does not match input 0 ", dims(inputs[0]), " outside axis ", axis);
      });
    }
  }
  return std::make_unique<ConcatLayer>(inputs, axis);
}

}  // namespace sj
