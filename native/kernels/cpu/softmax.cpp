#include "kernels/softmax.h"

#include <algorithm>
#include <cmath>

namespace sj {

// Work is split by whole rows (inner == 1) or by blocks of up to kColumns neighbouring rows that
// share an outer index (inner > 1, so the loops over those columns are unit-stride and vectorise).
// A reduction over n never spans two tasks, so results do not depend on the thread count.
namespace {

constexpr int64_t kColumns = 64;

struct Blocks {
  int64_t perOuter, count, grain;
  Blocks(const SoftmaxShape& s) {
    perOuter = (s.inner + kColumns - 1) / kColumns;
    count = s.outer * perOuter;
    grain = std::max<int64_t>(1, 16384 / (s.n * std::min(s.inner, kColumns)));
  }
};

void forwardRow(int64_t n, const float* x, float* y) {
  float top = x[0];
  for (int64_t j = 1; j < n; ++j) top = std::max(top, x[j]);
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const float e = std::exp(x[j] - top);
    y[j] = e;
    sum += e;
  }
  const float r = static_cast<float>(1.0 / sum);
  for (int64_t j = 0; j < n; ++j) y[j] *= r;
}

void forwardColumns(int64_t n, int64_t stride, int64_t width, const float* x, float* y) {
  float top[kColumns], r[kColumns];
  double sum[kColumns];
  for (int64_t i = 0; i < width; ++i) top[i] = x[i];
  for (int64_t j = 1; j < n; ++j) {
    const float* xr = x + j * stride;
    for (int64_t i = 0; i < width; ++i) top[i] = std::max(top[i], xr[i]);
  }
  for (int64_t i = 0; i < width; ++i) sum[i] = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const float* xr = x + j * stride;
    float* yr = y + j * stride;
    for (int64_t i = 0; i < width; ++i) {
      yr[i] = std::exp(xr[i] - top[i]);
      sum[i] += yr[i];
    }
  }
  for (int64_t i = 0; i < width; ++i) r[i] = static_cast<float>(1.0 / sum[i]);
  for (int64_t j = 0; j < n; ++j) {
    float* yr = y + j * stride;
    for (int64_t i = 0; i < width; ++i) yr[i] *= r[i];
  }
}

// dy is read in full before dx is written, so dx may alias dy. dy - dot is formed in double: when
// one probability is near 1, dot nearly equals that row's dy and the gradients are tiny
// differences that a float dot product would round away.
void backwardRow(int64_t n, const float* y, const float* dy, float* dx) {
  double dot = 0.0;
  for (int64_t j = 0; j < n; ++j) dot += static_cast<double>(dy[j]) * y[j];
  for (int64_t j = 0; j < n; ++j) dx[j] = static_cast<float>(y[j] * (dy[j] - dot));
}

void backwardColumns(int64_t n, int64_t stride, int64_t width, const float* y, const float* dy, float* dx) {
  double dot[kColumns];
  for (int64_t i = 0; i < width; ++i) dot[i] = 0.0;
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < width; ++i) dot[i] += static_cast<double>(dy[j * stride + i]) * y[j * stride + i];
  for (int64_t j = 0; j < n; ++j)
    for (int64_t i = 0; i < width; ++i) dx[j * stride + i] = static_cast<float>(y[j * stride + i] * (dy[j * stride + i] - dot[i]));
}

}  // namespace

void softmaxForward(ThreadPool& pool, const SoftmaxShape& s, const float* x, float* y) {
  const Blocks b(s);
  pool.parallelFor(b.count, b.grain, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / b.perOuter, i0 = (u % b.perOuter) * kColumns;
      const int64_t offset = o * s.n * s.inner + i0;
      if (s.inner == 1) {
        forwardRow(s.n, x + offset, y + offset);
      } else {
        forwardColumns(s.n, s.inner, std::min(kColumns, s.inner - i0), x + offset, y + offset);
      }
    }
  });
}

void softmaxBackwardInput(ThreadPool& pool, const SoftmaxShape& s, const float* y, const float* dy, float* dx) {
  const Blocks b(s);
  pool.parallelFor(b.count, b.grain, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      const int64_t o = u / b.perOuter, i0 = (u % b.perOuter) * kColumns;
      const int64_t offset = o * s.n * s.inner + i0;
      if (s.inner == 1) {
        backwardRow(s.n, y + offset, dy + offset, dx + offset);
      } else {
        backwardColumns(s.n, s.inner, std::min(kColumns, s.inner - i0), y + offset, dy + offset, dx + offset);
      }
    }
  });
}

// One row (o, i) per task step, strided by inner: the sum of the exps and its log in double.
void logSoftmaxForward(ThreadPool& pool, const SoftmaxShape& s, const float* x, float* y) {
  pool.parallelFor(s.rows(), std::max<int64_t>(1, 16384 / s.n), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t offset = (row / s.inner) * s.n * s.inner + row % s.inner;
      const float* xr = x + offset;
      float* yr = y + offset;
      float top = xr[0];
      for (int64_t j = 1; j < s.n; ++j) top = std::max(top, xr[j * s.inner]);
      double sum = 0.0;
      for (int64_t j = 0; j < s.n; ++j) sum += std::exp(xr[j * s.inner] - top);
      const double l = std::log(sum);
      for (int64_t j = 0; j < s.n; ++j) yr[j * s.inner] = static_cast<float>((xr[j * s.inner] - top) - l);
    }
  });
}

// dy is read in full (its sum) before dx is written, and each element once after, so dx may alias dy.
void logSoftmaxBackwardInput(ThreadPool& pool, const SoftmaxShape& s, const float* y, const float* dy, float* dx) {
  pool.parallelFor(s.rows(), std::max<int64_t>(1, 16384 / s.n), [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t offset = (row / s.inner) * s.n * s.inner + row % s.inner;
      double total = 0.0;
      for (int64_t j = 0; j < s.n; ++j) total += dy[offset + j * s.inner];
      for (int64_t j = 0; j < s.n; ++j) {
        const int64_t k = offset + j * s.inner;
        dx[k] = static_cast<float>(dy[k] - std::exp(y[k]) * total);
      }
    }
  });
}

}  // namespace sj
