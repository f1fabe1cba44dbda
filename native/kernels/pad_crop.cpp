#include "kernels/pad_crop.h"

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

}  // namespace sj
