#include "energy/rapl_source.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <sstream>

#include "energy/counter_check.h"

namespace sj {

namespace {

const char* kDefaultRoot = "/sys/class/powercap";
const char* kVirtualRoot = "/sys/devices/virtual/powercap";
const char* kMsrType = "intel-rapl";
constexpr int kMaxScanDepth = 3;  // <root>/intel-rapl/intel-rapl:0/intel-rapl:0:0

// Accuracy of a RAPL reading. No vendor specifies it, so these are our allowances from the published
// studies cited below (and in docs/energy.md), stated as such in every source's accuracySource.
constexpr double kPackageAccuracy = 0.10;
constexpr double kDramAccuracy = 0.20;
constexpr double kPsysAccuracy = 0.20;
const char* kPackageAccuracySource =
    "not specified by Intel or AMD (RAPL accuracy is undocumented by the vendors). Khan et al., 'RAPL in Action', ACM TOMPECS 3(2) "
    "2018, doi:10.1145/3177754: package energy highly correlated with plug power on Haswell/Skylake, but RAPL was a model on "
    "Sandy/Ivy Bridge, and AMD counters miss rails and VRM losses (Schoene et al., arXiv 2108.00808). 0.1 is our allowance for "
    "that, not a vendor figure";
const char* kDramAccuracySource =
    "not specified by the vendors; DRAM RAPL is an estimate. Desrochers, Paradis, Weaver, MEMSYS 2016: Haswell desktop DRAM "
    "readings carry a system-dependent offset, worst at idle (Haswell-EP 'mode 1' is much better). 0.2, twice the package "
    "allowance, is our figure, not a vendor figure";
const char* kPsysAccuracySource =
    "not specified by the vendors and not covered by the validation studies we cite (Khan et al. 2018 cover package and DRAM); "
    "what psys contains is platform-defined. 0.2 is our allowance, not a vendor figure";

// The power bound of a zone whose constraints declare no power (energy/counter_check.h): twice the
// largest CPU package TDP on sale, 500 W (AMD EPYC 9965, Intel Xeon 6980P). A psys or DRAM domain of
// one machine stays below it too.
constexpr double kTdpBoundW = 1000;
constexpr int kMaxConstraints = 8;  // powercap numbers a zone's constraints 0, 1, 2...

// One small sysfs attribute, whitespace trimmed. False with errno-style `err` on failure.
bool readAttribute(const std::string& path, std::string& text, int& err) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return false;
  }
  char buffer[128];
  ssize_t n;
  do {
    n = ::read(fd, buffer, sizeof buffer - 1);
  } while (n < 0 && errno == EINTR);
  err = n < 0 ? errno : 0;
  ::close(fd);
  if (n < 0) return false;
  size_t begin = 0, end = static_cast<size_t>(n);
  while (begin < end && std::isspace(static_cast<unsigned char>(buffer[begin]))) ++begin;
  while (end > begin && std::isspace(static_cast<unsigned char>(buffer[end - 1]))) --end;
  text.assign(buffer + begin, buffer + end);
  return true;
}

bool parseMicrojoules(const std::string& text, uint64_t& value) {
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) return false;
  errno = 0;
  char* end = nullptr;
  const unsigned long long v = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  value = v;
  return true;
}

bool isPermissionError(int err) { return err == EACCES || err == EPERM; }

std::string joinPath(const std::string& dir, const std::string& name) {
  return !dir.empty() && dir.back() == '/' ? dir + name : dir + "/" + name;
}

// The largest power a zone declares: its constraints' max_power_uw (the TDP, from the package power
// info) and power_limit_uw (PL1, PL2, ...), in watts; 0 when none can be read.
double declaredMaxPowerW(const std::string& zonePath, std::string& from) {
  uint64_t largest = 0;
  for (int i = 0; i < kMaxConstraints; ++i) {
    for (const char* attribute : {"max_power_uw", "power_limit_uw"}) {
      const std::string name = "constraint_" + std::to_string(i) + "_" + attribute;
      std::string text;
      int err = 0;
      uint64_t uw = 0;
      if (readAttribute(joinPath(zonePath, name), text, err) && parseMicrojoules(text, uw) && uw > largest) {
        largest = uw;
        from = name;
      }
    }
  }
  return static_cast<double>(largest) * 1e-6;
}

std::string powerBoundSource(double declaredW, const std::string& from) {
  std::ostringstream s;
  if (declaredW > 0 && kDeclaredPowerMargin * declaredW > kTdpBoundW) {
    s << kDeclaredPowerMargin << " x the zone's " << from << " (" << declaredW << " W)";
  } else {
    s << "the TDP bound of " << kTdpBoundW << " W (twice the largest CPU package TDP, 500 W)";
    if (declaredW > 0)
      s << ", above " << kDeclaredPowerMargin << " x the zone's " << from << " (" << declaredW << " W)";
    else
      s << ": the zone declares no power";
  }
  return s.str();
}

class RaplZoneSource final : public EnergySource {
 public:
  RaplZoneSource(SourceInfo info, std::string energyPath, uint64_t startUj, int64_t discoveryNs, uint64_t maxRangeUj,
                 std::string maxRangeProblem)
      : info_(std::move(info)),
        energyPath_(std::move(energyPath)),
        lastUj_(startUj),
        maxRangeUj_(maxRangeUj),
        maxRangeProblem_(std::move(maxRangeProblem)),
        steps_(CounterLimits{info_.powerBoundW, info_.updatePeriodS, info_.counterResolutionJ, static_cast<double>(maxRangeUj) * 1e-6},
               discoveryNs) {}

  const SourceInfo& info() const override { return info_; }

  SourceReading read() override {
    SourceReading r;
    try {
      std::string text;
      int err = 0;
      const bool got = readAttribute(energyPath_, text, err);
      r.timeNs = steadyNowNs();
      uint64_t uj = 0;
      if (!got) return failed(r, energyPath_ + ": " + std::strerror(err));
      if (!parseMicrojoules(text, uj)) return failed(r, energyPath_ + ": not a counter value: '" + text + "'");
      count(r, uj);
      r.energyJ = static_cast<double>(totalUj_) * 1e-6;
    } catch (const std::exception& e) {
      return failed(r, std::string(info_.id) + ": " + e.what());
    } catch (...) {
      return failed(r, "unknown failure");
    }
    return r;
  }

 private:
  // Adds the step from the previous value to `uj` when it passes the checks of counter_check.h;
  // otherwise counts nothing (or, for a step that may hide more wraps, only what it shows) and says why.
  void count(SourceReading& r, uint64_t uj) {
    const bool changed = uj != lastUj_;
    const auto describe = [&](const char* what) {
      std::ostringstream why;
      why << energyPath_ << ": counter " << what << " from " << lastUj_ << " to " << uj << " uJ";
      return why.str();
    };
    if (uj >= lastUj_) {
      const uint64_t step = uj - lastUj_;
      if (static_cast<double>(step) * 1e-6 > steps_.maxStepJ(r.timeNs)) {
        r.discontinuity = describe("jumped") + ": " + steps_.describeExcess(static_cast<double>(step) * 1e-6, r.timeNs) +
                          " (" + info_.powerBoundSource + "); the step is not counted";
      } else {
        totalUj_ += step;
        if (changed && steps_.couldWrapTwice(r.timeNs)) r.discontinuity = mayHaveWrappedAgain(step, r.timeNs);
      }
    } else if (maxRangeUj_ > 0 && lastUj_ <= maxRangeUj_) {
      // Below the previous value: the counter passed its range and restarted from 0, or it was
      // reset. (The hardware modulus is one counter unit above max_energy_range_uj, 15-61 uJ: below
      // anything a window can resolve.) A wrap must fit the physical bound; otherwise it is a reset.
      const uint64_t wrapped = (maxRangeUj_ - lastUj_) + uj;
      if (static_cast<double>(wrapped) * 1e-6 > steps_.maxStepJ(r.timeNs)) {
        r.discontinuity = describe("went down") + ": not a wrap, since passing max_energy_range_uj (" + std::to_string(maxRangeUj_) +
                          " uJ) would mean " + steps_.describeExcess(static_cast<double>(wrapped) * 1e-6, r.timeNs) + " (" +
                          info_.powerBoundSource + "); taken as a reset: the energy since the previous reading is not counted";
      } else {
        totalUj_ += wrapped;
        if (steps_.couldWrapTwice(r.timeNs)) r.discontinuity = mayHaveWrappedAgain(wrapped, r.timeNs);
      }
    } else {
      r.discontinuity = describe("went down") + " and the wrap cannot be corrected: " +
                        (maxRangeUj_ > 0 ? "the previous value was above max_energy_range_uj" : maxRangeProblem_) +
                        "; the energy since the previous reading is not counted";
    }
    steps_.record(r.timeNs, changed);
    lastUj_ = uj;  // later readings count from here; energyJ never goes down
  }

  std::string mayHaveWrappedAgain(uint64_t countedUj, int64_t nowNs) const {
    std::ostringstream why;
    why << energyPath_ << ": " << steps_.spanS(nowNs) << " s since the counter last changed is long enough, at the bound of "
        << info_.powerBoundW << " W, to pass max_energy_range_uj (" << maxRangeUj_ << " uJ) more than once: " << countedUj * 1e-6
        << " J counted, a lower bound (read the zone more often than the range allows)";
    return why.str();
  }

  static SourceReading& failed(SourceReading& r, std::string message) {
    if (r.timeNs == 0) r.timeNs = steadyNowNs();
    r.ok = false;
    r.error = std::move(message);
    r.energyJ.reset();
    return r;
  }

  SourceInfo info_;
  std::string energyPath_;
  uint64_t lastUj_;
  uint64_t totalUj_ = 0;  // exact integer microjoules since discovery
  uint64_t maxRangeUj_;   // 0: unknown, decreases cannot be corrected
  std::string maxRangeProblem_;
  CounterSteps steps_;
};

struct Zone {
  std::string path;               // as found under the root
  std::string dirName;            // "intel-rapl:0:2"
  std::string type;               // "intel-rapl", "intel-rapl-mmio"
  std::vector<long> indices;      // {0, 2}
  std::string name;               // contents of `name`
  int nameErr = 0;                // errno when `name` could not be read
  bool msr() const { return type == kMsrType; }
};

// "<type>:<i>[:<j>...]" with <type> starting "intel-rapl"; false for anything else.
bool parseZoneName(const std::string& dirName, std::string& type, std::vector<long>& indices) {
  const size_t colon = dirName.find(':');
  if (colon == std::string::npos || dirName.compare(0, std::strlen(kMsrType), kMsrType) != 0) return false;
  type = dirName.substr(0, colon);
  indices.clear();
  size_t at = colon;
  while (at != std::string::npos) {
    const size_t next = dirName.find(':', at + 1);
    const std::string part = dirName.substr(at + 1, next == std::string::npos ? std::string::npos : next - at - 1);
    if (part.empty() || part.size() > 6 || !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    indices.push_back(std::stol(part));
    at = next;
  }
  return true;
}

void scanForZones(const std::string& dir, int depth, std::set<std::string>& seenReal, std::vector<Zone>& zones) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) return;
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.compare(0, std::strlen(kMsrType), kMsrType) == 0) names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const std::string& name : names) {
    const std::string path = joinPath(dir, name);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    Zone zone;
    if (parseZoneName(name, zone.type, zone.indices)) {
      char real[PATH_MAX];
      const std::string key = ::realpath(path.c_str(), real) ? std::string(real) : path;
      if (seenReal.insert(key).second) {
        zone.path = path;
        zone.dirName = name;
        zones.push_back(std::move(zone));
      }
    }
    // Control types ("intel-rapl") hold zones, zones hold sub-zones.
    if (depth < kMaxScanDepth) scanForZones(path, depth + 1, seenReal, zones);
  }
}

bool zoneOrder(const Zone& a, const Zone& b) {
  if (a.msr() != b.msr()) return a.msr();  // the MSR interface wins duplicates, so it goes first
  if (a.type != b.type) return a.type < b.type;
  return a.indices < b.indices;
}

bool startsWith(const std::string& s, const char* prefix) { return s.compare(0, std::strlen(prefix), prefix) == 0; }

std::string describeZone(const Zone& z) { return z.path + " (" + (z.name.empty() ? std::string("?") : z.name) + ")"; }

std::string permissionStatus(const std::vector<std::string>& denied) {
  std::ostringstream s;
  s << "RAPL energy counters are not readable: " << denied.front() << ": permission denied (effective uid " << ::geteuid() << ")";
  if (denied.size() > 1) s << ", and " << denied.size() - 1 << " more zone file(s)";
  s << ". Since Linux 5.10 (CVE-2020-8694, Intel-SA-00389 'Platypus') powercap energy_uj is readable by root only. To measure CPU "
       "energy, run as root, or make the counters readable at boot: a udev rule such as ACTION==\"add\", SUBSYSTEM==\"powercap\", "
       "RUN+=\"/bin/chmod 0444 /sys%p/energy_uj\", or a sysfsutils line per zone such as 'mode class/powercap/intel-rapl:0/energy_uj "
       "= 0440' with 'owner class/powercap/intel-rapl:0/energy_uj = root:<group>' for one group (readable counters allow power side "
       "channels). No CPU energy is measured through RAPL; a fallback, if any, is the caller's and is labelled as such";
  return s.str();
}

}  // namespace

RaplDiscovery discoverRapl(const std::string& rootArgument) {
  RaplDiscovery out;
  std::vector<std::string> roots;
  if (!rootArgument.empty()) {
    roots = {rootArgument};
  } else if (const char* env = std::getenv("SEDJOULE_POWERCAP_ROOT"); env && *env) {
    roots = {env};
  } else {
    roots = {kDefaultRoot, kVirtualRoot};
  }
  std::string rootText = roots.front();
  for (size_t i = 1; i < roots.size(); ++i) rootText += " and " + roots[i];

  std::vector<std::string> missing;
  std::set<std::string> seenReal;
  std::vector<Zone> zones;
  for (const std::string& root : roots) {
    struct stat st;
    if (::stat(root.c_str(), &st) != 0) {
      missing.push_back(root + ": " + std::strerror(errno));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      missing.push_back(root + ": not a folder");
      continue;
    }
    scanForZones(root, 1, seenReal, zones);
  }
  if (missing.size() == roots.size()) {
    std::string reasons = missing.front();
    for (size_t i = 1; i < missing.size(); ++i) reasons += "; " + missing[i];
    out.status = "RAPL unavailable: no powercap folder (" + reasons +
                 "). Expected on a VM, in a container that hides it, on a non-Linux kernel, or without the intel_rapl driver";
    return out;
  }
  if (zones.empty()) {
    out.status = "RAPL unavailable: no intel-rapl zones under " + rootText +
                 " (a VM, a container that masks powercap, or a CPU or kernel without RAPL)";
    return out;
  }
  std::sort(zones.begin(), zones.end(), zoneOrder);

  // name of every zone, and of each parent (type, first index) for its sub-zones
  std::map<std::pair<std::string, long>, std::string> parentNames;
  std::vector<std::string> denied;
  for (Zone& z : zones) {
    if (!readAttribute(joinPath(z.path, "name"), z.name, z.nameErr)) z.name.clear();
    if (z.nameErr == 0 && z.indices.size() == 1) parentNames[{z.type, z.indices[0]}] = z.name;
  }

  std::map<std::string, const Zone*> taken;  // source id -> the zone that provides it
  for (const Zone& z : zones) {
    if (z.nameErr != 0) {
      const std::string path = joinPath(z.path, "name");
      if (isPermissionError(z.nameErr)) denied.push_back(path);
      out.skipped.push_back(z.path + ": " + path + " unreadable: " + std::strerror(z.nameErr));
      continue;
    }
    // Package label: "package-<label>" of the zone itself or of its parent; the first index otherwise.
    std::string label = std::to_string(z.indices[0]);
    const std::string& packageName = z.indices.size() == 1 ? z.name : parentNames[{z.type, z.indices[0]}];
    if (startsWith(packageName, "package-")) label = packageName.substr(std::strlen("package-"));

    SourceInfo info;
    double accuracy = 0;
    const char* accuracySource = "";
    if (startsWith(z.name, "package-")) {
      info.id = "rapl:" + z.name;
      info.device = "cpu-package";
      accuracy = kPackageAccuracy;
      accuracySource = kPackageAccuracySource;
    } else if (z.name == "dram") {
      info.id = "rapl:dram-" + label;
      info.device = "dram";
      accuracy = kDramAccuracy;
      accuracySource = kDramAccuracySource;
    } else if (z.name == "psys") {
      info.id = "rapl:psys";
      info.device = "platform";
      info.additive = false;  // psys contains the packages (and more): adding it would count them twice
      accuracy = kPsysAccuracy;
      accuracySource = kPsysAccuracySource;
    } else if (z.name == "core" || z.name == "uncore") {
      out.skipped.push_back(describeZone(z) + ": inside package-" + label +
                            ", whose counter already includes it; not a separate additive source");
      continue;
    } else {
      out.skipped.push_back(describeZone(z) + ": unknown RAPL domain '" + z.name + "'; not counted");
      continue;
    }

    if (auto it = taken.find(info.id); it != taken.end()) {
      out.skipped.push_back(describeZone(z) + ": duplicate of " + describeZone(*it->second) + " (" + it->second->type +
                            "): the same domain and package through another interface; the " + kMsrType + " (MSR) zone is preferred");
      continue;
    }

    const std::string energyPath = joinPath(z.path, "energy_uj");
    std::string text;
    int err = 0;
    uint64_t startUj = 0;
    const bool readStart = readAttribute(energyPath, text, err);
    const int64_t discoveryNs = steadyNowNs();
    if (!readStart) {
      if (isPermissionError(err)) denied.push_back(energyPath);
      out.skipped.push_back(describeZone(z) + ": " + energyPath + " unreadable: " + std::strerror(err));
      continue;
    }
    if (!parseMicrojoules(text, startUj)) {
      out.skipped.push_back(describeZone(z) + ": " + energyPath + " is not a counter value: '" + text + "'");
      continue;
    }

    const std::string rangePath = joinPath(z.path, "max_energy_range_uj");
    uint64_t maxRangeUj = 0;
    std::string rangeProblem;
    if (!readAttribute(rangePath, text, err)) {
      rangeProblem = rangePath + " was unreadable at discovery (" + std::strerror(err) + ")";
    } else if (!parseMicrojoules(text, maxRangeUj) || maxRangeUj == 0) {
      rangeProblem = rangePath + " held no usable range ('" + text + "') at discovery";
      maxRangeUj = 0;
    }

    info.name = (info.device == "dram" ? "dram-" + label : z.name) + " (" + z.dirName + ")";
    info.method = "rapl";
    info.caps.energyCounter = true;
    info.counterResolutionJ = 1e-6;  // sysfs unit; the hardware step is 15.3-61 uJ
    info.updatePeriodS = 0.001;      // nominal ~1 ms MSR update
    info.accuracyFraction = accuracy;
    info.accuracySource = accuracySource;
    std::string declaredFrom;
    const double declaredW = declaredMaxPowerW(z.path, declaredFrom);
    info.powerBoundW = powerBoundW(declaredW, kTdpBoundW);
    info.powerBoundSource = powerBoundSource(declaredW, declaredFrom);
    info.details["zone"] = z.path;
    info.details["interface"] = z.type;
    info.details["domain"] = z.name;
    if (info.device != "platform") info.details["package"] = label;
    info.details["maxEnergyRangeUj"] = maxRangeUj > 0 ? std::to_string(maxRangeUj) : "unknown: " + rangeProblem;
    taken[info.id] = &z;
    out.sources.push_back(std::make_unique<RaplZoneSource>(std::move(info), energyPath, startUj, discoveryNs, maxRangeUj, rangeProblem));
  }

  if (!denied.empty()) {
    for (const auto& source : out.sources)
      out.skipped.push_back(source->info().details.at("zone") + " (" + source->info().details.at("domain") +
                            "): not used: RAPL is unavailable as a whole because " + denied.front() + " is not readable");
    out.sources.clear();
    out.status = permissionStatus(denied);
    return out;
  }
  if (out.sources.empty()) {
    out.status = "RAPL unavailable: " + std::to_string(zones.size()) + " intel-rapl zone(s) under " + rootText +
                 ", none usable (see skipped)";
    return out;
  }
  out.available = true;
  std::ostringstream s;
  s << "RAPL: ";
  for (size_t i = 0; i < out.sources.size(); ++i) {
    const SourceInfo& info = out.sources[i]->info();
    s << (i ? ", " : "") << info.id << (info.additive ? "" : " (not additive)");
  }
  s << " from " << rootText;
  if (!out.skipped.empty()) s << "; " << out.skipped.size() << " zone(s) skipped";
  out.status = s.str();
  return out;
}

}  // namespace sj
