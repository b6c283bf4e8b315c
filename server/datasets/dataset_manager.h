// Datasets: uploads, their validation and storage, queries and deletion.
//
// An upload streams into --data_dir/datasets/.incoming/<id>/ (its files'
// SHA-256 computed on the way), is checked against the header's sizes and
// checksums, imported into the stored form, then renamed to
// datasets/<id>/ and recorded: visible only once whole. Anything that fails,
// or a client that goes away, leaves nothing behind.
#ifndef SIMCLR_SERVER_DATASETS_DATASET_MANAGER_H_
#define SIMCLR_SERVER_DATASETS_DATASET_MANAGER_H_

#include <atomic>
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
#include "server/store/dataset_store.h"
#include "simclr/v1/data.pb.h"
#include "simclr/v1/dataset.pb.h"

namespace simclr::server {

struct DatasetLimits {
  int64_t max_upload_bytes = int64_t{4} << 30;
  int64_t max_image_pixels = int64_t{4096} * 4096;
  // Bytes one principal's datasets and models may take on disk, together.
  int64_t max_stored_bytes_per_principal = int64_t{1} << 40;
  // What the owner stores besides datasets (their models), for the quota.
  OtherStoredBytes other_stored_bytes;
};

class DatasetManager {
 public:
  // Removes what a crash left: unfinished uploads, and folders whose
  // record was never written.
  static absl::StatusOr<std::unique_ptr<DatasetManager>> Create(
      const std::string& data_dir, DatasetStore* store, const DatasetLimits& limits);

  class Upload {
   public:
    ~Upload();  // removes the incoming folder unless Finish succeeded
    // INVALID_ARGUMENT naming the file and offset when a chunk does not fit.
    absl::Status AddChunk(const v1::UploadChunk& chunk);
    absl::StatusOr<v1::Dataset> Finish();

   private:
    friend class DatasetManager;
    // Sizes and checksums of what arrived, then the import into dir_.
    absl::Status CheckReceived();
    absl::StatusOr<v1::Dataset> Import();
    struct File {
      v1::UploadFile declared;
      std::string path;
      FILE* out = nullptr;
      int64_t received = 0;
      std::unique_ptr<core::Sha256Hasher> hash;
    };
    DatasetManager* manager_ = nullptr;
    Principal owner_;
    v1::UploadHeader header_;
    std::string id_, dir_;
    std::vector<File> files_;
    bool finished_ = false;
  };
  // Checks the header: INVALID_ARGUMENT naming the field, UNIMPLEMENTED
  // for formats this server cannot import yet, RESOURCE_EXHAUSTED naming
  // the quota when the owner's datasets would pass it (checked again on
  // the stored size at Finish).
  absl::StatusOr<std::unique_ptr<Upload>> BeginUpload(const v1::UploadHeader& header,
                                                      const Principal& owner);

  // Each acts for `who`: another user's dataset answers as an unknown id.
  // A record that no longer parses has no known owner: only an admin sees
  // it (DATA_LOSS) and may delete it.
  absl::StatusOr<v1::Dataset> Get(const std::string& id, const Principal& who);
  absl::StatusOr<std::vector<v1::Dataset>> List(const Principal& who);
  // `in_use`: a queued, running or paused job reads it (FAILED_PRECONDITION).
  absl::Status Delete(const std::string& id, const Principal& who, bool in_use);
  // The stored files as a local source for a worker's spec.
  absl::StatusOr<v1::LocalDataset> LocalSource(const std::string& id, const Principal& who);
  // What the principal's datasets take on disk.
  absl::StatusOr<int64_t> StoredBytesOf(const std::string& owner);

  int64_t uploaded_bytes() const { return uploaded_bytes_.load(); }

 private:
  DatasetManager(std::string data_dir, DatasetStore* store, DatasetLimits limits)
      : data_dir_(std::move(data_dir)), store_(store), limits_(limits) {}
  std::string DatasetDir(const std::string& id) const;
  // RESOURCE_EXHAUSTED naming the quota if `more` bytes would pass it.
  absl::Status CheckQuota(const Principal& owner, int64_t more);

  const std::string data_dir_;
  DatasetStore* const store_;
  const DatasetLimits limits_;
  std::atomic<int64_t> uploaded_bytes_{0};
  // Held from the last quota check to the record of a finishing upload.
  absl::Mutex publish_mu_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_DATASETS_DATASET_MANAGER_H_
