// Ledger rows as JS objects, shared by every object that owns a ledger (networks, front ends).
#pragma once
#include <napi.h>

#include <vector>

#include "ledger/ledger.h"

namespace sjb {

Napi::Array ledgerRows(Napi::Env env, const std::vector<sj::LedgerRow>& rows);

}  // namespace sjb
