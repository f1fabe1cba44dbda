#include "core/cpu_isa.h"

#include <cstdlib>
#include <string>

#include "base/error.h"

namespace sj {

const char* isaName(Isa isa) {
  switch (isa) {
    case Isa::Avx512: return "avx512";
    case Isa::Avx2: return "avx2";
    case Isa::Generic: return "generic";
  }
  return "generic";
}

Isa activeIsa() {
  static const Isa isa = [] {
    const char* forced = std::getenv("SEDJOULE_ISA");
    const std::string want = forced && *forced ? forced : "auto";
    if (want != "auto" && want != "avx512" && want != "avx2" && want != "generic") {
      fail(ErrorCode::Value, "SEDJOULE_ISA=", want, ": expected auto, avx512, avx2 or generic");
    }
#if defined(SEDJOULE_X86)
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
    const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if ((want == "auto" || want == "avx512") && avx512) return Isa::Avx512;
    if (want != "generic" && avx2) return Isa::Avx2;
#endif
    return Isa::Generic;
  }();
  return isa;
}

}  // namespace sj
