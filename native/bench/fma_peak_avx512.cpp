#include "bench/fma_chains.h"
#include "bench/fma_peak.h"

namespace sj::peak_detail {
int64_t fmaChainsAvx512(int64_t iterations, float* sink) { return fmaChains<16, 12>(iterations, sink); }
}  // namespace sj::peak_detail
