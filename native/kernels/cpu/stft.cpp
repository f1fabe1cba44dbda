#include "kernels/stft.h"

#include <algorithm>
#include <cstring>

#include "base/error.h"
#include "kernels/cpu/lane_kernels.h"

namespace sj {

float* StftWorkspace::fullWindow(int64_t nFft) {
  window_.reserve(nFft);
  return window_.data();
}

void StftWorkspace::reserve(int threads, int64_t floats) {
  if (static_cast<int>(scratch_.size()) < threads) scratch_.resize(threads);
  for (int t = 0; t < threads; ++t) scratch_[t].reserve(floats);
}

namespace {

constexpr int kMaxLanes = 16;

// Windowed frames of lanes [0, valid) into the FFT input z [h][w] (packed for even nFft); unused
// lanes read `zeros`. Frames that reach past either end of x are first copied with reflection
// into `edge` (w * nFft floats). `window` is the full-frame window: nFft floats, zeros around a
// short one. Rows whose samples all lie inside the window go through the lane kernel in blocks of
// w rows; the others (window edges, odd nFft) element by element.
void gatherFrames(const StftShape& s, const FftPlan& plan, const frontend_lanes::Kernels& k, const float* x, const float* window,
                  int64_t firstFrame, int valid, float* zr, float* zi, float* edge, const float* zeros) {
  const int w = k.lanes;
  const int64_t h = plan.complexLength(), off = s.windowOffset(), end = off + s.winLength;
  const float* src[kMaxLanes];  // src[v][i] = frame sample i of lane v (read for i in [off, end) only)
  for (int v = 0; v < w; ++v) {
    const int64_t start = (firstFrame + v) * s.hop - s.pad();  // x index of the frame's first sample
    if (v >= valid) {
      src[v] = zeros;
    } else if (start >= 0 && start + s.nFft <= s.samples) {
      src[v] = x + start;
    } else {
      float* e = edge + v * s.nFft;
      for (int64_t i = off; i < end; ++i) e[i] = x[reflectIndex(start + i, s.samples)];
      src[v] = e;
    }
  }
  const int64_t step = plan.packed() ? 2 : 1;
  auto rowsOneByOne = [&](int64_t r0, int64_t r1) {
    for (int64_t row = r0; row < r1; ++row)
      for (int64_t part = 0; part < step; ++part) {
        float* out = (part ? zi : zr) + row * w;
        const int64_t i = step * row + part;
        if (i < off || i >= end) {
          for (int v = 0; v < w; ++v) out[v] = 0.f;
        } else {
          for (int v = 0; v < w; ++v) out[v] = src[v][i] * window[i];
        }
      }
  };
  if (!plan.packed()) {
    rowsOneByOne(0, h);
    std::memset(zi, 0, sizeof(float) * h * w);
    return;
  }
  const int64_t inside = (off + 1) / 2, insideEnd = std::max(inside, end / 2);  // rows with both samples in the window
  const int64_t blocked = (insideEnd - inside) / w * w;
  rowsOneByOne(0, inside);
  k.windowRows(src, window, inside, blocked, zr, zi);
  rowsOneByOne(inside + blocked, h);
}

}  // namespace

void stftForward(ThreadPool& pool, const StftShape& s, const float* x, const float* windowTaps, float* y, StftWorkspace& ws) {
  const FftPlan& plan = ws.plan();
  if (plan.size() != s.nFft) fail(ErrorCode::Internal, "stft: workspace planned for nFft ", plan.size(), ", shape has ", s.nFft);
  const frontend_lanes::Kernels& k = frontend_lanes::active();
  const int w = k.lanes;
  const int64_t frames = s.frames(), bins = s.bins(), h = plan.complexLength();
  const int64_t groups = (frames + w - 1) / w;
  const int tasks = static_cast<int>(std::min<int64_t>(pool.size(), groups));
  const int64_t zSize = h * w, xSize = bins * w;
  if (w > kMaxLanes) fail(ErrorCode::Internal, "stft: ", w, " lanes, at most ", kMaxLanes, " supported");
  ws.reserve(tasks, 4 * zSize + 2 * xSize + (w + 1) * s.nFft);
  float* window = ws.fullWindow(s.nFft);
  std::fill(window, window + s.nFft, 0.f);
  std::copy(windowTaps, windowTaps + s.winLength, window + s.windowOffset());
  pool.run(tasks, [&](int t) {
    float* zr = ws.scratch(t);
    float *zi = zr + zSize, *wr = zi + zSize, *wi = wr + zSize, *xr = wi + zSize, *xi = xr + xSize, *edge = xi + xSize;
    float* zeros = edge + w * s.nFft;
    std::memset(zeros, 0, sizeof(float) * s.nFft);
    for (int64_t g = groups * t / tasks; g < groups * (t + 1) / tasks; ++g) {
      const int64_t f0 = g * w;
      const int valid = static_cast<int>(std::min<int64_t>(w, frames - f0));
      gatherFrames(s, plan, k, x, window, f0, valid, zr, zi, edge, zeros);
      k.realFft(plan, zr, zi, wr, wi, xr, xi);
      k.magnitude(xr, xi, bins, s.power, y + f0, frames, valid);
    }
  });
}

}  // namespace sj
