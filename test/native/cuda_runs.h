// Helpers for CUDA tests that the table-driven checkOp cannot reach: shapes too large for its
// finite differences and counting (the edges of the kernels' tiling), and run-to-run determinism.
#pragma once
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace sj::testing {

// Whether two arrays hold the same bits (an output that no pass writes stays NaN on the device).
inline bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

// Every CUDA pass of `op` run from `t`; every tensor as the device leaves it. Empty where no device
// is visible (a template, so that a build without CUDA never instantiates the calls).
template <class Op>
Tensors<float> runCudaPasses(const Op& op, const DrawnTensors& t) {
  Tensors<float> out;
  if constexpr (kCudaBuilt && HasCudaPasses<Op>::value) {
    if (!cudaParityAvailable()) return out;
    DeviceCopies device(t);
    for (const PassIo& pass : op.passes()) op.cuda(pass.pass, device.pointers(), testStream());
    for (const TensorDecl& d : t.decls) out[d.name] = device.read(d.name, d.size);
  }
  return out;
}

// The CUDA passes against the double reference (checkCudaPasses), then twice more from the same
// inputs: every tensor must come back with the same bits.
template <class Op>
void checkCudaLargeAndDeterministic(const Op& op, uint64_t seed) {
  const DrawnTensors t = drawTensors(op, seed);
  checkCudaPasses(op, t);
  const Tensors<float> a = runCudaPasses(op, t), b = runCudaPasses(op, t);
  SJ_CHECK(!a.empty(), op.describe(), ": the CUDA passes returned nothing");
  for (const auto& [name, v] : a) SJ_CHECK(sameBits(v, b.at(name)), op.describe(), ": ", name, " differs between two CUDA runs");
}

}  // namespace sj::testing
