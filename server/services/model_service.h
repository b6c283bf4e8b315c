// simclr.v1.ModelService over the ModelManager: the upload stream, queries,
// and deletion refused while a job uses the model.
#ifndef SIMCLR_SERVER_SERVICES_MODEL_SERVICE_H_
#define SIMCLR_SERVER_SERVICES_MODEL_SERVICE_H_

#include "absl/time/time.h"
#include "server/jobs/job_manager.h"
#include "server/models/model_manager.h"
#include "server/services/idle_watchdog.h"
#include "server/services/stream_limiter.h"
#include "simclr/v1/model_service.grpc.pb.h"

namespace simclr::server {

class TokenAuthenticator;

class ModelServiceImpl final : public v1::ModelService::Service {
 public:
  // `auth` may be null (no authentication).
  ModelServiceImpl(ModelManager* models, JobManager* jobs, const TokenAuthenticator* auth,
                   int max_uploads, absl::Duration idle_timeout)
      : models_(models),
        jobs_(jobs),
        auth_(auth),
        uploads_("model upload streams", "--max_upload_streams", max_uploads),
        idle_(idle_timeout) {}

  grpc::Status UploadModel(grpc::ServerContext* context,
                           grpc::ServerReader<v1::UploadModelRequest>* reader,
                           v1::Model* response) override;
  grpc::Status GetModel(grpc::ServerContext* context, const v1::GetModelRequest* request,
                        v1::Model* response) override;
  grpc::Status ListModels(grpc::ServerContext* context, const v1::ListModelsRequest* request,
                          v1::ListModelsResponse* response) override;
  grpc::Status DeleteModel(grpc::ServerContext* context, const v1::DeleteModelRequest* request,
                           v1::DeleteModelResponse* response) override;

 private:
  ModelManager* const models_;
  JobManager* const jobs_;
  const TokenAuthenticator* const auth_;
  StreamLimiter uploads_;
  IdleWatchdog idle_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_SERVICES_MODEL_SERVICE_H_
