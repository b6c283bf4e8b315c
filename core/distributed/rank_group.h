// The ranks of one job, joined: they meet through a c10d TCPStore served by
// rank 0 at MASTER_ADDR:MASTER_PORT and build a c10d process group, Gloo on
// CPU (NCCL for CUDA tensors where LibTorch was built with it; Debian's is
// not). c10d stays behind this class, so only rank_group.cc includes it.
//
// Every rank must call the collectives in the same order with tensors of
// the same shape. They throw c10::Error when a peer is lost or a timeout
// passes (call them inside CallTorch or an autograd function); lost_peer()
// then tells the worker that the job should be retried rather than failed.
#ifndef SIMCLR_CORE_DISTRIBUTED_RANK_GROUP_H_
#define SIMCLR_CORE_DISTRIBUTED_RANK_GROUP_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "ATen/core/Tensor.h"
#include "absl/status/statusor.h"
#include "c10/core/Device.h"
#include "core/common/rank_env.h"

namespace simclr::core {

struct RankTimeouts {
  // How long rank 0 waits for every rank to arrive (and a rank for rank 0).
  std::chrono::milliseconds rendezvous{std::chrono::minutes(5)};
  // How long one collective may wait for its peers.
  std::chrono::milliseconds collective{std::chrono::minutes(5)};
};

class RankGroup {
 public:
  // Meets the other ranks of `env`. UNAVAILABLE when they do not all arrive
  // within the rendezvous timeout (naming the master address), or when the
  // port cannot be served.
  static absl::StatusOr<std::unique_ptr<RankGroup>> Join(const RankEnv& env,
                                                         c10::Device device,
                                                         const RankTimeouts& timeouts);
  ~RankGroup();
  RankGroup(const RankGroup&) = delete;
  RankGroup& operator=(const RankGroup&) = delete;

  int rank() const { return rank_; }
  int world_size() const { return world_size_; }
  bool is_chief() const { return rank_ == 0; }
  // "gloo" or "nccl".
  const std::string& backend() const { return backend_; }

  // In place: the element-wise sum over ranks. `tensor` must be contiguous.
  void AllReduceSum(at::Tensor& tensor);
  // In place: rank 0's values on every rank.
  void Broadcast(at::Tensor& tensor);
  // Every rank's `local` (same shape on all) concatenated along dim 0 in
  // rank order.
  at::Tensor AllGather(const at::Tensor& local);

  // Seconds spent inside collectives since the last call (for the
  // communication share of progress events).
  double TakeCommunicationSeconds();
  // True once a collective failed: a peer died or stopped answering.
  bool lost_peer() const { return lost_peer_.load(); }

 private:
  struct Impl;
  RankGroup(int rank, int world_size, std::unique_ptr<Impl> impl);
  template <typename Body>
  void Run(const char* what, Body body);

  int rank_;
  int world_size_;
  std::string backend_;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> lost_peer_{false};
  std::atomic<double> communication_seconds_{0};
};

// A job's place among its ranks (JobRun.ranks; null: a single process).
// The chief (a single process, or rank 0) alone writes files and events.
bool IsChief(const RankGroup* ranks);
int WorldSize(const RankGroup* ranks);
int RankOf(const RankGroup* ranks);

}  // namespace simclr::core

#endif  // SIMCLR_CORE_DISTRIBUTED_RANK_GROUP_H_
