// simclr.v1.CheckpointService: list checkpoints per job (newest first, the
// best marked), their metadata, and resumable chunked downloads.
#ifndef SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_

#include "server/checkpoints/checkpoint_catalog.h"
#include "server/jobs/job_manager.h"
#include "simclr/v1/checkpoint.grpc.pb.h"

namespace simclr::server {

class CheckpointServiceImpl final : public v1::CheckpointService::Service {
 public:
  CheckpointServiceImpl(const CheckpointCatalog* catalog, JobManager* jobs)
      : catalog_(catalog), jobs_(jobs) {}

  grpc::Status ListCheckpoints(grpc::ServerContext* context,
                               const v1::ListCheckpointsRequest* request,
                               v1::ListCheckpointsResponse* response) override;
  grpc::Status GetCheckpoint(grpc::ServerContext* context,
                             const v1::GetCheckpointRequest* request,
                             v1::Checkpoint* response) override;
  grpc::Status DownloadCheckpoint(
      grpc::ServerContext* context,
      const v1::DownloadCheckpointRequest* request,
      grpc::ServerWriter<v1::DownloadCheckpointResponse>* writer) override;

 private:
  const CheckpointCatalog* const catalog_;
  JobManager* const jobs_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_
