#include "server/store/dataset_store.h"

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "server/store/records.h"
#include "server/store/sqlite.h"

namespace simclr::server {

absl::StatusOr<std::unique_ptr<DatasetStore>> DatasetStore::Open(const std::string& path) {
  SIMCLR_ASSIGN_OR_RETURN(auto db, OpenDatabase(path));
  std::unique_ptr<DatasetStore> store(new DatasetStore(db));
  absl::MutexLock lock(&store->mu_);
  if (auto status = ExecSql(store->db_, R"sql(
      CREATE TABLE IF NOT EXISTS datasets (
        rowid INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        dataset BLOB NOT NULL);)sql");
      !status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, ": ", status.message()));
  }
  return store;
}

DatasetStore::~DatasetStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status DatasetStore::Put(const v1::Dataset& dataset) {
  absl::MutexLock lock(&mu_);
  Statement insert(db_,
                   "INSERT INTO datasets (id, dataset) VALUES (?1, ?2) "
                   "ON CONFLICT(id) DO UPDATE SET dataset = excluded.dataset");
  insert.Text(1, dataset.id());
  insert.Blob(2, EncodeRecord(dataset));
  insert.Step();
  return insert.status(absl::StrCat("save dataset ", dataset.id()));
}

absl::StatusOr<std::optional<v1::Dataset>> DatasetStore::Get(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT dataset FROM datasets WHERE id = ?1");
  select.Text(1, id);
  if (select.Step() == SQLITE_ROW) {
    v1::Dataset dataset;
    if (!DecodeRecord(select.ColumnBytes(0), StoreTable::kDatasets, id, &dataset)) {
      return absl::DataLossError(absl::StrCat(
          "dataset record ", id, " does not parse; DeleteDataset removes it"));
    }
    return dataset;
  }
  SIMCLR_RETURN_IF_ERROR(select.status("read dataset"));
  return std::nullopt;
}

absl::StatusOr<std::vector<v1::Dataset>> DatasetStore::List() {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT dataset, id FROM datasets ORDER BY rowid DESC");
  std::vector<v1::Dataset> datasets;
  while (select.Step() == SQLITE_ROW) {
    v1::Dataset dataset;
    if (DecodeRecord(select.ColumnBytes(0), StoreTable::kDatasets, select.ColumnBytes(1),
                     &dataset)) {
      datasets.push_back(std::move(dataset));
    }
  }
  SIMCLR_RETURN_IF_ERROR(select.status("list datasets"));
  return datasets;
}

absl::Status DatasetStore::Delete(const std::string& id) {
  absl::MutexLock lock(&mu_);
  Statement remove(db_, "DELETE FROM datasets WHERE id = ?1");
  remove.Text(1, id);
  remove.Step();
  return remove.status(absl::StrCat("delete dataset ", id));
}

}  // namespace simclr::server
