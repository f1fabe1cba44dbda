/* A number from the environment, as the fake sensors read their script (test doubles: fake_nvml.c,
 * fake_powercap.c). Header-only (a static function), so each fake stays one self-contained file. */
#ifndef SEDJOULE_FAKE_ENV_H
#define SEDJOULE_FAKE_ENV_H

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* `fallback` when `key` is unset or empty; 0 (and why, on stderr, naming `program`) when it is not a
 * finite decimal number. */
static inline int fakeEnvNumber(const char* program, const char* key, double fallback, double* out) {
  const char* text = getenv(key);
  if (!text || !*text) {
    *out = fallback;
    return 1;
  }
  char* end = NULL;
  errno = 0;
  *out = strtod(text, &end);
  if (errno || *end || !isfinite(*out)) {
    fprintf(stderr, "%s: %s=%s is not a number\n", program, key, text);
    return 0;
  }
  return 1;
}

#endif
