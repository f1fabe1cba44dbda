#include "kernels/conv2d.h"

#include "base/error.h"
#include "core/shape_text.h"
#include "core/sizes.h"

namespace sj {

namespace {

// The positions a kernel of k taps dilated by d spans, d*(k-1) + 1; none when that does not fit.
std::optional<int64_t> kernelSpan(int64_t k, int64_t d) {
  const std::optional<int64_t> gaps = productWithin(d, k - 1, INT64_MAX - 1);
  return gaps ? std::optional<int64_t>(*gaps + 1) : std::nullopt;
}

std::string pair(int64_t a, int64_t b) { return std::to_string(a) + "x" + std::to_string(b); }

}  // namespace

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
  positive("dilation height", dh);
  positive("dilation width", dw);
  positive("groups", groups);
  if (cin % groups != 0) fail(ErrorCode::Shape, "conv2d: input channels ", cin, " are not divisible by groups ", groups);
  if (cout % groups != 0) fail(ErrorCode::Shape, "conv2d: output channels ", cout, " are not divisible by groups ", groups);
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) {
    fail(ErrorCode::Shape, "conv2d: padding (top, left, bottom, right) must be >= 0, got ", pt, ", ", pl, ", ", pb, ", ", pr);
  }
  const std::optional<int64_t> spanH = kernelSpan(kh, dh), spanW = kernelSpan(kw, dw);
  const int64_t paddedH = h + pt + pb, paddedW = w + pl + pr;
  if (!spanH || !spanW || *spanH > paddedH || *spanW > paddedW) {
    const std::string dilated = dh == 1 && dw == 1 ? "" : " dilated " + pair(dh, dw);
    fail(ErrorCode::Shape, "conv2d: kernel ", kh, "x", kw, dilated, " is larger than the padded input ", paddedH, "x", paddedW);
  }
}

std::string Conv2dShape::describe() const {
  const bool symmetric = pt == pb && pl == pr;
  const std::string padding = symmetric ? pair(pt, pl) : std::to_string(pt) + "," + std::to_string(pl) + "," + std::to_string(pb) + "," + std::to_string(pr);
  return "x" + dims({n, cin, h, w}) + " w" + dims({cout, cinPerGroup(), kh, kw}) + (bias ? " +b" : "") + " s" + pair(sh, sw) + " p" + padding +
         (dh == 1 && dw == 1 ? "" : " d" + pair(dh, dw)) + (groups == 1 ? "" : " g" + std::to_string(groups)) + " -> y" +
         dims({n, cout, ho(), wo()});
}

int64_t Conv2dShape::validTaps(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d) {
  int64_t count = 0;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t j = 0; j < k; ++j) {
      const int64_t i = o * s - p + j * d;
      count += i >= 0 && i < in;
    }
  return count;
}

namespace {
int64_t usefulMacs(const Conv2dShape& s) {
  return s.n * s.cout * s.cinPerGroup() * Conv2dShape::validTaps(s.h, s.ho(), s.kh, s.sh, s.pt, s.dh) *
         Conv2dShape::validTaps(s.w, s.wo(), s.kw, s.sw, s.pl, s.dw);
}
}  // namespace

Cost conv2dForwardCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs + (s.bias ? s.outputSize() : 0);
  c.bytesRead = kFloatBytes * (s.inputSize() + s.weightSize() + (s.bias ? s.cout : 0));
  c.bytesWritten = kFloatBytes * s.outputSize();
  // The GEMM of a group multiplies every (ci, ky, kx) tap of its group; the depthwise loops skip padding.
  c.paddingMacs = s.depthwise() ? 0 : s.outputSize() * s.cinPerGroup() * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardInputCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.weightSize());
  c.bytesWritten = kFloatBytes * s.inputSize();
  // The GEMM of a group runs over every input pixel and every (co, ky, kx) tap of its group.
  c.paddingMacs = s.depthwise() ? 0 : s.inputSize() * s.coutPerGroup() * s.kh * s.kw - c.macs;
  return c;
}

Cost conv2dBackwardWeightCost(const Conv2dShape& s) {
  Cost c;
  c.macs = usefulMacs(s);
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.outputSize() + s.inputSize());
  c.bytesWritten = kFloatBytes * s.weightSize();
  c.paddingMacs = s.depthwise() ? 0 : s.outputSize() * s.cinPerGroup() * s.kh * s.kw - c.macs;
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
