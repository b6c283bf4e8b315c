// The SQLite pieces the stores share: opening simclr.db in WAL mode with
// synchronous=FULL (a committed change survives kill -9 and power loss),
// running plain SQL, and a prepared statement that finalizes itself.
#ifndef SIMCLR_SERVER_STORE_SQLITE_H_
#define SIMCLR_SERVER_STORE_SQLITE_H_

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace simclr::server {

// FAILED_PRECONDITION naming the path when it cannot be opened.
absl::StatusOr<sqlite3*> OpenDatabase(const std::string& path);
absl::Status ExecSql(sqlite3* db, const char* sql);

class Statement {
 public:
  Statement(sqlite3* db, const char* sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // OK after SQLITE_ROW / SQLITE_DONE; ALREADY_EXISTS on a constraint
  // violation; INTERNAL otherwise, with `what` and SQLite's message.
  absl::Status status(absl::string_view what) const;
  void Text(int index, const std::string& value);
  void Blob(int index, const std::string& value);
  void Int(int index, int64_t value);
  // SQLITE_ROW, SQLITE_DONE or an error code (kept for status()).
  int Step();
  std::string ColumnBytes(int column) const;
  int64_t ColumnInt(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int code_;
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_SQLITE_H_
