#include "core/thread_pool.h"

#include <algorithm>
#include <cstdlib>

#include "base/error.h"

namespace sj {

int ThreadPool::hardwareThreads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int ThreadPool::defaultThreads() {
  const char* env = std::getenv("SEDJOULE_THREADS");
  if (env && *env) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (*end != '\0' || n < 1 || n > 1024) fail(ErrorCode::Value, "SEDJOULE_THREADS=", env, ": expected an integer in [1, 1024]");
    return static_cast<int>(n);
  }
  return hardwareThreads();
}

ThreadPool::ThreadPool(int threads) {
  int total = threads <= 0 ? defaultThreads() : threads;
  for (int i = 1; i < total; ++i) workers_.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

// Takes task indices until none are left; shared by workers and the calling thread.
void ThreadPool::drain() {
  for (;;) {
    int t = next_.fetch_add(1);
    if (t >= tasks_) return;
    try {
      (*task_)(t);
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!firstError_) firstError_ = std::current_exception();
    }
  }
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || generation_ != seen; });
      if (stopping_) return;
      seen = generation_;
    }
    drain();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_all();
    }
  }
}

void ThreadPool::run(int tasks, const std::function<void(int)>& task) {
  if (tasks <= 0) return;
  std::lock_guard<std::mutex> runLock(runMutex_);
  if (workers_.empty() || tasks == 1) {
    for (int t = 0; t < tasks; ++t) task(t);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    tasks_ = tasks;
    next_.store(0);
    pending_ = static_cast<int>(workers_.size());
    firstError_ = nullptr;
    ++generation_;
  }
  wake_.notify_all();
  drain();
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    task_ = nullptr;
    error = firstError_;
  }
  if (error) std::rethrow_exception(error);
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body) {
  if (n <= 0) return;
  int64_t chunks = std::min<int64_t>(size(), std::max<int64_t>(1, n / std::max<int64_t>(1, grain)));
  if (chunks <= 1) {
    body(0, n);
    return;
  }
  run(static_cast<int>(chunks), [&](int t) {
    int64_t begin = n * t / chunks;
    int64_t end = n * (t + 1) / chunks;
    if (begin < end) body(begin, end);
  });
}

}  // namespace sj
