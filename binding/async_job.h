// Runs native work on the libuv thread pool and settles a Promise on the main thread (or, for
// work shorter than that round trip, runs it on the main thread: runHere).
// `work` runs off the main thread and must not touch JS values or their memory (it reads copies:
// arguments.h, float32Copy); `result` builds the resolved value on the main thread.
#pragma once
#include <napi.h>

#include <functional>

#include "errors.h"

namespace sjb {

class AsyncJob : public Napi::AsyncWorker {
 public:
  using Work = std::function<void()>;
  using Result = std::function<Napi::Value(Napi::Env)>;

  static Napi::Promise start(Napi::Env env, Work work, Result result) {
    auto* job = new AsyncJob(env, std::move(work), std::move(result));
    Napi::Promise promise = job->deferred_.Promise();
    job->Queue();
    return promise;
  }

  // Runs `work` on the calling (main) thread and returns a settled Promise: for work shorter than
  // the round trip through the thread pool (tens of microseconds), which would otherwise be most of
  // the call's time. Errors settle the Promise the same way.
  static Napi::Promise runHere(Napi::Env env, const Work& work, const Result& result) {
    Napi::Promise::Deferred deferred = Napi::Promise::Deferred::New(env);
    CapturedError error;
    try {
      work();
    } catch (...) {
      error = capture(std::current_exception());
    }
    if (error.set()) {
      deferred.Reject(makeError(env, error).Value());
    } else {
      try {
        deferred.Resolve(result ? result(env) : env.Undefined());
      } catch (const Napi::Error& e) {
        deferred.Reject(e.Value());
      }
    }
    return deferred.Promise();
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
};

}  // namespace sjb
