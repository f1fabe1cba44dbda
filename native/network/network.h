// A trainable network built from a JSON spec: a graph of layers, a loss and an optimiser. One
// call does one batch (trainStep, predict, evaluate); every kernel call lands in the ledger.
//
// Spec (all sizes per sample; the batch dimension is implicit):
//   { "input": [1, 128, 64],
//     "layers": [ {"type": "conv2d", "out": 64, "kernel": 3, "padding": 1}, {"type": "relu"}, ... ],
//     "output": "<layer name>",
//     "loss": "bce-logits" | "bce" | "softmax-ce",
//     "optimizer": {"type": "adam", "lr": 0.001} | {"type": "sgd", "lr": 0.01, "momentum": 0.9},
//     "seed": 1, "inputGradient": false }
// A layer may carry "name" and "inputs" (tensor names: "input" or an earlier layer's name); without
// them each layer reads the one before, a chain. Spec order is the order of computation. The layer
// types and their fields are documented in docs/spec.md.
//
// Gradients: backward runs the layers in reverse spec order. A tensor that several layers read
// gets the sum of their input gradients: the first of them (in backward order) writes the tensor's
// gradient buffer, each further one writes an accumulation buffer of its own, which an "add"
// kernel call, recorded under that (consuming) layer's label, then adds in. A view (flatten,
// reshape) shares its input's buffers, so its readers count as readers of its input.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/buffer.h"
#include "core/json.h"
#include "core/thread_pool.h"
#include "cuda/cuda_session.h"
#include "ledger/ledger.h"
#include "network/layer.h"
#include "network/loss.h"
#include "network/optimizer_step.h"

namespace sj {

// A parameter or buffer with its weights-file name and its values on the host.
struct NamedTensor {
  std::string name;
  Shape shape;
  std::vector<float> values;
};

struct NetworkOptions {
  int threads = 0;        // 0: one per hardware thread (the CPU kernels' pool)
  bool allocate = true;   // false: shapes, parameter counts and memory only (describe())
  Device device = Device::Cpu;  // where parameters, activations and optimiser state live
  int cudaDevice = 0;           // which CUDA device, on Device::Cuda
};

class Network {
 public:
  Network(const std::string& specJson, const NetworkOptions& options);
  ~Network();

  const Shape& inputShape() const { return inputShape_; }
  const Shape& outputShape() const;
  int64_t parameterCount() const;
  int threads() const { return pool_.size(); }
  Device device() const { return device_; }
  // Spec as normalised JSON plus per-layer input/output shapes and parameter counts, and the
  // memory the network needs (parameters, gradients, optimiser state, activations per sample).
  std::string describe() const;

  // Number of samples in an input of xLength floats; E_SHAPE when it is not a whole batch.
  int64_t batchOf(int64_t xLength) const;

  // Forward, loss, backward, optimiser step. Returns the mean loss of the batch. On CUDA the batch
  // goes to the device in one transfer (x and y together) and the loss comes back in one.
  double trainStep(const float* x, int64_t xLength, const float* y, int64_t yLength);
  // Inference: out receives probabilities (sigmoid applied for a bce-logits network, softmax over
  // the last axis for a softmax-ce one).
  void predict(const float* x, int64_t xLength, float* out, int64_t outLength);
  // Inference with the loss against targets y (no gradients): returns the loss, fills out.
  double evaluate(const float* x, int64_t xLength, const float* y, int64_t yLength, float* out, int64_t outLength);

  Ledger& ledger() { return ledger_; }
  int64_t steps() const { return step_; }

  // Per-kernel energy profiling (CUDA): trains one step with every kernel call captured as a CUDA
  // graph (the step itself runs as usual), then replays a captured call `times` times back to back
  // and returns the GPU time of the repetitions in nanoseconds. Captured calls are not recorded in
  // the ledger; they stay valid until the next capture or a change of batch size.
  double captureTrainStep(const float* x, int64_t xLength, const float* y, int64_t yLength);
  const std::vector<KernelContext::Call>& capturedCalls() const { return ctx_.capturedCalls(); }
  int64_t replayCapturedCall(int64_t index, int64_t times);

  void saveWeights(const std::string& path);
  void loadWeights(const std::string& path);
  // Every parameter and buffer by its weights-file name ("layers.<i>.<param>"), copied to the host.
  std::vector<NamedTensor> readParameters();
  // Sets the named parameters and buffers (any subset). All are checked before any is written:
  // E_VALUE for a name this network lacks or a value that is not finite, E_SHAPE for a length
  // that is not the tensor's, each naming the tensor.
  void writeParameters(const std::vector<NamedTensor>& tensors);
  // A checkpoint: weights plus the optimiser's state and step count, so training resumes exactly.
  void saveCheckpoint(const std::string& path);
  void loadCheckpoint(const std::string& path);

  // Held for the duration of any of the calls above: one batch at a time per network.
  std::mutex& busy() { return busy_; }

  // Bytes this network holds now, host or device: parameters, gradients, optimiser state,
  // activations and their gradients, and the batch's staging (layers' saved tensors excluded).
  // Read under busy(): the batch buffers change size with the batch.
  int64_t heldBytes() const;

 private:
  void checkInputs(const float* x, int64_t xLength, const float* y, int64_t yLength, int64_t batch) const;
  void prepareBatch(int64_t batch);
  // The batch on the network's device: x (and y) copied there in one transfer on CUDA, the
  // caller's memory on the CPU. Returns the device copy of y (null without y).
  const float* stageInputs(const float* x, int64_t xLength, const float* y, int64_t yLength);
  void forward(int64_t batch, bool training);
  double trainOnStaged(int64_t batch, const float* target);
  // Runs fn; if it throws, the device's pending ledger rows are dropped before the error goes on.
  template <class Fn>
  auto guarded(Fn&& fn) -> decltype(fn());
  double readLoss();
  // The probabilities of the batch's output into the caller's host memory.
  void writeProbabilities(int64_t elements, float* out);
  void requireAllocated() const;
  // Reads "name", "inputs" and "output", builds the layers and plans the gradients' routes.
  void buildGraph(const Json& layers, const Json* output);
  void planGradients();
  void shareGradientBuffers();
  const Shape& tensorShape(size_t tensor) const { return tensor == 0 ? inputShape_ : layers_[tensor - 1]->outputShape(); }
  float* gradientOf(size_t tensor) {
    const int64_t slot = gradientSlot_[root_[tensor]];
    return slot >= 0 && gradients_[slot].size() ? gradients_[slot].data() : nullptr;
  }
  void allocateOptimizerState();

  Json spec_;
  Shape inputShape_;
  int64_t largestSample_ = 1;  // the most values of the input or any layer output, per sample
  std::vector<std::unique_ptr<Layer>> layers_;
  // The graph. Tensor 0 is the network's input, tensor i + 1 the output of layer i.
  std::vector<std::string> names_;           // per layer: its name, the label of its ledger rows
  std::vector<std::vector<size_t>> inputs_;  // per layer: the tensors it reads
  size_t output_ = 0;                        // the tensor the loss reads
  std::vector<size_t> root_;                 // per tensor: the tensor that owns its storage (views share)
  // Where input k of layer i sends its gradient: nowhere (not wanted), straight into its tensor's
  // gradient buffer, or into accumulation_[i][k], which is then added to it.
  enum class Route { None, Write, Accumulate };
  std::vector<std::vector<Route>> routes_;
  std::vector<bool> hasGradient_;  // per tensor: whether any route (or the loss) writes its gradient
  // Per tensor owning storage: the gradient buffer it uses (-1: none). Tensors whose gradients are
  // never live at once share one (planGradients), as a framework frees a gradient once consumed.
  std::vector<int64_t> gradientSlot_;
  std::vector<int64_t> slotSample_;  // per gradient buffer: its size per sample, in floats
  Loss loss_;
  OptimizerConfig optimizer_;
  uint64_t seed_ = 0;
  bool inputGradient_ = false;
  int64_t step_ = 0;
  bool allocated_ = false;

  Device device_ = Device::Cpu;
  ThreadPool pool_;
  Ledger ledger_;
  CudaSessionPointer cuda_ = noCudaSession();
  KernelContext ctx_;
  std::mutex busy_;

  int64_t batch_ = 0;
  std::vector<Buffer<float>> activations_;    // per layer: its output (empty for a view)
  std::vector<Buffer<float>> gradients_;      // per gradient slot (gradientSlot_)
  std::vector<std::vector<Buffer<float>>> accumulation_;  // per layer and input: see Route
  std::vector<const float*> act_;             // per tensor: its values for this batch
  Buffer<float> lossValue_;         // [1] the batch's mean loss
  Buffer<float> lossUpstream_;      // [1] = 1, d(loss)/d(loss)
  Buffer<float> staged_;            // CUDA: the batch (x, then y) on the device
  Buffer<float> probabilities_;     // CUDA: predictions on the device before they go to the host
  std::vector<float> hostStaging_;  // CUDA: x and y side by side, for the single transfer
};

}  // namespace sj
