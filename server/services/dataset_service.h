// simclr.v1.DatasetService over the DatasetManager: the upload stream,
// queries, and deletion refused while a job uses the dataset.
#ifndef SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_

#include "absl/time/time.h"

#include "server/datasets/dataset_manager.h"
#include "server/jobs/job_manager.h"
#include "server/services/idle_watchdog.h"
#include "server/services/stream_limiter.h"
#include "simclr/v1/dataset.grpc.pb.h"

namespace simclr::server {

class TokenAuthenticator;

class DatasetServiceImpl final : public v1::DatasetService::Service {
 public:
  // How many uploads may stream at once, and how long one may stay silent.
  struct StreamOptions {
    int max_uploads = 16;
    absl::Duration idle_timeout = absl::Seconds(60);
  };
  // `auth` may be null (no authentication).
  DatasetServiceImpl(DatasetManager* datasets, JobManager* jobs,
                     const TokenAuthenticator* auth, const StreamOptions& streams)
      : datasets_(datasets),
        jobs_(jobs),
        auth_(auth),
        uploads_("upload streams", "--max_upload_streams", streams.max_uploads),
        idle_(streams.idle_timeout) {}

  grpc::Status UploadDataset(grpc::ServerContext* context,
                             grpc::ServerReader<v1::UploadDatasetRequest>* reader,
                             v1::Dataset* response) override;
  grpc::Status GetDataset(grpc::ServerContext* context,
                          const v1::GetDatasetRequest* request,
                          v1::Dataset* response) override;
  grpc::Status ListDatasets(grpc::ServerContext* context,
                            const v1::ListDatasetsRequest* request,
                            v1::ListDatasetsResponse* response) override;
  grpc::Status DeleteDataset(grpc::ServerContext* context,
                             const v1::DeleteDatasetRequest* request,
                             v1::DeleteDatasetResponse* response) override;

 private:
  DatasetManager* const datasets_;
  JobManager* const jobs_;
  const TokenAuthenticator* const auth_;
  StreamLimiter uploads_;
  IdleWatchdog idle_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_
