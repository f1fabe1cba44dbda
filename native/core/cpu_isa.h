// The vector instruction set the fast kernels use, chosen once from cpuid. SEDJOULE_ISA=auto|
// avx512|avx2|generic forces a narrower one (tests use it to exercise every code path).
#pragma once

namespace sj {

enum class Isa { Generic, Avx2, Avx512 };

Isa activeIsa();
const char* isaName(Isa isa);

}  // namespace sj
