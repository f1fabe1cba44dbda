// A trainable network built from a JSON spec: a sequence of layers, a loss and an optimiser.
// One call does one batch (trainStep, predict, evaluate); every kernel call lands in the ledger.
//
// Spec (all sizes per sample; the batch dimension is implicit):
//   { "input": [1, 128, 64],
//     "layers": [ {"type": "conv2d", "out": 64, "kernel": 3, "padding": 1}, {"type": "relu"}, ... ],
//     "loss": "bce-logits" | "bce",
//     "optimizer": {"type": "adam", "lr": 0.001} | {"type": "sgd", "lr": 0.01, "momentum": 0.9},
//     "seed": 1, "inputGradient": false }
// The layer types and their fields are documented in docs/spec.md.
#pragma once
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/json.h"
#include "core/thread_pool.h"
#include "ledger/ledger.h"
#include "network/layer.h"
#include "network/loss.h"
#include "network/optimizer_step.h"

namespace sj {

struct NetworkOptions {
  int threads = 0;        // 0: one per hardware thread
  bool allocate = true;   // false: shapes, parameter counts and memory only (describe())
};

class Network {
 public:
  Network(const std::string& specJson, const NetworkOptions& options);
  ~Network();

  const Shape& inputShape() const { return inputShape_; }
  const Shape& outputShape() const;
  int64_t parameterCount() const;
  int threads() const { return pool_.size(); }
  // Spec as normalised JSON plus per-layer input/output shapes and parameter counts, and the
  // memory the network needs (parameters, gradients, optimiser state, activations per sample).
  std::string describe() const;

  // Number of samples in an input of xLength floats; E_SHAPE when it is not a whole batch.
  int64_t batchOf(int64_t xLength) const;

  // Forward, loss, backward, optimiser step. Returns the mean loss of the batch.
  double trainStep(const float* x, int64_t xLength, const float* y, int64_t yLength);
  // Inference: out receives probabilities (sigmoid applied for a bce-logits network).
  void predict(const float* x, int64_t xLength, float* out, int64_t outLength);
  // Inference with the loss against targets y (no gradients): returns the loss, fills out.
  double evaluate(const float* x, int64_t xLength, const float* y, int64_t yLength, float* out, int64_t outLength);

  Ledger& ledger() { return ledger_; }
  int64_t steps() const { return step_; }

  void saveWeights(const std::string& path);
  void loadWeights(const std::string& path);
  // A checkpoint: weights plus the optimiser's state and step count, so training resumes exactly.
  void saveCheckpoint(const std::string& path);
  void loadCheckpoint(const std::string& path);

  // Held for the duration of any of the calls above: one batch at a time per network.
  std::mutex& busy() { return busy_; }

 private:
  void checkInputs(const float* x, int64_t xLength, const float* y, int64_t yLength, int64_t batch) const;
  void prepareBatch(int64_t batch);
  void forward(int64_t batch, const float* x, bool training);
  bool inputGradientWanted(size_t layer) const;
  void requireAllocated() const;
  void allocateOptimizerState();

  Json spec_;
  Shape inputShape_;
  std::vector<std::unique_ptr<Layer>> layers_;
  Loss loss_;
  OptimizerConfig optimizer_;
  uint64_t seed_ = 0;
  bool inputGradient_ = false;
  int64_t step_ = 0;
  bool allocated_ = false;

  ThreadPool pool_;
  Ledger ledger_;
  KernelContext ctx_;
  std::mutex busy_;

  int64_t batch_ = 0;
  std::vector<AlignedBuffer<float>> activations_, gradients_;  // owned storage per non-view layer
  std::vector<const float*> act_;   // act_[i]: input of layer i; act_[L]: network output
  std::vector<float*> grad_;        // grad_[i]: gradient w.r.t. act_[i]
  AlignedBuffer<float> lossValue_;
};

}  // namespace sj
