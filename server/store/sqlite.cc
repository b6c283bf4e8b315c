#include "server/store/sqlite.h"

#include "absl/strings/str_cat.h"

namespace simclr::server {
namespace {

// SQLite's result codes as status codes: a full disk is the client-visible
// RESOURCE_EXHAUSTED, a damaged file DATA_LOSS.
absl::Status SqliteError(int code, const std::string& message) {
  switch (code & 0xFF) {
    case SQLITE_FULL:
      return absl::ResourceExhaustedError(absl::StrCat(message, " (the server's disk is full)"));
    case SQLITE_CONSTRAINT:
      return absl::AlreadyExistsError(message);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return absl::DataLossError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

absl::StatusOr<sqlite3*> OpenDatabase(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string message = db == nullptr ? "out of memory" : sqlite3_errmsg(db);
    sqlite3_close(db);
    return absl::FailedPreconditionError(absl::StrCat("database ", path, ": ", message));
  }
  sqlite3_busy_timeout(db, 5000);
  for (const char* sql : {"PRAGMA journal_mode=WAL;", "PRAGMA synchronous=FULL;"}) {
    if (auto status = ExecSql(db, sql); !status.ok()) {
      sqlite3_close(db);
      return absl::FailedPreconditionError(
          absl::StrCat("database ", path, ": ", status.message()));
    }
  }
  return db;
}

absl::Status ExecSql(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (const int code = sqlite3_exec(db, sql, nullptr, nullptr, &error); code != SQLITE_OK) {
    const std::string message = error != nullptr ? error : "unknown error";
    sqlite3_free(error);
    return SqliteError(code, absl::StrCat("store: ", message));
  }
  return absl::OkStatus();
}

Statement::Statement(sqlite3* db, const char* sql) : db_(db) {
  code_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

absl::Status Statement::status(absl::string_view what) const {
  if (code_ == SQLITE_OK || code_ == SQLITE_DONE || code_ == SQLITE_ROW) {
    return absl::OkStatus();
  }
  return SqliteError(code_, absl::StrCat("store: ", what, ": ", sqlite3_errmsg(db_)));
}

void Statement::Text(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}

void Statement::Blob(int index, const std::string& value) {
  sqlite3_bind_blob(stmt_, index, value.data(), static_cast<int>(value.size()),
                    SQLITE_TRANSIENT);
}

void Statement::Int(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

int Statement::Step() {
  code_ = sqlite3_step(stmt_);
  return code_;
}

std::string Statement::ColumnBytes(int column) const {
  const void* data = sqlite3_column_blob(stmt_, column);
  const int size = sqlite3_column_bytes(stmt_, column);
  return data == nullptr ? std::string()
                         : std::string(static_cast<const char*>(data),
                                       static_cast<size_t>(size));
}

int64_t Statement::ColumnInt(int column) const {
  return sqlite3_column_int64(stmt_, column);
}

}  // namespace simclr::server
