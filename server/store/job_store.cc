#include "server/store/job_store.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "server/store/records.h"
#include "server/store/sqlite.h"

namespace simclr::server {
namespace {

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS jobs (
  rowid INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  request_id TEXT UNIQUE,
  job BLOB NOT NULL,
  owner TEXT,
  state INTEGER,
  kind INTEGER,
  ended_at INTEGER);
CREATE TABLE IF NOT EXISTS job_events (
  job_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  event BLOB NOT NULL,
  PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
)sql";

}  // namespace

absl::StatusOr<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  SIMCLR_ASSIGN_OR_RETURN(auto db, OpenDatabase(path));
  std::unique_ptr<JobStore> store(new JobStore(db));
  absl::MutexLock lock(&store->mu_);
  absl::Status status = ExecSql(store->db_, kSchema);
  if (status.ok()) status = store->MigrateLocked();
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("database ", path, ": ", status.message()));
  }
  return store;
}

JobStore::~JobStore() {
  absl::MutexLock lock(&mu_);
  sqlite3_close(db_);
}

absl::Status JobStore::Exec(const char* sql) { return ExecSql(db_, sql); }

absl::Status JobStore::PutJobLocked(const v1::Job& job,
                                    const std::string& request_id) {
  Statement insert(db_,
                   "INSERT INTO jobs (id, request_id, job, owner, state, kind, ended_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(id) DO UPDATE SET "
                   "job = excluded.job, state = excluded.state, ended_at = excluded.ended_at");
  insert.Text(1, job.id());
  if (!request_id.empty()) insert.Text(2, request_id);
  insert.Blob(3, EncodeRecord(job));
  insert.Text(4, job.owner().empty() ? "local" : job.owner());
  insert.Int(5, job.state());
  insert.Int(6, job.kind());
  insert.Int(7, EndedAtMicros(job));
  insert.Step();
  return insert.status(absl::StrCat("save job ", job.id()));
}

absl::Status JobStore::AppendEventLocked(const v1::JobEvent& event) {
  Statement insert(db_,
                   "INSERT INTO job_events (job_id, seq, event) VALUES (?1, ?2, ?3)");
  insert.Text(1, event.job_id());
  insert.Int(2, static_cast<int64_t>(event.seq()));
  insert.Blob(3, EncodeRecord(event));
  insert.Step();
  return insert.status(
      absl::StrCat("append event ", event.seq(), " of ", event.job_id()));
}

absl::Status JobStore::PutJob(const v1::Job& job, const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  return PutJobLocked(job, request_id);
}

absl::Status JobStore::AppendEvent(const v1::JobEvent& event) {
  absl::MutexLock lock(&mu_);
  return AppendEventLocked(event);
}

absl::Status JobStore::AppendEventAndPutJob(const v1::JobEvent& event,
                                            const v1::Job& job,
                                            const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  SIMCLR_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
  absl::Status status = AppendEventLocked(event);
  if (status.ok()) status = PutJobLocked(job, request_id);
  if (!status.ok()) {
    Exec("ROLLBACK;").IgnoreError();
    return status;
  }
  return Exec("COMMIT;");
}

absl::Status JobStore::DeleteJob(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  SIMCLR_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
  absl::Status status;
  for (const char* sql : {"DELETE FROM job_events WHERE job_id = ?1",
                          "DELETE FROM jobs WHERE id = ?1"}) {
    Statement remove(db_, sql);
    remove.Text(1, job_id);
    remove.Step();
    status.Update(remove.status(absl::StrCat("delete job ", job_id)));
  }
  if (!status.ok()) {
    Exec("ROLLBACK;").IgnoreError();
    return status;
  }
  return Exec("COMMIT;");
}

absl::StatusOr<std::set<std::string>> JobStore::JobIds() {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT id FROM jobs");
  std::set<std::string> ids;
  while (select.Step() == SQLITE_ROW) ids.insert(select.ColumnBytes(0));
  SIMCLR_RETURN_IF_ERROR(select.status("list job ids"));
  return ids;
}

absl::StatusOr<std::vector<v1::JobEvent>> JobStore::EventsAfter(
    const std::string& job_id, uint64_t after_seq, int limit, uint64_t* through) {
  absl::MutexLock lock(&mu_);
  Statement select(db_,
                   "SELECT event, seq FROM job_events WHERE job_id = ?1 AND seq > ?2 "
                   "ORDER BY seq LIMIT ?3");
  select.Text(1, job_id);
  // Seqs are stored as SQLite's signed 64-bit integers.
  select.Int(2, static_cast<int64_t>(std::min<uint64_t>(after_seq, INT64_MAX)));
  select.Int(3, limit);
  std::vector<v1::JobEvent> events;
  if (through != nullptr) *through = after_seq;
  while (select.Step() == SQLITE_ROW) {
    if (through != nullptr) *through = static_cast<uint64_t>(select.ColumnInt(1));
    v1::JobEvent event;
    if (DecodeRecord(select.ColumnBytes(0), StoreTable::kJobEvents,
                     absl::StrCat(job_id, "/", select.ColumnBytes(1)), &event)) {
      events.push_back(std::move(event));
    }
  }
  SIMCLR_RETURN_IF_ERROR(select.status("read events"));
  return events;
}

absl::StatusOr<std::optional<std::string>> JobStore::JobForRequest(
    const std::string& request_id) {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT id FROM jobs WHERE request_id = ?1");
  select.Text(1, request_id);
  if (select.Step() == SQLITE_ROW) return select.ColumnBytes(0);
  SIMCLR_RETURN_IF_ERROR(select.status("find request"));
  return std::nullopt;
}

}  // namespace simclr::server
