#include "kernels/reduce.h"

#include <algorithm>
#include <vector>

namespace sj {
namespace {

// Work in ranges of at least this many input elements per thread.
constexpr int64_t kGrain = 1 << 14;

// The offsets of an output's values relative to its first: the same for every output.
std::vector<int64_t> offsetsWithin(const ReduceShape& s) {
  std::vector<int64_t> within(static_cast<size_t>(s.n()));
  for (int64_t r = 0; r < s.n(); ++r) within[static_cast<size_t>(r)] = reduceOffset(s, 0, r);
  return within;
}

}  // namespace

void reduceForward(ThreadPool& pool, const ReduceShape& s, const float* x, float* y) {
  const int64_t n = s.n();
  const std::vector<int64_t> within = offsetsWithin(s);
  const double scale = 1.0 / static_cast<double>(n);
  pool.parallelFor(s.outputs(), std::max<int64_t>(1, kGrain / n), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const float* xo = x + reduceOffset(s, o, 0);
      if (s.op == ReduceOp::Max) {
        float top = xo[within[0]];
        for (int64_t r = 1; r < n; ++r) top = std::max(top, xo[within[static_cast<size_t>(r)]]);
        y[o] = top;
        continue;
      }
      double acc = 0.0;
      for (int64_t r = 0; r < n; ++r) acc += xo[within[static_cast<size_t>(r)]];
      y[o] = static_cast<float>(s.op == ReduceOp::Mean ? acc * scale : acc);
    }
  });
}

void reduceBackwardInput(ThreadPool& pool, const ReduceShape& s, const float* x, const float* dy, float* dx) {
  const int64_t n = s.n();
  const std::vector<int64_t> within = offsetsWithin(s);
  const double scale = 1.0 / static_cast<double>(n);
  // Each output writes its own n input elements, so no two threads write one element.
  pool.parallelFor(s.outputs(), std::max<int64_t>(1, kGrain / n), [&](int64_t begin, int64_t end) {
    for (int64_t o = begin; o < end; ++o) {
      const int64_t base = reduceOffset(s, o, 0);
      if (s.op == ReduceOp::Max) {
        int64_t best = 0;
        float top = x[base + within[0]];
        for (int64_t r = 1; r < n; ++r) {
          const float v = x[base + within[static_cast<size_t>(r)]];
          if (v > top) top = v, best = r;
        }
        for (int64_t r = 0; r < n; ++r) dx[base + within[static_cast<size_t>(r)]] = r == best ? dy[o] : 0.f;
        continue;
      }
      const float g = static_cast<float>(s.op == ReduceOp::Mean ? dy[o] * scale : dy[o]);
      for (int64_t r = 0; r < n; ++r) dx[base + within[static_cast<size_t>(r)]] = g;
    }
  });
}

}  // namespace sj
