// A layer of a network: owns its parameters and saved activations, and runs kernels through a
// KernelContext, which times each call and records it in the ledger with its cost formula.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/buffer.h"
#include "ledger/kernel_context.h"

namespace sj {

using Shape = std::vector<int64_t>;  // per sample: the batch dimension is not included
// The element count; E_SHAPE past kMaxElements (core/sizes.h), so it never wraps.
int64_t numel(const Shape& shape);

// How a parameter starts: uniform in [-bound, bound] from the seeded counter RNG, or a constant.
struct Init {
  enum class Kind { Uniform, Constant } kind = Kind::Constant;
  float value = 0.f;
  static Init uniform(float bound) { return {Kind::Uniform, bound}; }
  static Init constant(float v) { return {Kind::Constant, v}; }
};

struct Parameter {
  std::string name;   // within the layer, e.g. "weight", "weight_ih_l0"
  Shape shape;
  Init init;
  bool trainable = true;  // false for buffers such as batch-norm running statistics
  Buffer<float> value, grad;      // on the network's device
  Buffer<float> state1, state2;    // optimiser state (momentum / Adam moments)

  // Memory is taken by allocate(), not here, so a network can be inspected (shapes, parameter
  // counts, memory) without holding its parameters.
  Parameter(std::string n, Shape s, Init i, bool train = true);
  void allocate(Device device);
  int64_t size() const { return numel(shape); }
};

// A layer reads inputCount() tensors and writes one. Most layers are unary: they derive from Layer,
// take their input shape in the constructor and implement the single-input forward/backward. A
// layer of several inputs (add, concat, ...) derives from MultiInputLayer below. The network calls
// every layer through forwardInputs/backwardInputs, which a unary layer maps onto its single-input
// pair, so unary layers need not know about graphs.
class Layer {
 public:
  virtual ~Layer() = default;
  virtual const char* type() const = 0;

  virtual size_t inputCount() const { return 1; }
  // The per-sample shape of input k (k < inputCount()); inputShape() is input 0's.
  virtual const Shape& inputShapeAt(size_t) const { return input_; }
  const Shape& inputShape() const { return input_; }
  const Shape& outputShape() const { return output_; }
  std::vector<Parameter>& parameters() { return params_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  bool hasTrainableParameters() const;

  // A view layer (flatten, reshape) only renames dimensions: its output aliases its input.
  virtual bool isView() const { return false; }
  // Values per sample of the largest tensor the layer keeps besides its input and output, when
  // that is not a small multiple of either (the network bounds it times the batch, as outputs).
  virtual int64_t largestInnerTensor() const { return 0; }

  // x [batch, inputShape] -> y [batch, outputShape]
  virtual void forward(KernelContext& ctx, int64_t batch, const float* x, float* y) = 0;
  // dy -> parameter gradients, and dx unless it is null (the input gradient is not wanted).
  virtual void backward(KernelContext& ctx, int64_t batch, const float* x, const float* y, const float* dy, float* dx) = 0;

  // What the network calls: xs[k] is input k, and dxs[k] its gradient, null when not wanted. The
  // gradients are written, never added to: the network sums the gradients of a tensor that
  // several layers read.
  virtual void forwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, float* y) { forward(ctx, batch, xs[0], y); }
  virtual void backwardInputs(KernelContext& ctx, int64_t batch, const std::vector<const float*>& xs, const float* y, const float* dy,
                              const std::vector<float*>& dxs) {
    backward(ctx, batch, xs[0], y, dy, dxs[0]);
  }

 protected:
  Layer(Shape input, Shape output) : input_(std::move(input)), output_(std::move(output)) {}
  Parameter& addParameter(std::string name, Shape shape, Init init, bool trainable = true);

  Shape input_, output_;
  std::vector<Parameter> params_;
};

// A layer of several inputs: implements forwardInputs/backwardInputs; the single-input pair does
// not apply to it and fails if called.
class MultiInputLayer : public Layer {
 public:
  size_t inputCount() const override { return inputs_.size(); }
  const Shape& inputShapeAt(size_t k) const override { return inputs_[k]; }
  void forward(KernelContext&, int64_t, const float*, float*) final;
  void backward(KernelContext&, int64_t, const float*, const float*, const float*, float*) final;

 protected:
  MultiInputLayer(std::vector<Shape> inputs, Shape output) : Layer(inputs.at(0), std::move(output)), inputs_(std::move(inputs)) {}

  std::vector<Shape> inputs_;
};

}  // namespace sj
