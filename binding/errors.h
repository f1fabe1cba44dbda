// Native failures become JS errors with a stable `code` (E_SHAPE, E_VALUE, E_TYPE, E_IO, ...).
#pragma once
#include <napi.h>

#include <exception>
#include <string>

namespace sjb {

// A failure captured off the main thread, to be turned into a JS error on it.
struct CapturedError {
  std::string code;
  std::string message;
  bool set() const { return !code.empty(); }
};

CapturedError capture(const std::exception_ptr& error);
Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message);
Napi::Error makeError(Napi::Env env, const CapturedError& error);
[[noreturn]] void throwError(Napi::Env env, const std::string& code, const std::string& message);
// Runs fn on the main thread and rethrows any native failure as a typed JS error.
template <class Fn>
auto guard(Napi::Env env, Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    throw makeError(env, capture(std::current_exception()));
  }
}

}  // namespace sjb
