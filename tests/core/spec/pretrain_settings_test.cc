#include "core/spec/pretrain_settings.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

v1::PretrainConfig WithSmallCrops() {
  v1::PretrainConfig config;
  auto* local = config.mutable_data()->mutable_train()->mutable_local();
  local->set_format(v1::DATASET_FORMAT_IDX);
  local->set_path("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
  config.mutable_encoder()->mutable_builtin()->set_arch(v1::ARCHITECTURE_SMALL_CNN);
  config.mutable_multi_crop()->set_count(2);
  return config;
}

TEST(PretrainSettingsTest, SmallCropsResolveOnOneRankAndAreRefusedOnMore) {
  auto one = ResolvePretrainSettings(WithSmallCrops(), 1);
  ASSERT_THAT(one, IsOk());
  EXPECT_EQ(one->multi_crop.count, 2);
  EXPECT_THAT(ResolvePretrainSettings(WithSmallCrops(), 2),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pretrain.multi_crop.count: not with num_ranks > 1")));
}

}  // namespace
}  // namespace simclr::core
