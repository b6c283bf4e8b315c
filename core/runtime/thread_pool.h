// A fixed set of threads running queued closures in FIFO order, and tasks
// that come in steps in turns.
//
// For work that must not run on the caller's thread (gRPC callbacks never
// block, so the embedding service decodes and loads models here). A stepped
// task runs one step, then goes to the back of the queue, so a large task
// delays a small one that arrives behind it by one step, not by all of it.
// Stop() runs what is queued (stepped tasks to their end), then joins;
// Schedule after Stop returns false.
#ifndef SIMCLR_CORE_RUNTIME_THREAD_POOL_H_
#define SIMCLR_CORE_RUNTIME_THREAD_POOL_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace simclr::core {

class ThreadPool {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool();

  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // False (and `work` dropped) once stopping.
  bool Schedule(std::function<void()> work);
  // `step` runs once per turn while it returns true (more steps remain);
  // its steps never run concurrently with each other.
  bool ScheduleSteps(std::function<bool()> step);
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<bool()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex stop_mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_THREAD_POOL_H_
