#include "kernels/pool2d.h"

#include "base/error.h"
#include "core/shape_text.h"
#include "kernels/conv2d.h"

namespace sj {

void Pool2dShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "pool2d: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("channels", c);
  positive("input height", h);
  positive("input width", w);
  positive("window height", kh);
  positive("window width", kw);
  positive("stride height", sh);
  positive("stride width", sw);
  if (ph < 0 || pw < 0) fail(ErrorCode::Shape, "pool2d: padding must be >= 0, got ", ph, "x", pw);
  if (ph >= kh || pw >= kw) {
    fail(ErrorCode::Shape, "pool2d: padding ", ph, "x", pw, " must be smaller than the window ", kh, "x", kw,
         " (else a window can hold only padding)");
  }
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    fail(ErrorCode::Shape, "pool2d: window ", kh, "x", kw, " is larger than the padded input ", h + 2 * ph, "x", w + 2 * pw);
  }
  if (h * w > INT32_MAX) fail(ErrorCode::Shape, "pool2d: an input plane of ", h, "x", w, " is too large for int32 argmax indices");
}

std::string Pool2dShape::describe() const {
  return "x" + dims({n, c, h, w}) + " k" + std::to_string(kh) + "x" + std::to_string(kw) + " s" + std::to_string(sh) + "x" +
         std::to_string(sw) + " p" + std::to_string(ph) + "x" + std::to_string(pw) + (countIncludePad ? "" : " excl-pad") + " -> y" +
         dims({n, c, ho(), wo()});
}

// The number of (output, window tap) pairs inside the image is the same count as the useful taps
// of a convolution with this geometry, so one function serves both.
int64_t Pool2dShape::validPerPlane() const {
  return Conv2dShape::validTaps(h, ho(), kh, sh, ph) * Conv2dShape::validTaps(w, wo(), kw, sw, pw);
}

Cost maxPool2dForwardCost(const Pool2dShape& s) {
  Cost c;
  c.comparisons = s.planes() * (s.validPerPlane() - s.ho() * s.wo());
  c.bytesRead = kFloatBytes * s.inputSize();
  c.bytesWritten = kFloatBytes * 2 * s.outputSize();  // y and the int32 argmax
  return c;
}

Cost maxPool2dBackwardInputCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.outputSize();
  c.bytesRead = kFloatBytes * 2 * s.outputSize();  // dy and the int32 argmax
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

Cost avgPool2dForwardCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.planes() * s.validPerPlane();  // (v - 1) adds + 1 multiply per output
  c.bytesRead = kFloatBytes * s.inputSize();
  c.bytesWritten = kFloatBytes * s.outputSize();
  return c;
}

Cost avgPool2dBackwardInputCost(const Pool2dShape& s) {
  Cost c;
  c.flops = s.planes() * s.validPerPlane() + s.outputSize();  // 1 multiply + v adds per output
  c.bytesRead = kFloatBytes * s.outputSize();
  c.bytesWritten = kFloatBytes * s.inputSize();
  return c;
}

}  // namespace sj
