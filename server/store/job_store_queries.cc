// JobStore's read side over the indexed columns: what a server with many
// ended jobs reads without loading them all (ListJobs pages, Get, counts,
// the jobs a restart resumes), and the migration that adds the columns.
#include <sqlite3.h>

#include <cstring>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "core/common/status_macros.h"
#include "server/store/job_store.h"
#include "server/store/records.h"
#include "server/store/sqlite.h"

namespace simclr::server {
namespace {

// "?3,?4,…" for `count` values bound from `first`.
std::string Placeholders(int first, size_t count) {
  std::vector<std::string> marks;
  for (size_t i = 0; i < count; ++i) marks.push_back(absl::StrCat("?", first + i));
  return absl::StrJoin(marks, ",");
}

}  // namespace

absl::Status JobStore::MigrateLocked() {
  std::set<std::string> columns;
  {
    Statement info(db_, "PRAGMA table_info(jobs)");
    while (info.Step() == SQLITE_ROW) columns.insert(info.ColumnBytes(1));
  }
  for (const char* column : {"owner TEXT", "state INTEGER", "kind INTEGER", "ended_at INTEGER"}) {
    const std::string name(column, std::strchr(column, ' ') - column);
    if (columns.count(name) > 0) continue;
    SIMCLR_RETURN_IF_ERROR(Exec(absl::StrCat("ALTER TABLE jobs ADD COLUMN ", column, ";").c_str()));
  }
  // Rows from before the columns: filled in once from their records.
  std::vector<v1::Job> unfilled;
  {
    Statement select(db_, "SELECT job, id FROM jobs WHERE state IS NULL OR ended_at IS NULL");
    while (select.Step() == SQLITE_ROW) {
      v1::Job job;
      if (DecodeRecord(select.ColumnBytes(0), StoreTable::kJobs, select.ColumnBytes(1), &job)) {
        unfilled.push_back(std::move(job));
      }
    }
  }
  SIMCLR_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE;"));
  for (const auto& job : unfilled) {
    Statement update(db_,
                     "UPDATE jobs SET owner = ?2, state = ?3, kind = ?4, ended_at = ?5 "
                     "WHERE id = ?1");
    update.Text(1, job.id());
    update.Text(2, job.owner().empty() ? "local" : job.owner());
    update.Int(3, job.state());
    update.Int(4, job.kind());
    update.Int(5, EndedAtMicros(job));
    update.Step();
    if (auto status = update.status("migrate job"); !status.ok()) {
      Exec("ROLLBACK;").IgnoreError();
      return status;
    }
  }
  SIMCLR_RETURN_IF_ERROR(Exec("COMMIT;"));
  return Exec(
      "CREATE INDEX IF NOT EXISTS jobs_by_owner ON jobs(owner);"
      "CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs(state, ended_at);");
}

absl::StatusOr<std::vector<v1::Job>> JobStore::LoadActiveJobs() {
  absl::MutexLock lock(&mu_);
  Statement select(db_,
                   "SELECT job, id FROM jobs WHERE state IN (?1, ?2, ?3) ORDER BY rowid");
  select.Int(1, v1::JOB_STATE_QUEUED);
  select.Int(2, v1::JOB_STATE_RUNNING);
  select.Int(3, v1::JOB_STATE_PAUSED);
  std::vector<v1::Job> jobs;
  while (select.Step() == SQLITE_ROW) {
    v1::Job job;
    if (DecodeRecord(select.ColumnBytes(0), StoreTable::kJobs, select.ColumnBytes(1), &job)) {
      jobs.push_back(std::move(job));
    }
  }
  SIMCLR_RETURN_IF_ERROR(select.status("load active jobs"));
  return jobs;
}

absl::StatusOr<std::optional<v1::Job>> JobStore::GetJob(const std::string& job_id) {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT job FROM jobs WHERE id = ?1");
  select.Text(1, job_id);
  if (select.Step() == SQLITE_ROW) {
    v1::Job job;
    if (DecodeRecord(select.ColumnBytes(0), StoreTable::kJobs, job_id, &job)) return job;
    return std::nullopt;
  }
  SIMCLR_RETURN_IF_ERROR(select.status("read job"));
  return std::nullopt;
}

absl::StatusOr<JobPage> JobStore::ListJobs(const JobQuery& query) {
  std::string sql = "SELECT rowid, job, id FROM jobs WHERE rowid < ?1";
  int next = 2;
  if (!query.owner.empty()) sql += absl::StrCat(" AND owner = ?", next++);
  if (!query.states.empty()) {
    sql += absl::StrCat(" AND state IN (", Placeholders(next, query.states.size()), ")");
    next += static_cast<int>(query.states.size());
  }
  if (!query.kinds.empty()) {
    sql += absl::StrCat(" AND kind IN (", Placeholders(next, query.kinds.size()), ")");
  }
  sql += " ORDER BY rowid DESC";
  absl::MutexLock lock(&mu_);
  Statement select(db_, sql.c_str());
  int bind = 1;
  select.Int(bind++, query.before_rowid > 0 ? query.before_rowid : INT64_MAX);
  if (!query.owner.empty()) select.Text(bind++, query.owner);
  for (int state : query.states) select.Int(bind++, state);
  for (int kind : query.kinds) select.Int(bind++, kind);
  JobPage page;
  size_t bytes = 0;
  int64_t last_rowid = 0;
  while (select.Step() == SQLITE_ROW) {
    v1::Job job;
    if (!DecodeRecord(select.ColumnBytes(1), StoreTable::kJobs, select.ColumnBytes(2), &job)) {
      continue;
    }
    if (query.also && !query.also(job)) continue;
    const size_t size = job.ByteSizeLong();
    const bool full = static_cast<int>(page.jobs.size()) >= query.limit ||
                      (!page.jobs.empty() && bytes + size > query.max_bytes);
    // One more match exists: the page ends before it.
    if (full) {
      page.next_before_rowid = last_rowid;
      break;
    }
    bytes += size;
    last_rowid = select.ColumnInt(0);
    page.jobs.push_back(std::move(job));
  }
  SIMCLR_RETURN_IF_ERROR(select.status("list jobs"));
  return page;
}

absl::StatusOr<std::vector<v1::Job>> JobStore::OldestEndedJobs(int limit) {
  absl::MutexLock lock(&mu_);
  Statement select(db_,
                   "SELECT job, id FROM jobs WHERE state IN (?1, ?2, ?3) "
                   "ORDER BY ended_at, rowid LIMIT ?4");
  select.Int(1, v1::JOB_STATE_SUCCEEDED);
  select.Int(2, v1::JOB_STATE_FAILED);
  select.Int(3, v1::JOB_STATE_CANCELLED);
  select.Int(4, limit);
  std::vector<v1::Job> jobs;
  while (select.Step() == SQLITE_ROW) {
    v1::Job job;
    if (DecodeRecord(select.ColumnBytes(0), StoreTable::kJobs, select.ColumnBytes(1), &job)) {
      jobs.push_back(std::move(job));
    }
  }
  SIMCLR_RETURN_IF_ERROR(select.status("list ended jobs"));
  return jobs;
}

absl::StatusOr<std::map<int, int64_t>> JobStore::CountByState() {
  absl::MutexLock lock(&mu_);
  Statement select(db_, "SELECT state, COUNT(*) FROM jobs GROUP BY state");
  std::map<int, int64_t> counts;
  while (select.Step() == SQLITE_ROW) counts[static_cast<int>(select.ColumnInt(0))] = select.ColumnInt(1);
  SIMCLR_RETURN_IF_ERROR(select.status("count jobs"));
  return counts;
}

}  // namespace simclr::server
