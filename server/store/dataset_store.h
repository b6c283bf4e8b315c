// The datasets' records in simclr.db (same WAL database as the jobs). A
// dataset's files are made visible by renaming its folder into place
// first; the record is written after, so a crash in between leaves a
// folder without a record, which Open's caller removes.
#ifndef SIMCLR_SERVER_STORE_DATASET_STORE_H_
#define SIMCLR_SERVER_STORE_DATASET_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "simclr/v1/dataset.pb.h"

struct sqlite3;

namespace simclr::server {

class DatasetStore {
 public:
  static absl::StatusOr<std::unique_ptr<DatasetStore>> Open(const std::string& path);
  ~DatasetStore();

  absl::Status Put(const v1::Dataset& dataset);
  absl::StatusOr<std::optional<v1::Dataset>> Get(const std::string& id);
  // Newest first.
  absl::StatusOr<std::vector<v1::Dataset>> List();
  absl::Status Delete(const std::string& id);

 private:
  explicit DatasetStore(sqlite3* db) : db_(db) {}
  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_DATASET_STORE_H_
