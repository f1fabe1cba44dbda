#include "energy/process_tree_cpu.h"

#include <dirent.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/error.h"

namespace sj {

namespace {

struct StatTimes {
  int ppid = 0;
  int64_t own = 0;       // utime + stime
  int64_t children = 0;  // cutime + cstime (waited-for descendants)
};

// Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces and
// ')', so the fields are counted from the last ')'.
bool readStat(const std::string& path, StatTimes& out) {
  FILE* f = std::fopen(path.c_str(), "re");
  if (!f) return false;
  char buffer[1024];
  const size_t n = std::fread(buffer, 1, sizeof buffer - 1, f);
  std::fclose(f);
  buffer[n] = '\0';
  const char* p = nullptr;
  for (size_t i = 0; i < n; ++i)
    if (buffer[i] == ')') p = buffer + i;
  if (!p) return false;
  // After ')': field 3 (state) onwards, space-separated.
  long long v[15] = {};
  int field = 3;
  const char* c = p + 1;
  while (*c && field <= 17) {
    while (*c == ' ') ++c;
    if (field == 3) {
      while (*c && *c != ' ') ++c;  // state is a letter
    } else {
      char* end = nullptr;
      v[field - 3] = std::strtoll(c, &end, 10);
      if (end == c) return false;
      c = end;
    }
    ++field;
  }
  if (field <= 17) return false;
  out.ppid = static_cast<int>(v[4 - 3]);
  out.own = v[14 - 3] + v[15 - 3];
  out.children = v[16 - 3] + v[17 - 3];
  return true;
}

}  // namespace

double ProcessTreeCpu::ticksPerSecond() {
  const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? static_cast<double>(ticks) : 100.0;
}

ProcessTreeCpu::ProcessTreeCpu(int rootPid) : rootPid_(rootPid) {
  if (rootPid < 1) fail(ErrorCode::Value, "cpu model: process tree root pid = ", rootPid, ": expected a pid >= 1");
  StatTimes root, self;
  if (!readStat("/proc/" + std::to_string(rootPid) + "/stat", root))
    fail(ErrorCode::Value, "cpu model: process tree root pid = ", rootPid, ": /proc/", rootPid, "/stat cannot be read (no such process?)");
  if (!readStat("/proc/self/stat", self)) fail(ErrorCode::Internal, "cpu model: /proc/self/stat cannot be read");
  selfChildrenAtStart_ = self.children;
}

namespace {

struct ProcScan {
  std::unordered_map<int, StatTimes> all;
  std::unordered_map<int, std::vector<int>> childrenOf;
};

bool scanProc(ProcScan& scan) {
  DIR* dir = opendir("/proc");
  if (!dir) return false;
  while (dirent* e = readdir(dir)) {
    char* end = nullptr;
    const long pid = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || pid < 1) continue;
    StatTimes t;
    // A process can end between readdir and the read: it is simply not in this scan.
    if (!readStat(std::string("/proc/") + e->d_name + "/stat", t)) continue;
    scan.all[static_cast<int>(pid)] = t;
    scan.childrenOf[t.ppid].push_back(static_cast<int>(pid));
  }
  closedir(dir);
  return true;
}

// The root (when alive) and its descendants in `scan`.
std::vector<int> treeOf(int root, ProcScan& scan) {
  std::vector<int> tree, pending;
  if (scan.all.count(root)) pending.push_back(root);
  while (!pending.empty()) {
    const int pid = pending.back();
    pending.pop_back();
    tree.push_back(pid);
    for (int child : scan.childrenOf[pid]) pending.push_back(child);
  }
  return tree;
}

}  // namespace

bool ProcessTreeCpu::treeTicks(int64_t& ticks) const {
  StatTimes self;
  if (!readStat("/proc/self/stat", self)) return false;
  ProcScan scan;
  if (!scanProc(scan)) return false;
  int64_t sum = self.children - selfChildrenAtStart_;
  for (int pid : treeOf(rootPid_, scan)) sum += scan.all[pid].own + scan.all[pid].children;
  ticks = sum;
  return true;
}

std::vector<int> processTreePids(int rootPid) {
  ProcScan scan;
  if (!scanProc(scan)) fail(ErrorCode::Io, "process tree: /proc cannot be listed");
  return treeOf(rootPid, scan);
}

}  // namespace sj
