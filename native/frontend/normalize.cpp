#include "frontend/normalize.h"

#include <algorithm>
#include <cmath>

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

void normalizeForward(ThreadPool& pool, const NormalizeShape& s, const float* x, float* y) {
  const int64_t n = s.size;
  double offset = 0.0, scale = 1.0;
  if (s.kind == NormalizeKind::MinMax) {
    float lo = x[0], hi = x[0];
    for (int64_t i = 1; i < n; ++i) {
      lo = x[i] < lo ? x[i] : lo;
      hi = x[i] > hi ? x[i] : hi;
    }
    offset = lo;
    scale = 1.0 / std::max(static_cast<double>(hi) - static_cast<double>(lo), 1e-30);
  }
  if (s.kind == NormalizeKind::Standardize) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += x[i];
    const double mean = sum / static_cast<double>(n);
    double squares = 0.0;
    for (int64_t i = 0; i < n; ++i) squares += (x[i] - mean) * (x[i] - mean);
    const double std = std::sqrt(squares / static_cast<double>(n > 1 ? n - 1 : 1));
    offset = mean;
    scale = 1.0 / std::max(std, 1e-30);
  }
  if (s.kind == NormalizeKind::None) {
    if (x != y) std::copy(x, x + n, y);
    return;
  }
  // y = (x - offset) * scale in double, rounded once: exact 0 for a constant block.
  pool.parallelFor(n, 4096, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] = static_cast<float>((x[i] - offset) * scale);
  });
}

}  // namespace sj
