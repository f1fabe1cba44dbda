#include "meter_object.h"

#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "arguments.h"
#include "async_job.h"
#include "bench/fma_peak.h"
#include "core/thread_pool.h"
#include "cuda/cuda_devices.h"
#include "core/spec_reader.h"
#include "energy/meter_options.h"

namespace sjb {

namespace {

// Window edges wait for queued GPU work only when there is a GPU to wait for.
std::function<void()> deviceSynchronizer() {
  if (sj::queryCuda().devices.empty()) return nullptr;
  return [] { sj::cudaSynchronizeAll(); };
}

// The probe's busy loads: FMA chains on every CPU thread, or a spinning kernel on every GPU.
std::string busyLoad(const std::string& kind, double seconds) {
  if (kind == "cpu") {
    sj::measureFmaPeak(sj::ThreadPool::hardwareThreads(), seconds);
    return "";
  }
  const sj::CudaStatus cuda = sj::queryCuda();
  if (cuda.devices.empty()) return "no CUDA device to load (" + cuda.note + ")";
  std::vector<std::string> errors(cuda.devices.size());
  std::vector<std::thread> threads;
  for (size_t d = 0; d < cuda.devices.size(); ++d) threads.emplace_back([&, d] { errors[d] = sj::cudaBusy(cuda.devices[d].index, seconds); });
  for (auto& t : threads) t.join();
  for (const std::string& e : errors)
    if (!e.empty()) return e;
  return "";
}

}  // namespace

Napi::Function MeterObject::define(Napi::Env env) {
  return DefineClass(env, "Meter",
                     {
                         InstanceMethod("describe", &MeterObject::describe),
                         InstanceMethod("begin", &MeterObject::begin),
                         InstanceMethod("end", &MeterObject::end),
                         InstanceMethod("measureIdle", &MeterObject::measureIdle),
                         InstanceMethod("idle", &MeterObject::idle),
                         InstanceMethod("trace", &MeterObject::trace),
                         InstanceMethod("setUpdatePeriod", &MeterObject::setUpdatePeriod),
                         InstanceMethod("gpuProcesses", &MeterObject::gpuProcesses),
                         InstanceMethod("stop", &MeterObject::stop),
                     });
}

// new Meter(optionsJson: string)
MeterObject::MeterObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<MeterObject>(info) {
  const std::string options = info.Length() > 0 && !info[0].IsUndefined() ? stringArgument(info, 0, "options") : "";
  meter_ = guard(info.Env(), [&] { return std::make_shared<sj::Meter>(sj::energyOptionsFromJson(options, false).meter); });
  meter_->setSynchronize(deviceSynchronizer());
}

std::shared_ptr<sj::Meter> MeterObject::live(const Napi::CallbackInfo& info) const {
  if (!meter_) throwError(info.Env(), "E_DISPOSED", "this meter was stopped");
  return meter_;
}

Napi::Value MeterObject::describe(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  return Napi::String::New(info.Env(), guard(info.Env(), [&] { return meter->describe().dump(); }));
}

Napi::Value MeterObject::begin(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  const std::string name = stringArgument(info, 0, "name");
  guard(info.Env(), [&] { meter->begin(name); });
  return info.Env().Undefined();
}

Napi::Value MeterObject::end(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  const std::string name = stringArgument(info, 0, "name");
  return Napi::String::New(info.Env(), guard(info.Env(), [&] { return meter->end(name).dump(); }));
}

// measureIdle(seconds): Promise<string>
Napi::Value MeterObject::measureIdle(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  const double seconds = numberArgument(info, 0, "seconds", 5);
  auto result = std::make_shared<std::string>();
  return AsyncJob::start(
      info.Env(), [meter, seconds, result] { *result = meter->measureIdle(seconds).dump(); },
      [result](Napi::Env env) { return Napi::String::New(env, *result); });
}

Napi::Value MeterObject::idle(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  return Napi::String::New(info.Env(), meter->idle().dump());
}

Napi::Value MeterObject::trace(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  return Napi::String::New(info.Env(), meter->trace().dump());
}

Napi::Value MeterObject::setUpdatePeriod(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  const std::string id = stringArgument(info, 0, "sourceId");
  const double seconds = numberArgument(info, 1, "seconds", 0);
  guard(info.Env(), [&] { meter->setUpdatePeriod(id, seconds); });
  return info.Env().Undefined();
}

// gpuProcesses(requestJson: {"pids": [...], "processTree": pid, "sinceUs": n}): string
Napi::Value MeterObject::gpuProcesses(const Napi::CallbackInfo& info) {
  auto meter = live(info);
  const std::string text = stringArgument(info, 0, "request");
  return Napi::String::New(info.Env(), guard(info.Env(), [&] {
                             const sj::Json json = sj::Json::parse(text);
                             sj::SpecReader r(json, "gpu process request");
                             std::vector<int> pids;
                             if (r.has("pids"))
                               for (int64_t pid : r.integerList("pids", 1)) pids.push_back(static_cast<int>(pid));
                             const int tree = static_cast<int>(r.integer("processTree", 0, 0, INT32_MAX));
                             const double since = r.number("sinceUs", 0.0, 0.0, 1e18);
                             r.rejectUnknownFields();
                             return meter->gpuProcesses(pids, tree, static_cast<unsigned long long>(since)).dump();
                           }));
}

Napi::Value MeterObject::stop(const Napi::CallbackInfo& info) {
  if (meter_) meter_->stop();
  meter_.reset();
  return info.Env().Undefined();
}

Napi::Value probeEnergy(const Napi::CallbackInfo& info) {
  const std::string text = info.Length() > 0 && !info[0].IsUndefined() ? stringArgument(info, 0, "options") : "";
  const sj::EnergyOptions options = guard(info.Env(), [&] { return sj::energyOptionsFromJson(text, true); });
  auto result = std::make_shared<std::string>();
  return AsyncJob::start(
      info.Env(), [options, result] { *result = sj::probeEnergy(options.meter, options.probe, busyLoad).dump(); },
      [result](Napi::Env env) { return Napi::String::New(env, *result); });
}

}  // namespace sjb

namespace sjb {

Napi::Value loadDevice(const Napi::CallbackInfo& info) {
  const std::string kind = stringArgument(info, 0, "kind");
  const double seconds = numberArgument(info, 1, "seconds", 1);
  if (kind != "cpu" && kind != "gpu") throwError(info.Env(), "E_VALUE", "kind must be \"cpu\" or \"gpu\", got \"" + kind + "\"");
  if (!(seconds > 0 && seconds <= 3600)) throwError(info.Env(), "E_VALUE", "seconds must be in (0, 3600]");
  auto result = std::make_shared<std::string>();
  return AsyncJob::start(
      info.Env(), [kind, seconds, result] { *result = busyLoad(kind, seconds); },
      [result](Napi::Env env) { return Napi::String::New(env, *result); });
}

}  // namespace sjb
