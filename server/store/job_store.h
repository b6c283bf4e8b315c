// Durable job state: the Job records and every JobEvent, in SQLite (WAL,
// synchronous=FULL) at --data_dir/simclr.db. A call returns only after its
// transaction is on disk, so the server acknowledges nothing it could lose
// to a kill -9.
#ifndef SIMCLR_SERVER_STORE_JOB_STORE_H_
#define SIMCLR_SERVER_STORE_JOB_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "simclr/v1/job.pb.h"

struct sqlite3;

namespace simclr::server {

// A page of ListJobs, read from the store: filters in SQL (owner, states,
// kinds), the rest (labels) by `also`; newest first by rowid, resumable
// from a rowid (keyset paging: a page never skips or repeats a job as
// others are submitted or deleted).
struct JobQuery {
  std::string owner;  // empty: every owner
  std::vector<int> states, kinds;  // empty: all
  int64_t before_rowid = 0;  // 0: from the newest
  int limit = 50;
  size_t max_bytes = size_t{4} << 20;
  std::function<bool(const v1::Job&)> also;
};
struct JobPage {
  std::vector<v1::Job> jobs;
  int64_t next_before_rowid = 0;  // 0: this was the last page
};

// When a job ended, in µs since the epoch; 0 while it has not.
inline int64_t EndedAtMicros(const v1::Job& job) {
  return job.end_time().seconds() * 1000000 + job.end_time().nanos() / 1000;
}

class JobStore {
 public:
  // Opens or creates the database; FAILED_PRECONDITION naming the path when
  // it cannot.
  static absl::StatusOr<std::unique_ptr<JobStore>> Open(const std::string& path);
  ~JobStore();

  // Inserts or replaces the job (by id). `request_id`, when not empty, is
  // recorded for idempotent submits.
  absl::Status PutJob(const v1::Job& job, const std::string& request_id = "");
  // Appends an event; ALREADY_EXISTS if (job_id, seq) is taken.
  absl::Status AppendEvent(const v1::JobEvent& event);
  // Writes the event and the job in one transaction: a state change and
  // the job's new state are never seen apart. `request_id` as in PutJob.
  absl::Status AppendEventAndPutJob(const v1::JobEvent& event,
                                    const v1::Job& job,
                                    const std::string& request_id = "");

  // Removes the job's record, request id and events in one transaction.
  absl::Status DeleteJob(const std::string& job_id);
  // The id of every row, whether its record parses or not.
  absl::StatusOr<std::set<std::string>> JobIds();
  // The jobs that have not ended (queued, running, paused), oldest first:
  // what a restart reads, however many jobs ended before.
  absl::StatusOr<std::vector<v1::Job>> LoadActiveJobs();
  // One job; nullopt when there is none (or its row does not parse).
  absl::StatusOr<std::optional<v1::Job>> GetJob(const std::string& job_id);
  absl::StatusOr<JobPage> ListJobs(const JobQuery& query);
  // Up to `limit` ended jobs (succeeded, failed, cancelled), the longest
  // ended first: what retention looks at.
  absl::StatusOr<std::vector<v1::Job>> OldestEndedJobs(int limit);
  // JobState → jobs, over every row.
  absl::StatusOr<std::map<int, int64_t>> CountByState();
  // Up to `limit` events of a job with seq > after_seq, in order. Rows that
  // do not parse are skipped (records.h); `through`, when given, is set to
  // the highest seq read, skipped rows included, so a reader moves past them.
  absl::StatusOr<std::vector<v1::JobEvent>> EventsAfter(
      const std::string& job_id, uint64_t after_seq, int limit,
      uint64_t* through = nullptr);
  // The job a previous submit with this request id created.
  absl::StatusOr<std::optional<std::string>> JobForRequest(
      const std::string& request_id);

 private:
  explicit JobStore(sqlite3* db) : db_(db) {}
  absl::Status Exec(const char* sql) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Adds the owner, state and kind columns to a database from before them.
  absl::Status MigrateLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status PutJobLocked(const v1::Job& job, const std::string& request_id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status AppendEventLocked(const v1::JobEvent& event)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
};

}  // namespace simclr::server

#endif  // SIMCLR_SERVER_STORE_JOB_STORE_H_
