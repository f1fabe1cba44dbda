#include "ledger_rows.h"

#include "core/cost.h"
#include "core/device.h"

namespace sjb {
namespace {

// The fields a ledger row and a captured call share: who called, which kernel, and its cost.
// Counts travel as JS numbers: exact up to 2^53.
Napi::Object callObject(Napi::Env env, const std::string& layer, const std::string& kernel, sj::KernelPass pass, const std::string& shapes, const sj::Cost& cost) {
  Napi::Object o = Napi::Object::New(env);
  auto num = [&](const char* key, int64_t v) { o.Set(key, Napi::Number::New(env, static_cast<double>(v))); };
  o.Set("layer", layer);
  o.Set("name", kernel);
  o.Set("pass", sj::kernelPassName(pass));
  o.Set("shapes", shapes);
#define SJ_COST_NUMBER(column) num(#column, cost.column);
  SJ_COST_COLUMNS(SJ_COST_NUMBER)
#undef SJ_COST_NUMBER
  return o;
}

}  // namespace

Napi::Array ledgerRows(Napi::Env env, const std::vector<sj::LedgerRow>& rows) {
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const sj::LedgerRow& r = rows[i];
    Napi::Object o = callObject(env, r.layer, r.kernel, r.pass, r.shapes, r.cost);
    o.Set("device", sj::deviceName(r.device));
    o.Set("calls", Napi::Number::New(env, static_cast<double>(r.calls)));
    o.Set("ms", Napi::Number::New(env, static_cast<double>(r.nanoseconds) / 1e6));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

Napi::Array capturedCallRows(Napi::Env env, const std::vector<sj::KernelContext::Call>& calls) {
  Napi::Array out = Napi::Array::New(env, calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    const auto& c = calls[i];
    out.Set(static_cast<uint32_t>(i), callObject(env, c.layer, c.kernel, c.pass, c.shapes, c.cost));
  }
  return out;
}

}  // namespace sjb
