// reduce: {"op": "sum" | "mean" | "max", "axes": [...], "keepDims": true} reduces the per-sample
// axes listed (each may count from the end; default: all of them), as ONNX's ReduceSum/ReduceMean/
// ReduceMax. keepDims true keeps each reduced axis as a 1, false removes it (a sample reduced to no
// axes is [1]). Max's gradient goes to the first maximal element (kernels/reduce.h).
#include <string>
#include <vector>

#include "base/error.h"
#include "kernels/reduce.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class ReduceLayer : public Layer {
 public:
  ReduceLayer(const Shape& input, const Shape& output, ReduceOp op, std::vector<int> axes) : Layer(input, output), op_(op), axes_(std::move(axes)) {}
  const char* type() const override { return "reduce"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const ReduceShape s = at(batch);
    ctx.run(name(), KernelPass::Forward, s.describe(), reduceForwardCost(s), [&] { reduceForward(ctx.pool(), s, x, y); },
            [&] { cuda::reduceForward(ctx.stream(), s, x, y); });
  }
  void backward(KernelContext& ctx, int64_t batch, const float* x, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const ReduceShape s = at(batch);
    ctx.run(name(), KernelPass::BackwardInput, s.describe(), reduceBackwardInputCost(s), [&] { reduceBackwardInput(ctx.pool(), s, x, dy, dx); },
            [&] { cuda::reduceBackwardInput(ctx.stream(), s, x, dy, dx); });
  }

 private:
  // The ledger's kernel name: reduce_sum, reduce_mean, reduce_max.
  const char* name() const {
    switch (op_) {
      case ReduceOp::Sum: return "reduce_sum";
      case ReduceOp::Mean: return "reduce_mean";
      case ReduceOp::Max: return "reduce_max";
    }
    return "reduce_sum";
  }
  // The whole tensor: the batch in front, the per-sample axes one further on.
  ReduceShape at(int64_t batch) const {
    Shape x = input_;
    x.insert(x.begin(), batch);
    std::vector<int> axes;
    for (int a : axes_) axes.push_back(a + 1);
    return reduceShape(op_, x, axes);
  }

  ReduceOp op_;
  std::vector<int> axes_;
};

}  // namespace

std::unique_ptr<Layer> makeReduceLayer(SpecReader& spec, const Shape& input) {
  const std::string op = spec.choice("op", std::nullopt, {"sum", "mean", "max"});
  std::vector<int> axes;
  if (spec.has("axes")) {
    for (int64_t a : spec.integerList("axes", INT64_MIN)) axes.push_back(static_cast<int>(resolveAxis(spec, input, a)));
  } else {
    for (size_t a = 0; a < input.size(); ++a) axes.push_back(static_cast<int>(a));
  }
  const bool keepDims = spec.flag("keepDims", true);
  Shape output;
  std::vector<bool> reduced(input.size(), false);
  for (int a : axes) {
    if (reduced[static_cast<size_t>(a)]) spec.inContext([&] { fail(ErrorCode::Value, "field 'axes' lists axis ", a, " twice"); });
    reduced[static_cast<size_t>(a)] = true;
  }
  for (size_t a = 0; a < input.size(); ++a) {
    if (!reduced[a]) output.push_back(input[a]);
    else if (keepDims) output.push_back(1);
  }
  if (output.empty()) output.push_back(1);
  const ReduceOp kind = op == "sum" ? ReduceOp::Sum : op == "mean" ? ReduceOp::Mean : ReduceOp::Max;
  if (input.size() + 1 > static_cast<size_t>(kReduceMaxRank)) {
    spec.inContext([&] { fail(ErrorCode::Shape, "an input of rank ", input.size(), " is past the ", kReduceMaxRank - 1, " per-sample axes reduce takes"); });
  }
  return std::make_unique<ReduceLayer>(input, output, kind, axes);
}

}  // namespace sj
