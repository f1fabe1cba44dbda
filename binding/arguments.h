// Argument checks at the JS boundary: wrong JS types become E_TYPE errors naming the argument.
#pragma once
#include <napi.h>

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
