#include "energy/process_tree_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "energy/energy_source.h"

namespace sj {

namespace {

// Scan every process at most this often; the known tree is read at every call in between.
constexpr double kScanPeriodS = 0.5;

struct Stat {
  pid_t parent = 0;
  uint64_t startTicks = 0;
  uint64_t cpuTicks = 0;  // utime + stime + cutime + cstime
  uint64_t childTicks = 0;  // cutime + cstime
};

// /proc/[pid]/stat, or false when the process is gone. The command name (field 2) may hold spaces
// and parentheses, so the fields are counted from its last ')'.
bool readStat(const char* pid, Stat& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* file = std::fopen(path, "r");
  if (!file) return false;
  char text[1024];
  const size_t n = std::fread(text, 1, sizeof text - 1, file);
  std::fclose(file);
  text[n] = '\0';
  const char* close = std::strrchr(text, ')');
  if (!close) return false;
  // Fields from 3 (state) on; we want 4 (ppid), 14-17 (utime, stime, cutime, cstime), 22 (starttime).
  std::vector<uint64_t> field(23, 0);
  const char* p = close + 1;
  for (int index = 3; index <= 22 && *p; ++index) {
    while (*p == ' ') ++p;
    if (index > 3) field[index] = std::strtoull(p, nullptr, 10);
    while (*p && *p != ' ') ++p;
  }
  out.parent = static_cast<pid_t>(field[4]);
  out.childTicks = field[16] + field[17];
  out.cpuTicks = field[14] + field[15] + out.childTicks;
  out.startTicks = field[22];
  return true;
}

bool readStat(pid_t pid, Stat& out) {
  char text[24];
  std::snprintf(text, sizeof text, "%d", static_cast<int>(pid));
  return readStat(text, out);
}

// A tree process that ended. Its parent at the last reading was in the tree (alive now, or ended
// since, having reaped it first): its time went into that parent's cutime and moves on with it.
// Its parent was not (it was an orphan, reparented): it is kept here. The root is reaped by us:
// our cutime.
void depart(pid_t pid, pid_t parent, uint64_t cpuTicks, pid_t root, const std::map<pid_t, uint64_t>& members, uint64_t& departed) {
  if (pid == root || members.count(parent)) return;
  departed += cpuTicks;
}

}  // namespace

ProcessTreeCpu::ProcessTreeCpu(pid_t root) : root_(root) {
  const long ticks = sysconf(_SC_CLK_TCK);
  tickS_ = ticks > 0 ? 1.0 / static_cast<double>(ticks) : 0.01;
  ownChildrenStart_ = ownChildrenTicks();
}

uint64_t ProcessTreeCpu::ownChildrenTicks() const {
  Stat self;
  return readStat("self", self) ? self.childTicks : 0;
}

bool ProcessTreeCpu::scanAll(std::string& error) {
  DIR* dir = opendir("/proc");
  if (!dir) {
    error = "cpu-model: cannot list /proc to follow the process tree of pid " + std::to_string(root_);
    return false;
  }
  std::map<pid_t, Stat> all;
  std::map<pid_t, std::vector<pid_t>> children;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    Stat s;
    if (!readStat(entry->d_name, s)) continue;  // ended since the listing
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    all[pid] = s;
    children[s.parent].push_back(pid);
  }
  closedir(dir);
  // The tree now: the known processes still alive (the same process: same start time), the root,
  // and every descendant of those.
  std::vector<pid_t> stack;
  for (const auto& [pid, known] : tree_) {
    auto it = all.find(pid);
    if (it != all.end() && it->second.startTicks == known.startTicks) stack.push_back(pid);
  }
  if (all.count(root_)) stack.push_back(root_);
  std::map<pid_t, uint64_t> members;  // the tree before and after this scan
  for (const auto& [pid, known] : tree_) members[pid] = known.cpuTicks;
  std::map<pid_t, Process> next;
  while (!stack.empty()) {
    const pid_t pid = stack.back();
    stack.pop_back();
    if (next.count(pid)) continue;
    const Stat& s = all.at(pid);
    next[pid] = Process{s.parent, s.startTicks, s.cpuTicks};
    members[pid] = s.cpuTicks;
    for (pid_t child : children[pid]) stack.push_back(child);
  }
  for (const auto& [pid, known] : tree_)
    if (!next.count(pid)) depart(pid, known.parent, known.cpuTicks, root_, members, departedTicks_);
  tree_ = std::move(next);
  return true;
}

void ProcessTreeCpu::rereadKnown() {
  std::map<pid_t, uint64_t> members;
  std::vector<std::pair<pid_t, Process>> gone;
  for (auto& [pid, known] : tree_) {
    members[pid] = known.cpuTicks;
    Stat s;
    if (readStat(pid, s) && s.startTicks == known.startTicks) {
      known.parent = s.parent;
      known.cpuTicks = s.cpuTicks;
    } else {
      gone.emplace_back(pid, known);
    }
  }
  for (const auto& [pid, known] : gone) {
    depart(pid, known.parent, known.cpuTicks, root_, members, departedTicks_);
    tree_.erase(pid);
  }
}

bool ProcessTreeCpu::seconds(double& out, std::string& error) {
  // Our cutime first: if we reap the root between the two reads, the root is missing from both
  // for this call (a lower figure, made up at the next call), never counted twice.
  const uint64_t own = ownChildrenTicks() - ownChildrenStart_;
  const int64_t now = steadyNowNs();
  if (lastScanNs_ == 0 || static_cast<double>(now - lastScanNs_) * 1e-9 >= kScanPeriodS) {
    if (!scanAll(error)) return false;
    lastScanNs_ = now;
  } else {
    rereadKnown();
  }
  uint64_t ticks = departedTicks_ + own;
  for (const auto& [pid, p] : tree_) ticks += p.cpuTicks;
  if (!started_) {
    startTicks_ = ticks;
    started_ = true;
  }
  highest_ = std::max(highest_, static_cast<double>(ticks - std::min(ticks, startTicks_)) * tickS_);
  out = highest_;
  return true;
}

}  // namespace sj
