// What the meter keeps per source: a bounded ring of timestamped samples and the source's
// effective cumulative energy. Counters give energy directly; a power-only source (a GPU without
// the energy counter) is integrated here by the trapezoid rule, and a counter-only source (RAPL,
// the CPU model) gets its power from energy deltas. Either way every sample carries both.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "energy/energy_source.h"

namespace sj {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

struct Sample {
  int64_t timeNs = 0;
  bool ok = true;
  double energyJ = kMissing;  // effective cumulative energy (counter, or integrated power)
  double powerW = kMissing;   // reported power, or derived from the energy delta
  bool powerDerived = false;
  double gpuUtilisationPct = kMissing, memoryUtilisationPct = kMissing;
  double memoryUsedBytes = kMissing, smClockMHz = kMissing, temperatureC = kMissing;
  // This process's CPU time at the read: evidence that a CPU-side domain was drawing power.
  double processCpuS = kMissing;
  // How many reads of this source failed, and how many steps were discontinuous, up to and including
  // this one (every read counts, kept or not): a window's counts are the differences at its edges.
  int64_t failuresSoFar = 0, discontinuitiesSoFar = 0;
};

class SourceTrack {
 public:
  SourceTrack(std::unique_ptr<EnergySource> source, size_t capacity);

  const SourceInfo& info() const { return source_->info(); }
  // Reads the source now, derives what it lacks, and (if `keep`) appends to the ring. Window
  // edges read without keeping, so the ring stays evenly spaced for traces.
  Sample take(bool keep);
  // Samples with time in [fromNs, toNs], oldest first.
  std::vector<Sample> between(int64_t fromNs, int64_t toNs) const;
  std::vector<Sample> all() const { return between(INT64_MIN, INT64_MAX); }
  size_t dropped() const { return dropped_; }  // samples overwritten since the start
  int64_t failures() const { return failures_; }
  const std::string& lastError() const { return lastError_; }
  // The reasons of the discontinuities numbered (after, upTo] (counted as in Sample), oldest first;
  // only the latest kMaxDiscontinuityLog are kept.
  std::vector<std::string> discontinuities(int64_t after, int64_t upTo) const;
  int64_t discontinuityCount() const { return discontinuityCount_; }
  std::string lastDiscontinuity() const { return discontinuityLog_.empty() ? std::string() : discontinuityLog_.back().second; }
  // True when energy comes from integrating power (no counter).
  bool integrates() const { return !info().caps.energyCounter; }

 private:
  std::unique_ptr<EnergySource> source_;
  std::vector<Sample> ring_;
  size_t head_ = 0, count_ = 0, dropped_ = 0;
  Sample last_;  // last good sample (any read, kept or not)
  bool hasLast_ = false;
  double integratedJ_ = 0;
  int64_t failures_ = 0;
  std::string lastError_;
  static constexpr size_t kMaxDiscontinuityLog = 16;
  int64_t discontinuityCount_ = 0;
  std::vector<std::pair<int64_t, std::string>> discontinuityLog_;  // (number, reason)
};

}  // namespace sj
