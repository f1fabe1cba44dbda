// The sensor study's native half (study/sensor_trace.h) as JS functions. Results cross as JSON text.
#pragma once
#include <napi.h>

namespace sjb {

// sensorTrace(optionsJson): Promise<string>, the trace JSON. Bad options throw at once (E_SPEC,
// E_VALUE); a load that cannot run rejects the promise.
Napi::Value sensorTrace(const Napi::CallbackInfo& info);

// steadyNowS(): number, the steady clock the trace's times are on (seconds), to plan bursts with.
Napi::Value steadyNowS(const Napi::CallbackInfo& info);

}  // namespace sjb
