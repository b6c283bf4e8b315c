#include "core/common/layout.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core::layout {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

TEST(LayoutTest, IdsAreMadeAndRecognisedHere) {
  const std::string job = NewJobId();
  EXPECT_TRUE(IsJobId(job)) << job;
  EXPECT_FALSE(IsDatasetId(job));
  const std::string dataset = NewDatasetId();
  EXPECT_TRUE(IsDatasetId(dataset)) << dataset;
  EXPECT_NE(NewJobId(), job);
  EXPECT_TRUE(IsJobId("job-fff"));  // well formed, never made: not found
  EXPECT_FALSE(IsDatasetId("ds-fff"));
  for (const char* bad : {"job-", "job-0123456789AB", "job-0123456789abc",
                          "job-../../etc", "ds-0123456789a", ""}) {
    EXPECT_FALSE(IsJobId(bad)) << bad;
    EXPECT_FALSE(IsDatasetId(bad)) << bad;
  }
}

TEST(LayoutTest, CheckpointIdsRoundTripAndRefuseAnythingElse) {
  const std::string job = "job-0123456789ab";
  const std::string id = CheckpointId(job, 120);
  EXPECT_EQ(id, "ckpt-0123456789ab-120");
  auto parsed = ParseCheckpointId(id);
  ASSERT_THAT(parsed, IsOk());
  EXPECT_EQ(parsed->first, job);
  EXPECT_EQ(parsed->second, 120);
  EXPECT_THAT(ParseCheckpointId("ckpt-abc-7"), IsOk());
  for (const char* bad : {"ckpt-zz-1", "ckpt-0123456789ab", "ckpt-0123456789ab--1",
                          "ckpt-0123456789ab-x", "ckpt-../..-1", "job-0123456789ab"}) {
    EXPECT_THAT(ParseCheckpointId(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("checkpoint_id")))
        << bad;
  }
}

TEST(LayoutTest, FoldersNestAsTheHeaderDrawsThem) {
  const std::string job = JobFolder("/data", "job-0123456789ab");
  EXPECT_EQ(job, "/data/jobs/job-0123456789ab");
  EXPECT_EQ(SpecPath(job), job + "/spec.json");
  const std::string run = RunFolder(job);
  EXPECT_EQ(run, job + "/run");
  EXPECT_EQ(CheckpointFolder(run, 8), run + "/checkpoints/8");
  EXPECT_EQ(CheckpointLink(run, kBestLink), run + "/checkpoints/best");
  EXPECT_EQ(DatasetFolder("/data", "ds-0123456789ab"), "/data/datasets/ds-0123456789ab");
  EXPECT_EQ(IncomingDatasetFolder("/data", "ds-1"), "/data/datasets/.incoming/ds-1");
}

}  // namespace
}  // namespace simclr::core::layout
