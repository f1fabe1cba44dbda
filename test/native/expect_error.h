// Checks that a call is rejected with a typed engine error whose message names what was wrong.
#pragma once
#include <string>

#include "base/error.h"
#include "harness.h"

namespace sj::testing {

template <class Call>
void expectError(ErrorCode code, const std::string& mustContain, Call&& call) {
  try {
    call();
  } catch (const Error& e) {
    const std::string message = e.what();
    SJ_CHECK(e.code() == code, "expected ", errorCodeName(code), " but got ", errorCodeName(e.code()), ": ", message);
    SJ_CHECK(message.find(mustContain) != std::string::npos, "the message '", message, "' does not mention '", mustContain, "'");
    return;
  }
  failTest("expected ", errorCodeName(code), " mentioning '", mustContain, "', but nothing was thrown");
}

}  // namespace sj::testing
