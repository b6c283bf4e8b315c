#include "core/common/job_spec_json.h"

#include <cstdlib>
#include <filesystem>
#include <string>

#include "gmock/gmock.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

TEST(JobSpecJsonTest, ParsesSnakeAndCamelCaseFieldNames) {
  auto spec = ParseJobSpecJson(R"({
      "display_name": "a",
      "pretrain": {"batchSize": 64, "temperature": 0.2,
                   "encoder": {"builtin": {"arch": "ARCHITECTURE_RESNET18"}}}
  })",
                               "inline");
  ASSERT_THAT(spec, IsOk());
  EXPECT_EQ(spec->display_name(), "a");
  EXPECT_EQ(spec->pretrain().batch_size(), 64);
  EXPECT_DOUBLE_EQ(spec->pretrain().temperature(), 0.2);
  EXPECT_EQ(spec->pretrain().encoder().builtin().arch(),
            v1::ARCHITECTURE_RESNET18);
}

TEST(JobSpecJsonTest, UnknownFieldIsAnErrorNamingTheSource) {
  EXPECT_THAT(
      ParseJobSpecJson(R"({"pretrain": {"temprature": 0.5}})", "job.json"),
      StatusIs(
          absl::StatusCode::kInvalidArgument,
          ::testing::AllOf(HasSubstr("job.json"), HasSubstr("temprature"))));
}

TEST(JobSpecJsonTest, MalformedInputsAreInvalidArgument) {
  for (const char* bad : {
           "",                         // empty
           "{",                        // truncated
           "[]",                       // not an object
           R"({"priority": "high"})",  // wrong type
           R"({"pretrain": {"encoder": {"builtin": {"arch": "RESNET"}}}})",
           R"({"pretrain": {}, "tsne": {}})",  // two kinds
           R"({"seed": -1})",                  // uint64 < 0
       }) {
    EXPECT_THAT(ParseJobSpecJson(bad, "spec"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("spec")))
        << bad;
  }
}

TEST(JobSpecJsonTest, MissingFileIsNotFoundNamingThePath) {
  EXPECT_THAT(ReadJobSpecFile("/nonexistent/job.json"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("/nonexistent/job.json")));
}

TEST(JobSpecJsonTest, PrintThenParseGivesTheSameSpec) {
  v1::JobSpec spec;
  spec.set_display_name("round trip");
  spec.set_seed(42);
  auto* pretrain = spec.mutable_pretrain();
  pretrain->set_batch_size(256);
  pretrain->mutable_projection_head()->add_widths(512);
  pretrain->mutable_projection_head()->add_widths(128);
  pretrain->mutable_augmentation()->mutable_color_jitter()->set_strength(0.5f);
  pretrain->mutable_data()->mutable_train()->mutable_local()->set_path("/x");

  auto json = JobSpecToJson(spec);
  ASSERT_THAT(json, IsOk());
  EXPECT_THAT(*json, HasSubstr("\"display_name\""));  // proto field names
  auto parsed = ParseJobSpecJson(*json, "printed");
  ASSERT_THAT(parsed, IsOk());
  EXPECT_TRUE(
      google::protobuf::util::MessageDifferencer::Equals(spec, *parsed));
}

// Every shipped example job file is a valid, strictly parsed JobSpec with
// exactly one kind, and survives a print/parse round trip.
TEST(JobSpecJsonTest, ExampleJobFilesParse) {
  const char* source_dir = std::getenv("SIMCLR_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr) << "ctest sets SIMCLR_SOURCE_DIR";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::filesystem::path(source_dir) / "examples" / "jobs")) {
    if (entry.path().extension() != ".json") continue;
    ++files;
    auto spec = ReadJobSpecFile(entry.path().string());
    ASSERT_THAT(spec, IsOk());
    EXPECT_NE(spec->kind_case(), v1::JobSpec::KIND_NOT_SET) << entry.path();
    auto reparsed = ParseJobSpecJson(*JobSpecToJson(*spec), "reprinted");
    ASSERT_THAT(reparsed, IsOk());
    EXPECT_TRUE(
        google::protobuf::util::MessageDifferencer::Equals(*spec, *reparsed))
        << entry.path();
  }
  EXPECT_GE(files, 4);
}

}  // namespace
}  // namespace simclr::core
