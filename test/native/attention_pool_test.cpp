#include "base/error.h"
#include "harness.h"
#include "kernels/attention_pool.h"

namespace sj::testing {
namespace {

struct AttentionPoolOp : OpTest<AttentionPoolOp, AttentionPoolShape> {
  double range = 2.0;  // attention logits drawn from [-range, range)

  std::string describe() const { return "attention-pool " + s.describe() + " a in +-" + std::to_string(range); }
  std::vector<TensorDecl> tensors() const {
    return {{"strong", s.size(), Role::Filled, 0.0, 1.0},
            {"a", s.size(), Role::Filled, -range, range},
            {"dweak", s.clipSize()},
            {"sof", s.size(), Role::Output},
            {"den", s.clipSize(), Role::Output},
            {"weak", s.clipSize(), Role::Output},
            {"dstrong", s.size(), Role::Output},
            {"da", s.size(), Role::Output}};
  }
  std::vector<PassIo> passes() const {
    return {{Pass::Forward, {"strong", "a"}, {"sof", "den", "weak"}},
            {Pass::BackwardInput, {"strong", "sof", "den", "weak", "dweak"}, {"dstrong", "da"}}};
  }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward)
      attentionPoolForwardReference(s, t["strong"].data(), t["a"].data(), t["sof"].data(), t["den"].data(), t["weak"].data());
    if (pass == Pass::BackwardInput)
      attentionPoolBackwardInputReference(s, t["strong"].data(), t["sof"].data(), t["den"].data(), t["weak"].data(), t["dweak"].data(),
                                          t["dstrong"].data(), t["da"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward)
      attentionPoolForward(pool, s, t["strong"].data(), t["a"].data(), t["sof"].data(), t["den"].data(), t["weak"].data());
    if (pass == Pass::BackwardInput)
      attentionPoolBackwardInput(pool, s, t["strong"].data(), t["sof"].data(), t["den"].data(), t["weak"].data(), t["dweak"].data(),
                                 t["dstrong"].data(), t["da"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::attentionPoolForward(stream, s, d["strong"], d["a"], d["sof"], d["den"], d["weak"]);
    if (pass == Pass::BackwardInput)
      cuda::attentionPoolBackwardInput(stream, s, d["strong"], d["sof"], d["den"], d["weak"], d["dweak"], d["dstrong"], d["da"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? attentionPoolForwardCost(s) : attentionPoolBackwardInputCost(s); }
  std::vector<LossTerm> loss() const { return {{"weak", "dweak"}}; }
  // Float softmax and products with double sums: observed errors stay below 2e-7 of the largest
  // value. With wide logits (the clamp cases) da is partly the gradient of saturated softmax rows,
  // tiny differences of float terms (see softmax_test); observed 3e-7, bound 1e-5.
  // The clamp is a kink: with logits within +-2 over at most 40 values every softmax output is
  // above e^-4/40 > 4e-4, far from 1e-7; in the wide cases the clamped outputs are below 1e-7 by
  // orders of magnitude (e^-(gap) with gaps of tens), so a 1e-6 step never crosses it.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = range <= 2.0 ? 2e-6 : 1e-5;
    return c;
  }
};

AttentionPoolOp op(int64_t b, int64_t t, int64_t c, AttentionAxis axis, double range = 2.0) {
  AttentionPoolShape s;
  s.b = b, s.t = t, s.c = c, s.softmaxOver = axis;
  return AttentionPoolOp{s, range};
}

}  // namespace

SJ_TEST(attention_pool_table) {
  uint64_t seed = 800;
  for (AttentionAxis axis : {AttentionAxis::Classes, AttentionAxis::Time}) {
    for (const AttentionPoolOp& o : {
             op(1, 1, 1, axis),          // one frame, one class: weak = strong, da = 0
             op(2, 9, 1, axis),          // C = 1: the class softmax is 1 everywhere
             op(3, 7, 5, axis),          // odd sizes
             op(2, 156, 10, axis),       // the baseline's 156 frames x 10 classes
             op(1, 40, 3, axis),
             op(2, 6, 10, axis, 30.0),   // wide logits: many softmax outputs below the 1e-7 floor
         })
      checkOp(o, seed++);
  }
  checkOp(op(2, 1, 10, AttentionAxis::Time), seed++);  // T = 1 over time: sof = 1, da = 0 exactly
}

// T = 1 with the softmax over classes: weak = strong, so the gradient reaching the attention
// logits is zero in exact arithmetic and rounding noise (~1e-17 in double) in the reference,
// which a relative comparison cannot judge: checked here in absolute terms instead.
SJ_TEST(attention_pool_single_frame) {
  AttentionPoolShape s;
  s.b = 2, s.t = 1, s.c = 10;
  std::mt19937_64 rng(31);
  std::uniform_real_distribution<float> u(0.0f, 1.0f), v(-2.0f, 2.0f);
  std::vector<float> strong(20), a(20), dweak(20), sof(20), den(2 * 10), weak(20), dstrong(20), da(20);
  for (int i = 0; i < 20; ++i) strong[i] = u(rng), a[i] = v(rng), dweak[i] = v(rng);
  attentionPoolForward(testPool(), s, strong.data(), a.data(), sof.data(), den.data(), weak.data());
  attentionPoolBackwardInput(testPool(), s, strong.data(), sof.data(), den.data(), weak.data(), dweak.data(), dstrong.data(), da.data());
  std::vector<double> sd(strong.begin(), strong.end()), ad(a.begin(), a.end()), gd(dweak.begin(), dweak.end()), sofd(20), dend(20),
      weakd(20), dsd(20), dad(20);
  attentionPoolForwardReference(s, sd.data(), ad.data(), sofd.data(), dend.data(), weakd.data());
  attentionPoolBackwardInputReference(s, sd.data(), sofd.data(), dend.data(), weakd.data(), gd.data(), dsd.data(), dad.data());
  for (int i = 0; i < 20; ++i) {
    SJ_CHECK(std::fabs(weak[i] - strong[i]) <= 1e-7 && std::fabs(weakd[i] - sd[i]) <= 1e-15, "weak[", i, "] = ", weak[i], " / ", weakd[i],
             ", strong ", strong[i]);
    SJ_CHECK(std::fabs(dstrong[i] - dweak[i]) <= 1e-6 && std::fabs(dsd[i] - gd[i]) <= 1e-15, "dstrong[", i, "] = ", dstrong[i], " / ",
             dsd[i], ", dweak ", dweak[i]);
    SJ_CHECK(std::fabs(da[i]) <= 1e-7 && std::fabs(dad[i]) <= 1e-15, "da[", i, "] = ", da[i], " / ", dad[i], ", expected 0");
  }
}

SJ_TEST(attention_pool_random) {
  std::mt19937_64 rng(4711);
  for (int i = 0; i < 10; ++i)
    checkOp(op(draw(rng, 1, 4), draw(rng, 1, 30), draw(rng, 1, 12), i % 2 ? AttentionAxis::Time : AttentionAxis::Classes), 830 + i);
}

// With logits spread over +-30 the clamp is active, and the gradient of a clamped weight is 0:
// strong at a clamped frame still gets dweak * 1e-7 / den, and the logits' gradient comes only
// from the unclamped outputs. Checked against an independent formulation.
SJ_TEST(attention_pool_clamp) {
  AttentionPoolShape s;
  s.b = 1, s.t = 4, s.c = 3;
  // Softmax over the classes of each frame: class 0 takes frames 0 and 1 (the other two fall
  // to e^-30 and e^-29), class 0 vanishes in frame 2 (e^-30 / 2), frame 3 is uniform.
  const std::vector<double> a = {30, 0, 0, 30, 0, 1, -30, 0, 0, 0, 0, 0};
  const std::vector<double> strong = {0.9, 0.1, 0.5, 0.8, 0.2, 0.4, 0.3, 0.7, 0.6, 0.5, 0.5, 0.5};
  std::vector<double> sof(12), den(3), weak(3), dweak = {1.0, -0.5, 0.25}, dstrong(12), da(12);
  attentionPoolForwardReference(s, strong.data(), a.data(), sof.data(), den.data(), weak.data());
  int clamped = 0;
  for (double v : sof) clamped += v < kAttentionFloor;
  SJ_CHECK(clamped == 5, "expected 5 softmax outputs below the floor, got ", clamped);
  double expectDen = 0.0;
  for (int t = 0; t < 4; ++t) expectDen += std::max(sof[t * 3 + 1], kAttentionFloor);
  SJ_CHECK(std::fabs(den[1] - expectDen) < 1e-15, "den[1] = ", den[1], ", expected ", expectDen);
  attentionPoolBackwardInputReference(s, strong.data(), sof.data(), den.data(), weak.data(), dweak.data(), dstrong.data(), da.data());
  // frame 0, class 1 is clamped: its weight gradient is dropped, strong still sees the floor.
  SJ_CHECK(sof[1] < kAttentionFloor && std::fabs(dstrong[1] - dweak[1] * kAttentionFloor / den[1]) < 1e-20, "dstrong[1] = ", dstrong[1]);
  // Row 0 softmax gradient with the clamped entries' upstream set to 0.
  std::vector<double> g(3);
  for (int c = 0; c < 3; ++c) g[c] = sof[c] >= kAttentionFloor ? dweak[c] * (strong[c] - weak[c]) / den[c] : 0.0;
  const double dot = g[0] * sof[0] + g[1] * sof[1] + g[2] * sof[2];
  for (int c = 0; c < 3; ++c) SJ_CHECK(std::fabs(da[c] - sof[c] * (g[c] - dot)) < 1e-15, "da[", c, "] = ", da[c]);
}

SJ_TEST(attention_pool_rejects_bad_shapes) {
  bool threw = false;
  try {
    op(2, 0, 10, AttentionAxis::Classes).s.validate();
  } catch (const Error& e) {
    threw = e.code() == ErrorCode::Shape && std::string(e.what()).find("[2,0,10]") != std::string::npos;
  }
  SJ_CHECK(threw, "zero frames must be rejected with E_SHAPE naming the shape");
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5.
SJ_TEST(attention_pool_thread_count_independent) {
  for (AttentionAxis axis : {AttentionAxis::Classes, AttentionAxis::Time}) {
    const AttentionPoolShape s = op(48, 156, 10, axis).s;
    std::mt19937_64 rng(9);
    std::uniform_real_distribution<float> u(0.0f, 1.0f), v(-3.0f, 3.0f);
    std::vector<float> strong(s.size()), a(s.size()), dweak(s.clipSize());
    for (float& x : strong) x = u(rng);
    for (float& x : a) x = v(rng);
    for (float& x : dweak) x = v(rng);
    std::vector<float> first;
    for (int threads : {1, 2, 5}) {
      ThreadPool pool(threads);
      std::vector<float> sof(s.size()), den(s.clipSize()), weak(s.clipSize()), dstrong(s.size()), da(s.size());
      attentionPoolForward(pool, s, strong.data(), a.data(), sof.data(), den.data(), weak.data());
      attentionPoolBackwardInput(pool, s, strong.data(), sof.data(), den.data(), weak.data(), dweak.data(), dstrong.data(), da.data());
      std::vector<float> all = sof;
      for (const auto* w : {&den, &weak, &dstrong, &da}) all.insert(all.end(), w->begin(), w->end());
      if (first.empty()) first = all;
      SJ_CHECK(all == first, "attention pool ", s.describe(), " with ", threads, " threads differs from 1 thread");
    }
  }
}

}  // namespace sj::testing
