#include "harness.h"
#include "kernels/cpu/linear.h"

namespace sj::testing {
namespace {

struct LinearOp {
  LinearShape s;

  std::string describe() const { return "linear " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.m * s.k},   {"w", s.nout * s.k}, {"b", s.nout},
            {"dy", s.m * s.nout}, {"y", s.m * s.nout, Role::Output}, {"dx", s.m * s.k, Role::Output},
            {"dw", s.nout * s.k, Role::Output}, {"db", s.nout, Role::Output}};
  }
  std::vector<Pass> passes() const {
    std::vector<Pass> p = {Pass::Forward, Pass::BackwardInput, Pass::BackwardWeight};
    if (s.bias) p.push_back(Pass::BackwardBias);
    return p;
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward: linearForwardReference(s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: linearBackwardInputReference(s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: linearBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: linearBackwardBiasReference(s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward: linearForward(pool, s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: linearBackwardInput(pool, s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: linearBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: linearBackwardBias(pool, s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return linearForwardCost(s);
      case Pass::BackwardInput: return linearBackwardInputCost(s);
      case Pass::BackwardWeight: return linearBackwardWeightCost(s);
      default: return linearBackwardBiasCost(s);
    }
  }
  std::vector<std::string> reads(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return s.bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"};
      case Pass::BackwardInput: return {"dy", "w"};
      case Pass::BackwardWeight: return {"dy", "x"};
      default: return {"dy"};
    }
  }
  std::vector<std::string> writes(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return {"y"};
      case Pass::BackwardInput: return {"dx"};
      case Pass::BackwardWeight: return {"dw"};
      default: return {"db"};
    }
  }
  std::vector<LossTerm> loss() const { return {{"y", "dy"}}; }
  std::vector<GradCheck> gradients(Pass pass) const {
    switch (pass) {
      case Pass::BackwardInput: return {{"dx", "x"}};
      case Pass::BackwardWeight: return {{"dw", "w"}};
      case Pass::BackwardBias: return {{"db", "b"}};
      default: return {};
    }
  }
  OpChecks checks() const { return {}; }
};

LinearOp op(int64_t m, int64_t k, int64_t nout, bool bias) { return LinearOp{LinearShape{m, k, nout, bias}}; }

}  // namespace

SJ_TEST(linear_table) {
  uint64_t seed = 7;
  // rows below and above the small-batch switch, odd sizes, a single output, no bias
  for (const LinearOp& o : {op(1, 1, 1, true), op(3, 5, 7, true), op(8, 37, 10, false), op(17, 9, 1, true), op(40, 300, 33, true),
                            op(2, 600, 3, true)})
    checkOp(o, seed++);
}

SJ_TEST(linear_random) {
  std::mt19937_64 rng(5150);
  for (int i = 0; i < 10; ++i) checkOp(op(draw(rng, 1, 30), draw(rng, 1, 70), draw(rng, 1, 40), draw(rng, 0, 1) == 1), 200 + i);
}

}  // namespace sj::testing
