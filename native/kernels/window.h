// Analysis windows, as torch.hann_window / torch.hamming_window(length, periodic):
//   w[i] = alpha - beta cos(2 pi i / D),  D = length (periodic) or length - 1 (symmetric),
//   Hann alpha = beta = 0.5; Hamming alpha = 0.54, beta = 0.46; a window of length 1 is [1].
// Computed in double (torch computes in the tensor's dtype, float32: the two agree to ~1e-7).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sj {

enum class WindowKind { Hann, Hamming };

// E_VALUE naming `field` unless name is "hann" or "hamming".
WindowKind windowKindFromName(const std::string& name, const char* field);
const char* windowKindName(WindowKind kind);

std::vector<double> makeWindow(WindowKind kind, int64_t length, bool periodic);

}  // namespace sj
