#include "kernels/lstm.h"

#include <algorithm>
#include <vector>

#include "kernels/cpu/gemm.h"

// The matrix products run on the shared GEMM; the gate equations are scalar loops over a row of
// hidden units (the GEMMs dominate: 4H*(I + H) MACs per row against some 20H gate operations).

namespace sj {
namespace {

// Rows per task of the element-wise stages: enough hidden units that a task outweighs the pool's
// hand-off, so short steps run on the calling thread.
int64_t rowGrain(int64_t hidden) { return std::max<int64_t>(1, 16384 / hidden); }

}  // namespace

void lstmForward(ThreadPool& pool, const LstmShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                 const float* bhh, float* y, float* state) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H, N = s.n, T = s.t;
  const int64_t stateRow = D * 5 * H;  // stride of one (n, t) in state
  // W_ih x for every step and direction at once: state[n][t][d][0:4H] = x[n][t] . wih[d]^T.
  const MutableMatrixView gi{state, N * T, D * G, Axis{stateRow}, Axis{1, G, 5 * H}};
  gemmBestOrientation(pool, rowMajor(x, N * T, I), rowMajor(wih, D * G, I).transposed(), gi, Accumulate::Overwrite);

  std::vector<float> gh(static_cast<size_t>(D * N * G));  // W_hh h_prev of one step: [D][N][4H]
  // whh^T [D][H][4H], transposed once so that the per-step GEMM packs contiguous rows.
  std::vector<float> whhT(static_cast<size_t>(T > 1 ? D * G * H : 0));
  if (T > 1)
    pool.parallelFor(D * H, 16, [&](int64_t begin, int64_t end) {
      for (int64_t dk = begin; dk < end; ++dk) {
        const int64_t d = dk / H, k = dk % H;
        for (int64_t j = 0; j < G; ++j) whhT[(d * H + k) * G + j] = whh[(d * G + j) * H + k];
      }
    });
  for (int64_t step = 0; step < T; ++step) {
    if (step > 0)
      for (int64_t d = 0; d < D; ++d) {
        const MatrixView hPrev{y + s.timeAt(d, step - 1) * D * H + d * H, N, H, Axis{T * D * H}, Axis{1}};
        const MatrixView wT = rowMajor<const float*>(whhT.data() + d * H * G, H, G);
        gemmBestOrientation(pool, hPrev, wT, rowMajor(gh.data() + d * N * G, N, G), Accumulate::Overwrite);
      }
    pool.parallelFor(D * N, rowGrain(H), [&](int64_t begin, int64_t end) {
      for (int64_t dn = begin; dn < end; ++dn) {
        const int64_t d = dn / N, n = dn % N, t = s.timeAt(d, step);
        float* st = state + (n * T + t) * stateRow + d * 5 * H;
        const float* hh = step > 0 ? gh.data() + (d * N + n) * G : nullptr;
        const float* cPrev = step > 0 ? state + (n * T + s.timeAt(d, step - 1)) * stateRow + d * 5 * H + 4 * H : nullptr;
        const float* bi = s.bias ? bih + d * G : nullptr;
        const float* bh = s.bias ? bhh + d * G : nullptr;
        float* h = y + (n * T + t) * D * H + d * H;
        auto pre = [&](int64_t j) { return st[j] + (bi ? bi[j] : 0.f) + ((hh ? hh[j] : 0.f) + (bh ? bh[j] : 0.f)); };
        for (int64_t j = 0; j < H; ++j) {
          const float ig = sigmoidOf(pre(j)), fg = sigmoidOf(pre(H + j)), gt = tanh(pre(2 * H + j)), og = sigmoidOf(pre(3 * H + j));
          const float c = cPrev ? fg * cPrev[j] + ig * gt : ig * gt;
          st[j] = ig, st[H + j] = fg, st[2 * H + j] = gt, st[3 * H + j] = og, st[4 * H + j] = c;
          h[j] = og * tanh(c);
        }
      }
    });
  }
}

void lstmBackwardInput(ThreadPool& pool, const LstmShape& s, const float* dy, const float* state, const float* wih, const float* whh,
                       float* gateGrads, float* dx) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H, N = s.n, T = s.t;
  const int64_t stateRow = D * 5 * H, gradRow = D * G;
  std::vector<float> carryH(static_cast<size_t>(D * N * H), 0.f), carryC(static_cast<size_t>(D * N * H), 0.f);  // [D][N][H]
  for (int64_t step = T - 1; step >= 0; --step) {
    const bool last = step == T - 1, first = step == 0;
    pool.parallelFor(D * N, rowGrain(H), [&](int64_t begin, int64_t end) {
      for (int64_t dn = begin; dn < end; ++dn) {
        const int64_t d = dn / N, n = dn % N, t = s.timeAt(d, step);
        const float* st = state + (n * T + t) * stateRow + d * 5 * H;
        const float* cPrev = first ? nullptr : state + (n * T + s.timeAt(d, step - 1)) * stateRow + d * 5 * H + 4 * H;
        const float* dyt = dy + (n * T + t) * D * H + d * H;
        float* ch = carryH.data() + (d * N + n) * H;
        float* cc = carryC.data() + (d * N + n) * H;
        float* gg = gateGrads + (n * T + t) * gradRow + d * G;
        for (int64_t j = 0; j < H; ++j) cc[j] = lstmGateGradients<HostMath>(st, H, j, last ? dyt[j] : dyt[j] + ch[j], cc[j], last, first, cPrev, gg);
      }
    });
    if (first) break;
    // carryH[d] = [da_i, da_f, da_g, da_o] . whh[d]
    for (int64_t d = 0; d < D; ++d) {
      const MatrixView dg{gateGrads + s.timeAt(d, step) * gradRow + d * G, N, G, Axis{T * gradRow}, Axis{1}};
      gemmBestOrientation(pool, dg, rowMajor(whh + d * G * H, G, H), rowMajor(carryH.data() + d * N * H, N, H), Accumulate::Overwrite);
    }
  }
  if (!s.inputGradient) return;
  // dx[n][t] = sum over d of da[n][t][d] . wih[d]: one GEMM over all steps and both directions.
  gemmBestOrientation(pool, rowMajor<const float*>(gateGrads, N * T, D * G), rowMajor(wih, D * G, I), rowMajor(dx, N * T, I), Accumulate::Overwrite);
}

void lstmBackwardWeight(ThreadPool& pool, const LstmShape& s, const float* gateGrads, const float* x, const float* y, float* dwih,
                        float* dwhh) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 4 * H, N = s.n, T = s.t;
  const int64_t gradRow = D * G;
  // dwih [D*4H][I] = da^T [D*4H][N*T] . x [N*T][I]
  gemm(pool, rowMajor(gateGrads, N * T, D * G).transposed(), rowMajor(x, N * T, I), rowMajor(dwih, D * G, I), Accumulate::Overwrite);
  if (T == 1) {
    std::fill(dwhh, dwhh + s.hiddenWeightSize(), 0.f);
    return;
  }
  // dwhh[d] [4H][H] = da^T [4H][N*(T-1)] . h_prev [N*(T-1)][H], over the steps that have a
  // previous state: (n, t = 1..T-1) with h_prev = y[n][t-1] forwards, (n, t = 0..T-2) with
  // h_prev = y[n][t+1] in reverse. Blocked axes walk those steps without copies.
  for (int64_t d = 0; d < D; ++d) {
    const float* g0 = gateGrads + (d == 0 ? gradRow : 0) + d * G;
    const float* h0 = y + (d == 0 ? 0 : D * H) + d * H;
    const MatrixView dg{g0, N * (T - 1), G, Axis{gradRow, T - 1, T * gradRow}, Axis{1}};
    const MatrixView hPrev{h0, N * (T - 1), H, Axis{D * H, T - 1, T * D * H}, Axis{1}};
    gemm(pool, dg.transposed(), hPrev, rowMajor(dwhh + d * G * H, G, H), Accumulate::Overwrite);
  }
}

void lstmBackwardBias(ThreadPool& pool, const LstmShape& s, const float* gateGrads, float* dbih, float* dbhh) {
  const int64_t rows = s.n * s.t, width = s.directions() * 4 * s.hidden;
  // Column sums of gateGrads [N*T][D*4H], in double, each column summed by one task in row order.
  pool.parallelFor(width, 64, [&](int64_t begin, int64_t end) {
    std::vector<double> acc(static_cast<size_t>(end - begin), 0.0);
    for (int64_t row = 0; row < rows; ++row) {
      const float* g = gateGrads + row * width;
      for (int64_t col = begin; col < end; ++col) acc[col - begin] += g[col];
    }
    for (int64_t col = begin; col < end; ++col) dbih[col] = dbhh[col] = static_cast<float>(acc[col - begin]);
  });
}

}  // namespace sj
