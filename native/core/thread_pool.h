// A fixed pool of worker threads that runs data-parallel loops. The calling thread takes part, so
// a pool of size 1 has no workers and runs everything inline. Work is split by index ranges only,
// never by reduction order, so results do not depend on the number of threads.
#pragma once
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sj {

class ThreadPool {
 public:
  // threads <= 0 means defaultThreads().
  explicit ThreadPool(int threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(t) for t in [0, tasks), spread over the pool; returns when all are done. The first
  // exception thrown by a task is rethrown here. Calls from several threads are serialised.
  void run(int tasks, const std::function<void(int)>& task);

  // Splits [0, n) into at most size() contiguous ranges of at least `grain` items each and calls
  // body(begin, end) for each range.
  void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& body);

  static int hardwareThreads();
  // SEDJOULE_THREADS when set to a positive integer, else hardwareThreads().
  static int defaultThreads();

 private:
  void workerLoop();
  void drain();

  std::vector<std::thread> workers_;
  std::mutex runMutex_;  // one run() at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  const std::function<void(int)>* task_ = nullptr;
  int tasks_ = 0;
  std::atomic<int> next_{0};
  int pending_ = 0;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  std::exception_ptr firstError_;
};

}  // namespace sj
