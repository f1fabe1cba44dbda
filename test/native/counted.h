// The operation-counting scalar. Reference kernels are templates on their scalar type; run on
// Counted, every add, multiply, MAC, transcendental and comparison they execute is tallied, and
// the tests compare the tally with the kernel's cost formula.
#pragma once
#include <cmath>
#include <cstdint>

namespace sj::testing {

struct OpCounts {
  int64_t macs = 0, flops = 0, transcendentals = 0, comparisons = 0;
};

inline OpCounts& opCounts() {
  static thread_local OpCounts counts;
  return counts;
}

struct Counted {
  double v = 0.0;
  Counted() = default;
  Counted(double x) : v(x) {}  // NOLINT: constants such as T(0) convert silently and cost nothing
};

inline Counted arith(double v) {
  ++opCounts().flops;
  return Counted(v);
}
inline bool compare(bool r) {
  ++opCounts().comparisons;
  return r;
}
inline Counted transcendental(double v) {
  ++opCounts().transcendentals;
  return Counted(v);
}

inline Counted operator+(Counted a, Counted b) { return arith(a.v + b.v); }
inline Counted operator-(Counted a, Counted b) { return arith(a.v - b.v); }
inline Counted operator*(Counted a, Counted b) { return arith(a.v * b.v); }
inline Counted operator/(Counted a, Counted b) { return arith(a.v / b.v); }
inline Counted operator-(Counted a) { return arith(-a.v); }
inline Counted& operator+=(Counted& a, Counted b) { return a = a + b; }
inline Counted& operator-=(Counted& a, Counted b) { return a = a - b; }
inline Counted& operator*=(Counted& a, Counted b) { return a = a * b; }
inline Counted& operator/=(Counted& a, Counted b) { return a = a / b; }
inline bool operator<(Counted a, Counted b) { return compare(a.v < b.v); }
inline bool operator>(Counted a, Counted b) { return compare(a.v > b.v); }
inline bool operator<=(Counted a, Counted b) { return compare(a.v <= b.v); }
inline bool operator>=(Counted a, Counted b) { return compare(a.v >= b.v); }

inline Counted mac(Counted acc, Counted a, Counted b) {
  ++opCounts().macs;
  opCounts().flops += 2;
  return Counted(acc.v + a.v * b.v);
}
inline Counted exp(Counted x) { return transcendental(std::exp(x.v)); }
inline Counted log(Counted x) { return transcendental(std::log(x.v)); }
inline Counted log1p(Counted x) { return transcendental(std::log1p(x.v)); }
inline Counted erf(Counted x) { return transcendental(std::erf(x.v)); }
inline Counted tanh(Counted x) { return transcendental(std::tanh(x.v)); }
inline Counted sqrt(Counted x) { return transcendental(std::sqrt(x.v)); }
inline Counted absValue(Counted x) {
  ++opCounts().comparisons;
  return Counted(std::fabs(x.v));
}
inline Counted maxOf(Counted a, Counted b) { return a > b ? a : b; }
inline Counted minOf(Counted a, Counted b) { return a < b ? a : b; }

}  // namespace sj::testing
