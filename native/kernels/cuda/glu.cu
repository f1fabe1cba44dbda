#include "kernels/glu.h"

#include "kernels/cuda/bias_sums.h"
#include "kernels/cuda/device_math.h"
#include "kernels/cuda/gemm_tile.cuh"

namespace sj::cuda {
namespace {

// The NCHW tensors of the GLU ([N][C][P], P = H*W) as GEMM operands whose (batch, position) pairs
// are the flat index j = b*P + p of one side: element (c, j) at [(b*C + c)*P + p].
template <bool Gated>
gemm::RowsAlongK<Gated> channelsByPositions(const GluShape& s, const float* data, const float* gate) {  // (c, j): AlongK
  gemm::RowsAlongK<Gated> l;
  l.data = data, l.gate = gate;
  l.extentI = static_cast<int>(s.c), l.extentK = static_cast<int>(s.size() / s.c);
  l.iStride = static_cast<int>(s.h * s.w), l.kPlane = static_cast<int>(s.h * s.w), l.kBatchStride = static_cast<int>(s.c * s.h * s.w);
  return l;
}
template <bool Gated>
gemm::ColumnsAlongI<Gated> positionsByChannels(const GluShape& s, const float* data, const float* gate) {  // (j, c): AlongI
  gemm::ColumnsAlongI<Gated> l;
  l.data = data, l.gate = gate;
  l.extentI = static_cast<int>(s.size() / s.c), l.extentK = static_cast<int>(s.c);
  l.kStride = static_cast<int>(s.h * s.w), l.iPlane = static_cast<int>(s.h * s.w), l.iBatchStride = static_cast<int>(s.c * s.h * s.w);
  return l;
}

// Forward epilogue at every (co, j): lin = acc + b, sig = sigmoid(x), y = lin * sig.
struct ForwardStore {
  const float* x = nullptr;
  const float* bias = nullptr;
  float *lin = nullptr, *sig = nullptr, *y = nullptr;
  int channels = 0, plane = 1;

  __device__ __forceinline__ void store(int m, int n, gemm::Run4 v, int count) const {
    const float b = bias ? bias[m] : 0.f;
    gemm::forEachPlanar(m, n, count, channels, plane, [&](int c, int64_t at) {
      const float l = bias ? v.v[c] + b : v.v[c];
      const float g = sigmoidOfDevice(x[at]);
      lin[at] = l;
      sig[at] = g;
      y[at] = l * g;
    });
  }
};

// Input-gradient epilogue at every (ci, j): dx = acc + g * lin * (1 - sig), g = dy * sig.
struct BackwardInputStore {
  const float *dy = nullptr, *lin = nullptr, *sig = nullptr;
  float* dx = nullptr;
  int channels = 0, plane = 1;

  __device__ __forceinline__ void store(int m, int n, gemm::Run4 v, int count) const {
    gemm::forEachPlanar(m, n, count, channels, plane, [&](int c, int64_t at) {
      const float g = dy[at] * sig[at];
      dx[at] = v.v[c] + g * lin[at] * (1.f - sig[at]);
    });
  }
};

void requireIndexable(const char* kernel, const GluShape& s) { gemm::requireIndexable(kernel, "the input", s.size()); }

}  // namespace

// lin (C x N*P) = w (C x C) . x (C x N*P) + b, with sig and y written by the epilogue.
void gluForward(CudaStream stream, const GluShape& s, const float* x, const float* w, const float* b, float* lin, float* sig, float* y) {
  requireIndexable("gluForward", s);
  gemm::RowsAlongK<> weights;
  weights.data = w;
  weights.extentI = weights.extentK = weights.iStride = weights.kPlane = static_cast<int>(s.c);
  ForwardStore out;
  out.x = x, out.bias = s.bias ? b : nullptr, out.lin = lin, out.sig = sig, out.y = y;
  out.channels = static_cast<int>(s.c), out.plane = static_cast<int>(s.h * s.w);
  gemm::run("gluForward", stream, s.c, s.size() / s.c, s.c, weights, positionsByChannels<false>(s, x, nullptr), out);
}

// dx (C x N*P) = w^T (C x C) . (dy * sig) (C x N*P) + the element-wise term; the gated gradient
// is multiplied as the B tiles load, never stored.
void gluBackwardInput(CudaStream stream, const GluShape& s, const float* dy, const float* w, const float* lin, const float* sig, float* dx) {
  requireIndexable("gluBackwardInput", s);
  gemm::ColumnsAlongI<> weightsT;  // w^T(ci, co) = w[co][ci]
  weightsT.data = w;
  weightsT.extentI = weightsT.extentK = weightsT.kStride = weightsT.iPlane = static_cast<int>(s.c);
  BackwardInputStore out;
  out.dy = dy, out.lin = lin, out.sig = sig, out.dx = dx;
  out.channels = static_cast<int>(s.c), out.plane = static_cast<int>(s.h * s.w);
  gemm::run("gluBackwardInput", stream, s.c, s.size() / s.c, s.c, weightsT, positionsByChannels<true>(s, dy, sig), out);
}

// dw (C x C) = (dy * sig) (C x N*P) . x^T (N*P x C); K is the batch's positions, split when the
// weight has few tiles (gemm_tile.cuh).
void gluBackwardWeight(CudaStream stream, const GluShape& s, const float* dy, const float* sig, const float* x, float* dw) {
  requireIndexable("gluBackwardWeight", s);
  gemm::RowMajorStore out;
  out.out = dw, out.ldc = static_cast<int>(s.c);
  gemm::run("gluBackwardWeight", stream, s.c, s.c, s.size() / s.c, channelsByPositions<true>(s, dy, sig), channelsByPositions<false>(s, x, nullptr),
            out);
}

// db[co] = sum over b of (sum over the plane of dy * sig): plane sums into [N][C], then columns.
void gluBackwardBias(CudaStream stream, const GluShape& s, const float* dy, const float* sig, float* db) {
  requireIndexable("gluBackwardBias", s);
  const int64_t rows = s.n * s.c;
  float* scratch = static_cast<float*>(workspace(stream, 4 * (rows + sums::columnSumsScratch(s.n, s.c))));
  sums::planeSums("gluBackwardBias", stream, rows, s.h * s.w, dy, sig, scratch);
  sums::columnSums("gluBackwardBias", stream, s.n, s.c, scratch, db, scratch + rows);
}

}  // namespace sj::cuda
