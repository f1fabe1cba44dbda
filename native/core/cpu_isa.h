// The vector instruction set the fast kernels use, chosen once from cpuid. SEDJOULE_ISA=auto|
// avx512|avx2|generic forces a narrower one (tests use it to exercise every code path).
#pragma once

namespace sj {

enum class Isa { Generic, Avx2, Avx512 };

Isa activeIsa();
const char* isaName(Isa isa);

// A kernel family's builds, each a function returning its table: the generic build, and on x86 the
// AVX2 and AVX-512 builds (compiled in *_avx2.cpp / *_avx512.cpp with their flags; null elsewhere).
#if defined(SEDJOULE_X86)
#define SJ_ISA_BUILDS(generic, avx2, avx512) (generic), (avx2), (avx512)
#else
#define SJ_ISA_BUILDS(generic, avx2, avx512) (generic), nullptr, nullptr
#endif

// The build of the active instruction set: the one place where a family's build is chosen.
template <class Table>
Table forActiveIsa(Table (*generic)(), Table (*avx2)(), Table (*avx512)()) {
  const Isa isa = activeIsa();
  if (isa == Isa::Avx512 && avx512) return avx512();
  if (isa == Isa::Avx2 && avx2) return avx2();
  return generic();
}

}  // namespace sj
