// simclr.v1.CheckpointService: list checkpoints per job (newest first, the
// best marked), their metadata, and resumable chunked downloads.
#ifndef SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_

#include "server/checkpoints/checkpoint_catalog.h"
#include "server/jobs/job_manager.h"
#include "simclr/v1/checkpoint.grpc.pb.h"

namespace simclr::server {

class TokenAuthenticator;

class CheckpointServiceImpl final : public v1::CheckpointService::Service {
 public:
  // `auth` may be null (no authentication).
  CheckpointServiceImpl(const CheckpointCatalog* catalog, JobManager* jobs,
                        const TokenAuthenticator* auth)
      : catalog_(catalog), jobs_(jobs), auth_(auth) {}

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
  grpc::Status DeleteCheckpoint(grpc::ServerContext* context,
                                const v1::DeleteCheckpointRequest* request,
                                v1::DeleteCheckpointResponse* response) override;

 private:
  // Checks the id's form and that its job is the caller's (else NOT_FOUND
  // as for an unknown checkpoint); `owner` is the job's owner.
  grpc::Status CheckAccess(const Principal& who, const std::string& checkpoint_id,
                           std::string* owner);

  const CheckpointCatalog* const catalog_;
  JobManager* const jobs_;
  const TokenAuthenticator* const auth_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_CHECKPOINT_SERVICE_H_
