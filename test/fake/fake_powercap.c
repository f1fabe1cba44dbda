/* sedjoule_fake_powercap <root>: a fake Linux powercap (RAPL) folder whose counters follow the load.
 *
 * TEST DOUBLE AT THE SYSTEM BOUNDARY: it stands in for the kernel's powercap sysfs interface
 * (Documentation/power/powercap/powercap.rst in the Linux tree) so that the RAPL source
 * (native/energy/rapl_source.h) and the sensor study can be tested on machines whose RAPL counters
 * are absent or readable by root only. The engine reads it exactly as it reads /sys/class/powercap
 * (pass <root> as powercapRoot or set SEDJOULE_POWERCAP_ROOT). It writes the nested layout of
 * /sys/devices/virtual/powercap:
 *   <root>/intel-rapl:0/{name = "package-0", energy_uj, max_energy_range_uj}
 *   <root>/intel-rapl:0/intel-rapl:0:0/{name = "dram", energy_uj, max_energy_range_uj}
 * and every PERIOD rewrites each energy_uj (a temporary file renamed over it, so a reader never sees
 * a half-written value) with the integral of the zone's true power since the start, in whole uJ,
 * modulo MAX_RANGE (the counter wraps as RAPL's does). True power follows the live load log
 * (fake_load_log.h): P(t) = IDLE + (BUSY - IDLE) x load(t - DELAY), with no filter (RAPL is an
 * accumulator). `<root>/ready` appears once the first values are written. It runs until SIGTERM or
 * SIGINT, or for FAKE_RAPL_SECONDS.
 *
 * Environment (defaults):
 *   FAKE_RAPL_LOAD_LOG=path        the load log (none: always idle)
 *   FAKE_RAPL_IDLE_W=20, FAKE_RAPL_BUSY_W=65              package-0
 *   FAKE_RAPL_DRAM_IDLE_W=3, FAKE_RAPL_DRAM_BUSY_W=6      dram
 *   FAKE_RAPL_PERIOD_MS=1, FAKE_RAPL_DELAY_MS=0
 *   FAKE_RAPL_MAX_RANGE_UJ=262143328850
 *   FAKE_RAPL_SECONDS=0            0: until a signal
 * Exit status 0 on a signal or at the end, 2 for bad arguments or environment, 1 when a file cannot
 * be written (the reason on stderr).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fake_env.h"
#include "fake_load_log.h"

static volatile sig_atomic_t stopping;
static void onSignal(int signal) {
  (void)signal;
  stopping = 1;
}

static double monotonicS(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int envNumber(const char* key, double fallback, double* out) { return fakeEnvNumber("fake_powercap", key, fallback, out); }

static int writeFile(const char* path, const char* text) {
  char temporary[4200];
  snprintf(temporary, sizeof temporary, "%s.tmp", path);
  FILE* f = fopen(temporary, "w");
  if (!f || fputs(text, f) < 0 || fclose(f) != 0 || rename(temporary, path) != 0) {
    fprintf(stderr, "fake_powercap: cannot write %s: %s\n", path, strerror(errno));
    return 0;
  }
  return 1;
}

typedef struct {
  char dir[2048];
  double idleW, busyW;
} Zone;

static int makeZone(const Zone* zone, const char* name, unsigned long long maxRangeUj) {
  char path[4200], text[64];
  if (mkdir(zone->dir, 0755) != 0 && errno != EEXIST) {
    fprintf(stderr, "fake_powercap: cannot create %s: %s\n", zone->dir, strerror(errno));
    return 0;
  }
  snprintf(path, sizeof path, "%s/name", zone->dir);
  snprintf(text, sizeof text, "%s\n", name);
  if (!writeFile(path, text)) return 0;
  snprintf(path, sizeof path, "%s/max_energy_range_uj", zone->dir);
  snprintf(text, sizeof text, "%llu\n", maxRangeUj);
  return writeFile(path, text);
}

static int writeEnergy(const Zone* zone, const FakeLoadLog* log, double startS, double nowS, double delayS, unsigned long long maxRangeUj) {
  const double joules = zone->idleW * (nowS - startS) + (zone->busyW - zone->idleW) * fakeLoadIntegral(log, startS, nowS, delayS);
  const unsigned long long uj = (unsigned long long)floor(joules * 1e6) % maxRangeUj;
  char path[4200], text[32];
  snprintf(path, sizeof path, "%s/energy_uj", zone->dir);
  snprintf(text, sizeof text, "%llu\n", uj);
  return writeFile(path, text);
}

int main(int argc, char** argv) {
  if (argc != 2 || !*argv[1]) {
    fprintf(stderr, "usage: sedjoule_fake_powercap <root>\n");
    return 2;
  }
  Zone zones[2];
  double periodMs, delayMs, maxRange, seconds;
  int ok = 1;
  ok &= envNumber("FAKE_RAPL_IDLE_W", 20, &zones[0].idleW);
  ok &= envNumber("FAKE_RAPL_BUSY_W", 65, &zones[0].busyW);
  ok &= envNumber("FAKE_RAPL_DRAM_IDLE_W", 3, &zones[1].idleW);
  ok &= envNumber("FAKE_RAPL_DRAM_BUSY_W", 6, &zones[1].busyW);
  ok &= envNumber("FAKE_RAPL_PERIOD_MS", 1, &periodMs);
  ok &= envNumber("FAKE_RAPL_DELAY_MS", 0, &delayMs);
  ok &= envNumber("FAKE_RAPL_MAX_RANGE_UJ", 262143328850.0, &maxRange);
  ok &= envNumber("FAKE_RAPL_SECONDS", 0, &seconds);
  if (!ok) return 2;
  if (!(periodMs > 0) || !(maxRange >= 1)) {
    fprintf(stderr, "fake_powercap: FAKE_RAPL_PERIOD_MS and FAKE_RAPL_MAX_RANGE_UJ must be positive\n");
    return 2;
  }
  const unsigned long long maxRangeUj = (unsigned long long)maxRange;

  const char* root = argv[1];
  if (strlen(root) > 1024) {
    fprintf(stderr, "fake_powercap: the root path is longer than 1024 characters\n");
    return 2;
  }
  snprintf(zones[0].dir, sizeof zones[0].dir, "%s/intel-rapl:0", root);
  snprintf(zones[1].dir, sizeof zones[1].dir, "%s/intel-rapl:0/intel-rapl:0:0", root);
  if ((mkdir(root, 0755) != 0 && errno != EEXIST) || !makeZone(&zones[0], "package-0", maxRangeUj) || !makeZone(&zones[1], "dram", maxRangeUj))
    return 1;

  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = onSignal;
  sigaction(SIGTERM, &action, NULL);
  sigaction(SIGINT, &action, NULL);

  FakeLoadLog log = {0};
  const char* logPath = getenv("FAKE_RAPL_LOAD_LOG");
  fakeLoadLogReset(&log, logPath ? logPath : "");
  const double startS = monotonicS();
  int ready = 0;
  while (!stopping) {
    const double nowS = monotonicS();
    if (seconds > 0 && nowS - startS >= seconds) break;
    if (log.path[0]) fakeLoadLogRead(&log);
    for (int z = 0; z < 2; ++z)
      if (!writeEnergy(&zones[z], &log, startS, nowS, delayMs * 1e-3, maxRangeUj)) return 1;
    if (!ready) {
      char path[4200];
      snprintf(path, sizeof path, "%s/ready", root);
      if (!writeFile(path, "1\n")) return 1;
      ready = 1;
    }
    /* Updates on a fixed grid of the period (as the hardware's counter does): the next grid point
     * after now, however long this update took, so a late update is a missed one, not a longer period. */
    const double periodS = periodMs * 1e-3;
    const double nextS = startS + (floor((monotonicS() - startS) / periodS) + 1) * periodS;
    struct timespec until = {(time_t)nextS, (long)((nextS - floor(nextS)) * 1e9)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR && !stopping) {
    }
  }
  fakeLoadLogFree(&log);
  return 0;
}
