// RAPL discovery and reading against a FAKE powercap folder, and the modelled CPU source.
//
// The fake folder is a test double at the system boundary: a temporary directory laid out like
// /sys/class/powercap (zone folders with name, energy_uj, max_energy_range_uj), whose counter files
// the tests rewrite between reads. The code under test reads it exactly as it reads sysfs.
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <string>

#include "energy/cpu_model_source.h"
#include "energy/rapl_source.h"
#include "expect_error.h"
#include "harness.h"

namespace sj::testing {
namespace {

namespace fs = std::filesystem;

class FakePowercap {
 public:
  FakePowercap() {
    char pattern[] = "/tmp/sj-powercap-XXXXXX";
    if (!::mkdtemp(pattern)) failTest("mkdtemp: ", std::strerror(errno));
    root_ = pattern;
    fs::permissions(root_, fs::perms(0755));
  }
  ~FakePowercap() {
    std::error_code ignored;
    fs::remove_all(root_, ignored);
  }
  const std::string& root() const { return root_; }
  std::string path(const std::string& rel) const { return rel.empty() ? root_ : root_ + "/" + rel; }

  // A zone folder (any depth); maxRangeUj empty: no max_energy_range_uj file.
  void zone(const std::string& rel, const std::string& name, uint64_t energyUj, std::optional<uint64_t> maxRangeUj = 262143328850ull) {
    fs::create_directories(path(rel));
    for (fs::path p = path(rel); p.string().size() > root_.size(); p = p.parent_path()) fs::permissions(p, fs::perms(0755));
    write(rel + "/name", name);
    setEnergy(rel, energyUj);
    if (maxRangeUj) write(rel + "/max_energy_range_uj", std::to_string(*maxRangeUj));
  }
  // Rewritten in place (same file), as the kernel's attribute is.
  void setEnergy(const std::string& rel, uint64_t energyUj) { write(rel + "/energy_uj", std::to_string(energyUj)); }
  void write(const std::string& rel, const std::string& text) {
    std::ofstream f(path(rel), std::ios::trunc);
    f << text << "\n";
    if (!f) failTest("cannot write ", path(rel));
  }
  void link(const std::string& target, const std::string& rel) { fs::create_symlink(target, path(rel)); }

 private:
  std::string root_;
};

const EnergySource* findSource(const RaplDiscovery& d, const std::string& id) {
  for (const auto& s : d.sources)
    if (s->info().id == id) return s.get();
  return nullptr;
}

bool anySkipped(const RaplDiscovery& d, const std::string& a, const std::string& b) {
  for (const std::string& s : d.skipped)
    if (s.find(a) != std::string::npos && s.find(b) != std::string::npos) return true;
  return false;
}

std::string listSources(const RaplDiscovery& d) {
  std::string out;
  for (const auto& s : d.sources) out += s->info().id + " ";
  for (const std::string& s : d.skipped) out += "\n  skipped " + s;
  return out;
}

bool near(double a, double b) { return std::fabs(a - b) <= 1e-9 * std::max(1.0, std::fabs(b)); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Every counter step must fit the zone's power bound (1000 W here: the fake zones declare no power)
// times the time since the counter last changed (energy/counter_check.h): a test that steps the
// counter by a few joules first lets that much time pass. Sleeping only lengthens the allowance.
void letTimePass(int ms = 10) { ::usleep(static_cast<useconds_t>(ms) * 1000); }

}  // namespace

SJ_TEST(rapl_discovers_domains) {
  FakePowercap f;
  // Two sockets and psys; psys sits between the packages, so package-1 is zone 2 and its dram must
  // still be called dram-1 (from the parent's name, not the zone index).
  f.zone("intel-rapl:0", "package-0", 1000);
  f.zone("intel-rapl:0/intel-rapl:0:0", "core", 10);
  f.zone("intel-rapl:0/intel-rapl:0:1", "uncore", 20);
  f.zone("intel-rapl:0/intel-rapl:0:2", "dram", 30);
  f.zone("intel-rapl:1", "psys", 40);
  f.zone("intel-rapl:2", "package-1", 50);
  f.zone("intel-rapl:2:0", "dram", 60);  // flat, as in /sys/class/powercap
  f.zone("intel-rapl:2:1", "gt", 70);
  const RaplDiscovery d = discoverRapl(f.root());
  SJ_CHECK(d.available, d.status);
  SJ_CHECK(d.sources.size() == 5, listSources(d));
  struct Want {
    const char* id;
    const char* device;
    bool additive;
    double accuracy;
  };
  for (const Want& w : {Want{"rapl:package-0", "cpu-package", true, 0.1}, Want{"rapl:dram-0", "dram", true, 0.2},
                        Want{"rapl:psys", "platform", false, 0.2}, Want{"rapl:package-1", "cpu-package", true, 0.1},
                        Want{"rapl:dram-1", "dram", true, 0.2}}) {
    const EnergySource* s = findSource(d, w.id);
    SJ_CHECK(s, "no source ", w.id, ": ", listSources(d));
    const SourceInfo& i = s->info();
    SJ_CHECK(i.device == w.device, w.id, " device ", i.device);
    SJ_CHECK(i.additive == w.additive, w.id, " additive ", i.additive);
    SJ_CHECK(i.method == "rapl", w.id, " method ", i.method);
    SJ_CHECK(i.caps.energyCounter && !i.caps.power, w.id, " capabilities");
    SJ_CHECK(i.counterResolutionJ == 1e-6 && i.updatePeriodS == 0.001, w.id, " resolution ", i.counterResolutionJ, " period ", i.updatePeriodS);
    SJ_CHECK(i.accuracyFraction == w.accuracy, w.id, " accuracy ", i.accuracyFraction);
    SJ_CHECK(i.accuracySource.find("not specified") != std::string::npos, w.id, " accuracy source ", i.accuracySource);
    SJ_CHECK(i.details.at("maxEnergyRangeUj") == "262143328850", w.id, " range ", i.details.at("maxEnergyRangeUj"));
  }
  SJ_CHECK(findSource(d, "rapl:package-0")->info().accuracySource.find("Khan") != std::string::npos, "package cites Khan et al.");
  SJ_CHECK(findSource(d, "rapl:dram-0")->info().accuracySource.find("Desrochers") != std::string::npos, "dram cites Desrochers/Weaver");
  SJ_CHECK(findSource(d, "rapl:dram-1")->info().name == "dram-1 (intel-rapl:2:0)", findSource(d, "rapl:dram-1")->info().name);
  SJ_CHECK(anySkipped(d, "intel-rapl:0:0 (core)", "inside package-0"), listSources(d));
  SJ_CHECK(anySkipped(d, "intel-rapl:0:1 (uncore)", "not a separate additive source"), listSources(d));
  SJ_CHECK(anySkipped(d, "(gt)", "unknown RAPL domain"), listSources(d));
  SJ_CHECK(d.skipped.size() == 3, listSources(d));
  SJ_CHECK(d.status.find("rapl:psys (not additive)") != std::string::npos, d.status);
}

SJ_TEST(rapl_reads_deltas_since_discovery) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 5000000);
  RaplDiscovery d = discoverRapl(f.root());
  SJ_CHECK(d.available && d.sources.size() == 1, d.status);
  EnergySource& s = *d.sources[0];
  const SourceReading r0 = s.read();
  SJ_CHECK(r0.ok && r0.energyJ && *r0.energyJ == 0.0, "first reading: ", r0.error, " ", r0.energyJ.value_or(-1));
  SJ_CHECK(!r0.powerW, "RAPL has no power reading");
  SJ_CHECK(s.info().powerBoundW == 1000 && contains(s.info().powerBoundSource, "declares no power"), s.info().powerBoundW, " ",
           s.info().powerBoundSource);
  letTimePass();
  f.setEnergy("intel-rapl:0", 6500000);
  const SourceReading r1 = s.read();
  SJ_CHECK(r1.ok && r1.energyJ && near(*r1.energyJ, 1.5) && r1.discontinuity.empty(), "after +1.5 J: ", r1.error, " ", r1.discontinuity,
           " ", r1.energyJ.value_or(-1));
  SJ_CHECK(r1.timeNs >= r0.timeNs, "time went back");
  const SourceReading r2 = s.read();  // unchanged counter
  SJ_CHECK(r2.ok && near(*r2.energyJ, 1.5), "unchanged counter: ", *r2.energyJ);
  f.setEnergy("intel-rapl:0", 6500001);
  const SourceReading r3 = s.read();
  SJ_CHECK(r3.ok && near(*r3.energyJ, 1.500001), "one microjoule: ", *r3.energyJ);
}

SJ_TEST(rapl_corrects_wraparound) {
  FakePowercap f;
  const uint64_t range = 1000000000;  // 1 kJ
  f.zone("intel-rapl:0", "package-0", 999000000, range);
  RaplDiscovery d = discoverRapl(f.root());
  SJ_CHECK(d.available, d.status);
  EnergySource& s = *d.sources[0];
  SJ_CHECK(s.read().energyJ == 0.0, "first reading");
  letTimePass();
  f.setEnergy("intel-rapl:0", 500000);  // passed the range: 1 J to the top, then 0.5 J
  const SourceReading r1 = s.read();
  SJ_CHECK(r1.ok && r1.energyJ && near(*r1.energyJ, 1.5) && r1.discontinuity.empty(), "wrapped reading: ", r1.error, " ", r1.discontinuity,
           " ", r1.energyJ.value_or(-1));
  letTimePass();
  f.setEnergy("intel-rapl:0", 2500000);
  const SourceReading r2 = s.read();
  SJ_CHECK(r2.ok && near(*r2.energyJ, 3.5) && r2.discontinuity.empty(), "after the wrap: ", *r2.energyJ, " ", r2.discontinuity);
}

// A counter that goes down by more than a wrap could explain (262 kJ in milliseconds) was reset: the
// step is not counted, the reading says why, and counting resumes from the new value.
SJ_TEST(rapl_reset_is_not_a_wrap) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 100000000);  // 100 J, range 262 kJ
  RaplDiscovery d = discoverRapl(f.root());
  EnergySource& s = *d.sources[0];
  letTimePass();
  f.setEnergy("intel-rapl:0", 102000000);  // +2 J
  SJ_CHECK(near(*s.read().energyJ, 2.0), "before the reset");
  f.setEnergy("intel-rapl:0", 160000);  // reset: restarted from 0
  const SourceReading r = s.read();
  SJ_CHECK(r.ok && r.energyJ && near(*r.energyJ, 2.0), "a reset adds nothing: ", r.energyJ.value_or(-1), " ", r.error);
  SJ_CHECK(contains(r.discontinuity, "not a wrap") && contains(r.discontinuity, "taken as a reset") &&
               contains(r.discontinuity, "energy_uj") && contains(r.discontinuity, "1000 W"),
           r.discontinuity);
  letTimePass();
  f.setEnergy("intel-rapl:0", 1160000);
  const SourceReading after = s.read();
  SJ_CHECK(after.discontinuity.empty() && near(*after.energyJ, 3.0), "counting resumes: ", *after.energyJ, " ", after.discontinuity);
}

// A jump of 1e15 uJ (1e9 J) is not energy.
SJ_TEST(rapl_jump_beyond_the_bound_is_not_counted) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 5000000, 262143328850ull * 10000);
  // A 125 W TDP: 4 x 125 W is below the TDP bound, which stays.
  f.write("intel-rapl:0/constraint_0_max_power_uw", "125000000");
  RaplDiscovery d = discoverRapl(f.root());
  EnergySource& s = *d.sources[0];
  SJ_CHECK(s.info().powerBoundW == 1000 && contains(s.info().powerBoundSource, "constraint_0_max_power_uw"), s.info().powerBoundSource);
  letTimePass();
  f.setEnergy("intel-rapl:0", 5000000 + 1000000000000000ull);
  const SourceReading r = s.read();
  SJ_CHECK(r.ok && near(*r.energyJ, 0.0), "the jump adds nothing: ", r.energyJ.value_or(-1));
  SJ_CHECK(contains(r.discontinuity, "jumped") && contains(r.discontinuity, "1e+09 J") && contains(r.discontinuity, "not counted"),
           r.discontinuity);
  letTimePass();
  f.setEnergy("intel-rapl:0", 5000000 + 1000000000000000ull + 2000000);
  SJ_CHECK(near(*s.read().energyJ, 2.0), "counting resumes from the jumped value");

  // A zone that declares more than a quarter of the TDP bound gets 4 x its own figure.
  FakePowercap g;
  g.zone("intel-rapl:0", "package-0", 0);
  g.write("intel-rapl:0/constraint_0_power_limit_uw", "350000000");
  g.write("intel-rapl:0/constraint_1_max_power_uw", "400000000");
  const RaplDiscovery big = discoverRapl(g.root());
  SJ_CHECK(big.sources[0]->info().powerBoundW == 1600 && contains(big.sources[0]->info().powerBoundSource, "constraint_1_max_power_uw"),
           big.sources[0]->info().powerBoundW, " ", big.sources[0]->info().powerBoundSource);
}

// A zone whose range the bound power passes between two reads may have wrapped more than once: what
// the step shows is counted, as a lower bound, and the reading says so.
SJ_TEST(rapl_possible_second_wrap_is_flagged) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 1500000, 2000000);  // a 2 J range: passed in 2 ms at 1000 W
  RaplDiscovery d = discoverRapl(f.root());
  EnergySource& s = *d.sources[0];
  letTimePass();
  f.setEnergy("intel-rapl:0", 500000);  // one wrap shows +1 J; more may have passed
  const SourceReading r = s.read();
  SJ_CHECK(r.ok && near(*r.energyJ, 1.0), "the visible step is counted: ", r.energyJ.value_or(-1));
  SJ_CHECK(contains(r.discontinuity, "more than once") && contains(r.discontinuity, "lower bound"), r.discontinuity);
  letTimePass();
  f.setEnergy("intel-rapl:0", 900000);  // an increase can hide wraps just as well
  const SourceReading up = s.read();
  SJ_CHECK(near(*up.energyJ, 1.4) && contains(up.discontinuity, "more than once"), *up.energyJ, " ", up.discontinuity);
}

SJ_TEST(rapl_uncorrectable_decrease_without_range) {
  for (const bool garbage : {false, true}) {
    FakePowercap f;
    f.zone("intel-rapl:0", "package-0", 7000000, std::nullopt);  // no max_energy_range_uj file
    if (garbage) f.write("intel-rapl:0/max_energy_range_uj", "");
    RaplDiscovery d = discoverRapl(f.root());
    SJ_CHECK(d.available, d.status);
    EnergySource& s = *d.sources[0];
    SJ_CHECK(s.info().details.at("maxEnergyRangeUj").find("unknown") == 0, s.info().details.at("maxEnergyRangeUj"));
    letTimePass();
    f.setEnergy("intel-rapl:0", 9000000);
    const SourceReading r1 = s.read();
    SJ_CHECK(r1.ok && near(*r1.energyJ, 2.0), "increase without a range is fine: ", r1.error);
    f.setEnergy("intel-rapl:0", 100);
    const SourceReading r2 = s.read();
    SJ_CHECK(r2.ok && r2.energyJ && near(*r2.energyJ, 2.0), "a decrease without a range adds nothing, got energy ", r2.energyJ.value_or(-1));
    SJ_CHECK(contains(r2.discontinuity, "max_energy_range_uj") && contains(r2.discontinuity, "cannot be corrected"), r2.discontinuity);
    SJ_CHECK(r2.timeNs > 0, "the reading has a time");
    letTimePass();
    f.setEnergy("intel-rapl:0", 1000100);  // counting resumes from the new value, never below 2 J
    const SourceReading r3 = s.read();
    SJ_CHECK(r3.ok && near(*r3.energyJ, 3.0) && r3.discontinuity.empty(), "after the lost interval: ", r3.error, " ",
             r3.energyJ.value_or(-1));
  }
}

SJ_TEST(rapl_read_failure_is_a_reading) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 1);
  RaplDiscovery d = discoverRapl(f.root());
  EnergySource& s = *d.sources[0];
  fs::remove(f.path("intel-rapl:0/energy_uj"));
  const SourceReading r = s.read();
  SJ_CHECK(!r.ok && !r.energyJ, "a missing counter must fail");
  SJ_CHECK(r.error.find("energy_uj") != std::string::npos, r.error);
  f.write("intel-rapl:0/energy_uj", "not-a-number");
  const SourceReading r2 = s.read();
  SJ_CHECK(!r2.ok && r2.error.find("not a counter value") != std::string::npos, r2.error);
  letTimePass();
  f.setEnergy("intel-rapl:0", 1000001);
  const SourceReading r3 = s.read();
  SJ_CHECK(r3.ok && near(*r3.energyJ, 1.0), "recovers: ", r3.error);
}

SJ_TEST(rapl_missing_or_empty_folder) {
  FakePowercap f;
  const RaplDiscovery missing = discoverRapl(f.path("does-not-exist"));
  SJ_CHECK(!missing.available && missing.sources.empty(), missing.status);
  SJ_CHECK(missing.status.find("no powercap folder") != std::string::npos && missing.status.find("does-not-exist") != std::string::npos,
           missing.status);
  const RaplDiscovery empty = discoverRapl(f.root());
  SJ_CHECK(!empty.available && empty.sources.empty() && empty.skipped.empty(), empty.status);
  SJ_CHECK(empty.status.find("no intel-rapl zones") != std::string::npos, empty.status);
  // zones present, none usable
  f.zone("intel-rapl:0", "package-0", 0);
  f.write("intel-rapl:0/energy_uj", "");
  const RaplDiscovery unusable = discoverRapl(f.root());
  SJ_CHECK(!unusable.available && unusable.sources.empty(), unusable.status);
  SJ_CHECK(unusable.status.find("none usable") != std::string::npos && unusable.skipped.size() == 1, unusable.status);
}

SJ_TEST(rapl_mmio_duplicates_and_sysfs_links) {
  // The real layout: zone folders nested under devices/<control type>, the class folder holding
  // symbolic links to them (every zone reachable twice), a `subsystem` link back to the class
  // folder in every zone (a loop), and the MMIO interface repeating package-0.
  FakePowercap f;
  f.zone("devices/intel-rapl/intel-rapl:0", "package-0", 100);
  f.zone("devices/intel-rapl/intel-rapl:0/intel-rapl:0:0", "core", 1);
  f.zone("devices/intel-rapl/intel-rapl:0/intel-rapl:0:1", "dram", 2);
  f.zone("devices/intel-rapl-mmio/intel-rapl-mmio:0", "package-0", 100);
  fs::create_directories(f.path("class"));
  const std::string dev = f.path("devices");
  f.link(dev + "/intel-rapl", "class/intel-rapl");
  f.link(dev + "/intel-rapl-mmio", "class/intel-rapl-mmio");
  f.link(dev + "/intel-rapl/intel-rapl:0", "class/intel-rapl:0");
  f.link(dev + "/intel-rapl/intel-rapl:0/intel-rapl:0:0", "class/intel-rapl:0:0");
  f.link(dev + "/intel-rapl/intel-rapl:0/intel-rapl:0:1", "class/intel-rapl:0:1");
  f.link(dev + "/intel-rapl-mmio/intel-rapl-mmio:0", "class/intel-rapl-mmio:0");
  for (const char* z : {"devices/intel-rapl/intel-rapl:0", "devices/intel-rapl/intel-rapl:0/intel-rapl:0:1",
                        "devices/intel-rapl-mmio/intel-rapl-mmio:0"})
    f.link(f.path("class"), std::string(z) + "/subsystem");

  const RaplDiscovery d = discoverRapl(f.path("class"));
  SJ_CHECK(d.available, d.status);
  SJ_CHECK(d.sources.size() == 2 && findSource(d, "rapl:package-0") && findSource(d, "rapl:dram-0"), listSources(d));
  SJ_CHECK(findSource(d, "rapl:package-0")->info().details.at("interface") == "intel-rapl", "the MSR zone must win");
  SJ_CHECK(anySkipped(d, "intel-rapl-mmio:0 (package-0)", "duplicate of"), listSources(d));
  SJ_CHECK(d.skipped.size() == 2, "one core, one MMIO duplicate; each zone once although linked twice:", listSources(d));

  // MMIO alone (no MSR zone for that domain) is used.
  FakePowercap g;
  g.zone("intel-rapl-mmio:0", "package-0", 3);
  const RaplDiscovery m = discoverRapl(g.root());
  SJ_CHECK(m.available && m.sources.size() == 1, listSources(m));
  SJ_CHECK(m.sources[0]->info().id == "rapl:package-0" && m.sources[0]->info().details.at("interface") == "intel-rapl-mmio",
           m.sources[0]->info().details.at("interface"));

  // SEDJOULE_POWERCAP_ROOT names the root when the argument is empty.
  const char* before = std::getenv("SEDJOULE_POWERCAP_ROOT");
  const std::string saved = before ? before : "";
  ::setenv("SEDJOULE_POWERCAP_ROOT", g.root().c_str(), 1);
  const RaplDiscovery e = discoverRapl("");
  if (before) ::setenv("SEDJOULE_POWERCAP_ROOT", saved.c_str(), 1); else ::unsetenv("SEDJOULE_POWERCAP_ROOT");
  SJ_CHECK(e.available && e.status.find(g.root()) != std::string::npos, e.status);
}

SJ_TEST(rapl_amd_package_without_dram) {
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 10, 65532610987ull);
  f.zone("intel-rapl:0:0", "core", 1);
  const RaplDiscovery d = discoverRapl(f.root());
  SJ_CHECK(d.available && d.sources.size() == 1 && findSource(d, "rapl:package-0"), listSources(d));
}

// Tests run as root, and root reads a 0400 file regardless of its mode, so a chmod alone proves
// nothing. A forked child drops to nobody (uid/gid 65534) and runs discovery on a folder whose
// energy_uj files are 0400 root:root, as on Linux >= 5.10; it reports through a pipe.
SJ_TEST(rapl_permission_denied_is_reported) {
  if (::geteuid() != 0) {
    std::printf("     skipped: not root, so this process cannot drop to another user to test the denied path\n");
    return;
  }
  FakePowercap f;
  f.zone("intel-rapl:0", "package-0", 123);
  f.zone("intel-rapl:0:0", "dram", 45);
  for (const char* z : {"intel-rapl:0", "intel-rapl:0:0"}) {
    fs::permissions(f.path(std::string(z) + "/energy_uj"), fs::perms(0400));
    fs::permissions(f.path(std::string(z) + "/name"), fs::perms(0444));
    fs::permissions(f.path(std::string(z) + "/max_energy_range_uj"), fs::perms(0444));
  }
  const RaplDiscovery asRoot = discoverRapl(f.root());
  SJ_CHECK(asRoot.available && asRoot.sources.size() == 2, "root reads the folder: ", asRoot.status);

  int fds[2];
  SJ_CHECK(::pipe(fds) == 0, "pipe: ", std::strerror(errno));
  const pid_t child = ::fork();
  SJ_CHECK(child >= 0, "fork: ", std::strerror(errno));
  if (child == 0) {
    ::close(fds[0]);
    ::alarm(20);  // never hang the suite
    auto report = [&](const std::string& text, int code) {
      size_t at = 0;
      while (at < text.size()) {
        const ssize_t n = ::write(fds[1], text.data() + at, text.size() - at);
        if (n <= 0) break;
        at += static_cast<size_t>(n);
      }
      ::_exit(code);
    };
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0)
      report(std::string("cannot drop to uid 65534: ") + std::strerror(errno), 3);
    try {
      const RaplDiscovery d = discoverRapl(f.root());
      report(std::string(d.available ? "1" : "0") + std::to_string(d.sources.size()) + d.status, 0);
    } catch (const std::exception& e) {
      report(std::string("threw: ") + e.what(), 4);
    }
    report("unreachable", 5);
  }
  ::close(fds[1]);
  std::string got;
  char buffer[4096];
  ssize_t n;
  while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
    if (n > 0) got.append(buffer, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  SJ_CHECK(::waitpid(child, &status, 0) == child, "waitpid: ", std::strerror(errno));
  SJ_CHECK(WIFEXITED(status), "child did not exit normally (signal ", WIFSIGNALED(status) ? WTERMSIG(status) : 0, "): ", got);
  if (WEXITSTATUS(status) == 3) {
    std::printf("     skipped: %s\n", got.c_str());
    return;
  }
  SJ_CHECK(WEXITSTATUS(status) == 0, "child exit ", WEXITSTATUS(status), ": ", got);
  SJ_CHECK(got.size() > 2 && got[0] == '0' && got[1] == '0', "as nobody RAPL must be unavailable with no sources: ", got);
  const std::string message = got.substr(2);
  SJ_CHECK(message.find(f.path("intel-rapl:0/energy_uj")) != std::string::npos, "the status must name the file: ", message);
  SJ_CHECK(message.find("permission denied") != std::string::npos && message.find("run as root") != std::string::npos &&
               message.find("udev") != std::string::npos && message.find("5.10") != std::string::npos,
           "the status must say why and how to fix it: ", message);
  SJ_CHECK(message.find("1 more zone file") != std::string::npos, "both zones are denied: ", message);
}

// ---- modelled CPU -----------------------------------------------------------------------------

namespace {

double cpuSeconds(clockid_t clock) {
  timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

}  // namespace

// Bound: the source charges tdp/cores per second of process CPU time, and process CPU time read by
// the test just before and after each read() brackets what the source saw, so
//   (cpu before read 2 - cpu after read 1) * w  <=  E2 - E1  <=  (cpu after read 2 - cpu before read 1) * w
// holds exactly, whatever other threads do. The busy loop makes the lower end at least 0.2 s.
SJ_TEST(cpu_model_energy_follows_cpu_time) {
  const CpuModelOptions options{120.0, 8};
  const double w = 120.0 / 8;
  auto source = makeCpuModelSource(options);
  const double a = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const SourceReading r1 = source->read();
  const double b = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const double threadStart = cpuSeconds(CLOCK_THREAD_CPUTIME_ID);
  volatile double sink = 0;
  while (cpuSeconds(CLOCK_THREAD_CPUTIME_ID) - threadStart < 0.2)
    for (int i = 0; i < 10000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
  const double c = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  const SourceReading r2 = source->read();
  const double d = cpuSeconds(CLOCK_PROCESS_CPUTIME_ID);
  SJ_CHECK(r1.ok && r2.ok && r1.energyJ && r2.energyJ, r1.error, r2.error);
  SJ_CHECK(!r2.powerW, "the model gives no power reading");
  const double e = *r2.energyJ - *r1.energyJ;
  SJ_CHECK(e >= (c - b) * w - 1e-9 && e <= (d - a) * w + 1e-9, "energy ", e, " J outside [", (c - b) * w, ", ", (d - a) * w, "]");
  SJ_CHECK(e >= 0.2 * w - 1e-9, "a 0.2 s busy loop must charge at least ", 0.2 * w, " J, got ", e);
  SJ_CHECK(*r1.energyJ >= 0 && r2.timeNs >= r1.timeNs, "monotonic");
}

SJ_TEST(cpu_model_info_states_the_model) {
  auto source = makeCpuModelSource({65.0, 4});
  const SourceInfo& i = source->info();
  SJ_CHECK(i.id == "cpu-model" && i.device == "cpu" && i.method == "modelled" && i.additive, i.id, " ", i.device, " ", i.method);
  SJ_CHECK(i.accuracyFraction == 0.5 && i.accuracySource.find("not a measurement") != std::string::npos, i.accuracySource);
  SJ_CHECK(i.details.at("tdpWatts") == "65" && i.details.at("cores") == "4" && i.details.at("wattsPerCore") == "16.25",
           i.details.at("tdpWatts"), " ", i.details.at("cores"), " ", i.details.at("wattsPerCore"));
  SJ_CHECK(i.details.at("formula").find("tdpWatts / cores") != std::string::npos, i.details.at("formula"));
  SJ_CHECK(i.caps.energyCounter && !i.caps.power, "capabilities");
}

SJ_TEST(cpu_model_rejects_invalid_inputs) {
  expectError(ErrorCode::Value, "tdpWatts = 0", [] { makeCpuModelSource({0.0, 4}); });
  expectError(ErrorCode::Value, "tdpWatts = -5", [] { makeCpuModelSource({-5.0, 4}); });
  expectError(ErrorCode::Value, "tdpWatts = nan", [] { makeCpuModelSource({std::numeric_limits<double>::quiet_NaN(), 4}); });
  expectError(ErrorCode::Value, "tdpWatts = inf", [] { makeCpuModelSource({std::numeric_limits<double>::infinity(), 4}); });
  expectError(ErrorCode::Value, "cores = 0", [] { makeCpuModelSource({65.0, 0}); });
  expectError(ErrorCode::Value, "cores = -2", [] { makeCpuModelSource({65.0, -2}); });
}

}  // namespace sj::testing
