// Linked into the addon only with SEDJOULE_STATIC_CXX_RUNTIME (the prebuilt addon). GCC 12's static
// libstdc++ brings std::random_device, which calls arc4random when the build machine's glibc has it
// (2.36+), and that one reference would make the addon refuse to load on glibc 2.34 and 2.35
// (Ubuntu 22.04, RHEL 9). sedjoule never constructs a random_device, so this hidden definition only
// keeps the link from importing glibc's; it draws from getrandom (glibc 2.25+) all the same.
#include <errno.h>
#include <stdint.h>
#include <sys/random.h>

__attribute__((visibility("hidden"))) uint32_t arc4random(void) {
  uint32_t value = 0;
  while (getrandom(&value, sizeof value, 0) != (ssize_t)sizeof value && errno == EINTR) {
  }
  return value;
}
