#include "kernels/stft.h"

#include <algorithm>

#include "base/error.h"
#include "core/shape_text.h"

namespace sj {

void StftShape::validate() const {
  validateFftSize(nFft, "stft: nFft");
  if (hop < 1) fail(ErrorCode::Value, "stft: hop must be >= 1, got ", hop);
  if (winLength < 1 || winLength > nFft) fail(ErrorCode::Value, "stft: winLength must be in [1, nFft = ", nFft, "], got ", winLength);
  if (power != 1 && power != 2) fail(ErrorCode::Value, "stft: power must be 1 (magnitude) or 2 (power), got ", power);
  if (frameLimit < 0) fail(ErrorCode::Value, "stft: frameLimit must be >= 0, got ", frameLimit);
  if (samples < 1) fail(ErrorCode::Shape, "stft: the signal is empty");
  if (center && samples <= pad()) {
    fail(ErrorCode::Shape, "stft: centred frames pad nFft/2 = ", pad(), " samples by reflection, which needs more than ", pad(),
         " samples, got ", samples);
  }
  if (!center && samples < nFft) fail(ErrorCode::Shape, "stft: without centring the signal needs at least nFft = ", nFft, " samples, got ", samples);
}

std::string StftShape::describe() const {
  return "x[" + std::to_string(samples) + "] nfft " + std::to_string(nFft) + " hop " + std::to_string(hop) + " win " +
         std::to_string(winLength) + (center ? " centred" : "") + (power == 1 ? " magnitude" : " power") + " -> S" + dims({bins(), frames()}) +
         (frames() < allFrames() ? " (first " + std::to_string(frames()) + " of " + std::to_string(allFrames()) + " frames)" : "");
}

int64_t StftShape::samplesRead() const {
  if (frames() == allFrames()) return samples;
  const int64_t last = (frames() - 1) * hop + windowOffset() + winLength - 1 - pad();  // last padded position, in x
  const int64_t reflected = pad() - windowOffset();                                   // the left reflection's deepest read
  return std::min(samples, std::max(last, reflected) + 1);
}

Cost stftForwardCost(const StftShape& s) {
  Cost c;
  const int64_t frames = s.frames(), bins = s.bins();
  c.flops = frames * (s.winLength + realFftFlops(s.nFft) + 3 * bins);
  c.transcendentals = s.power == 1 ? frames * bins : 0;
  c.bytesRead = kFloatBytes * (s.samplesRead() + s.winLength);
  c.bytesWritten = kFloatBytes * bins * frames;
  return c;
}

}  // namespace sj
