// The modelled CPU scoped to a process tree (CpuModelOptions::processTreeRoot) against real
// processes: a forked child that forks a grandchild, both burning CPU, while this process burns its
// own. No double: procfs is read as it is.
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "energy/cpu_model_source.h"
#include "expect_error.h"
#include "harness.h"

namespace sj::testing {
namespace {

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

void burn(double seconds) {
  const double start = threadCpuSeconds();
  volatile double sink = 0;
  while (threadCpuSeconds() - start < seconds)
    for (int i = 0; i < 10000; ++i) sink = sink + std::sqrt(static_cast<double>(i));
}

double childrenCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_CHILDREN, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + 1e-6 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace

// The child waits for a grandchild that burns 0.4 s, burns 0.3 s itself and exits; this process burns
// 0.3 s meanwhile and then reaps the child. The tree's energy must be the tree's CPU time x w (what
// getrusage(RUSAGE_CHILDREN) reports for the reaped child, to a few 10 ms ticks), not ours.
SJ_TEST(cpu_model_process_tree_counts_the_tree_not_this_process) {
  const double w = 100.0 / 4;
  const double childrenBefore = childrenCpuSeconds();
  int ready[2];
  SJ_CHECK(pipe(ready) == 0, "pipe");
  const pid_t child = fork();
  if (child == 0) {
    char go;
    if (read(ready[0], &go, 1) != 1) _exit(2);
    const pid_t grandchild = fork();
    if (grandchild == 0) {
      burn(0.4);
      _exit(0);
    }
    int status = 0;
    waitpid(grandchild, &status, 0);
    burn(0.3);
    _exit(0);
  }
  auto source = makeCpuModelSource({100.0, 4, static_cast<int>(child)});
  const SourceInfo& info = source->info();
  SJ_CHECK(info.details.at("scope") == "process tree of pid " + std::to_string(child), info.details.at("scope"));
  SJ_CHECK(info.method == "modelled" && info.id == "cpu-model", info.method, " ", info.id);
  SJ_CHECK(std::abs(info.counterResolutionJ - w / static_cast<double>(sysconf(_SC_CLK_TCK))) < 1e-12, info.counterResolutionJ);
  const SourceReading r0 = source->read();
  SJ_CHECK(write(ready[1], "g", 1) == 1, "start the child");
  burn(0.3);  // ours: must not be counted
  const SourceReading r1 = source->read();
  int status = 0;
  SJ_CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit ", status);
  const SourceReading r2 = source->read();
  close(ready[0]);
  close(ready[1]);
  const double treeS = childrenCpuSeconds() - childrenBefore;
  SJ_CHECK(r0.ok && r1.ok && r2.ok && r0.energyJ && r1.energyJ && r2.energyJ, r0.error, r1.error, r2.error);
  SJ_CHECK(*r1.energyJ >= *r0.energyJ && *r2.energyJ >= *r1.energyJ, "monotone: ", *r0.energyJ, " ", *r1.energyJ, " ", *r2.energyJ);
  const double e = *r2.energyJ - *r0.energyJ;
  SJ_CHECK(treeS >= 0.7 - 1e-3, "the tree burnt ", treeS, " s");
  // Each of the two processes rounds utime and stime to ticks: 0.05 s covers that.
  SJ_CHECK(std::abs(e - treeS * w) <= 0.05 * w, "tree energy ", e, " J, expected ", treeS * w, " J (", treeS, " s x ", w, " W)");
}

SJ_TEST(cpu_model_process_tree_rejects_a_missing_root) {
  expectError(ErrorCode::Value, "root pid = -3", [] { makeCpuModelSource({65.0, 4, -3}); });
  expectError(ErrorCode::Value, "cannot be read", [] { makeCpuModelSource({65.0, 4, 2147483000}); });
}

}  // namespace sj::testing
