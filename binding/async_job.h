// Runs native work on the libuv thread pool and settles a Promise on the main thread.
// `work` runs off the main thread and must not touch JS values; `result` builds the resolved
// value on the main thread. JS objects the work reads (typed arrays) are kept alive by `keep`.
#pragma once
#include <napi.h>

#include <functional>
#include <vector>

#include "errors.h"

namespace sjb {

class AsyncJob : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise start(Napi::Env env, Work work, Result result, std::vector<Napi::Value> keep = {}) {
    auto* job = new AsyncJob(env, std::move(work), std::move(result));
    for (const Napi::Value& v : keep) {
      if (v.IsObject()) job->kept_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    }
    Napi::Promise promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

 protected:
  void Execute() override {
    try {
      work_();
    } catch (...) {
      error_ = capture(std::current_exception());
    }
  }
  void OnOK() override {
    Napi::Env env = Env();
    Napi::HandleScope scope(env);
    if (error_.set()) {
      deferred_.Reject(makeError(env, error_).Value());
      return;
    }
    try {
      deferred_.Resolve(result_ ? result_(env) : env.Undefined());
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    } catch (...) {
      deferred_.Reject(makeError(env, capture(std::current_exception())).Value());
    }
  }

 private:
  AsyncJob(Napi::Env env, Work work, Result result)
      : Napi::AsyncWorker(env, "sedjoule"), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)), result_(std::move(result)) {}

  Napi::Promise::Deferred deferred_;
  Work work_;
  Result result_;
  CapturedError error_;
  std::vector<Napi::ObjectReference> kept_;
};

}  // namespace sjb
