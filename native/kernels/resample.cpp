#include "kernels/resample.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace sj {

namespace {

constexpr int64_t kMaxRate = 10'000'000;
constexpr int64_t kMaxTaps = 65536;
constexpr int64_t kMaxTable = int64_t(1) << 26;  // floats

void validateRates(int64_t inRate, int64_t outRate) {
  if (inRate < 1 || inRate > kMaxRate) fail(ErrorCode::Value, "resample: the input rate must be in [1, ", kMaxRate, "] Hz, got ", inRate);
  if (outRate < 1 || outRate > kMaxRate) fail(ErrorCode::Value, "resample: the output rate must be in [1, ", kMaxRate, "] Hz, got ", outRate);
  if (inRate == outRate) fail(ErrorCode::Value, "resample: input and output rates are both ", inRate, " Hz: nothing to resample");
}

// Modified Bessel function of the first kind, order 0 (power series; converges for all x).
double besselI0(double x) {
  const double q = x * x / 4.0;
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 500 && term > 1e-17 * sum; ++k) {
    term *= q / (static_cast<double>(k) * static_cast<double>(k));
    sum += term;
  }
  return sum;
}

}  // namespace

int64_t ResampleShape::up() const { return outRate / std::gcd(inRate, outRate); }
int64_t ResampleShape::down() const { return inRate / std::gcd(inRate, outRate); }

void ResampleShape::validate() const {
  validateRates(inRate, outRate);
  if (samples < 1) fail(ErrorCode::Shape, "resample: the signal is empty");
  if (samples > INT64_MAX / up() / 2) fail(ErrorCode::Shape, "resample: ", samples, " samples is too long to resample by ", up(), "/", down());
  if (outputLimit < 0) fail(ErrorCode::Value, "resample: outputLimit must be >= 0, got ", outputLimit);
}

std::string ResampleShape::describe() const {
  return "x[" + std::to_string(samples) + "] " + std::to_string(inRate) + " Hz -> y[" + std::to_string(outputs()) + "] " +
         std::to_string(outRate) + " Hz (" + std::to_string(up()) + "/" + std::to_string(down()) + ")" +
         (outputs() < allOutputs() ? " first " + std::to_string(outputs()) + " of " + std::to_string(allOutputs()) : "");
}

int64_t ResampleShape::samplesRead() const {
  if (outputs() == allOutputs()) return samples;
  const ResampleFilter filter(inRate, outRate);
  const int64_t lastI0 = (outputs() - 1) * down() / up();
  return std::min(samples, lastI0 + filter.reach() + 1);
}

ResampleFilter::ResampleFilter(int64_t inRate, int64_t outRate) {
  validateRates(inRate, outRate);
  const int64_t g = std::gcd(inRate, outRate);
  up_ = outRate / g;
  down_ = inRate / g;
  cutoff_ = kResampleCutoff * std::min(1.0, static_cast<double>(up_) / static_cast<double>(down_));
  halfWidth_ = kResampleZeroCrossings / cutoff_;
  reach_ = static_cast<int64_t>(std::ceil(halfWidth_));
  if (2 * reach_ > kMaxTaps) {
    fail(ErrorCode::Value, "resample: ", inRate, " Hz -> ", outRate, " Hz needs ", 2 * reach_, " taps per output, more than ", kMaxTaps);
  }
  i0Beta_ = besselI0(kResampleKaiserBeta);
}

double ResampleFilter::tap(int64_t phase, int64_t k) const {
  const double tau = static_cast<double>(phase) / static_cast<double>(up_) - static_cast<double>(k);
  if (std::fabs(tau) >= halfWidth_) return 0.0;
  const double u = tau / halfWidth_;
  const double window = besselI0(kResampleKaiserBeta * std::sqrt(1.0 - u * u)) / i0Beta_;
  const double a = 3.141592653589793238462643383279502884 * cutoff_ * tau;
  const double sinc = tau == 0.0 ? 1.0 : std::sin(a) / a;
  return cutoff_ * sinc * window;
}

int64_t resampleRowLength(int64_t taps) { return (taps + 15) / 16 * 16; }

Cost resampleForwardCost(const ResampleShape& s) {
  const ResampleFilter filter(s.inRate, s.outRate);
  const int64_t L = filter.up(), M = filter.down(), C = filter.reach(), n = s.samples, outputs = s.outputs();
  auto valid = [&](int64_t j) {
    const int64_t i0 = j * M / L;
    return std::max<int64_t>(0, std::min(C, n - 1 - i0) - std::max(-C + 1, -i0) + 1);
  };
  // Outputs whose taps all land inside the signal have 2C; only the ends fall short.
  int64_t macs = 0, head = 0, tail = outputs;
  for (; head < outputs && head * M / L < C - 1; ++head) macs += valid(head);
  for (; tail > head && (tail - 1) * M / L > n - 1 - C; --tail) macs += valid(tail - 1);
  macs += (tail - head) * 2 * C;
  Cost c;
  c.macs = macs;
  c.flops = 2 * macs;
  c.paddingMacs = outputs * resampleRowLength(filter.taps()) - macs;
  c.bytesRead = kFloatBytes * s.samplesRead();
  c.bytesWritten = kFloatBytes * outputs;
  return c;
}

ResamplePlan::ResamplePlan(int64_t inRate, int64_t outRate)
    : inRate_(inRate), outRate_(outRate), filter_(inRate, outRate), rowLength_(resampleRowLength(filter_.taps())) {
  const int64_t L = filter_.up(), C = filter_.reach();
  if (L > kMaxTable / rowLength_) {
    fail(ErrorCode::Value, "resample: ", inRate, " Hz -> ", outRate, " Hz reduces to ", L, "/", filter_.down(), ": its ", L,
         " phases x ", rowLength_, " taps would take more than ", kMaxTable, " floats");
  }
  table_.resize(L * rowLength_);
  for (int64_t phase = 0; phase < L; ++phase)
    for (int64_t k = -C + 1; k <= C; ++k) table_[phase * rowLength_ + (k + C - 1)] = static_cast<float>(filter_.tap(phase, k));
}

}  // namespace sj
