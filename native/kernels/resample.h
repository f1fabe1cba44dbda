// Band-limited resampling between integer rates: a Kaiser-windowed sinc, polyphase over the
// reduced ratio L/M = outRate/g : inRate/g (g = gcd).
//
//   x [samples] at inRate  ->  y [ceil(samples * outRate / inRate)] at outRate
//   output j sits at input time t = j M / L = i0 + phase/L  (i0 = floor(j M / L), phase = j M mod L)
//   y[j] = sum over k in [-C+1, C] of x[i0 + k] * h(phase/L - k)     (x = 0 outside [0, samples))
//   h(tau) = fc sinc(fc tau) * I0(beta sqrt(1 - (tau/W)^2)) / I0(beta)  for |tau| < W, else 0
//
// The design (kResample* below):
//   fc   = 0.95 * min(1, L/M): the cutoff (-6 dB point) as a fraction of the input Nyquist, 5 %
//          below the lower of the two Nyquist frequencies: the transition band straddles the new
//          Nyquist, trading a little loss in the top band for little aliasing;
//   W    = 16 / fc input samples: the half-width, 16 zero crossings of the sinc on each side;
//   beta = 8.6: Kaiser's formula beta = 0.1102 (A - 8.7) for A ~ 87 dB of stopband attenuation,
//          below the 16-bit noise floor (96 dB) and far below anything a log-mel clamped at -50 dB
//          resolves;
//   measured response (the same for every rate pair, as a fraction of the lower Nyquist fN): flat
//   to 1e-4 up to 0.7 fN, -0.006 dB at 0.8, -0.3 dB at 0.85, -1.8 dB at 0.9, -6 dB at 0.95 (the
//   cutoff), -14.7 dB at fN, -30 dB at 1.05, -63 dB at 1.1, below -86 dB from 1.15 fN on. So a
//   16 kHz front end keeps 0-6.4 kHz to 0.1 % and folds 8-8.8 kHz back onto 7.2-8 kHz at -15 to
//   -63 dB. 32 zero crossings would halve that transition band at twice the MACs.
//   C = ceil(W): 2C taps per output (44.1 -> 16 kHz: fc = 0.3447, W = 46.4, 94 taps; 16 -> 44.1 kHz:
//   fc = 0.95, W = 16.8, 34 taps). The filter's DC gain is 1 to within the Kaiser ripple (~1e-4).
//
// Equal rates are an identity and no kernel: validate() rejects them (the front end skips the
// stage). Cost: one MAC per tap that lands inside the signal (`macs`); the fast kernel multiplies
// the taps that fall outside (edge outputs) and the zeros that pad each phase's row to a multiple
// of 16 floats, reported as `paddingMacs`. Bytes: the input samples the outputs reach, the output.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/buffer.h"
#include "core/cost.h"
#include "core/thread_pool.h"
#include "cuda/cuda_stream.h"
#include "kernels/scalar_math.h"

namespace sj {

constexpr int kResampleZeroCrossings = 16;
constexpr double kResampleKaiserBeta = 8.6;
constexpr double kResampleCutoff = 0.95;

struct ResampleShape {
  int64_t samples = 1;
  int64_t inRate = 1, outRate = 1;
  int64_t outputLimit = 0;  // 0: every output; else at most this many (the first ones)

  int64_t up() const;    // L
  int64_t down() const;  // M
  int64_t allOutputs() const { return (samples * up() + down() - 1) / down(); }
  int64_t outputs() const { return outputLimit > 0 && outputLimit < allOutputs() ? outputLimit : allOutputs(); }
  int64_t samplesRead() const;
  void validate() const;  // E_VALUE naming the rate, E_SHAPE for an empty signal
  std::string describe() const;
};

// The filter of one rate pair: taps h(phase/L - k) for phase in [0, L), k in [-C+1, C].
class ResampleFilter {
 public:
  ResampleFilter(int64_t inRate, int64_t outRate);
  int64_t up() const { return up_; }
  int64_t down() const { return down_; }
  double cutoff() const { return cutoff_; }        // fc
  double halfWidth() const { return halfWidth_; }  // W, in input samples
  int64_t reach() const { return reach_; }         // C: taps k in [-C+1, C]
  int64_t taps() const { return 2 * reach_; }
  double tap(int64_t phase, int64_t k) const;      // h(phase/L - k), in double

 private:
  int64_t up_, down_, reach_;
  double cutoff_, halfWidth_, i0Beta_;
};

Cost resampleForwardCost(const ResampleShape& s);

template <class T>
void resampleForwardReference(const ResampleShape& s, const T* x, T* y) {
  const ResampleFilter filter(s.inRate, s.outRate);
  const int64_t L = filter.up(), M = filter.down(), C = filter.reach();
  for (int64_t j = 0; j < s.outputs(); ++j) {
    const int64_t i0 = j * M / L, phase = j * M % L;
    T acc = T(0);
    for (int64_t k = -C + 1; k <= C; ++k) {
      const int64_t i = i0 + k;
      if (i < 0 || i >= s.samples) continue;
      acc = mac(acc, x[i], T(filter.tap(phase, k)));
    }
    y[j] = acc;
  }
}

// The fast kernel's tables for one rate pair: one row of taps per phase, in float, padded with
// zeros to a multiple of 16.
class ResamplePlan {
 public:
  ResamplePlan(int64_t inRate, int64_t outRate);  // E_VALUE when the table would exceed 64 Mi floats
  const ResampleFilter& filter() const { return filter_; }
  int64_t inRate() const { return inRate_; }
  int64_t outRate() const { return outRate_; }
  int64_t rowLength() const { return rowLength_; }
  const float* row(int64_t phase) const { return table_.data() + phase * rowLength_; }

 private:
  int64_t inRate_, outRate_;
  ResampleFilter filter_;
  int64_t rowLength_;
  AlignedBuffer<float> table_;
};

int64_t resampleRowLength(int64_t taps);  // taps rounded up to a multiple of 16

// Multithreaded over blocks of outputs. plan's rates must be s's.
void resampleForward(ThreadPool& pool, const ResampleShape& s, const float* x, float* y, const ResamplePlan& plan);

// ---- CUDA kernels (kernels/cuda/resample.cu) -----------------------------------------------------
// On the CPU plan's float table of taps.

namespace cuda {

// A ResamplePlan's table [phases][rowLength] on the device, copied once per rate pair.
class ResampleDevicePlan {
 public:
  ResampleDevicePlan(const ResamplePlan& plan, CudaStream stream);
  int64_t inRate() const { return inRate_; }
  int64_t outRate() const { return outRate_; }
  int64_t up() const { return up_; }
  int64_t down() const { return down_; }
  int64_t reach() const { return reach_; }
  int64_t rowLength() const { return rowLength_; }
  const float* table() const { return table_.data(); }

 private:
  int64_t inRate_, outRate_, up_, down_, reach_, rowLength_;
  Buffer<float> table_;
};

// x [samples] -> y [outputs()]. plan's rates must be s's.
void resampleForward(CudaStream stream, const ResampleShape& s, const ResampleDevicePlan& plan, const float* x, float* y);

}  // namespace cuda

}  // namespace sj
