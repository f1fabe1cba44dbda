#include <cmath>

#include "core/buffer.h"
#include "expect_error.h"
#include "harness.h"
#include "kernels/cpu/lane_kernels.h"
#include "kernels/fft.h"

namespace sj::testing {
namespace {

struct FftLength {
  int64_t n;
};

struct RealFftOp : OpTest<RealFftOp, FftLength> {
  FftPlan plan{s.n};

  std::string describe() const { return plan.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.n}, {"re", plan.bins(), Role::Output}, {"im", plan.bins(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"re", "im"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    realFftReference(plan, t["x"].data(), t["re"].data(), t["im"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool&) const {
    std::vector<float> scratch(realFftScratch(plan));
    realFft(plan, t["x"].data(), t["re"].data(), t["im"].data(), scratch.data());
  }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const {
    const cuda::FftDevicePlan device(plan, stream);
    cuda::realFft(stream, device, 1, d["x"], d["re"], d["im"]);
    cuda::synchronize(stream, "realFft");
  }
  Cost cost(Pass) const { return realFftCost(s.n); }
  OpChecks checks() const { return {1e-5}; }
};

const int64_t kSizes[] = {1, 2, 3, 4, 5, 6, 8, 9, 10, 12, 15, 16, 25, 30, 45, 64, 75, 96, 100, 128, 243, 250, 256, 400, 480, 512, 1000, 1024, 2048, 3000, 4096};

// X[k] = sum_i x[i] e^(-2 pi i ik/n), O(n^2), in double with exact index reduction.
void naiveDft(const std::vector<double>& x, std::vector<double>& re, std::vector<double>& im) {
  const int64_t n = static_cast<int64_t>(x.size());
  std::vector<long double> c(n), s(n);  // e^(-2 pi i r/n), r = i k mod n
  for (int64_t r = 0; r < n; ++r) {
    const long double a = -2.0L * 3.141592653589793238462643383279502884L * static_cast<long double>(r) / n;
    c[r] = std::cos(a);
    s[r] = std::sin(a);
  }
  re.assign(n / 2 + 1, 0.0);
  im.assign(n / 2 + 1, 0.0);
  for (int64_t k = 0; k <= n / 2; ++k) {
    long double sr = 0, si = 0;
    for (int64_t i = 0; i < n; ++i) {
      sr += x[i] * c[(i * k) % n];
      si += x[i] * s[(i * k) % n];
    }
    re[k] = static_cast<double>(sr);
    im[k] = static_cast<double>(si);
  }
}

}  // namespace

SJ_TEST(frontend_fft_table) {
  uint64_t seed = 700;
  for (int64_t n : kSizes) checkOp(RealFftOp{n}, seed++);
}

// Accuracy against the naive DFT, relative to the spectrum's largest magnitude M:
//   reference (double): max |X - DFT| <= 1e-13 M;   fast (float): max |X - DFT| <= 1e-7 * (1 + log2 n) M
// (observed: double 4e-16 M at most; float at most 3e-8 (1 + log2 n) M, 1.3e-7 M at n = 4096).
SJ_TEST(frontend_fft_matches_naive_dft) {
  std::mt19937_64 rng(701);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  for (int64_t n : kSizes) {
    FftPlan plan(n);
    std::vector<double> x(n);
    for (double& v : x) v = static_cast<float>(u(rng));
    std::vector<double> dr, di;
    naiveDft(x, dr, di);
    double scale = 1e-30;
    for (int64_t k = 0; k < plan.bins(); ++k) scale = std::max(scale, std::hypot(dr[k], di[k]));

    std::vector<double> rr(plan.bins()), ri(plan.bins());
    realFftReference(plan, x.data(), rr.data(), ri.data());
    std::vector<float> xf(x.begin(), x.end()), fr(plan.bins()), fi(plan.bins()), scratch(realFftScratch(plan));
    realFft(plan, xf.data(), fr.data(), fi.data(), scratch.data());
    double refErr = 0, fastErr = 0;
    for (int64_t k = 0; k < plan.bins(); ++k) {
      refErr = std::max(refErr, std::hypot(rr[k] - dr[k], ri[k] - di[k]));
      fastErr = std::max(fastErr, std::hypot(fr[k] - dr[k], fi[k] - di[k]));
    }
    const double fastBound = 1e-7 * (1 + std::log2(static_cast<double>(n))) * scale;
    SJ_CHECK(refErr <= 1e-13 * scale, "n=", n, ": reference error ", refErr / scale, " of max |X|");
    SJ_CHECK(fastErr <= fastBound, "n=", n, ": fast error ", fastErr / scale, " of max |X|, bound ", fastBound / scale);
  }
}

// The lane kernels of the active instruction set and of the portable build compute each lane
// exactly like the one-lane kernel of the same build (bit for bit on the portable build; within
// float rounding where FMA contraction differs).
SJ_TEST(frontend_fft_lanes_match_single) {
  std::mt19937_64 rng(702);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const frontend_lanes::Kernels& k : {frontend_lanes::generic(), frontend_lanes::active()}) {
    const int w = k.lanes;
    for (int64_t n : {2, 15, 64, 400, 2048}) {
      FftPlan plan(n);
      const int64_t h = plan.complexLength(), bins = plan.bins();
      std::vector<float> x(n * w);
      for (float& v : x) v = u(rng);
      std::vector<float> zr(h * w), zi(h * w), wr(h * w), wi(h * w), xr(bins * w), xi(bins * w);
      for (int v = 0; v < w; ++v)
        for (int64_t j = 0; j < h; ++j) {
          zr[j * w + v] = plan.packed() ? x[v * n + 2 * j] : x[v * n + j];
          zi[j * w + v] = plan.packed() ? x[v * n + 2 * j + 1] : 0.f;
        }
      k.realFft(plan, zr.data(), zi.data(), wr.data(), wi.data(), xr.data(), xi.data());
      std::vector<float> sr(bins), si(bins), scratch(realFftScratch(plan));
      for (int v = 0; v < w; ++v) {
        realFft(plan, x.data() + v * n, sr.data(), si.data(), scratch.data());
        double worst = 0, scale = 1e-30;
        for (int64_t b = 0; b < bins; ++b) {
          worst = std::max<double>(worst, std::fabs(xr[b * w + v] - sr[b]) + std::fabs(xi[b * w + v] - si[b]));
          scale = std::max<double>(scale, std::fabs(sr[b]) + std::fabs(si[b]));
        }
        const double bound = std::string(k.isa) == "generic" ? 0.0 : 1e-5 * scale;
        SJ_CHECK(worst <= bound, k.isa, " n=", n, " lane ", v, ": differs from the single transform by ", worst);
      }
    }
  }
}

// The CUDA FFT on batches (several sequences per block, the last group partly empty) and on
// lengths whose buffers leave shared memory (n = 16384, 30000: the workspace path), against the CPU
// kernel sequence by sequence: within 2e-7 (1 + log2 n) of the largest |X| (each is within about
// half that of the exact transform).
SJ_TEST(frontend_fft_cuda_batches_and_long_sizes) {
  if constexpr (kCudaBuilt) {
    if (!cudaParityAvailable()) return;
    std::mt19937_64 rng(703);
    std::uniform_real_distribution<float> u(-1.f, 1.f);
    for (auto [n, count] : std::vector<std::pair<int64_t, int64_t>>{{2, 7}, {15, 33}, {64, 19}, {400, 9}, {2048, 5}, {16384, 3}, {30000, 2}}) {
      const FftPlan plan(n);
      const int64_t bins = plan.bins();
      std::vector<float> x(n * count);
      for (float& v : x) v = u(rng);
      Buffer<float> dx, dre, dim;
      dx.resize(Device::Cuda, n * count);
      dre.resize(Device::Cuda, bins * count);
      dim.resize(Device::Cuda, bins * count);
      dx.copyFromHost(x.data(), testStream());
      const cuda::FftDevicePlan device(plan, testStream());
      cuda::realFft(testStream(), device, count, dx.data(), dre.data(), dim.data());
      std::vector<float> re(bins * count), im(bins * count), cr(bins), ci(bins), scratch(realFftScratch(plan));
      dre.copyToHost(re.data(), testStream());
      dim.copyToHost(im.data(), testStream());
      for (int64_t c = 0; c < count; ++c) {
        realFft(plan, x.data() + c * n, cr.data(), ci.data(), scratch.data());
        double worst = 0, scale = 1e-30;
        for (int64_t k = 0; k < bins; ++k) {
          worst = std::max<double>(worst, std::hypot(re[c * bins + k] - cr[k], im[c * bins + k] - ci[k]));
          scale = std::max(scale, std::hypot(static_cast<double>(cr[k]), static_cast<double>(ci[k])));
        }
        const double bound = 2e-7 * (1 + std::log2(static_cast<double>(n))) * scale;
        SJ_CHECK(worst <= bound, "n=", n, " sequence ", c, " of ", count, ": CUDA differs from the CPU by ", worst / scale, " of max |X|");
      }
    }
  }
}

SJ_TEST(frontend_fft_cost_against_fftw_convention) {
  // Exact counts for the sizes the presets use, next to FFTW's 2.5 n log2 n reporting convention.
  SJ_CHECK(realFftFlops(2048) == 51706, realFftFlops(2048));
  for (int64_t n : {64, 256, 400, 1024, 2048, 4096}) {
    const double fftw = 2.5 * n * std::log2(static_cast<double>(n));
    const double ratio = realFftFlops(n) / fftw;
    SJ_CHECK(ratio > 0.7 && ratio < 1.25, "n=", n, ": ", realFftFlops(n), " flops is ", ratio, " x 2.5 n log2 n");
  }
}

SJ_TEST(frontend_fft_rejects_unsupported_lengths) {
  expectError(ErrorCode::Value, "1001 has the prime factor 7", [] { FftPlan p(1001); });
  expectError(ErrorCode::Value, "prime factor 11", [] { validateFftSize(22, "nFft"); });
  expectError(ErrorCode::Value, "nFft must be >= 1, got 0", [] { validateFftSize(0, "nFft"); });
  SJ_CHECK(fftSizeSupported(2048) && fftSizeSupported(400) && fftSizeSupported(1) && !fftSizeSupported(14), "size predicate");
}

}  // namespace sj::testing
