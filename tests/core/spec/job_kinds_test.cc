#include "core/spec/job_kinds.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "core/common/field_error.h"
#include "core/common/job_spec_json.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kFinetune[] = R"({"finetune": {
  "data": {"train": {"local": {"format": "DATASET_FORMAT_IDX", "path": "x.gz"}}},
  "subjects": [{"random_init": {"arch": "ARCHITECTURE_SMALL_CNN"}}]}})";

v1::JobSpec Parse(const std::string& json) {
  auto spec = ParseJobSpecJson(json, "test");
  EXPECT_THAT(spec, IsOk());
  return spec.ok() ? *spec : v1::JobSpec();
}

TEST(JobKindsTest, EveryKindOfTheOneofHasOneRow) {
  const auto* kind_oneof = v1::JobSpec::descriptor()->FindOneofByName("kind");
  ASSERT_NE(kind_oneof, nullptr);
  EXPECT_EQ(JobKinds().size(), static_cast<size_t>(kind_oneof->field_count()));
  std::set<int> kinds;
  for (const JobKindInfo& info : JobKinds()) {
    EXPECT_TRUE(kinds.insert(info.kind).second) << info.name;
    const auto* field = v1::JobSpec::descriptor()->FindFieldByNumber(info.kind_case);
    ASSERT_NE(field, nullptr) << info.name;
    EXPECT_EQ(field->containing_oneof(), kind_oneof);
    EXPECT_EQ(field->name(), info.name);
    EXPECT_EQ(FindJobKind(info.kind), &info);
    EXPECT_FALSE(info.artifacts.empty()) << info.name;
  }
  EXPECT_EQ(FindJobKind(v1::JobSpec()), nullptr);
  EXPECT_EQ(FindJobKind(v1::JOB_KIND_UNSPECIFIED), nullptr);
}

TEST(JobKindsTest, EveryExampleSpecIsValid) {
  const char* source_dir = std::getenv("SIMCLR_SOURCE_DIR");
  ASSERT_NE(source_dir, nullptr);
  const std::filesystem::path examples =
      std::filesystem::path(source_dir) / "examples" / "jobs";
  int checked = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(examples)) {
    if (entry.path().extension() != ".json") continue;
    auto spec = ReadJobSpecFile(entry.path().string());
    ASSERT_THAT(spec, IsOk()) << entry.path();
    EXPECT_THAT(ValidateJobSpec(*spec), IsOk()) << entry.path();
    ++checked;
  }
  EXPECT_GE(checked, 9);
}

TEST(JobKindsTest, FinetuneErrorsNameFinetuneFields) {
  v1::JobSpec spec = Parse(kFinetune);
  ASSERT_THAT(ValidateJobSpec(spec), IsOk());
  spec.mutable_finetune()->mutable_optimizer()->set_eps(0);
  const absl::Status status = ValidateJobSpec(spec);
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument,
                               HasSubstr("finetune.optimizer.eps: 0")));
  EXPECT_EQ(ErrorField(status), "finetune.optimizer.eps");
}

TEST(JobKindsTest, NanIsOutsideEveryRange) {
  v1::JobSpec spec = Parse(kFinetune);
  spec.mutable_finetune()->mutable_head()->set_dropout(std::nan(""));
  EXPECT_THAT(ValidateJobSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("finetune.head.dropout")));
}

TEST(JobKindsTest, UnknownEnumValuesAreRefusedNamingTheField) {
  v1::JobSpec spec = Parse(kFinetune);
  spec.mutable_finetune()->mutable_optimizer()->set_kind(
      static_cast<v1::OptimizerKind>(99));
  EXPECT_THAT(ValidateJobSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("finetune.optimizer.kind: 99 is not a known value")));
}

TEST(JobKindsTest, LabelsAreBoundedInCountKeysAndValues) {
  v1::JobSpec spec = Parse(kFinetune);
  (*spec.mutable_labels())["team"] = "vision";
  EXPECT_THAT(ValidateJobSpec(spec), IsOk());
  (*spec.mutable_labels())["Team!"] = "x";
  EXPECT_THAT(ValidateJobSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels: key")));
  spec.mutable_labels()->erase("Team!");
  (*spec.mutable_labels())["team"] = std::string(257, 'v');
  EXPECT_THAT(ValidateJobSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("labels[team]")));
}

TEST(JobKindsTest, FieldsTheJobIgnoresAreStillChecked) {
  v1::JobSpec spec = Parse(kFinetune);
  // Preset NONE turns the augmentation off; a bad value is still refused.
  auto* augmentation = spec.mutable_finetune()->mutable_augmentation();
  augmentation->set_preset(v1::AUGMENTATION_PRESET_NONE);
  augmentation->mutable_crop()->set_scale_min(0);
  EXPECT_THAT(ValidateJobSpec(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("finetune.augmentation.crop.scale_min")));
}

TEST(JobKindsTest, AKindlessSpecNamesTheKind) {
  EXPECT_THAT(ValidateJobSpec(v1::JobSpec()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("kind: set one of")));
}

}  // namespace
}  // namespace simclr::core
