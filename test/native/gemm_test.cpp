// The CPU GEMM's count of the multiply-adds it executes (core/executed_macs.h): at least the
// product's m*n*k, exactly the zero-padded micro-tiles' count, the same on any number of threads;
// and KernelContext puts it in the ledger (a direct-loop kernel executes its macs + paddingMacs).
#include <vector>

#include "core/executed_macs.h"
#include "harness.h"
#include "kernels/conv2d.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/gemm_microkernel.h"
#include "ledger/kernel_context.h"

namespace sj::testing {
namespace {

int64_t roundUp(int64_t v, int64_t unit) { return (v + unit - 1) / unit * unit; }

int64_t executedBy(ThreadPool& pool, int64_t m, int64_t n, int64_t k) {
  const std::vector<float> a(m * k, 1.f), b(k * n, 1.f);
  std::vector<float> c(m * n);
  const int64_t before = executedMacsSoFar();
  gemm(pool, rowMajor(a.data(), m, k), rowMajor(b.data(), k, n), rowMajor(c.data(), m, n), Accumulate::Overwrite);
  SJ_CHECK(c[0] == static_cast<float>(k) && c[m * n - 1] == static_cast<float>(k), "the product itself");
  return executedMacsSoFar() - before;
}

}  // namespace

SJ_TEST(gemm_counts_the_multiply_adds_it_executes) {
  ThreadPool one(1);
  const int64_t mr = gemmTileRows(), nr = gemmTileColumns();
  // {m, n, k}: one tile; edges on both sides; a deep K split into blocks; a GLU-like 16 x 16.
  const std::vector<std::vector<int64_t>> shapes = {{mr, nr, 7}, {mr + 1, nr + 3, 5}, {3, 1000, 600}, {16, 5000, 16}};
  for (const auto& s : shapes) {
    const int64_t m = s[0], n = s[1], k = s[2];
    const int64_t serial = executedBy(one, m, n, k);
    // m and n here fit one MC x NC block: the tiles are the zero-padded extents.
    SJ_CHECK(serial == roundUp(m, mr) * roundUp(n, nr) * k, m, "x", n, "x", k, ": executed ", serial);
    SJ_CHECK(serial >= m * n * k, "executed at least the product's multiply-adds");
    SJ_CHECK(executedBy(testPool(), m, n, k) == serial, m, "x", n, "x", k, ": the count depends on the thread count");
  }
  // A single row of A runs the one-row kernel: no rows of zeros, columns in its wider tiles.
  const int64_t rowTile = gemm_detail::activeRowKernel().nr;
  SJ_CHECK(gemm_detail::activeRowKernel().mr == 1, "the row kernel has one row");
  SJ_CHECK(executedBy(one, 1, 100, 40) == roundUp(100, rowTile) * 40, "1 x 100 x 40 executed ", executedBy(one, 1, 100, 40));
  SJ_CHECK(executedBy(testPool(), 1, 1000, 300) == executedBy(one, 1, 1000, 300), "the row kernel's count depends on the threads");
}

// A few rows of A against a B read in place, whose columns run over blocks (a batch of planes:
// [N][K][P] seen as K x N*P, as the GLU's product reads x) with ragged edges and deep K: every
// element against a plain loop, on one thread and on several.
SJ_TEST(gemm_reads_blocked_b_in_place) {
  ThreadPool one(1);
  const int64_t nr = gemmTileColumns();
  for (const int64_t m : {int64_t{1}, int64_t{3}, int64_t{16}}) {
    const int64_t batch = 3, k = 300, plane = 2 * nr, n = batch * plane;
    std::vector<float> a(m * k), b(batch * k * plane);
    for (size_t i = 0; i < a.size(); ++i) a[i] = static_cast<float>((i * 7) % 13) - 6.f;
    for (size_t i = 0; i < b.size(); ++i) b[i] = static_cast<float>((i * 5) % 11) - 5.f;
    const MatrixView bv = batchedColumns(static_cast<const float*>(b.data()), batch, k, plane);
    for (ThreadPool* pool : {&one, &testPool()}) {
      std::vector<float> c(m * n, -1.f);
      gemm(*pool, rowMajor(static_cast<const float*>(a.data()), m, k), bv, rowMajor(c.data(), m, n), Accumulate::Overwrite);
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double want = 0;
          for (int64_t kk = 0; kk < k; ++kk) want += static_cast<double>(a[i * k + kk]) * *bv.at(kk, j);
          SJ_CHECK(c[i * n + j] == static_cast<float>(want), "m ", m, ": C(", i, ", ", j, ") = ", c[i * n + j], ", want ", want);
        }
    }
  }
}

SJ_TEST(ledger_rows_carry_executed_multiply_adds) {
  Ledger ledger;
  ThreadPool pool(1);
  KernelContext ctx(pool, ledger);
  ctx.begin("0:conv2d", 0);
  Conv2dShape s;
  s.n = 2, s.cin = 3, s.h = 9, s.w = 7, s.cout = 5, s.kh = 3, s.kw = 3, s.pt = s.pl = s.pb = s.pr = 1;
  std::vector<float> x(s.inputSize(), 0.5f), w(s.weightSize(), 0.25f), b(s.cout, 0.f), y(s.outputSize());
  const Cost formula = conv2dForwardCost(s);
  ctx.run("conv2d", KernelPass::Forward, s.describe(), formula, [&] { conv2dForward(pool, s, x.data(), w.data(), b.data(), y.data()); }, [] {});
  const int64_t mr = gemmTileRows(), nr = gemmTileColumns();
  const int64_t taps = s.cin * s.kh * s.kw, columns = s.n * s.ho() * s.wo();
  const LedgerRow row = ledger.rows().at(0);
  SJ_CHECK(row.cost.executedMacs == roundUp(s.cout, mr) * roundUp(columns, nr) * taps, "conv2d executed ", row.cost.executedMacs);
  SJ_CHECK(row.cost.executedMacs > row.cost.macs + row.cost.paddingMacs, "the tile edges are in it");
  Cost rest = row.cost;
  rest.executedMacs = 0;
  SJ_CHECK(rest == formula, "every other column is the formula's");
  // A depthwise convolution runs direct loops: it executes what it counts.
  Conv2dShape d = s;
  d.cout = d.groups = d.cin;
  std::vector<float> wd(d.weightSize(), 0.25f), yd(d.outputSize());
  ctx.run("conv2d", KernelPass::Forward, d.describe(), conv2dForwardCost(d), [&] { conv2dForward(pool, d, x.data(), wd.data(), b.data(), yd.data()); }, [] {});
  const LedgerRow direct = ledger.rows().at(1);
  SJ_CHECK(direct.cost.executedMacs == direct.cost.macs + direct.cost.paddingMacs && direct.cost.macs > 0, "direct loops");
}

}  // namespace sj::testing
