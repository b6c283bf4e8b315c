// simclr.v1.DatasetService over the DatasetManager: the upload stream,
// queries, and deletion refused while a job uses the dataset.
#ifndef SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_

#include "server/datasets/dataset_manager.h"
#include "server/jobs/job_manager.h"
#include "simclr/v1/dataset.grpc.pb.h"

namespace simclr::server {

class TokenAuthenticator;

class DatasetServiceImpl final : public v1::DatasetService::Service {
 public:
  // `auth` may be null (no authentication).
  DatasetServiceImpl(DatasetManager* datasets, JobManager* jobs,
                     const TokenAuthenticator* auth)
      : datasets_(datasets), jobs_(jobs), auth_(auth) {}

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
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_DATASET_SERVICE_H_
