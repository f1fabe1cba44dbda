/* The live load log as the fake sensors read it (test doubles: fake_nvml.c, fake_powercap.c).
 *
 * The engine's load bursts (native/study/load_bursts.h) append one line per edge:
 *   on <steady seconds> <intensity>
 *   off <steady seconds>
 * and a fake sensor turns that into the device's true power, P(t) = IDLE + (BUSY - IDLE) x load(t -
 * DELAY), load the intensity of the burst on at that time (an `on` without its `off` lasts until
 * now), 0 otherwise. Times are seconds of CLOCK_MONOTONIC, the engine's steady clock on Linux.
 * Header-only (static functions), so each fake is one self-contained file; not thread-safe (the
 * callers hold their own lock).
 */
#ifndef SEDJOULE_FAKE_LOAD_LOG_H
#define SEDJOULE_FAKE_LOAD_LOG_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  double on, off, intensity; /* off = INFINITY while the burst is on */
} FakeBurst;

typedef struct {
  char path[4096];
  FakeBurst* bursts;
  int count, capacity;
  long offset; /* bytes read so far: whole lines only */
} FakeLoadLog;

static inline void fakeLoadLogReset(FakeLoadLog* log, const char* path) {
  snprintf(log->path, sizeof log->path, "%s", path);
  log->count = 0;
  log->offset = 0;
}

/* Releases the bursts (the NVML fake at its last nvmlShutdown, before it may be unloaded). */
static inline void fakeLoadLogFree(FakeLoadLog* log) {
  free(log->bursts);
  log->bursts = NULL;
  log->count = log->capacity = 0;
}

/* Reads the lines appended since the last call. A log not written yet means no load. */
static inline void fakeLoadLogRead(FakeLoadLog* log) {
  FILE* f = fopen(log->path, "r");
  if (!f) return;
  if (fseek(f, log->offset, SEEK_SET) == 0) {
    char line[256];
    while (fgets(line, sizeof line, f)) {
      size_t length = strlen(line);
      if (length == 0 || line[length - 1] != '\n') break; /* half a line: read it next time */
      log->offset += (long)length;
      double t, intensity;
      if (sscanf(line, "on %lf %lf", &t, &intensity) == 2) {
        if (log->count == log->capacity) {
          log->capacity = log->capacity ? 2 * log->capacity : 64;
          log->bursts = (FakeBurst*)realloc(log->bursts, (size_t)log->capacity * sizeof *log->bursts);
          if (!log->bursts) abort();
        }
        log->bursts[log->count].on = t;
        log->bursts[log->count].off = INFINITY;
        log->bursts[log->count].intensity = intensity;
        ++log->count;
      } else if (sscanf(line, "off %lf", &t) == 1 && log->count > 0) {
        log->bursts[log->count - 1].off = t;
      }
    }
  }
  fclose(f);
}

/* Integral over [a, b] of load(t - delay), in seconds x intensity. */
static inline double fakeLoadIntegral(const FakeLoadLog* log, double a, double b, double delay) {
  double sum = 0;
  for (int i = 0; i < log->count; ++i) {
    double from = log->bursts[i].on + delay, to = log->bursts[i].off + delay;
    if (from < a) from = a;
    if (to > b) to = b;
    if (to > from) sum += log->bursts[i].intensity * (to - from);
  }
  return sum;
}

/* A first-order low-pass of time constant tau over load(t - delay), at t (exact: the load is
 * piecewise constant, so each burst contributes exp(-(t - end)/tau) - exp(-(t - start)/tau)). */
static inline double fakeLoadExponential(const FakeLoadLog* log, double t, double tau, double delay) {
  double response = 0;
  for (int i = 0; i < log->count; ++i) {
    double from = log->bursts[i].on + delay, to = log->bursts[i].off + delay;
    if (from >= t) continue;
    if (to > t) to = t;
    response += log->bursts[i].intensity * (exp(-(t - to) / tau) - exp(-(t - from) / tau));
  }
  return response;
}

#endif
