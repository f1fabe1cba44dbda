#include "kernels/gru.h"

#include <algorithm>
#include <vector>

#include "core/cpu_isa.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gru_elementwise.h"

namespace sj {

namespace gru_detail {
RowKernels rowKernelsGeneric() { return Lanes<4>::kernels(); }
}  // namespace gru_detail

namespace {

using gru_detail::RowKernels;

const RowKernels& rowKernels() {
  static const RowKernels kernels =
      forActiveIsa<RowKernels>(SJ_ISA_BUILDS(&gru_detail::rowKernelsGeneric, &gru_detail::rowKernelsAvx2, &gru_detail::rowKernelsAvx512));
  return kernels;
}

// Rows per task of the element-wise stages: enough hidden units that a task outweighs the pool's
// hand-off, so short steps run on the calling thread.
int64_t rowGrain(int64_t hidden) { return std::max<int64_t>(1, 16384 / hidden); }

// Runs recur(pool, d0, d1) over the steps of every direction. The directions of a bidirectional
// GRU are independent: when one step is small (a few hundred thousand multiply-adds, the DCASE
// CRNN's 8 x 128 -> 384), handing each step's work to the pool's threads costs more than it saves,
// so each direction runs all its steps on one thread instead. The arithmetic is the same either
// way (the GEMM's results do not depend on the thread count).
template <class Recur>
void byDirection(ThreadPool& pool, const GruShape& s, const Recur& recur) {
  const int64_t D = s.directions(), stepMacs = s.n * s.hidden * 3 * s.hidden;
  if (D > 1 && pool.size() > 1 && stepMacs < (1 << 20)) {
    pool.run(static_cast<int>(D), [&](int d) {
      ThreadPool one(1);
      recur(one, d, d + 1);
    });
    return;
  }
  recur(pool, 0, D);
}

}  // namespace

void gruForward(ThreadPool& pool, const GruShape& s, const float* x, const float* wih, const float* whh, const float* bih,
                const float* bhh, float* y, float* gates) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t;
  const int64_t gateRow = D * 4 * H;  // stride of one (n, t) in gates
  // W_ih x for every step and direction at once: gates[n][t][d][0:3H] = x[n][t] . wih[d]^T.
  const MutableMatrixView gi{gates, N * T, D * G, Axis{gateRow}, Axis{1, G, 4 * H}};
  gemmBestOrientation(pool, rowMajor(x, N * T, I), rowMajor(wih, D * G, I).transposed(), gi, Accumulate::Overwrite);

  std::vector<float> gh(static_cast<size_t>(D * N * G));  // W_hh h_prev of one step: [D][N][3H]
  // whh^T [D][H][3H], transposed once so that the per-step GEMM packs contiguous rows: the
  // strided view would be gathered again at every step.
  std::vector<float> whhT(static_cast<size_t>(T > 1 ? D * G * H : 0));
  if (T > 1)
    pool.parallelFor(D * H, 16, [&](int64_t begin, int64_t end) {
      for (int64_t dk = begin; dk < end; ++dk) {
        const int64_t d = dk / H, k = dk % H;
        for (int64_t j = 0; j < G; ++j) whhT[(d * H + k) * G + j] = whh[(d * G + j) * H + k];
      }
    });
  // gh[d][n][rows] = v[n] . whh[d][rows]^T for gate rows [first, first + count): v is h_prev
  // (the rows of y at the previous step) or q (the fourth block of gates at this step).
  auto hiddenProduct = [&](ThreadPool& p, int64_t d, const MatrixView& v, int64_t first, int64_t count) {
    const MatrixView wT{whhT.data() + d * H * G + first, H, count, Axis{G}, Axis{1}};
    gemmBestOrientation(p, v, wT, rowMajor(gh.data() + d * N * G + first, N, count, G), Accumulate::Overwrite);
  };
  auto previousStates = [&](int64_t d, int64_t step) {
    return MatrixView{y + s.timeAt(d, step - 1) * D * H + d * H, N, H, Axis{T * D * H}, Axis{1}};
  };
  const RowKernels& kernels = rowKernels();
  // The steps of directions [d0, d1) on pool p.
  auto recur = [&](ThreadPool& p, int64_t d0, int64_t d1) {
    auto rows = [&](int64_t step, void (*kernel)(const gru_detail::ForwardRow&, int64_t)) {
      p.parallelFor((d1 - d0) * N, rowGrain(H), [&](int64_t begin, int64_t end) {
        for (int64_t dn = begin; dn < end; ++dn) {
          const int64_t d = d0 + dn / N, n = dn % N, t = s.timeAt(d, step);
          gru_detail::ForwardRow row;
          row.gates = gates + (n * T + t) * gateRow + d * 4 * H;
          row.gh = step > 0 ? gh.data() + (d * N + n) * G : nullptr;
          row.bih = s.bias ? bih + d * G : nullptr;
          row.bhh = s.bias ? bhh + d * G : nullptr;
          row.hPrev = step > 0 ? y + (n * T + s.timeAt(d, step - 1)) * D * H + d * H : nullptr;
          row.h = y + (n * T + t) * D * H + d * H;
          kernel(row, H);
        }
      });
    };
    for (int64_t step = 0; step < T; ++step) {
      if (s.linearBeforeReset) {
        if (step > 0)
          for (int64_t d = d0; d < d1; ++d) hiddenProduct(p, d, previousStates(d, step), 0, G);
        rows(step, kernels.forward);
        continue;
      }
      if (step > 0)
        for (int64_t d = d0; d < d1; ++d) hiddenProduct(p, d, previousStates(d, step), 0, 2 * H);
      rows(step, kernels.forwardGates);
      if (step > 0)
        for (int64_t d = d0; d < d1; ++d) {
          const MatrixView q{gates + s.timeAt(d, step) * gateRow + d * 4 * H + 3 * H, N, H, Axis{T * gateRow}, Axis{1}};
          hiddenProduct(p, d, q, 2 * H, H);
        }
      rows(step, kernels.forwardCandidate);
    }
  };
  byDirection(pool, s, recur);
}

void gruBackwardInput(ThreadPool& pool, const GruShape& s, const float* dy, const float* y, const float* gates, const float* wih,
                      const float* whh, float* gateGrads, float* dx) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t;
  const int64_t gateRow = D * 4 * H;
  std::vector<float> carry(static_cast<size_t>(D * N * H), 0.f);  // [D][N][H]
  std::vector<float> dq(static_cast<size_t>(s.linearBeforeReset ? 0 : D * N * H));  // [D][N][H]
  const RowKernels& kernels = rowKernels();
  // A direction's gate gradients at `step`, columns [first, first + count) of its 4H, as [N][count].
  auto stepGradients = [&](int64_t d, int64_t step, int64_t first, int64_t count) {
    return MatrixView{gateGrads + s.timeAt(d, step) * gateRow + d * 4 * H + first, N, count, Axis{T * gateRow}, Axis{1}};
  };
  // The steps of directions [d0, d1) on pool p, last to first.
  auto recur = [&](ThreadPool& p, int64_t d0, int64_t d1) {
    auto rows = [&](int64_t step, void (*kernel)(const gru_detail::BackwardRow&, int64_t)) {
      p.parallelFor((d1 - d0) * N, rowGrain(H), [&](int64_t begin, int64_t end) {
        for (int64_t dn = begin; dn < end; ++dn) {
          const int64_t d = d0 + dn / N, n = dn % N, t = s.timeAt(d, step);
          gru_detail::BackwardRow row;
          row.gates = gates + (n * T + t) * gateRow + d * 4 * H;
          row.dy = dy + (n * T + t) * D * H + d * H;
          row.carry = carry.data() + (d * N + n) * H;
          row.hPrev = step > 0 ? y + (n * T + s.timeAt(d, step - 1)) * D * H + d * H : nullptr;
          row.dq = dq.empty() ? nullptr : dq.data() + (d * N + n) * H;
          row.gateGrads = gateGrads + (n * T + t) * gateRow + d * 4 * H;
          kernel(row, H);
        }
      });
    };
    for (int64_t step = T - 1; step >= 0; --step) {
      if (s.linearBeforeReset) {
        rows(step, kernels.backward);
        if (step == 0) break;
        // carry[d] += [da_r, da_z, da_n * r] . whh[d]: the hidden-side columns 0:2H and 3H:4H.
        for (int64_t d = d0; d < d1; ++d) {
          const MatrixView dgh{gateGrads + s.timeAt(d, step) * gateRow + d * 4 * H, N, G, Axis{T * gateRow}, Axis{1, 2 * H, G}};
          gemmBestOrientation(p, dgh, rowMajor(whh + d * G * H, G, H), rowMajor(carry.data() + d * N * H, N, H), Accumulate::Add);
        }
        continue;
      }
      rows(step, kernels.backwardUpdate);
      if (step == 0) break;
      // dq[d] = da_n . whh[d]'s n rows, then da_r and carry += dq * r, then carry[d] += [da_r, da_z]
      // . whh[d]'s r and z rows.
      for (int64_t d = d0; d < d1; ++d)
        gemmBestOrientation(p, stepGradients(d, step, 2 * H, H), rowMajor(whh + d * G * H + 2 * H * H, H, H),
                            rowMajor(dq.data() + d * N * H, N, H), Accumulate::Overwrite);
      rows(step, kernels.backwardResetGate);
      for (int64_t d = d0; d < d1; ++d)
        gemmBestOrientation(p, stepGradients(d, step, 0, 2 * H), rowMajor(whh + d * G * H, 2 * H, H),
                            rowMajor(carry.data() + d * N * H, N, H), Accumulate::Add);
    }
  };
  byDirection(pool, s, recur);
  if (!s.inputGradient) return;
  // dx[n][t] = sum over d of [da_r, da_z, da_n][n][t][d] . wih[d]: one GEMM over all steps and both
  // directions, the depth running over (d, gate row).
  const MatrixView dgi{gateGrads, N * T, D * G, Axis{gateRow}, Axis{1, G, 4 * H}};
  gemmBestOrientation(pool, dgi, rowMajor(wih, D * G, I), rowMajor(dx, N * T, I), Accumulate::Overwrite);
}

void gruBackwardWeight(ThreadPool& pool, const GruShape& s, const float* gateGrads, const float* gates, const float* x, const float* y,
                       float* dwih, float* dwhh) {
  const int64_t D = s.directions(), H = s.hidden, I = s.input, G = 3 * H, N = s.n, T = s.t;
  const int64_t gateRow = D * 4 * H;
  // dwih [D*3H][I] = [da_r, da_z, da_n]^T [D*3H][N*T] . x [N*T][I]
  const MatrixView dgi{gateGrads, N * T, D * G, Axis{gateRow}, Axis{1, G, 4 * H}};
  gemm(pool, dgi.transposed(), rowMajor(x, N * T, I), rowMajor(dwih, D * G, I), Accumulate::Overwrite);
  if (T == 1) {
    std::fill(dwhh, dwhh + s.hiddenWeightSize(), 0.f);
    return;
  }
  // dwhh[d] [3H][H] = dgh^T [3H][N*(T-1)] . h_prev [N*(T-1)][H], over the steps that have a
  // previous state: (n, t = 1..T-1) with h_prev = y[n][t-1] forwards, (n, t = 0..T-2) with
  // h_prev = y[n][t+1] in reverse. Blocked axes walk those steps without copies. Without
  // linearBeforeReset the n rows take q (gates' fourth block at the same steps) for h_prev.
  const Axis steps{gateRow, T - 1, T * gateRow};
  for (int64_t d = 0; d < D; ++d) {
    const int64_t g0 = (d == 0 ? gateRow : 0) + d * 4 * H;
    const MatrixView hPrev{y + (d == 0 ? 0 : D * H) + d * H, N * (T - 1), H, Axis{D * H, T - 1, T * D * H}, Axis{1}};
    float* dw = dwhh + d * G * H;
    if (s.linearBeforeReset) {
      const MatrixView dgh{gateGrads + g0, N * (T - 1), G, steps, Axis{1, 2 * H, G}};
      gemm(pool, dgh.transposed(), hPrev, rowMajor(dw, G, H), Accumulate::Overwrite);
      continue;
    }
    const MatrixView dgrz{gateGrads + g0, N * (T - 1), 2 * H, steps, Axis{1}};
    gemm(pool, dgrz.transposed(), hPrev, rowMajor(dw, 2 * H, H), Accumulate::Overwrite);
    const MatrixView dgn{gateGrads + g0 + 3 * H, N * (T - 1), H, steps, Axis{1}};
    const MatrixView q{gates + g0 + 3 * H, N * (T - 1), H, steps, Axis{1}};
    gemm(pool, dgn.transposed(), q, rowMajor(dw + 2 * H * H, H, H), Accumulate::Overwrite);
  }
}

void gruBackwardBias(ThreadPool& pool, const GruShape& s, const float* gateGrads, float* dbih, float* dbhh) {
  const int64_t D = s.directions(), H = s.hidden, rows = s.n * s.t, width = D * 4 * H;
  // Column sums of gateGrads seen as [N*T][D*4H], in double, each column summed by one task in
  // row order, then routed to the biases (routeGruBiasGradient).
  pool.parallelFor(width, 64, [&](int64_t begin, int64_t end) {
    std::vector<double> acc(static_cast<size_t>(end - begin), 0.0);
    for (int64_t row = 0; row < rows; ++row) {
      const float* g = gateGrads + row * width;
      for (int64_t col = begin; col < end; ++col) acc[col - begin] += g[col];
    }
    for (int64_t col = begin; col < end; ++col) routeGruBiasGradient(col, H, static_cast<float>(acc[col - begin]), dbih, dbhh);
  });
}

}  // namespace sj
