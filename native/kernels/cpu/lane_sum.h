// Deterministic, vectorisable sums for the fast kernels' reductions.
//
// Terms are added into kLanes interleaved double partial sums that are combined in a fixed order:
// independent dependency chains that the compiler can keep in vector registers, and a result that
// depends on the data and its layout only, never on the number of threads (a reduction is never
// split across threads; each thread owns whole outputs).
#pragma once
#include <cstdint>

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

}  // namespace sj
