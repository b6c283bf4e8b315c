#include "server/store/record_table.h"

#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "server/store/sqlite.h"

namespace simclr::server {

absl::StatusOr<std::unique_ptr<RecordTable>> RecordTable::Open(const std::string& path,
                                                               StoreTable table,
                                                               const std::string& column) {
  SIMCLR_ASSIGN_OR_RETURN(auto db, OpenDatabase(path));
  std::unique_ptr<RecordTable> store(new RecordTable(db, table, column));
  absl::MutexLock lock(&store->mu_);
  const std::string schema = absl::StrCat(
      "CREATE TABLE IF NOT EXISTS ", TableName(table),
      " (rowid INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, ", column,
      " BLOB NOT NULL);");
  if (auto status = ExecSql(store->db_, schema.c_str()); !status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, ": ", status.message()));
  }
  return store;
}

RecordTable::~RecordTable() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status RecordTable::Put(const std::string& id, const google::protobuf::Message& record) {
  absl::MutexLock lock(&mu_);
  const std::string sql = absl::StrCat("INSERT INTO ", TableName(table_), " (id, ", column_,
                                       ") VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET ",
                                       column_, " = excluded.", column_);
  Statement insert(db_, sql.c_str());
  insert.Text(1, id);
  insert.Blob(2, EncodeRecord(record));
  insert.Step();
  return insert.status(absl::StrCat("save ", column_, " ", id));
}

absl::StatusOr<bool> RecordTable::Get(const std::string& id, google::protobuf::Message* record) {
  absl::MutexLock lock(&mu_);
  const std::string sql =
      absl::StrCat("SELECT ", column_, " FROM ", TableName(table_), " WHERE id = ?1");
  Statement select(db_, sql.c_str());
  select.Text(1, id);
  if (select.Step() == SQLITE_ROW) {
    if (!DecodeRecord(select.ColumnBytes(0), table_, id, record)) {
      return absl::DataLossError(absl::StrCat(column_, " record ", id,
                                              " does not parse; deleting it removes it"));
    }
    return true;
  }
  SIMCLR_RETURN_IF_ERROR(select.status(absl::StrCat("read ", column_)));
  return false;
}

absl::Status RecordTable::ForEach(google::protobuf::Message* record,
                                  const std::function<void()>& row) {
  absl::MutexLock lock(&mu_);
  const std::string sql = absl::StrCat("SELECT ", column_, ", id FROM ", TableName(table_),
                                       " ORDER BY rowid DESC");
  Statement select(db_, sql.c_str());
  while (select.Step() == SQLITE_ROW) {
    if (DecodeRecord(select.ColumnBytes(0), table_, select.ColumnBytes(1), record)) row();
  }
  return select.status(absl::StrCat("list ", TableName(table_)));
}

absl::Status RecordTable::Delete(const std::string& id) {
  absl::MutexLock lock(&mu_);
  const std::string sql = absl::StrCat("DELETE FROM ", TableName(table_), " WHERE id = ?1");
  Statement remove(db_, sql.c_str());
  remove.Text(1, id);
  remove.Step();
  return remove.status(absl::StrCat("delete ", column_, " ", id));
}

}  // namespace simclr::server
