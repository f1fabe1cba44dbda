#include "network/network.h"

#include <algorithm>
#include <limits>
#include <cmath>
#include <cstring>
#include <deque>
#include <map>

#include "base/error.h"
#include "core/random.h"
#include "core/shape_text.h"
#include "core/sizes.h"
#include "core/spec_reader.h"
#include "cuda/device_memory.h"
#include "kernels/add.h"
#include "kernels/bce.h"
#include "network/layers/layers.h"
#include "network/weights_file.h"

namespace sj {
namespace {

// Largest seed kept exact through a JSON number.
constexpr int64_t kMaxSeed = (int64_t{1} << 53) - 1;

Json shapeJson(const Shape& shape) {
  Json a = Json::array();
  for (int64_t d : shape) a.push(Json::number(static_cast<double>(d)));
  return a;
}

// Where element i of a batch lives, for error messages: "x[123] (sample 2, element 5)".
std::string locate(const char* name, int64_t i, int64_t sampleSize) {
  return std::string(name) + "[" + std::to_string(i) + "] (sample " + std::to_string(i / sampleSize) + ", element " +
         std::to_string(i % sampleSize) + ")";
}

}  // namespace

namespace {
CudaSessionPointer sessionFor(const NetworkOptions& options) {
  return options.allocate ? openCudaSession(options.device, options.cudaDevice, "network") : noCudaSession();
}
}  // namespace

Network::Network(const std::string& specJson, const NetworkOptions& options)
    : device_(options.device), pool_(options.threads), cuda_(sessionFor(options)), ctx_(pool_, ledger_, cuda_.get()) {
  spec_ = Json::parse(specJson);
  SpecReader top(spec_, "spec");
  inputShape_ = top.integerList("input", 1);
  if (inputShape_.empty()) fail(ErrorCode::Spec, "spec: field 'input' must list at least one dimension");
  if (!elementsWithin(inputShape_)) fail(ErrorCode::Spec, "spec: field 'input' ", dims(inputShape_), " has more than 2^45 elements, past what can be addressed");
  const Json* layers = top.raw("layers");
  if (!layers || !layers->isArray() || layers->items().empty()) fail(ErrorCode::Spec, "spec: field 'layers' must be a non-empty array");
  buildGraph(*layers, top.raw("output"));
  // softmax-ce's classes: the output's last axis (a scalar output has one class, which it refuses).
  const int64_t classes = outputShape().empty() ? 1 : outputShape().back();
  loss_ = Loss::fromName(top.choice("loss", std::string("bce-logits"), {"bce-logits", "bce", "softmax-ce"}), classes);
  optimizer_ = OptimizerConfig::fromSpec(top.raw("optimizer"));
  seed_ = static_cast<uint64_t>(top.integer("seed", 0, 0, kMaxSeed));
  inputGradient_ = top.flag("inputGradient", false);
  top.rejectUnknownFields();
  planGradients();

  spec_.set("loss", Json::string(loss_.name()));
  spec_.set("optimizer", optimizer_.toJson());
  spec_.set("seed", Json::number(static_cast<double>(seed_)));
  spec_.set("inputGradient", Json::boolean(inputGradient_));

  if (!options.allocate) return;
  allocated_ = true;
  // Initial values: a pure function of (seed, layer, parameter, element), like dropout masks, so
  // a network starts from the same weights on every device.
  std::vector<float> values;
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto& params = layers_[i]->parameters();
    for (size_t k = 0; k < params.size(); ++k) {
      Parameter& p = params[k];
      p.allocate(device_);
      const uint64_t stream = counterHash(seed_, (static_cast<uint64_t>(i) << 16) | k);
      values.resize(static_cast<size_t>(p.size()));
      for (int64_t j = 0; j < p.size(); ++j) {
        values[j] = p.init.kind == Init::Kind::Constant ? p.init.value : (2.f * uniformFloat(stream, j) - 1.f) * p.init.value;
      }
      p.value.copyFromHost(values.data(), ctx_.stream());
    }
  }
  lossValue_.resize(device_, 1, "the loss");
  lossUpstream_.resize(device_, 1, "the loss gradient");
  const float one = 1.f;
  lossUpstream_.copyFromHost(&one, ctx_.stream());
}

Network::~Network() = default;

void Network::buildGraph(const Json& layers, const Json* output) {
  // Tensor names: "input", then each layer's name as it is read, so that "inputs" can only name an
  // earlier tensor.
  std::map<std::string, size_t> tensors{{"input", 0}};
  largestSample_ = numel(inputShape_);
  root_.assign(1, 0);
  for (size_t i = 0; i < layers.items().size(); ++i) {
    const Json& spec = layers.items()[i];
    const std::string where = "layers[" + std::to_string(i) + "]";
    const Json* nameField = spec.isObject() ? spec.find("name") : nullptr;
    const Json* inputsField = spec.isObject() ? spec.find("inputs") : nullptr;
    std::vector<size_t> inputs;
    if (!inputsField) inputs.push_back(i);  // the previous layer's output (the input for the first)
    if (inputsField && (!inputsField->isArray() || inputsField->items().empty())) {
      fail(ErrorCode::Spec, where, ": field 'inputs' must be a non-empty array of tensor names, got ", inputsField->dump());
    }
    for (size_t k = 0; inputsField && k < inputsField->items().size(); ++k) {
      const Json& n = inputsField->items()[k];
      const auto found = n.isString() ? tensors.find(n.asString()) : tensors.end();
      if (found == tensors.end()) {
        fail(ErrorCode::Spec, where, ": field 'inputs' entry ", k, " ", n.dump(),
             " is neither 'input' nor the name of an earlier layer (spec order is the order of computation)");
      }
      inputs.push_back(found->second);
    }
    std::vector<Shape> shapes;
    for (size_t t : inputs) shapes.push_back(tensorShape(t));
    layers_.push_back(makeLayer(spec, i, shapes));
    const Layer& layer = *layers_.back();
    std::string name = std::to_string(i) + ":" + layer.type();
    if (nameField) {
      if (!nameField->isString() || nameField->asString().empty()) fail(ErrorCode::Spec, where, ": field 'name' must be a non-empty string, got ", nameField->dump());
      name = nameField->asString();
      // "loss" and "output" label the ledger rows of the loss and of the predictions.
      for (const char* reserved : {"input", "loss", "output"})
        if (name == reserved) fail(ErrorCode::Spec, where, ": field 'name' '", name, "' is reserved (input, loss and output are)");
    }
    if (!tensors.emplace(name, i + 1).second) {
      fail(ErrorCode::Spec, where, ": field 'name' '", name, "' is already the name of layers[", tensors[name] - 1, "] (names must be unique)");
    }
    names_.push_back(name);
    inputs_.push_back(inputs);
    root_.push_back(layer.isView() ? root_[inputs[0]] : i + 1);
    largestSample_ = std::max({largestSample_, numel(layer.outputShape()), layer.largestInnerTensor()});
  }
  output_ = layers_.size();
  if (output) {
    const auto found = output->isString() ? tensors.find(output->asString()) : tensors.end();
    if (found == tensors.end() || found->second == 0) fail(ErrorCode::Spec, "spec: field 'output' ", output->dump(), " is not the name of a layer");
    output_ = found->second;
  }
  // Every layer must feed the output: a dead layer would cost work and memory for nothing.
  std::vector<bool> feeds(layers_.size() + 1, false);
  feeds[output_] = true;
  for (size_t i = layers_.size(); i-- > 0;)
    if (feeds[i + 1])
      for (size_t t : inputs_[i]) feeds[t] = true;
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (!feeds[i + 1]) {
      fail(ErrorCode::Spec, "layers[", i, "] ('", names_[i], "'): its output never reaches the network's output '", names_[output_ - 1],
           "' (name it in a later layer's 'inputs', or remove it)");
    }
  }
}

void Network::planGradients() {
  // A tensor's gradient is wanted when a trainable parameter lies upstream of it (or the caller
  // asked for the input gradient): otherwise nothing would use it.
  const size_t tensors = layers_.size() + 1;
  std::vector<bool> wanted(tensors, inputGradient_);
  for (size_t i = 0; i < layers_.size(); ++i) {
    bool w = inputGradient_ || layers_[i]->hasTrainableParameters();
    for (size_t t : inputs_[i]) w = w || wanted[t];
    wanted[i + 1] = w;
  }
  // In backward order, the first route into a tensor's storage writes it and later ones add.
  hasGradient_.assign(tensors, false);
  hasGradient_[root_[output_]] = true;  // the loss writes the output's gradient first
  routes_.assign(layers_.size(), {});
  for (size_t i = layers_.size(); i-- > 0;) {
    routes_[i].assign(inputs_[i].size(), Route::None);
    if (layers_[i]->isView()) continue;  // its readers route to its input's storage themselves
    for (size_t k = 0; k < inputs_[i].size(); ++k) {
      const size_t t = inputs_[i][k];
      if (!wanted[t]) continue;
      routes_[i][k] = hasGradient_[root_[t]] ? Route::Accumulate : Route::Write;
      hasGradient_[root_[t]] = true;
    }
  }
  shareGradientBuffers();
}

void Network::shareGradientBuffers() {
  // Backward runs the loss at time 0, then layer i at time count - i. The gradient of a tensor
  // that owns storage is live from its first writer (the loss, or its highest consumer) to its
  // producer's backward, which reads it; the input's gradient, handed to the caller, to the end.
  // Two gradients share a buffer when their live times (inclusive) do not meet: a layer's output
  // gradient and the input gradients it writes never do.
  const int64_t count = static_cast<int64_t>(layers_.size()), never = std::numeric_limits<int64_t>::max();
  const size_t tensors = layers_.size() + 1;
  std::vector<int64_t> start(tensors, never), end(tensors, -1);
  auto owns = [&](size_t t) { return t == 0 || !layers_[t - 1]->isView(); };
  start[root_[output_]] = 0;
  for (int64_t i = count; i-- > 0;)
    for (size_t k = 0; k < inputs_[i].size(); ++k)
      if (routes_[i][k] != Route::None) start[root_[inputs_[i][k]]] = std::min(start[root_[inputs_[i][k]]], count - i);
  std::vector<size_t> order;
  for (size_t t = 0; t < tensors; ++t) {
    if (!owns(t)) continue;
    end[t] = t == 0 ? never : count - static_cast<int64_t>(t - 1);
    if (t == 0 && !hasGradient_[0]) continue;  // no input gradient: no buffer
    start[t] = std::min(start[t], end[t]);      // never written: live only while its producer reads it
    order.push_back(t);
  }
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return start[a] < start[b]; });
  gradientSlot_.assign(tensors, -1);
  slotSample_.clear();
  std::vector<int64_t> slotEnd;  // per slot: the end of the live time of its last tensor
  for (size_t t : order) {
    const int64_t need = t == 0 ? numel(inputShape_) : numel(layers_[t - 1]->outputShape());
    // A free slot: the smallest that holds the tensor, else the largest (it grows).
    int64_t chosen = -1;
    for (size_t slot = 0; slot < slotEnd.size(); ++slot) {
      if (slotEnd[slot] >= start[t]) continue;
      const int64_t size = slotSample_[slot];
      if (chosen < 0) {
        chosen = static_cast<int64_t>(slot);
        continue;
      }
      const int64_t best = slotSample_[chosen];
      const bool fits = size >= need, bestFits = best >= need;
      if ((fits && (!bestFits || size < best)) || (!fits && !bestFits && size > best)) chosen = static_cast<int64_t>(slot);
    }
    if (chosen < 0) {
      chosen = static_cast<int64_t>(slotEnd.size());
      slotEnd.push_back(-1);
      slotSample_.push_back(0);
    }
    slotSample_[chosen] = std::max(slotSample_[chosen], need);
    slotEnd[chosen] = end[t];
    gradientSlot_[t] = chosen;
  }
}

const Shape& Network::outputShape() const { return tensorShape(output_); }

int64_t Network::parameterCount() const {
  int64_t n = 0;
  for (const auto& layer : layers_)
    for (const Parameter& p : layer->parameters())
      if (p.trainable) n += p.size();
  return n;
}

std::string Network::describe() const {
  Json out = Json::object();
  out.set("input", shapeJson(inputShape_));
  out.set("output", shapeJson(outputShape()));
  out.set("parameters", Json::number(static_cast<double>(parameterCount())));
  out.set("threads", Json::number(pool_.size()));
  out.set("device", Json::string(deviceName(device_)));
  Json layers = Json::array();
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = *layers_[i];
    int64_t params = 0;
    for (const Parameter& p : layer.parameters())
      if (p.trainable) params += p.size();
    Json l = Json::object();
    l.set("index", Json::number(static_cast<double>(i)));
    l.set("type", Json::string(layer.type()));
    l.set("label", Json::string(names_[i]));
    l.set("name", Json::string(names_[i]));
    Json inputs = Json::array();
    for (size_t t : inputs_[i]) inputs.push(Json::string(t == 0 ? "input" : names_[t - 1]));
    l.set("inputs", inputs);
    l.set("input", shapeJson(layer.inputShape()));
    l.set("output", shapeJson(layer.outputShape()));
    l.set("parameters", Json::number(static_cast<double>(params)));
    // Its parameters and buffers with their shapes: what a weights reader in TypeScript checks
    // a file's tensors against before setting any (safetensors, PyTorch names).
    Json tensors = Json::array();
    for (const Parameter& p : layer.parameters()) {
      Json t = Json::object();
      t.set("name", Json::string(p.name));
      t.set("shape", shapeJson(p.shape));
      t.set("trainable", Json::boolean(p.trainable));
      tensors.push(t);
    }
    l.set("tensors", tensors);
    layers.push(l);
  }
  out.set("layers", layers);
  out.set("spec", spec_);
  // Memory, in bytes: parameters (values), gradients, optimiser state (Adam: 2 per trainable
  // value; SGD with momentum: 1), and per sample the outputs of every layer that owns one, the
  // gradient buffers (shared by gradients never live at once), plus the accumulation buffers of tensors read by several layers (a lower
  // bound: saved statistics, gates and masks come on top).
  // Sums in double: each count is under 2^45 (core/sizes.h), but a long spec could add many.
  double values = 0, trainable = 0, activations = 0;
  for (const auto& layer : layers_) {
    for (const Parameter& p : layer->parameters()) {
      values += static_cast<double>(p.size());
      if (p.trainable) trainable += static_cast<double>(p.size());
    }
    if (!layer->isView()) activations += static_cast<double>(numel(layer->outputShape()));
  }
  for (int64_t slot : slotSample_) activations += static_cast<double>(slot);
  for (size_t i = 0; i < layers_.size(); ++i)
    for (size_t k = 0; k < routes_[i].size(); ++k)
      if (routes_[i][k] == Route::Accumulate) activations += static_cast<double>(numel(tensorShape(inputs_[i][k])));
  const double statePerValue = optimizer_.kind == OptimizerConfig::Kind::Adam ? 2 : optimizer_.momentum > 0 ? 1 : 0;
  Json memory = Json::object();
  memory.set("parameterBytes", Json::number(4.0 * values));
  memory.set("gradientBytes", Json::number(4.0 * trainable));
  memory.set("optimizerStateBytes", Json::number(4.0 * statePerValue * trainable));
  memory.set("activationBytesPerSample", Json::number(4.0 * activations));
  out.set("memory", memory);
  out.set("allocated", Json::boolean(allocated_));
  return out.dump();
}

int64_t Network::heldBytes() const {
  int64_t floats = lossValue_.size() + lossUpstream_.size() + staged_.size() + probabilities_.size() + static_cast<int64_t>(hostStaging_.capacity());
  for (const auto& layer : layers_)
    for (const Parameter& p : layer->parameters()) floats += p.value.size() + p.grad.size() + p.state1.size() + p.state2.size();
  for (const Buffer<float>& b : activations_) floats += b.size();
  for (const Buffer<float>& b : gradients_) floats += b.size();
  for (const auto& buffers : accumulation_)
    for (const Buffer<float>& b : buffers) floats += b.size();
  return floats * static_cast<int64_t>(sizeof(float));
}

void Network::requireAllocated() const {
  if (!allocated_) fail(ErrorCode::Value, "this network was built for inspection only (allocate: false): it cannot run or hold weights");
}

int64_t Network::batchOf(int64_t xLength) const {
  const int64_t sample = numel(inputShape_);
  if (xLength <= 0 || xLength % sample != 0) {
    fail(ErrorCode::Shape, "x has ", xLength, " values, not a whole number of samples of ", dims(inputShape_), " (", sample, " values each)");
  }
  const int64_t batch = xLength / sample;
  // Batch-sized tensors stay under kMaxElements too, so no batch size makes a buffer's size wrap.
  if (!productWithin(batch, largestSample_)) {
    fail(ErrorCode::Shape, "a batch of ", batch, " samples needs a tensor of ", batch, " x ", largestSample_, " values, more than 2^45 (past what can be addressed)");
  }
  return batch;
}

void Network::checkInputs(const float* x, int64_t xLength, const float* y, int64_t yLength, int64_t batch) const {
  const int64_t sample = numel(inputShape_);
  for (int64_t i = 0; i < xLength; ++i) {
    if (!std::isfinite(x[i])) fail(ErrorCode::Value, locate("x", i, sample), " is ", std::isnan(x[i]) ? "NaN" : "infinite");
  }
  if (!y) return;
  const int64_t outputs = numel(outputShape());
  if (yLength != batch * outputs) {
    fail(ErrorCode::Shape, "y has ", yLength, " values; a batch of ", batch, " with outputs ", dims(outputShape()), " needs ", batch * outputs);
  }
  const int64_t bad = firstOutsideUnitInterval(y, 0, yLength);
  if (bad >= 0) fail(ErrorCode::Value, locate("y", bad, outputs), " = ", y[bad], ": targets must lie in [0, 1]");
}

void Network::prepareBatch(int64_t batch) {
  const size_t count = layers_.size();
  if (batch != batch_) {
    activations_.resize(count);
    gradients_.resize(slotSample_.size());
    for (size_t slot = 0; slot < slotSample_.size(); ++slot)
      gradients_[slot].resize(device_, batch * slotSample_[slot], "gradient buffer " + std::to_string(slot));
    accumulation_.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const bool owns = !layers_[i]->isView();
      const int64_t size = owns ? batch * numel(layers_[i]->outputShape()) : 0;
      activations_[i].resize(device_, size, "the output of layer " + names_[i]);
      accumulation_[i].resize(routes_[i].size());
      for (size_t k = 0; k < routes_[i].size(); ++k) {
        const int64_t sum = routes_[i][k] == Route::Accumulate ? batch * numel(tensorShape(inputs_[i][k])) : 0;
        accumulation_[i][k].resize(device_, sum, "an input gradient of layer " + names_[i]);
      }
    }
    batch_ = batch;
  }
  act_.assign(count + 1, nullptr);  // filled by stageInputs (the input) and forward
}

const float* Network::stageInputs(const float* x, int64_t xLength, const float* y, int64_t yLength) {
  if (device_ == Device::Cpu) {
    act_[0] = x;
    return y;
  }
  const int64_t total = xLength + (y ? yLength : 0);
  hostStaging_.resize(static_cast<size_t>(total));
  std::memcpy(hostStaging_.data(), x, static_cast<size_t>(xLength) * sizeof(float));
  if (y) std::memcpy(hostStaging_.data() + xLength, y, static_cast<size_t>(yLength) * sizeof(float));
  staged_.reserve(device_, total, "the batch");
  if constexpr (kCudaBuilt) {
    cuda::copyToDevice(staged_.data(), hostStaging_.data(), total * static_cast<int64_t>(sizeof(float)), ctx_.stream(), "the batch");
  }
  act_[0] = staged_.data();
  return y ? staged_.data() + xLength : nullptr;
}

template <class Fn>
auto Network::guarded(Fn&& fn) -> decltype(fn()) {
  try {
    if constexpr (kCudaBuilt) {
      if (cuda_) cuda_->makeCurrent();
    }
    return fn();
  } catch (...) {
    ctx_.abandonDeviceWork();
    throw;
  }
}

double Network::readLoss() {
  float loss = 0.f;
  lossValue_.copyToHost(&loss, ctx_.stream());
  return loss;
}

void Network::forward(int64_t batch, bool training) {
  ctx_.setMode(training, step_);
  std::vector<const float*> xs;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& layer = *layers_[i];
    if (layer.isView()) {  // passes its input's buffer on
      act_[i + 1] = act_[inputs_[i][0]];
      continue;
    }
    xs.clear();
    for (size_t t : inputs_[i]) xs.push_back(act_[t]);
    float* out = activations_[i].data();
    ctx_.begin(names_[i], counterHash(seed_ ^ 0xD809F3A1C5B7E24Dull, i));
    layer.forwardInputs(ctx_, batch, xs, out);
    act_[i + 1] = out;
  }
}

double Network::trainStep(const float* x, int64_t xLength, const float* y, int64_t yLength) {
  requireAllocated();
  const int64_t batch = batchOf(xLength);
  checkInputs(x, xLength, y, yLength, batch);
  return guarded([&] {
    prepareBatch(batch);
    const float* target = stageInputs(x, xLength, y, yLength);
    const double loss = trainOnStaged(batch, target);
    ctx_.finishDeviceWork();
    return loss;
  });
}

double Network::trainOnStaged(int64_t batch, const float* target) {
  forward(batch, true);
  const size_t count = layers_.size();
  const int64_t elements = batch * numel(outputShape());
  ctx_.begin("loss", 0);
  loss_.forward(ctx_, elements, act_[output_], target, lossValue_.data());
  loss_.backward(ctx_, elements, act_[output_], target, lossUpstream_.data(), gradientOf(output_));
  std::vector<const float*> xs;
  std::vector<float*> dxs;
  for (size_t i = count; i-- > 0;) {
    Layer& layer = *layers_[i];
    if (layer.isView()) continue;
    xs.clear();
    dxs.clear();
    for (size_t k = 0; k < inputs_[i].size(); ++k) {
      xs.push_back(act_[inputs_[i][k]]);
      const Route route = routes_[i][k];
      dxs.push_back(route == Route::None ? nullptr : route == Route::Write ? gradientOf(inputs_[i][k]) : accumulation_[i][k].data());
    }
    ctx_.begin(names_[i], counterHash(seed_ ^ 0xD809F3A1C5B7E24Dull, i));
    layer.backwardInputs(ctx_, batch, xs, act_[i + 1], gradientOf(i + 1), dxs);
    for (size_t k = 0; k < inputs_[i].size(); ++k) {
      if (routes_[i][k] != Route::Accumulate) continue;
      float* sum = gradientOf(inputs_[i][k]);
      const float* part = dxs[k];
      const AddShape s{accumulation_[i][k].size()};
      ctx_.run("add", KernelPass::BackwardInput, s.describe(), addForwardCost(s), [&] { addForward(ctx_.pool(), s, sum, part, sum); },
               [&] { cuda::addForward(ctx_.stream(), s, sum, part, sum); });
    }
  }
  ++step_;
  for (size_t i = 0; i < count; ++i) {
    Layer& layer = *layers_[i];
    ctx_.begin(names_[i], 0);
    for (Parameter& p : layer.parameters())
      if (p.trainable) optimizerStep(ctx_, optimizer_, p, step_);
  }
  return readLoss();
}

double Network::captureTrainStep(const float* x, int64_t xLength, const float* y, int64_t yLength) {
  requireAllocated();
  if (device_ != Device::Cuda) fail(ErrorCode::Value, "capturing kernel calls needs a network on CUDA (device: 'cuda')");
  const int64_t batch = batchOf(xLength);
  checkInputs(x, xLength, y, yLength, batch);
  if constexpr (kCudaBuilt) {
    return guarded([&] {
      prepareBatch(batch);
      const float* target = stageInputs(x, xLength, y, yLength);
      ctx_.clearCapturedCalls();
      cuda_->beginCapture();
      try {
        const double loss = trainOnStaged(batch, target);
        cuda_->endCapture();
        return loss;
      } catch (...) {
        cuda_->endCapture();
        cuda_->clearCaptured();
        ctx_.clearCapturedCalls();
        throw;
      }
    });
  }
  return 0.0;
}

int64_t Network::replayCapturedCall(int64_t index, int64_t times) {
  if constexpr (kCudaBuilt) {
    if (cuda_) return cuda_->replay(index, times);
  }
  fail(ErrorCode::Value, "no captured kernel calls: capture a training step on CUDA first");
}

void Network::predict(const float* x, int64_t xLength, float* out, int64_t outLength) {
  requireAllocated();
  const int64_t batch = batchOf(xLength);
  checkInputs(x, xLength, nullptr, 0, batch);
  const int64_t elements = batch * numel(outputShape());
  if (outLength != elements) fail(ErrorCode::Internal, "predict: output holds ", outLength, " values, needs ", elements);
  guarded([&] {
    prepareBatch(batch);
    stageInputs(x, xLength, nullptr, 0);
    forward(batch, false);
    writeProbabilities(elements, out);
    ctx_.finishDeviceWork();
  });
}

double Network::evaluate(const float* x, int64_t xLength, const float* y, int64_t yLength, float* out, int64_t outLength) {
  requireAllocated();
  const int64_t batch = batchOf(xLength);
  checkInputs(x, xLength, y, yLength, batch);
  const int64_t elements = batch * numel(outputShape());
  if (outLength != elements) fail(ErrorCode::Internal, "evaluate: output holds ", outLength, " values, needs ", elements);
  return guarded([&] {
    prepareBatch(batch);
    const float* target = stageInputs(x, xLength, y, yLength);
    forward(batch, false);
    ctx_.begin("loss", 0);
    loss_.forward(ctx_, elements, act_[output_], target, lossValue_.data());
    writeProbabilities(elements, out);
    const double loss = readLoss();
    ctx_.finishDeviceWork();
    return loss;
  });
}

void Network::writeProbabilities(int64_t elements, float* out) {
  ctx_.begin("output", 0);
  if (device_ == Device::Cpu) {
    loss_.probabilities(ctx_, elements, act_[output_], out);
    return;
  }
  probabilities_.reserve(device_, elements, "the predictions");
  loss_.probabilities(ctx_, elements, act_[output_], probabilities_.data());
  if constexpr (kCudaBuilt) {
    cuda::copyToHost(out, probabilities_.data(), elements * static_cast<int64_t>(sizeof(float)), ctx_.stream(), "the predictions");
  }
}

namespace {

// The tensors of a weights file, each with the host memory the file is read into or written from:
// the parameter itself on the CPU; on CUDA a host copy, downloaded before a save and uploaded only
// after a load has read and checked the whole file.
class FileTensors {
 public:
  explicit FileTensors(CudaStream stream) : stream_(stream) {}

  void add(std::string name, const Shape& shape, Buffer<float>& buffer) {
    float* host = buffer.data();
    if (buffer.device() != Device::Cpu) {
      copies_.emplace_back(static_cast<size_t>(buffer.size()));
      sources_.push_back(&buffer);
      host = copies_.back().data();
    }
    tensors_.push_back({std::move(name), shape, host});
  }
  void addWeights(std::vector<std::unique_ptr<Layer>>& layers) {
    for (size_t i = 0; i < layers.size(); ++i)
      for (Parameter& p : layers[i]->parameters()) add("layers." + std::to_string(i) + "." + p.name, p.shape, p.value);
  }
  // Then the optimiser state of every trainable parameter.
  void addOptimizerState(std::vector<std::unique_ptr<Layer>>& layers) {
    for (size_t i = 0; i < layers.size(); ++i)
      for (Parameter& p : layers[i]->parameters()) {
        if (!p.trainable) continue;
        const std::string name = "optimizer.layers." + std::to_string(i) + "." + p.name;
        add(name + ".state1", p.shape, p.state1);
        add(name + ".state2", p.shape, p.state2);
      }
  }
  const std::vector<WeightsTensor>& tensors() {
    return tensors_;
  }
  void download() {
    for (size_t i = 0; i < sources_.size(); ++i) sources_[i]->copyToHost(copies_[i].data(), stream_);
  }
  void upload() {
    for (size_t i = 0; i < sources_.size(); ++i) sources_[i]->copyFromHost(copies_[i].data(), stream_);
  }

 private:
  CudaStream stream_;
  std::vector<WeightsTensor> tensors_;
  std::deque<std::vector<float>> copies_;  // a deque: adding a copy never moves the earlier ones
  std::vector<Buffer<float>*> sources_;
};

}  // namespace

void Network::saveWeights(const std::string& path) {
  guarded([&] {
    requireAllocated();
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.download();
    saveWeightsFile(path, spec_, file.tensors(), Json::object());
  });
}

void Network::loadWeights(const std::string& path) {
  guarded([&] {
    requireAllocated();
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.download();  // a tensor the file lacks keeps its value
    loadWeightsFile(path, file.tensors(), WeightsExtras::Ignore);
    file.upload();
  });
}

std::vector<NamedTensor> Network::readParameters() {
  return guarded([&] {
    requireAllocated();
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.download();
    std::vector<NamedTensor> out;
    for (const WeightsTensor& t : file.tensors()) out.push_back({t.name, t.shape, std::vector<float>(t.data, t.data + numel(t.shape))});
    return out;
  });
}

void Network::writeParameters(const std::vector<NamedTensor>& tensors) {
  guarded([&] {
    requireAllocated();
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.download();  // a tensor not named keeps its value
    std::vector<const WeightsTensor*> targets;
    for (const NamedTensor& given : tensors) {
      const auto& all = file.tensors();
      auto it = std::find_if(all.begin(), all.end(), [&](const WeightsTensor& t) { return t.name == given.name; });
      if (it == all.end()) {
        std::string names;
        for (const WeightsTensor& t : all) names += (names.empty() ? "" : ", ") + t.name;
        fail(ErrorCode::Value, "this network has no parameter ", given.name, " (it has: ", names.empty() ? "none" : names, ")");
      }
      const int64_t count = numel(it->shape);
      if (static_cast<int64_t>(given.values.size()) != count) {
        fail(ErrorCode::Shape, "parameter ", given.name, " ", dims(it->shape), " takes ", count, " values, got ", given.values.size());
      }
      for (size_t i = 0; i < given.values.size(); ++i)
        if (!std::isfinite(given.values[i])) fail(ErrorCode::Value, "parameter ", given.name, "[", i, "] is ", given.values[i], ", not a finite number");
      targets.push_back(&*it);
    }
    for (size_t i = 0; i < tensors.size(); ++i) std::copy(tensors[i].values.begin(), tensors[i].values.end(), targets[i]->data);
    file.upload();
  });
}

void Network::allocateOptimizerState() {
  for (auto& layer : layers_)
    for (Parameter& p : layer->parameters()) {
      if (!p.trainable) continue;
      p.state1.reserve(device_, p.size(), "optimiser state of " + p.name);
      p.state2.reserve(device_, p.size(), "optimiser state of " + p.name);
    }
}

void Network::saveCheckpoint(const std::string& path) {
  guarded([&] {
    requireAllocated();
    allocateOptimizerState();
    Json extra = Json::object();
    extra.set("step", Json::number(static_cast<double>(step_)));
    extra.set("optimizer", optimizer_.toJson());
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.addOptimizerState(layers_);
    file.download();
    saveWeightsFile(path, spec_, file.tensors(), extra);
  });
}

void Network::loadCheckpoint(const std::string& path) {
  guarded([&] {
    requireAllocated();
    allocateOptimizerState();
    int64_t step = 0;
    FileTensors file(ctx_.stream());
    file.addWeights(layers_);
    file.addOptimizerState(layers_);
    file.download();
    loadWeightsFile(path, file.tensors(), WeightsExtras::Require, [&](const Json& header) {
      const Json* s = header.find("step");
      const Json* optimizer = header.find("optimizer");
      // A whole number below 2^53, so that the conversion is exact (and defined).
      if (!s || !s->isNumber() || !(s->asNumber() >= 0 && s->asNumber() < 9007199254740992.0) || std::floor(s->asNumber()) != s->asNumber()) {
        fail(ErrorCode::Io, path, ": not a checkpoint (no step count)");
      }
      if (!optimizer || optimizer->dump() != optimizer_.toJson().dump()) {
        fail(ErrorCode::Io, path, ": the checkpoint's optimiser ", optimizer ? optimizer->dump() : "(none)", " is not this network's ", optimizer_.toJson().dump());
      }
      step = static_cast<int64_t>(s->asNumber());
    });
    file.upload();
    step_ = step;
  });
}

}  // namespace sj
