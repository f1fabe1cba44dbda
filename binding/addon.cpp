// Module entry: the Network class and the engine's capabilities.
#include <napi.h>

#include "arguments.h"
#include "async_job.h"
#include "bench/fma_peak.h"
#include "core/cpu_isa.h"
#include "core/thread_pool.h"
#include "cuda/cuda_devices.h"
#include "frontend_object.h"
#include "meter_object.h"
#include "network_object.h"
#include "sensor_trace_functions.h"

namespace sjb {
namespace {

// info(): what this build and machine offer.
Napi::Value info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("hardwareThreads", sj::ThreadPool::hardwareThreads());
  out.Set("defaultThreads", guard(env, [] { return sj::ThreadPool::defaultThreads(); }));
  out.Set("isa", guard(env, [] { return std::string(sj::isaName(sj::activeIsa())); }));
  const sj::CudaStatus cuda = sj::queryCuda();
  Napi::Object c = Napi::Object::New(env);
  c.Set("compiled", cuda.compiled);
  c.Set("runtimeVersion", cuda.runtimeVersion);
  c.Set("driverVersion", cuda.driverVersion);
  c.Set("note", cuda.note);
  Napi::Array devices = Napi::Array::New(env, cuda.devices.size());
  for (size_t i = 0; i < cuda.devices.size(); ++i) {
    const sj::CudaDeviceInfo& d = cuda.devices[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("index", d.index);
    o.Set("name", d.name);
    o.Set("computeCapability", std::to_string(d.computeMajor) + "." + std::to_string(d.computeMinor));
    o.Set("memoryBytes", static_cast<double>(d.memoryBytes));
    o.Set("multiprocessors", d.multiprocessors);
    devices.Set(static_cast<uint32_t>(i), o);
  }
  c.Set("devices", devices);
  out.Set("cuda", c);
  return out;
}

// measureFmaPeak(threads, seconds): Promise<{gflops, threads, seconds, isa}>
Napi::Value measureFmaPeak(const Napi::CallbackInfo& info) {
  const double threads = numberArgument(info, 0, "threads", 1);
  const double seconds = numberArgument(info, 1, "seconds", 0.3);
  if (threads < 1 || threads > 1024 || threads != static_cast<int>(threads)) throwError(info.Env(), "E_VALUE", "threads must be an integer in [1, 1024]");
  if (!(seconds > 0 && seconds <= 60)) throwError(info.Env(), "E_VALUE", "seconds must be in (0, 60]");
  auto result = std::make_shared<sj::PeakMeasurement>();
  return AsyncJob::start(
      info.Env(), [result, threads, seconds] { *result = sj::measureFmaPeak(static_cast<int>(threads), seconds); },
      [result](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("gflops", result->gflops);
        o.Set("threads", result->threads);
        o.Set("seconds", result->seconds);
        o.Set("isa", result->isa);
        return o;
      });
}

// measureCudaFmaPeak(device, seconds): Promise<{gflops, seconds}>; E_CUDA when it cannot run.
Napi::Value measureCudaFmaPeak(const Napi::CallbackInfo& info) {
  const double device = numberArgument(info, 0, "device", 0);
  const double seconds = numberArgument(info, 1, "seconds", 0.5);
  if (device < 0 || device > 1024 || device != static_cast<int>(device)) throwError(info.Env(), "E_VALUE", "device must be an integer in [0, 1024]");
  if (!(seconds > 0 && seconds <= 60)) throwError(info.Env(), "E_VALUE", "seconds must be in (0, 60]");
  auto result = std::make_shared<sj::CudaFmaPeak>();
  return AsyncJob::start(
      info.Env(), [result, device, seconds] {
        *result = sj::measureCudaFmaPeak(static_cast<int>(device), seconds);
        if (!result->error.empty()) throw sj::Error(sj::ErrorCode::Cuda, "measuring the CUDA FMA peak: " + result->error);
      },
      [result](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("gflops", result->gflops);
        o.Set("seconds", result->seconds);
        return o;
      });
}

// externalMemory(): the external memory V8 counts for this isolate (what addons, networks
// among them, reported with AdjustExternalMemory), in bytes. process.memoryUsage().external
// counts only ArrayBuffers, so it does not show this.
Napi::Value externalMemory(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), static_cast<double>(Napi::MemoryManagement::AdjustExternalMemory(info.Env(), 0)));
}

Napi::Object init(Napi::Env env, Napi::Object exports) {
  exports.Set("Network", NetworkObject::define(env));
  exports.Set("inspectNetwork", Napi::Function::New(env, inspectNetwork, "inspectNetwork"));
  exports.Set("Meter", MeterObject::define(env));
  exports.Set("FeatureExtractor", FeatureExtractorObject::define(env));
  exports.Set("resampleAudio", Napi::Function::New(env, resampleAudio, "resampleAudio"));
  exports.Set("probeEnergy", Napi::Function::New(env, probeEnergy, "probeEnergy"));
  exports.Set("loadDevice", Napi::Function::New(env, loadDevice, "loadDevice"));
  exports.Set("sensorTrace", Napi::Function::New(env, sensorTrace, "sensorTrace"));
  exports.Set("steadyNowS", Napi::Function::New(env, steadyNowS, "steadyNowS"));
  exports.Set("info", Napi::Function::New(env, info, "info"));
  exports.Set("externalMemory", Napi::Function::New(env, externalMemory, "externalMemory"));
  exports.Set("measureFmaPeak", Napi::Function::New(env, measureFmaPeak, "measureFmaPeak"));
  exports.Set("measureCudaFmaPeak", Napi::Function::New(env, measureCudaFmaPeak, "measureCudaFmaPeak"));
  return exports;
}

}  // namespace
}  // namespace sjb

// NODE_API_MODULE pastes the function name into an identifier, so it must be unqualified.
static Napi::Object InitSedjoule(Napi::Env env, Napi::Object exports) { return sjb::init(env, exports); }
NODE_API_MODULE(sedjoule, InitSedjoule)
