// pad: {"pads": [begin..., end...], "value": 0} pads the per-sample axes with a constant, ONNX Pad's
// "constant" mode with its `pads` order (all begins, then all ends, one of each per axis; the batch
// axis is never padded). Negative pads (ONNX's cropping) are refused with E_VALUE.
#include <cstdint>
#include <vector>

#include "base/error.h"
#include "kernels/pad.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class PadLayer : public Layer {
 public:
  PadLayer(const Shape& input, const Shape& output, std::vector<int64_t> begin, float value)
      : Layer(input, output), begin_(std::move(begin)), value_(value) {}
  const char* type() const override { return "pad"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const ConstantPadShape s = at(batch);
    ctx.run("pad", KernelPass::Forward, s.describe(), constantPadForwardCost(s), [&] { constantPadForward(ctx.pool(), s, x, y); },
            [&] { cuda::constantPadForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const ConstantPadShape s = at(batch);
    ctx.run("pad", KernelPass::BackwardInput, s.describe(), constantPadBackwardInputCost(s), [&] { constantPadBackwardInput(ctx.pool(), s, dy, dx); },
            [&] { cuda::constantPadBackwardInput(ctx.stream(), s, dy, dx); });
  }

 private:
  // The whole tensor: the batch in front, unpadded.
  ConstantPadShape at(int64_t batch) const {
    Shape x = input_;
    x.insert(x.begin(), batch);
    std::vector<int64_t> begin = begin_, end;
    begin.insert(begin.begin(), 0);
    for (size_t d = 0; d < x.size(); ++d) end.push_back(d == 0 ? 0 : output_[d - 1] - input_[d - 1] - begin_[d - 1]);
    return constantPadShape(x, begin, end, value_);
  }

  std::vector<int64_t> begin_;
  float value_;
};

}  // namespace

std::unique_ptr<Layer> makePadLayer(SpecReader& spec, const Shape& input) {
  const std::vector<int64_t> pads = spec.integerList("pads", INT64_MIN);
  const double value = spec.number("value", 0.0, -3.4e38, 3.4e38);
  const size_t rank = input.size();
  if (pads.size() != 2 * rank) {
    spec.inContext([&] { fail(ErrorCode::Spec, "field 'pads' lists ", pads.size(), " values; an input of ", rank, " axes takes ", 2 * rank, " (begins, then ends)"); });
  }
  std::vector<int64_t> begin(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(rank));
  Shape output = input;
  for (size_t d = 0; d < rank; ++d) {
    if (pads[d] < 0 || pads[rank + d] < 0) spec.inContext([&] { fail(ErrorCode::Value, "field 'pads' has a negative pad for axis ", d, " (cropping is not supported)"); });
    output[d] += pads[d] + pads[rank + d];
  }
  if (rank + 1 > static_cast<size_t>(kConstantPadMaxRank)) spec.inContext([&] { fail(ErrorCode::Shape, "an input of rank ", rank, " is past the ", kConstantPadMaxRank - 1, " per-sample axes pad takes"); });
  return std::make_unique<PadLayer>(input, output, begin, static_cast<float>(value));
}

}  // namespace sj
