// dropout: {"p": 0.5}. Training: inverted dropout with a mask from the seeded counter RNG, fresh
// per layer and step; inference: the identity, which runs no kernel (a copy, not in the ledger).
#include <cstring>

#include "core/random.h"
#include "cuda/device_memory.h"
#include "kernels/dropout.h"
#include "network/layers/layers.h"

namespace sj {
namespace {

class DropoutLayer : public Layer {
 public:
  DropoutLayer(const Shape& input, double p) : Layer(input, input), p_(p) {}
  const char* type() const override { return "dropout"; }

  void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) override {
    const DropoutShape s{batch * numel(input_), p_};
    if (!ctx.training()) {
      if (ctx.device() == Device::Cpu) {
        std::memcpy(y, x, static_cast<size_t>(s.size) * sizeof(float));
      } else if constexpr (kCudaBuilt) {
        cuda::copyOnDevice(y, x, s.size * static_cast<int64_t>(sizeof(float)), ctx.stream(), "the dropout layer's output");
      }
      return;
    }
    mask_.resize(ctx.device(), s.size, "the dropout mask");
    const uint64_t seed = counterHash(ctx.layerSeed(), static_cast<uint64_t>(ctx.step()));
    ctx.run("dropout", KernelPass::Forward, s.describe(), dropoutForwardCost(s), [&] { dropoutForward(ctx.pool(), s, seed, x, mask_.data(), y); },
            [&] { cuda::dropoutForward(ctx.stream(), s, seed, x, mask_.data(), y); });
  }

  void backward(KernelContext& ctx, int64_t batch, const float*, const float*, const float* dy, float* dx) override {
    if (!dx) return;
    const DropoutShape s{batch * numel(input_), p_};
    ctx.run("dropout", KernelPass::BackwardInput, s.describe(), dropoutBackwardInputCost(s),
            [&] { dropoutBackwardInput(ctx.pool(), s, dy, mask_.data(), dx); },
            [&] { cuda::dropoutBackwardInput(ctx.stream(), s, dy, mask_.data(), dx); });
  }

 private:
  double p_;
  Buffer<float> mask_;
};

}  // namespace

std::unique_ptr<Layer> makeDropoutLayer(SpecReader& spec, const Shape& input) {
  const double p = spec.number("p", std::nullopt, 0.0, 1.0);
  spec.inContext([&] { DropoutShape{1, p}.validate(); });
  return std::make_unique<DropoutLayer>(input, p);
}

}  // namespace sj
