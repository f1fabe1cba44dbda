#include "network_object.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "arguments.h"
#include "async_job.h"
#include "errors.h"
#include "ledger_rows.h"

namespace sjb {

Napi::Function NetworkObject::define(Napi::Env env) {
  return DefineClass(env, "Network",
                     {
                         InstanceMethod("describe", &NetworkObject::describe),
                         InstanceMethod("trainStep", &NetworkObject::trainStep),
                         InstanceMethod("predict", &NetworkObject::predict),
                         InstanceMethod("evaluate", &NetworkObject::evaluate),
                         InstanceMethod("ledger", &NetworkObject::ledger),
                         InstanceMethod("resetLedger", &NetworkObject::resetLedger),
                         InstanceMethod("saveWeights", &NetworkObject::saveWeights),
                         InstanceMethod("loadWeights", &NetworkObject::loadWeights),
                         InstanceMethod("setParameters", &NetworkObject::setParameters),
                         InstanceMethod("getParameters", &NetworkObject::getParameters),
                         InstanceMethod("saveCheckpoint", &NetworkObject::saveCheckpoint),
                         InstanceMethod("loadCheckpoint", &NetworkObject::loadCheckpoint),
                         InstanceMethod("captureTrainStep", &NetworkObject::captureTrainStep),
                         InstanceMethod("replayCapturedCall", &NetworkObject::replayCapturedCall),
                         InstanceMethod("dispose", &NetworkObject::dispose),
                         InstanceAccessor("disposed", &NetworkObject::disposed, nullptr),
                     });
}

// new Network(specJson: string, threads?: number, device?: 'cpu' | 'cuda', cudaDevice?: number)
NetworkObject::NetworkObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NetworkObject>(info) {
  const std::string spec = stringArgument(info, 0, "spec");
  const double threads = numberArgument(info, 1, "threads", 0);
  if (threads < 0 || threads > 1024 || threads != static_cast<int>(threads)) {
    throwError(info.Env(), "E_VALUE", "threads must be an integer in [0, 1024], got " + std::to_string(threads));
  }
  const std::string device = info.Length() > 2 && !info[2].IsUndefined() ? stringArgument(info, 2, "device") : "cpu";
  const double cudaDevice = numberArgument(info, 3, "cudaDevice", 0);
  if (cudaDevice < 0 || cudaDevice > 1024 || cudaDevice != static_cast<int>(cudaDevice)) {
    throwError(info.Env(), "E_VALUE", "cudaDevice must be an integer in [0, 1024], got " + std::to_string(cudaDevice));
  }
  sj::NetworkOptions options;
  options.threads = static_cast<int>(threads);
  options.device = guard(info.Env(), [&] { return sj::parseDevice(device); });
  options.cudaDevice = static_cast<int>(cudaDevice);
  network_ = guard(info.Env(), [&] { return std::make_shared<sj::Network>(spec, options); });
  memory_->update(info.Env(), network_->heldBytes());
}

NetworkObject::~NetworkObject() { memory_->release(Env()); }

void ReportedMemory::update(Napi::Env env, int64_t bytes) {
  if (released_) return;
  Napi::MemoryManagement::AdjustExternalMemory(env, bytes - reported_);
  reported_ = bytes;
}

void ReportedMemory::release(Napi::Env env) {
  update(env, 0);
  released_ = true;
}

namespace {

// A Float32Array for a batch's outputs, allocated on the main thread and written in place by the
// job; the reference keeps it alive until the Promise resolves with it.
struct BatchOutput {
  float* data;
  int64_t length;
  std::shared_ptr<Napi::ObjectReference> array;
};

BatchOutput batchOutput(Napi::Env env, sj::Network& net, int64_t xLength) {
  const int64_t length = guard(env, [&] { return net.batchOf(xLength) * sj::numel(net.outputShape()); });
  Napi::Float32Array out = float32Output(env, length, "the outputs of the batch");
  return {out.Data(), length, std::make_shared<Napi::ObjectReference>(Napi::Persistent(out.As<Napi::Object>()))};
}

}  // namespace

std::shared_ptr<sj::Network> NetworkObject::live(const Napi::CallbackInfo& info) const {
  if (!network_) throwError(info.Env(), "E_DISPOSED", "this network was disposed");
  return network_;
}

Napi::Value NetworkObject::describe(const Napi::CallbackInfo& info) {
  auto net = live(info);
  return Napi::String::New(info.Env(), guard(info.Env(), [&] { return net->describe(); }));
}

// trainStep(x: Float32Array, y: Float32Array): Promise<number>
Napi::Value NetworkObject::trainStep(const Napi::CallbackInfo& info) {
  auto net = live(info);
  const Float32Copy x = float32Copy(info, 0, "x"), y = float32Copy(info, 1, "y");
  auto loss = std::make_shared<double>(0.0);
  auto held = std::make_shared<int64_t>(0);
  return AsyncJob::start(
      info.Env(),
      [net, x, y, loss, held] {
        std::lock_guard<std::mutex> lock(net->busy());
        *loss = net->trainStep(x.data(), x.length, y.data(), y.length);
        *held = net->heldBytes();
      },
      [memory = memory_, loss, held](Napi::Env env) {
        memory->update(env, *held);
        return Napi::Number::New(env, *loss);
      });
}

// predict(x: Float32Array): Promise<Float32Array>
Napi::Value NetworkObject::predict(const Napi::CallbackInfo& info) {
  auto net = live(info);
  const Float32Copy x = float32Copy(info, 0, "x");
  const BatchOutput out = batchOutput(info.Env(), *net, x.length);
  auto held = std::make_shared<int64_t>(0);
  auto lastNs = lastPredictNs_;
  auto work = [net, x, out, held, lastNs] {
    const auto start = std::chrono::steady_clock::now();
    net->predict(x.data(), x.length, out.data, out.length);
    *held = net->heldBytes();
    *lastNs = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - start).count();
  };
  auto result = [memory = memory_, out, held](Napi::Env env) {
    memory->update(env, *held);
    return out.array->Value();
  };
  // A network whose last predict took under kInlinePredictNs, and that no other call holds, predicts
  // on the calling thread: the hop through the thread pool would cost more than the work.
  std::unique_lock<std::mutex> idle(net->busy(), std::try_to_lock);
  if (idle.owns_lock() && *lastNs < kInlinePredictNs) return AsyncJob::runHere(info.Env(), work, result);
  if (idle.owns_lock()) idle.unlock();
  return AsyncJob::start(info.Env(), [net, work] {
    std::lock_guard<std::mutex> lock(net->busy());
    work();
  }, result);
}

// evaluate(x: Float32Array, y: Float32Array): Promise<{loss: number, outputs: Float32Array}>
Napi::Value NetworkObject::evaluate(const Napi::CallbackInfo& info) {
  auto net = live(info);
  const Float32Copy x = float32Copy(info, 0, "x"), y = float32Copy(info, 1, "y");
  const BatchOutput out = batchOutput(info.Env(), *net, x.length);
  auto loss = std::make_shared<double>(0.0);
  auto held = std::make_shared<int64_t>(0);
  return AsyncJob::start(
      info.Env(),
      [net, x, y, out, loss, held] {
        std::lock_guard<std::mutex> lock(net->busy());
        *loss = net->evaluate(x.data(), x.length, y.data(), y.length, out.data, out.length);
        *held = net->heldBytes();
      },
      [memory = memory_, out, loss, held](Napi::Env env) {
        memory->update(env, *held);
        Napi::Object result = Napi::Object::New(env);
        result.Set("loss", Napi::Number::New(env, *loss));
        result.Set("outputs", out.array->Value());
        return result;
      });
}

// captureTrainStep(x, y): Promise<{loss, calls: [{layer, name, pass, shapes, macs, ...}]}>. One
// training step with every kernel call captured for replay (CUDA only); the calls are not in the
// ledger, so the list carries their cost fields.
Napi::Value NetworkObject::captureTrainStep(const Napi::CallbackInfo& info) {
  auto net = live(info);
  const Float32Copy x = float32Copy(info, 0, "x"), y = float32Copy(info, 1, "y");
  auto loss = std::make_shared<double>(0.0);
  auto held = std::make_shared<int64_t>(0);
  return AsyncJob::start(
      info.Env(),
      [net, x, y, loss, held] {
        std::lock_guard<std::mutex> lock(net->busy());
        *loss = net->captureTrainStep(x.data(), x.length, y.data(), y.length);
        *held = net->heldBytes();
      },
      [memory = memory_, net, loss, held](Napi::Env env) {
        memory->update(env, *held);
        Napi::Object result = Napi::Object::New(env);
        result.Set("loss", Napi::Number::New(env, *loss));
        result.Set("calls", capturedCallRows(env, net->capturedCalls()));
        return result;
      });
}

// replayCapturedCall(index, times): Promise<number>, the GPU milliseconds of `times` back-to-back
// replays of captured call `index`.
Napi::Value NetworkObject::replayCapturedCall(const Napi::CallbackInfo& info) {
  auto net = live(info);
  const double index = numberArgument(info, 0, "index", -1), times = numberArgument(info, 1, "times", 1);
  if (index < 0 || index != static_cast<int64_t>(index)) throwError(info.Env(), "E_VALUE", "index must be a non-negative integer");
  if (times < 1 || times > 1e9 || times != static_cast<int64_t>(times)) throwError(info.Env(), "E_VALUE", "times must be an integer in [1, 1e9]");
  auto ns = std::make_shared<int64_t>(0);
  return AsyncJob::start(
      info.Env(),
      [net, index, times, ns] {
        std::lock_guard<std::mutex> lock(net->busy());
        *ns = net->replayCapturedCall(static_cast<int64_t>(index), static_cast<int64_t>(times));
      },
      [ns](Napi::Env env) { return Napi::Number::New(env, static_cast<double>(*ns) / 1e6); });
}

Napi::Value NetworkObject::ledger(const Napi::CallbackInfo& info) { return ledgerRows(info.Env(), live(info)->ledger().rows()); }

Napi::Value NetworkObject::resetLedger(const Napi::CallbackInfo& info) {
  live(info)->ledger().reset();
  return info.Env().Undefined();
}

// Runs a file action (save/load weights or a checkpoint) off the main thread: Promise<void>.
Napi::Value NetworkObject::pathJob(const Napi::CallbackInfo& info, void (sj::Network::*action)(const std::string&)) {
  auto net = live(info);
  const std::string path = stringArgument(info, 0, "path");
  auto held = std::make_shared<int64_t>(0);
  return AsyncJob::start(
      info.Env(),
      [net, path, action, held] {
        std::lock_guard<std::mutex> lock(net->busy());
        ((*net).*action)(path);
        *held = net->heldBytes();  // a checkpoint brings the optimiser's state
      },
      [memory = memory_, held](Napi::Env env) {
        memory->update(env, *held);
        return env.Undefined();
      });
}

Napi::Value NetworkObject::saveWeights(const Napi::CallbackInfo& info) { return pathJob(info, &sj::Network::saveWeights); }
Napi::Value NetworkObject::loadWeights(const Napi::CallbackInfo& info) { return pathJob(info, &sj::Network::loadWeights); }
Napi::Value NetworkObject::saveCheckpoint(const Napi::CallbackInfo& info) { return pathJob(info, &sj::Network::saveCheckpoint); }
Napi::Value NetworkObject::loadCheckpoint(const Napi::CallbackInfo& info) { return pathJob(info, &sj::Network::loadCheckpoint); }

// setParameters(tensors: Record<string, Float32Array>): Promise<void>. Names as in weights files.
Napi::Value NetworkObject::setParameters(const Napi::CallbackInfo& info) {
  auto net = live(info);
  if (info.Length() < 1 || !info[0].IsObject() || info[0].IsArray() || info[0].IsTypedArray()) {
    throwError(info.Env(), "E_TYPE", "parameters must be an object of Float32Arrays by name");
  }
  const Napi::Object record = info[0].As<Napi::Object>();
  const Napi::Array names = record.GetPropertyNames();
  std::vector<sj::NamedTensor> tensors;
  for (uint32_t i = 0; i < names.Length(); ++i) {
    const std::string name = names.Get(i).ToString().Utf8Value();
    const Napi::Value value = record.Get(name);
    if (!value.IsTypedArray() || value.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
      throwError(info.Env(), "E_TYPE", "parameter " + name + " must be a Float32Array");
    }
    const Napi::Float32Array array = value.As<Napi::Float32Array>();
    tensors.push_back({name, {}, std::vector<float>(array.Data(), array.Data() + array.ElementLength())});
  }
  auto shared = std::make_shared<const std::vector<sj::NamedTensor>>(std::move(tensors));
  return AsyncJob::start(
      info.Env(),
      [net, shared] {
        std::lock_guard<std::mutex> lock(net->busy());
        net->writeParameters(*shared);
      },
      nullptr);
}

// getParameters(): Promise<Record<string, Float32Array>>, every parameter and buffer by name.
Napi::Value NetworkObject::getParameters(const Napi::CallbackInfo& info) {
  auto net = live(info);
  auto tensors = std::make_shared<std::vector<sj::NamedTensor>>();
  return AsyncJob::start(
      info.Env(),
      [net, tensors] {
        std::lock_guard<std::mutex> lock(net->busy());
        *tensors = net->readParameters();
      },
      [tensors](Napi::Env env) {
        Napi::Object record = Napi::Object::New(env);
        for (const sj::NamedTensor& t : *tensors) {
          Napi::Float32Array array = float32Output(env, static_cast<int64_t>(t.values.size()), "parameter " + t.name);
          std::copy(t.values.begin(), t.values.end(), array.Data());
          record.Set(t.name, array);
        }
        return record;
      });
}

Napi::Value NetworkObject::dispose(const Napi::CallbackInfo& info) {
  network_.reset();
  memory_->release(info.Env());
  return info.Env().Undefined();
}

Napi::Value NetworkObject::disposed(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), !network_); }

Napi::Value inspectNetwork(const Napi::CallbackInfo& info) {
  const std::string spec = stringArgument(info, 0, "spec");
  sj::NetworkOptions options;
  options.threads = 1;
  options.allocate = false;
  return Napi::String::New(info.Env(), guard(info.Env(), [&] { return sj::Network(spec, options).describe(); }));
}

}  // namespace sjb
