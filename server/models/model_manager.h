// Uploaded TorchScript base models: the upload (chunked, SHA-256 checked,
// validated by a worker process), storage at data_dir/models/<id>/model.pt
// with a record in simclr.db, queries and deletion, all per owner.
//
// An upload streams into models/.incoming/<id>/, is checked and probed,
// then renamed into models/<id>/ and recorded: visible only once whole.
// Anything that fails, or a client that goes away, leaves nothing.
#ifndef SIMCLR_SERVER_MODELS_MODEL_MANAGER_H_
#define SIMCLR_SERVER_MODELS_MODEL_MANAGER_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "core/common/sha256.h"
#include "server/auth/principal.h"
#include "server/common/storage_quota.h"
#include "server/models/model_probe_runner.h"
#include "server/store/record_table.h"
#include "simclr/v1/model_service.pb.h"

namespace simclr::server {

struct ModelLimits {
  int64_t max_model_bytes = int64_t{2} << 30;
  int64_t max_stored_bytes_per_principal = int64_t{1} << 40;
  // What the owner stores besides models (their datasets), for the quota.
  OtherStoredBytes other_stored_bytes;
};

class ModelManager {
 public:
  // Removes what a crash left: unfinished uploads, folders without a record.
  static absl::StatusOr<std::unique_ptr<ModelManager>> Create(const std::string& data_dir,
                                                              const std::string& database,
                                                              ModelLimits limits,
                                                              ModelProber prober);

  class Upload {
   public:
    ~Upload();  // removes the incoming folder unless Finish succeeded
    absl::Status AddChunk(const v1::ModelChunk& chunk);
    absl::StatusOr<v1::Model> Finish();

   private:
    friend class ModelManager;
    ModelManager* manager_ = nullptr;
    Principal owner_;
    v1::ModelUploadHeader header_;
    std::string id_, dir_, path_;
    FILE* out_ = nullptr;
    int64_t received_ = 0;
    core::Sha256Hasher hash_;
    bool finished_ = false;
  };
  // INVALID_ARGUMENT naming the header field; RESOURCE_EXHAUSTED naming the
  // quota when the owner's stored bytes would pass it.
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const v1::ModelUploadHeader& header,
                                                      const Principal& owner);

  // Each acts for `who`: another user's model answers as an unknown id.
  absl::StatusOr<v1::Model> Get(const std::string& id, const Principal& who);
  absl::StatusOr<std::vector<v1::Model>> List(const Principal& who);
  // `in_use`: a job that has not ended names it (FAILED_PRECONDITION).
  absl::Status Delete(const std::string& id, const Principal& who, bool in_use);
  // The stored module, for a worker's spec.
  absl::StatusOr<std::string> LocalPath(const std::string& id, const Principal& who);
  absl::StatusOr<int64_t> StoredBytesOf(const std::string& owner);

 private:
  ModelManager(std::string data_dir, std::unique_ptr<RecordTable> table, ModelLimits limits,
               ModelProber prober)
      : data_dir_(std::move(data_dir)),
        table_(std::move(table)),
        limits_(std::move(limits)),
        prober_(std::move(prober)) {}
  absl::Status CheckQuota(const Principal& owner, int64_t more);

  const std::string data_dir_;
  const std::unique_ptr<RecordTable> table_;
  const ModelLimits limits_;
  const ModelProber prober_;
  // Held from the last quota check to the record of a finishing upload.
  absl::Mutex publish_mu_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_MODELS_MODEL_MANAGER_H_
