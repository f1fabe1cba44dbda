// Element counts that cannot wrap. A shape's product is computed with overflow checks and held
// under kMaxElements, so every later product of a count with a small factor (bytes, a batch of
// bounded size, a layer's saved gates) stays exact in 64 bits.
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

namespace sj {

// 2^45 floats: 128 TiB, the user half of a 48-bit virtual address space (x86-64, AArch64). A
// tensor past it cannot be addressed, let alone allocated.
constexpr int64_t kMaxElements = int64_t{1} << 45;

// a * b when both are >= 0 and the product is at most `limit`; nullopt otherwise.
inline std::optional<int64_t> productWithin(int64_t a, int64_t b, int64_t limit = kMaxElements) {
  int64_t out = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &out) || out > limit) return std::nullopt;
  return out;
}

// The product of dims when every dim is >= 0 and every partial product is at most `limit`.
inline std::optional<int64_t> elementsWithin(const std::vector<int64_t>& dims, int64_t limit = kMaxElements) {
  int64_t n = 1;
  for (int64_t d : dims) {
    const std::optional<int64_t> next = productWithin(n, d, limit);
    if (!next) return std::nullopt;
    n = *next;
  }
  return n;
}

}  // namespace sj
