// Element-wise gate math of the fast GRU kernels, written once with GCC vector extensions over W
// float lanes and compiled per instruction set, like the GEMM micro-kernel: gru.cpp (portable,
// 4 lanes), gru_avx2.cpp (8) and gru_avx512.cpp (16). exp is a branch-free polynomial (Cephes
// expf, about 1 ulp on [-87, 0]) so that sigmoid and tanh vectorise; sigmoid uses the same stable
// formula as the reference, tanh(x) = sign(x) (1 - e) / (1 + e) with e = exp(-2|x|).
#pragma once
#include <cstdint>
#include <cstring>

namespace sj::gru_detail {

// One (sample, direction, step) row of the forward pass, H = hidden. Without linearBeforeReset
// the row is done in two stages, the candidate's product W_hn q between them (kernels/gru.h).
struct ForwardRow {
  float* gates;        // [4H] in: W_ih x_t in 0..3H (no bias); out: r, z, n and W_hn h_prev + b_hn
                       //      (linearBeforeReset) or q = r * h_prev (not)
  const float* gh;     // [3H] W_hh h_prev (no bias; without linearBeforeReset the n rows hold
                       //      W_hn q), or null at the first step (h_prev = 0)
  const float* bih;    // [3H] or null
  const float* bhh;    // [3H] or null
  const float* hPrev;  // [H]  or null at the first step
  float* h;            // [H]  out: h_t
};

// One (sample, direction, step) row of back-propagation through time.
struct BackwardRow {
  const float* gates;  // [4H] r, z, n, and W_hn h_prev + b_hn or q
  const float* dy;     // [H]  gradient of h_t from the output
  float* carry;        // [H]  in: gradient of h_t from the later step (zero at the last);
                       //      out: dh_t * z, the direct part of the gradient of h_prev (if hPrev),
                       //      plus dq * r after resetGate
  const float* hPrev;  // [H]  or null at the first step
  const float* dq;     // [H]  W_hn^T da_n, the gradient of q (resetGate only)
  float* gateGrads;    // [4H] out: da_r, da_z, da_n, and da_n * r or da_n
};

// forward and backward: linearBeforeReset. The others: without it, forward = forwardGates, the
// product W_hn q, forwardCandidate; backward = backwardUpdate, the product W_hn^T da_n,
// backwardResetGate.
struct RowKernels {
  void (*forward)(const ForwardRow& row, int64_t hidden);
  void (*backward)(const BackwardRow& row, int64_t hidden);
  void (*forwardGates)(const ForwardRow& row, int64_t hidden);
  void (*forwardCandidate)(const ForwardRow& row, int64_t hidden);
  void (*backwardUpdate)(const BackwardRow& row, int64_t hidden);
  void (*backwardResetGate)(const BackwardRow& row, int64_t hidden);
};

RowKernels rowKernelsGeneric();
#if defined(SEDJOULE_X86)
RowKernels rowKernelsAvx2();
RowKernels rowKernelsAvx512();
#endif

template <int W>
struct Lanes {
  typedef float V __attribute__((vector_size(W * 4)));
  typedef int32_t M __attribute__((vector_size(W * 4)));

  static V broadcast(float v) { return V{} + v; }
  static V load(const float* p, int count) {
    V v{};
    if (p) std::memcpy(&v, p, static_cast<size_t>(count) * sizeof(float));
    return v;
  }
  static void store(float* p, V v, int count) { std::memcpy(p, &v, static_cast<size_t>(count) * sizeof(float)); }
  static V select(M mask, V a, V b) { return (V)((mask & (M)a) | (~mask & (M)b)); }
  static V absValue(V x) { return (V)((M)x & 0x7fffffff); }

  // exp(x) for x <= 0 (clamped below at -87, where the result is ~1.6e-38).
  static V expNonPositive(V x) {
    const V lo = broadcast(-87.f);
    x = select(x < lo, lo, x);
    const V magic = broadcast(12582912.f);  // 1.5 * 2^23: adding it rounds to an integer
    const V shifted = x * 1.44269504088896341f + magic;  // magic + k in its low mantissa bits
    const V k = shifted - magic;
    V r = x - k * 0.693359375f;
    r = r - k * -2.12194440e-4f;
    V p = broadcast(1.9875691500e-4f);
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.f;
    const M scale = ((M)shifted - (M)magic + 127) << 23;  // 2^k
    return p * (V)scale;
  }
  static V sigmoid(V x) {
    const V e = expNonPositive(-absValue(x));
    return select(x >= 0.f, broadcast(1.f), e) / (1.f + e);
  }
  static V tanh(V x) {
    const V e = expNonPositive(-2.f * absValue(x));
    const V t = (1.f - e) / (1.f + e);
    return (V)((M)t | ((M)x & ~0x7fffffff));
  }

  // Calls body(j, count) over [0, h) in chunks of W lanes and one shorter tail.
  template <class Body>
  static void chunks(int64_t h, const Body& body) {
    int64_t j = 0;
    for (; j + W <= h; j += W) body(j, W);
    if (j < h) body(j, static_cast<int>(h - j));
  }

  static void forward(const ForwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      auto at = [&](const float* p, int64_t offset) { return load(p ? p + offset + j : nullptr, count); };
      const V ghr = at(row.gh, 0) + at(row.bhh, 0), ghz = at(row.gh, H) + at(row.bhh, H);
      const V ghn = at(row.gh, 2 * H) + at(row.bhh, 2 * H);
      const V gir = at(row.gates, 0) + at(row.bih, 0), giz = at(row.gates, H) + at(row.bih, H);
      const V gin = at(row.gates, 2 * H) + at(row.bih, 2 * H);
      const V r = sigmoid(gir + ghr);
      const V z = sigmoid(giz + ghz);
      const V n = tanh(gin + r * ghn);
      const V h = at(row.hPrev, 0);
      store(row.gates + j, r, count);
      store(row.gates + H + j, z, count);
      store(row.gates + 2 * H + j, n, count);
      store(row.gates + 3 * H + j, ghn, count);
      store(row.h + j, n + z * (h - n), count);
    };
    chunks(H, body);
  }

  static void backward(const BackwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      const V r = load(row.gates + j, count), z = load(row.gates + H + j, count);
      const V n = load(row.gates + 2 * H + j, count), ghn = load(row.gates + 3 * H + j, count);
      const V dh = load(row.dy + j, count) + load(row.carry + j, count);
      const V h = load(row.hPrev ? row.hPrev + j : nullptr, count);
      const V omz = 1.f - z;
      const V dn = dh * omz;
      const V dz = dh * (h - n);
      const V dan = dn * (1.f - n * n);
      const V daz = dz * (z * omz);
      const V dar = (dan * ghn) * (r * (1.f - r));
      store(row.gateGrads + j, dar, count);
      store(row.gateGrads + H + j, daz, count);
      store(row.gateGrads + 2 * H + j, dan, count);
      store(row.gateGrads + 3 * H + j, dan * r, count);
      if (row.hPrev) store(row.carry + j, dh * z, count);
    };
    chunks(H, body);
  }

  // r, z, and q = r * h_prev (0 at the first step).
  static void forwardGates(const ForwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      auto at = [&](const float* p, int64_t offset) { return load(p ? p + offset + j : nullptr, count); };
      const V r = sigmoid(at(row.gates, 0) + at(row.bih, 0) + (at(row.gh, 0) + at(row.bhh, 0)));
      const V z = sigmoid(at(row.gates, H) + at(row.bih, H) + (at(row.gh, H) + at(row.bhh, H)));
      store(row.gates + j, r, count);
      store(row.gates + H + j, z, count);
      store(row.gates + 3 * H + j, r * at(row.hPrev, 0), count);
    };
    chunks(H, body);
  }

  // n = tanh(W_in x + b_in + W_hn q + b_hn) and h_t.
  static void forwardCandidate(const ForwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      auto at = [&](const float* p, int64_t offset) { return load(p ? p + offset + j : nullptr, count); };
      const V n = tanh(at(row.gates, 2 * H) + at(row.bih, 2 * H) + (at(row.gh, 2 * H) + at(row.bhh, 2 * H)));
      const V z = at(row.gates, H), h = at(row.hPrev, 0);
      store(row.gates + 2 * H + j, n, count);
      store(row.h + j, n + z * (h - n), count);
    };
    chunks(H, body);
  }

  // da_z, da_n (twice: input and hidden side), da_r = 0 until backwardResetGate, carry = dh * z.
  static void backwardUpdate(const BackwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      const V z = load(row.gates + H + j, count), n = load(row.gates + 2 * H + j, count);
      const V dh = load(row.dy + j, count) + load(row.carry + j, count);
      const V h = load(row.hPrev ? row.hPrev + j : nullptr, count);
      const V omz = 1.f - z;
      const V dan = dh * omz * (1.f - n * n);
      store(row.gateGrads + j, V{}, count);
      store(row.gateGrads + H + j, dh * (h - n) * (z * omz), count);
      store(row.gateGrads + 2 * H + j, dan, count);
      store(row.gateGrads + 3 * H + j, dan, count);
      if (row.hPrev) store(row.carry + j, dh * z, count);
    };
    chunks(H, body);
  }

  // da_r = dq * h_prev * r (1 - r), carry += dq * r (only at steps with a previous state).
  static void backwardResetGate(const BackwardRow& row, int64_t hidden) {
    const int64_t H = hidden;
    auto body = [&](int64_t j, int count) {
      const V r = load(row.gates + j, count), dq = load(row.dq + j, count);
      store(row.gateGrads + j, dq * load(row.hPrev + j, count) * (r * (1.f - r)), count);
      store(row.carry + j, load(row.carry + j, count) + dq * r, count);
    };
    chunks(H, body);
  }

  static RowKernels kernels() { return {&forward, &backward, &forwardGates, &forwardCandidate, &backwardUpdate, &backwardResetGate}; }
};

}  // namespace sj::gru_detail
