#include "core/augment/view_transform.h"

#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace simclr::core {
namespace {

using ::simclr::testing::IsOk;
using ::simclr::testing::StatusIs;
using ::testing::HasSubstr;

InputShape Shape(int size, int channels, float mean = 0.5f, float std = 0.25f) {
  InputShape shape;
  shape.size = size;
  shape.channels = channels;
  shape.mean.assign(channels, mean);
  shape.std.assign(channels, std);
  return shape;
}

TEST(ResolveInputShapeTest, DefaultsComeFromTheData) {
  auto shape = ResolveInputShape({}, 28, 1);
  ASSERT_THAT(shape, IsOk());
  EXPECT_EQ(shape->size, 28);
  EXPECT_EQ(shape->channels, 1);
  EXPECT_THAT(shape->mean, ::testing::ElementsAre(0.5f));
  EXPECT_EQ(shape->values(), 28u * 28u);
}

TEST(ResolveInputShapeTest, BadSpecsNameTheField) {
  v1::InputSpec spec;
  spec.set_channels(3);
  spec.add_mean(0.5f);
  EXPECT_THAT(ResolveInputShape(spec, 28, 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input.mean: 1 values for 3 channel")));
  spec.Clear();
  spec.set_channels(2);
  EXPECT_THAT(ResolveInputShape(spec, 28, 1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input.channels")));
  spec.Clear();
  spec.set_size(4);
  EXPECT_THAT(
      ResolveInputShape(spec, 28, 1),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("input.size")));
  spec.Clear();
  spec.add_std(0.0f);
  EXPECT_THAT(
      ResolveInputShape(spec, 28, 1),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("input.std")));
}

TEST(EvalTransformTest, NormalisesExactly) {
  std::vector<uint8_t> pixels(16 * 16, 51);  // 0.2 after scaling
  std::vector<float> out(16 * 16);
  EvalTransform({pixels.data(), 16, 16, 1}, Shape(16, 1), out.data());
  for (const float v : out) ASSERT_FLOAT_EQ(v, (0.2f - 0.5f) / 0.25f);
}

TEST(EvalTransformTest, ResizesShortSideThenCentreCrops) {
  // 8 rows × 16 columns: left half 0, right half 255. Resized to 8×16 (no
  // change), the centre 8×8 crop holds 4 dark and 4 bright columns.
  std::vector<uint8_t> pixels(8 * 16);
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 16; ++x) pixels[y * 16 + x] = x < 8 ? 0 : 255;
  std::vector<float> out(8 * 8);
  EvalTransform({pixels.data(), 8, 16, 1}, Shape(8, 1, 0.0f, 1.0f), out.data());
  EXPECT_FLOAT_EQ(out[3], 0.0f);
  EXPECT_FLOAT_EQ(out[4], 1.0f);
}

TEST(EvalTransformTest, GreyToRgbReplicatesPlanes) {
  std::vector<uint8_t> pixels(8 * 8);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(i * 3);
  std::vector<float> out(3 * 8 * 8);
  EvalTransform({pixels.data(), 8, 8, 1}, Shape(8, 3), out.data());
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(out[i], out[64 + i]);
    ASSERT_EQ(out[i], out[128 + i]);
  }
}

TEST(TrainViewTransformTest, DeterministicForASeedAndDifferentAcrossViews) {
  std::vector<uint8_t> pixels(28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(i % 251);
  const TrainViewTransform transform(*ResolveAugmentParams({}), Shape(28, 1));
  const StoredImage image{pixels.data(), 28, 28, 1};
  std::vector<float> a(28 * 28), b(28 * 28), c(28 * 28);
  AugmentRng rng_a(9, 0, 5, 0), rng_b(9, 0, 5, 0), rng_c(9, 0, 5, 1);
  transform.Apply(image, rng_a, a.data());
  transform.Apply(image, rng_b, b.data());
  transform.Apply(image, rng_c, c.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // The stored pixels are never modified.
  for (size_t i = 0; i < pixels.size(); ++i) ASSERT_EQ(pixels[i], i % 251);
}

TEST(TrainViewTransformTest, GreyDataWithColourOpsGivesEqualRgbPlanes) {
  std::vector<uint8_t> pixels(28 * 28);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(i);
  const TrainViewTransform transform(*ResolveAugmentParams({}), Shape(32, 3));
  std::vector<float> out(3 * 32 * 32);
  for (uint64_t view = 0; view < 50; ++view) {
    AugmentRng rng(1, 0, 0, view);
    transform.Apply({pixels.data(), 28, 28, 1}, rng, out.data());
    for (int i = 0; i < 32 * 32; ++i) {
      ASSERT_NEAR(out[i], out[1024 + i], 1e-6);
      ASSERT_NEAR(out[i], out[2048 + i], 1e-6);
    }
  }
}

TEST(TrainViewTransformTest, NonePresetEqualsTheEvalTransform) {
  v1::AugmentationConfig none;
  none.set_preset(v1::AUGMENTATION_PRESET_NONE);
  std::vector<uint8_t> pixels(20 * 20 * 3);
  for (size_t i = 0; i < pixels.size(); ++i)
    pixels[i] = static_cast<uint8_t>(i * 7);
  const TrainViewTransform transform(*ResolveAugmentParams(none), Shape(16, 3));
  std::vector<float> view(3 * 16 * 16), eval(3 * 16 * 16);
  AugmentRng rng(1);
  transform.Apply({pixels.data(), 20, 20, 3}, rng, view.data());
  EvalTransform({pixels.data(), 20, 20, 3}, Shape(16, 3), eval.data());
  EXPECT_EQ(view, eval);
}

}  // namespace
}  // namespace simclr::core
