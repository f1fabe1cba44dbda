#include "frontend/pad_crop.h"

#include <cstring>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void PadShape::validate() const {
  if (samples < 1 || length <= samples) fail(ErrorCode::Shape, "pad: needs 1 <= samples < length, got ", samples, " -> ", length);
}

std::string PadShape::describe() const {
  return "x[" + std::to_string(samples) + "] -> y[" + std::to_string(length) + "]" + (inPlace ? " in place" : "");
}

Cost padForwardCost(const PadShape& s) {
  Cost c;
  c.bytesRead = s.inPlace ? 0 : kFloatBytes * s.samples;
  c.bytesWritten = kFloatBytes * (s.inPlace ? s.length - s.samples : s.length);
  return c;
}

void padForward(const PadShape& s, const float* x, float* y) {
  if (!s.inPlace) std::memcpy(y, x, sizeof(float) * s.samples);
  std::memset(y + s.samples, 0, sizeof(float) * (s.length - s.samples));
}

void FrameCropShape::validate() const {
  if (rows < 1 || frames < 1 || keep < 1) fail(ErrorCode::Shape, "frame_crop: dimensions must be positive, got ", dims({rows, frames, keep}));
}

std::string FrameCropShape::describe() const { return "x" + dims({rows, frames}) + " -> y" + dims({rows, keep}); }

Cost frameCropForwardCost(const FrameCropShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.rows * s.kept();
  c.bytesWritten = kFloatBytes * s.rows * s.keep;
  return c;
}

void frameCropForward(ThreadPool& pool, const FrameCropShape& s, const float* x, float* y) {
  const int64_t kept = s.kept();
  pool.parallelFor(s.rows, 16, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      std::memcpy(y + r * s.keep, x + r * s.frames, sizeof(float) * kept);
      std::memset(y + r * s.keep + kept, 0, sizeof(float) * (s.keep - kept));
    }
  });
}

}  // namespace sj
