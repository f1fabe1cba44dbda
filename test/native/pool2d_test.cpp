#include <typeinfo>

#include "base/error.h"
#include "harness.h"
#include "kernels/pool2d.h"

namespace sj::testing {
namespace {

// Max pooling keeps its argmax itself (Role::Index): one buffer per scalar type the reference
// runs in, and one for the fast kernel, so the backward passes each use their own forward's.
struct MaxPool2dOp : OpTest<MaxPool2dOp, Pool2dShape> {
  mutable std::map<std::string, std::vector<int32_t>> argmax;

  std::vector<int32_t>& indices(const std::string& key) const {
    std::vector<int32_t>& v = argmax[key];
    v.resize(s.outputSize());
    return v;
  }

  std::string describe() const { return "max-pool2d " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()},
            {"dy", s.outputSize()},
            {"y", s.outputSize(), Role::Output},
            {"argmax", s.outputSize(), Role::Index},
            {"dx", s.inputSize(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y", "argmax"}}, {Pass::BackwardInput, {"dy", "argmax"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    std::vector<int32_t>& where = indices(typeid(T).name());
    if (pass == Pass::Forward) maxPool2dForwardReference(s, t["x"].data(), t["y"].data(), where.data());
    if (pass == Pass::BackwardInput) maxPool2dBackwardInputReference(s, t["dy"].data(), where.data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    std::vector<int32_t>& where = indices("fast");
    if (pass == Pass::Forward) maxPool2dForward(pool, s, t["x"].data(), t["y"].data(), where.data());
    if (pass == Pass::BackwardInput) maxPool2dBackwardInput(pool, s, t["dy"].data(), where.data(), t["dx"].data());
  }
  // On the device the argmax is the harness's zero-filled Role::Index tensor (int32 data).
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    int32_t* where = reinterpret_cast<int32_t*>(d["argmax"]);
    if (pass == Pass::Forward) cuda::maxPool2dForward(stream, s, d["x"], d["y"], where);
    if (pass == Pass::BackwardInput) cuda::maxPool2dBackwardInput(stream, s, d["dy"], where, d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? maxPool2dForwardCost(s) : maxPool2dBackwardInputCost(s); }
  // Max is not smooth where two values of a window tie. x is drawn from [-1, 1) in float; a
  // finite difference steps 1e-6, so it crosses a kink only when two values of one window are
  // within 2e-6, which the seeded draws below never produce (a failure here would name the
  // element). The fast and reference argmax agree for the same reason.
  // The forward copies values; the backward sums the gradients of the windows that share a
  // maximum, in float against double.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
  // Every window's maximum is unique in these draws (above), so the fast kernel keeps the
  // reference's argmax.
  void extraChecks(const Tensors<double>&, const Tensors<float>&) const {
    SJ_CHECK(indices("fast") == indices(typeid(double).name()), describe(), ": the fast argmax differs from the reference's");
  }
};

struct AvgPool2dOp : OpTest<AvgPool2dOp, Pool2dShape> {
  std::string describe() const { return "avg-pool2d " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.inputSize()}, {"dy", s.outputSize()}, {"y", s.outputSize(), Role::Output}, {"dx", s.inputSize(), Role::Output}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x"}, {"y"}}, {Pass::BackwardInput, {"dy"}, {"dx"}}}; }
  template <class T>
  void reference(Pass pass, Tensors<T>& t) const {
    if (pass == Pass::Forward) avgPool2dForwardReference(s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) avgPool2dBackwardInputReference(s, t["dy"].data(), t["dx"].data());
  }
  void fast(Pass pass, Tensors<float>& t, ThreadPool& pool) const {
    if (pass == Pass::Forward) avgPool2dForward(pool, s, t["x"].data(), t["y"].data());
    if (pass == Pass::BackwardInput) avgPool2dBackwardInput(pool, s, t["dy"].data(), t["dx"].data());
  }
  void cuda(Pass pass, DeviceTensors& d, CudaStream stream) const {
    if (pass == Pass::Forward) cuda::avgPool2dForward(stream, s, d["x"], d["y"]);
    if (pass == Pass::BackwardInput) cuda::avgPool2dBackwardInput(stream, s, d["dy"], d["dx"]);
  }
  Cost cost(Pass pass) const { return pass == Pass::Forward ? avgPool2dForwardCost(s) : avgPool2dBackwardInputCost(s); }
  // Sums of at most KH*KW float inputs, accumulated in double: errors are a few float roundings.
  OpChecks checks() const {
    OpChecks c;
    c.fastTolerance = 1e-6;
    return c;
  }
};

Pool2dShape shape(int64_t n, int64_t c, int64_t h, int64_t w, int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                  bool countIncludePad = true) {
  Pool2dShape s;
  s.n = n, s.c = c, s.h = h, s.w = w, s.kh = kh, s.kw = kw, s.sh = sh, s.sw = sw, s.ph = ph, s.pw = pw, s.countIncludePad = countIncludePad;
  return s;
}

const std::vector<Pool2dShape>& table() {
  // n, c, h, w, kh, kw, sh, sw, ph, pw
  static const std::vector<Pool2dShape> shapes = {
      shape(1, 1, 1, 1, 1, 1, 1, 1, 0, 0),    // smallest: a copy
      shape(2, 3, 5, 4, 1, 1, 1, 1, 0, 0),    // 1x1 window
      shape(2, 3, 8, 6, 2, 2, 2, 2, 0, 0),    // the tagger's 2x2 pool
      shape(1, 2, 7, 9, 1, 2, 1, 2, 0, 0),    // frequency-only pool (DCASE CRNN), odd width drops a column
      shape(2, 2, 7, 5, 3, 3, 1, 1, 1, 1),    // overlapping windows with padding
      shape(3, 1, 9, 7, 3, 2, 2, 3, 1, 1),    // unequal window, stride and padding
      shape(1, 3, 4, 6, 4, 6, 1, 1, 0, 0),    // window = input: one output
      shape(2, 1, 3, 3, 3, 3, 1, 1, 2, 2),    // padding wider than half the window: edge windows hold one value
      shape(1, 2, 11, 10, 5, 4, 3, 3, 2, 3),  // strides smaller than windows, asymmetric
      shape(2, 2, 6, 13, 2, 3, 3, 1, 1, 0),   // stride larger than the window height: skipped rows
      shape(2, 3, 7, 75, 2, 2, 2, 2, 0, 0),   // 2x2 rows of many vectors, an odd height and width dropping a row and a column
      shape(1, 2, 3, 67, 1, 2, 1, 2, 0, 0),   // 1x2 likewise
  };
  return shapes;
}

std::vector<Pool2dShape> randomShapes(uint64_t seed, int count) {
  std::mt19937_64 rng(seed);
  std::vector<Pool2dShape> out;
  for (int i = 0; i < count; ++i) {
    Pool2dShape s;
    s.n = draw(rng, 1, 3), s.c = draw(rng, 1, 4);
    s.kh = draw(rng, 1, 4), s.kw = draw(rng, 1, 4);
    s.sh = draw(rng, 1, 3), s.sw = draw(rng, 1, 3);
    s.ph = draw(rng, 0, s.kh - 1), s.pw = draw(rng, 0, s.kw - 1);
    s.h = draw(rng, std::max<int64_t>(1, s.kh - 2 * s.ph), 13), s.w = draw(rng, std::max<int64_t>(1, s.kw - 2 * s.pw), 13);
    s.countIncludePad = draw(rng, 0, 1) == 1;
    out.push_back(s);
  }
  return out;
}

}  // namespace

SJ_TEST(pool2d_max_table) {
  uint64_t seed = 300;
  for (const Pool2dShape& s : table()) checkOp(MaxPool2dOp{s, {}}, seed++);
}

SJ_TEST(pool2d_max_random) {
  uint64_t seed = 320;
  for (const Pool2dShape& s : randomShapes(4242, 12)) checkOp(MaxPool2dOp{s, {}}, seed++);
}

SJ_TEST(pool2d_avg_table) {
  uint64_t seed = 340;
  for (Pool2dShape s : table()) {
    for (bool include : {true, false}) {
      s.countIncludePad = include;
      checkOp(AvgPool2dOp{s}, seed++);
    }
  }
}

SJ_TEST(pool2d_avg_random) {
  uint64_t seed = 380;
  for (const Pool2dShape& s : randomShapes(777, 12)) checkOp(AvgPool2dOp{s}, seed++);
}

// The two divisors differ only where a window overlaps padding: a 3x3 window with padding 1 on a
// 2x2 input of ones gives 4/9 with countIncludePad and 1 without.
SJ_TEST(pool2d_avg_count_include_pad) {
  Pool2dShape s = shape(1, 1, 2, 2, 3, 3, 1, 1, 1, 1);
  const std::vector<double> x(4, 1.0);
  std::vector<double> y(s.outputSize());
  avgPool2dForwardReference(s, x.data(), y.data());
  SJ_CHECK(std::fabs(y[0] - 4.0 / 9.0) < 1e-12, "countIncludePad: y[0] = ", y[0]);
  s.countIncludePad = false;
  avgPool2dForwardReference(s, x.data(), y.data());
  SJ_CHECK(std::fabs(y[0] - 1.0) < 1e-12, "valid count: y[0] = ", y[0]);
}

SJ_TEST(pool2d_rejects_bad_shapes) {
  auto message = [](const Pool2dShape& s) -> std::string {
    try {
      s.validate();
    } catch (const Error& e) {
      SJ_CHECK(e.code() == ErrorCode::Shape, "pool2d shape errors are E_SHAPE");
      return e.what();
    }
    return "";
  };
  SJ_CHECK(message(shape(1, 1, 2, 2, 3, 3, 1, 1, 0, 0)).find("larger than the padded input") != std::string::npos,
           "a 3x3 window on a 2x2 input without padding: ", message(shape(1, 1, 2, 2, 3, 3, 1, 1, 0, 0)));
  SJ_CHECK(message(shape(1, 1, 4, 4, 2, 2, 2, 2, 2, 0)).find("smaller than the window") != std::string::npos,
           "padding equal to the window: ", message(shape(1, 1, 4, 4, 2, 2, 2, 2, 2, 0)));
  SJ_CHECK(message(shape(1, 1, 4, 4, 2, 2, 0, 2, 0, 0)).find("stride height") != std::string::npos,
           "zero stride: ", message(shape(1, 1, 4, 4, 2, 2, 0, 2, 0, 0)));
  SJ_CHECK(message(shape(1, 0, 4, 4, 2, 2, 1, 1, 0, 0)).find("channels") != std::string::npos,
           "zero channels: ", message(shape(1, 0, 4, 4, 2, 2, 1, 1, 0, 0)));
  SJ_CHECK(message(shape(2, 3, 8, 6, 2, 2, 2, 2, 1, 1)).empty(), "a valid shape is accepted");
}

// Results must not depend on how many threads share the work: bit-identical with 1, 2 and 5.
SJ_TEST(pool2d_thread_count_independent) {
  const Pool2dShape s = shape(4, 8, 64, 64, 3, 3, 1, 1, 1, 1, false);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> x(s.inputSize()), dy(s.outputSize());
  for (float& v : x) v = u(rng);
  for (float& v : dy) v = u(rng);
  std::vector<float> first;
  for (int threads : {1, 2, 5}) {
    ThreadPool pool(threads);
    std::vector<float> y(s.outputSize()), dx(s.inputSize()), y2(s.outputSize()), dx2(s.inputSize());
    std::vector<int32_t> where(s.outputSize());
    maxPool2dForward(pool, s, x.data(), y.data(), where.data());
    maxPool2dBackwardInput(pool, s, dy.data(), where.data(), dx.data());
    avgPool2dForward(pool, s, x.data(), y2.data());
    avgPool2dBackwardInput(pool, s, dy.data(), dx2.data());
    std::vector<float> all = y;
    for (const auto* v : {&dx, &y2, &dx2}) all.insert(all.end(), v->begin(), v->end());
    if (first.empty()) first = all;
    SJ_CHECK(all == first, "pool2d results with ", threads, " threads differ from 1 thread");
  }
}

}  // namespace sj::testing
