// The scalar operations that reference kernels are written with. Reference loops are templates on
// the scalar type and call these unqualified, so the same loop runs in float (the reference the
// fast kernels are compared with), in double (finite-difference gradient checks), and on the
// operation-counting scalar of the tests, whose overloads are found by argument-dependent lookup.
// That is how the tests prove each cost formula equals the operations the reference executes.
#pragma once
#include <cmath>

namespace sj {

inline float mac(float acc, float a, float b) { return acc + a * b; }
inline double mac(double acc, double a, double b) { return acc + a * b; }
inline float exp(float x) { return std::exp(x); }
inline double exp(double x) { return std::exp(x); }
inline float log(float x) { return std::log(x); }
inline double log(double x) { return std::log(x); }
inline float log1p(float x) { return std::log1p(x); }
inline double log1p(double x) { return std::log1p(x); }
inline float erf(float x) { return std::erf(x); }
inline double erf(double x) { return std::erf(x); }
inline float tanh(float x) { return std::tanh(x); }
inline double tanh(double x) { return std::tanh(x); }
inline float sqrt(float x) { return std::sqrt(x); }
inline double sqrt(double x) { return std::sqrt(x); }
inline float absValue(float x) { return std::fabs(x); }
inline double absValue(double x) { return std::fabs(x); }
inline float maxOf(float a, float b) { return a > b ? a : b; }
inline double maxOf(double a, double b) { return a > b ? a : b; }
inline float minOf(float a, float b) { return a < b ? a : b; }
inline double minOf(double a, double b) { return a < b ? a : b; }

}  // namespace sj
