#include "errors.h"

#include <new>

#include "base/error.h"

namespace sjb {

CapturedError capture(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const sj::Error& e) {
    return {sj::errorCodeName(e.code()), e.what()};
  } catch (const std::bad_alloc&) {
    return {"E_MEMORY", "out of memory"};
  } catch (const std::exception& e) {
    return {"E_INTERNAL", e.what()};
  } catch (...) {
    return {"E_INTERNAL", "unknown native exception"};
  }
}

Napi::Error makeError(Napi::Env env, const std::string& code, const std::string& message) {
  Napi::Error error = code == "E_TYPE"                        ? Napi::TypeError::New(env, message)
                      : code == "E_SHAPE" || code == "E_VALUE" ? Napi::RangeError::New(env, message)
                                                               : Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, code));
  return error;
}

Napi::Error makeError(Napi::Env env, const CapturedError& error) { return makeError(env, error.code, error.message); }

void throwError(Napi::Env env, const std::string& code, const std::string& message) { throw makeError(env, code, message); }

}  // namespace sjb
