// A fixed set of threads running queued closures in FIFO order.
//
// For work that must not run on the caller's thread (gRPC callbacks never
// block, so the embedding service decodes and loads models here). Stop()
// runs what is queued, then joins; Schedule after Stop returns false.
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
  void Stop();

 private:
  void Run();

  absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Mutex stop_mu_;
  std::vector<std::thread> threads_ ABSL_GUARDED_BY(stop_mu_);
};

}  // namespace simclr::core

#endif  // SIMCLR_CORE_RUNTIME_THREAD_POOL_H_
