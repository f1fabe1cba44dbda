// attention_head: {"classes": C, "softmaxOver": "classes"} the clip-level head of the DCASE 2023
// baseline CRNN (DESED_task CRNN.py, attention=True) over a sequence [T, F] -> [C]:
//   strong = sigmoid(dense(x))                       frame probabilities [T, C]
//   a      = dense_softmax(x)                        attention logits    [T, C]
//   weak   = sum_t strong * w / sum_t w,  w = clamp(softmax(a), 1e-7, 1)
// The output is a probability: train it with the "bce" loss. The baseline's softmax runs over
// the classes of each frame; "softmaxOver": "time" normalises over frames instead.
#include <cmath>

#include "core/sizes.h"
#include "kernels/add.h"
#include "kernels/attention_pool.h"
#include "kernels/linear.h"
#include "kernels/sigmoid.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class AttentionHeadLayer : public Layer {
 public:
  AttentionHeadLayer(const Shape& input, int64_t classes, AttentionAxis axis) : Layer(input, {classes}), axis_(axis) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(input[1]));
    addParameter("dense.weight", {classes, input[1]}, Init::uniform(bound));
    addParameter("dense.bias", {classes}, Init::uniform(bound));
    addParameter("dense_softmax.weight", {classes, input[1]}, Init::uniform(bound));
    addParameter("dense_softmax.bias", {classes}, Init::uniform(bound));
  }
  const char* type() const override { return "attention_head"; }
  int64_t largestInnerTensor() const override { return input_[0] * output_[0]; }  // the [T, C] logits

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const LinearShape lin = linearAt(batch);
    const AttentionPoolShape pool = poolAt(batch);
    const SigmoidShape sig{pool.size()};
    for (Buffer<float>* b : {&logits_, &strong_, &attention_, &sof_}) b->resize(ctx.device(), pool.size(), "attention head tensors");
    den_.resize(ctx.device(), pool.clipSize(), "attention head tensors");
    ctx.run("linear", KernelPass::Forward, lin.describe(), linearForwardCost(lin),
            [&] { linearForward(ctx.pool(), lin, x, value(0), value(1), logits_.data()); },
            [&] { cuda::linearForward(ctx.stream(), lin, x, value(0), value(1), logits_.data()); });
    ctx.run("sigmoid", KernelPass::Forward, sig.describe(), sigmoidForwardCost(sig), [&] { sigmoidForward(ctx.pool(), sig, logits_.data(), strong_.data()); },
            [&] { cuda::sigmoidForward(ctx.stream(), sig, logits_.data(), strong_.data()); });
    ctx.run("linear", KernelPass::Forward, lin.describe(), linearForwardCost(lin),
            [&] { linearForward(ctx.pool(), lin, x, value(2), value(3), attention_.data()); },
            [&] { cuda::linearForward(ctx.stream(), lin, x, value(2), value(3), attention_.data()); });
    ctx.run("attention_pool", KernelPass::Forward, pool.describe(), attentionPoolForwardCost(pool),
            [&] { attentionPoolForward(ctx.pool(), pool, strong_.data(), attention_.data(), sof_.data(), den_.data(), y); },
            [&] { cuda::attentionPoolForward(ctx.stream(), pool, strong_.data(), attention_.data(), sof_.data(), den_.data(), y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float* x, const float* y, const float* dy, float* dx) override {
    const LinearShape lin = linearAt(batch);
    const AttentionPoolShape pool = poolAt(batch);
    const SigmoidShape sig{pool.size()};
    dStrong_.resize(ctx.device(), pool.size(), "attention head gradients");
    dAttention_.resize(ctx.device(), pool.size(), "attention head gradients");
    ctx.run("attention_pool", KernelPass::BackwardInput, pool.describe(), attentionPoolBackwardInputCost(pool), [&] {
      attentionPoolBackwardInput(ctx.pool(), pool, strong_.data(), sof_.data(), den_.data(), y, dy, dStrong_.data(), dAttention_.data());
    },
            [&] { cuda::attentionPoolBackwardInput(ctx.stream(), pool, strong_.data(), sof_.data(), den_.data(), y, dy, dStrong_.data(), dAttention_.data()); });
    // dStrong becomes the gradient of the strong logits, in place.
    ctx.run("sigmoid", KernelPass::BackwardInput, sig.describe(), sigmoidBackwardInputCost(sig),
            [&] { sigmoidBackwardInput(ctx.pool(), sig, strong_.data(), dStrong_.data(), dStrong_.data()); },
            [&] { cuda::sigmoidBackwardInput(ctx.stream(), sig, strong_.data(), dStrong_.data(), dStrong_.data()); });
    const std::string shapes = lin.describe();
    for (int head = 0; head < 2; ++head) {
      const float* g = head == 0 ? dStrong_.data() : dAttention_.data();
      ctx.run("linear", KernelPass::BackwardWeight, shapes, linearBackwardWeightCost(lin),
              [&] { linearBackwardWeight(ctx.pool(), lin, g, x, grad(2 * head)); },
            [&] { cuda::linearBackwardWeight(ctx.stream(), lin, g, x, grad(2 * head)); });
      ctx.run("linear", KernelPass::BackwardBias, shapes, linearBackwardBiasCost(lin), [&] { linearBackwardBias(ctx.pool(), lin, g, grad(2 * head + 1)); },
            [&] { cuda::linearBackwardBias(ctx.stream(), lin, g, grad(2 * head + 1)); });
    }
    if (!dx) return;
    const AddShape sum{lin.m * lin.k};
    inputGradient_.resize(ctx.device(), sum.size, "attention head gradients");
    ctx.run("linear", KernelPass::BackwardInput, shapes, linearBackwardInputCost(lin),
            [&] { linearBackwardInput(ctx.pool(), lin, dStrong_.data(), value(0), dx); },
            [&] { cuda::linearBackwardInput(ctx.stream(), lin, dStrong_.data(), value(0), dx); });
    ctx.run("linear", KernelPass::BackwardInput, shapes, linearBackwardInputCost(lin),
            [&] { linearBackwardInput(ctx.pool(), lin, dAttention_.data(), value(2), inputGradient_.data()); },
            [&] { cuda::linearBackwardInput(ctx.stream(), lin, dAttention_.data(), value(2), inputGradient_.data()); });
    ctx.run("add", KernelPass::BackwardInput, sum.describe(), addForwardCost(sum), [&] { addForward(ctx.pool(), sum, dx, inputGradient_.data(), dx); },
            [&] { cuda::addForward(ctx.stream(), sum, dx, inputGradient_.data(), dx); });
  }

 private:
  LinearShape linearAt(int64_t batch) const { return LinearShape{batch * input_[0], input_[1], output_[0], true}; }
  AttentionPoolShape poolAt(int64_t batch) const {
    AttentionPoolShape s;
    s.b = batch, s.t = input_[0], s.c = output_[0];
    s.softmaxOver = axis_;
    return s;
  }
  const float* value(size_t k) const { return params_[k].value.data(); }
  float* grad(size_t k) { return params_[k].grad.data(); }

  AttentionAxis axis_;
  Buffer<float> logits_, strong_, attention_, sof_, den_, dStrong_, dAttention_, inputGradient_;
};

}  // namespace

std::unique_ptr<Layer> makeAttentionHeadLayer(SpecReader& spec, const Shape& input) {
  spec.requireRank(input, 2, "[time, features]");
  const int64_t classes = spec.integer("classes", std::nullopt, 1);
  if (!productWithin(input[0], classes)) {
    spec.inContext([&] { fail(ErrorCode::Spec, "the per-sample logits [", input[0], ",", classes, "] have more than 2^45 elements, past what can be addressed"); });
  }
  const AttentionAxis axis = spec.choice("softmaxOver", std::string("classes"), {"classes", "time"}) == "time" ? AttentionAxis::Time : AttentionAxis::Classes;
  return std::make_unique<AttentionHeadLayer>(input, classes, axis);
}

}  // namespace sj
