// RAPL energy counters through the Linux powercap sysfs interface (Intel since Linux 3.13, AMD since
// 5.8; both appear as "intel-rapl" zones). Each usable zone becomes one EnergySource whose energy is
// the zone's energy_uj counter, accumulated since discovery with wrap-around corrected.
//
//   <root>/intel-rapl:<z>        name "package-N" (cpu-package, additive) or "psys" (platform:
//                                contains the packages, so not additive)
//   <root>/intel-rapl:<z>:<n>    name "dram" (additive: DRAM is outside the package domain),
//                                "core" / "uncore" (inside the package: skipped, never a source)
//   <root>/intel-rapl-mmio:<z>   the same domains read through MMIO on newer Intel clients
//
// Discovery rules, in order:
//  1. Root: the argument if non-empty, else $SEDJOULE_POWERCAP_ROOT if non-empty, else
//     /sys/class/powercap together with /sys/devices/virtual/powercap (where the MMIO control type
//     and the real zone folders live). A root given explicitly is scanned alone.
//  2. Zones are folders named <type>:<i>[:<j>] with <type> starting "intel-rapl", found up to three
//     levels deep (flat /sys/class layout and nested /sys/devices layout both work). Symbolic links
//     are followed; a zone reached by several paths is counted once (same real path).
//  3. The domain comes from the zone's `name` file. The package a sub-zone belongs to is its parent
//     zone's (<type>:<i>) name: dram under package-1 is "dram-1".
//  4. Duplicates across interfaces: one source per (domain name, package). The MSR zone
//     ("intel-rapl") wins over any other interface ("intel-rapl-mmio"): it exists on every RAPL
//     machine, Intel and AMD, and the two read the same hardware counter. An MMIO zone is used only
//     where no MSR zone has that domain. The loser is listed in `skipped`.
//  5. Permission: if any energy_uj (or name) cannot be opened with EACCES/EPERM, RAPL is reported
//     unavailable as a whole (no partial set, which would undercount silently), with a status that
//     names the file and how to make it readable. The caller decides what to fall back to and labels
//     it; nothing here falls back.
//  6. A zone whose counter fails to read for another reason, or whose domain is unknown, is skipped
//     with the reason. available = at least one source and no permission denial.
//
// Counter steps (energy/counter_check.h): every step between readings is checked against the zone's
// power bound (4 x the largest power its constraint_*_max_power_uw / _power_limit_uw declare, and at
// least the TDP bound, 1000 W) times the time the step can span. A reading below the previous one is
// a wrap past max_energy_range_uj (read once at discovery), counted as current + range - previous,
// when that step fits the bound; otherwise it is a reset. A step above the bound (a jump), a reset, a
// decrease that cannot be corrected (the range unreadable) and a step long enough to hide a second
// wrap come back as a good reading with `discontinuity` saying why; the doubtful step is not counted
// (or, for a possible second wrap, only what it shows), so energyJ never goes down, and the meter
// marks the window holding it incomplete. The meter reads each zone every sampling period, far more
// often than a wrap at the bound power (262 kJ at 1000 W: about 4 minutes).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "energy/energy_source.h"

namespace sj {

struct RaplDiscovery {
  bool available = false;
  std::string status;  // one line for people: what was found, or why RAPL cannot be used
  std::vector<std::unique_ptr<EnergySource>> sources;
  std::vector<std::string> skipped;  // "<zone path> (<name>): <reason>" for every zone not used
};

// Never throws for a missing, empty or unreadable folder: those come back as available = false.
RaplDiscovery discoverRapl(const std::string& root = "");

}  // namespace sj
