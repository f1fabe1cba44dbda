// Deterministic, vectorisable sums for the fast kernels' reductions.
//
// Terms are added into kLanes interleaved double partial sums that are combined in a fixed order:
// independent dependency chains that the compiler can keep in vector registers, and a result that
// depends on the data and its layout only, never on the number of threads (a reduction is never
// split across threads; each thread owns whole outputs).
#pragma once
#include <cstdint>

#include "core/thread_pool.h"

namespace sj {

class LaneSum {
 public:
  static constexpr int kLanes = 8;

  // Adds term(i) for i in [0, count).
  template <class Term>
  void add(int64_t count, const Term& term) {
    int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes)
      for (int l = 0; l < kLanes; ++l) lane_[l] += term(i + l);
    for (int l = 0; i < count; ++i, ++l) lane_[l] += term(i);
  }

  double total() const {
    double t = 0.0;
    for (double v : lane_) t += v;
    return t;
  }

 private:
  double lane_[kLanes] = {};
};

// For each channel c of a tensor [N][C][plane]: finish(c, sum over n and i of term(c, offset)),
// offset = (n * C + c) * plane + i. One channel per task, so each sum runs in one fixed order.
template <class Term, class Finish>
void sumPerChannel(ThreadPool& pool, int64_t n, int64_t channels, int64_t plane, const Term& term, const Finish& finish) {
  pool.parallelFor(channels, 1, [&](int64_t begin, int64_t end) {
    for (int64_t c = begin; c < end; ++c) {
      LaneSum acc;
      for (int64_t b = 0; b < n; ++b) {
        const int64_t base = (b * channels + c) * plane;
        acc.add(plane, [&](int64_t i) { return term(c, base + i); });
      }
      finish(c, acc.total());
    }
  });
}

}  // namespace sj
