#include <algorithm>

#include "core/buffer.h"
#include "harness.h"
#include "kernels/pad_crop.h"

namespace sj::testing {
namespace {

struct PadOp : OpTest<PadOp, PadShape> {
  std::string describe() const { return "pad " + s.describe(); }
  // Out of place: x -> y. In place: the signal already sits at the start of a length-long buffer
  // and only the zeros ("tail") are written; "x_read" (Index) counts the bytes read: none.
  std::vector<TensorDecl> tensors() const {
    if (!s.inPlace) return {{"x", s.samples}, {"y", s.length, Role::Output}};
    return {{"x", s.samples}, {"tail", s.length - s.samples, Role::Output}, {"x_read", 0, Role::Index}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {s.inPlace ? "x_read" : "x"}, {s.inPlace ? "tail" : "y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    if (!s.inPlace) return padForwardReference(s, t["x"].data(), t["y"].data());
    std::vector<T> buffer(t["x"]);
    buffer.resize(s.length, T(7));  // garbage the kernel must overwrite
    padForwardReference(s, buffer.data(), buffer.data());
    std::copy(buffer.begin() + s.samples, buffer.end(), t["tail"].begin());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool&) const {
    if (!s.inPlace) return padForward(s, t["x"].data(), t["y"].data());
    std::vector<float> buffer(t["x"]);
    buffer.resize(s.length, 7.f);
    padForward(s, buffer.data(), buffer.data());
    std::copy(buffer.begin() + s.samples, buffer.end(), t["tail"].begin());
  }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const {
    if (!s.inPlace) return cuda::padForward(stream, s, d["x"], d["y"]);
    Buffer<float> buffer;  // the signal at the start, garbage after it
    buffer.resize(Device::Cuda, s.length);
    const std::vector<float> garbage(s.length - s.samples, 7.f);
    cuda::copyOnDevice(buffer.data(), d["x"], 4 * s.samples, stream, "x");
    cuda::copyToDevice(buffer.data() + s.samples, garbage.data(), 4 * (s.length - s.samples), stream, "garbage");
    cuda::padForward(stream, s, buffer.data(), buffer.data());
    cuda::copyOnDevice(d["tail"], buffer.data() + s.samples, 4 * (s.length - s.samples), stream, "tail");
    cuda::synchronize(stream, "pad in place");
  }
  Cost cost(Pass) const { return padForwardCost(s); }
  OpChecks checks() const { return {0.0}; }
};

struct FrameCropOp : OpTest<FrameCropOp, FrameCropShape> {
  std::string describe() const { return "frame_crop " + s.describe(); }
  std::vector<TensorDecl> tensors() const {
    return {{"x", s.rows * s.frames}, {"y", s.rows * s.keep, Role::Output}, {"x_read", s.rows * s.kept(), Role::Index}};
  }
  std::vector<PassIo> passes() const { return {{Pass::Forward, {"x_read"}, {"y"}}}; }
  template <class T>
  void reference(Pass, Tensors<T>& t) const {
    frameCropForwardReference(s, t["x"].data(), t["y"].data());
  }
  void fast(Pass, Tensors<float>& t, ThreadPool& pool) const { frameCropForward(pool, s, t["x"].data(), t["y"].data()); }
  void cuda(Pass, DeviceTensors& d, CudaStream stream) const { cuda::frameCropForward(stream, s, d["x"], d["y"]); }
  Cost cost(Pass) const { return frameCropForwardCost(s); }
  OpChecks checks() const { return {0.0}; }
};

}  // namespace

SJ_TEST(frontend_pad_crop_table) {
  uint64_t seed = 1200;
  for (bool inPlace : {false, true})
    for (auto [n, len] : std::vector<std::pair<int64_t, int64_t>>{{1, 2}, {5, 17}, {159000, 160000}}) checkOp(PadOp{{n, len, inPlace}}, seed++);
  for (FrameCropShape s : {FrameCropShape{1, 1, 1}, FrameCropShape{128, 1723, 64}, FrameCropShape{3, 10, 25}, FrameCropShape{5, 7, 7}})
    checkOp(FrameCropOp{s}, seed++);
}

}  // namespace sj::testing
