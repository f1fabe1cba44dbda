// The loop behind measureFmaPeak, compiled once per instruction set. CHAINS independent
// accumulators cover FMA latency x pipes (4 cycles x 2 pipes on current x86 cores).
#pragma once
#include <cstdint>
#include <cstring>

namespace sj::peak_detail {

template <int W, int CHAINS>
int64_t fmaChains(int64_t iterations, float* sink) {
  typedef float V __attribute__((vector_size(W * 4)));
  // Read through volatiles so the compiler cannot fold the chains into constants.
  volatile float start = 1.0f, scale = 0.9999999f, offset = 1e-7f;
  V acc[CHAINS];
  for (int c = 0; c < CHAINS; ++c) acc[c] = V{} + (start + 0.001f * c);
  const V m = V{} + scale, a = V{} + offset;
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int c = 0; c < CHAINS; ++c) acc[c] = acc[c] * m + a;
  }
  V total = V{};
  for (int c = 0; c < CHAINS; ++c) total += acc[c];
  float out[W];
  std::memcpy(out, &total, sizeof(out));
  *sink = out[0];
  return iterations * CHAINS * W * 2;
}

}  // namespace sj::peak_detail
