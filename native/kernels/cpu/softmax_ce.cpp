#include "kernels/softmax_ce.h"

#include <algorithm>
#include <vector>

namespace sj {
namespace {

constexpr int64_t kRowsPerBlock = 256;

}  // namespace

void softmaxCeForward(ThreadPool& pool, const SoftmaxCeShape& s, const float* x, const float* t, float* loss) {
  const int64_t C = s.classes, blocks = (s.rows + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<double> partial(static_cast<size_t>(blocks), 0.0);
  pool.parallelFor(blocks, 1, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      double sum = 0.0;
      for (int64_t r = b * kRowsPerBlock; r < std::min(s.rows, (b + 1) * kRowsPerBlock); ++r) sum += softmaxCeRowLoss(C, x + r * C, t + r * C);
      partial[static_cast<size_t>(b)] = sum;
    }
  });
  double total = 0.0;
  for (double p : partial) total += p;
  loss[0] = static_cast<float>(total / static_cast<double>(s.rows));
}

void softmaxCeBackwardInput(ThreadPool& pool, const SoftmaxCeShape& s, const float* x, const float* t, const float* g, float* dx) {
  const int64_t C = s.classes;
  const float scale = g[0] / static_cast<float>(s.rows);
  pool.parallelFor(s.rows, kRowsPerBlock, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) softmaxCeRowGradient(C, x + r * C, t + r * C, scale, dx + r * C);
  });
}

}  // namespace sj
