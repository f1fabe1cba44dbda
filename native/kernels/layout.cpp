#include "kernels/layout.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

std::vector<int64_t> PermuteShape::outputDims() const {
  std::vector<int64_t> out(order.size());
  for (size_t i = 0; i < order.size(); ++i) out[i] = dims[order[i]];
  return out;
}

int64_t PermuteShape::sampleSize() const {
  int64_t size = 1;
  for (int64_t d : dims) size *= d;
  return size;
}

void PermuteShape::validate() const {
  if (order.size() != dims.size()) fail(ErrorCode::Shape, "permute: order ", sj::dims(order), " has ", order.size(), " axes, the input ", dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (int64_t a : order) {
    if (a < 0 || a >= static_cast<int64_t>(dims.size()) || seen[a]) fail(ErrorCode::Shape, "permute: order ", sj::dims(order), " is not a permutation of the input's axes");
    seen[a] = true;
  }
  for (int64_t d : dims)
    if (d <= 0) fail(ErrorCode::Shape, "permute: input dimensions must be positive, got ", sj::dims(dims));
}

std::string PermuteShape::describe() const {
  return "x[" + std::to_string(n) + "," + sj::dims(dims).substr(1) + " order" + sj::dims(order) + " -> y[" + std::to_string(n) + "," +
         sj::dims(outputDims()).substr(1);
}

std::vector<int64_t> permuteSourceOffsets(const PermuteShape& s) {
  const size_t rank = s.dims.size();
  std::vector<int64_t> inStride(rank, 1);
  for (size_t a = rank; a-- > 1;) inStride[a - 1] = inStride[a] * s.dims[a];
  const std::vector<int64_t> out = s.outputDims();
  std::vector<int64_t> offsets(static_cast<size_t>(s.sampleSize()));
  std::vector<int64_t> index(rank, 0);
  for (int64_t& offset : offsets) {
    int64_t o = 0;
    for (size_t i = 0; i < rank; ++i) o += index[i] * inStride[s.order[i]];
    offset = o;
    for (size_t i = rank; i-- > 0;) {  // odometer over output indices
      if (++index[i] < out[i]) break;
      index[i] = 0;
    }
  }
  return offsets;
}

Cost permuteForwardCost(const PermuteShape& s) {
  Cost c;
  c.bytesRead = c.bytesWritten = kFloatBytes * s.n * s.sampleSize();
  return c;
}

Cost permuteBackwardInputCost(const PermuteShape& s) { return permuteForwardCost(s); }

void LastStepShape::validate() const {
  if (n <= 0 || t <= 0 || f <= 0) fail(ErrorCode::Shape, "last_step: dimensions must be positive, got x", sj::dims({n, t, f}));
}

std::string LastStepShape::describe() const { return "x" + sj::dims({n, t, f}) + " -> y" + sj::dims({n, f}); }

Cost lastStepForwardCost(const LastStepShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.n * s.f;  // only the last step is read
  c.bytesWritten = kFloatBytes * s.n * s.f;
  return c;
}

Cost lastStepBackwardInputCost(const LastStepShape& s) {
  Cost c;
  c.bytesRead = kFloatBytes * s.n * s.f;
  c.bytesWritten = kFloatBytes * s.n * s.t * s.f;
  return c;
}

}  // namespace sj
