#include "harness.h"
#include "kernels/cpu/conv2d.h"

namespace sj::testing {
namespace {

struct Conv2dOp {
  Conv2dShape s;

  std::string describe() const { return "conv2d " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()},           {"w", s.weightSize()},          {"b", s.cout},
            {"dy", s.outputSize()},         {"y", s.outputSize(), Role::Output}, {"dx", s.inputSize(), Role::Output},
            {"dw", s.weightSize(), Role::Output}, {"db", s.cout, Role::Output}};
  }
  std::vector<Pass> passes() const {
    std::vector<Pass> p = {Pass::Forward, Pass::BackwardInput, Pass::BackwardWeight};
    if (s.bias) p.push_back(Pass::BackwardBias);
    return p;
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    switch (pass) {
      case Pass::Forward: conv2dForwardReference(s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: conv2dBackwardInputReference(s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: conv2dBackwardWeightReference(s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: conv2dBackwardBiasReference(s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    switch (pass) {
      case Pass::Forward: conv2dForward(pool, s, t["x"].data(), t["w"].data(), t["b"].data(), t["y"].data()); break;
      case Pass::BackwardInput: conv2dBackwardInput(pool, s, t["dy"].data(), t["w"].data(), t["dx"].data()); break;
      case Pass::BackwardWeight: conv2dBackwardWeight(pool, s, t["dy"].data(), t["x"].data(), t["dw"].data()); break;
      case Pass::BackwardBias: conv2dBackwardBias(pool, s, t["dy"].data(), t["db"].data()); break;
      default: break;
    }
  }
  Cost cost(Pass pass) const {
    switch (pass) {
      case Pass::Forward: return conv2dForwardCost(s);
      case Pass::BackwardInput: return conv2dBackwardInputCost(s);
      case Pass::BackwardWeight: return conv2dBackwardWeightCost(s);
      default: return conv2dBackwardBiasCost(s);
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

Conv2dShape shape(int64_t n, int64_t cin, int64_t h, int64_t w, int64_t cout, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph,
                  int64_t pw, bool bias) {
  Conv2dShape s;
  s.n = n, s.cin = cin, s.h = h, s.w = w, s.cout = cout, s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.ph = ph, s.pw = pw, s.bias = bias;
  return s;
}

}  // namespace

SJ_TEST(conv2d_table) {
  // n, cin, h, w, cout, kh, kw, sh, sw, ph, pw, bias
  const Conv2dShape table[] = {
      shape(1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, true),      // smallest
      shape(2, 3, 7, 5, 4, 3, 3, 1, 1, 1, 1, true),      // odd sizes, same padding
      shape(1, 1, 16, 9, 3, 3, 3, 1, 1, 1, 1, false),    // first layer of a tagger, no bias
      shape(3, 5, 9, 11, 7, 3, 2, 2, 3, 1, 0, true),     // unequal stride, kernel, padding
      shape(2, 4, 6, 6, 5, 5, 5, 1, 1, 2, 2, true),      // 5x5
      shape(1, 2, 5, 5, 3, 3, 3, 2, 2, 2, 2, true),      // padding wider than a stride step
      shape(2, 3, 4, 4, 2, 4, 4, 1, 1, 0, 0, true),      // kernel = input: one output pixel
      shape(1, 6, 8, 8, 9, 1, 1, 1, 1, 0, 0, true),      // 1x1
      shape(2, 17, 13, 10, 33, 3, 3, 1, 1, 1, 1, true),  // more channels than one micro-tile
      shape(1, 2, 9, 3, 2, 3, 3, 3, 1, 1, 1, true),      // stride larger than output rows
  };
  uint64_t seed = 1;
  for (const Conv2dShape& s : table) checkOp(Conv2dOp{s}, seed++);
}

SJ_TEST(conv2d_random) {
  std::mt19937_64 rng(20261127);
  for (int i = 0; i < 12; ++i) {
    Conv2dShape s;
    s.n = draw(rng, 1, 3), s.cin = draw(rng, 1, 6), s.cout = draw(rng, 1, 9);
    s.kh = draw(rng, 1, 4), s.kw = draw(rng, 1, 4);
    s.sh = draw(rng, 1, 3), s.sw = draw(rng, 1, 3);
    s.ph = draw(rng, 0, s.kh - 1), s.pw = draw(rng, 0, s.kw - 1);
    s.h = draw(rng, std::max<int64_t>(1, s.kh - 2 * s.ph), 12), s.w = draw(rng, std::max<int64_t>(1, s.kw - 2 * s.pw), 12);
    s.bias = draw(rng, 0, 1) == 1;
    checkOp(Conv2dOp{s}, 100 + i);
  }
}

SJ_TEST(conv2d_rejects_bad_shapes) {
  Conv2dShape s = shape(1, 1, 2, 2, 1, 3, 3, 1, 1, 0, 0, true);
  bool threw = false;
  try {
    s.validate();
  } catch (const std::exception& e) {
    threw = std::string(e.what()).find("larger than the padded input") != std::string::npos;
  }
  SJ_CHECK(threw, "a 3x3 kernel on a 2x2 input without padding must be rejected with a message naming the sizes");
}

}  // namespace sj::testing
