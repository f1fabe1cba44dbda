#include "kernels/normalize.h"

#include "base/error.h"

namespace sj {

NormalizeKind normalizeKindFromName(const std::string& name, const char* field) {
  if (name == "none") return NormalizeKind::None;
  if (name == "minmax") return NormalizeKind::MinMax;
  if (name == "standardize") return NormalizeKind::Standardize;
  fail(ErrorCode::Value, field, " must be \"none\", \"minmax\" or \"standardize\", got \"", name, "\"");
}

const char* normalizeKindName(NormalizeKind kind) {
  switch (kind) {
    case NormalizeKind::None: return "none";
    case NormalizeKind::MinMax: return "minmax";
    case NormalizeKind::Standardize: return "standardize";
  }
  return "none";
}

void NormalizeShape::validate() const {
  if (size < 1) fail(ErrorCode::Shape, "normalize: size must be >= 1, got ", size);
}

std::string NormalizeShape::describe() const { return std::string("x[") + std::to_string(size) + "] " + normalizeKindName(kind); }

Cost normalizeForwardCost(const NormalizeShape& s) {
  Cost c;
  const int64_t n = s.size;
  if (s.kind == NormalizeKind::MinMax) {
    c.comparisons = 2 * (n - 1) + 1;
    c.flops = 2 + 2 * n;
  }
  if (s.kind == NormalizeKind::Standardize) {
    c.flops = (n + 2) + (n + 2 * n + 1) + 1 + 2 * n;
    c.macs = n;
    c.transcendentals = 1;
    c.comparisons = 1;
  }
  if (s.kind != NormalizeKind::None) {
    c.bytesRead = kFloatBytes * n;
    c.bytesWritten = kFloatBytes * n;
  }
  return c;
}

}  // namespace sj
