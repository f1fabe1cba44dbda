// JS class `FeatureExtractor` over sj::FeatureExtractor, with its own thread pool and ledger.
#pragma once
#include <napi.h>

#include <memory>

namespace sjb {

struct FrontendState;

class FeatureExtractorObject : public Napi::ObjectWrap<FeatureExtractorObject> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit FeatureExtractorObject(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<FrontendState> live(const Napi::CallbackInfo& info) const;

  Napi::Value describe(const Napi::CallbackInfo& info);
  Napi::Value outputShape(const Napi::CallbackInfo& info);
  Napi::Value compute(const Napi::CallbackInfo& info);
  Napi::Value ledger(const Napi::CallbackInfo& info);
  Napi::Value resetLedger(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<FrontendState> state_;
};

// resampleAudio(audio: Float32Array, fromRate, toRate): Promise<Float32Array>, the front end's
// windowed-sinc resampler on its own (dataset builders use it; no ledger).
Napi::Value resampleAudio(const Napi::CallbackInfo& info);

}  // namespace sjb
