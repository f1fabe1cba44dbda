#include "kernels/amplitude.h"

#include <cmath>
#include <limits>
#include <sstream>

#include "base/error.h"

namespace sj {

AmplitudeKind amplitudeKindFromName(const std::string& name, const char* field) {
  if (name == "none") return AmplitudeKind::None;
  if (name == "log") return AmplitudeKind::Log;
  if (name == "db") return AmplitudeKind::Db;
  fail(ErrorCode::Value, field, " must be \"none\", \"log\" or \"db\", got \"", name, "\"");
}

const char* amplitudeKindName(AmplitudeKind kind) {
  switch (kind) {
    case AmplitudeKind::None: return "none";
    case AmplitudeKind::Log: return "log";
    case AmplitudeKind::Db: return "db";
  }
  return "none";
}

void AmplitudeShape::validate() const {
  if (size < 1) fail(ErrorCode::Shape, "amplitude: size must be >= 1, got ", size);
  if (kind == AmplitudeKind::Db) {
    if (!(multiplier > 0.0) || !std::isfinite(multiplier)) fail(ErrorCode::Value, "dbMultiplier must be a finite number > 0, got ", multiplier);
    if (!(amin > 0.0) || !std::isfinite(amin)) fail(ErrorCode::Value, "amin must be a finite number > 0, got ", amin);
  }
  if (kind == AmplitudeKind::Log && (!(eps > 0.0) || !std::isfinite(eps))) fail(ErrorCode::Value, "logEps must be a finite number > 0, got ", eps);
  if (clamp && (!std::isfinite(clampMin) || !std::isfinite(clampMax) || !(clampMin < clampMax))) {
    fail(ErrorCode::Value, "clampMin must be below clampMax (both finite), got [", clampMin, ", ", clampMax, "]");
  }
}

std::string AmplitudeShape::describe() const {
  std::string out = "x[" + std::to_string(size) + "] ";
  std::ostringstream params;
  params.precision(6);
  if (kind == AmplitudeKind::Db) params << multiplier << "*log10(max(x," << amin << "))";
  if (kind == AmplitudeKind::Log) params << "ln(x+" << eps << ")";
  if (kind == AmplitudeKind::None) params << "x";
  if (clamp) params << " clamp[" << clampMin << "," << clampMax << "]";
  return out + params.str();
}

Cost amplitudeForwardCost(const AmplitudeShape& s) {
  Cost c;
  if (s.kind == AmplitudeKind::Db) {
    c.comparisons += s.size;
    c.transcendentals += s.size;
    c.flops += s.size;
  }
  if (s.kind == AmplitudeKind::Log) {
    c.flops += s.size;
    c.transcendentals += s.size;
  }
  if (s.clamp) c.comparisons += 2 * s.size;
  c.bytesRead = kFloatBytes * s.size;
  c.bytesWritten = kFloatBytes * s.size;
  return c;
}

AmplitudeMap amplitudeMap(const AmplitudeShape& s) {
  AmplitudeMap m;
  m.log = s.kind != AmplitudeKind::None;
  const bool db = s.kind == AmplitudeKind::Db;
  m.floor = db ? static_cast<float>(s.amin) : -std::numeric_limits<float>::max();
  m.add = db ? 0.f : static_cast<float>(s.eps);
  m.scale = db ? static_cast<float>(s.multiplier / 2.302585092994045684) : 1.f;
  m.clamp = s.clamp;
  m.lo = static_cast<float>(s.clampMin);
  m.hi = static_cast<float>(s.clampMax);
  return m;
}

}  // namespace sj
