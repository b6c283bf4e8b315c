#include "server/store/job_store.h"

#include <sqlite3.h>

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

v1::JobEvent Event(const std::string& job_id, uint64_t seq, const std::string& log) {
  v1::JobEvent event;
  event.set_job_id(job_id);
  event.set_seq(seq);
  event.mutable_log()->set_message(log);
  return event;
}

TEST(JobStoreTest, JobsAndEventsSurviveReopening) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/simclr.db";
  {
    auto store = JobStore::Open(path);
    ASSERT_THAT(store, IsOk());
    v1::Job job;
    job.set_id("job-a");
    job.set_state(v1::JOB_STATE_QUEUED);
    ASSERT_THAT((*store)->PutJob(job, "request-1"), IsOk());
    job.set_id("job-b");
    ASSERT_THAT((*store)->PutJob(job), IsOk());
    for (uint64_t seq = 1; seq <= 5; ++seq) {
      ASSERT_THAT((*store)->AppendEvent(Event("job-a", seq, std::to_string(seq))),
                  IsOk());
    }
    job.set_id("job-a");
    job.set_state(v1::JOB_STATE_RUNNING);
    job.set_last_event_seq(6);
    ASSERT_THAT((*store)->AppendEventAndPutJob(Event("job-a", 6, "6"), job), IsOk());
  }
  auto store = JobStore::Open(path);
  ASSERT_THAT(store, IsOk());
  auto jobs = (*store)->LoadActiveJobs();
  ASSERT_THAT(jobs, IsOk());
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].id(), "job-a");  // oldest first, updated in place
  EXPECT_EQ((*jobs)[0].state(), v1::JOB_STATE_RUNNING);
  EXPECT_EQ((*jobs)[1].id(), "job-b");
  auto after = (*store)->EventsAfter("job-a", 3, 2);
  ASSERT_THAT(after, IsOk());
  ASSERT_EQ(after->size(), 2u);
  EXPECT_EQ((*after)[0].seq(), 4u);
  EXPECT_EQ((*after)[1].log().message(), "5");
  EXPECT_EQ((*store)->EventsAfter("job-b", 0, 10)->size(), 0u);
  EXPECT_EQ(*(*store)->JobForRequest("request-1"), "job-a");
  EXPECT_FALSE((*store)->JobForRequest("request-2")->has_value());
}

TEST(JobStoreTest, ADuplicateSeqIsRefusedAndRollsBackTheJobUpdate) {
  testing::TempDir dir;
  auto store = JobStore::Open(dir.path() + "/simclr.db");
  ASSERT_THAT(store, IsOk());
  v1::Job job;
  job.set_id("job-a");
  job.set_state(v1::JOB_STATE_QUEUED);
  ASSERT_THAT((*store)->PutJob(job), IsOk());
  ASSERT_THAT((*store)->AppendEvent(Event("job-a", 1, "first")), IsOk());
  job.set_state(v1::JOB_STATE_FAILED);
  EXPECT_THAT((*store)->AppendEventAndPutJob(Event("job-a", 1, "again"), job),
              StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_EQ((*(*store)->GetJob("job-a"))->state(), v1::JOB_STATE_QUEUED);
  EXPECT_EQ((*store)->EventsAfter("job-a", 0, 10)->front().log().message(), "first");
}

TEST(JobStoreTest, AnUnusablePathFailsNamingIt) {
  EXPECT_THAT(JobStore::Open("/proc/no/such/dir/simclr.db"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("/proc/no/such/dir/simclr.db")));
}

v1::Job MakeJob(const std::string& id, const std::string& owner, v1::JobState state,
                v1::JobKind kind, const std::string& team) {
  v1::Job job;
  job.set_id(id);
  job.set_owner(owner);
  job.set_state(state);
  job.set_kind(kind);
  (*job.mutable_spec()->mutable_labels())["team"] = team;
  return job;
}

std::vector<std::string> Ids(const JobPage& page) {
  std::vector<std::string> ids;
  for (const auto& job : page.jobs) ids.push_back(job.id());
  return ids;
}

TEST(JobStoreTest, ListJobsFiltersInTheStoreAndPagesWithoutSkipsOrRepeats) {
  testing::TempDir dir;
  auto store = JobStore::Open(dir.path() + "/simclr.db");
  ASSERT_THAT(store, IsOk());
  for (int i = 0; i < 30; ++i) {
    ASSERT_THAT((*store)->PutJob(MakeJob(absl::StrCat("job-", i), i % 3 == 0 ? "bob" : "alice",
                                         i % 2 ? v1::JOB_STATE_SUCCEEDED : v1::JOB_STATE_QUEUED,
                                         i % 5 ? v1::JOB_KIND_PRETRAIN : v1::JOB_KIND_TSNE,
                                         i % 4 ? "a" : "b")),
                IsOk());
  }
  JobQuery query;
  query.limit = 4;
  query.owner = "alice";
  query.states = {v1::JOB_STATE_SUCCEEDED};
  std::vector<std::string> seen;
  bool inserted = false;
  while (true) {
    auto page = (*store)->ListJobs(query);
    ASSERT_THAT(page, IsOk());
    for (const auto& job : page->jobs) {
      EXPECT_EQ(job.owner(), "alice");
      EXPECT_EQ(job.state(), v1::JOB_STATE_SUCCEEDED);
      seen.push_back(job.id());
    }
    // A job submitted between pages is newer: it never shifts the pages.
    if (!inserted) {
      ASSERT_THAT((*store)->PutJob(MakeJob("job-new", "alice", v1::JOB_STATE_SUCCEEDED,
                                           v1::JOB_KIND_PRETRAIN, "a")),
                  IsOk());
      inserted = true;
    }
    if (page->next_before_rowid == 0) break;
    query.before_rowid = page->next_before_rowid;
  }
  // alice's (i % 3 != 0) succeeded (odd i) jobs, newest first: 29, 25, 23, …
  std::vector<std::string> expected;
  for (int i = 29; i >= 0; --i) {
    if (i % 3 != 0 && i % 2 == 1) expected.push_back(absl::StrCat("job-", i));
  }
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), seen.size());

  JobQuery labelled;
  labelled.kinds = {v1::JOB_KIND_TSNE};
  labelled.also = [](const v1::Job& job) { return job.spec().labels().at("team") == "b"; };
  auto page = (*store)->ListJobs(labelled);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"job-20", "job-0"}));
  EXPECT_EQ(page->next_before_rowid, 0);
  auto counts = (*store)->CountByState();
  ASSERT_THAT(counts, IsOk());
  EXPECT_EQ((*counts)[v1::JOB_STATE_SUCCEEDED], 16);
  EXPECT_EQ((*counts)[v1::JOB_STATE_QUEUED], 15);
  auto active = (*store)->LoadActiveJobs();
  ASSERT_THAT(active, IsOk());
  EXPECT_EQ(active->size(), 15u);
  auto one = (*store)->GetJob("job-7");
  ASSERT_THAT(one, IsOk());
  ASSERT_TRUE(one->has_value());
  EXPECT_EQ((*one)->owner(), "alice");
  EXPECT_FALSE((*store)->GetJob("job-none")->has_value());
}

TEST(JobStoreTest, ADatabaseFromBeforeTheColumnsIsMigratedOnOpen) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/simclr.db";
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE jobs (rowid INTEGER PRIMARY KEY AUTOINCREMENT, "
                           "id TEXT NOT NULL UNIQUE, request_id TEXT UNIQUE, job BLOB NOT NULL);",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    for (const auto& job : {MakeJob("job-old", "", v1::JOB_STATE_SUCCEEDED,
                                    v1::JOB_KIND_PRETRAIN, "a"),
                            MakeJob("job-live", "", v1::JOB_STATE_PAUSED,
                                    v1::JOB_KIND_FINETUNE, "a")}) {
      sqlite3_stmt* insert = nullptr;
      sqlite3_prepare_v2(db, "INSERT INTO jobs (id, job) VALUES (?1, ?2)", -1, &insert, nullptr);
      const std::string bytes = job.SerializeAsString();
      sqlite3_bind_text(insert, 1, job.id().c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob(insert, 2, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
      ASSERT_EQ(sqlite3_step(insert), SQLITE_DONE);
      sqlite3_finalize(insert);
    }
    sqlite3_close(db);
  }
  auto store = JobStore::Open(path);
  ASSERT_THAT(store, IsOk());
  JobQuery local;
  local.owner = "local";  // records from before owners are "local"'s
  local.kinds = {v1::JOB_KIND_PRETRAIN};
  auto page = (*store)->ListJobs(local);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(Ids(*page), (std::vector<std::string>{"job-old"}));
  auto active = (*store)->LoadActiveJobs();
  ASSERT_THAT(active, IsOk());
  ASSERT_EQ(active->size(), 1u);
  EXPECT_EQ((*active)[0].id(), "job-live");
}

}  // namespace
}  // namespace simclr::server
