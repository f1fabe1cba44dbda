#include <cmath>
#include <map>
#include <utility>

#include "base/error.h"
#include "cuda_runs.h"
#include "harness.h"
#include "kernels/gru.h"

namespace sj::testing {
namespace {

// Tolerances are the harness defaults. Fast (float, polynomial exp, GEMM summation order) against
// reference (double): 1e-4 of the largest reference value per tensor; the errors seen are below
// 1e-6 even at T = 100, H = 256, so the recurrence does not amplify float rounding noticeably.
// Finite differences of the double reference: 1e-6 of max(1, max |gradient|), step 1e-6.
struct GruOp : OpTest<GruOp, GruShape> {
  std::string describe() const { return "gru " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    // PyTorch's init is U(-1/sqrt(H), 1/sqrt(H)); 1.5x wider so that gates also saturate.
    const double wi = 1.5 / std::sqrt(static_cast<double>(s.input)), wh = 1.5 / std::sqrt(static_cast<double>(s.hidden));
    return {{"x", s.inputSize(), Role::Filled, -1.5, 1.5},
            {"wih", s.inputWeightSize(), Role::Filled, -wi, wi},
            {"whh", s.hiddenWeightSize(), Role::Filled, -wh, wh},
            {"bih", s.biasSize(), Role::Filled, -0.5, 0.5},
            {"bhh", s.biasSize(), Role::Filled, -0.5, 0.5},
            {"dy", s.outputSize()},
            {"y", s.outputSize(), Role::Output},
            {"gates", s.gatesSize(), Role::Output},
            {"gateGrads", s.gatesSize(), Role::Output},
            {"dx", s.inputSize(), Role::Output},
            {"dwih", s.inputWeightSize(), Role::Output},
            {"dwhh", s.hiddenWeightSize(), Role::Output},
            {"dbih", s.biasSize(), Role::Output},
            {"dbhh", s.biasSize(), Role::Output}};
  }
  // W_hh and the hidden-state history are read only when there is a recurrence (T > 1).
  std::vector<PassIo> passes() const {
    const bool recurrent = s.t > 1;
    PassIo forward{Pass::Forward, {"x", "wih"}, {"y", "gates"}};
    if (recurrent) forward.reads.push_back("whh");
    if (s.bias) forward.reads.insert(forward.reads.end(), {"bih", "bhh"});
    PassIo input{Pass::BackwardInput, {"dy", "gates"}, {"gateGrads"}};
    if (recurrent) input.reads.insert(input.reads.end(), {"y", "whh"});
    if (s.inputGradient) input.reads.push_back("wih"), input.writes.push_back("dx");
    PassIo weight{Pass::BackwardWeight, {"gateGrads", "x"}, {"dwih", "dwhh"}};
    if (recurrent) weight.reads.push_back("y");
    if (recurrent && !s.linearBeforeReset) weight.reads.push_back("gates");  // q for dW_hn
    std::vector<PassIo> p = {forward, input, weight};
    if (s.bias) p.push_back({Pass::BackwardBias, {"gateGrads"}, {"dbih", "dbhh"}});
    return p;
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward:
        gruForwardReference(s, t["x"].data(), t["wih"].data(), t["whh"].data(), t["bih"].data(), t["bhh"].data(), t["y"].data(),
                            t["gates"].data());
        break;
      case Pass::BackwardInput:
        gruBackwardInputReference(s, t["dy"].data(), t["y"].data(), t["gates"].data(), t["wih"].data(), t["whh"].data(),
                                  t["gateGrads"].data(), s.inputGradient ? t["dx"].data() : nullptr);
        break;
      case Pass::BackwardWeight:
        gruBackwardWeightReference(s, t["gateGrads"].data(), t["gates"].data(), t["x"].data(), t["y"].data(), t["dwih"].data(), t["dwhh"].data());
        break;
      case Pass::BackwardBias: gruBackwardBiasReference(s, t["gateGrads"].data(), t["dbih"].data(), t["dbhh"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward:
        gruForward(pool, s, t["x"].data(), t["wih"].data(), t["whh"].data(), s.bias ? t["bih"].data() : nullptr,
                   s.bias ? t["bhh"].data() : nullptr, t["y"].data(), t["gates"].data());
        break;
      case Pass::BackwardInput:
        gruBackwardInput(pool, s, t["dy"].data(), t["y"].data(), t["gates"].data(), t["wih"].data(), t["whh"].data(), t["gateGrads"].data(),
                         s.inputGradient ? t["dx"].data() : nullptr);
        break;
      case Pass::BackwardWeight:
        gruBackwardWeight(pool, s, t["gateGrads"].data(), t["gates"].data(), t["x"].data(), t["y"].data(), t["dwih"].data(), t["dwhh"].data());
        break;
      case Pass::BackwardBias: gruBackwardBias(pool, s, t["gateGrads"].data(), t["dbih"].data(), t["dbhh"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward:
        cuda::gruForward(stream, s, d["x"], d["wih"], d["whh"], s.bias ? d["bih"] : nullptr, s.bias ? d["bhh"] : nullptr, d["y"], d["gates"]);
        break;
      case Pass::BackwardInput:
        cuda::gruBackwardInput(stream, s, d["dy"], d["y"], d["gates"], d["wih"], d["whh"], d["gateGrads"], s.inputGradient ? d["dx"] : nullptr);
        break;
      case Pass::BackwardWeight: cuda::gruBackwardWeight(stream, s, d["gateGrads"], d["gates"], d["x"], d["y"], d["dwih"], d["dwhh"]); break;
      case Pass::BackwardBias: cuda::gruBackwardBias(stream, s, d["gateGrads"], d["dbih"], d["dbhh"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return gruForwardCost(s);
      case Pass::BackwardInput: return gruBackwardInputCost(s);
      case Pass::BackwardWeight: return gruBackwardWeightCost(s);
      default: return gruBackwardBiasCost(s);
    }
  }
};

GruShape shape(int64_t n, int64_t t, int64_t input, int64_t hidden, bool bidirectional, bool bias, bool inputGradient,
               bool linearBeforeReset = true) {
  GruShape s;
  s.n = n, s.t = t, s.input = input, s.hidden = hidden, s.bidirectional = bidirectional, s.bias = bias, s.inputGradient = inputGradient;
  s.linearBeforeReset = linearBeforeReset;
  return s;
}

constexpr bool kUni = false, kBi = true, kBias = true, kNoBias = false, kDx = true, kNoDx = false, kResetFirst = false;

}  // namespace

SJ_TEST(gru_table) {
  // n, t, input, hidden, directions, bias, dx
  const GruShape table[] = {
      shape(1, 1, 1, 1, kUni, kBias, kDx),       // smallest
      shape(1, 1, 1, 1, kBi, kBias, kDx),        // smallest, both directions
      shape(2, 1, 3, 4, kBi, kBias, kDx),        // one step: no recurrence at all
      shape(1, 5, 1, 3, kUni, kBias, kDx),       // one sample, one input feature
      shape(3, 4, 5, 1, kBi, kBias, kDx),        // one hidden unit
      shape(2, 7, 3, 5, kUni, kNoBias, kDx),     // no bias
      shape(3, 6, 4, 7, kBi, kBias, kNoDx),      // first layer: no dx, recurrence still needed
      shape(1, 9, 2, 6, kBi, kNoBias, kNoDx),    // neither
      shape(2, 5, 9, 17, kBi, kBias, kDx),       // hidden not a multiple of any vector width
      shape(5, 3, 33, 40, kBi, kBias, kDx),      // larger than one GEMM tile, vector tails
      shape(13, 4, 6, 8, kUni, kBias, kDx),      // batch above the small-batch switch
      shape(2, 12, 10, 20, kBi, kBias, kDx),     // a longer sequence
      // linear_before_reset = 0: the candidate's product after the reset gate
      shape(1, 1, 1, 1, kUni, kBias, kDx, kResetFirst),     // smallest: no product at all
      shape(2, 1, 3, 4, kBi, kBias, kDx, kResetFirst),      // one step: q = 0, da_r = 0
      shape(1, 5, 1, 3, kUni, kBias, kDx, kResetFirst),     // one sample, one input feature
      shape(3, 4, 5, 1, kBi, kBias, kDx, kResetFirst),      // one hidden unit
      shape(2, 7, 3, 5, kUni, kNoBias, kDx, kResetFirst),   // no bias
      shape(1, 9, 2, 6, kBi, kNoBias, kNoDx, kResetFirst),  // neither
      shape(5, 3, 33, 40, kBi, kBias, kDx, kResetFirst),    // larger than one GEMM tile, vector tails
      shape(13, 4, 6, 8, kUni, kBias, kDx, kResetFirst),    // batch above the small-batch switch
  };
  uint64_t seed = 11;
  for (const GruShape& s : table) checkOp(GruOp{s}, seed++);
}

SJ_TEST(gru_random) {
  std::mt19937_64 rng(3141592);
  for (int i = 0; i < 10; ++i) {
    GruShape s = shape(draw(rng, 1, 5), draw(rng, 1, 8), draw(rng, 1, 20), draw(rng, 1, 24), draw(rng, 0, 1) == 1, draw(rng, 0, 1) == 1,
                       draw(rng, 0, 1) == 1, draw(rng, 0, 1) == 1);
    checkOp(GruOp{s}, 300 + i);
  }
}

// Every pass gives bit-identical results on 1, 3 and 5 threads, on shapes (both candidate forms) whose GEMMs and
// element-wise steps are large enough to be split across threads.
SJ_TEST(gru_thread_count_independent) {
  for (const GruShape& s : {shape(300, 3, 20, 64, kBi, kBias, kDx), shape(300, 3, 20, 64, kBi, kBias, kDx, kResetFirst)}) {
    const GruOp op{s};
    Tensors<float> init;
    for (const auto& [name, v] : drawTensors(op, 99).init) init[name] = std::vector<float>(v.begin(), v.end());
    auto runAll = [&](ThreadPool& pool) {
      Tensors<float> t = init;
      for (const PassIo& pass : op.passes()) op.fast(pass.pass, t, pool);
      return t;
    };
    ThreadPool one(1), five(5);
    const Tensors<float> a = runAll(one), b = runAll(testPool()), c = runAll(five);
    for (const auto& [name, v] : a) {
      SJ_CHECK(v == b.at(name) && v == c.at(name), "gru ", s.describe(), ": ", name, " differs between thread counts");
    }
  }
}

// CUDA passes against the double reference on shapes too large for the full checkOp (finite
// differences, counting): the edges of the CUDA kernels' tiling. The GEMMs run on the shared core
// (tiles of 128 or 64 rows x 128 columns, k-tile 8; split along k when K >= 512 and the output is a
// few tiles); step kernels take 1, 2, 4, 8 or 16 samples, 1..8 hidden units per block, and stage
// vectors in chunks of 256; the bias column sums take chunks of 256 rows.
// Small enough for the emulator, which runs every thread of every block as a fiber.
SJ_TEST(gru_cuda_tiling_edges) {
  if (!cudaParityAvailable()) return;  // main() says why
  const GruShape table[] = {
      shape(9, 3, 65, 70, kBi, kBias, kDx),       // D*3H = 420 over four ragged tiles, I and H past 64, none a multiple; 8 + 1 samples
      shape(17, 3, 4, 9, kBi, kBias, kNoDx),      // 16 + 1 samples
      shape(1, 2, 3, 264, kUni, kNoBias, kDx),    // H and 3H above one staged chunk of 256
      shape(29, 12, 5, 6, kBi, kBias, kDx),       // runs of T-1 = 11 steps across the k-tiles of dW_hh (K = 319)
      shape(2, 20, 3, 4, kBi, kBias, kDx),        // runs of T-1 = 19 steps, longer than two k-tiles
      shape(6, 1, 40, 33, kBi, kBias, kDx),       // one step: dW_hh zero, no recurrence
      shape(50, 12, 5, 6, kBi, kBias, kDx),       // weight GEMMs split along k (600, 550), a split inside a run of 11 steps; bias sums over 3 chunks
      // linear_before_reset = 0: two launches per step each way, the q GEMM of dW_hn
      shape(9, 3, 65, 70, kBi, kBias, kDx, kResetFirst),     // ragged tiles, 8 + 1 samples
      shape(1, 2, 3, 264, kUni, kNoBias, kDx, kResetFirst),  // H above one staged chunk of 256
      shape(29, 12, 5, 6, kBi, kBias, kDx, kResetFirst),     // runs of 11 steps across k-tiles
      shape(6, 1, 40, 33, kBi, kBias, kDx, kResetFirst),     // one step: no recurrence
  };
  uint64_t seed = 500;
  for (const GruShape& s : table) {
    const GruOp op{s};
    checkCudaPasses(op, drawTensors(op, seed++));
  }
}

// Two runs of every CUDA pass give bit-identical results (no atomics, fixed summation orders), on
// shapes that use warps sharing a row, and the split weight GEMMs and the bias sums over several
// chunks.
SJ_TEST(gru_cuda_deterministic) {
  if (!cudaParityAvailable()) return;  // main() says why
  for (const GruShape& s : {shape(29, 12, 5, 6, kBi, kBias, kDx), shape(50, 12, 5, 6, kBi, kBias, kDx), shape(29, 12, 5, 6, kBi, kBias, kDx, kResetFirst)}) {
    const GruOp op{s};
    const DrawnTensors init = drawTensors(op, 77);
    const Tensors<float> a = runCudaPasses(op, init), b = runCudaPasses(op, init);
    SJ_CHECK(!a.empty(), "gru ", s.describe(), ": the CUDA passes returned nothing");
    for (const auto& [name, v] : a) SJ_CHECK(sameBits(v, b.at(name)), "gru ", s.describe(), ": ", name, " differs between two CUDA runs");
  }
}

SJ_TEST(gru_rejects_bad_shapes) {
  auto rejects = [](GruShape s, const char* words) {
    try {
      s.validate();
    } catch (const Error& e) {
      return e.code() == ErrorCode::Shape && std::string(e.what()).find(words) != std::string::npos;
    }
    return false;
  };
  SJ_CHECK(rejects(shape(1, 1, 1, 0, kUni, kBias, kDx), "hidden size must be positive, got 0"), "a zero hidden size must be rejected");
  SJ_CHECK(rejects(shape(1, 0, 1, 1, kUni, kBias, kDx), "time steps must be positive, got 0"), "an empty sequence must be rejected");
  SJ_CHECK(rejects(shape(-2, 3, 1, 1, kBi, kBias, kDx), "batch must be positive, got -2"), "a negative batch must be rejected");
  SJ_CHECK(rejects(shape(1, 3, 0, 1, kBi, kBias, kDx), "input size must be positive, got 0"), "a zero input size must be rejected");
  bool accepted = true;
  try {
    shape(2, 3, 4, 5, kBi, kBias, kDx).validate();
  } catch (const std::exception&) {
    accepted = false;
  }
  SJ_CHECK(accepted, "a valid shape must be accepted");
}

}  // namespace sj::testing
