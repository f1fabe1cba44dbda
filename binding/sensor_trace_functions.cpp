#include "sensor_trace_functions.h"

#include <memory>
#include <string>

#include "arguments.h"
#include "async_job.h"
#include "energy/energy_source.h"
#include "study/sensor_trace.h"

namespace sjb {

Napi::Value sensorTrace(const Napi::CallbackInfo& info) {
  const std::string text = stringArgument(info, 0, "options");
  const sj::SensorTraceOptions options = guard(info.Env(), [&] { return sj::sensorTraceOptionsFromJson(text); });
  auto result = std::make_shared<std::string>();
  return AsyncJob::start(
      info.Env(), [options, result] { *result = sj::sensorTrace(options).dump(); },
      [result](Napi::Env env) { return Napi::String::New(env, *result); });
}

Napi::Value steadyNowS(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), sj::steadyNowS()); }

}  // namespace sjb
