#include "core/common/proto_strings.h"

#include <string>

#include "core/common/utf8.h"
#include "gtest/gtest.h"
#include "simclr/v1/dataset.pb.h"
#include "simclr/v1/job.pb.h"

namespace simclr::core {
namespace {

TEST(SanitizeStrings, MakesARecordWithBadStringsParseAgain) {
  v1::Dataset dataset;
  dataset.set_id("ds-1");
  dataset.set_display_name("bad \xFF name");
  dataset.add_class_counts()->set_name("caf\xC3");
  (*dataset.mutable_labels())["team"] = "\xFE";
  v1::Dataset parsed;
  ASSERT_FALSE(parsed.ParseFromString(dataset.SerializeAsString()))
      << "protobuf now accepts bad UTF-8; this guard may be unnecessary";

  EXPECT_FALSE(StringsAreClean(dataset, 1024));
  EXPECT_EQ(SanitizeStrings(dataset, 1024), 3);
  EXPECT_TRUE(StringsAreClean(dataset, 1024));
  ASSERT_TRUE(parsed.ParseFromString(dataset.SerializeAsString()));
  EXPECT_EQ(parsed.id(), "ds-1");
  EXPECT_EQ(parsed.display_name(), "bad \\xFF name");
  EXPECT_EQ(parsed.class_counts(0).name(), "caf\\xC3");
  EXPECT_EQ(parsed.labels().at("team"), "\\xFE");
}

TEST(SanitizeStrings, BoundsLongStringsAndLeavesGoodOnesAlone) {
  v1::JobEvent event;
  event.set_job_id("job-1");
  event.mutable_log()->set_message(std::string(10000, 'x'));
  EXPECT_FALSE(StringsAreClean(event, 4096));
  EXPECT_TRUE(StringsAreClean(event, 10000));
  EXPECT_EQ(SanitizeStrings(event, 4096), 1);
  EXPECT_LE(event.log().message().size(), 4096u);
  EXPECT_TRUE(IsValidUtf8(event.log().message()));
  EXPECT_EQ(event.job_id(), "job-1");
  EXPECT_EQ(SanitizeStrings(event, 4096), 0);
}

}  // namespace
}  // namespace simclr::core
