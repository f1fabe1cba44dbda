#include "kernels/layernorm.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "kernels/cpu/lane_sum.h"

namespace sj {

namespace {

// Work in ranges of at least this many values per thread.
constexpr int64_t kGrain = 1 << 14;

int64_t rowGrain(int64_t cols) { return std::max<int64_t>(1, kGrain / cols); }

}  // namespace

// One row per item: its statistics in double (LaneSum, two passes), then the normalised row.
void layernormForward(ThreadPool& pool, const LayerNormShape& s, const float* x, const float* weight, const float* bias, float* mean,
                      float* rstd, float* y) {
  const int64_t D = s.cols;
  pool.parallelFor(s.rows, rowGrain(D), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* xr = x + r * D;
      LaneSum sum;
      sum.add(D, [xr](int64_t d) { return static_cast<double>(xr[d]); });
      const double mu = sum.total() / static_cast<double>(D);
      LaneSum squares;
      squares.add(D, [xr, mu](int64_t d) {
        const double dev = static_cast<double>(xr[d]) - mu;
        return dev * dev;
      });
      const float m = static_cast<float>(mu);
      const float rs = static_cast<float>(1.0 / std::sqrt(squares.total() / static_cast<double>(D) + s.eps));
      mean[r] = m;
      rstd[r] = rs;
      float* yr = y + r * D;
      if (s.affine) {
        for (int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - m) * rs * weight[d] + bias[d];
      } else {
        for (int64_t d = 0; d < D; ++d) yr[d] = (xr[d] - m) * rs;
      }
    }
  });
}

void layernormBackwardInput(ThreadPool& pool, const LayerNormShape& s, const float* dy, const float* x, const float* weight, const float* mean,
                            const float* rstd, float* dx) {
  const int64_t D = s.cols;
  pool.parallelFor(s.rows, rowGrain(D), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* g = dy + r * D;
      const float* xr = x + r * D;
      const float m = mean[r], rs = rstd[r];
      auto gAt = [&](int64_t d) { return s.affine ? static_cast<double>(g[d]) * weight[d] : static_cast<double>(g[d]); };
      LaneSum sumG, sumGXhat;
      sumG.add(D, gAt);
      sumGXhat.add(D, [&](int64_t d) { return gAt(d) * ((static_cast<double>(xr[d]) - m) * rs); });
      const float meanG = static_cast<float>(sumG.total() / static_cast<double>(D));
      const float meanGXhat = static_cast<float>(sumGXhat.total() / static_cast<double>(D));
      float* out = dx + r * D;
      if (s.affine) {
        for (int64_t d = 0; d < D; ++d) out[d] = (g[d] * weight[d] - meanG - (xr[d] - m) * rs * meanGXhat) * rs;
      } else {
        for (int64_t d = 0; d < D; ++d) out[d] = (g[d] - meanG - (xr[d] - m) * rs * meanGXhat) * rs;
      }
    }
  });
}

namespace {

// out[d] = sum over rows of term(r, r * D + d), in double, rows in order: each task owns a range of
// columns and sweeps every row over it (contiguous, so the inner loop vectorises); a column's sum
// never depends on the thread count.
template <class Term>
void sumColumns(ThreadPool& pool, const LayerNormShape& s, const Term& term, float* out) {
  const int64_t D = s.cols;
  pool.parallelFor(D, std::max<int64_t>(16, kGrain / std::max<int64_t>(1, s.rows)), [&](int64_t begin, int64_t end) {
    std::vector<double> acc(static_cast<size_t>(end - begin), 0.0);
    for (int64_t r = 0; r < s.rows; ++r)
      for (int64_t d = begin; d < end; ++d) acc[d - begin] += term(r, r * D + d);
    for (int64_t d = begin; d < end; ++d) out[d] = static_cast<float>(acc[d - begin]);
  });
}

}  // namespace

void layernormBackwardWeight(ThreadPool& pool, const LayerNormShape& s, const float* dy, const float* x, const float* mean, const float* rstd,
                             float* dweight) {
  sumColumns(
      pool, s,
      [dy, x, mean, rstd](int64_t r, int64_t at) {
        return static_cast<double>(dy[at]) * ((static_cast<double>(x[at]) - mean[r]) * rstd[r]);
      },
      dweight);
}

void layernormBackwardBias(ThreadPool& pool, const LayerNormShape& s, const float* dy, float* dbias) {
  sumColumns(pool, s, [dy](int64_t, int64_t at) { return static_cast<double>(dy[at]); }, dbias);
}

}  // namespace sj
