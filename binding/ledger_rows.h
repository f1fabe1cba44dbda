// Ledger rows and captured kernel calls as JS objects, shared by every object that owns a ledger
// (networks, front ends).
#pragma once
#include <napi.h>

#include <vector>

#include "ledger/kernel_context.h"
#include "ledger/ledger.h"

namespace sjb {

Napi::Array ledgerRows(Napi::Env env, const std::vector<sj::LedgerRow>& rows);
// Kernel calls captured for replay (per-kernel energy): the same fields without calls and time.
Napi::Array capturedCallRows(Napi::Env env, const std::vector<sj::KernelContext::Call>& calls);

}  // namespace sjb
