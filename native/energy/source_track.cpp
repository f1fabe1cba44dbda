#include "energy/source_track.h"

#include <time.h>

namespace sj {

namespace {
double orMissing(const std::optional<double>& v) { return v ? *v : kMissing; }

double processCpuSeconds() {
  timespec ts{};
  if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) != 0) return kMissing;
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}
}  // namespace

SourceTrack::SourceTrack(std::unique_ptr<EnergySource> source, size_t capacity) : source_(std::move(source)), ring_(capacity ? capacity : 1) {}

Sample SourceTrack::take(bool keep) {
  const SourceReading r = source_->read();
  Sample s;
  s.timeNs = r.timeNs ? r.timeNs : steadyNowNs();
  s.ok = r.ok;
  s.processCpuS = processCpuSeconds();
  if (!r.ok) {
    ++failures_;
    lastError_ = r.error;
  }
  if (!r.discontinuity.empty()) {
    ++discontinuityCount_;
    if (discontinuityLog_.size() == kMaxDiscontinuityLog) discontinuityLog_.erase(discontinuityLog_.begin());
    discontinuityLog_.emplace_back(discontinuityCount_, r.discontinuity);
  }
  s.failuresSoFar = failures_;
  s.discontinuitiesSoFar = discontinuityCount_;
  s.powerW = orMissing(r.powerW);
  s.gpuUtilisationPct = orMissing(r.gpuUtilisationPct);
  s.memoryUtilisationPct = orMissing(r.memoryUtilisationPct);
  s.memoryUsedBytes = orMissing(r.memoryUsedBytes);
  s.smClockMHz = orMissing(r.smClockMHz);
  s.temperatureC = orMissing(r.temperatureC);
  if (r.ok) {
    if (integrates()) {
      // Trapezoid between the last good power reading and this one.
      if (hasLast_ && !std::isnan(s.powerW) && !std::isnan(last_.powerW)) {
        integratedJ_ += 0.5 * (s.powerW + last_.powerW) * static_cast<double>(s.timeNs - last_.timeNs) * 1e-9;
      }
      s.energyJ = std::isnan(s.powerW) ? kMissing : integratedJ_;
    } else {
      s.energyJ = orMissing(r.energyJ);
    }
    if (std::isnan(s.powerW) && hasLast_ && !std::isnan(s.energyJ) && !std::isnan(last_.energyJ) && s.timeNs > last_.timeNs) {
      s.powerW = (s.energyJ - last_.energyJ) / (static_cast<double>(s.timeNs - last_.timeNs) * 1e-9);
      s.powerDerived = true;
    }
    if (!std::isnan(s.energyJ) || !std::isnan(s.powerW)) {
      last_ = s;
      hasLast_ = true;
    }
  }
  if (keep) {
    if (count_ == ring_.size()) {
      ++dropped_;
    } else {
      ++count_;
    }
    ring_[head_] = s;
    head_ = (head_ + 1) % ring_.size();
  }
  return s;
}

std::vector<std::string> SourceTrack::discontinuities(int64_t after, int64_t upTo) const {
  std::vector<std::string> out;
  for (const auto& [number, reason] : discontinuityLog_)
    if (number > after && number <= upTo) out.push_back(reason);
  return out;
}

std::vector<Sample> SourceTrack::between(int64_t fromNs, int64_t toNs) const {
  std::vector<Sample> out;
  const size_t start = (head_ + ring_.size() - count_) % ring_.size();
  for (size_t i = 0; i < count_; ++i) {
    const Sample& s = ring_[(start + i) % ring_.size()];
    if (s.timeNs >= fromNs && s.timeNs <= toNs) out.push_back(s);
  }
  return out;
}

}  // namespace sj
