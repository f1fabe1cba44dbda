// JS class `Meter` over sj::Meter, and the energy probe. Results cross as JSON text.
#pragma once
#include <napi.h>

#include <memory>

#include "energy/meter.h"

namespace sjb {

class MeterObject : public Napi::ObjectWrap<MeterObject> {
 public:
  static Napi::Function define(Napi::Env env);
  explicit MeterObject(const Napi::CallbackInfo& info);

 private:
  std::shared_ptr<sj::Meter> live(const Napi::CallbackInfo& info) const;

  Napi::Value describe(const Napi::CallbackInfo& info);
  Napi::Value begin(const Napi::CallbackInfo& info);
  Napi::Value end(const Napi::CallbackInfo& info);
  Napi::Value measureIdle(const Napi::CallbackInfo& info);
  Napi::Value idle(const Napi::CallbackInfo& info);
  Napi::Value trace(const Napi::CallbackInfo& info);
  Napi::Value setUpdatePeriod(const Napi::CallbackInfo& info);
  Napi::Value gpuProcesses(const Napi::CallbackInfo& info);
  Napi::Value stop(const Napi::CallbackInfo& info);

  std::shared_ptr<sj::Meter> meter_;
};

// probeEnergy(optionsJson): Promise<string>
Napi::Value probeEnergy(const Napi::CallbackInfo& info);

// loadDevice(kind: "cpu" | "gpu", seconds): Promise<string>, "" or why the load could not run.
Napi::Value loadDevice(const Napi::CallbackInfo& info);

}  // namespace sjb
