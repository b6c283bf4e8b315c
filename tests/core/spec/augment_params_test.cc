#include "core/spec/augment_params.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

TEST(AugmentParamsTest, DefaultIsTheOfficialSimclrSet) {
  auto p = ResolveAugmentParams({});
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(p->crop && p->flip && p->color_jitter && p->grayscale && p->blur);
  EXPECT_FLOAT_EQ(p->scale_min, 0.08f);
  EXPECT_FLOAT_EQ(p->ratio_max, 4.0f / 3.0f);
  EXPECT_FLOAT_EQ(p->flip_probability, 0.5f);
  EXPECT_FLOAT_EQ(p->jitter_probability, 0.8f);
  EXPECT_FLOAT_EQ(p->brightness, 0.8f);
  EXPECT_FLOAT_EQ(p->hue, 0.2f);
  EXPECT_FLOAT_EQ(p->grayscale_probability, 0.2f);
  EXPECT_FLOAT_EQ(p->blur_probability, 0.5f);
  EXPECT_FLOAT_EQ(p->sigma_max, 2.0f);
  EXPECT_FLOAT_EQ(p->kernel_fraction, 0.1f);
}

TEST(AugmentParamsTest, AncestorPresetIsColourOnlyAtHalfStrength) {
  v1::AugmentationConfig config;
  config.set_preset(v1::AUGMENTATION_PRESET_ANCESTOR_COLOR_ONLY);
  auto p = ResolveAugmentParams(config);
  ASSERT_THAT(p, IsOk());
  EXPECT_FALSE(p->crop || p->flip || p->blur);
  EXPECT_TRUE(p->color_jitter && p->grayscale);
  EXPECT_FLOAT_EQ(p->brightness, 0.4f);
  EXPECT_FLOAT_EQ(p->hue, 0.1f);
}

TEST(AugmentParamsTest, OverridesApplyFieldByField) {
  v1::AugmentationConfig config;
  config.mutable_color_jitter()->set_strength(0.5f);
  config.mutable_color_jitter()->set_hue(0.0f);
  config.mutable_blur()->set_enabled(false);
  config.mutable_crop()->set_scale_min(0.2f);
  auto p = ResolveAugmentParams(config);
  ASSERT_THAT(p, IsOk());
  EXPECT_FLOAT_EQ(p->brightness, 0.4f);  // from strength
  EXPECT_FLOAT_EQ(p->hue, 0.0f);         // explicit beats strength
  EXPECT_FALSE(p->blur);
  EXPECT_FLOAT_EQ(p->scale_min, 0.2f);
  EXPECT_FLOAT_EQ(p->scale_max, 1.0f);  // untouched
  v1::AugmentationConfig none;
  none.set_preset(v1::AUGMENTATION_PRESET_NONE);
  none.mutable_flip()->set_enabled(true);
  p = ResolveAugmentParams(none);
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(p->flip);
  EXPECT_FALSE(p->crop || p->color_jitter || p->grayscale || p->blur);
}

TEST(AugmentParamsTest, OutOfRangeValuesNameTheField) {
  struct Case {
    void (*set)(v1::AugmentationConfig*);
    const char* field;
  };
  const Case cases[] = {
      {[](auto* c) {
         c->mutable_crop()->set_scale_min(0.9f);
         c->mutable_crop()->set_scale_max(0.5f);
       },
       "augmentation.crop.scale_min"},
      {[](auto* c) { c->mutable_crop()->set_scale_max(1.5f); },
       "crop.scale_max"},
      {[](auto* c) { c->mutable_crop()->set_ratio_min(0.0f); },
       "crop.ratio_min"},
      {[](auto* c) { c->mutable_flip()->set_probability(1.1f); },
       "flip.probability"},
      {[](auto* c) { c->mutable_color_jitter()->set_strength(-1.0f); },
       "color_jitter.strength"},
      {[](auto* c) { c->mutable_color_jitter()->set_hue(0.6f); },
       "color_jitter.hue"},
      {[](auto* c) { c->mutable_grayscale()->set_probability(-0.1f); },
       "grayscale.probability"},
      {[](auto* c) { c->mutable_blur()->set_sigma_min(0.0f); },
       "blur.sigma_min"},
      {[](auto* c) { c->mutable_blur()->set_kernel_fraction(2.0f); },
       "blur.kernel_fraction"},
  };
  for (const auto& c : cases) {
    v1::AugmentationConfig config;
    c.set(&config);
    EXPECT_THAT(
        ResolveAugmentParams(config),
        StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
}

TEST(MultiCropParamsTest, DefaultsAreOffAndSwAVsScaleAtHalfTheInput) {
  auto params = ResolveMultiCrop({}, "multi_crop", 0);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->count, 0);
  EXPECT_FLOAT_EQ(params->scale_min, 0.05f);
  EXPECT_FLOAT_EQ(params->scale_max, 0.14f);
  EXPECT_EQ(params->SideFor(28), 14);
  EXPECT_EQ(params->SideFor(12), 8);
  v1::MultiCropConfig config;
  config.set_count(4);
  config.set_size(10);
  params = ResolveMultiCrop(config, "multi_crop", 28);
  ASSERT_TRUE(params.ok()) << params.status();
  EXPECT_EQ(params->SideFor(28), 10);
}

TEST(MultiCropParamsTest, OutOfRangeValuesNameTheField) {
  struct Case {
    void (*set)(v1::MultiCropConfig*);
    const char* field;
  };
  const Case cases[] = {
      {[](auto* c) { c->set_count(9); }, "pretrain.multi_crop.count"},
      {[](auto* c) { c->set_count(-1); }, "pretrain.multi_crop.count"},
      {[](auto* c) { c->set_size(7); }, "pretrain.multi_crop.size"},
      {[](auto* c) { c->set_size(29); }, "pretrain.multi_crop.size: 29 is above the input"},
      {[](auto* c) { c->set_scale_min(0.0f); }, "pretrain.multi_crop.scale_min"},
      {[](auto* c) { c->set_scale_max(1.5f); }, "pretrain.multi_crop.scale_max"},
      {[](auto* c) {
         c->set_scale_min(0.5f);
         c->set_scale_max(0.2f);
       },
       "pretrain.multi_crop.scale_min: 0.5 is above its maximum 0.2"},
  };
  for (const auto& c : cases) {
    v1::MultiCropConfig config;
    c.set(&config);
    EXPECT_THAT(ResolveMultiCrop(config, "pretrain.multi_crop", 28),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
}

}  // namespace
}  // namespace simclr::core
