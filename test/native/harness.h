// A small table-driven harness for kernel tests (after ggml's test-backend-ops):
//  - every pass of the fast kernel is compared with the reference loop run in double;
//  - every pass of the CUDA kernel (ops with a cuda() method) likewise, wherever a device is
//    visible: a GPU, or the CPU emulator of the emulated build (test/fake/cuda);
//  - every backward pass is compared with central finite differences of the double reference;
//  - every cost formula is compared with the operations the reference executes (Counted);
//  - bytesRead / bytesWritten are compared with the sizes of the tensors each pass reads and writes.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/cost.h"
#include "core/device.h"
#include "core/thread_pool.h"
#include "counted.h"
#include "cuda/device_memory.h"
#include "kernels/kernel_pass.h"

namespace sj::testing {

// ---- registry ---------------------------------------------------------------------------------

struct TestCase {
  std::string name;
  std::function<void()> run;
};
std::vector<TestCase>& registry();
struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};
#define SJ_TEST(name)                                                  \
  static void name##_body();                                           \
  static ::sj::testing::Register name##_registration(#name, name##_body); \
  static void name##_body()

class Failure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
template <class... Parts>
[[noreturn]] void failTest(Parts&&... parts) {
  std::ostringstream out;
  out.precision(9);
  (out << ... << std::forward<Parts>(parts));
  throw Failure(out.str());
}
#define SJ_CHECK(cond, ...) \
  do {                      \
    if (!(cond)) ::sj::testing::failTest(__FILE__, ":", __LINE__, ": ", #cond, ": ", __VA_ARGS__); \
  } while (0)

ThreadPool& testPool();  // three threads, so splitting is exercised even on small machines

// ---- op harness -------------------------------------------------------------------------------

using Pass = KernelPass;  // the kernels' own pass enum

template <class T>
using Tensors = std::map<std::string, std::vector<T>>;

// Filled: drawn uniformly from [lo, hi) before the passes run. Output: written by the passes before
// anything reads it (zero for the reference and the CPU kernel; NaN on the device, so a CUDA kernel
// that accumulates into its output, or leaves part of it, fails parity). Zeroed: state the passes
// read before they write it, zero to start with everywhere (an optimizer's moments before step 1).
// Index: int32 data (e.g. max-pool argmax) that the op keeps itself; declared so that its bytes are
// counted, never allocated as a scalar tensor (NaN-filled on the device like an output).
enum class Role { Filled, Output, Zeroed, Index };
struct TensorDecl {
  std::string name;
  int64_t size;
  Role role = Role::Filled;
  double lo = -1.0, hi = 1.0;
};

// One pass of an op: which tensors it reads and writes (their sizes are the compulsory bytes its
// cost formula must count).
struct PassIo {
  Pass pass;
  std::vector<std::string> reads, writes;
};

// The passes of an affine layer y = x w (+ b) (linear, conv2d): the weights' and input's gradients,
// and the bias's when it has one.
inline std::vector<PassIo> affinePasses(bool bias) {
  std::vector<PassIo> p = {{Pass::Forward, bias ? std::vector<std::string>{"x", "w", "b"} : std::vector<std::string>{"x", "w"}, {"y"}},
                           {Pass::BackwardInput, {"dy", "w"}, {"dx"}},
                           {Pass::BackwardWeight, {"dy", "x"}, {"dw"}}};
  if (bias) p.push_back({Pass::BackwardBias, {"dy"}, {"db"}});
  return p;
}

// L = sum_i upstream[i] * output[i]; the backward passes receive `upstream` as their output gradient.
struct LossTerm {
  std::string output, upstream;
};
struct GradCheck {
  std::string grad, wrt;
};

struct OpChecks {
  double fastTolerance = 1e-4;  // max |fast - ref| <= tol * max |ref| per written tensor
  double cudaTolerance = -1;    // likewise for the CUDA kernel; < 0: the fast kernel's
  double fdTolerance = 1e-6;    // max |fd - grad| <= tol * max(1, max |grad|)
  double fdStep = 1e-6;
  int fdSamples = 40;           // elements perturbed per checked tensor
};

// The base of every op test (after ggml's test-backend-ops test_case). An op derives from
// OpTest<Op, Shape>, which holds its shape `s`, and declares what is particular to it:
//   std::string describe() const;
//   std::vector<TensorDecl> tensors() const;
//   std::vector<PassIo> passes() const;                       // in execution order
//   template <class T> void reference(Pass, Tensors<T>&) const;
//   void fast(Pass, Tensors<float>&, ThreadPool&) const;
//   void cuda(Pass, DeviceTensors&, CudaStream) const;        // ops with a CUDA version
//   Cost cost(Pass) const;
// and, where a default below does not fit, redeclares it:
//   loss()              L = sum(y * dy)
//   gradients(pass)     a backward pass's every written "dX" against the Filled tensor "X"
//   checks()            the default tolerances
//   extraChecks(r, f)   nothing beyond the comparisons of checkOp
template <class Op, class Shape>
struct OpTest {
  Shape s;

  std::vector<LossTerm> loss() const { return {{"y", "dy"}}; }
  std::vector<GradCheck> gradients(const PassIo& pass) const {
    std::vector<GradCheck> checks;
    if (pass.pass == Pass::Forward || pass.pass == Pass::Optimizer) return checks;
    const std::vector<TensorDecl> decls = static_cast<const Op&>(*this).tensors();
    for (const std::string& grad : pass.writes) {
      if (grad.size() < 2 || grad[0] != 'd') continue;
      const std::string wrt = grad.substr(1);
      for (const TensorDecl& d : decls)
        if (d.name == wrt && d.role == Role::Filled) checks.push_back({grad, wrt});
    }
    return checks;
  }
  OpChecks checks() const { return {}; }
  // After the passes: the reference's tensors (double) and the fast kernel's.
  void extraChecks(const Tensors<double>&, const Tensors<float>&) const {}
};

double maxAbs(const std::vector<double>& v);

// An op's tensors as a test starts them: Filled drawn from `rng` (each value representable in
// float, so every side sees the same data), Output and Zeroed zero; Index tensors only sized.
struct DrawnTensors {
  std::vector<TensorDecl> decls;
  Tensors<double> init;  // every tensor but the Index ones

  int64_t size(const std::string& name) const {
    for (const TensorDecl& d : decls)
      if (d.name == name) return d.size;
    failTest("no tensor named ", name);
  }
};

template <class Op>
DrawnTensors drawTensors(const Op& op, std::mt19937_64& rng) {
  DrawnTensors t;
  t.decls = op.tensors();
  for (const TensorDecl& d : t.decls) {
    if (d.role == Role::Index) continue;
    std::vector<double> v(d.size, 0.0);
    if (d.role == Role::Filled) {
      std::uniform_real_distribution<double> u(d.lo, d.hi);
      for (double& x : v) x = static_cast<float>(u(rng));
    }
    t.init[d.name] = std::move(v);
  }
  return t;
}

template <class Op>
DrawnTensors drawTensors(const Op& op, uint64_t seed) {
  std::mt19937_64 rng(seed);
  return drawTensors(op, rng);
}

// ---- CUDA parity --------------------------------------------------------------------------------

// The device tensors a CUDA pass reads and writes, by name (Role::Index tensors hold int32).
using DeviceTensors = std::map<std::string, float*>;

// Whether CUDA parity checks can run here: a build with the CUDA backend and a visible device.
bool cudaParityAvailable();
const std::string& cudaParityUnavailableReason();
CudaStream testStream();
int64_t& cudaParityChecks();  // ops whose CUDA passes were checked in this run

template <class Op, class = void>
struct HasCudaPasses : std::false_type {};
template <class Op>
struct HasCudaPasses<Op, std::void_t<decltype(std::declval<const Op&>().cuda(Pass::Forward, std::declval<DeviceTensors&>(), CudaStream{}))>>
    : std::true_type {};

// Max |got - want| over a tensor, and where, against tol * max |want|.
template <class Got>
void compareWithReference(const std::string& where, const char* kind, Pass pass, const std::string& name, const std::vector<double>& want,
                          const Got& got, double tolerance) {
  double scale = std::max(maxAbs(want), 1e-30), worst = 0.0;
  size_t at = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double e = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (!(e <= worst)) {
      worst = e;
      at = i;
    }
  }
  SJ_CHECK(worst <= tolerance * scale, where, " ", kernelPassName(pass), ": ", kind, " ", name, "[", at, "] = ", got[at], " but reference = ",
           want[at], " (error ", worst / scale, " of max |ref| ", scale, ", bound ", tolerance, ")");
}

// An op's tensors on the device, freed with it: Filled tensors uploaded, Zeroed ones zero, and
// every output (Output and Index) NaN, so that what a kernel does not write, or adds to instead of
// writing, cannot pass for a result. Used only under `if constexpr (kCudaBuilt)`, so a build
// without CUDA never emits its calls.
class DeviceCopies {
 public:
  explicit DeviceCopies(const DrawnTensors& t) {
    for (const TensorDecl& d : t.decls) {
      float* p = static_cast<float*>(cuda::allocate(std::max<int64_t>(d.size, 1) * 4, "test tensor " + d.name));
      owned_.pointers[d.name] = p;
      std::vector<float> values(static_cast<size_t>(d.size), std::numeric_limits<float>::quiet_NaN());
      if (d.role != Role::Output && d.role != Role::Index) values.assign(t.init.at(d.name).begin(), t.init.at(d.name).end());
      cuda::copyToDevice(p, values.data(), d.size * 4, testStream(), d.name.c_str());
    }
  }
  DeviceTensors& pointers() { return owned_.pointers; }
  std::vector<float> read(const std::string& name, int64_t size) {
    std::vector<float> got(static_cast<size_t>(size));
    cuda::copyToHost(got.data(), owned_.pointers.at(name), size * 4, testStream(), name.c_str());
    return got;
  }

 private:
  // A member, so the pointers are released even when the constructor throws half-way.
  struct Owned {
    DeviceTensors pointers;
    ~Owned() {
      for (auto& [name, p] : pointers) cuda::release(p);
    }
  } owned_;
};

// Runs the op's CUDA passes on `t` and compares every written tensor with the reference.
template <class Op>
void checkCudaPasses(const Op& op, const DrawnTensors& t) {
  if constexpr (kCudaBuilt && HasCudaPasses<Op>::value) {
    if (!cudaParityAvailable()) return;
    const std::string where = op.describe();
    const OpChecks checks = op.checks();
    const double tolerance = checks.cudaTolerance >= 0 ? checks.cudaTolerance : checks.fastTolerance;
    DeviceCopies device(t);
    Tensors<double> ref = t.init;
    for (const PassIo& pass : op.passes()) {
      op.reference(pass.pass, ref);
      op.cuda(pass.pass, device.pointers(), testStream());
      cuda::synchronize(testStream(), "a CUDA pass");
      for (const std::string& name : pass.writes) {
        if (t.init.find(name) == t.init.end()) continue;  // Role::Index: compared through what is computed from it
        compareWithReference(where, "cuda", pass.pass, name, ref.at(name), device.read(name, t.size(name)), tolerance);
      }
    }
    ++cudaParityChecks();
  }
}

template <class Op>
void checkOp(const Op& op, uint64_t seed) {
  const std::string where = op.describe();
  const OpChecks checks = op.checks();
  std::mt19937_64 rng(seed);
  const DrawnTensors drawn = drawTensors(op, rng);
  const Tensors<double>& init = drawn.init;
  auto isIndex = [&](const std::string& name) { return init.count(name) == 0; };

  // 1. Fast (float) against reference (double), pass by pass; then the CUDA passes, if any.
  Tensors<double> ref = init;
  Tensors<float> fast;
  for (auto& [name, v] : init) fast[name] = std::vector<float>(v.begin(), v.end());
  for (const PassIo& pass : op.passes()) {
    op.reference(pass.pass, ref);
    op.fast(pass.pass, fast, testPool());
    for (const std::string& name : pass.writes) {
      if (isIndex(name)) continue;  // compared through the tensors computed from it
      compareWithReference(where, "fast", pass.pass, name, ref.at(name), fast.at(name), checks.fastTolerance);
    }
  }
  op.extraChecks(ref, fast);
  checkCudaPasses(op, drawn);

  // 2. Cost formula against the operations the reference executes.
  Tensors<Counted> counted;
  for (auto& [name, v] : init) counted[name] = std::vector<Counted>(v.begin(), v.end());
  for (const PassIo& pass : op.passes()) {
    opCounts() = OpCounts{};
    op.reference(pass.pass, counted);
    const OpCounts got = opCounts();
    const Cost want = op.cost(pass.pass);
    const char* name = kernelPassName(pass.pass);
    SJ_CHECK(got.macs == want.macs, where, " ", name, ": reference executed ", got.macs, " MACs, formula says ", want.macs);
    SJ_CHECK(got.flops == want.flops, where, " ", name, ": reference executed ", got.flops, " FLOPs, formula says ", want.flops);
    SJ_CHECK(got.transcendentals == want.transcendentals, where, " ", name, ": reference executed ", got.transcendentals,
             " transcendentals, formula says ", want.transcendentals);
    SJ_CHECK(got.comparisons == want.comparisons, where, " ", name, ": reference executed ", got.comparisons, " comparisons, formula says ",
             want.comparisons);
    int64_t read = 0, written = 0;
    for (const std::string& tensor : pass.reads) read += kFloatBytes * drawn.size(tensor);
    for (const std::string& tensor : pass.writes) written += kFloatBytes * drawn.size(tensor);
    SJ_CHECK(want.bytesRead == read, where, " ", name, ": formula reads ", want.bytesRead, " bytes, the pass reads tensors of ", read, " bytes");
    SJ_CHECK(want.bytesWritten == written, where, " ", name, ": formula writes ", want.bytesWritten, " bytes, the pass writes tensors of ",
             written, " bytes");
  }

  // 3. Backward passes against central finite differences of the double reference forward.
  auto lossAt = [&](const Tensors<double>& start) {
    Tensors<double> t = start;
    op.reference(Pass::Forward, t);
    double loss = 0.0;
    for (const LossTerm& term : op.loss()) {
      const auto& out = t.at(term.output);
      const auto& up = t.at(term.upstream);
      for (size_t i = 0; i < out.size(); ++i) loss += up[i] * out[i];
    }
    return loss;
  };
  for (const PassIo& pass : op.passes()) {
    for (const GradCheck& gc : op.gradients(pass)) {
      const std::vector<double>& grad = ref.at(gc.grad);
      const double scale = std::max(1.0, maxAbs(grad));
      const int64_t n = drawn.size(gc.wrt);
      std::vector<int64_t> picks = {0, n - 1};
      std::uniform_int_distribution<int64_t> pick(0, n - 1);
      for (int i = 0; i < checks.fdSamples && i < n; ++i) picks.push_back(pick(rng));
      for (int64_t i : picks) {
        Tensors<double> plus = init, minus = init;
        const double h = checks.fdStep * std::max(1.0, std::fabs(init.at(gc.wrt)[i]));
        plus[gc.wrt][i] += h;
        minus[gc.wrt][i] -= h;
        const double fd = (lossAt(plus) - lossAt(minus)) / (2 * h);
        SJ_CHECK(std::fabs(fd - grad[i]) <= checks.fdTolerance * scale, where, " ", kernelPassName(pass.pass), ": ", gc.grad, "[", i, "] = ",
                 grad[i], " but finite difference of ", gc.wrt, " gives ", fd, " (bound ", checks.fdTolerance, " x ", scale, ")");
      }
    }
  }
}

// Shapes drawn for randomised cases.
inline int64_t draw(std::mt19937_64& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }

}  // namespace sj::testing
