// add, sub, mul, div: element-wise with numpy broadcasting over the per-sample shapes (the batch
// dimension is always shared), in one of two forms:
//   {"inputs": [a, b]}                       y = a op b, both tensors of the graph
//   {"inputs": [a], "operand": {"shape": [...], "init": 1, "trainable": true, "first": false}}
//                                            y = a op p (p op a with "first": true), p a parameter
//                                            "operand" of the given shape, shared by the batch
// The parameter form is what ONNX's Add/Mul with an initializer import to (positional embeddings,
// scales). init: the parameter's starting value (default 0 for add and sub, 1 for mul and div).
#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/binary.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

// `shape` with leading 1s up to `rank` dimensions, then `lead` in front (the batch, or 1).
Shape aligned(int64_t lead, const Shape& shape, size_t rank) {
  Shape out(rank + 1 - shape.size(), 1);
  out[0] = lead;
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

class BinaryLayer : public MultiInputLayer {
 public:
  // inputs: the graph's operands; operand: the parameter's shape when there is one (then inputs has
  // one entry), with `first` placing it on the left.
  BinaryLayer(BinaryOp op, std::vector<Shape> inputs, const Shape* operand, Init init, bool trainable, bool first)
      : MultiInputLayer(inputs, {}), op_(op), hasParameter_(operand != nullptr), parameterFirst_(first) {
    if (operand) addParameter("operand", *operand, init, trainable);
    output_ = broadcastShapes(left(), right());
    shapeAt(1);  // E_SHAPE now for a rank past what the kernel takes
  }
  const char* type() const override { return binaryOpName(op_); }

  void forwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, float* y) override {
    const BinaryShape s = shapeAt(batch);
    const float* a = operandA(xs);
    const float* b = operandB(xs);
    ctx.run(binaryOpName(op_), KernelPass::Forward, s.describe(), binaryForwardCost(s), [&] { binaryForward(ctx.pool(), s, a, b, y); },
            [&] { cuda::binaryForward(ctx.stream(), s, a, b, y); });
  }

  void backwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, const float*, const float* dy,
                      const std::vector<float*>& dxs) override {
    const BinaryShape s = shapeAt(batch);
    const float* a = operandA(xs);
    const float* b = operandB(xs);
    for (BinarySide side : {BinarySide::A, BinarySide::B}) {
      const bool parameter = hasParameter_ && (side == BinarySide::A) == parameterFirst_;
      float* d = parameter ? (params_[0].trainable ? params_[0].grad.data() : nullptr) : dxs[hasParameter_ || side == BinarySide::A ? 0 : 1];
      if (!d) continue;
      ctx.run(binaryOpName(op_), parameter ? KernelPass::BackwardWeight : KernelPass::BackwardInput, s.describe(), binaryBackwardCost(s, side),
              [&] { binaryBackward(ctx.pool(), s, side, a, b, dy, d); }, [&] { cuda::binaryBackward(ctx.stream(), s, side, a, b, dy, d); });
    }
  }

 private:
  // Per-sample shapes of the left and right operands (a parameter's is its own shape).
  const Shape& left() const { return hasParameter_ && parameterFirst_ ? params_[0].shape : inputs_[0]; }
  const Shape& right() const { return !hasParameter_ ? inputs_[1] : parameterFirst_ ? inputs_[0] : params_[0].shape; }
  const float* operandA(const std::vector<const float*>& xs) const { return hasParameter_ && parameterFirst_ ? params_[0].value.data() : xs[0]; }
  const float* operandB(const std::vector<const float*>& xs) const {
    return !hasParameter_ ? xs[1] : parameterFirst_ ? xs[0] : params_[0].value.data();
  }
  // The whole tensors: the batch in front of a graph operand, 1 (shared) in front of the parameter.
  BinaryShape shapeAt(int64_t batch) const {
    const size_t rank = output_.size();
    const bool leftIsParameter = hasParameter_ && parameterFirst_, rightIsParameter = hasParameter_ && !parameterFirst_;
    return binaryShape(op_, aligned(leftIsParameter ? 1 : batch, left(), rank), aligned(rightIsParameter ? 1 : batch, right(), rank));
  }

  BinaryOp op_;
  bool hasParameter_, parameterFirst_;
};

std::unique_ptr<Layer> makeBinaryLayer(BinaryOp op, SpecReader& spec, const std::vector<Shape>& inputs) {
  const Json* operand = spec.raw("operand");
  const size_t wanted = operand ? 1 : 2;
  if (inputs.size() != wanted) {
    spec.inContext([&] {
      fail(ErrorCode::Spec, "field 'inputs' names ", inputs.size(), " tensor(s); ", binaryOpName(op), " takes 2, or 1 with an 'operand'");
    });
  }
  return spec.inContext([&]() -> std::unique_ptr<Layer> {
    if (!operand) return std::make_unique<BinaryLayer>(op, inputs, nullptr, Init{}, true, false);
    SpecReader reader(*operand, "operand");
    const Shape shape = reader.integerList("shape", 1);
    if (shape.empty()) fail(ErrorCode::Spec, "operand: field 'shape' must list at least one dimension ([1] for a scalar)");
    const bool identityOne = op == BinaryOp::Mul || op == BinaryOp::Div;
    const double init = reader.number("init", identityOne ? 1.0 : 0.0, -3.4e38, 3.4e38);
    const bool trainable = reader.flag("trainable", true);
    const bool first = reader.flag("first", false);
    reader.rejectUnknownFields();
    return std::make_unique<BinaryLayer>(op, inputs, &shape, Init::constant(static_cast<float>(init)), trainable, first);
  });
}

}  // namespace

std::unique_ptr<Layer> makeAddLayer(SpecReader& spec, const std::vector<Shape>& inputs) { return makeBinaryLayer(BinaryOp::Add, spec, inputs); }
std::unique_ptr<Layer> makeSubLayer(SpecReader& spec, const std::vector<Shape>& inputs) { return makeBinaryLayer(BinaryOp::Sub, spec, inputs); }
std::unique_ptr<Layer> makeMulLayer(SpecReader& spec, const std::vector<Shape>& inputs) { return makeBinaryLayer(BinaryOp::Mul, spec, inputs); }
std::unique_ptr<Layer> makeDivLayer(SpecReader& spec, const std::vector<Shape>& inputs) { return makeBinaryLayer(BinaryOp::Div, spec, inputs); }

}  // namespace sj
