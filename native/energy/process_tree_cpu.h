// CPU time of a process tree, read from procfs, for the modelled CPU source scoped to a child
// command (`sedjoule measure -- <command>`).
//
// proc(5) (https://man7.org/linux/man-pages/man5/proc_pid_stat.5.html): fields 4 (ppid),
// 14 utime, 15 stime, 16 cutime, 17 cstime of /proc/[pid]/stat, in clock ticks
// (sysconf(_SC_CLK_TCK)); cutime/cstime hold the time of children the process has waited for.
//
// treeTicks() = utime+stime+cutime+cstime summed over the root and its live descendants (found by
// ppid in one scan of /proc), plus the growth of this process's own cutime+cstime since the reader
// was made: when this process reaps the root, the root's whole total (its own and its waited-for
// descendants') moves into our cutime/cstime, so the sum does not drop at that moment.
//
// What it cannot see: a descendant that leaves the tree (daemonises, is re-parented to init or a
// subreaper) is lost from then on; a process that starts and ends between two scans without being
// waited for by a tree member is lost; other children this process reaps after the reader was
// made are counted too. The caller keeps the highest value, since a scan racing a reap can dip.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace sj {

class ProcessTreeCpu {
 public:
  // E_VALUE naming the pid when it is < 1 or /proc/<pid>/stat cannot be read.
  explicit ProcessTreeCpu(int rootPid);
  int rootPid() const { return rootPid_; }
  // Clock ticks of the tree (see the header comment); false when /proc cannot be scanned.
  bool treeTicks(int64_t& ticks) const;
  static double ticksPerSecond();

 private:
  int rootPid_;
  int64_t selfChildrenAtStart_ = 0;
};

// The pids of the root (when alive) and its live descendants, from one scan of /proc; E_IO when
// /proc cannot be listed.
std::vector<int> processTreePids(int rootPid);

}  // namespace sj
