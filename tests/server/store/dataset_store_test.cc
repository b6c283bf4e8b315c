#include "server/store/dataset_store.h"

#include <sqlite3.h>

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/job_store.h"
#include "server/store/records.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"

namespace simclr::server {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;

v1::Dataset Dataset(const std::string& id) {
  v1::Dataset dataset;
  dataset.set_id(id);
  dataset.set_num_examples(10);
  return dataset;
}

// What another version or a damaged disk could leave: a row whose bytes
// are no Dataset.
void Spoil(const std::string& db_path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(DatasetStoreTest, AnUnreadableRowIsSkippedByListAndCanBeDeleted) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/simclr.db";
  auto store = DatasetStore::Open(path);
  ASSERT_THAT(store, IsOk());
  ASSERT_THAT((*store)->Put(Dataset("ds-good")), IsOk());
  ASSERT_THAT((*store)->Put(Dataset("ds-bad")), IsOk());
  Spoil(path, "UPDATE datasets SET dataset = X'0a02fffe' WHERE id = 'ds-bad'");
  const int64_t skipped = UnreadableRecords(StoreTable::kDatasets);

  auto all = (*store)->List();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().id(), "ds-good");
  EXPECT_EQ(UnreadableRecords(StoreTable::kDatasets), skipped + 1);
  EXPECT_THAT((*store)->Get("ds-bad"), StatusIs(absl::StatusCode::kDataLoss));
  ASSERT_THAT((*store)->Delete("ds-bad"), IsOk());
  EXPECT_FALSE((*store)->Get("ds-bad")->has_value());
}

TEST(DatasetStoreTest, StringsThatAreNotUtf8AreEscapedSoTheRecordReadsBack) {
  testing::TempDir dir;
  auto store = DatasetStore::Open(dir.path() + "/simclr.db");
  ASSERT_THAT(store, IsOk());
  v1::Dataset dataset = Dataset("ds-1");
  dataset.add_class_counts()->set_name("caf\xE9");  // Latin-1, not UTF-8
  ASSERT_THAT((*store)->Put(dataset), IsOk());
  auto all = (*store)->List();
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ(all->front().class_counts(0).name(), "caf\\xE9");
}

TEST(JobStoreTest, UnreadableJobsAndEventsAreSkippedAndReadersMovePast) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/simclr.db";
  {
    auto store = JobStore::Open(path);
    ASSERT_THAT(store, IsOk());
    v1::Job job;
    for (const char* id : {"job-a", "job-b"}) {
      job.set_id(id);
      ASSERT_THAT((*store)->PutJob(job), IsOk());
    }
    for (uint64_t seq = 1; seq <= 3; ++seq) {
      v1::JobEvent event;
      event.set_job_id("job-a");
      event.set_seq(seq);
      ASSERT_THAT((*store)->AppendEvent(event), IsOk());
    }
  }
  Spoil(path, "UPDATE jobs SET job = X'0a02fffe' WHERE id = 'job-b';"
              "UPDATE job_events SET event = X'ff' WHERE seq = 3;");
  auto store = JobStore::Open(path);
  ASSERT_THAT(store, IsOk());
  auto page = (*store)->ListJobs(JobQuery());
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->jobs.size(), 1u);  // job-b's row does not parse: skipped
  EXPECT_EQ(page->jobs.front().id(), "job-a");
  uint64_t through = 0;
  auto events = (*store)->EventsAfter("job-a", 1, 10, &through);
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);  // seq 2; seq 3 is skipped
  EXPECT_EQ(through, 3u);
  EXPECT_TRUE((*store)->EventsAfter("job-a", UINT64_MAX, 10)->empty());
}

}  // namespace
}  // namespace simclr::server
