#include "kernels/window.h"

#include <cmath>

#include "base/error.h"

namespace sj {

WindowKind windowKindFromName(const std::string& name, const char* field) {
  if (name == "hann") return WindowKind::Hann;
  if (name == "hamming") return WindowKind::Hamming;
  fail(ErrorCode::Value, field, " must be \"hann\" or \"hamming\", got \"", name, "\"");
}

const char* windowKindName(WindowKind kind) { return kind == WindowKind::Hann ? "hann" : "hamming"; }

std::vector<double> makeWindow(WindowKind kind, int64_t length, bool periodic) {
  if (length < 1) fail(ErrorCode::Value, "window length must be >= 1, got ", length);
  if (length == 1) return {1.0};
  const double alpha = kind == WindowKind::Hann ? 0.5 : 0.54, beta = 1.0 - alpha;
  const double period = static_cast<double>(periodic ? length : length - 1);
  const double twoPi = 6.283185307179586476925286766559;
  std::vector<double> w(length);
  for (int64_t i = 0; i < length; ++i) w[i] = alpha - beta * std::cos(twoPi * static_cast<double>(i) / period);
  return w;
}

}  // namespace sj
