// Helpers for CUDA tests that the table-driven checkOp cannot reach: shapes too large for its
// finite differences and counting (the edges of the kernels' tiling), and run-to-run determinism.
#pragma once
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "harness.h"

namespace sj::testing {

// An op's tensors drawn as checkOp draws them (Filled uniform in [lo, hi) and representable in
// float, Output zero), with their sizes.
template <class Op>
std::pair<Tensors<double>, std::map<std::string, int64_t>> drawTensors(const Op& op, uint64_t seed) {
  std::mt19937_64 rng(seed);
  Tensors<double> init;
  std::map<std::string, int64_t> sizes;
  for (const TensorDecl& d : op.tensors()) {
    sizes[d.name] = d.size;
    std::vector<double> v(d.size, 0.0);
    if (d.role == Role::Filled) {
      std::uniform_real_distribution<double> u(d.lo, d.hi);
      for (double& x : v) x = static_cast<float>(u(rng));
    }
    init[d.name] = std::move(v);
  }
  return {std::move(init), std::move(sizes)};
}

// Every CUDA pass of `op` run from `init`; every tensor as the device leaves it. Empty where no
// device is visible (a template, so that a build without CUDA never instantiates the calls).
template <class Op>
Tensors<float> runCudaPasses(const Op& op, const Tensors<double>& init) {
  Tensors<float> out;
  if constexpr (kCudaBuilt && HasCudaPasses<Op>::value) {
    if (!cudaParityAvailable()) return out;
    std::map<std::string, int64_t> sizes;
    for (const auto& [name, values] : init) sizes[name] = static_cast<int64_t>(values.size());
    DeviceCopies device(sizes, init);
    for (Pass pass : op.passes()) op.cuda(pass, device.pointers(), testStream());
    for (const auto& [name, size] : sizes) out[name] = device.read(name, size);
  }
  return out;
}

// The CUDA passes against the double reference (checkCudaPasses), then twice more from the same
// inputs: every tensor must come back with the same bits.
template <class Op>
void checkCudaLargeAndDeterministic(const Op& op, uint64_t seed) {
  const auto [init, sizes] = drawTensors(op, seed);
  checkCudaPasses(op, init, sizes);
  const Tensors<float> a = runCudaPasses(op, init), b = runCudaPasses(op, init);
  SJ_CHECK(!a.empty(), op.describe(), ": the CUDA passes returned nothing");
  for (const auto& [name, v] : a) SJ_CHECK(v == b.at(name), op.describe(), ": ", name, " differs between two CUDA runs");
}

}  // namespace sj::testing
