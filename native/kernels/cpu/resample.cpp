#include "kernels/resample.h"

#include "base/error.h"
#include "kernels/cpu/lane_kernels.h"

namespace sj {

void resampleForward(ThreadPool& pool, const ResampleShape& s, const float* x, float* y, const ResamplePlan& plan) {
  if (plan.inRate() != s.inRate || plan.outRate() != s.outRate) {
    fail(ErrorCode::Internal, "resample: plan for ", plan.inRate(), " -> ", plan.outRate(), " Hz used for ", s.inRate, " -> ", s.outRate);
  }
  const frontend_lanes::Kernels& k = frontend_lanes::active();
  const ResampleFilter& filter = plan.filter();
  const int64_t L = filter.up(), M = filter.down(), C = filter.reach(), n = s.samples, len = plan.rowLength();
  pool.parallelFor(s.outputs(), 2048, [&](int64_t begin, int64_t end) {
    k.polyphase(plan.row(0), len, L, M, C, x, n, begin, end, y);
  });
}

}  // namespace sj
