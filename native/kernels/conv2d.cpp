#include "kernels/conv2d.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void Conv2dShape::validate() const {
  auto positive = [](const char* name, int64_t v) {
    if (v <= 0) fail(ErrorCode::Shape, "conv2d: ", name, " must be positive, got ", v);
  };
  positive("batch", n);
  positive("input channels", cin);
  positive("input height", h);
  positive("input width", w);
  positive("output channels", cout);
  positive("kernel height", kh);
  positive("kernel width", kw);
  positive("stride height", sh);
  positive("stride width", sw);
  if (ph < 0 || pw < 0) fail(ErrorCode::Shape, "conv2d: padding must be >= 0, got ", ph, "x", pw);
  if (h + 2 * ph < kh || w + 2 * pw < kw) {
    fail(ErrorCode::Shape, "conv2d: kernel ", kh, "x", kw, " is larger than the padded input ", h + 2 * ph, "x", w + 2 * pw);
  }
}

std::string Conv2dShape::describe() const {
  return "x" + dims({n, cin, h, w}) + " w" + dims({cout, cin, kh, kw}) + (bias ? " +b" : "") + " s" + std::to_string(sh) + "x" +
         std::to_string(sw) + " p" + std::to_string(ph) + "x" + std::to_string(pw) + " -> y" + dims({n, cout, ho(), wo()});
}

int64_t Conv2dShape::validTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p) {
  int64_t count = 0;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t j = 0; j < k; ++j) {
      const int64_t i = o * s - p + j;
      count += i >= 0 && i < in;
    }
  return count;
}

namespace {
int64_t usefulMacs(const Conv2dShape& s) {
  return s.n * s.cout * s.cin * Conv2dShape::validTaps(s.h, s.ho(), s.kh, s.sh, s.ph) * Conv2dShape::validTaps(s.w, s.wo(), s.kw, s.sw, s.pw);
}
}  // namespace

Cost conv2dForwardCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs + (s.bias ? s.outputSize() : 0);
  c.bytesRead = kFloatBytes * (s.inputSize() + s.weightSize() + (s.bias ? s.cout : 0));
  c.bytesWritten = kFloatBytes * s.outputSize();
  c.paddingMacs = s.outputSize() * s.cin * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardInputCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.weightSize());
  c.bytesWritten = kFloatBytes * s.inputSize();
  // The fast kernel is a GEMM over every input pixel and every (co, ky, kx) tap.
  c.paddingMacs = s.inputSize() * s.cout * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardWeightCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.inputSize());
  c.bytesWritten = kFloatBytes * s.weightSize();
  c.paddingMacs = s.outputSize() * s.cin * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardBiasCost(const Conv2dShape& s) {
  Cost c;
  c.flops = s.outputSize();
  c.bytesRead = kFloatBytes * s.outputSize();
  c.bytesWritten = kFloatBytes * s.cout;
  return c;
}

}  // namespace sj
