// The single-channel direct convolution's rows (conv2d_single_channel.h), for a vector type V of
// W floats. CO output channels share every input vector load; CH vectors of each channel are in
// flight at once so that the FMA chains hide their latency. Included by one file per instruction
// set, which picks V, CO and CH to fit its register file (weights CO x 9 + accumulators CO x CH).
#pragma once
#include <algorithm>

#include "kernels/cpu/conv2d_single_channel.h"
#include "kernels/cpu/lane_math.h"

namespace sj::single_channel_detail {

// `count` floats of v to p (all of them when count >= the lanes), or from p with zeros after them.
template <class V>
inline void storeLanes(float* p, const V& v, int64_t count) {
  if (count >= lane_math::laneCount<V>()) {
    lane_math::store(p, v);
  } else if (count > 0) {
    lane_math::storePartial(p, v, count);
  }
}
template <class V>
inline V loadLanes(const float* p, int64_t count) {
  if (count >= lane_math::laneCount<V>()) return lane_math::load<V>(p);
  return count > 0 ? lane_math::loadPartial<V>(p, count) : V{};
}

template <class V, int CO, int CH>
void forwardRow(const Conv2dShape& s, const PaddedRows& rows, const float* w, const float* b, float* y, int64_t channelStride) {
  constexpr int W = sizeof(V) / sizeof(float);
  const int64_t wo = s.wo();
  for (int64_t co = 0; co < s.cout; co += CO) {
    const int count = static_cast<int>(std::min<int64_t>(CO, s.cout - co));
    // Fully unrolled (the pragmas), so that the weights and accumulators stay in registers.
    V wv[CO][9];
    float bias[CO];
#pragma GCC unroll 4
    for (int c = 0; c < CO; ++c) {
      bias[c] = c < count && b ? b[co + c] : 0.f;
#pragma GCC unroll 9
      for (int t = 0; t < 9; ++t) wv[c][t] = V{} + (c < count ? w[(co + c) * 9 + t] : 0.f);
    }
    for (int64_t ox = 0; ox < wo; ox += W * CH) {
      V acc[CO][CH];
#pragma GCC unroll 4
      for (int c = 0; c < CO; ++c)
#pragma GCC unroll 8
        for (int q = 0; q < CH; ++q) acc[c][q] = V{} + bias[c];
#pragma GCC unroll 9
      for (int t = 0; t < 9; ++t) {
        const float* in = rows.row[t / 3] + ox + t % 3;
#pragma GCC unroll 8
        for (int q = 0; q < CH; ++q) {
          const V xv = lane_math::load<V>(in + q * W);
#pragma GCC unroll 4
          for (int c = 0; c < CO; ++c) acc[c][q] += wv[c][t] * xv;
        }
      }
      if (ox + W * CH <= wo && count == CO) {
#pragma GCC unroll 4
        for (int c = 0; c < CO; ++c)
#pragma GCC unroll 8
          for (int q = 0; q < CH; ++q) lane_math::store(y + (co + c) * channelStride + ox + q * W, acc[c][q]);
        continue;
      }
      for (int c = 0; c < count; ++c)
        for (int q = 0; q < CH; ++q) storeLanes(y + (co + c) * channelStride + ox + q * W, acc[c][q], wo - ox - q * W);
    }
  }
}

template <class V, int CO>
void weightRow(const Conv2dShape& s, const PaddedRows& rows, const float* dy, int64_t channelStride, int count, float* acc) {
  constexpr int W = sizeof(V) / sizeof(float);
  const int64_t wo = s.wo();
  V a[CO][9];
#pragma GCC unroll 4
  for (int c = 0; c < CO; ++c)
#pragma GCC unroll 9
    for (int t = 0; t < 9; ++t) a[c][t] = lane_math::load<V>(acc + (c * 9 + t) * W);
  for (int64_t ox = 0; ox < wo; ox += W) {
    V g[CO];
#pragma GCC unroll 4
    for (int c = 0; c < CO; ++c) g[c] = c < count ? loadLanes<V>(dy + c * channelStride + ox, wo - ox) : V{};
#pragma GCC unroll 9
    for (int t = 0; t < 9; ++t) {
      const V xv = lane_math::load<V>(rows.row[t / 3] + ox + t % 3);
#pragma GCC unroll 4
      for (int c = 0; c < CO; ++c) a[c][t] += g[c] * xv;
    }
  }
#pragma GCC unroll 4
  for (int c = 0; c < CO; ++c)
#pragma GCC unroll 9
    for (int t = 0; t < 9; ++t) lane_math::store(acc + (c * 9 + t) * W, a[c][t]);
}

template <class V, int CO, int CH, int WEIGHT_CO>
Kernels kernelsFor() {
  return {static_cast<int>(sizeof(V) / sizeof(float)), CH, WEIGHT_CO, &forwardRow<V, CO, CH>, &weightRow<V, WEIGHT_CO>};
}

}  // namespace sj::single_channel_detail
