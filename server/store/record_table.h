// One SQLite table of protobuf records by id, newest last in rowid order:
// what datasets and models are stored as. Rows go through records.h, so a
// row that does not parse is skipped by List and answered DATA_LOSS by Get.
#ifndef SIMCLR_SERVER_STORE_RECORD_TABLE_H_
#define SIMCLR_SERVER_STORE_RECORD_TABLE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/message.h"
#include "server/store/records.h"

struct sqlite3;

namespace simclr::server {

class RecordTable {
 public:
  // Opens the database at `path` and creates TableName(table) (rowid, id,
  // `column` BLOB) if it is missing.
  static absl::StatusOr<std::unique_ptr<RecordTable>> Open(const std::string& path,
                                                           StoreTable table,
                                                           const std::string& column);
  ~RecordTable();

  absl::Status Put(const std::string& id, const google::protobuf::Message& record);
  // False when there is no such row; DATA_LOSS when it does not parse.
  absl::StatusOr<bool> Get(const std::string& id, google::protobuf::Message* record);
  // Every readable record, newest first.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> List() {
    std::vector<Record> records;
    Record record;
    auto status = ForEach(&record, [&] { records.push_back(record); });
    if (!status.ok()) return status;
    return records;
  }
  absl::Status Delete(const std::string& id);

 private:
  RecordTable(sqlite3* db, StoreTable table, std::string column)
      : db_(db), table_(table), column_(std::move(column)) {}
  // Decodes each readable row, newest first, into `record` and calls `row`.
  absl::Status ForEach(google::protobuf::Message* record, const std::function<void()>& row);

  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  const StoreTable table_;
  const std::string column_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_RECORD_TABLE_H_
