// CPU time of a process tree: a process (the root) and all its descendants, live or ended, for the
// modelled CPU of `sedjoule measure`, which measures a command that is not sedjoule's own process.
//
// From /proc (proc(5)): /proc/[pid]/stat gives each process's parent, start time, and its user and
// system time (utime, stime) and those of its children it has waited for (cutime, cstime), in clock
// ticks of sysconf(_SC_CLK_TCK). The tree's CPU time is
//
//   sum over the tree's live processes of utime + stime + cutime + cstime      (zombies included)
//   + the last such sum of tree processes that ended orphaned (reaped outside the tree)
//   + the increase of this process's own cutime + cstime since the start       (the root, once
//                                                                               reaped by us)
//
// so that a child reaped by its parent moves from its own line to its parent's cutime without
// changing the total, and the root moves into our cutime when we reap it. A process stays in the
// tree once seen in it, even when reparented (an orphan). Limits: the full process list is
// scanned at most every kScanPeriodS (the known tree is read at every call in between), so a
// descendant that lives and ends within that time and is reaped outside the tree is missed, and
// an orphan's last slice after its last reading is missed; resolution is one clock tick (10 ms
// on Linux).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace sj {

class ProcessTreeCpu {
 public:
  explicit ProcessTreeCpu(pid_t root);

  // The tree's CPU seconds since the first call (never decreasing), or false with `error` set.
  bool seconds(double& out, std::string& error);

  pid_t root() const { return root_; }
  double tickSeconds() const { return tickS_; }

 private:
  struct Process {
    pid_t parent = 0;
    uint64_t startTicks = 0;  // start time: tells a reused pid from the process we knew
    uint64_t cpuTicks = 0;    // utime + stime + cutime + cstime
  };
  bool scanAll(std::string& error);
  void rereadKnown();
  uint64_t ownChildrenTicks() const;

  pid_t root_;
  double tickS_;
  int64_t lastScanNs_ = 0;
  std::map<pid_t, Process> tree_;  // live tree processes as last read
  uint64_t departedTicks_ = 0;     // orphans that ended outside the tree
  uint64_t ownChildrenStart_ = 0;
  bool started_ = false;
  uint64_t startTicks_ = 0;  // the total at the first call: figures count from there
  double highest_ = 0;
};

}  // namespace sj
