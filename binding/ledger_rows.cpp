#include "ledger_rows.h"

namespace sjb {

Napi::Array ledgerRows(Napi::Env env, const std::vector<sj::LedgerRow>& rows) {
  Napi::Array out = Napi::Array::New(env, rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    const sj::LedgerRow& r = rows[i];
    Napi::Object o = Napi::Object::New(env);
    // Counts travel as JS numbers: exact up to 2^53.
    auto num = [&](const char* key, int64_t v) { o.Set(key, Napi::Number::New(env, static_cast<double>(v))); };
    o.Set("layer", r.layer);
    o.Set("name", r.kernel);
    o.Set("pass", sj::kernelPassName(r.pass));
    o.Set("shapes", r.shapes);
    num("calls", r.calls);
    num("macs", r.cost.macs);
    num("flops", r.cost.flops);
    num("transcendentals", r.cost.transcendentals);
    num("comparisons", r.cost.comparisons);
    num("bytesRead", r.cost.bytesRead);
    num("bytesWritten", r.cost.bytesWritten);
    num("paddingMacs", r.cost.paddingMacs);
    o.Set("ms", Napi::Number::New(env, static_cast<double>(r.nanoseconds) / 1e6));
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

}  // namespace sjb
