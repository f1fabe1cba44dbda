// JS class `Network` over sj::Network. Thin: argument checks, async jobs, conversion of results.
#pragma once
#include <napi.h>

#include <atomic>
#include <cstdint>
#include <memory>

#include "network/network.h"

namespace sjb {

// The native memory of a network as V8 was told it (AdjustExternalMemory), so the garbage
// collector weighs a JS Network by the memory it holds rather than by its small wrapper. Updated
// on the main thread after each job with the size the job saw; released on dispose or finalisation.
class ReportedMemory {
 public:
  void update(Napi::Env env, int64_t bytes);
  void release(Napi::Env env);

 private:
  int64_t reported_ = 0;
  bool released_ = false;
};

class NetworkObject : public Napi::ObjectWrap<NetworkObject> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit NetworkObject(const Napi::CallbackInfo& info);
  ~NetworkObject() override;

 private:
  std::shared_ptr<sj::Network> live(const Napi::CallbackInfo& info) const;

  Napi::Value describe(const Napi::CallbackInfo& info);
  Napi::Value trainStep(const Napi::CallbackInfo& info);
  Napi::Value predict(const Napi::CallbackInfo& info);
  Napi::Value evaluate(const Napi::CallbackInfo& info);
  Napi::Value ledger(const Napi::CallbackInfo& info);
  Napi::Value resetLedger(const Napi::CallbackInfo& info);
  Napi::Value saveWeights(const Napi::CallbackInfo& info);
  Napi::Value loadWeights(const Napi::CallbackInfo& info);
  Napi::Value setParameters(const Napi::CallbackInfo& info);
  Napi::Value getParameters(const Napi::CallbackInfo& info);
  Napi::Value saveCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value loadCheckpoint(const Napi::CallbackInfo& info);
  Napi::Value pathJob(const Napi::CallbackInfo& info, void (sj::Network::*action)(const std::string&));
  Napi::Value captureTrainStep(const Napi::CallbackInfo& info);
  Napi::Value replayCapturedCall(const Napi::CallbackInfo& info);
  Napi::Value dispose(const Napi::CallbackInfo& info);
  Napi::Value disposed(const Napi::CallbackInfo& info);

  // Jobs in flight hold their own reference, so dispose() never frees memory under them.
  std::shared_ptr<sj::Network> network_;
  // Shared with jobs in flight, which report the size they leave behind.
  std::shared_ptr<ReportedMemory> memory_ = std::make_shared<ReportedMemory>();
  // Wall time of the last predict (the first one runs on the thread pool): decides where the next runs.
  static constexpr int64_t kInlinePredictNs = 50000;
  std::shared_ptr<std::atomic<int64_t>> lastPredictNs_ = std::make_shared<std::atomic<int64_t>>(kInlinePredictNs);
};

// inspectNetwork(specJson): the describe() JSON of a network built without its parameters'
// memory: shapes, parameter counts and memory needs, for checks before anything runs.
Napi::Value inspectNetwork(const Napi::CallbackInfo& info);

}  // namespace sjb
