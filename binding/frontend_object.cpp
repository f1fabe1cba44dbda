#include "frontend_object.h"

#include <mutex>
#include <string>

#include "arguments.h"
#include "async_job.h"
#include "errors.h"
#include "frontend/feature_extractor.h"
#include "ledger_rows.h"

namespace sjb {

struct FrontendState {
  FrontendState(const sj::FrontendConfig& config, int threads, sj::Device device, int cudaDevice)
      : extractor(config, device, cudaDevice), pool(threads), ctx(pool, ledger, extractor.cudaSession()) {}
  sj::FeatureExtractor extractor;
  sj::ThreadPool pool;
  sj::Ledger ledger;
  sj::KernelContext ctx;
  std::mutex busy;  // one clip at a time per extractor
};

Napi::Function FeatureExtractorObject::define(Napi::Env env) {
  return DefineClass(env, "FeatureExtractor",
                     {
                         InstanceMethod("describe", &FeatureExtractorObject::describe),
                         InstanceMethod("outputShape", &FeatureExtractorObject::outputShape),
                         InstanceMethod("compute", &FeatureExtractorObject::compute),
                         InstanceMethod("ledger", &FeatureExtractorObject::ledger),
                         InstanceMethod("resetLedger", &FeatureExtractorObject::resetLedger),
                         InstanceMethod("dispose", &FeatureExtractorObject::dispose),
                     });
}

// new FeatureExtractor(configJson: string, threads?: number, device?: 'cpu' | 'cuda', cudaDevice?: number)
FeatureExtractorObject::FeatureExtractorObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FeatureExtractorObject>(info) {
  const std::string config = stringArgument(info, 0, "config");
  const double threads = numberArgument(info, 1, "threads", 0);
  if (threads < 0 || threads > 1024 || threads != static_cast<int>(threads)) throwError(info.Env(), "E_VALUE", "threads must be an integer in [0, 1024]");
  const std::string device = info.Length() > 2 && !info[2].IsUndefined() ? stringArgument(info, 2, "device") : "cpu";
  const double cudaDevice = numberArgument(info, 3, "cudaDevice", 0);
  if (cudaDevice < 0 || cudaDevice > 1024 || cudaDevice != static_cast<int>(cudaDevice)) {
    throwError(info.Env(), "E_VALUE", "cudaDevice must be an integer in [0, 1024], got " + std::to_string(cudaDevice));
  }
  state_ = guard(info.Env(), [&] {
    const sj::Device where = sj::parseDevice(device);
    return std::make_shared<FrontendState>(sj::frontendConfigFromJson(config), static_cast<int>(threads), where, static_cast<int>(cudaDevice));
  });
}

std::shared_ptr<FrontendState> FeatureExtractorObject::live(const Napi::CallbackInfo& info) const {
  if (!state_) throwError(info.Env(), "E_DISPOSED", "this feature extractor was disposed");
  return state_;
}

Napi::Value FeatureExtractorObject::describe(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), live(info)->extractor.config().toJson().dump());
}

// outputShape(samples, sampleRate): [mels, frames]
Napi::Value FeatureExtractorObject::outputShape(const Napi::CallbackInfo& info) {
  auto state = live(info);
  const double samples = numberArgument(info, 0, "samples", -1), rate = numberArgument(info, 1, "sampleRate", -1);
  if (!(samples >= 0 && samples < 9e15 && rate > 0 && rate < 9e15)) throwError(info.Env(), "E_VALUE", "outputShape needs a sample count >= 0 and a sample rate > 0");
  const int64_t frames = guard(info.Env(), [&] {
    const sj::FeatureExtractor& e = state->extractor;
    return e.outputFrames(e.resampledLength(static_cast<int64_t>(samples), static_cast<int64_t>(rate)));
  });
  Napi::Array out = Napi::Array::New(info.Env(), 2);
  out.Set(0u, Napi::Number::New(info.Env(), static_cast<double>(state->extractor.config().nMels)));
  out.Set(1u, Napi::Number::New(info.Env(), static_cast<double>(frames)));
  return out;
}

// compute(audio: Float32Array, sampleRate: number): Promise<Float32Array>
Napi::Value FeatureExtractorObject::compute(const Napi::CallbackInfo& info) {
  auto state = live(info);
  const double rate = numberArgument(info, 1, "sampleRate", -1);
  if (!(rate > 0 && rate < 9e15 && rate == static_cast<int64_t>(rate))) throwError(info.Env(), "E_VALUE", "sampleRate must be a positive integer");
  const Float32Copy audio = float32Copy(info, 0, "audio");
  const int64_t length = guard(info.Env(), [&] {
    const sj::FeatureExtractor& e = state->extractor;
    return e.outputSize(e.resampledLength(audio.length, static_cast<int64_t>(rate)));
  });
  Napi::Float32Array out = float32Output(info.Env(), length, "the features");
  float* outData = out.Data();
  auto outRef = std::make_shared<Napi::ObjectReference>(Napi::Persistent(out.As<Napi::Object>()));
  return AsyncJob::start(
      info.Env(),
      [state, audio, rate, outData] {
        std::lock_guard<std::mutex> lock(state->busy);
        state->extractor.compute(state->ctx, audio.data(), audio.length, static_cast<int64_t>(rate), outData);
      },
      [outRef](Napi::Env) { return outRef->Value(); });
}

Napi::Value FeatureExtractorObject::ledger(const Napi::CallbackInfo& info) { return ledgerRows(info.Env(), live(info)->ledger.rows()); }

Napi::Value FeatureExtractorObject::resetLedger(const Napi::CallbackInfo& info) {
  live(info)->ledger.reset();
  return info.Env().Undefined();
}

Napi::Value FeatureExtractorObject::dispose(const Napi::CallbackInfo& info) {
  state_.reset();
  return info.Env().Undefined();
}

Napi::Value resampleAudio(const Napi::CallbackInfo& info) {
  const double from = numberArgument(info, 1, "fromRate", -1), to = numberArgument(info, 2, "toRate", -1);
  if (!(from > 0 && from < 9e15 && from == static_cast<int64_t>(from) && to > 0 && to < 9e15 && to == static_cast<int64_t>(to))) {
    throwError(info.Env(), "E_VALUE", "fromRate and toRate must be positive integers");
  }
  const Float32Copy audio = float32Copy(info, 0, "audio");
  sj::ResampleShape shape;
  shape.samples = audio.length;
  shape.inRate = static_cast<int64_t>(from);
  shape.outRate = static_cast<int64_t>(to);
  guard(info.Env(), [&] { shape.validate(); });
  Napi::Float32Array out = float32Output(info.Env(), shape.outputs(), "the resampled audio");
  float* outData = out.Data();
  auto outRef = std::make_shared<Napi::ObjectReference>(Napi::Persistent(out.As<Napi::Object>()));
  return AsyncJob::start(
      info.Env(),
      [shape, audio, outData] {
        sj::ThreadPool pool(1);
        const sj::ResamplePlan plan(shape.inRate, shape.outRate);
        sj::resampleForward(pool, shape, audio.data(), outData, plan);
      },
      [outRef](Napi::Env) { return outRef->Value(); });
}

}  // namespace sjb
