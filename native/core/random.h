// Counter-based random numbers: the value for (seed, index) is a pure function of the two, so a
// tensor filled in parallel is the same for any thread count, any split, and any run with the same
// seed. Used by dropout masks and weight initialisation.
//
// counterHash(seed, i) is element i of the SplitMix64 stream (Steele, Lea & Flood 2014) whose state
// starts at mix64(seed): consecutive indices walk the stream by the golden-ratio increment and the
// seed is scrambled first, so nearby seeds (layer, step) give unrelated streams.
#pragma once
#include <cstdint>

namespace sj {

// The SplitMix64 output function (Stafford's Mix13): a bijection of 64-bit integers with full
// avalanche.
constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

constexpr uint64_t kSplitMixGamma = 0x9E3779B97F4A7C15ull;

constexpr uint64_t counterHash(uint64_t seed, uint64_t index) { return mix64(mix64(seed) + (index + 1) * kSplitMixGamma); }

// The top 24 bits of the hash as a float in [0, 1): a multiple of 2^-24, exact in float and double.
constexpr int kUniformBits = 24;
constexpr float uniformFloat(uint64_t seed, uint64_t index) {
  return static_cast<float>(counterHash(seed, index) >> (64 - kUniformBits)) * (1.0f / (1u << kUniformBits));
}

}  // namespace sj
