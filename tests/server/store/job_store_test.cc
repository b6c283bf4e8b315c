#include "server/store/job_store.h"

#include <string>

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
  auto jobs = (*store)->LoadJobs();
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
  EXPECT_EQ((*store)->LoadJobs()->front().state(), v1::JOB_STATE_QUEUED);
  EXPECT_EQ((*store)->EventsAfter("job-a", 0, 10)->front().log().message(), "first");
}

TEST(JobStoreTest, AnUnusablePathFailsNamingIt) {
  EXPECT_THAT(JobStore::Open("/proc/no/such/dir/simclr.db"),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("/proc/no/such/dir/simclr.db")));
}

}  // namespace
}  // namespace simclr::server
