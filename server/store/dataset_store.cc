#include "server/store/dataset_store.h"

#include "core/common/status_macros.h"

namespace simclr::server {

absl::StatusOr<std::unique_ptr<DatasetStore>> DatasetStore::Open(const std::string& path) {
  SIMCLR_ASSIGN_OR_RETURN(auto table, RecordTable::Open(path, StoreTable::kDatasets, "dataset"));
  return std::unique_ptr<DatasetStore>(new DatasetStore(std::move(table)));
}

absl::StatusOr<std::optional<v1::Dataset>> DatasetStore::Get(const std::string& id) {
  v1::Dataset dataset;
  SIMCLR_ASSIGN_OR_RETURN(const bool found, table_->Get(id, &dataset));
  if (!found) return std::nullopt;
  return dataset;
}

}  // namespace simclr::server
