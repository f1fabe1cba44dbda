// Argument checks at the JS boundary: wrong JS types become E_TYPE errors naming the argument.
#pragma once
#include <napi.h>

#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>

#include "errors.h"

namespace sjb {

inline Napi::Float32Array float32Argument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsTypedArray() || info[index].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array) {
    std::string got = info.Length() <= index ? "nothing" : info[index].IsTypedArray() ? "another typed array" : "a non-typed-array value";
    throwError(info.Env(), "E_TYPE", std::string(name) + " must be a Float32Array, got " + got);
  }
  return info[index].As<Napi::Float32Array>();
}

// A Float32Array's values, copied into native memory on the main thread. Work off the main thread
// reads the copy, never the array: while it runs, JS may shrink a resizable ArrayBuffer, detach the
// buffer (transfer(), postMessage) or write to a SharedArrayBuffer from another thread, and N-API
// has no way to pin an array's memory. The copy costs one pass over values that checks already
// read (every input is checked for NaN), small beside the kernels.
struct Float32Copy {
  std::shared_ptr<const float[]> values;
  int64_t length = 0;
  const float* data() const { return values.get(); }
};

inline Float32Copy float32Copy(const Napi::CallbackInfo& info, size_t index, const char* name) {
  Napi::Float32Array array = float32Argument(info, index, name);
  const size_t length = array.ElementLength();
  std::shared_ptr<float[]> values(new (std::nothrow) float[length > 0 ? length : 1]);
  if (!values) {
    throwError(info.Env(), "E_MEMORY", std::string("out of memory copying ") + name + " (" + std::to_string(length) + " values, " + std::to_string(length * 4) + " bytes)");
  }
  if (length > 0) std::memcpy(values.get(), array.Data(), length * sizeof(float));
  return {values, static_cast<int64_t>(length)};
}

// A new Float32Array of `length` values for a job's results, on memory the binding allocates: V8
// ends the process when it cannot allocate an ArrayBuffer's memory itself, whereas here a failed
// allocation is E_MEMORY naming `what` and its size.
inline Napi::Float32Array float32Output(Napi::Env env, int64_t length, const std::string& what) {
  const std::string size = what + " (" + std::to_string(length) + " values, " + std::to_string(length * 4) + " bytes)";
  void* data = std::calloc(static_cast<size_t>(length > 0 ? length : 1), sizeof(float));
  if (!data) throwError(env, "E_MEMORY", "out of memory allocating " + size);
  Napi::ArrayBuffer buffer;
  try {
    buffer = Napi::ArrayBuffer::New(env, data, static_cast<size_t>(length) * sizeof(float), [](Napi::Env, void* p) { std::free(p); });
  } catch (...) {
    std::free(data);
    throw;
  }
  try {
    return Napi::Float32Array::New(env, static_cast<size_t>(length), buffer, 0);
  } catch (const Napi::Error& e) {
    throwError(env, "E_MEMORY", "cannot make a Float32Array of " + size + ": " + e.Message());
  }
}

inline std::string stringArgument(const Napi::CallbackInfo& info, size_t index, const char* name) {
  if (info.Length() <= index || !info[index].IsString()) throwError(info.Env(), "E_TYPE", std::string(name) + " must be a string");
  return info[index].As<Napi::String>().Utf8Value();
}

inline double numberArgument(const Napi::CallbackInfo& info, size_t index, const char* name, double fallback) {
  if (info.Length() <= index || info[index].IsUndefined()) return fallback;
  if (!info[index].IsNumber()) throwError(info.Env(), "E_TYPE", std::string(name) + " must be a number");
  return info[index].As<Napi::Number>().DoubleValue();
}

}  // namespace sjb
