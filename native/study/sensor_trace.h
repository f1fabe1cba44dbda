// The raw material of `sedjoule sensor-study`: every available energy and power reading, polled as
// fast as each allows, while known loads run at known times (study/load_bursts.h). The estimators
// (update period, step response, part-time sampling, naive-method errors) work on its result in
// TypeScript (src/sensors/).
//
// Channels (one polling thread per source, each sleeping its poll interval between reads):
//   nvml:<d>/energy          nvmlDeviceGetTotalEnergyConsumption, J (1 mJ steps)   method nvml-counter
//   nvml:<d>/power-instant   field 186 NVML_FI_DEV_POWER_INSTANT, W                method nvml-field-186
//   nvml:<d>/power-average   field 185 NVML_FI_DEV_POWER_AVERAGE, W                method nvml-field-185
//   nvml:<d>/power-usage     nvmlDeviceGetPowerUsage, W                            method nvml-power-usage
//   rapl:<zone>/energy       the RAPL source's wrap-corrected cumulative energy, J  method rapl
//   cpu-model/energy         the modelled CPU (only without RAPL), J                method modelled
// NVML is read raw (not through the meter's source, which picks one power reading and checks
// counter steps): the study is about what the driver publishes. A channel the device answers
// NOT_SUPPORTED (or whose entry point the driver lacks) is left out and named in `notes`. A read that
// fails later is counted (failedReads, firstError), never thrown.
//
// Each channel keeps `changes`: its first successful read and then every read whose value differs
// from the previous successful one, as [t, tPrev, value], t the steady time the read completed and
// tPrev that of the successful read before it (the value changed in (tPrev, t], give or take the
// duration of one read, since the driver samples inside the call; tPrev = t for the first).
// `reads` counts every attempt, `failedReads` those that failed.
//
// Options (JSON, every field optional except bursts and untilS; unknown fields are E_SPEC):
//   {"meter": {meter options, energy/meter_options.h}, "load": {"kind": "gpu"|"cpu", "threads": 0},
//    "pollIntervalS": {"nvml": 0.001, "rapl": 0.0002, "model": 0.001}, "loadLog": "",
//    "bursts": [{"atS": <steady s>, "durationS": 0.025, "intensity": 1, "label": "..."}], "untilS": <steady s>}
// threads 0: every hardware thread. atS must increase strictly, durationS be > 0 and intensity in
// (0, 1] (E_VALUE naming the burst). GPU loads run on the CUDA devices of the selected NVML devices
// (matched by UUID; every CUDA device when `gpus` is empty; with NVML off, `gpus` entries are CUDA
// indices).
//
// Polling starts at once and stops at untilS or when the last burst ends, whichever is later; the
// bursts run on the calling thread, which blocks until then.
#pragma once
#include <string>
#include <vector>

#include "core/json.h"
#include "study/load_bursts.h"
#include "energy/meter.h"

namespace sj {

struct SensorTraceOptions {
  MeterOptions meter;
  std::string loadKind = "gpu";
  int loadThreads = 0;  // 0: every hardware thread
  double nvmlPollS = 0.001, raplPollS = 0.0002, modelPollS = 0.001;
  std::string loadLog;
  std::vector<LoadBurst> bursts;
  double untilS = 0;
};

// E_SPEC for an unknown or mistyped field or a missing bursts/untilS, E_VALUE for a value out of range.
SensorTraceOptions sensorTraceOptionsFromJson(const std::string& text);

// The trace described above. Throws only for what prevents the study: a bad `gpus` entry, a load
// that cannot run (no CUDA device, ...), a load log that cannot be written.
Json sensorTrace(const SensorTraceOptions& options);

}  // namespace sj
