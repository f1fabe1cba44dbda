#include <cmath>
#include <map>
#include <utility>

#include "base/error.h"
#include "cuda_runs.h"
#include "harness.h"
#include "kernels/lstm.h"

namespace sj::testing {
namespace {

// Tolerances are the harness defaults. Fast (float, GEMM summation order) against reference
// (double): 1e-4 of the largest reference value per tensor. Finite differences of the double reference: 1e-6 of max(1, max |gradient|), step 1e-6.
struct LstmOp : OpTest<LstmOp, LstmShape> {
  std::string describe() const { return "lstm " + s.describe(); }
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
            {"state", s.stateSize(), Role::Output},
            {"gateGrads", s.gateGradsSize(), Role::Output},
            {"dx", s.inputSize(), Role::Output},
            {"dwih", s.inputWeightSize(), Role::Output},
            {"dwhh", s.hiddenWeightSize(), Role::Output},
            {"dbih", s.biasSize(), Role::Output},
            {"dbhh", s.biasSize(), Role::Output}};
  }
  // W_hh and the hidden-state history are read only when there is a recurrence (T > 1); the
  // backward-input pass needs the saved state, not the outputs.
  std::vector<PassIo> passes() const {
    const bool recurrent = s.t > 1;
    PassIo forward{Pass::Forward, {"x", "wih"}, {"y", "state"}};
    if (recurrent) forward.reads.push_back("whh");
    if (s.bias) forward.reads.insert(forward.reads.end(), {"bih", "bhh"});
    PassIo input{Pass::BackwardInput, {"dy", "state"}, {"gateGrads"}};
    if (recurrent) input.reads.push_back("whh");
    if (s.inputGradient) input.reads.push_back("wih"), input.writes.push_back("dx");
    PassIo weight{Pass::BackwardWeight, {"gateGrads", "x"}, {"dwih", "dwhh"}};
    if (recurrent) weight.reads.push_back("y");
    std::vector<PassIo> p = {forward, input, weight};
    if (s.bias) p.push_back({Pass::BackwardBias, {"gateGrads"}, {"dbih", "dbhh"}});
    return p;
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward:
        lstmForwardReference(s, t["x"].data(), t["wih"].data(), t["whh"].data(), t["bih"].data(), t["bhh"].data(), t["y"].data(),
                             t["state"].data());
        break;
      case Pass::BackwardInput:
        lstmBackwardInputReference(s, t["dy"].data(), t["state"].data(), t["wih"].data(), t["whh"].data(),
                                  t["gateGrads"].data(), s.inputGradient ? t["dx"].data() : nullptr);
        break;
      case Pass::BackwardWeight:
        lstmBackwardWeightReference(s, t["gateGrads"].data(), t["x"].data(), t["y"].data(), t["dwih"].data(), t["dwhh"].data());
        break;
      case Pass::BackwardBias: lstmBackwardBiasReference(s, t["gateGrads"].data(), t["dbih"].data(), t["dbhh"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward:
        lstmForward(pool, s, t["x"].data(), t["wih"].data(), t["whh"].data(), s.bias ? t["bih"].data() : nullptr,
                   s.bias ? t["bhh"].data() : nullptr, t["y"].data(), t["state"].data());
        break;
      case Pass::BackwardInput:
        lstmBackwardInput(pool, s, t["dy"].data(), t["state"].data(), t["wih"].data(), t["whh"].data(), t["gateGrads"].data(),
                         s.inputGradient ? t["dx"].data() : nullptr);
        break;
      case Pass::BackwardWeight:
        lstmBackwardWeight(pool, s, t["gateGrads"].data(), t["x"].data(), t["y"].data(), t["dwih"].data(), t["dwhh"].data());
        break;
      case Pass::BackwardBias: lstmBackwardBias(pool, s, t["gateGrads"].data(), t["dbih"].data(), t["dbhh"].data()); break;
      default: break;
    }
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    switch (pass) {
      case Pass::Forward:
        cuda::lstmForward(stream, s, d["x"], d["wih"], d["whh"], s.bias ? d["bih"] : nullptr, s.bias ? d["bhh"] : nullptr, d["y"], d["state"]);
        break;
      case Pass::BackwardInput:
        cuda::lstmBackwardInput(stream, s, d["dy"], d["state"], d["wih"], d["whh"], d["gateGrads"], s.inputGradient ? d["dx"] : nullptr);
        break;
      case Pass::BackwardWeight: cuda::lstmBackwardWeight(stream, s, d["gateGrads"], d["x"], d["y"], d["dwih"], d["dwhh"]); break;
      case Pass::BackwardBias: cuda::lstmBackwardBias(stream, s, d["gateGrads"], d["dbih"], d["dbhh"]); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return lstmForwardCost(s);
      case Pass::BackwardInput: return lstmBackwardInputCost(s);
      case Pass::BackwardWeight: return lstmBackwardWeightCost(s);
      default: return lstmBackwardBiasCost(s);
    }
  }
};

LstmShape shape(int64_t n, int64_t t, int64_t input, int64_t hidden, bool bidirectional, bool bias, bool inputGradient) {
  LstmShape s;
  s.n = n, s.t = t, s.input = input, s.hidden = hidden, s.bidirectional = bidirectional, s.bias = bias, s.inputGradient = inputGradient;
  return s;
}

constexpr bool kUni = false, kBi = true, kBias = true, kNoBias = false, kDx = true, kNoDx = false;

}  // namespace

SJ_TEST(lstm_table) {
  // n, t, input, hidden, directions, bias, dx
  const LstmShape table[] = {
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
  };
  uint64_t seed = 11;
  for (const LstmShape& s : table) checkOp(LstmOp{s}, seed++);
}

SJ_TEST(lstm_random) {
  std::mt19937_64 rng(3141592);
  for (int i = 0; i < 10; ++i) {
    LstmShape s = shape(draw(rng, 1, 5), draw(rng, 1, 8), draw(rng, 1, 20), draw(rng, 1, 24), draw(rng, 0, 1) == 1, draw(rng, 0, 1) == 1,
                       draw(rng, 0, 1) == 1);
    checkOp(LstmOp{s}, 300 + i);
  }
}

// Every pass gives bit-identical results on 1, 3 and 5 threads, on a shape whose GEMMs and
// element-wise steps are large enough to be split across threads.
SJ_TEST(lstm_thread_count_independent) {
  const LstmShape s = shape(300, 3, 20, 64, kBi, kBias, kDx);
  const LstmOp op{s};
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
    SJ_CHECK(v == b.at(name) && v == c.at(name), "lstm ", s.describe(), ": ", name, " differs between thread counts");
  }
}

// CUDA passes against the double reference on shapes too large for the full checkOp (finite
// differences, counting): grids of several blocks of 256 threads in every kernel, ragged last
// blocks, hidden sizes past one block, long recurrences, and the bias column sums over several
// chunks of 256 rows. Small enough for the emulator, which runs every thread as a fiber.
SJ_TEST(lstm_cuda_tiling_edges) {
  if (!cudaParityAvailable()) return;  // main() says why
  const LstmShape table[] = {
      shape(9, 3, 65, 70, kBi, kBias, kDx),       // D*4H = 560 gate columns, I and H past 64, none a multiple
      shape(17, 3, 4, 9, kBi, kBias, kNoDx),      // no dx
      shape(1, 2, 3, 264, kUni, kNoBias, kDx),    // H above one block of 256 threads
      shape(2, 20, 3, 4, kBi, kBias, kDx),        // a long recurrence
      shape(6, 1, 40, 33, kBi, kBias, kDx),       // one step: dW_hh zero, no recurrence
      shape(50, 12, 5, 6, kBi, kBias, kDx),       // bias sums over 3 chunks of 256 rows
  };
  uint64_t seed = 500;
  for (const LstmShape& s : table) {
    const LstmOp op{s};
    checkCudaPasses(op, drawTensors(op, seed++));
  }
}

// Two runs of every CUDA pass give bit-identical results (no atomics, fixed summation orders),
// including the bias sums over several chunks.
SJ_TEST(lstm_cuda_deterministic) {
  if (!cudaParityAvailable()) return;  // main() says why
  for (const LstmShape& s : {shape(29, 12, 5, 6, kBi, kBias, kDx), shape(50, 12, 5, 6, kBi, kBias, kDx)}) {
    const LstmOp op{s};
    const DrawnTensors init = drawTensors(op, 77);
    const Tensors<float> a = runCudaPasses(op, init), b = runCudaPasses(op, init);
    SJ_CHECK(!a.empty(), "lstm ", s.describe(), ": the CUDA passes returned nothing");
    for (const auto& [name, v] : a) SJ_CHECK(sameBits(v, b.at(name)), "lstm ", s.describe(), ": ", name, " differs between two CUDA runs");
  }
}

SJ_TEST(lstm_rejects_bad_shapes) {
  auto rejects = [](LstmShape s, const char* words) {
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
