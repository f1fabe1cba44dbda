#include "kernels/mel.h"

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void MelShape::validate() const {
  if (!filters) fail(ErrorCode::Internal, "mel: no filterbank");
  if (frames < 1) fail(ErrorCode::Shape, "mel: frames must be >= 1, got ", frames);
}

std::string MelShape::describe() const {
  return "S" + dims({bins(), frames}) + " x fb[" + std::to_string(mels()) + " filters, " + std::to_string(filters->nonzeros()) +
         " weights] -> y" + dims({mels(), frames});
}

Cost melForwardCost(const MelShape& s) {
  Cost c;
  c.macs = s.filters->nonzeros() * s.frames;
  c.flops = 2 * c.macs;
  c.bytesRead = kFloatBytes * (s.inputSize() + s.filters->nonzeros() + 2 * s.mels());
  c.bytesWritten = kFloatBytes * s.outputSize();
  return c;
}

}  // namespace sj
