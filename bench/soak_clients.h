// The clients of bench_soak: what each call does and how its outcome is
// counted. A code is expected when the API documents it for load (an upload
// or embedding refused with RESOURCE_EXHAUSTED, a cancel of a job that had
// just ended); any other non-OK code is unexpected.
#ifndef SIMCLR_BENCH_SOAK_CLIENTS_H_
#define SIMCLR_BENCH_SOAK_CLIENTS_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/grpcpp.h"
#include "simclr/v1/checkpoint.grpc.pb.h"
#include "simclr/v1/dataset.grpc.pb.h"
#include "simclr/v1/embedding.grpc.pb.h"
#include "simclr/v1/job.grpc.pb.h"

namespace simclr::bench {

class SoakStats {
 public:
  void Record(const std::string& op, grpc::StatusCode code, bool expected, double ms);
  // Calls and p99 latency (ms) since the last call.
  std::pair<int64_t, double> TakeSecond();
  void Print(int seconds);
  int64_t unexpected();

 private:
  absl::Mutex mu_;
  std::map<std::pair<std::string, int>, int64_t> counts_ ABSL_GUARDED_BY(mu_);
  std::vector<double> second_ ABSL_GUARDED_BY(mu_), all_ ABSL_GUARDED_BY(mu_);
  int64_t unexpected_ ABSL_GUARDED_BY(mu_) = 0;
  std::string first_unexpected_ ABSL_GUARDED_BY(mu_);
};

struct DrainResult {
  double submit_seconds = 0, drain_seconds = 0;
  int succeeded = 0;
};

class SoakTarget {
 public:
  explicit SoakTarget(const std::string& address);
  // A dataset, a trained job and its checkpoint for the clients to use.
  absl::Status Prepare();
  // `submit_percent` of the calls submit (and cancel) a job: each stays in
  // the server's job table, so 0 shows what the server holds without them.
  void RunClient(int index, std::chrono::steady_clock::time_point end, int submit_percent,
                 SoakStats& stats);
  absl::StatusOr<DrainResult> QueueAndDrain(int jobs);

 private:
  grpc::Status UploadSmall(int images, std::string* dataset_id);
  v1::JobSpec SmallJob(const std::string& dataset_id) const;
  absl::StatusOr<v1::Job> WaitEnded(const std::string& job_id, int seconds);
  // One call of each kind; `op` names it in the stats.
  grpc::Status Upload(std::string& op);
  grpc::Status SubmitAndCancel(std::string& op, bool& ended_first);
  grpc::Status Watch();
  grpc::Status List(int which);
  grpc::Status Get(int which);
  grpc::Status Download();
  grpc::Status Embed();

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::DatasetService::Stub> datasets_;
  std::unique_ptr<v1::JobService::Stub> jobs_;
  std::unique_ptr<v1::CheckpointService::Stub> checkpoints_;
  std::unique_ptr<v1::EmbeddingService::Stub> embed_;
  std::string dataset_id_, job_id_, checkpoint_id_;
  std::vector<std::string> pngs_;
};

}  // namespace simclr::bench

#endif  // SIMCLR_BENCH_SOAK_CLIENTS_H_
