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
#include "server/store/record_table.h"
#include "simclr/v1/dataset.pb.h"

namespace simclr::server {

class DatasetStore {
 public:
  static absl::StatusOr<std::unique_ptr<DatasetStore>> Open(const std::string& path);

  absl::Status Put(const v1::Dataset& dataset) { return table_->Put(dataset.id(), dataset); }
  // DATA_LOSS when the record no longer parses.
  absl::StatusOr<std::optional<v1::Dataset>> Get(const std::string& id);
  // Newest first.
  absl::StatusOr<std::vector<v1::Dataset>> List() { return table_->List<v1::Dataset>(); }
  absl::Status Delete(const std::string& id) { return table_->Delete(id); }

 private:
  explicit DatasetStore(std::unique_ptr<RecordTable> table) : table_(std::move(table)) {}
  std::unique_ptr<RecordTable> table_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_DATASET_STORE_H_
