/* A fake libnvidia-ml for the native tests.
 *
 * TEST DOUBLE AT THE SYSTEM BOUNDARY: it stands in for the NVIDIA driver's NVML library so that
 * the NVML energy source (native/energy/nvml_*) can be tested on machines without a GPU. It is
 * loaded through the same dlopen path as the real library (pass its path to discoverNvml or set
 * SEDJOULE_NVML_LIB) and is never linked into the engine. Only the entry points the engine uses
 * exist, with the real signatures and return codes; the behaviour is scripted.
 *
 * The script is read from the environment by nvmlInit when its reference count goes from 0 to 1
 * (so a test sets variables, discovers, and gets a fresh script after every source is released):
 *   FAKE_NVML_DEVICES=N              number of devices (default 1, at most 16)
 *   FAKE_NVML_NAME=text              device name (default "Fake GPU")
 *   FAKE_NVML_POWER_W=W              constant power (default 100)
 *   FAKE_NVML_POWER_PATTERN=W:s,...  cyclic square wave from init time, e.g. "300:0.2,100:0.2"
 *                                    (wins over FAKE_NVML_POWER_W)
 *   FAKE_NVML_POWER_STEP_W=W         device i draws i * W more than the pattern (default 0), so
 *                                    tests can tell devices apart
 *   FAKE_NVML_COUNTER_PERIOD_MS=T    the energy counter is the exact integral of the power since
 *                                    init, published only at multiples of T (default 100)
 *   FAKE_NVML_POWER_PERIOD_MS=T      power readings are the pattern's value at the last multiple
 *                                    of T (default 100); GetPowerUsage gives the same value (the
 *                                    1 s averaging of Ampere and newer is not modelled)
 *   FAKE_NVML_START_ENERGY_MJ=E      counter value at init (default 123456789)
 *   FAKE_NVML_NO_ENERGY=1            the energy counter answers NOT_SUPPORTED (3)
 *   FAKE_NVML_NO_INSTANT=1           field 186 answers NOT_SUPPORTED per field; GetPowerUsage works
 *   FAKE_NVML_FAIL_AFTER=N           after N energy/power reads in total (GetTotalEnergyConsumption,
 *                                    GetPowerUsage, GetFieldValues; all devices; discovery probes
 *                                    included; NOT_SUPPORTED answers not counted), those calls
 *                                    return GPU_IS_LOST (15)
 *   FAKE_NVML_FAIL_FOR=M             ... for M calls only, then recover (default: forever)
 *   FAKE_NVML_COUNTER_RESET_AFTER=N  after N successful energy reads in total, the counter restarts
 *                                    from 0 (a driver reload) and integrates from there
 *   FAKE_NVML_COUNTER_SEQUENCE_MJ=v,v,...  successive successful energy reads (all devices, the
 *                                    discovery probe included) return these raw counter values in mJ,
 *                                    whatever the power; after the last, it repeats (a stuck counter).
 *                                    Wins over the integral and FAKE_NVML_COUNTER_RESET_AFTER; at most
 *                                    4096 values
 *   FAKE_NVML_INIT_ERROR=code        nvmlInit returns this code
 *   FAKE_NVML_UTIL_GPU=%, FAKE_NVML_UTIL_MEM=%   utilisation (defaults 50, 20)
 *   FAKE_NVML_MEMORY_USED=bytes      memory in use (default 1 GiB of 80 GiB)
 *   FAKE_NVML_SM_CLOCK_MHZ=MHz       SM clock (default 1410)
 *   FAKE_NVML_TEMPERATURE_C=C        temperature (default 45)
 *   FAKE_NVML_PROCESSES=d:pid:bytes:sm,...  compute processes running on device d, with their used
 *                                    memory and SM utilisation (%), for
 *                                    nvmlDeviceGetComputeRunningProcesses_v3 and
 *                                    nvmlDeviceGetProcessUtilization (one sample per process,
 *                                    stamped at the call; NOT_FOUND (6) when a device has none);
 *                                    default none, at most 64 entries
 *
 * Sensor model (the sensor study's tests; active when FAKE_NVML_LOAD_LOG is set, which replaces the
 * pattern above): the true power follows the live load log that the engine's load bursts append to
 * (native/study/load_bursts.h: "on <steady s> <intensity>", "off <steady s>"; an `on` without its
 * `off` lasts until now), re-read at every reading:
 *   P(t) = IDLE + i * POWER_STEP + (BUSY - IDLE) * load(t - DELAY)   (device i; load 0 outside bursts)
 * published on a grid anchored on the absolute monotonic clock, t_k = k * T + PHASE (not on nvmlInit,
 * so several sessions and the load share one time axis); a read returns the latest t_k <= now:
 *   field 186 (instant)   the filter over P at t_k: boxcar = mean of P over [t_k - W, t_k] (W < T is
 *                         part-time sampling), or exponential = first-order low-pass of time
 *                         constant W; plus noise N(0, NOISE) fixed per k and device (a hash, so
 *                         every read of one publication agrees)
 *   field 185 (average) and nvmlDeviceGetPowerUsage: mean of P over [t_k - AVERAGE_WINDOW, t_k]
 *   energy counter        START + integral of P from nvmlInit to the latest k * Tc + PHASE <= now,
 *                         floored to a multiple of RESOLUTION mJ
 * Variables (defaults):
 *   FAKE_NVML_LOAD_LOG=path                the load log (need not exist yet: no load until it does)
 *   FAKE_NVML_IDLE_W=60, FAKE_NVML_BUSY_W=400   power at load 0 and at load 1
 *   FAKE_NVML_DELAY_MS=0                   the sensor sees the load this late
 *   FAKE_NVML_POWER_PERIOD_MS=100          T (the same variable as above)
 *   FAKE_NVML_GRID_PHASE_MS=0              PHASE
 *   FAKE_NVML_WINDOW_MS=T                  W
 *   FAKE_NVML_WINDOW_SHAPE=boxcar|exponential
 *   FAKE_NVML_AVERAGE_WINDOW_MS=1000       the averaging window of field 185 and GetPowerUsage
 *   FAKE_NVML_COUNTER_PERIOD_MS=T          Tc (defaults to T in this mode, to 100 in the other)
 *   FAKE_NVML_COUNTER_RESOLUTION_MJ=1      RESOLUTION
 *   FAKE_NVML_NOISE_W=0.5                  NOISE (standard deviation)
 *   FAKE_NVML_START_ENERGY_MJ, FAKE_NVML_POWER_STEP_W, FAKE_NVML_FAIL_*, FAKE_NVML_NO_ENERGY,
 *   FAKE_NVML_NO_INSTANT apply as above; FAKE_NVML_COUNTER_SEQUENCE_MJ and _RESET_AFTER do not.
 * Outside this mode field 185 answers NOT_SUPPORTED, as before.
 *
 * Fixed: power limit 700 W, architecture Hopper (9), driver "999.99.99-fake", UUIDs
 * "GPU-fa4e0000-0000-0000-0000-00000000000<i>". A malformed variable makes nvmlInit return
 * UNKNOWN (999) and prints why on stderr.
 * Time base: CLOCK_MONOTONIC (the same clock as std::chrono::steady_clock on Linux).
 *
 * Built with -DFAKE_NVML_OMIT_ENERGY_SYMBOL it does not export nvmlDeviceGetTotalEnergyConsumption
 * at all, like a driver older than Volta support.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fake_env.h"
#include "fake_load_log.h"

#define EXPORT __attribute__((visibility("default")))

typedef int nvmlReturn_t;
typedef struct nvmlDevice_st {
  unsigned int index;
} * nvmlDevice_t;
typedef struct {
  unsigned int gpu, memory;
} nvmlUtilization_t;
typedef struct {
  unsigned long long total, free, used;
} nvmlMemory_t;
typedef union {
  double dVal;
  int siVal;
  unsigned int uiVal;
  unsigned long ulVal;
  unsigned long long ullVal;
  long long sllVal;
  unsigned short usVal;
} nvmlValue_t;
typedef struct { /* nvmlProcessInfo_t as _v2 and _v3 take it */
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId, computeInstanceId;
} nvmlProcessInfo_t;
typedef struct {
  unsigned int pid;
  unsigned long long timeStamp;
  unsigned int smUtil, memUtil, encUtil, decUtil;
} nvmlProcessUtilizationSample_t;
typedef struct {
  unsigned int fieldId;
  unsigned int scopeId;
  long long timestamp;
  long long latencyUsec;
  int valueType;
  nvmlReturn_t nvmlReturn;
  nvmlValue_t value;
} nvmlFieldValue_t;

enum {
  SUCCESS = 0,
  ERROR_UNINITIALIZED = 1,
  ERROR_INVALID_ARGUMENT = 2,
  ERROR_NOT_SUPPORTED = 3,
  ERROR_NOT_FOUND = 6,
  ERROR_INSUFFICIENT_SIZE = 7,
  ERROR_GPU_IS_LOST = 15,
  ERROR_UNKNOWN = 999,
};
enum { FIELD_POWER_AVERAGE = 185, FIELD_POWER_INSTANT = 186, VALUE_TYPE_UNSIGNED_INT = 1 };
enum { MAX_DEVICES = 16, MAX_SEGMENTS = 64, MAX_SEQUENCE = 4096, MAX_PROCESSES = 64 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initCount;
static struct nvmlDevice_st devices[MAX_DEVICES];

static struct {
  unsigned int devices;
  char name[96];
  double watts[MAX_SEGMENTS], seconds[MAX_SEGMENTS];
  int segments;
  double cycleS, cycleJ;
  double stepW;
  long long counterPeriodNs, powerPeriodNs;
  unsigned long long startMJ;
  int noEnergy, noInstant;
  long long failAfter, failFor; /* -1: never / forever */
  long long resetAfter;         /* -1: never */
  unsigned long long sequence[MAX_SEQUENCE];
  int sequenceLength;           /* 0: the counter integrates the power */
  unsigned int utilGpu, utilMem, smClockMHz, temperatureC;
  unsigned long long memoryUsed;
  struct {
    unsigned int device, pid, sm;
    unsigned long long bytes;
  } processes[MAX_PROCESSES];
  int processCount;
  long long t0Ns;
  long long reads, energyReads, resetAtNs; /* resetAtNs -1 until the reset happens */
  /* the sensor model (FAKE_NVML_LOAD_LOG set); times in seconds of CLOCK_MONOTONIC */
  int loadModel;
  double idleW, busyW, delayS, periodS, phaseS, windowS, averageS, counterPeriodS, resolutionMJ, noiseW;
  int exponential;
} s;
static FakeLoadLog loadLog; /* the bursts read so far (fake_load_log.h) */

static long long monotonicNs(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* ---- script ------------------------------------------------------------------------------- */

static int envNumber(const char* key, double fallback, double* out) { return fakeEnvNumber("fake_nvml", key, fallback, out); }

static int parsePattern(const char* text) {
  s.segments = 0;
  while (*text) {
    char* end = NULL;
    if (s.segments == MAX_SEGMENTS) return 0;
    double w = strtod(text, &end);
    if (end == text || *end != ':') return 0;
    text = end + 1;
    double seconds = strtod(text, &end);
    if (end == text || !(seconds > 0)) return 0;
    s.watts[s.segments] = w;
    s.seconds[s.segments] = seconds;
    ++s.segments;
    text = end;
    if (*text == ',') ++text;
    else if (*text) return 0;
  }
  return s.segments > 0;
}

static int parseSequence(const char* text) {
  s.sequenceLength = 0;
  while (*text) {
    char* end = NULL;
    if (s.sequenceLength == MAX_SEQUENCE || *text < '0' || *text > '9') return 0;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || end == text) return 0;
    s.sequence[s.sequenceLength++] = v;
    text = end;
    if (*text == ',') ++text;
    else if (*text) return 0;
  }
  return s.sequenceLength > 0;
}

static int parseProcesses(const char* text) {
  s.processCount = 0;
  while (*text) {
    if (s.processCount == MAX_PROCESSES) return 0;
    unsigned int device, pid, sm;
    unsigned long long bytes;
    int used = 0;
    if (sscanf(text, "%u:%u:%llu:%u%n", &device, &pid, &bytes, &sm, &used) != 4) return 0;
    s.processes[s.processCount].device = device;
    s.processes[s.processCount].pid = pid;
    s.processes[s.processCount].bytes = bytes;
    s.processes[s.processCount].sm = sm;
    ++s.processCount;
    text += used;
    if (*text == ',') ++text;
    else if (*text) return 0;
  }
  return 1;
}


/* ---- sensor model (FAKE_NVML_LOAD_LOG) ------------------------------------------------------- */

static int readSensorModel(void) {
  const char* log = getenv("FAKE_NVML_LOAD_LOG");
  s.loadModel = log && *log;
  if (!s.loadModel) return 1;
  fakeLoadLogReset(&loadLog, log);
  double v, periodMs;
  int ok = 1;
  ok &= envNumber("FAKE_NVML_IDLE_W", 60, &s.idleW);
  ok &= envNumber("FAKE_NVML_BUSY_W", 400, &s.busyW);
  ok &= envNumber("FAKE_NVML_DELAY_MS", 0, &v);
  s.delayS = v * 1e-3;
  ok &= envNumber("FAKE_NVML_POWER_PERIOD_MS", 100, &periodMs);
  s.periodS = (periodMs > 0 ? periodMs : 1e-6) * 1e-3;
  ok &= envNumber("FAKE_NVML_GRID_PHASE_MS", 0, &v);
  s.phaseS = v * 1e-3;
  ok &= envNumber("FAKE_NVML_WINDOW_MS", periodMs, &v);
  s.windowS = (v > 0 ? v : 1e-6) * 1e-3;
  ok &= envNumber("FAKE_NVML_AVERAGE_WINDOW_MS", 1000, &v);
  s.averageS = (v > 0 ? v : 1e-6) * 1e-3;
  ok &= envNumber("FAKE_NVML_COUNTER_PERIOD_MS", periodMs, &v);
  s.counterPeriodS = (v > 0 ? v : 1e-6) * 1e-3;
  ok &= envNumber("FAKE_NVML_COUNTER_RESOLUTION_MJ", 1, &s.resolutionMJ);
  if (!(s.resolutionMJ >= 1)) s.resolutionMJ = 1;
  ok &= envNumber("FAKE_NVML_NOISE_W", 0.5, &s.noiseW);
  const char* shape = getenv("FAKE_NVML_WINDOW_SHAPE");
  s.exponential = shape && strcmp(shape, "exponential") == 0;
  if (shape && *shape && !s.exponential && strcmp(shape, "boxcar") != 0) {
    fprintf(stderr, "fake_nvml: FAKE_NVML_WINDOW_SHAPE=%s is not boxcar or exponential\n", shape);
    ok = 0;
  }
  return ok;
}

static double monotonicS(void) { return monotonicNs() * 1e-9; }

static double idleOf(unsigned int index) { return s.idleW + index * s.stepW; }

/* Integral of the true power of device `index` over [a, b], joules. */
static double modelJ(unsigned int index, double a, double b) {
  return b > a ? idleOf(index) * (b - a) + (s.busyW - s.idleW) * fakeLoadIntegral(&loadLog, a, b, s.delayS) : 0;
}

static double boxcarW(unsigned int index, double t, double width) { return modelJ(index, t - width, t) / width; }

static double exponentialW(unsigned int index, double t, double tau) {
  return idleOf(index) + (s.busyW - s.idleW) * fakeLoadExponential(&loadLog, t, tau, s.delayS);
}

/* The latest grid point k * period + PHASE <= now, and its k. */
static double gridPoint(double periodS, long long* k) {
  *k = (long long)floor((monotonicS() - s.phaseS) / periodS);
  return *k * periodS + s.phaseS;
}

/* N(0, 1), a fixed function of (k, device): splitmix64 and Box-Muller. */
static double gaussianFor(long long k, unsigned int index) {
  unsigned long long z = (unsigned long long)k * 0x9E3779B97F4A7C15ULL + index * 0xD1B54A32D192ED03ULL + 0x632BE59BD9B4E019ULL;
  double u[2];
  for (int i = 0; i < 2; ++i) {
    z += 0x9E3779B97F4A7C15ULL;
    unsigned long long x = z;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    u[i] = ((x >> 11) + 0.5) * (1.0 / 9007199254740992.0); /* (0, 1) */
  }
  return sqrt(-2 * log(u[0])) * cos(6.283185307179586 * u[1]) /* 2 pi */;
}

static unsigned int wattsToMW(double w) { return w > 0 ? (unsigned int)llround(w * 1000) : 0; }

static unsigned int modelInstantMW(unsigned int index) {
  fakeLoadLogRead(&loadLog);
  long long k;
  double t = gridPoint(s.periodS, &k);
  double w = s.exponential ? exponentialW(index, t, s.windowS) : boxcarW(index, t, s.windowS);
  return wattsToMW(w + s.noiseW * gaussianFor(k, index));
}

static unsigned int modelAverageMW(unsigned int index) {
  fakeLoadLogRead(&loadLog);
  long long k;
  return wattsToMW(boxcarW(index, gridPoint(s.periodS, &k), s.averageS));
}

static unsigned long long modelCounterMJ(unsigned int index) {
  fakeLoadLogRead(&loadLog);
  long long k;
  double mJ = s.startMJ + 1000 * modelJ(index, s.t0Ns * 1e-9, gridPoint(s.counterPeriodS, &k));
  return (unsigned long long)(floor(mJ / s.resolutionMJ + 1e-9) * s.resolutionMJ);
}

static int readScript(void) {
  double v;
  int ok = 1;
  ok &= envNumber("FAKE_NVML_DEVICES", 1, &v);
  s.devices = v < 0 ? 0 : v > MAX_DEVICES ? MAX_DEVICES : (unsigned int)v;
  const char* name = getenv("FAKE_NVML_NAME");
  snprintf(s.name, sizeof s.name, "%s", name && *name ? name : "Fake GPU");

  const char* pattern = getenv("FAKE_NVML_POWER_PATTERN");
  if (pattern && *pattern) {
    if (!parsePattern(pattern)) {
      fprintf(stderr, "fake_nvml: FAKE_NVML_POWER_PATTERN=%s is not W:seconds,W:seconds,...\n", pattern);
      ok = 0;
    }
  } else {
    ok &= envNumber("FAKE_NVML_POWER_W", 100, &v);
    s.segments = 1;
    s.watts[0] = v;
    s.seconds[0] = 1;
  }
  s.cycleS = s.cycleJ = 0;
  for (int i = 0; i < s.segments; ++i) {
    s.cycleS += s.seconds[i];
    s.cycleJ += s.watts[i] * s.seconds[i];
  }
  ok &= envNumber("FAKE_NVML_POWER_STEP_W", 0, &s.stepW);
  ok &= envNumber("FAKE_NVML_COUNTER_PERIOD_MS", 100, &v);
  s.counterPeriodNs = v > 0 ? (long long)(v * 1e6) : 1;
  ok &= envNumber("FAKE_NVML_POWER_PERIOD_MS", 100, &v);
  s.powerPeriodNs = v > 0 ? (long long)(v * 1e6) : 1;
  ok &= envNumber("FAKE_NVML_START_ENERGY_MJ", 123456789, &v);
  s.startMJ = (unsigned long long)v;
  ok &= envNumber("FAKE_NVML_NO_ENERGY", 0, &v);
  s.noEnergy = v != 0;
  ok &= envNumber("FAKE_NVML_NO_INSTANT", 0, &v);
  s.noInstant = v != 0;
  ok &= envNumber("FAKE_NVML_FAIL_AFTER", -1, &v);
  s.failAfter = (long long)v;
  ok &= envNumber("FAKE_NVML_FAIL_FOR", -1, &v);
  s.failFor = (long long)v;
  ok &= envNumber("FAKE_NVML_COUNTER_RESET_AFTER", -1, &v);
  s.resetAfter = (long long)v;
  const char* sequence = getenv("FAKE_NVML_COUNTER_SEQUENCE_MJ");
  s.sequenceLength = 0;
  if (sequence && *sequence && !parseSequence(sequence)) {
    fprintf(stderr, "fake_nvml: FAKE_NVML_COUNTER_SEQUENCE_MJ=%.80s is not a list of at most %d whole numbers v,v,...\n", sequence,
            MAX_SEQUENCE);
    ok = 0;
  }
  ok &= envNumber("FAKE_NVML_UTIL_GPU", 50, &v);
  s.utilGpu = (unsigned int)v;
  ok &= envNumber("FAKE_NVML_UTIL_MEM", 20, &v);
  s.utilMem = (unsigned int)v;
  ok &= envNumber("FAKE_NVML_MEMORY_USED", 1024.0 * 1024 * 1024, &v);
  s.memoryUsed = (unsigned long long)v;
  ok &= envNumber("FAKE_NVML_SM_CLOCK_MHZ", 1410, &v);
  s.smClockMHz = (unsigned int)v;
  ok &= envNumber("FAKE_NVML_TEMPERATURE_C", 45, &v);
  s.temperatureC = (unsigned int)v;
  const char* processes = getenv("FAKE_NVML_PROCESSES");
  s.processCount = 0;
  if (processes && *processes && !parseProcesses(processes)) {
    fprintf(stderr, "fake_nvml: FAKE_NVML_PROCESSES=%.80s is not d:pid:bytes:sm,... (at most %d)\n", processes, MAX_PROCESSES);
    ok = 0;
  }
  ok &= readSensorModel();
  for (unsigned int i = 0; i < MAX_DEVICES; ++i) devices[i].index = i;
  s.reads = s.energyReads = 0;
  s.resetAtNs = -1;
  s.t0Ns = monotonicNs();
  return ok;
}

/* Power of the pattern at `t` seconds after init. */
static double patternW(double t) {
  double phase = fmod(t, s.cycleS);
  for (int i = 0; i < s.segments; ++i) {
    if (phase < s.seconds[i]) return s.watts[i];
    phase -= s.seconds[i];
  }
  return s.watts[s.segments - 1];
}

/* Exact integral of the pattern over [0, t] seconds, in joules. */
static double patternJ(double t) {
  double cycles = floor(t / s.cycleS);
  double energy = cycles * s.cycleJ, phase = t - cycles * s.cycleS;
  for (int i = 0; i < s.segments && phase > 0; ++i) {
    double part = phase < s.seconds[i] ? phase : s.seconds[i];
    energy += s.watts[i] * part;
    phase -= part;
  }
  return energy;
}

static long long publishedNs(long long periodNs) {
  long long elapsed = monotonicNs() - s.t0Ns;
  return elapsed / periodNs * periodNs;
}

static double deviceEnergyJ(unsigned int index, long long atNs) {
  double t = atNs * 1e-9;
  return patternJ(t) + index * s.stepW * t;
}

static unsigned int powerMW(unsigned int index) {
  double t = publishedNs(s.powerPeriodNs) * 1e-9;
  double w = patternW(t) + index * s.stepW;
  return w > 0 ? (unsigned int)llround(w * 1000) : 0;
}

/* Counts one energy/power read; true when FAKE_NVML_FAIL_AFTER / _FOR say it fails. */
static int readFails(void) {
  long long n = ++s.reads;
  return s.failAfter >= 0 && n > s.failAfter && (s.failFor < 0 || n <= s.failAfter + s.failFor);
}

static int validDevice(nvmlDevice_t device) {
  return device >= devices && device < devices + s.devices;
}

#define LOCKED(body)                  \
  do {                                \
    pthread_mutex_lock(&lock);        \
    nvmlReturn_t rc_ = (body);        \
    pthread_mutex_unlock(&lock);      \
    return rc_;                       \
  } while (0)

/* ---- init ---------------------------------------------------------------------------------- */

static nvmlReturn_t initLocked(void) {
  if (initCount == 0) {
    double code;
    if (!envNumber("FAKE_NVML_INIT_ERROR", 0, &code)) return ERROR_UNKNOWN;
    if (code != 0) return (nvmlReturn_t)code;
    if (!readScript()) return ERROR_UNKNOWN;
  }
  ++initCount;
  return SUCCESS;
}

EXPORT nvmlReturn_t nvmlInit_v2(void) { LOCKED(initLocked()); }
EXPORT nvmlReturn_t nvmlInit(void) { LOCKED(initLocked()); }

static nvmlReturn_t shutdownLocked(void) {
  if (initCount == 0) return ERROR_UNINITIALIZED;
  if (--initCount == 0) fakeLoadLogFree(&loadLog); /* the library may be unloaded next */
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlShutdown(void) { LOCKED(shutdownLocked()); }

EXPORT const char* nvmlErrorString(nvmlReturn_t result) {
  switch (result) {
    case 0: return "Success";
    case 1: return "Uninitialized";
    case 2: return "Invalid Argument";
    case 3: return "Not Supported";
    case 4: return "Insufficient Permissions";
    case 6: return "Not Found";
    case 7: return "Insufficient Size";
    case 9: return "Driver Not Loaded";
    case 12: return "NVML Shared Library Not Found";
    case 13: return "Function Not Found";
    case 15: return "GPU is lost";
    case 999: return "Unknown Error";
  }
  return "Unknown Error";
}

/* ---- devices ------------------------------------------------------------------------------- */

static nvmlReturn_t countLocked(unsigned int* count) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!count) return ERROR_INVALID_ARGUMENT;
  *count = s.devices;
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int* count) { LOCKED(countLocked(count)); }
EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned int* count) { LOCKED(countLocked(count)); }

static nvmlReturn_t handleLocked(unsigned int index, nvmlDevice_t* device) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!device || index >= s.devices) return ERROR_INVALID_ARGUMENT;
  *device = &devices[index];
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t* device) { LOCKED(handleLocked(index, device)); }
EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index, nvmlDevice_t* device) { LOCKED(handleLocked(index, device)); }

static nvmlReturn_t copyString(const char* text, char* out, unsigned int length) {
  if (!out) return ERROR_INVALID_ARGUMENT;
  if (strlen(text) + 1 > length) return ERROR_INSUFFICIENT_SIZE;
  strcpy(out, text);
  return SUCCESS;
}

static nvmlReturn_t nameLocked(nvmlDevice_t device, char* name, unsigned int length) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device)) return ERROR_INVALID_ARGUMENT;
  return copyString(s.name, name, length);
}
EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char* name, unsigned int length) { LOCKED(nameLocked(device, name, length)); }

static nvmlReturn_t uuidLocked(nvmlDevice_t device, char* uuid, unsigned int length) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device)) return ERROR_INVALID_ARGUMENT;
  char text[64];
  snprintf(text, sizeof text, "GPU-fa4e0000-0000-0000-0000-%012u", device->index);
  return copyString(text, uuid, length);
}
EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t device, char* uuid, unsigned int length) { LOCKED(uuidLocked(device, uuid, length)); }

static nvmlReturn_t driverLocked(char* version, unsigned int length) {
  if (!initCount) return ERROR_UNINITIALIZED;
  return copyString("999.99.99-fake", version, length);
}
EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned int length) { LOCKED(driverLocked(version, length)); }

static nvmlReturn_t unsignedLocked(nvmlDevice_t device, unsigned int* out, unsigned int value) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !out) return ERROR_INVALID_ARGUMENT;
  *out = value;
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetArchitecture(nvmlDevice_t device, unsigned int* arch) { LOCKED(unsignedLocked(device, arch, 9)); }
EXPORT nvmlReturn_t nvmlDeviceGetPowerManagementLimit(nvmlDevice_t device, unsigned int* limit) {
  LOCKED(unsignedLocked(device, limit, 700000));
}
EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t device, unsigned int* limit) { LOCKED(unsignedLocked(device, limit, 700000)); }

static nvmlReturn_t clockLocked(nvmlDevice_t device, int type, unsigned int* clock) {
  if (type < 0 || type > 3) return ERROR_INVALID_ARGUMENT;
  return unsignedLocked(device, clock, type == 2 ? 1593 : s.smClockMHz); /* MEM 2; GRAPHICS, SM, VIDEO alike */
}
EXPORT nvmlReturn_t nvmlDeviceGetClockInfo(nvmlDevice_t device, int type, unsigned int* clock) { LOCKED(clockLocked(device, type, clock)); }

static nvmlReturn_t temperatureLocked(nvmlDevice_t device, int sensor, unsigned int* temp) {
  if (sensor != 0) return ERROR_INVALID_ARGUMENT;
  return unsignedLocked(device, temp, s.temperatureC);
}
EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t device, int sensor, unsigned int* temp) {
  LOCKED(temperatureLocked(device, sensor, temp));
}

static nvmlReturn_t utilizationLocked(nvmlDevice_t device, nvmlUtilization_t* utilization) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !utilization) return ERROR_INVALID_ARGUMENT;
  utilization->gpu = s.utilGpu;
  utilization->memory = s.utilMem;
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetUtilizationRates(nvmlDevice_t device, nvmlUtilization_t* utilization) {
  LOCKED(utilizationLocked(device, utilization));
}

static nvmlReturn_t memoryLocked(nvmlDevice_t device, nvmlMemory_t* memory) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !memory) return ERROR_INVALID_ARGUMENT;
  memory->total = 80ULL << 30;
  memory->used = s.memoryUsed < memory->total ? s.memoryUsed : memory->total;
  memory->free = memory->total - memory->used;
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t device, nvmlMemory_t* memory) { LOCKED(memoryLocked(device, memory)); }

/* ---- processes ---------------------------------------------------------------------------- */

static unsigned int processesOn(nvmlDevice_t device) {
  unsigned int n = 0;
  for (int i = 0; i < s.processCount; ++i) n += s.processes[i].device == device->index;
  return n;
}

static nvmlReturn_t computeProcessesLocked(nvmlDevice_t device, unsigned int* count, nvmlProcessInfo_t* infos) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !count) return ERROR_INVALID_ARGUMENT;
  const unsigned int n = processesOn(device);
  if (n > *count || (n > 0 && !infos)) {
    *count = n;
    return ERROR_INSUFFICIENT_SIZE;
  }
  *count = 0;
  for (int i = 0; i < s.processCount; ++i) {
    if (s.processes[i].device != device->index) continue;
    nvmlProcessInfo_t* p = &infos[(*count)++];
    p->pid = s.processes[i].pid;
    p->usedGpuMemory = s.processes[i].bytes;
    p->gpuInstanceId = p->computeInstanceId = 0xFFFFFFFFu;
  }
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetComputeRunningProcesses_v3(nvmlDevice_t device, unsigned int* count, nvmlProcessInfo_t* infos) {
  LOCKED(computeProcessesLocked(device, count, infos));
}

static nvmlReturn_t processUtilizationLocked(nvmlDevice_t device, nvmlProcessUtilizationSample_t* samples, unsigned int* count,
                                             unsigned long long lastSeen) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !count) return ERROR_INVALID_ARGUMENT;
  (void)lastSeen;
  const unsigned int n = processesOn(device);
  if (n == 0) return ERROR_NOT_FOUND;
  if (!samples || n > *count) {
    *count = n;
    return ERROR_INSUFFICIENT_SIZE;
  }
  *count = 0;
  const unsigned long long nowUs = (unsigned long long)(monotonicNs() / 1000);
  for (int i = 0; i < s.processCount; ++i) {
    if (s.processes[i].device != device->index) continue;
    nvmlProcessUtilizationSample_t* p = &samples[(*count)++];
    p->pid = s.processes[i].pid;
    p->timeStamp = nowUs;
    p->smUtil = s.processes[i].sm;
    p->memUtil = p->encUtil = p->decUtil = 0;
  }
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t* samples, unsigned int* count,
                                                    unsigned long long lastSeen) {
  LOCKED(processUtilizationLocked(device, samples, count, lastSeen));
}

/* ---- energy and power ---------------------------------------------------------------------- */

static nvmlReturn_t energyLocked(nvmlDevice_t device, unsigned long long* energy) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !energy) return ERROR_INVALID_ARGUMENT;
  if (s.noEnergy) return ERROR_NOT_SUPPORTED;
  if (readFails()) return ERROR_GPU_IS_LOST;
  if (s.loadModel) {
    *energy = modelCounterMJ(device->index);
    return SUCCESS;
  }
  if (s.sequenceLength > 0) {
    long long n = s.energyReads++;
    *energy = s.sequence[n < s.sequenceLength ? n : s.sequenceLength - 1];
    return SUCCESS;
  }
  long long at = publishedNs(s.counterPeriodNs);
  if (s.resetAtNs < 0 && s.resetAfter >= 0 && s.energyReads >= s.resetAfter) s.resetAtNs = at;
  ++s.energyReads;
  double joules = s.resetAtNs < 0 ? s.startMJ * 1e-3 + deviceEnergyJ(device->index, at)
                                  : deviceEnergyJ(device->index, at) - deviceEnergyJ(device->index, s.resetAtNs);
  *energy = (unsigned long long)floor(joules * 1000 + 1e-6); /* whole mJ, as NVML reports */
  return SUCCESS;
}
#ifndef FAKE_NVML_OMIT_ENERGY_SYMBOL
EXPORT nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long* energy) {
  LOCKED(energyLocked(device, energy));
}
#endif

static nvmlReturn_t powerUsageLocked(nvmlDevice_t device, unsigned int* power) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || !power) return ERROR_INVALID_ARGUMENT;
  if (readFails()) return ERROR_GPU_IS_LOST;
  *power = s.loadModel ? modelAverageMW(device->index) : powerMW(device->index);
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int* power) { LOCKED(powerUsageLocked(device, power)); }

/* Field 186 unless FAKE_NVML_NO_INSTANT; field 185 only in the sensor model. */
static int answersField(unsigned int fieldId) {
  return (fieldId == FIELD_POWER_INSTANT && !s.noInstant) || (fieldId == FIELD_POWER_AVERAGE && s.loadModel);
}

static nvmlReturn_t fieldValuesLocked(nvmlDevice_t device, int count, nvmlFieldValue_t* values) {
  if (!initCount) return ERROR_UNINITIALIZED;
  if (!validDevice(device) || count < 0 || (count > 0 && !values)) return ERROR_INVALID_ARGUMENT;
  int answers = 0; /* a request whose every field is unsupported is not a power read */
  for (int i = 0; i < count; ++i) answers |= answersField(values[i].fieldId);
  if (answers && readFails()) return ERROR_GPU_IS_LOST;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  for (int i = 0; i < count; ++i) {
    nvmlFieldValue_t* field = &values[i];
    field->timestamp = (long long)now.tv_sec * 1000000 + now.tv_nsec / 1000;
    field->latencyUsec = 0;
    if (!answersField(field->fieldId)) {
      field->nvmlReturn = ERROR_NOT_SUPPORTED;
      continue;
    }
    field->nvmlReturn = SUCCESS;
    field->valueType = VALUE_TYPE_UNSIGNED_INT;
    if (field->fieldId == FIELD_POWER_AVERAGE) field->value.uiVal = modelAverageMW(device->index);
    else field->value.uiVal = s.loadModel ? modelInstantMW(device->index) : powerMW(device->index);
  }
  return SUCCESS;
}
EXPORT nvmlReturn_t nvmlDeviceGetFieldValues(nvmlDevice_t device, int count, nvmlFieldValue_t* values) {
  LOCKED(fieldValuesLocked(device, count, values));
}
