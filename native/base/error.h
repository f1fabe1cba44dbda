// Typed errors of the native engine. The binding turns each into a JS Error whose `code` is the
// string below, so callers can branch on the kind of failure without parsing messages.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace sj {

enum class ErrorCode {
  Shape,     // E_SHAPE: a tensor, array or spec dimension does not fit
  Value,     // E_VALUE: a number is out of range, NaN or Inf
  Spec,      // E_SPEC: a network spec is malformed (unknown layer, missing field, ...)
  Io,        // E_IO: a file cannot be read, written, or is not what it claims to be
  Disposed,  // E_DISPOSED: the object was disposed
  Cuda,      // E_CUDA: a CUDA call failed
  Internal,  // E_INTERNAL: a broken invariant inside the engine
};

inline const char* errorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::Shape: return "E_SHAPE";
    case ErrorCode::Value: return "E_VALUE";
    case ErrorCode::Spec: return "E_SPEC";
    case ErrorCode::Io: return "E_IO";
    case ErrorCode::Disposed: return "E_DISPOSED";
    case ErrorCode::Cuda: return "E_CUDA";
    case ErrorCode::Internal: return "E_INTERNAL";
  }
  return "E_INTERNAL";
}

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const { return code_; }

 private:
  ErrorCode code_;
};

// Builds a message from any streamable parts: fail(ErrorCode::Shape, "x has ", n, " elements").
template <class... Parts>
[[noreturn]] void fail(ErrorCode code, Parts&&... parts) {
  std::ostringstream message;
  (message << ... << std::forward<Parts>(parts));
  throw Error(code, message.str());
}

}  // namespace sj
